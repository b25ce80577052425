"""The live org as schemasync sees it: API list responses parsed, checked and normalised."""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from schemasync.errors import ResponseError

TYPES_PATH = "/custom_object_type/"
FIELDS_PATH = "/custom_field/custom_object_type/"
ROLES_PATH = "/role/"


PairsHook = Callable[[list[tuple[str, Any]]], dict[str, Any]]


@dataclass(frozen=True)
class Slim:
    """What of a list response's objects to keep while its JSON is decoded.

    A big org's lists carry dates, users and org ids on every object, and the types list
    embeds a summary of every field: about half of what they decode to is never read.
    `hook()` is a `json.loads` object_pairs_hook that builds each object with only `keys`
    (null values dropped too: parse_live reads every key with .get(), so null and missing
    read alike), cuts the objects in a `nested` key's list down to their own keys, and keeps
    one str per distinct value of the `shared` keys (ids and kinds that repeat on every
    field). Anything else, wrong types included, passes through for parse_live to judge.
    """

    keys: frozenset[str]
    nested: Mapping[str, frozenset[str]] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()

    def hook(self) -> PairsHook:
        keys, nested, shared = self.keys | _ENVELOPE, self.nested, self.shared
        seen: dict[str, str] = {}

        def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            out = {}
            for key, value in pairs:
                if value is None or key not in keys:
                    continue
                if key in nested and type(value) is list:
                    inner = nested[key]
                    value = [
                        {k: v for k, v in item.items() if k in inner}
                        if type(item) is dict
                        else item
                        for item in value
                    ]
                elif key in shared and type(value) is str:
                    value = seen.setdefault(value, value)
                out[key] = value
            return out

        return build


_ENVELOPE = frozenset({"data", "has_more"})

# The keys parse_live reads from each list; `read_schema(slim=SLIM)` decodes only these.
SLIM: dict[str, Slim] = {
    "types": Slim(
        keys=frozenset(
            "id name name_plural description api_create_only editable_with_roles fields".split()
        ),
        nested={"fields": frozenset({"id"})},  # the display order is all a plan needs of them
    ),
    "fields": Slim(
        keys=frozenset(
            "is_shared id custom_object_type_id name type choices required"
            " accepts_multiple_values description editable_with_roles"
            " referenced_custom_type_id back_reference_is_visible".split()
        ),
        shared=frozenset({"custom_object_type_id", "referenced_custom_type_id", "type"}),
    ),
    "roles": Slim(keys=frozenset({"id", "name"})),
}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while building a large, acyclic structure.

    Parsing, diffing and rendering a big org allocate hundreds of thousands of containers
    that all stay alive; each allocation burst would otherwise trigger full collections
    that walk the whole heap (the decoded responses, the manifest, the live org), which
    makes the cost grow faster than the org. Nothing here creates reference cycles, so
    there is nothing for the collector to find; it is switched back on afterwards (unless
    it was already off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class LiveField:
    id: str
    type_id: str
    name: str
    type: str
    choices: tuple[str, ...] | None = None
    required: bool = False
    accepts_multiple_values: bool = False
    description: str | None = None
    editable_with_roles: tuple[str, ...] = ()
    referenced_type_id: str | None = None
    back_reference_is_visible: bool = False


@dataclass(frozen=True)
class LiveType:
    id: str
    name: str
    name_plural: str
    description: str | None = None
    api_create_only: bool = False
    editable_with_roles: tuple[str, ...] = ()
    # Regular custom-object fields in display order.
    fields: tuple[LiveField, ...] = ()
    # Fields shown on the type that schemasync does not manage (shared fields): kept in order
    # so a reorder can leave them where the server appends omitted ids.
    other_field_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class LiveRole:
    id: str
    name: str


@dataclass(frozen=True)
class LiveOrg:
    types: tuple[LiveType, ...] = ()
    roles: tuple[LiveRole, ...] = ()

    def type_by_id(self, type_id: str) -> LiveType | None:
        for t in self.types:
            if t.id == type_id:
                return t
        return None

    def role_names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.roles}

    def fingerprint(self) -> str:
        """sha256 of everything a plan depends on (ids included; no dates, no users).

        The bytes are compact, key-sorted JSON of `{"roles": [...], "types": [...]}`, both
        sorted by id (types as `_type_dict`), fed to the hash one type at a time so a big
        org's whole dict and JSON text are never in memory at once.
        """
        digest = hashlib.sha256()
        roles = [{"id": r.id, "name": r.name} for r in sorted(self.roles, key=lambda r: r.id)]
        digest.update(b'{"roles":' + _canonical(roles) + b',"types":[')
        for i, t in enumerate(sorted(self.types, key=lambda t: t.id)):
            if i:
                digest.update(b",")
            digest.update(_canonical(_type_dict(t)))
        digest.update(b"]}")
        return "sha256:" + digest.hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _type_dict(t: LiveType) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "name_plural": t.name_plural,
        "description": t.description,
        "api_create_only": t.api_create_only,
        "editable_with_roles": list(t.editable_with_roles),
        "fields": [_field_dict(f) for f in t.fields],
        "other_field_ids": list(t.other_field_ids),
    }


