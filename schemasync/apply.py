"""Run a plan against the API, one request per operation, and report what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from schemasync.errors import ApiError, ResponseError, SchemaSyncError
from schemasync.kinds import BY_NAME
from schemasync.kinds.base import Ref
from schemasync.live import FIELDS_PATH, TYPES_PATH
from schemasync.model import TYPE_KIND
from schemasync.placeholders import fill_text, fill_value
from schemasync.plan import Operation, Plan

PAST_TENSE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "reorder": "reordered",
}


class Writer(Protocol):
    """The part of CloseClient that apply uses (tests may hand in any such object)."""

    def create(
        self, path: str, body: dict[str, Any], *, reconcile: Callable[[], dict[str, Any] | None]
    ) -> Any: ...
    def put(self, path: str, body: dict[str, Any]) -> Any: ...
    def delete(self, path: str) -> Any: ...
    def list_all(self, path: str) -> list[dict[str, Any]]: ...


@dataclass
class ApplyReport:
    total: int
    done: list[Operation] = field(default_factory=list)
    failed: Operation | None = None
    error: str | None = None
    not_attempted: list[Operation] = field(default_factory=list)
    created_ids: dict[str, str] = field(default_factory=dict)
    stopped_by: str | None = None  # "interrupt" when a signal stopped the run

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.not_attempted

    def to_dict(self) -> dict[str, Any]:
        def line(op: Operation) -> dict[str, str]:
            return {"action": op.action, "kind": op.kind, "address": op.address}

        return {
            "done": [line(op) for op in self.done],
            "failed": (dict(line(self.failed), error=self.error or "") if self.failed else None),
            "not_attempted": [line(op) for op in self.not_attempted],
            "created_ids": dict(sorted(self.created_ids.items())),
        }

    def render(self) -> str:
        lines = [f"Applied {len(self.done)} of {self.total} operation(s)."]
        if self.done and not self.ok:
            lines.append("Done:")
            lines += [f"  {PAST_TENSE[op.action]} {op.address}" for op in self.done]
        if self.failed:
            lines.append("Failed:")
            lines.append(f"  {self.failed.action} {self.failed.address}: {self.error}")
        if self.not_attempted:
            lines.append("Not attempted:")
            lines += [f"  {op.action} {op.address}" for op in self.not_attempted]
        if not self.ok:
            lines.append("Run `schemasync plan` again to see exactly what remains.")
        return "\n".join(lines)


def _reference_keys(op: Operation) -> frozenset[str]:
    """The body keys of an operation that hold ids (and so may hold placeholders)."""
    if op.action == "reorder":
        return frozenset({"fields"})
    kind = BY_NAME.get(op.kind)
    if kind is None:
        return frozenset()
    keys = {a.api_key for a in kind.attrs if isinstance(a.codec, Ref)}
    if kind.parent_key:
        keys.add(kind.parent_key)
    return frozenset(keys)


def _fill(op: Operation, ids: dict[str, str]) -> tuple[str, dict[str, Any] | None]:
    """The operation's path and body with the ids created so far, filled in only where an id
    belongs (placeholders.py)."""
    path = fill_text(op.path, ids)
    if op.body is None:
        return path, None
    refs = _reference_keys(op)
    return path, {k: fill_value(v, ids) if k in refs else v for k, v in op.body.items()}


def _find_created(client: Writer, op: Operation, body: dict[str, Any]) -> dict[str, Any] | None:
    """After an ambiguous POST: the object now in the org under the planned name, if any."""
    if op.kind == TYPE_KIND:
        found = [t for t in client.list_all(TYPES_PATH) if t.get("name") == body.get("name")]
    else:
        found = [
            f
            for f in client.list_all(FIELDS_PATH)
            if f.get("name") == body.get("name")
            and f.get("custom_object_type_id") == body.get("custom_object_type_id")
        ]
    # The plan only creates names that were not live, so one match is ours; several means
    # someone else is writing too, and guessing could adopt the wrong object.
    return found[0] if len(found) == 1 else None


def _created_id(op: Operation, response: Any) -> str:
    if isinstance(response, dict) and isinstance(response.get("id"), str) and response["id"]:
        return str(response["id"])
    raise ResponseError(op.method, op.path, 201, "the response has no id for the created object")


def _run_one(client: Writer, op: Operation, ids: dict[str, str], phase: list[str]) -> None:
    path, body = _fill(op, ids)
    if op.action == "replace" and op.delete_path:
        client.delete(op.delete_path)
        phase.append("old deleted")
    if op.action in ("create", "replace"):
        assert body is not None
        created = client.create(path, body, reconcile=lambda: _find_created(client, op, body))
        if op.defines:
            ids[op.defines] = _created_id(op, created)
    elif op.method == "PUT":
        client.put(path, body or {})
    elif op.method == "DELETE":
        client.delete(path)
    else:  # pragma: no cover - Plan.from_dict rejects anything else
        raise ResponseError(op.method, path, None, f"unknown operation {op.action}")


def apply_plan(
    plan: Plan,
    client: Writer,
    *,
    progress: Callable[[str], None] = lambda _msg: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ApplyReport:
    """Execute the plan's operations in order; stop at the first failure.

    Never raises for an API failure: the report says what was done, what failed and what
    was not attempted, and the caller picks the exit code.
    """
    ops = plan.operations
    report = ApplyReport(total=len(ops))
    ids: dict[str, str] = {}
    for i, op in enumerate(ops):
        if should_stop():
            report.stopped_by = "interrupt"
            report.not_attempted = list(ops[i:])
            break
        phase: list[str] = []
        try:
            _run_one(client, op, ids, phase)
        except SchemaSyncError as e:
            if isinstance(e, ApiError) and not e.address:
                e.at(op.address)
            report.failed = op
            report.error = str(e)
            if phase:
                report.error += (
                    " (the old field was already deleted; run plan again to create the new one)"
                )
            report.not_attempted = list(ops[i + 1 :])
            progress(f"[{i + 1}/{len(ops)}] failed: {op.action} {op.address}")
            break
        except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM: the request is abandoned
            report.stopped_by = "interrupt"
            report.failed = op
            report.error = (
                "abandoned while its request was in flight; it may or may not have been applied"
            )
            if phase:
                report.error += " (the old field was already deleted)"
            report.not_attempted = list(ops[i + 1 :])
            progress(f"[{i + 1}/{len(ops)}] abandoned: {op.action} {op.address}")
            break
        report.done.append(op)
        created = f" ({ids[op.defines]})" if op.defines and op.defines in ids else ""
        try:
            progress(f"[{i + 1}/{len(ops)}] {PAST_TENSE[op.action]} {op.address}{created}")
        except KeyboardInterrupt:  # a second signal between requests: this one is done
            report.stopped_by = "interrupt"
            report.not_attempted = list(ops[i + 1 :])
            break
    report.created_ids = dict(ids)
    return report
