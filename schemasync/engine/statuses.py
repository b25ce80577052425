"""Lead statuses, pipelines and opportunity statuses: what the generic planner cannot say.

- Lead statuses are ordered by the organization (`PUT /organization/{id}/` with the complete
  `lead_statuses` list), and the first one is the default status of new leads: a plan that
  changes which status is first says so.
- Opportunity statuses are identified by label across all pipelines: a label found in another
  pipeline is a move (a `PUT /pipeline/{id}/` whose complete `statuses` list includes it; the
  status keeps its id). The pipeline PUTs are simulated in order, so each one lists exactly the
  statuses the pipeline has at that moment (Close may refuse an incomplete list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemasync.engine import deletes
from schemasync.engine import order as display
from schemasync.engine.match import match
from schemasync.kinds import Kind
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE
from schemasync.model import Obj
from schemasync.plan import Operation

if TYPE_CHECKING:
    from schemasync.engine.planner import Planner

REORDER_STAGE = 80
ORG_ORDER_PATH = "/organization/{id}/"


class StatusPlanner:
    def __init__(self, planner: Planner, kind: Kind) -> None:
        self.p = planner
        self.kind = kind

    def plan(self, owner: Obj, live_owner: Obj | None) -> None:
        if self.kind is LEAD_STATUS:
            self._lead(owner, live_owner)
        else:
            self._pipelines(owner, live_owner)

    # -- lead statuses ---------------------------------------------------------------------

    def _lead(self, owner: Obj, live_owner: Obj | None) -> None:
        planned = self.p._plan_children(LEAD_STATUS, owner, live_owner, ("lead",), "lead")
        live = live_owner.kids(LEAD_STATUS) if live_owner is not None else []
        wanted = [spec.name for spec, _, _ in planned]
        ids = {spec.name: planned_id for spec, planned_id, _ in planned}
        kept = {planned_id: spec.name for spec, planned_id, new in planned if not new}
        new = [spec.name for spec, _, is_new in planned if is_new]
        live_order = [s.id or "" for s in live]
        predicted = display.predicted(live_order, kept, new)
        first_before = live[0].name if live else None
        first_after = wanted[0] if wanted else None
        note = None
        if first_after is not None and first_before != _live_name(live, kept, first_after):
            note = (
                f"the first status is the default status of new leads: it changes from "
                f"{first_before!r} to {first_after!r}"
            )
        if predicted == wanted:
            if note:
                self._note_on_delete(live[0] if live else None, note)
            return
        org_id = self.p.live.org_id or ""
        complete = display.complete(live_order, wanted, ids, kept)
        self.p._add(
            REORDER_STAGE,
            Operation(
                "reorder",
                LEAD_STATUS.name,
                "status:*",
                "PUT",
                ORG_ORDER_PATH.format(id=org_id),
                {"lead_statuses": [{"id": i} for i in complete]},
                {"order": {"before": predicted, "after": wanted}},
                id=org_id,
                reason=note,
            ),
        )

    def _note_on_delete(self, first: Obj | None, note: str) -> None:
        """The first status changes without a reorder (it is deleted): say it there."""
        for ops in self.p.stages.values():
            for i, op in enumerate(ops):
                if first is not None and op.id == first.id and op.action == "delete":
                    ops[i] = _with_reason(op, f"{op.reason}; {note}")

    # -- pipelines and opportunity statuses ------------------------------------------------

    def _pipelines(self, owner: Obj, live_owner: Obj | None) -> None:
        p = self.p
        pipes = owner.kids(PIPELINE)
        live_pipes = live_owner.kids(PIPELINE) if live_owner is not None else []
        found = match(pipes, live_pipes, PIPELINE.noun, "pipeline:", p.problems)
        specs = [s for pipe in pipes for s in pipe.kids(OPPORTUNITY_STATUS)]
        live_statuses = [s for pipe in live_pipes for s in pipe.kids(OPPORTUNITY_STATUS)]
        statuses = match(
            specs,
            live_statuses,
            OPPORTUNITY_STATUS.noun,
            "",
            p.problems,
            path_of=lambda s: (
                OPPORTUNITY_STATUS.address_of(("opportunity", s.parent.name, s.name))
                if s.parent is not None
                else s.name
            ),
        )
        # where each status is now (pipeline id -> status ids), as the apply will change it
        current: dict[str, list[str]] = {pipe.id or "": list(pipe.order) for pipe in live_pipes}
        pipe_ids: dict[str, str] = {}
        desired: dict[str, list[tuple[Obj, str, bool]]] = {}
        for pipe in sorted(pipes, key=lambda o: o.name):
            key = ("opportunity", pipe.name)
            pipe_id, _ = p._plan_own(pipe, found.get(pipe.name), owner, "opportunity", key)
            pipe_ids[pipe.name] = pipe_id
            current.setdefault(pipe_id, [])
            rows = desired[pipe.name] = []
            for spec in pipe.kids(OPPORTUNITY_STATUS):
                live = statuses.get(spec.name)
                status_id, new = p._plan_own(spec, live, pipe, pipe_id, (*key, spec.name))
                if new:
                    if live is not None:  # replaced: the old one is deleted first
                        _drop(current, live.id or "")
                    current[pipe_id].append(status_id)
                rows.append((spec, status_id, new))
        self._leftover_statuses(live_pipes, found, statuses)
        for pipe in sorted(pipes, key=lambda o: o.name):
            self._pipeline_put(pipe, pipe_ids[pipe.name], desired[pipe.name], current)
        self._leftover_pipelines(live_pipes, found)

    def _leftover_statuses(
        self,
        live_pipes: list[Obj],
        found: dict[str, Obj],
        statuses: dict[str, Obj],
    ) -> None:
        """Live statuses the manifest does not name, in pipelines it manages."""
        managed_pipes = {o.id for o in found.values()}
        matched = {o.id for o in statuses.values()}
        for pipe in live_pipes:
            if pipe.id not in managed_pipes:
                continue  # the pipeline itself is unmanaged or deleted (_leftover_pipelines)
            name = next(n for n, o in found.items() if o.id == pipe.id)
            for s in pipe.kids(OPPORTUNITY_STATUS):
                if s.id in matched:
                    continue
                address = OPPORTUNITY_STATUS.address_of(("opportunity", name, s.name))
                if self.p.prune:
                    self.p._add(
                        OPPORTUNITY_STATUS.delete_stage,
                        deletes.delete_op(s, address, name, pipe, pipe.id),
                    )
                else:
                    self.p._unmanage(s, address)

    def _pipeline_put(
        self,
        pipe: Obj,
        pipe_id: str,
        rows: list[tuple[Obj, str, bool]],
        current: dict[str, list[str]],
    ) -> None:
        """One PUT of the pipeline's complete status list, if its order or members change."""
        wanted = [spec.name for spec, _, _ in rows]
        ids = {spec.name: status_id for spec, status_id, _ in rows}
        here = current[pipe_id]
        names = {status_id: spec.name for spec, status_id, _ in rows}
        if [names[i] for i in here if i in names] == wanted and all(
            i in here for i in ids.values()
        ):
            return
        moving_in = [i for i in ids.values() if i not in here]
        kept = {i: names[i] for i in here if i in names}
        before = [names[i] for i in here if i in names]
        order = display.complete(here, wanted, ids, kept)
        for i in moving_in:
            _drop(current, i)
        current[pipe_id] = order
        action = "update" if moving_in else "reorder"
        change = "statuses" if moving_in else "order"
        self.p._add(
            REORDER_STAGE,
            Operation(
                action,
                PIPELINE.name,
                PIPELINE.address_of(("opportunity", pipe.name)),
                "PUT",
                PIPELINE.item_path(pipe_id),
                {"statuses": [{"id": i} for i in order]},
                {change: {"before": before, "after": wanted}},
                id=pipe_id,
            ),
        )

    def _leftover_pipelines(self, live_pipes: list[Obj], found: dict[str, Obj]) -> None:
        managed = {o.id for o in found.values()}
        for pipe in live_pipes:
            if pipe.id in managed:
                continue
            address = PIPELINE.address_of(("opportunity", pipe.name))
            if not self.p.prune:
                self.p._unmanage(pipe, address)
                continue
            for s in pipe.kids(OPPORTUNITY_STATUS):
                if s.id in self.p.doomed or self._moved(s):
                    continue
                status_address = OPPORTUNITY_STATUS.address_of(("opportunity", pipe.name, s.name))
                self.p._add(
                    OPPORTUNITY_STATUS.delete_stage,
                    deletes.delete_op(s, status_address, pipe.name, pipe, pipe.id),
                )
            self.p._add(
                PIPELINE.delete_stage, deletes.delete_op(pipe, address, pipe.name, None, None)
            )

    def _moved(self, status: Obj) -> bool:
        """A status of a doomed pipeline that the plan moves elsewhere (it is managed)."""
        return any(
            op.kind == PIPELINE.name
            and any(e.get("id") == status.id for e in (op.body or {}).get("statuses", []))
            for op in self.p.stages.get(REORDER_STAGE, [])
        )


def _drop(current: dict[str, list[str]], status_id: str) -> None:
    for ids in current.values():
        if status_id in ids:
            ids.remove(status_id)


def _live_name(live: list[Obj], kept: dict[str, str], name: str) -> str | None:
    """The live name of the status the manifest calls `name` (a rename keeps the status)."""
    for obj in live:
        if kept.get(obj.id or "") == name:
            return obj.name
    return None


def _with_reason(op: Operation, reason: str) -> Operation:
    import dataclasses

    return dataclasses.replace(op, reason=reason)
