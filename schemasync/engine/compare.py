"""One manifest object against its live match, from the kind's attribute declarations.

Nothing here names an attribute. The rules: an attribute with a `when` is sent, compared and
shown only for the field types it applies to; it is compared only where it applies on both
sides, and on a replace it is shown as created, not as a change. Replace and convert
attributes are compared first (in body order), then the in-place updates (in body order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemasync.engine.resolve import Resolver
from schemasync.kinds import Attr, Kind, Mut
from schemasync.kinds.base import Ref, Roles, Strings
from schemasync.model import Obj

Changes = dict[str, dict[str, Any]]

# How a value crosses between manifest and API terms (precomputed per attribute).
PLAIN, ROLES, REF, LIST = range(4)

# (attribute, manifest key, API key, when, conversion)
Slot = tuple[Attr, str, str, "frozenset[str] | None", int]


def _fits(slot: Slot, field_type: Any, owner_kind: str | None) -> bool:
    """Whether an attribute applies to an object of this field type on this owner."""
    when, owners = slot[3], slot[0].owner_kinds
    return (when is None or field_type in when) and (owners is None or owner_kind in owners)


def _conversion(attr: Attr) -> int:
    codec = attr.codec
    if isinstance(codec, Roles):
        return ROLES
    if isinstance(codec, Ref):
        return REF
    if isinstance(codec, Strings):
        return LIST
    return PLAIN


def _slot(attr: Attr) -> Slot:
    return (attr, attr.key, attr.api_key, attr.when, _conversion(attr))


@dataclass(frozen=True)
class Compiled:
    """A kind's attributes, precomputed once for the hot loops (a naive version that looked
    attributes up per call cost twice the CPU)."""

    view: tuple[Slot, ...]  # attrs, in view order
    body: tuple[Slot, ...]  # attrs sent on create, in body order
    replace: tuple[Slot, ...]  # REPLACE/CONVERT attrs in body order
    update: tuple[Slot, ...]  # UPDATE attrs in body order
    typed: bool  # the kind has a `type` attribute that `when`s depend on
    # (field type, owner kind) -> the body slots that apply there, worked out once
    body_for: dict[tuple[Any, str | None], tuple[Slot, ...]] = field(default_factory=dict)
    # (my type, live type, owner kind) -> (replace slots, update slots, update slots without
    # a `when`) that apply there, in body order
    compare_for: dict[tuple[Any, Any, str | None], tuple[tuple[Slot, ...], ...]] = field(
        default_factory=dict
    )

    def comparing(
        self, my_type: Any, live_type: Any, owner_kind: str | None
    ) -> tuple[tuple[Slot, ...], ...]:
        key = (my_type, live_type, owner_kind)
        found = self.compare_for.get(key)
        if found is None:

            def both(when: frozenset[str] | None) -> bool:
                return when is None or (my_type in when and live_type in when)

            update = tuple(
                s
                for s in self.update
                if both(s[3]) and (s[0].owner_kinds is None or owner_kind in s[0].owner_kinds)
            )
            found = self.compare_for[key] = (
                tuple(s for s in self.replace if both(s[3])),
                update,
                tuple(s for s in update if s[3] is None),
            )
        return found


_COMPILED: dict[str, Compiled] = {}


def compiled(kind: Kind) -> Compiled:
    found = _COMPILED.get(kind.name)
    if found is None:
        by_api = {a.api_key: a for a in kind.attrs}
        ordered = tuple(by_api[k] for k in kind.body_order if k in by_api)
        # set by a PUT only (archived): compared after the others
        ordered += tuple(a for a in kind.attrs if not a.on_create)
        found = Compiled(
            view=tuple(_slot(a) for a in kind.attrs),
            body=tuple(_slot(a) for a in ordered if a.api_key in kind.body_order and a.on_create),
            replace=tuple(_slot(a) for a in ordered if a.mut is not Mut.UPDATE),
            update=tuple(_slot(a) for a in ordered if a.mut is Mut.UPDATE),
            typed=any(a.key == "type" for a in kind.attrs),
        )
        _COMPILED[kind.name] = found
    return found


def _shown(conversion: int, value: Any) -> Any:
    """A manifest value as `changes` show it."""
    if conversion == ROLES:
        return sorted(value)
    if conversion == LIST:
        return list(value or ())
    return value


def view(obj: Obj, *, created_only: bool = False) -> dict[str, Any]:
    """A manifest object's attributes as the user wrote them (names, not ids); with
    `created_only`, only those a create sends (the others follow in an update)."""
    c = compiled(obj.kind)
    values = obj.values
    field_type = values.get("type") if c.typed else None
    owner_kind = obj.parent.kind.name if obj.parent is not None else None
    return {
        slot[1]: _shown(slot[4], values[slot[1]])
        for slot in c.view
        if _fits(slot, field_type, owner_kind) and not (created_only and not slot[0].on_create)
    }


def created(values: dict[str, Any]) -> Changes:
    return {k: {"before": None, "after": v} for k, v in values.items()}


def _to_api(slot: Slot, obj: Obj, address: str, resolver: Resolver) -> Any:
    attr, key, _, _, conv = slot
    value = obj.values[key]
    if conv == PLAIN:
        return value
    if conv == ROLES:
        return resolver.role_ids(value, obj.pos, f"{address}.{key}")
    if conv == REF:
        target = attr.codec.target  # type: ignore[attr-defined]
        found = resolver.reference_id(value, target, obj.pos, f"{address}.{key}")
        if found is None and value is not None:
            resolver.unresolved.add((id(obj), key))
        return found
    return list(value or ())


def body(
    obj: Obj,
    address: str,
    resolver: Resolver,
    parent: tuple[str, str] | None,
    owner_kind: str | None = None,
) -> dict[str, Any]:
    """The create body of a manifest object: the owner's id first, then the kind's body order
    (only attributes that apply to the object's type and owner)."""
    c = compiled(obj.kind)
    values = obj.values
    field_type = values.get("type") if c.typed else None
    out: dict[str, Any] = {}
    if parent is not None:
        out[parent[0]] = parent[1]
    slots = c.body_for.get((field_type, owner_kind))
    if slots is None:
        slots = tuple(s for s in c.body if _fits(s, field_type, owner_kind))
        c.body_for[(field_type, owner_kind)] = slots
    for slot in slots:
        conv = slot[4]
        value = values[slot[1]]
        if conv == PLAIN:
            out[slot[2]] = value
        elif value is None if conv == REF else not value:  # nothing to resolve or copy
            out[slot[2]] = None if conv == REF else []
        else:
            out[slot[2]] = _to_api(slot, obj, address, resolver)
    return out


def _shown_live(slot: Slot, value: Any, resolver: Resolver) -> Any:
    conv = slot[4]
    if conv == ROLES:
        return resolver.role_names(value)
    if conv == REF:
        return resolver.reference_name(value, slot[0].codec.target)  # type: ignore[attr-defined]
    if conv == LIST:
        return list(value or ())
    return value


def _same(conv: int, live: Any, want: Any) -> bool:
    if conv == ROLES:
        return set(live) == set(want)
    if conv == LIST:
        return list(live or ()) == want
    return bool(live == want)


@dataclass
class Difference:
    """What differs between a manifest object and its live match."""

    body: dict[str, Any]  # the partial PUT
    changes: Changes
    replacing: list[str]  # replace/convert attribute keys that differ


def compare(obj: Obj, live: Obj, want: dict[str, Any], resolver: Resolver) -> Difference:
    """Compare `obj` (whose create body is `want`) with `live`."""
    c = compiled(obj.kind)
    mine, theirs = obj.values, live.values
    my_type = mine.get("type") if c.typed else None
    live_type = theirs.get("type") if c.typed else None
    changes: Changes = {}
    put: dict[str, Any] = {}
    replacing: list[str] = []
    owner_kind = obj.parent.kind.name if obj.parent is not None else None
    replace_slots, update_slots, plain_update_slots = c.comparing(my_type, live_type, owner_kind)
    for slot in replace_slots:
        _, key, api, _, conv = slot
        before = theirs[key]
        if not _same(conv, before, want.get(api)):
            replacing.append(key)
            changes[key] = {
                "before": _shown_live(slot, before, resolver),
                "after": _shown(conv, mine[key]),
            }
    # a replaced object's type-dependent attributes are shown as created, not compared
    for slot in plain_update_slots if replacing else update_slots:
        _, key, api, _, conv = slot
        before = theirs[key]
        after = want[api] if api in want else _to_api(slot, obj, "", resolver)
        if conv == PLAIN:
            if before == after:
                continue
        elif _same(conv, before, after):
            continue
        put[api] = after
        changes[key] = {
            "before": _shown_live(slot, before, resolver),
            "after": _shown(conv, mine[key]),
        }
    return Difference(put, changes, replacing)