def _field_dict(f: LiveField) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "type": f.type,
        "choices": list(f.choices) if f.choices is not None else None,
        "required": f.required,
        "accepts_multiple_values": f.accepts_multiple_values,
        "description": f.description,
        "editable_with_roles": list(f.editable_with_roles),
        "referenced_type_id": f.referenced_type_id,
        "back_reference_is_visible": f.back_reference_is_visible,
    }


class _Reader:
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
    """JSON text of a value, objects shown as {…}: read through SLIM their keys were filtered
    while decoding, so showing them would show less than the API sent."""
    if isinstance(v, dict):
        return "{…}"
    if isinstance(v, list):
        shown = ", ".join(_preview(e) for e in v[:20])
        return f"[{shown}, …]" if len(v) > 20 else f"[{shown}]"
    return json.dumps(v, default=str)


@gc_paused()
def parse_live(raw: dict[str, Any]) -> LiveOrg:
    """Build a LiveOrg from `{"types": [...], "fields": [...], "roles": [...]}` list payloads.

    Unknown keys are ignored (the API adds keys over time); missing or mistyped keys that a
    plan depends on raise ResponseError, so no write is ever based on a misread response.
    """
    fr = _Reader(FIELDS_PATH)
    fields_by_type: dict[str, list[LiveField]] = {}
    seen: set[str] = set()
    for i, item in enumerate(fr.items(raw.get("fields"))):
        if item.get("is_shared") is True:
            continue
        ftype = fr.string(item, "type", i)
        f = LiveField(
            id=fr.string(item, "id", i),
            type_id=fr.string(item, "custom_object_type_id", i),
            name=fr.string(item, "name", i),
            type=ftype,
            choices=fr.strings(item, "choices", i) if ftype == "choices" else None,
            required=fr.flag(item, "required", i),
            accepts_multiple_values=fr.flag(item, "accepts_multiple_values", i),
            description=fr.opt_string(item, "description", i),
            editable_with_roles=fr.strings(item, "editable_with_roles", i) or (),
            # Required: read as missing, it would plan a replace that destroys the field.
            referenced_type_id=(
                fr.string(item, "referenced_custom_type_id", i)
                if ftype == "custom_object"
                else None
            ),
            back_reference_is_visible=(
                fr.flag(item, "back_reference_is_visible", i) if ftype == "custom_object" else False
            ),
        )
        if f.id in seen:  # one object listed twice: the list cannot be trusted
            raise fr.fail(f"item {i} repeats the id {f.id!r}")
        seen.add(f.id)
        fields_by_type.setdefault(f.type_id, []).append(f)

    tr = _Reader(TYPES_PATH)
    types = []
    for i, item in enumerate(tr.items(raw.get("types"))):
        type_id = tr.string(item, "id", i)
        if type_id in seen:
            raise tr.fail(f"item {i} repeats the id {type_id!r}")
        seen.add(type_id)
        own = fields_by_type.get(type_id, [])
        embedded = item.get("fields")
        if embedded is None:
            embedded = []
        elif not isinstance(embedded, list):
            raise tr.fail(f"item {i}: 'fields' should be a list")
        display_ids = [e.get("id") for e in embedded if isinstance(e, dict)]
        fields, others = _display_order(own, display_ids)
        types.append(
            LiveType(
                id=type_id,
                name=tr.string(item, "name", i),
                name_plural=tr.opt_string(item, "name_plural", i) or "",
                description=tr.opt_string(item, "description", i),
                api_create_only=tr.flag(item, "api_create_only", i),
                editable_with_roles=tr.strings(item, "editable_with_roles", i) or (),
                fields=fields,
                other_field_ids=others,
            )
        )

    rr = _Reader(ROLES_PATH)
    roles = tuple(
        LiveRole(id=rr.string(item, "id", i), name=rr.string(item, "name", i))
        for i, item in enumerate(rr.items(raw.get("roles")))
    )
    return LiveOrg(types=tuple(types), roles=roles)


def _display_order(
    own: list[LiveField], display_ids: Iterable[Any]
) -> tuple[tuple[LiveField, ...], tuple[str, ...]]:
    """Order a type's fields as the type's embedded list shows them.

    The embedded list is the display order; fields it does not mention (a lagging read) go
    last in list order, and ids it shows that are not regular fields are kept apart.
    """
    by_id = {f.id: f for f in own}
    ordered: list[LiveField] = []
    others: list[str] = []
    for fid in display_ids:
        if not isinstance(fid, str):
            continue
        if fid in by_id:
            ordered.append(by_id.pop(fid))
        else:
            others.append(fid)
    ordered.extend(f for f in own if f.id in by_id)
    return tuple(ordered), tuple(others)
