"""A saved plan can only do what a plan can do: checked against its schema, its target org and
the live objects, before any write.

`apply --plan` runs exactly the operations of a file someone may have edited. So, before the
first request: the document must satisfy schemas/plan.schema.json; it must have been made for
the org it is applied to; and every operation must be one that schemasync itself would have
planned for the kind it names: its method and path are derived again from its action, kind
and ids (a live object of that kind, or the placeholder of an object created earlier in the
same plan) and must be equal to what the file says; its body may carry only the keys the API
documents for that request. No other endpoint is ever called.
"""

from __future__ import annotations

import re
from typing import Any

from schemasync.errors import PlanError, PlanFileError, Problem
from schemasync.kinds import BY_NAME, CHILDREN, STANDARD_OBJECTS, Kind, Mut
from schemasync.kinds.base import Ref
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE
from schemasync.live import LiveState
from schemasync.placeholders import TOKEN
from schemasync.plan import Operation, Plan
from schemasync.util import with_article as _a


def check_document(document: Any) -> None:
    """The plan file's JSON against schemas/plan.schema.json (the first few problems)."""
    from jsonschema import Draft202012Validator

    from schemasync.manifest import load_schema

    validator = Draft202012Validator(load_schema("plan.schema.json"))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        shown = []
        for error in errors[:2]:
            where = "/".join(str(p) for p in error.absolute_path) or "(document)"
            shown.append(f"{_clip(where, 40)}: {_clip(error.message, 70)}")
        more = f" (and {len(errors) - 2} more)" if len(errors) > 2 else ""
        raise PlanFileError(
            "not a valid schemasync plan: " + "; ".join(shown) + more + " (nothing was applied)"
        )


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_target(plan: Plan, org: dict[str, Any] | None, api_url: str) -> None:
    """Refuse a plan made for another org (by org id, from GET /me/ at plan time)."""
    recorded = (plan.target or {}).get("org") or {}
    if not recorded.get("id") or not org or not org.get("id"):
        return  # one of the two is unknown: the fingerprint check still guards the content
    if recorded["id"] != org["id"]:
        made_at = (plan.target or {}).get("api_url") or "an unknown URL"
        raise PlanFileError(
            f"this plan was made for org {recorded.get('name')!r} ({recorded['id']}) at "
            f"{made_at}, but {api_url} is org {org.get('name')!r} ({org['id']}): make a plan "
            "for this org (nothing was applied)"
        )


def _create_keys(kind: Kind) -> frozenset[str]:
    keys = {a.api_key for a in kind.attrs if a.on_create and a.api_key in kind.body_order}
    if kind.parent_key:
        keys.add(kind.parent_key)
    return frozenset(keys)


def _update_keys(kind: Kind) -> frozenset[str]:
    return frozenset(a.api_key for a in kind.attrs if a.mut is not Mut.REPLACE)


