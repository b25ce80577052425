"""API list responses into live objects: every value checked, through the kinds' attributes.

Unknown keys are ignored (the API adds keys over time); missing or mistyped keys that a plan
depends on raise ResponseError, so no write is ever based on a misread response.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from schemasync.errors import ResponseError
from schemasync.kinds import Attr, Kind
from schemasync.kinds.base import Choice, Flag, OptText, Ref, Roles, Strings, Text
from schemasync.model import Obj


class Reader:
    """Checks one list response item by item; every failure names the endpoint and item."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, msg: str) -> ResponseError:
        return ResponseError(
            "GET",
            self.path,
            200,
            f"unexpected response: {msg}",
            hint="nothing was changed; the API answered in a shape schemasync does not know",
        )

    def items(self, data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, list):
            raise self.fail(f"expected a list of objects, got {type(data).__name__}")
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                raise self.fail(f"item {i} is {type(item).__name__}, not an object")
        return data

    def string(self, item: dict[str, Any], key: str, i: int) -> str:
        v = item.get(key)
        if not isinstance(v, str) or not v:
            raise self.fail(f"item {i} has no valid {key!r} (got {_short(v)})")
        return v

    def opt_string(self, item: dict[str, Any], key: str, i: int) -> str | None:
        v = item.get(key)
        if v is None or isinstance(v, str):
            return v
        raise self.fail(f"item {i}: {key!r} should be a string or null (got {_short(v)})")

    def flag(self, item: dict[str, Any], key: str, i: int) -> bool:
        v = item.get(key)
        if v is None:
            return False
        if isinstance(v, bool):
            return v
        raise self.fail(f"item {i}: {key!r} should be true or false (got {_short(v)})")

    def strings(self, item: dict[str, Any], key: str, i: int) -> tuple[str, ...] | None:
        v = item.get(key)
        if v is None:
            return None
        if isinstance(v, list) and all(isinstance(s, str) for s in v):
            return tuple(v)
        raise self.fail(f"item {i}: {key!r} should be a list of strings (got {_short(v)})")


def _short(v: Any) -> str:
    text = _preview(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _preview(v: Any) -> str:
    """JSON text of a value, objects shown as {…}: read through a Slim hook their keys were
    filtered while decoding, so showing them would show less than the API sent."""
    if isinstance(v, dict):
        return "{…}"
    if isinstance(v, list):
        shown = ", ".join(_preview(e) for e in v[:20])
        return f"[{shown}, …]" if len(v) > 20 else f"[{shown}]"
    return json.dumps(v, default=str)


ReadFn = Callable[[Reader, dict[str, Any], str, int], Any]


def _read_fn(attr: Attr) -> ReadFn:
    """How one attribute is read from a live item (identity and replace attributes strictly)."""
    codec = attr.codec
    if isinstance(codec, (Text, Choice, Ref)) and attr.live_strict:
        return Reader.string
    if isinstance(codec, Text):
        missing = attr.live_missing
        return lambda r, item, key, i: r.opt_string(item, key, i) or missing
    if isinstance(codec, (OptText, Choice)):
        return Reader.opt_string
    if isinstance(codec, Flag):
        return Reader.flag
    if isinstance(codec, Strings):
        return Reader.strings
    if isinstance(codec, Roles):
        return lambda r, item, key, i: r.strings(item, key, i) or ()
    if isinstance(codec, Ref):
        return Reader.opt_string
    raise TypeError(f"no live reader for {codec.name}")  # pragma: no cover - a kind's mistake


Spec = tuple[str, str, ReadFn, "frozenset[str] | None", Any]
_SPECS: dict[str, tuple[Spec, ...]] = {}


def _specs(kind: Kind) -> tuple[Spec, ...]:
    """The kind's attributes as (key, api key, reader, when, default), built once per kind."""
    specs = _SPECS.get(kind.name)
    if specs is None:
        specs = tuple(
            (a.key, a.api_key, _read_fn(a), a.when, a.default)
            for a in kind.attrs
            if a.key != "type"  # read first: the others' applicability depends on it
        )
        _SPECS[kind.name] = specs
    return specs


def read_values(kind: Kind, reader: Reader, item: dict[str, Any], i: int) -> dict[str, Any]:
    """One live item's attribute values, in API terms (inapplicable ones at their default)."""
    values: dict[str, Any] = {}
    field_type = None
    if any(a.key == "type" for a in kind.attrs):
        field_type = values["type"] = reader.string(item, "type", i)
    for key, api, fn, when, default in _specs(kind):
        values[key] = fn(reader, item, api, i) if when is None or field_type in when else default
    return values


def display_order(own: list[Obj], display_ids: Iterable[Any]) -> tuple[list[Obj], tuple[str, ...]]:
    """Order an owner's children as its embedded list shows them.

    The embedded list is the display order; children it does not mention (a lagging read)
    go last in list order, and ids it shows that are not children read here are kept apart.
    """
    by_id = {f.id: f for f in own}
    ordered: list[Obj] = []
    others: list[str] = []
    for fid in display_ids:
        if not isinstance(fid, str):
            continue
        if fid in by_id:
            ordered.append(by_id.pop(fid))
        else:
            others.append(fid)
    ordered.extend(f for f in own if f.id in by_id)
    return ordered, tuple(others)
