"""The writes the generic comparison hands over: a replace (delete, then create), a conversion
of a field's stored values in place, and the archived types a plan never creates (the only
attribute a create cannot carry is `archived`, so no create is followed by a PUT). Each says,
in the plan, what it destroys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from schemasync.engine.compare import Difference, created, view
from schemasync.engine.match import problem
from schemasync.kinds import Kind
from schemasync.model import Obj
from schemasync.placeholders import placeholder
from schemasync.plan import Operation
from schemasync.util import with_article

if TYPE_CHECKING:
    from schemasync.engine.planner import Planner


def converts(kind: Kind, key: str, diff: Difference) -> bool:
    """A replace attribute whose change Close converts in place (a lead field's type)."""
    attr = kind.attr(key)
    if attr.replace_if is None or key not in diff.changes:
        return False
    change = diff.changes[key]
    return not attr.replace_if(change["before"], change["after"])


def check_not_converting(p: Planner, obj: Obj, live: Obj, address: str) -> None:
    target = p.live.converting.get(live.id or "")
    if target:
        p.problems.append(
            problem(
                obj.pos,
                address,
                f"Close is still converting this field's values to {target}: wait until it "
                "finishes (a minute or two), then plan again",
            )
        )


def replace_op(
    p: Planner,
    obj: Obj,
    live: Obj,
    want: dict[str, Any],
    diff: Difference,
    key: tuple[str, ...],
    owner: Obj | None,
    replacing: list[str],
) -> Operation:
    kind = obj.kind
    address = kind.address_of(key)
    what = " and ".join(replacing)
    on = kind.values_on.format(owner=owner.name if owner is not None else obj.name)
    reason = (
        f"{with_article(kind.noun)}'s {what} cannot change in place: the {kind.noun} is deleted "
        f"and created again, which destroys its values on {on} and gives it a new id"
    )
    if not p.allow_replace:
        p.problems.append(
            problem(
                obj.pos,
                address,
                f"{reason}; re-run with "
                "--allow-replace to plan this replace, or keep the old " + what,
            )
        )
    changes = created(view(obj))
    changes.update(diff.changes)
    return Operation(
        "replace",
        kind.name,
        address,
        "POST",
        kind.collection,
        want,
        changes,
        id=live.id,
        defines=placeholder(kind.name, key),
        delete_path=kind.item_path(live.id or ""),
        reason=reason,
    )


def conversion_op(
    p: Planner, obj: Obj, live: Obj, want: dict[str, Any], diff: Difference, address: str
) -> Operation:
    """A type change that Close makes in place, converting the stored values."""
    kind = obj.kind
    after = obj.values["type"]
    reason = (
        f"the field's values are converted to {after} in place (it keeps its id); "
        "values that do not convert are lost"
    )
    if not p.allow_replace:
        p.problems.append(
            problem(
                obj.pos,
                address,
                f"{reason}; re-run with --allow-replace to plan this conversion, or keep "
                "the old type",
            )
        )
    put = dict(diff.body)
    put["type"] = after
    changes = dict(diff.changes)
    field_type = obj.values.get("type")
    for attr in kind.attrs:  # what the new type needs (choices), sent with it
        if attr.when is not None and attr.applies(field_type) and attr.api_key in want:
            put[attr.api_key] = want[attr.api_key]
            changes.setdefault(attr.key, {"before": None, "after": view(obj)[attr.key]})
    return Operation(
        "update",
        kind.name,
        address,
        "PUT",
        kind.item_path(live.id or ""),
        put,
        changes,
        id=live.id,
        reason=reason,
        converts=True,
    )


def unlisted_archived(
    p: Planner, kind: Kind, specs: Sequence[Obj], found: dict[str, Obj]
) -> list[Obj]:
    """The manifest's objects of `kind` without the archived types the org does not
    list. Whether Close lists archived types is unknown: if it hides them, creating one
    would make a second copy on every apply, each hidden from the next plan. So a plan
    never creates an archived type; it says so in a note."""
    kept = []
    for obj in specs:
        if obj.values.get("archived") is True and obj.name not in found:
            p.resolver.unlisted_archived.setdefault(kind.name, set()).add(obj.name)
            p.notes.append(
                f"{kind.address_of((obj.name,))}: archived in the manifest and not in the "
                f"org's list of {kind.noun}s (Close may leave archived types out of it), so "
                "this plan leaves it alone: to create it, set `archived: false`, apply, "
                "then archive it"
            )
            continue
        kept.append(obj)
    return kept
