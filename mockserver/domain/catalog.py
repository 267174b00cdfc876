"""The static catalogue: connection specs, flow specs and demo datasets, as data.

Each connection spec and flow spec is one JSON file under
``mockserver/catalog/`` holding exactly what ``GET /connectionSpecs/{id}`` or
``GET /flowSpecs/{id}`` returns. Adding a destination is adding a file. The
files are read once at start-up; JSON Schema validators are compiled the
first time a spec is used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from jsonschema import Draft7Validator

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"

PROFILE_STORE_SPEC_ID = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DATA_LAKE_SPEC_ID = "23598e46-f560-407b-88d5-ea6207e49db0"
SOURCE_SPEC_IDS = (PROFILE_STORE_SPEC_ID, DATA_LAKE_SPEC_ID)

#: Key of a targetSpec naming the file-type key each kind of flow needs
#: (the published specs list both as required; see docs/fidelity.md).
WORKFLOW_REQUIREMENTS_KEY = "x-mockRequiredByWorkflow"
#: Key of a targetSpec saying how the destination lays out exported files (mockserver/engine/naming.py).
FILE_LAYOUT_KEY = "x-mockFileLayout"
#: Keys of the catalogue files that describe the mock's behaviour and are not returned.
PRIVATE_KEYS = (WORKFLOW_REQUIREMENTS_KEY, FILE_LAYOUT_KEY)


def _load_dir(directory: Path) -> dict[str, dict]:
    specs: dict[str, dict] = {}
    for path in sorted(directory.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec["id"] in specs:
            raise ValueError(f"duplicate spec id {spec['id']} in {path}")
        specs[spec["id"]] = spec
    return specs


class Catalog:
    def __init__(self, root: Path = CATALOG_DIR) -> None:
        self._connection_specs = _load_dir(root / "connection_specs")
        self._flow_specs = _load_dir(root / "flow_specs")
        self.public_connection_specs = [self.public(s) for s in self._connection_specs.values()]
        self.public_flow_specs = list(self._flow_specs.values())
        self._validators: dict[int, "Draft7Validator"] = {}
        self._secret_keys: frozenset[str] | None = None

    @staticmethod
    def public(spec: dict) -> dict:
        """The spec as the API returns it, without the mock's private keys."""
        target = spec.get("targetSpec")
        if not isinstance(target, dict) or not any(k in target for k in PRIVATE_KEYS):
            return spec
        return {**spec, "targetSpec": {k: v for k, v in target.items() if k not in PRIVATE_KEYS}}

    # --- look-ups -------------------------------------------------------------

    def connection_spec(self, spec_id: Any) -> dict | None:
        return self._connection_specs.get(spec_id) if isinstance(spec_id, str) else None

    def flow_spec(self, spec_id: Any) -> dict | None:
        return self._flow_specs.get(spec_id) if isinstance(spec_id, str) else None

    def connection_specs(self) -> Iterable[dict]:
        return self._connection_specs.values()

    def auth_specs(self, connection_spec: dict) -> list[dict]:
        return connection_spec.get("authSpec") or []

    def auth_spec(self, connection_spec: dict, name: Any) -> dict | None:
        for auth in self.auth_specs(connection_spec):
            if auth.get("name") == name:
                return auth
        return None

    @staticmethod
    def is_destination(connection_spec: dict) -> bool:
        return isinstance(connection_spec.get("targetSpec"), dict)

    @staticmethod
    def workflow_requirements(connection_spec: dict, workflow: str) -> list[str]:
        """Target params a flow of ``workflow`` ("DATASETS" or "SEGMENTS") needs."""
        target = connection_spec.get("targetSpec") or {}
        return list((target.get(WORKFLOW_REQUIREMENTS_KEY) or {}).get(workflow, []))

    @staticmethod
    def secret_keys(auth_spec: dict) -> frozenset[str]:
        """Auth params the spec marks as secrets (``format: password``)."""
        props = (auth_spec.get("spec") or {}).get("properties") or {}
        return frozenset(k for k, v in props.items() if isinstance(v, dict) and v.get("format") == "password")

    def all_secret_keys(self) -> frozenset[str]:
        """Every auth param that some connection spec marks as a secret (computed once)."""
        if self._secret_keys is None:
            self._secret_keys = frozenset(
                key for spec in self._connection_specs.values() for auth in self.auth_specs(spec)
                for key in self.secret_keys(auth)
            )
        return self._secret_keys

    def schema_validator(self, schema: dict) -> "Draft7Validator":
        """A compiled validator for a schema of this catalogue (cached: specs never change)."""
        validator = self._validators.get(id(schema))
        if validator is None:
            # Imported on first use: jsonschema is a quarter of the mock's start-up otherwise.
            from jsonschema import Draft7Validator

            validator = self._validators[id(schema)] = Draft7Validator(schema)
        return validator
