"""Run a plan against the API, one request per operation, and report what happened.

The report never claims less than was done: when the operation that failed may have changed
the org (a replace whose old field is already deleted, a write the API accepted but answered
unreadably, a request whose outcome stayed unknown), it says so in its last line, and the
apply counts as partial.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from schemasync.conversions import CONVERSION_TIMEOUT, wait_for_conversion
from schemasync.engine import placements
from schemasync.errors import (
    AmbiguousWriteError,
    ApiError,
    ResponseError,
    SchemaSyncError,
    TransportError,
)
from schemasync.kinds import BY_NAME
from schemasync.kinds.base import Ref
from schemasync.kinds.shared import PLACEMENT
from schemasync.placeholders import fill_text, fill_value
from schemasync.plan import Operation, Plan

if TYPE_CHECKING:
    from schemasync.duplicates import Duplicate

PAST_TENSE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "reorder": "reordered",
}
_WRITES = frozenset({"POST", "PUT", "DELETE"})
_SEE = "run `schemasync plan` to see"


class Writer(Protocol):
    """The part of CloseClient that apply uses (tests may hand in any such object)."""

    def create(
        self, path: str, body: dict[str, Any], *, reconcile: Callable[[], dict[str, Any] | None]
    ) -> Any: ...
    def put(self, path: str, body: dict[str, Any]) -> Any: ...
    def delete(self, path: str) -> Any: ...
    def list_all(self, path: str) -> list[dict[str, Any]]: ...
    def get(self, path: str) -> Any: ...


@dataclass
class ApplyReport:
    total: int
    done: list[Operation] = field(default_factory=list)
    failed: Operation | None = None
    error: str | None = None
    not_attempted: list[Operation] = field(default_factory=list)
    created_ids: dict[str, str] = field(default_factory=dict)
    # "interrupt" when a signal stopped the run; "conversion" when Close was still converting a
    # field's values after the wait and operations remained
    stopped_by: str | None = None
    # What the failed operation did to the org, in words; None when it surely changed nothing.
    failed_effect: str | None = None
    # Names this apply created that the org now holds twice (filled in by flow.execute).
    duplicates: list[Duplicate] = field(default_factory=list)
    # Something the user must know although nothing failed (a conversion still running).
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.not_attempted

    @property
    def changed_org(self) -> bool:
        """Whether the org may differ from before the apply."""
        return bool(self.done) or self.failed_effect is not None

    def created(self) -> list[str]:
        """Ids of the objects this apply created (or adopted after a lost answer)."""
        return [
            self.created_ids[op.defines]
            for op in self.done
            if op.defines and op.defines in self.created_ids
        ]

    def to_dict(self) -> dict[str, Any]:
        def line(op: Operation) -> dict[str, str]:
            return {"action": op.action, "kind": op.kind, "address": op.address}

        failed = None
        if self.failed:
            failed = dict(line(self.failed), error=self.error or "", effect=self.failed_effect)
        return {
            "done": [line(op) for op in self.done],
            "failed": failed,
            "not_attempted": [line(op) for op in self.not_attempted],
            "created_ids": dict(sorted(self.created_ids.items())),
            "duplicates": [d.to_dict() for d in self.duplicates],
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
        if self.duplicates:
            from schemasync.duplicates import fix_hint

            mine = self.created()
            lines.append("Now in the org twice (did another apply run at the same time?):")
            lines += [f"  {d.describe(mine)}" for d in self.duplicates]
            lines.append(fix_hint()[0].upper() + fix_hint()[1:] + ".")
        if self.failed_effect:
            lines.append(self.failed_effect[0].upper() + self.failed_effect[1:] + ".")
        if self.note:
            lines.append(self.note[0].upper() + self.note[1:] + ".")
        return "\n".join(lines)


# Reorders: the body key of the complete id list, per owner kind.
_ORDER_KEYS = {"lead_status": "lead_statuses", "pipeline": "statuses"}


def _reference_keys(op: Operation) -> frozenset[str]:
    """The body keys of an operation that hold ids (and so may hold placeholders)."""
    if op.action == "reorder" or (op.kind == "pipeline" and op.body and "statuses" in op.body):
        return frozenset({_ORDER_KEYS.get(op.kind, "fields")})
    kind = BY_NAME.get(op.kind)
    if kind is None:
        return frozenset()
    keys = {a.api_key for a in kind.attrs if isinstance(a.codec, Ref)}
    if kind.parent_key:
        keys.add(kind.parent_key)
    if kind is PLACEMENT:
        keys |= placements.ID_KEYS
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
    """After an ambiguous POST: the object now in the org under the planned identity (name
    or label, within the same owner), if any."""
    kind = BY_NAME[op.kind]
    if kind is PLACEMENT:
        return _find_placement(client, op, body)
    path = kind.collection
    key, parent = kind.identity, kind.parent_key
    found = [
        o
        for o in client.list_all(path)
        if o.get(key) == body.get(key) and (parent is None or o.get(parent) == body.get(parent))
    ]
    if len(found) > 1:
        # The plan only creates names that were not live, so several means someone else is
        # writing too: adopting one could take the wrong object, and sending the POST again
        # would add one more.
        ids = ", ".join(sorted(str(o.get("id")) for o in found))
        raise AmbiguousWriteError(
            "POST",
            path,
            None,
            f"the org now lists {len(found)} objects named {body.get(key)!r} ({ids}); "
            "another apply may be writing to it",
            hint="nothing was sent again",
        )
    return found[0] if found else None


def _find_placement(client: Writer, op: Operation, body: dict[str, Any]) -> dict[str, Any] | None:
    """A placement is found on its shared field: an association to the same object."""
    shared = client.get(op.path.removesuffix("association/"))
    places = shared.get("associations") if isinstance(shared, dict) else None
    for place in places if isinstance(places, list) else []:
        if isinstance(place, dict) and all(
            place.get(k) == body.get(k) for k in ("object_type", *placements.ID_KEYS) if k in body
        ):
            return place
    return None


def _created_id(op: Operation, response: Any) -> str:
    if isinstance(response, dict) and isinstance(response.get("id"), str) and response["id"]:
        return str(response["id"])
    raise ResponseError(op.method, op.path, 201, "the response has no id for the created object")


@dataclass
class _Progress:
    """How far the operation in flight got, to tell what a failure left behind."""

    old_deleted: bool = False  # a replace's DELETE went through
    reconciling: bool = False  # looking for the object of a POST whose answer was lost
    converting: bool = False  # Close is converting the field's values (a type change)


def _run_one(client: Writer, op: Operation, ids: dict[str, str], step: _Progress) -> None:
    path, body = _fill(op, ids)
    if op.action == "replace" and op.delete_path:
        client.delete(op.delete_path)
        step.old_deleted = True
    if op.action in ("create", "replace"):
        assert body is not None

        def reconcile() -> dict[str, Any] | None:
            step.reconciling = True
            return _find_created(client, op, body)

        created = client.create(path, body, reconcile=reconcile)
        if op.defines:
            ids[op.defines] = _created_id(op, created)
    elif op.method == "PUT":
        client.put(path, body or {})
        if op.converts:
            step.converting = True
    elif op.method == "DELETE":
        client.delete(path)
    else:  # pragma: no cover - Plan.from_dict rejects anything else
        raise ResponseError(op.method, path, None, f"unknown operation {op.action}")


def _outcome(error: BaseException, step: _Progress) -> str:
    """What the failed request did: "none" (refused), "done" (accepted) or "unknown"."""
    if isinstance(error, KeyboardInterrupt) or step.reconciling:
        return "unknown"  # abandoned in flight, or its lost POST could not be looked up
    if not isinstance(error, ApiError) or error.method not in _WRITES:
        return "none"
    if isinstance(error, AmbiguousWriteError):
        return "unknown"
    if isinstance(error, ResponseError):
        return "done"  # a 2xx whose body could not be read: the API accepted the write
    if isinstance(error, TransportError):
        # A POST raises AmbiguousWriteError whenever it may have been sent; a PUT or DELETE
        # may have been received by the server on any attempt that got no answer.
        return "none" if error.method == "POST" else "unknown"
    if error.status is None or error.status >= 500:
        return "unknown"
    return "none"  # 4xx (and 429 after every retry): the API refused it


def effect_of(op: Operation, outcome: str, old_deleted: bool) -> str | None:
    """The failed operation's mark on the org in one sentence; None when it left none."""
    a = op.address
    if op.action == "replace" and old_deleted:
        if outcome == "none":
            return f"{a} was deleted and not created again: its values are gone"
        if outcome == "done":
            return (
                f"{a} was deleted (its values are gone) and created again, but the API's "
                f"answer could not be read: {_SEE}"
            )
        return f"{a} was deleted (its values are gone) and may not have been created again: {_SEE}"
    if op.action == "replace":  # its DELETE failed
        if outcome == "done":
            return f"{a} was deleted and not created again: its values are gone"
        if outcome == "unknown":
            return f"{a} may have been deleted (with its values) and was not created again: {_SEE}"
        return None
    if outcome == "done":
        return f"{a} was {PAST_TENSE[op.action]}, but the API's answer could not be read: {_SEE}"
    if outcome == "unknown":
        return f"{a} may have been {PAST_TENSE[op.action]}: {_SEE}"
    return None


