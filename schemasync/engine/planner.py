"""compute_plan: the operations that make the live org match the manifest, in dependency order.

The traversal is generic: the managed top-level kinds, their objects sorted by name, each
object's children in manifest order. Each operation lands in a stage its kind declares
(writes, updates, deletes); stages run in order, deletes sorted by address. Sections the
manifest does not name are neither planned nor listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from schemasync.engine import deletes, placements, writes
from schemasync.engine import order as display
from schemasync.engine.compare import body, compare, created, view
from schemasync.engine.match import match
from schemasync.engine.protect import check_protected
from schemasync.engine.resolve import Resolver
from schemasync.engine.statuses import StatusPlanner
from schemasync.errors import PlanError, Problem
from schemasync.kinds import TOP_KINDS, Kind, address_in, children_of
from schemasync.kinds.custom_objects import CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.kinds.statuses import LEAD_STATUS, PIPELINE
from schemasync.live import LiveState
from schemasync.model import Manifest, Obj, Pos
from schemasync.placeholders import placeholder
from schemasync.plan import Operation, Plan, Unmanaged
from schemasync.util import gc_paused

REORDER_STAGE = 80
LEGACY_READ = frozenset({"fields", "types", "roles"})


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
        managed = {k.name for k in TOP_KINDS if k.section and manifest.manages(k.section)}
        self.resolver = Resolver(live, self.problems, pruned=managed if prune else set())
        self.shared = placements.SharedIds(self.resolver)
        self.stages: dict[int, list[Operation]] = {}
        self.unmanaged: list[tuple[int, Unmanaged]] = []
        # live id -> the manifest object it was matched with (or its owner's), for messages
        self.positions: dict[str, Pos | None] = {}
        self.doomed: set[str] = set()  # live ids this plan deletes or replaces
        self.notes: list[str] = []  # what the plan leaves alone, and why

    def managed(self, kind: Kind, instance: str = "") -> bool:
        section = f"{instance}.{kind.section}" if instance else kind.section
        return self.manifest.manages(section)

    # -- the traversal ---------------------------------------------------------------------

    def run(self) -> Plan:
        matched: dict[str, dict[str, Obj]] = {}
        for kind in TOP_KINDS:
            if kind is STANDARD_OBJECT:
                continue
            specs = self.manifest.top(kind) if self.managed(kind) else ()
            found = match(specs, self.live.top(kind.name), kind.noun, _prefix(kind), self.problems)
            specs = tuple(writes.unlisted_archived(self, kind, specs, found))
            matched[kind.name] = found
            self.resolver.matched[kind.name] = found
            self.resolver.planned[kind.name] = {
                o.name: (found[o.name].id or "")
                if o.name in found
                else placeholder(kind.name, (o.name,))
                for o in specs
            }
        for kind in TOP_KINDS:
            if kind is STANDARD_OBJECT:
                self._plan_standard()
                continue
            if not self.managed(kind):
                continue
            found = matched[kind.name]
            for obj in sorted(self.manifest.top(kind), key=lambda o: o.name):
                if obj.name in self.resolver.planned[kind.name]:  # not an unlisted archived one
                    self._plan_object(obj, found.get(obj.name), None, (), None)
        # Leftovers last: what every section deletes of its own is known by then, so a
        # referrer is deleted once, before what it references.
        for kind in TOP_KINDS:
            if kind is not STANDARD_OBJECT and self.managed(kind):
                deletes.leftovers(self, kind, matched[kind.name])
        ops = self._ordered()
        self.problems += check_protected(ops, self.protect, self.live, self.positions)
        if self.problems:
            raise PlanError(self.problems)
        return Plan(
            operations=ops,
            unmanaged=tuple(u for _, u in sorted(self.unmanaged, key=_unmanaged_key)),
            fingerprint=self.live.fingerprint(),
            options=self._options(),
            notes=tuple(self.notes),
        )

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"prune": self.prune, "allow_replace": self.allow_replace}
        if self.manifest.sections != {CUSTOM_OBJECT_TYPE.section}:
            options["sections"] = sorted(self.manifest.sections)
        if self.live.read and self.live.read != LEGACY_READ:
            options["read"] = sorted(self.live.read)  # apply --plan reads the same lists
        return options

    def _plan_standard(self) -> None:
        for obj in self.manifest.top(STANDARD_OBJECT):
            live = self.live.singleton(obj.name)
            self._plan_object(obj, live, None, (), None)

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
        if kind is STANDARD_OBJECT:
            my_id, new = obj.name, False
        else:
            my_id, new = self._plan_own(obj, live, owner, owner_id, key)
        instance = obj.name if kind is STANDARD_OBJECT else ""
        planned: dict[str, list[tuple[Obj, str, bool]]] = {}
        for child in children_of(kind, instance):
            if kind is STANDARD_OBJECT and not self.managed(child, instance):
                continue
            if child in (LEAD_STATUS, PIPELINE):
                StatusPlanner(self, child).plan(obj, live)
            else:
                planned[child.name] = self._plan_children(child, obj, live, key, my_id)
        if kind.ordered and planned:
            self._reorder(obj, live, key, planned, my_id)
        return my_id, new

    def _plan_own(
        self,
        obj: Obj,
        live: Obj | None,
        owner: Obj | None,
        owner_id: str | None,
        key: tuple[str, ...],
    ) -> tuple[str, bool]:
        """The object's own create, update, conversion or replace."""
        kind = obj.kind
        address = self._address(obj, owner, key)
        want = self._body(obj, owner, owner_id, address)
        path: str = kind.collection
        item: Callable[[str], str] = kind.item_path
        shared_id = ""
        if kind is PLACEMENT:
            shared_id = self.shared.of(obj, address)
            assert owner is not None and owner_id is not None
            path = placements.collection(shared_id)
            item = partial(_placement_path, shared_id, owner, owner_id)
            # (a placement pairs with a live one by this same id: when its shared field is
            # replaced, the id is the replacement's placeholder and `live` is None)
            want = placements.create_body(owner, owner_id, want)
        if live is None:
            my_id = placeholder(kind.name, key)
            self._add(
                kind.write_stage,
                Operation(
                    "create",
                    kind.name,
                    address,
                    "POST",
                    path,
                    want,
                    created(view(obj, created_only=True)),
                    defines=my_id if kind.has_id else None,
                ),
            )
            return (shared_id if kind is PLACEMENT else my_id), True
        my_id = live.id or ""
        self.positions[my_id] = obj.pos
        writes.check_not_converting(self, obj, live, address)
        diff = compare(obj, live, want, self.resolver)
        replace = [
            k
            for k in diff.replacing
            if not writes.converts(kind, k, diff)
            and (id(obj), k) not in self.resolver.unresolved  # its problem says why
        ]
        if replace:
            my_id = placeholder(kind.name, key)
            self.doomed.add(live.id or "")
            if self.allow_replace:  # else the replace is refused already
                deletes.refuse_if_placed_elsewhere(self, live, "replace")
            self._add(
                kind.write_stage,
                writes.replace_op(self, obj, live, want, diff, key, owner, replace),
            )
            if kind is SHARED_FIELD:
                self.resolver.planned[kind.name][obj.name] = my_id
            return my_id, True
        if any(writes.converts(kind, k, diff) for k in diff.replacing):  # values convert
            self._add(kind.update_stage, writes.conversion_op(self, obj, live, want, diff, address))
        elif diff.body:
            self._add(
                kind.update_stage,
                Operation(
                    "update",
                    kind.name,
                    address,
                    "PUT",
                    item(my_id),
                    diff.body,
                    diff.changes,
                    id=live.id if kind.has_id else None,
                ),
            )
        return my_id, False

    # -- one object's pieces ---------------------------------------------------------------

    def _address(self, obj: Obj, owner: Obj | None, key: tuple[str, ...]) -> str:
        return address_in(obj.kind, owner.kind if owner is not None else None, key)

    def _body(
        self, obj: Obj, owner: Obj | None, owner_id: str | None, address: str
    ) -> dict[str, Any]:
        kind = obj.kind
        parent = (kind.parent_key, owner_id) if kind.parent_key and owner_id else None
        return body(obj, address, self.resolver, parent, owner.kind.name if owner else None)

    # -- children, orders, leftovers -------------------------------------------------------

    def _plan_children(
        self,
        kind: Kind,
        owner: Obj,
        live_owner: Obj | None,
        owner_key: tuple[str, ...],
        owner_id: str,
    ) -> list[tuple[Obj, str, bool]]:
        """Plan an owner's children of one kind; returns (spec, id or placeholder, new)."""
        specs = owner.kids(kind)
        live_kids = live_owner.kids(kind) if live_owner is not None else []
        if kind is PLACEMENT:
            found = self.shared.match(specs, live_kids, owner, owner_key)
        else:
            prefix = kind.address_of((*owner_key, ""))
            found = match(specs, live_kids, kind.noun, prefix, self.problems)
        self.problems += placements.clashes(kind, specs, found, live_owner, owner, owner_key)
        out = []
        for spec in specs:
            planned_id, new = self._plan_object(
                spec, found.get(spec.name), owner, owner_key, owner_id
            )
            out.append((spec, planned_id, new))
        matched = {o.id for o in found.values()}
        for o in live_kids:
            if o.id in matched:
                continue
            if kind is PLACEMENT and o.id in self.doomed:
                continue  # its shared field is replaced: the placement goes with it
            address = self._address(o, owner, (*owner_key, o.name))
            if o.kind.has_id:
                self.positions[o.id or ""] = owner.pos
            if self.prune:
                self._add(
                    kind.delete_stage, deletes.delete_op(o, address, owner.name, owner, owner_id)
                )
            else:
                self._unmanage(o, address)
        return out

    def _reorder(
        self,
        owner: Obj,
        live_owner: Obj | None,
        owner_key: tuple[str, ...],
        planned: dict[str, list[tuple[Obj, str, bool]]],
        owner_id: str,
    ) -> None:
        """One request for the owner's display order when the apply would leave another one
        (a new owner too: its fields are created before its placements)."""
        kind = owner.kind
        entries = sorted(
            (e for name in kind.ordered for e in planned.get(name, [])), key=lambda e: e[0].seq
        )
        wanted = [spec.name for spec, _, _ in entries]
        ids = {spec.name: planned_id for spec, planned_id, _ in entries}
        # creation order: fields are created before placements (their stages)
        new = [spec.name for spec, _, is_new in entries if is_new and spec.kind is not PLACEMENT]
        new += [spec.name for spec, _, is_new in entries if is_new and spec.kind is PLACEMENT]
        kept = {planned_id: spec.name for spec, planned_id, is_new in entries if not is_new}
        live_order = []
        if live_owner is not None:
            live_order = [i for i in live_owner.order or _ids(live_owner) if i not in self.doomed]
        predicted = display.predicted(live_order, kept, new)
        if predicted == wanted:
            return
        order = display.complete(live_order, wanted, ids, kept)
        self._add(
            REORDER_STAGE,
            Operation(
                "reorder",
                kind.name,
                kind.address_of(owner_key),
                "PUT",
                kind.order_path.format(id=owner_id),
                {"fields": [{"id": i} for i in order]},
                {"order": {"before": predicted, "after": wanted}},
                id=owner_id,
            ),
        )

    # -- bookkeeping -----------------------------------------------------------------------

    def _add(self, stage: int, op: Operation) -> None:
        self.stages.setdefault(stage, []).append(op)
        if op.action == "delete" and op.id:
            self.doomed.add(op.id)

    def _unmanage(self, obj: Obj, address: str) -> None:
        self.unmanaged.append(
            (obj.kind.rank, Unmanaged(obj.kind.name, address, obj.id or "", deletes.detail(obj)))
        )

    def _ordered(self) -> tuple[Operation, ...]:
        out: list[Operation] = []
        for stage in sorted(self.stages):
            ops = self.stages[stage]
            if ops and ops[0].action == "delete":
                ops = sorted(ops, key=lambda op: (op.address, op.id or ""))
            out += ops
        return tuple(out)


