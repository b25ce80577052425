"""What a plan deletes, and what it refuses to delete.

Live objects of a managed section that the manifest does not name are unmanaged, or, with
--prune, deleted: what references them first (the API refuses to delete a type that a field
still references, and a cascade would destroy values the plan does not show). A type that a
field outside the plan's reach references (its `back_reference_fields`), and a shared field
placed on an object whose section is not managed, are never deleted: the plan fails, naming
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from schemasync.engine import placements
from schemasync.engine.match import problem
from schemasync.kinds import FIELD_KINDS, Kind, address_in, field_kind_of
from schemasync.kinds.base import Ref
from schemasync.kinds.custom_objects import CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE
from schemasync.live import LiveState
from schemasync.model import Obj
from schemasync.plan import Operation

if TYPE_CHECKING:
    from schemasync.engine.planner import Planner


def leftovers(p: Planner, kind: Kind, found: dict[str, Obj]) -> None:
    """Live top-level objects the manifest does not name: unmanaged, or deleted with
    --prune (what references them first: the API refuses to delete a type that a field
    still references, and cascading would destroy values the plan does not show)."""
    managed = {o.id for o in found.values()}
    left = [o for o in p.live.top(kind.name) if o.id not in managed]
    if not p.prune:
        for o in left:
            p._unmanage(o, kind.address_of((o.name,)))
        return
    doomed = {o.id for o in left}  # (each is added to p.doomed with its DELETE below)
    already = {
        op.id for ops in p.stages.values() for op in ops if op.action in ("delete", "replace")
    }
    for owner, _child, obj in referrers(p, doomed):
        if obj.id in already or (owner is not None and obj.values.get("references") == owner.id):
            continue
        if not in_managed_section(p, owner, obj):
            continue  # never deleted: refuse_if_referenced names it
        key = (owner.name, obj.name) if owner is not None else (obj.name,)
        address = obj.kind.address_of(key)
        p._add(
            obj.kind.delete_stage,
            delete_op(
                obj,
                address,
                owner.name if owner else obj.name,
                owner,
                owner.id if owner else None,
            ),
        )
        already.add(obj.id)
    for o in left:
        refuse_if_referenced(p, o)
        refuse_if_placed_elsewhere(p, o)
        for child in kind.ordered:  # never left to a cascade Close may or may not do
            for kid in o.kids(child):
                if kid.kind is PLACEMENT and kid.id in p.doomed:
                    continue  # its shared field is replaced: the placement goes with it
                if kid.kind is PLACEMENT or kid.id not in already:
                    p._add(
                        kid.kind.delete_stage, delete_op(kid, live_address(kid), o.name, o, o.id)
                    )
        p._add(kind.delete_stage, delete_op(o, kind.address_of((o.name,)), o.name, None, None))


def referrers(p: Planner, doomed: set[str | None]) -> Iterable[tuple[Obj | None, Kind, Obj]]:
    """Live fields (of every kind read) that reference one of `doomed`."""
    for kind in FIELD_KINDS:
        refs = [a for a in kind.attrs if isinstance(a.codec, Ref)]
        for owner, obj in live_of_kind(p.live, kind):
            if any(obj.values.get(a.key) in doomed for a in refs):
                yield owner, kind, obj


def refuse_if_referenced(p: Planner, obj: Obj) -> None:
    """A type that a field outside the plan's reach still references is never deleted."""
    if obj.kind is not CUSTOM_OBJECT_TYPE:
        return
    for field_id, name in p.live.back_references.get(obj.id or "", ()):
        seen = p.live.by_id(field_id)
        if seen is not None and seen.id in p.doomed:
            continue
        if seen is not None and seen.parent is obj:
            continue  # its own field goes with it
        where = f"{seen.kind.noun} {live_address(seen)!r}" if seen else f"field {name!r}"
        p.problems.append(
            problem(
                None,
                obj.name,
                f"cannot delete type {obj.name!r}: {where} ({field_id}) references it and "
                "this plan keeps it (or does not manage its section): delete or change that "
                "field first, or keep the type",
            )
        )


