"""Lead statuses, pipelines, opportunity statuses, and the organization that orders them.

- Lead statuses (``/status/lead/``, ``stat_``): ``label`` (required) and ``color`` (one of
  STATUS_COLORS or null). A new status is appended to the organization's order, which only
  ``PUT /organization/{id}/`` ``lead_statuses`` changes.
- Pipelines (``/pipeline/``, ``pipe_``) embed their statuses as ``[{id, label, type}]`` in
  order. Create takes ``name`` only: inline ``statuses`` are ignored (unknown in the API; the
  statuses are created one by one). PUT ``statuses: [{id}]`` is the complete new order; a
  status of another pipeline in it moves here, keeping its id. DELETE only when empty.
- Opportunity statuses (``/status/opportunity/``, ``stat_``): ``label``, ``type`` (active,
  won or lost) and ``pipeline_id`` on create; PUT changes the label only (a different
  ``type`` or ``pipeline_id`` is a 400: moves go through the pipeline).
- A status that records still use (``Store.mark_in_use``) cannot be deleted (400); deleting
  the last status or pipeline is allowed (unknown in the API).
- ``/organization/{id}/``: GET adds ``currency``, ``lead_statuses: [{id, label}]`` in order
  and ``pipelines``; PUT takes ``name``, ``currency`` and ``lead_statuses`` (the complete
  order; a ``label`` in an item is ignored) and nothing else (additionalProperties: false).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import checks as c
from .checks import MISSING, Checker
from .schema import complete_order, item_ids
from .store import Store

if TYPE_CHECKING:
    from .collections import Collection

_ORGANIZATION_KEYS = ("name", "currency", "lead_statuses")


def _refuse_in_use(store: Store, status: dict[str, Any], who: str) -> None:
    if status["id"] in store.in_use:
        raise c.refused(
            f"Cannot delete status '{status['label']}' ({status['id']}): {who} still use it. "
            "Move them to another status first."
        )


def _render(store: Store, coll: Collection, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "organization_id": store.organization_id}


@dataclass(frozen=True)
class LeadStatusOps:
    render = staticmethod(_render)

    def create(self, store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
        check = Checker(store, body)
        label = check.name("label", required=True)
        color = check.choice("color", c.STATUS_COLORS, required=False, null=True)
        check.done()
        status = {
            "id": store.new_id(coll.prefix),
            "label": label,
            "color": None if color is MISSING else color,
        }
        store.put(coll.name, status)
        store.organization["lead_status_order"].append(status["id"])
        store.touch("", "organization")
        return status

    def update(
        self, store: Store, coll: Collection, status: dict[str, Any], body: dict[str, Any]
    ) -> None:
        check = Checker(store, body)
        values = {
            "label": check.name("label", required=False),
            "color": check.choice("color", c.STATUS_COLORS, required=False, null=True),
        }
        check.done()
        c.apply(status, values)
        store.touch(coll.name, status["id"])

    def delete(self, store: Store, coll: Collection, status: dict[str, Any]) -> None:
        _refuse_in_use(store, status, "leads")
        store.organization["lead_status_order"].remove(status["id"])
        store.touch("", "organization")
        store.remove(coll.name, status["id"])


@dataclass(frozen=True)
class OpportunityStatusOps:
    render = staticmethod(_render)

    def create(self, store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
        check = Checker(store, body)
        label = check.name("label", required=True)
        stype = check.choice("type", c.OPPORTUNITY_STATUS_TYPES, required=True, null=False)
        pipeline_id = check.reference("pipeline_id", "pipelines", "Pipeline")
        check.done()
        status = {"id": store.new_id(coll.prefix), "label": label, "type": stype}
        status["pipeline_id"] = pipeline_id
        store.put(coll.name, status)
        store.records["pipelines"][pipeline_id]["status_order"].append(status["id"])
        store.touch("pipelines", pipeline_id)
        return status

    def update(
        self, store: Store, coll: Collection, status: dict[str, Any], body: dict[str, Any]
    ) -> None:
        check = Checker(store, body)
        check.unchanged(status, ("type", "pipeline_id"))
        label = check.name("label", required=False)
        check.done()
        c.apply(status, {"label": label})
        store.touch(coll.name, status["id"])

    def delete(self, store: Store, coll: Collection, status: dict[str, Any]) -> None:
        _refuse_in_use(store, status, "opportunities")
        store.records["pipelines"][status["pipeline_id"]]["status_order"].remove(status["id"])
        store.touch("pipelines", status["pipeline_id"])
        store.remove(coll.name, status["id"])


@dataclass(frozen=True)
class PipelineOps:
    def create(self, store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
        check = Checker(store, body)
        name = check.name("name", required=True)
        check.done()
        stamp = c.type_timestamp(store.now())
        pipeline = {"id": store.new_id(coll.prefix), "name": name, "status_order": []}
        pipeline.update(created_by=store.user_id, updated_by=store.user_id)
        pipeline.update(date_created=stamp, date_updated=stamp)
        store.put(coll.name, pipeline)
        return pipeline

    def update(
        self, store: Store, coll: Collection, pipeline: dict[str, Any], body: dict[str, Any]
    ) -> None:
        check = Checker(store, body)
        name = check.name("name", required=False)
        order = None
        if "statuses" in body:
            ids = item_ids(body["statuses"], "statuses", check.errors, "stat_")
            statuses = store.records["opportunity_statuses"]
            unknown = [i for i in ids or () if i not in statuses]
            if unknown:
                check.errors["statuses"] = f"Opportunity status {unknown[0]!r} does not exist."
            elif ids is not None:
                current = pipeline["status_order"]
                order = complete_order(store, current, ids, "statuses", check.errors)
        check.done()
        c.apply(pipeline, {"name": name})
        if order is not None:
            self._move_in(store, pipeline, order)
            pipeline["status_order"] = order
        pipeline["updated_by"] = store.user_id
        pipeline["date_updated"] = c.type_timestamp(store.now())
        store.touch(coll.name, pipeline["id"])

    @staticmethod
    def _move_in(store: Store, pipeline: dict[str, Any], order: list[str]) -> None:
        """Statuses of other pipelines in ``order`` move here, keeping their ids."""
        for sid in order:
            status = store.records["opportunity_statuses"][sid]
            if status["pipeline_id"] != pipeline["id"]:
                source = store.records["pipelines"][status["pipeline_id"]]
                source["status_order"].remove(sid)
                store.touch("pipelines", source["id"])
                status["pipeline_id"] = pipeline["id"]
                store.touch("opportunity_statuses", sid)

    def delete(self, store: Store, coll: Collection, pipeline: dict[str, Any]) -> None:
        if pipeline["status_order"]:
            raise c.refused(
                f"Cannot delete pipeline '{pipeline['name']}' ({pipeline['id']}): it still has "
                f"{len(pipeline['status_order'])} opportunity status(es). Delete them or move "
                "them to another pipeline first."
            )
        store.remove(coll.name, pipeline["id"])

    def render(self, store: Store, coll: Collection, pipeline: dict[str, Any]) -> dict[str, Any]:
        return render_pipeline(store, pipeline)


def render_pipeline(store: Store, pipeline: dict[str, Any]) -> dict[str, Any]:
    statuses = store.records["opportunity_statuses"]
    return {
        "id": pipeline["id"],
        "name": pipeline["name"],
        "organization_id": store.organization_id,
        "statuses": [
            {"id": sid, "label": statuses[sid]["label"], "type": statuses[sid]["type"]}
            for sid in pipeline["status_order"]
        ],
        **{k: pipeline[k] for k in ("created_by", "updated_by", "date_created", "date_updated")},
    }


def render_organization(store: Store) -> dict[str, Any]:
    org = store.organization
    labels = store.records["lead_statuses"]
    return {
        "id": org["id"],
        "name": org["name"],
        "currency": org["currency"],
        "lead_statuses": [
            {"id": sid, "label": labels[sid]["label"]} for sid in org["lead_status_order"]
        ],
        "pipelines": [render_pipeline(store, p) for p in store.records["pipelines"].values()],
    }


def update_organization(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    check = Checker(store, body)
    for key in body:
        if key not in _ORGANIZATION_KEYS:
            check.errors[key] = (
                f"Unknown field. The organization accepts only {', '.join(_ORGANIZATION_KEYS)}."
            )
    name = check.name("name", required=False)
    currency = body.get("currency", MISSING)
    if currency is not MISSING and (
        not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency)
    ):
        check.errors["currency"] = "Value must be a three-letter currency code such as USD."
    order = None
    if "lead_statuses" in body:
        ids = item_ids(body["lead_statuses"], "lead_statuses", check.errors, "stat_")
        unknown = [i for i in ids or () if i not in store.records["lead_statuses"]]
        if unknown:
            check.errors["lead_statuses"] = f"Lead status {unknown[0]!r} does not exist."
        elif ids is not None:
            current = store.organization["lead_status_order"]
            order = complete_order(store, current, ids, "lead_statuses", check.errors)
    check.done()
    c.apply(store.organization, {"name": name, "currency": currency})
    if order is not None:
        store.organization["lead_status_order"] = order
    store.touch("", "organization")
    return render_organization(store)
