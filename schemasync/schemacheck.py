"""A yes/no check of a document against a shipped JSON Schema, without importing jsonschema.

jsonschema's import costs about 100 ms, more than all the rest of `validate` together, and
pre-commit runs `validate` on every commit. The schema file stays the single source of the
rules: this reads the same file, understands only the keywords our schemas use, and answers
None for anything else. Only a True answer is trusted on its own; on False or None the
caller runs jsonschema, which also writes every message. tests/test_schemacheck.py holds the
two to the same verdicts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "$defs", "examples"}
)
_KEYWORDS = frozenset(
    {
        "$ref",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "const",
        "enum",
        "items",
        "pattern",
        "if",
        "then",
        "else",
    }
)


class _Unknown(Exception):
    """The schema uses something this checker does not understand."""


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise _Unknown(name)


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, and lists and objects compare member by member."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return False
    return bool(a == b)


@lru_cache(maxsize=64)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def resolve_ref(root: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a local `$ref` ("#/$defs/name", the only kind our schemas use) points to."""
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _check(value: Any, schema: Any, root: dict[str, Any]) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict):
        raise _Unknown(repr(schema))
    unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
    if unknown:
        raise _Unknown(", ".join(sorted(unknown)))
    if "$ref" in schema:
        ref = schema["$ref"]
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            raise _Unknown(str(ref))
        target = root.get("$defs", {}).get(ref[len("#/$defs/") :])
        if target is None:
            raise _Unknown(ref)
        if not _check(value, target, root):
            return False
    if "if" in schema:
        branch = schema.get("then" if _check(value, schema["if"], root) else "else", True)
        if not _check(value, branch, root):
            return False
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, t) for t in types):
            return False
    if "const" in schema and not _equal(value, schema["const"]):
        return False
    if "enum" in schema and not any(_equal(value, e) for e in schema["enum"]):
        return False
    if isinstance(value, str) and "pattern" in schema:
        if not _regex(schema["pattern"]).search(value):
            return False
    if isinstance(value, list) and "items" in schema:
        if not all(_check(v, schema["items"], root) for v in value):
            return False
    if isinstance(value, dict):
        if any(k not in value for k in schema.get("required", ())):
            return False
        props = schema.get("properties", {})
        for key, item in value.items():
            if key in props:
                if not _check(item, props[key], root):
                    return False
            elif "additionalProperties" in schema:
                if not _check(item, schema["additionalProperties"], root):
                    return False
    return True


def conforms(document: Any, schema: dict[str, Any]) -> bool | None:
    """True if `document` satisfies `schema`, False if not, None if this checker can't tell."""
    try:
        return _check(document, schema, schema)
    except (_Unknown, RecursionError, re.error):
        return None