def refusal_hint(op: Operation, error: BaseException, old_deleted: bool) -> str | None:
    """What to do when the API refused the DELETE of a delete or a replace of a kind that
    declares it (`Kind.refused_delete`: a status that records still have); else None."""
    kind = BY_NAME.get(op.kind)
    if kind is None or not kind.refused_delete or old_deleted:
        return None
    if not isinstance(error, ApiError) or error.method != "DELETE" or error.status is None:
        return None
    if not 400 <= error.status < 500 or error.status in (401, 403, 404, 429):
        return None  # the key, a status already gone, or the rate limit: not the records
    keep = "keep it in the manifest" if op.action == "delete" else "keep its old type"
    return f"{kind.refused_delete}, or {keep}, then run `schemasync plan` again"


def apply_plan(
    plan: Plan,
    client: Writer,
    *,
    progress: Callable[[str], None] = lambda _msg: None,
    should_stop: Callable[[], bool] = lambda: False,
    conversion_timeout: float = CONVERSION_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ApplyReport:
    """Execute the plan's operations in order; stop at the first failure.

    Never raises for an API failure: the report says what was done, what failed (and what
    that failure may have changed) and what was not attempted; the caller picks the exit code.
    """
    ops = plan.operations
    report = ApplyReport(total=len(ops))
    ids: dict[str, str] = {}
    for i, op in enumerate(ops):
        if should_stop():
            report.stopped_by = "interrupt"
            report.not_attempted = list(ops[i:])
            break
        step = _Progress()
        try:
            _run_one(client, op, ids, step)
        except SchemaSyncError as e:
            if isinstance(e, ApiError) and not e.address:
                e.at(op.address)
            report.failed = op
            report.error = str(e)
            report.failed_effect = effect_of(op, _outcome(e, step), step.old_deleted)
            report.note = refusal_hint(op, e, step.old_deleted)
            report.not_attempted = list(ops[i + 1 :])
            progress(f"[{i + 1}/{len(ops)}] failed: {op.action} {op.address}")
            break
        except KeyboardInterrupt as e:  # a second Ctrl-C or SIGTERM: the request is abandoned
            report.stopped_by = "interrupt"
            report.failed = op
            report.error = (
                "abandoned while its request was in flight; it may or may not have been applied"
            )
            report.failed_effect = effect_of(op, _outcome(e, step), step.old_deleted)
            report.not_attempted = list(ops[i + 1 :])
            progress(f"[{i + 1}/{len(ops)}] abandoned: {op.action} {op.address}")
            break
        report.done.append(op)
        if step.converting:
            waited = wait_for_conversion(
                client, op, progress, should_stop, conversion_timeout, sleep, clock
            )
            if waited is not None:  # interrupted, or still converting after the wait
                report.note = waited
                report.not_attempted = list(ops[i + 1 :])
                if should_stop():
                    report.stopped_by = "interrupt"
                elif report.not_attempted:  # the next operations may need it finished
                    report.stopped_by = "conversion"
                break
        created = f" ({ids[op.defines]})" if op.defines and op.defines in ids else ""
        try:
            progress(f"[{i + 1}/{len(ops)}] {PAST_TENSE[op.action]} {op.address}{created}")
        except KeyboardInterrupt:  # a second signal between requests: this one is done
            report.stopped_by = "interrupt"
            report.not_attempted = list(ops[i + 1 :])
            break
    report.created_ids = dict(ids)
    return report