def _placement_path(shared_id: str, owner: Obj, owner_id: str, _object_id: str) -> str:
    return placements.item_path(shared_id, owner, owner_id)


def _prefix(kind: Kind) -> str:
    return kind.address_of(("",))


def _ids(owner: Obj) -> tuple[str, ...]:
    """The ids of an owner's ordered children (fields and placements, never its statuses)."""
    return tuple(k.id or "" for name in owner.kind.ordered for k in owner.children.get(name, ()))


def _unmanaged_key(item: tuple[int, Unmanaged]) -> tuple[int, str, str]:
    return item[0], item[1].address, item[1].id


def compute_plan(
    manifest: Manifest,
    live: LiveState,
    *,
    prune: bool = False,
    allow_replace: bool = False,
    protect: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Plan:
    """The operations that make `live` match `manifest`, in dependency order; the live
    objects `ignore` names (and the manifest's own `ignore:`) are left out altogether.

    Raises PlanError listing every problem at once (unknown references or roles, ambiguous
    live names, replaces without allow_replace, protected objects a plan would destroy).
    """
    ignored = tuple(dict.fromkeys([*manifest.ignore, *ignore]))
    with gc_paused():
        planner = Planner(
            manifest,
            live.without(ignored),
            prune=prune,
            allow_replace=allow_replace,
            protect=protect,
        )
        plan = planner.run()
    if ignored:  # apply --plan leaves out the same objects before it checks the org
        plan.options["ignore"] = sorted(ignored)
    return plan
