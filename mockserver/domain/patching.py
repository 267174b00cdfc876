"""JSON Patch (RFC 6902) as Flow Service accepts it.

jsonpatch applies the operations; this module only enforces what the service
adds on top: operation names in either case (the docs send ``add`` and
``ADD``), no ``move``/``copy``, and only the members a resource lets clients
change.
"""

from __future__ import annotations

from typing import Any, Iterable

import jsonpatch
import jsonpointer

from .errors import body_missing, patch_invalid, unsupported_patch_op

SUPPORTED_OPS = ("add", "remove", "replace", "test")
UNSUPPORTED_OPS = ("move", "copy")


def normalise(ops: Any, patchable: Iterable[str]) -> list[dict]:
    """Check a patch document; return its operations with lower-case ``op`` names."""
    if ops is None or ops == []:
        raise body_missing()
    if not isinstance(ops, list):
        raise patch_invalid("The request body must be an array of patch operations.")
    allowed = frozenset(patchable)
    result = []
    for index, item in enumerate(ops):
        if not isinstance(item, dict):
            raise patch_invalid(f"Operation {index} must be an object.")
        op = item.get("op")
        if not isinstance(op, str):
            raise patch_invalid(f'Missing field "op" in operation {index}.')
        op = op.lower()
        if op in UNSUPPORTED_OPS or op not in SUPPORTED_OPS:
            raise unsupported_patch_op(item["op"])
        path = item.get("path")
        if not isinstance(path, str):
            raise patch_invalid(f'Missing field "path" in operation {index}.')
        if op != "remove" and "value" not in item:
            raise patch_invalid(f'Missing field "value" in operation {index}.')
        member = _top_member(path)
        if member not in allowed:
            raise patch_invalid(f'Path "{path}" cannot be changed; changeable: {", ".join(sorted(allowed))}.')
        result.append({**item, "op": op})
    return result


def apply(document: dict, ops: list[dict]) -> dict:
    """A new document with ``ops`` applied in order; the original is left as it was."""
    try:
        return jsonpatch.apply_patch(document, ops, in_place=False)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise patch_invalid(str(exc)) from None


def _top_member(path: str) -> str:
    if not path.startswith("/"):
        raise patch_invalid(f'Invalid path "{path}": a JSON Pointer starts with "/".')
    return jsonpointer.unescape(path[1:].split("/", 1)[0])
