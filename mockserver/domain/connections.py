"""Base connections (``/connections``): credentials for a connection spec."""

from __future__ import annotations

import time
from typing import Any

from ..redaction import MASK
from .context import Caller
from .errors import (
    auth_spec_not_found, connection_in_use, connection_spec_immutable, validation_failed,
)
from .resources import Resource
from .specs import connection_spec_ref
from .validation import check_schema, optional_string, require_object, require_string

#: What GET shows in place of a secret auth param (see docs/fidelity.md).
SECRET_MASK = MASK


class Connections(Resource):
    collection = "connections"
    patchable = frozenset({"name", "description", "auth", "encryption", "connectionSpec"})
    # Filters, sorts and patches see secrets masked (docs/fidelity.md, "Secrets").
    patch_presented = True

    def build(self, caller: Caller, body: Any) -> dict:
        body = require_object(body)
        spec, spec_ref = connection_spec_ref(self.platform.catalog, body)
        fields = {
            "name": require_string(body, "name"),
            "description": optional_string(body, "description") or "",
            "connectionSpec": spec_ref,
            "state": "enabled",
        }
        fields.update(self._credentials(spec, body.get("auth"), body.get("encryption")))
        return fields

    def revalidate(self, caller: Caller, old: dict, new: dict) -> dict:
        if new.get("connectionSpec") != old["connectionSpec"]:
            raise connection_spec_immutable()
        spec = self.platform.catalog.connection_spec(old["connectionSpec"]["id"])
        auth = new.get("auth")
        if isinstance(auth, dict) and isinstance(auth.get("params"), dict):
            # A client that sends back what GET showed must not store the mask as a secret.
            old_params = (old.get("auth") or {}).get("params") or {}
            auth = {**auth, "params": {
                k: old_params.get(k, v) if v == SECRET_MASK else v for k, v in auth["params"].items()
            }}
        credentials = self._credentials(spec, auth, new.get("encryption"), old.get("auth"))
        return {**{k: v for k, v in new.items() if k not in ("auth", "encryption")}, **credentials}

    def base_for(self, caller: Caller, base_id: Any, spec_id: str) -> dict:
        """The base connection ``base_id`` that a source or target connection of ``spec_id`` names."""
        base = self.find(caller, base_id)
        if base is None:
            raise validation_failed(f"Base connection {base_id} not found.")
        if base["connectionSpec"]["id"] != spec_id:
            raise validation_failed(
                f"Base connection {base_id} belongs to connection spec "
                f"{base['connectionSpec']['id']}, not {spec_id}."
            )
        return base

    def check_delete(self, caller: Caller, entity: dict) -> None:
        if self.platform.flows_using_base_connection(caller, entity["id"]):
            raise connection_in_use(entity["id"])

    def present(self, entity: dict) -> dict:
        auth = entity.get("auth")
        if self.platform.settings.reveal_secrets or not isinstance(auth, dict):
            return entity
        # Every name any auth spec marks secret, not only the current spec's: a param kept from
        # before a PATCH changed specName is still a secret.
        secrets = self.platform.catalog.all_secret_keys()
        params = auth.get("params") or {}
        if not secrets.intersection(params):
            return entity
        masked = {k: SECRET_MASK if k in secrets and v is not None else v for k, v in params.items()}
        return {**entity, "auth": {**auth, "params": masked}}

    # --- auth and encryption ---------------------------------------------------------

    def _credentials(self, spec: dict, auth: Any, encryption: Any, previous: dict | None = None) -> dict:
        """The validated ``auth`` and ``encryption`` members (those that are given)."""
        auth, encryption = self._auth(spec, auth, encryption, previous)
        return {k: v for k, v in (("auth", auth), ("encryption", encryption)) if v is not None}

    def _auth(self, spec: dict, auth: Any, encryption: Any,
              previous: dict | None = None) -> tuple[dict | None, dict | None]:
        catalog = self.platform.catalog
        if auth is None:
            if catalog.auth_specs(spec):
                raise validation_failed(
                    f"Field 'auth' is required for connection spec {spec['id']} ({spec['name']})."
                )
            return None, self._encryption(spec, encryption)
        auth = require_object(auth, "Field 'auth'")
        spec_name = auth.get("specName")
        auth_spec = catalog.auth_spec(spec, spec_name)
        if auth_spec is None:
            if not catalog.auth_specs(spec):
                raise validation_failed(f"Connection spec {spec['id']} ({spec['name']}) takes no 'auth'.")
            raise auth_spec_not_found(str(spec_name), spec["id"])
        params = dict(require_object(auth.get("params"), "Field 'auth.params'"))
        # AS documents the file encryption keys inside auth.params.
        nested_encryption = params.pop("encryptionSpecs", None)
        authorized = params.pop("authorizedDate", None)
        check_schema(catalog.schema_validator(auth_spec["spec"]), params, "auth.params",
                     secrets=[params[k] for k in catalog.secret_keys(auth_spec) if k in params])
        previous_date = ((previous or {}).get("params") or {}).get("authorizedDate")
        params["authorizedDate"] = previous_date or authorized or self._today()
        return (
            {"specName": auth_spec["name"], "params": params},
            self._encryption(spec, encryption if encryption is not None else nested_encryption),
        )

    def _encryption(self, spec: dict, encryption: Any) -> dict | None:
        """Validated file encryption, stored as ``{specName, params}`` (MIG's shape)."""
        if encryption is None:
            return None
        encryption = require_object(encryption, "Field 'encryption'")
        specs = spec.get("encryptionSpecs") or []
        if not specs:
            raise validation_failed(f"Connection spec {spec['id']} ({spec['name']}) takes no 'encryption'.")
        validator = self.platform.catalog.schema_validator
        if "params" in encryption:
            params = require_object(encryption["params"], "Field 'encryption.params'")
            name = encryption.get("specName")
        else:  # AS sends the bare params
            params, name = encryption, None
        if name is None:  # no spec named: the first one the params satisfy
            chosen = next((e for e in specs if validator(e["spec"]).is_valid(params)), specs[0])
        else:
            chosen = next((e for e in specs if e["name"] == name), None)
            if chosen is None:
                names = ", ".join(e["name"] for e in specs)
                raise validation_failed(f"Field 'encryption.specName' must be one of: {names}.")
        check_schema(validator(chosen["spec"]), params, "encryption.params")
        return {"specName": chosen["name"], "params": params}

    def _today(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.platform.clock.now()))
