"""Placeholders for the ids of objects an apply creates, and where they may be filled in.

A placeholder names a kind and an identity path: `${custom_field:Account.Status}`. Within
each name of the path, `\\`, `.`, `$` and `}` are escaped with a backslash, so two different
identities never share a placeholder (type `A.B` with field `C` is `A\\.B.C`, type `A` with
field `B.C` is `A.B\\.C`) and no placeholder can hide inside another. Names without those
characters read as they always did.

apply fills placeholders only where an id belongs: in the path, and in the body keys that
hold references (the owner's id, a reference attribute, an order list), never in free text,
so a description that happens to read like a placeholder is sent as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ESCAPE = re.compile(r"([\\.$}])")
TOKEN = re.compile(r"\$\{[^:{}$\\]*:(?:\\.|[^\\}$])*\}")


def placeholder(kind: str, key: tuple[str, ...]) -> str:
    """The placeholder for the id of the `kind` object with identity path `key`."""
    return "${" + kind + ":" + ".".join(_ESCAPE.sub(r"\\\1", part) for part in key) + "}"


def fill_text(text: str, ids: Mapping[str, str]) -> str:
    """A path with every placeholder replaced by its id (unknown ones stay as they are)."""
    if "${" not in text:
        return text
    return TOKEN.sub(lambda m: ids.get(m.group(0), m.group(0)), text)


def fill_value(value: Any, ids: Mapping[str, str]) -> Any:
    """One reference value (an id, a placeholder, or a list of `{"id": ...}` entries)."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [fill_value(v, ids) for v in value]
    if isinstance(value, dict) and set(value) == {"id"}:
        return {"id": fill_value(value["id"], ids)}
    return value


def unfilled(text: str) -> list[str]:
    """The placeholders left in a text."""
    return TOKEN.findall(text)