def refuse_if_placed_elsewhere(p: Planner, obj: Obj, verb: str = "delete") -> None:
    """A shared field placed on an object whose section is not managed is never deleted
    (nor replaced: that deletes it first), since its values there would go with it."""
    if obj.kind is not SHARED_FIELD:
        return
    for where in p.live.placed_on.get(obj.id or "", ()):
        if not managed_place(p, where):
            p.problems.append(
                problem(
                    None,
                    SHARED_FIELD.address_of((obj.name,)),
                    f"cannot {verb} shared field {obj.name!r}: it is placed on "
                    f"{place_name(p, where)}, whose section this manifest does not manage "
                    f"({verb.removesuffix('e')}ing it would destroy those values too): manage "
                    "that section, or keep the shared field",
                )
            )


def place_name(p: Planner, where: str) -> str:
    """An object a shared field is placed on, in words: `lead`, `type 'Account'` ..."""
    if where in ("lead", "contact", "opportunity"):
        return where
    owner = p.live.by_id(where)
    if owner is None:
        return where
    return f"{owner.kind.noun} {owner.name!r} ({where})"


def in_managed_section(p: Planner, owner: Obj | None, obj: Obj) -> bool:
    """Whether the manifest manages the section a live object belongs to."""
    if owner is None:
        return p.manifest.manages(obj.kind.section)
    if owner.kind is STANDARD_OBJECT:
        return p.manifest.manages(f"{owner.name}.{obj.kind.section}")
    return p.manifest.manages(owner.kind.section)


def managed_place(p: Planner, where: str) -> bool:
    if where in ("lead", "contact", "opportunity"):
        return p.manifest.manages(f"{where}.fields")
    owner = p.live.by_id(where)
    if owner is None:
        return False
    return p.manifest.manages(owner.kind.section)


def live_address(obj: Obj) -> str:
    return address_in(obj.kind, obj.parent.kind if obj.parent else None, obj.key)


def delete_op(
    obj: Obj, address: str, owner_name: str, owner: Obj | None, owner_id: str | None
) -> Operation:
    """The DELETE of a live object, with what it destroys in words."""
    kind = obj.kind
    path = kind.item_path(obj.id or "")
    if kind is PLACEMENT and owner is not None and owner_id is not None:
        path = placements.item_path(obj.id or "", owner, owner_id)
    if kind.delete_reason:
        reason = kind.delete_reason
    elif kind.ordered:  # its fields and placements are deleted first, each in its own step
        reason = f"deleting the {kind.noun} destroys every {obj.name} {kind.instance_noun}"
    elif kind is PLACEMENT and owner is not None:
        on = _values_on(owner, owner_name)
        reason = f"removing the placement destroys the shared field's values on {on}"
    else:
        on = kind.values_on.format(owner=owner_name)
        reason = f"deleting the {kind.noun} destroys its values on {on}"
    return Operation(
        "delete",
        kind.name,
        address,
        "DELETE",
        path,
        None,
        {kind.identity: {"before": obj.name, "after": None}},
        id=obj.id if kind.has_id else None,
        reason=reason,
    )


def _values_on(owner: Obj, owner_name: str) -> str:
    """`every Account`, `every Demo Requested activity`, `every lead`."""
    instance = owner.name if owner.kind is STANDARD_OBJECT else ""
    return field_kind_of(owner.kind, instance).values_on.format(owner=owner_name)


def live_of_kind(live: LiveState, kind: Kind) -> Iterable[tuple[Obj | None, Obj]]:
    if kind.parent is None:
        for obj in live.top(kind.name):
            yield None, obj
        return
    for parent in live.top(kind.parent):
        for obj in parent.kids(kind):
            yield parent, obj


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def detail(obj: Obj) -> str:
    """What an unmanaged object is, in a few words."""
    if obj.kind is PLACEMENT:
        return "shared field placement"
    if "type" in obj.values:
        return f"type {obj.values['type']}"
    if obj.kind is LEAD_STATUS:
        color = obj.values.get("color")
        return f"color {color}" if color else "no color"
    if obj.kind is PIPELINE:
        n = len(obj.kids(OPPORTUNITY_STATUS))
        return f"{n} status{'' if n == 1 else 'es'}"
    placed = len(obj.kids(PLACEMENT))
    text = _plural(sum(len(k) for k in obj.children.values()) - placed, "field")
    return text + (f", {_plural(placed, 'placement')}" if placed else "")
