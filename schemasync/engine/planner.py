"""compute_plan: the operations that make the live org match the manifest, in dependency order.

The traversal is generic: top-level kinds in rank order, their objects sorted by name, each
object's children in manifest order. Each operation lands in a stage its kind declares
(writes, updates, deletes); stages run in order, deletes sorted by address.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemasync.engine.compare import body, compare, created, view
from schemasync.engine.match import match, problem
from schemasync.engine.protect import check_protected
from schemasync.engine.resolve import Resolver
from schemasync.errors import PlanError, Problem
from schemasync.kinds import CHILDREN, TOP_KINDS, Kind
from schemasync.kinds.base import Ref
from schemasync.live import LiveState
from schemasync.model import Manifest, Obj, Pos
from schemasync.placeholders import placeholder
from schemasync.plan import Operation, Plan, Unmanaged
from schemasync.util import gc_paused

REORDER_STAGE = 80


class Planner:
    def __init__(
        self,
        manifest: Manifest,
        live: LiveState,
        *,
        prune: bool,
        allow_replace: bool,
        protect: Iterable[str],
    ) -> None:
        self.manifest = manifest
        self.live = live
        self.prune = prune
        self.allow_replace = allow_replace
        self.protect = frozenset(protect)
        self.problems: list[Problem] = []
        self.resolver = Resolver(live, prune, self.problems)
        self.stages: dict[int, list[Operation]] = {}
        self.unmanaged: list[tuple[int, Unmanaged]] = []
        # live id -> the manifest object it was matched with (or its owner's), for messages
        self.positions: dict[str, Pos | None] = {}

    # -- the traversal ---------------------------------------------------------------------

    def run(self) -> Plan:
        matched: dict[str, dict[str, Obj]] = {}
        for kind in TOP_KINDS:
            specs = self.manifest.top(kind)
            found = match(specs, self.live.top(kind.name), kind.noun, "", self.problems)
            matched[kind.name] = found
            self.resolver.matched[kind.name] = found
            self.resolver.planned[kind.name] = {
                o.name: (found[o.name].id or "")
                if o.name in found
                else placeholder(kind.name, (o.name,))
                for o in specs
            }
        for kind in TOP_KINDS:
            found = matched[kind.name]
            for obj in sorted(self.manifest.top(kind), key=lambda o: o.name):
                self._plan_object(obj, found.get(obj.name), None, (), None)
            self._leftovers(kind, found)
        ops = self._ordered()
        self.problems += check_protected(ops, self.protect, self.live, self.positions)
        if self.problems:
            raise PlanError(self.problems)
        return Plan(
            operations=ops,
            unmanaged=tuple(u for _, u in sorted(self.unmanaged, key=_unmanaged_key)),
            fingerprint=self.live.fingerprint(),
            options={"prune": self.prune, "allow_replace": self.allow_replace},
        )

    def _plan_object(
        self,
        obj: Obj,
        live: Obj | None,
        owner: Obj | None,
        owner_key: tuple[str, ...],
        owner_id: str | None,
    ) -> tuple[str, bool]:
        """Plan one manifest object (and its children); returns (its id or placeholder,
        whether it is written anew: created or replaced)."""
        kind = obj.kind
        key = (*owner_key, obj.name)
        address = kind.address_of(key)
        parent = (kind.parent_key, owner_id) if kind.parent_key and owner_id else None
        want = body(obj, address, self.resolver, parent)
        new = live is None
        if live is None:
            self._add(
                kind.write_stage,
                Operation(
                    "create",
                    kind.name,
                    address,
                    "POST",
                    kind.collection,
                    want,
                    created(view(obj)),
                    defines=placeholder(kind.name, key),
                ),
            )
            my_id = placeholder(kind.name, key)
        else:
            my_id = live.id or ""
            self.positions[my_id] = obj.pos
            diff = compare(obj, live, want, self.resolver)
            if diff.replacing:
                new = True
                my_id = placeholder(kind.name, key)
                self._add(kind.write_stage, self._replace(obj, live, want, diff, key, owner))
            elif diff.body:
                self._add(
                    kind.update_stage,
                    Operation(
                        "update",
                        kind.name,
                        address,
                        "PUT",
                        kind.item_path(my_id),
                        diff.body,
                        diff.changes,
                        id=live.id,
                    ),
                )
        for child in CHILDREN[kind.name]:
            self._plan_children(child, obj, live, key, my_id)
        return my_id, new

    def _replace(
        self,
        obj: Obj,
        live: Obj,
        want: dict[str, Any],
        diff: Any,
        key: tuple[str, ...],
        owner: Obj | None,
    ) -> Operation:
        kind = obj.kind
        address = kind.address_of(key)
        what = " and ".join(diff.replacing)
        on = kind.values_on.format(owner=owner.name if owner is not None else obj.name)
        reason = (
            f"a {kind.noun}'s {what} cannot change in place: the {kind.noun} is deleted and "
            f"created again, which destroys its values on {on} and gives it a new id"
        )
        if not self.allow_replace:
            self.problems.append(
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

    def _plan_children(
        self,
        kind: Kind,
        owner: Obj,
        live_owner: Obj | None,
        owner_key: tuple[str, ...],
        owner_id: str,
    ) -> None:
        specs = owner.kids(kind)
        live_kids = live_owner.kids(kind) if live_owner is not None else []
        prefix = kind.address_of((*owner_key, ""))
        found = match(specs, live_kids, kind.noun, prefix, self.problems)
        # The order the children will have once the other operations ran: kept live children
        # in live order, then new ones appended in creation order (the server appends them).
        appended: list[str] = []
        ids: dict[str, str] = {}
        for spec in specs:
            ids[spec.name], new = self._plan_object(
                spec, found.get(spec.name), owner, owner_key, owner_id
            )
            if new:
                appended.append(spec.name)
        spec_by_live = {o.id: name for name, o in found.items()}
        moved = set(appended)
        kept = [
            spec_by_live[o.id]
            for o in live_kids
            if o.id in spec_by_live and spec_by_live[o.id] not in moved
        ]
        unmanaged_kept = []
        for o in live_kids:
            if o.id in spec_by_live:
                continue
            address = kind.address_of((*owner_key, o.name))
            self.positions[o.id or ""] = owner.pos
            if self.prune:
                self._add(kind.delete_stage, _delete(o, address, owner.name))
            else:
                self._unmanage(o, address)
                unmanaged_kept.append(o.id)
        wanted = [s.name for s in specs]
        predicted = kept + appended
        owner_kind = owner.kind
        if live_owner is not None and predicted != wanted and owner_kind.order_path:
            order = {
                "fields": [{"id": ids[n]} for n in wanted] + [{"id": i} for i in unmanaged_kept]
            }
            self._add(
                REORDER_STAGE,
                Operation(
                    "reorder",
                    owner_kind.name,
                    owner_kind.address_of(owner_key),
                    "PUT",
                    owner_kind.order_path.format(id=live_owner.id),
                    order,
                    {"order": {"before": predicted, "after": wanted}},
                    id=live_owner.id,
                ),
            )

    def _leftovers(self, kind: Kind, found: dict[str, Obj]) -> None:
        """Live top-level objects the manifest does not name: unmanaged, or deleted with
        --prune (referrers first: the API refuses to delete what a field still references)."""
        managed = {o.id for o in found.values()}
        left = [o for o in self.live.top(kind.name) if o.id not in managed]
        if not self.prune:
            for o in left:
                self._unmanage(o, kind.address_of((o.name,)))
            return
        doomed = {o.id for o in left}
        already: set[str | None] = {
            op.id
            for ops in self.stages.values()
            for op in ops
            if op.action in ("delete", "replace")
        }
        for owner in self.live.top(kind.name):
            for child in CHILDREN[kind.name]:
                refs = [a for a in child.attrs if isinstance(a.codec, Ref)]
                for o in owner.kids(child):
                    target = next((o.values[a.key] for a in refs if o.values[a.key]), None)
                    if target in doomed and target != owner.id and o.id not in already:
                        address = child.address_of((owner.name, o.name))
                        self._add(child.delete_stage, _delete(o, address, owner.name))
                        already.add(o.id)
        for o in left:
            self._add(kind.delete_stage, _delete(o, kind.address_of((o.name,)), o.name))

    # -- bookkeeping -----------------------------------------------------------------------

    def _add(self, stage: int, op: Operation) -> None:
        self.stages.setdefault(stage, []).append(op)

    def _unmanage(self, obj: Obj, address: str) -> None:
        self.unmanaged.append(
            (obj.kind.rank, Unmanaged(obj.kind.name, address, obj.id or "", _detail(obj)))
        )

    def _ordered(self) -> tuple[Operation, ...]:
        out: list[Operation] = []
        for stage in sorted(self.stages):
            ops = self.stages[stage]
            if ops and ops[0].action == "delete":
                ops = sorted(ops, key=lambda op: (op.address, op.id or ""))
            out += ops
        return tuple(out)


def _unmanaged_key(item: tuple[int, Unmanaged]) -> tuple[int, str, str]:
    return item[0], item[1].address, item[1].id


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _detail(obj: Obj) -> str:
    """What an unmanaged object is, in a few words."""
    if "type" in obj.values:
        return f"type {obj.values['type']}"
    kids = [k for kids in obj.children.values() for k in kids]
    return _plural(len(kids), "field")


def _delete(obj: Obj, address: str, owner_name: str) -> Operation:
    kind = obj.kind
    if CHILDREN[kind.name]:
        kids = [k for kids in obj.children.values() for k in kids]
        reason = (
            f"deleting the {kind.noun} destroys every {obj.name} object and its "
            f"{_plural(len(kids), 'field')}"
        )
    else:
        on = kind.values_on.format(owner=owner_name)
        reason = f"deleting the {kind.noun} destroys its values on {on}"
    return Operation(
        "delete",
        kind.name,
        address,
        "DELETE",
        kind.item_path(obj.id or ""),
        None,
        {kind.identity: {"before": obj.name, "after": None}},
        id=obj.id,
        reason=reason,
    )


def compute_plan(
    manifest: Manifest,
    live: LiveState,
    *,
    prune: bool = False,
    allow_replace: bool = False,
    protect: Iterable[str] = (),
) -> Plan:
    """The operations that make `live` match `manifest`, in dependency order.

    Raises PlanError listing every problem at once (unknown references or roles, ambiguous
    live names, replaces without allow_replace, protected objects a plan would destroy).
    """
    with gc_paused():
        planner = Planner(manifest, live, prune=prune, allow_replace=allow_replace, protect=protect)
        return planner.run()
