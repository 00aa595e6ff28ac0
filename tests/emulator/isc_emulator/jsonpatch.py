"""RFC 6902 JSON Patch on plain JSON documents, for the ISC emulator (a test double, not
affiliated with SailPoint).

ISC's PATCH operations take ``application/json-patch+json``. The emulator applies the operations
to a copy of the resource's representation and then validates the result as a whole, so a patch
either applies completely or not at all.
"""

from __future__ import annotations

import copy
from typing import Any

OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")


class PatchError(ValueError):
    """The patch document is malformed or cannot be applied."""


def _tokens(pointer: Any) -> list[str]:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    if pointer == "":
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def top_level_member(pointer: str) -> str:
    """The first member named by a pointer ('' for the whole document)."""
    tokens = _tokens(pointer)
    return tokens[0] if tokens else ""


def check_operations(operations: Any) -> list[dict]:
    """Structural validation of a patch document (a list of operation objects)."""
    if not isinstance(operations, list):
        raise PatchError("a JSON Patch document must be an array of operations")
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise PatchError(f"operation #{index} is not an object")
        op = operation.get("op")
        if op not in OPERATIONS:
            raise PatchError(f"operation #{index}: op must be one of {', '.join(OPERATIONS)}, got {op!r}")
        _tokens(operation.get("path"))
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"operation #{index} ({op} {operation['path']}): 'value' is required")
        if op in ("move", "copy"):
            _tokens(operation.get("from"))
    return operations


def touched_members(operations: list[dict]) -> list[str]:
    """Top-level members a patch would change (``test`` changes nothing, ``move`` changes both ends)."""
    members: list[str] = []
    for operation in operations:
        if operation["op"] == "test":
            continue
        pointers = [operation["path"]] + ([operation["from"]] if operation["op"] == "move" else [])
        for pointer in pointers:
            member = top_level_member(pointer)
            if member not in members:
                members.append(member)
    return members


def _resolve_parent(document: Any, tokens: list[str]) -> tuple[Any, str]:
    target = document
    for token in tokens[:-1]:
        target = _child(target, token)
    return target, tokens[-1]


def _child(container: Any, token: str) -> Any:
    if isinstance(container, dict):
        if token not in container:
            raise PatchError(f"path member {token!r} does not exist")
        return container[token]
    if isinstance(container, list):
        return container[_index(container, token, allow_end=False)]
    raise PatchError(f"cannot descend into {type(container).__name__} with {token!r}")


def _index(array: list, token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(array)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"invalid array index {token!r}")
    index = int(token)
    if index > len(array) or (index == len(array) and not allow_end):
        raise PatchError(f"array index {index} out of range")
    return index


def _get(document: Any, pointer: str) -> Any:
    target = document
    for token in _tokens(pointer):
        target = _child(target, token)
    return target


def _add(document: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent, last = _resolve_parent(document, tokens)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, allow_end=True), value)
    else:
        raise PatchError(f"cannot add {last!r} to a {type(parent).__name__}")
    return document


def _remove(document: Any, tokens: list[str]) -> tuple[Any, Any]:
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent, last = _resolve_parent(document, tokens)
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"path member {last!r} does not exist")
        return document, parent.pop(last)
    if isinstance(parent, list):
        return document, parent.pop(_index(parent, last, allow_end=False))
    raise PatchError(f"cannot remove {last!r} from a {type(parent).__name__}")


def apply_patch(document: dict, operations: list[dict]) -> dict:
    """Apply ``operations`` to a deep copy of ``document`` and return the copy."""
    result = copy.deepcopy(document)
    for operation in check_operations(operations):
        op, tokens = operation["op"], _tokens(operation["path"])
        if op == "add":
            result = _add(result, tokens, copy.deepcopy(operation["value"]))
        elif op == "remove":
            result, _removed = _remove(result, tokens)
        elif op == "replace":
            _get(result, operation["path"])  # must exist (RFC 6902 §4.3)
            result, _removed = _remove(result, tokens) if tokens else (result, None)
            result = _add(result, tokens, copy.deepcopy(operation["value"]))
        elif op == "move":
            result, value = _remove(result, _tokens(operation["from"]))
            result = _add(result, tokens, value)
        elif op == "copy":
            result = _add(result, tokens, copy.deepcopy(_get(result, operation["from"])))
        elif op == "test":
            if _get(result, operation["path"]) != operation["value"]:
                raise PatchError(f"test failed at {operation['path']}")
    if not isinstance(result, dict):
        raise PatchError("the patched document is no longer an object")
    return result