class _Checker:
    def __init__(self, live: LiveState) -> None:
        self.live = live
        self.defined: dict[str, str] = {}  # placeholder -> kind name, as the plan goes
        self.problems: list[Problem] = []

    def fail(self, op: Operation, message: str) -> None:
        self.problems.append(Problem("<plan>", 0, 0, op.address, message))

    def live_of(self, op: Operation, kind: Kind, object_id: str | None) -> bool:
        """`object_id` is a live object of `kind` (or a placeholder of one created earlier)."""
        if object_id is None:
            self.fail(op, f"{_a(op.action)} must name the id of the {kind.noun} it acts on")
            return False
        if TOKEN.fullmatch(object_id):
            if self.defined.get(object_id) != kind.name:
                self.fail(op, f"{object_id} is not created by an earlier operation")
                return False
            return True
        obj = self.live.by_id(object_id)
        if obj is None or obj.kind is not kind:
            self.fail(op, f"{object_id} is not {_a('live ' + kind.noun)} of this org")
            return False
        return True

    def request(self, op: Operation, method: str, path: str) -> None:
        if (op.method, op.path) != (method, path):
            self.fail(
                op,
                f"the file says {op.method} {op.path}, but {_a(op.action)} of {_a(op.kind)} is "
                f"{method} {path}",
            )

    def body_keys(self, op: Operation, allowed: frozenset[str]) -> None:
        extra = sorted(set(op.body or {}) - allowed)
        if extra:
            self.fail(op, f"the body has keys the API does not take here: {', '.join(extra)}")

    def references(self, op: Operation, kind: Kind) -> None:
        """Ids in the body point at live objects of the right kind or earlier creates."""
        body = op.body or {}
        if kind.parent_key and kind.parent is not None:
            value = body.get(kind.parent_key)
            if isinstance(value, str):
                self.live_of(op, BY_NAME[kind.parent], value)
            else:
                self.fail(op, f"the body has no {kind.parent_key}")
        for attr in kind.attrs:
            value = body.get(attr.api_key)
            if isinstance(attr.codec, Ref) and value is not None:
                if isinstance(value, str):
                    self.live_of(op, BY_NAME[attr.codec.target], value)
                else:
                    self.fail(op, f"{attr.api_key} is not an id")

    def check(self, op: Operation) -> None:
        kind = BY_NAME.get(op.kind)
        if kind is None:
            self.fail(op, f"this schemasync does not know the kind {op.kind!r}")
            return
        if op.delete_path is not None and op.action != "replace":
            self.fail(op, f"only a replace deletes first; {_a(op.action)} has no `delete`")
        if op.defines is not None and (op.action != "create" and op.action != "replace"):
            self.fail(op, f"only a create defines an id; {_a(op.action)} has no `defines`")
        if kind is PLACEMENT:
            self._placement(op)
            return
        if op.kind == "lead_status" and op.action == "reorder":
            self._lead_status_order(op)
            return
        if op.kind == "pipeline" and (op.body or {}).get("statuses") is not None:
            self._pipeline_statuses(op, kind)
            return
        action = op.action
        if action in ("create", "replace"):
            self.request(op, "POST", kind.collection)
            self.body_keys(op, _create_keys(kind))
            self.references(op, kind)
            if action == "replace" and self.live_of(op, kind, op.id):
                if op.delete_path != kind.item_path(op.id or ""):
                    self.fail(op, f"a replace deletes {kind.item_path(op.id or '')} first")
            if op.defines:
                self.defined[op.defines] = kind.name
        elif action == "update":
            if self.live_of(op, kind, op.id):
                self.request(op, "PUT", kind.item_path(op.id or ""))
            self.body_keys(op, _update_keys(kind))
        elif action == "delete":
            if self.live_of(op, kind, op.id):
                self.request(op, "DELETE", kind.item_path(op.id or ""))
                self._check_name(op)
            if op.body is not None:
                self.fail(op, "a delete has no body")
        elif action == "reorder":
            if not kind.order_path:
                self.fail(op, f"{_a(kind.noun)} has no order to set")
            elif self.live_of(op, kind, op.id):
                self.request(op, "PUT", kind.order_path.format(id=op.id))
                self._check_order(op, kind)

    def _check_name(self, op: Operation) -> None:
        obj = self.live.by_id(op.id or "")
        before = next(iter(op.changes.values()), {}).get("before")
        if obj is not None and before != obj.name:
            self.fail(op, f"{op.id} is named {obj.name!r} in the org, not {before!r}")

    def _check_order(self, op: Operation, kind: Kind) -> None:
        body = op.body or {}
        self.body_keys(op, frozenset({"fields"}))
        owner = self.live.by_id(op.id or "")
        children = {
            k.id for child in CHILDREN[kind.name] for k in (owner.kids(child) if owner else [])
        }
        children.update(owner.others if owner else ())
        entries = body.get("fields")
        if not isinstance(entries, list):
            self.fail(op, "a reorder lists its fields")
            return
        for entry in entries:
            value = entry.get("id") if isinstance(entry, dict) else None
            shared = self.live.by_id(value) if isinstance(value, str) else None
            if not isinstance(value, str) or not (
                value in children
                or value in (owner.order if owner else ())
                or self.defined.get(value) in {c.name for c in CHILDREN[kind.name]}
                or self.defined.get(value) == SHARED_FIELD.name  # a placement: its field's id
                or (shared is not None and shared.kind is SHARED_FIELD)
            ):
                self.fail(op, f"{value!r} is not a field of {op.address}")
                return

    # -- what does not fit the generic derivation ------------------------------------------

    def _placement(self, op: Operation) -> None:
        """`/custom_field/shared/{shared field}/association/[{object}/]`."""
        m = _PLACEMENT_PATH.fullmatch(op.path)
        if m is None:
            self.fail(op, f"{op.path} is not the path of a shared field's placement")
            return
        shared, segment = m.group("shared"), m.group("object")
        self.live_of(op, SHARED_FIELD, shared)
        body = op.body or {}
        if op.action == "create":
            self.request(op, "POST", f"/custom_field/shared/{shared}/association/")
            self.body_keys(op, _PLACEMENT_CREATE)
            owner = body.get("object_type")
            if owner in _OWNER_KEYS:
                value = body.get(_OWNER_KEYS[owner])
                if isinstance(value, str):
                    self.live_of(op, BY_NAME[owner], value)
                else:
                    self.fail(op, f"the body has no {_OWNER_KEYS[owner]}")
            elif owner not in STANDARD_OBJECTS:
                self.fail(op, f"object_type {owner!r} is not an object a field is placed on")
            return
        if segment is None:
            self.fail(op, f"{_a(op.action)} of a placement names its object in the path")
            return
        kind_name, _, owner_id = segment.partition("/")
        if kind_name in _OWNER_KEYS:
            self.live_of(op, BY_NAME[kind_name], owner_id)
        elif segment not in STANDARD_OBJECTS:
            self.fail(op, f"{segment!r} is not an object a field is placed on")
        if op.action == "update":
            self.request(op, "PUT", op.path)
            self.body_keys(op, frozenset({"required", "editable_with_roles"}))
        elif op.action == "delete":
            self.request(op, "DELETE", op.path)
            if op.body is not None:
                self.fail(op, "a delete has no body")
        else:
            self.fail(op, f"a placement has no {op.action}")

    def _lead_status_order(self, op: Operation) -> None:
        """The organization's complete lead status list."""
        self.request(op, "PUT", f"/organization/{self.live.org_id}/")
        self.body_keys(op, frozenset({"lead_statuses"}))
        lead = next((o for o in self.live.top("standard_object") if o.name == "lead"), None)
        known = {s.id for s in lead.kids(LEAD_STATUS)} if lead is not None else set()
        self._ids(op, (op.body or {}).get("lead_statuses"), known, LEAD_STATUS.name)

    def _pipeline_statuses(self, op: Operation, kind: Kind) -> None:
        """A pipeline's complete status list (an order, and statuses moved into it)."""
        if self.live_of(op, kind, op.id):
            self.request(op, "PUT", kind.item_path(op.id or ""))
        self.body_keys(op, frozenset({"name", "statuses"}))
        known = {
            s.id
            for o in self.live.top("standard_object")
            for p in o.kids(PIPELINE)
            for s in p.kids(OPPORTUNITY_STATUS)
        }
        self._ids(op, (op.body or {}).get("statuses"), known, OPPORTUNITY_STATUS.name)

    def _ids(self, op: Operation, entries: Any, known: set[str | None], kind_name: str) -> None:
        if not isinstance(entries, list):
            self.fail(op, "the order is not a list")
            return
        for entry in entries:
            value = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(value, str) or not (
                value in known or self.defined.get(value) == kind_name
            ):
                self.fail(op, f"{value!r} is not {_a(BY_NAME[kind_name].noun)} of this org")
                return


_ID = f"(?:{TOKEN.pattern}|[^/]+)"  # an id, or a placeholder (whose name may hold a /)
_PLACEMENT_PATH = re.compile(
    rf"/custom_field/shared/(?P<shared>{_ID})/association/(?:(?P<object>[^/]+(?:/{_ID})?)/)?"
)
_OWNER_KEYS = {
    "custom_object_type": "custom_object_type_id",
    "custom_activity_type": "custom_activity_type_id",
}
_PLACEMENT_CREATE = frozenset(
    {"object_type", *_OWNER_KEYS.values(), "required", "editable_with_roles"}
)


def check_operations(plan: Plan, live: LiveState) -> None:
    """Every operation derived again from its action, kind and ids: refuse any other."""
    checker = _Checker(live)
    for op in plan.operations:
        checker.check(op)
    if checker.problems:
        raise PlanError(checker.problems)
