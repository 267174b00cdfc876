"""JSON Patch (RFC 6902) as Flow Service accepts it.

jsonpatch applies the operations; this module only enforces what the service
adds on top: operation names in either case (the docs send ``add`` and
``ADD``), no ``move``/``copy``, and only the members a resource lets clients
change.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

import jsonpatch
import jsonpointer

from ..text import shown
from .errors import body_missing, patch_invalid, unsupported_patch_op

SUPPORTED_OPS = ("add", "remove", "replace", "test")
UNSUPPORTED_OPS = ("move", "copy")


def normalise(ops: Any, patchable: Iterable[str], max_operations: int | None = None) -> list[dict]:
    """Check a patch document; return its operations with lower-case ``op`` names."""
    if ops is None or ops == []:
        raise body_missing()
    if not isinstance(ops, list):
        raise patch_invalid("The request body must be an array of patch operations.")
    if max_operations is not None and len(ops) > max_operations:
        raise patch_invalid(f"The patch has {len(ops)} operations; at most {max_operations} are accepted.")
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
            raise unsupported_patch_op(shown(item["op"]))
        path = item.get("path")
        if not isinstance(path, str):
            raise patch_invalid(f'Missing field "path" in operation {index}.')
        if op != "remove" and "value" not in item:
            raise patch_invalid(f'Missing field "value" in operation {index}.')
        member = _top_member(path)
        if member not in allowed:
            raise patch_invalid(f'Path "{shown(path)}" cannot be changed; changeable: {", ".join(sorted(allowed))}.')
        result.append({**item, "op": op})
    return result


def apply(document: dict, ops: list[dict]) -> dict:
    """A new document with ``ops`` applied in order; the original is left as it was."""
    patched = copy.deepcopy(document)
    try:
        for op in ops:
            _check_parents(patched, op["path"])
            patched = jsonpatch.apply_patch(patched, [op], in_place=True)
    except jsonpatch.JsonPatchTestFailed:
        # jsonpatch's message shows both values with their Python types; the service's names the path.
        raise patch_invalid(f'The test operation on "{shown(op["path"])}" failed: '
                            "the value there is not the value given.") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as exc:
        raise patch_invalid(shown(str(exc), 300)) from None
    return patched


def _check_parents(document: Any, path: str) -> None:
    """Refuse a pointer that steps into a string or number (jsonpointer would index a string)."""
    node = document
    parts = jsonpointer.JsonPointer(path).parts
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return  # a missing member: jsonpatch reports it
    if parts and not isinstance(node, (dict, list)):
        raise patch_invalid(f'Path "{shown(path)}" goes through a value that is not an object or an array.')


def _top_member(path: str) -> str:
    if not path.startswith("/"):
        raise patch_invalid(f'Invalid path "{shown(path)}": a JSON Pointer starts with "/".')
    return jsonpointer.unescape(path[1:].split("/", 1)[0])
