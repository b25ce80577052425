"""Render a plan for people (text) and machines (JSON); pure functions over the plan value."""

from __future__ import annotations

import json
from typing import Any

from schemasync.kinds import order_noun_of
from schemasync.plan import Operation, Plan
from schemasync.util import gc_paused

MARK = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "reorder": "~"}
_COLOR = {"create": "32", "update": "33", "replace": "35", "delete": "31", "reorder": "33"}
_VERB = {
    "create": "will be created",
    "update": "will be updated in place",
    "replace": "must be REPLACED (deleted, then created again)",
    "delete": "will be DELETED",
    "reorder": "will get its fields reordered",
}


_ALWAYS = ("name", "type")


def _verb(op: Operation) -> str:
    """What happens, in words: "will get its fields reordered" (statuses for a status order)."""
    if op.action == "reorder":
        items = order_noun_of(op.kind).removesuffix(" order")
        return f"will get its {items}{'es' if items.endswith('s') else 's'} reordered"
    if op.converts:
        return "will be updated in place, converting its values"
    return _VERB[op.action]


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    parts = [f"{s['create']} to create", f"{s['update']} to update"]
    if s["replace"]:
        parts.append(f"{s['replace']} to replace")
    parts.append(f"{s['delete']} to delete")
    if s["reorder"]:
        parts.append(f"{s['reorder']} to reorder")
    return "Plan: " + ", ".join(parts) + "."


def shown_changes(op: Operation) -> dict[str, dict[str, Any]]:
    """The attributes worth showing: a create leaves out its empty defaults (the JSON plan
    has them all)."""
    return {
        k: ch
        for k, ch in op.changes.items()
        if not (op.action == "create" and ch.get("after") in (None, False, []) and k not in _ALWAYS)
    }


def _op_lines(op: Operation, color: bool) -> list[str]:
    mark = MARK[op.action]
    noun = f"{order_noun_of(op.kind)} of" if op.action == "reorder" else op.kind
    head = f"{mark:>3} {noun} {op.address}"
    lines = [f"  # {op.address} {_verb(op)}", _paint(head, _COLOR[op.action], color)]
    if op.reason:
        lines.append(_paint(f"      ! {op.reason}", "31;1", color))
    shown = shown_changes(op)
    width = max((len(k) for k in shown), default=0)
    for key, ch in shown.items():
        before, after = ch.get("before"), ch.get("after")
        if op.action == "create" or (op.action == "replace" and before is None):
            lines.append(f"      {key:<{width}} = {_value(after)}")
        elif op.action == "delete":
            lines.append(f"      {key:<{width}} = {_value(before)}")
        else:
            lines.append(f"      {key:<{width}} = {_value(before)} → {_value(after)}")
    return lines


NO_CHANGES = "No changes. The org matches the manifest."
UNMANAGED = "in the org but not in the manifest; left untouched (--prune would delete them)"


@gc_paused()
def render_text(
    plan: Plan,
    *,
    color: bool = False,
    no_changes: str = NO_CHANGES,
    unmanaged: str = UNMANAGED,
) -> str:
    """Terraform-like plan text: one block per operation, unmanaged objects, a summary.

    `no_changes` and `unmanaged` are the words for an empty plan and for the unmanaged list
    (promote and diff compare two orgs, not a manifest and an org)."""
    out: list[str] = []
    if plan.operations:
        out.append("schemasync will perform the following actions:")
        out.append("")
        for op in plan.operations:
            out.extend(_op_lines(op, color))
            out.append("")
    if plan.unmanaged:
        out.append(f"Unmanaged: {unmanaged}:")
        for u in plan.unmanaged:
            detail = f", {u.detail}" if u.detail else ""
            out.append(f"  {u.kind} {u.address} ({u.id}{detail})")
        out.append("")
    for note in plan.notes:
        out.append(f"Note: {note}")
    if plan.notes:
        out.append("")
    if plan.operations:
        destructive = [op for op in plan.operations if op.destructive]
        if destructive:
            out.append(
                _paint(
                    f"Warning: {len(destructive)} operation(s) destroy data: "
                    + ", ".join(op.address for op in destructive),
                    "31;1",
                    color,
                )
            )
        out.append(summary_line(plan))
        out.append(f"Operations digest: {plan.digest}")
    else:
        out.append(no_changes)
    return "\n".join(out) + "\n"


@gc_paused()
def render_json(plan: Plan) -> str:
    """The versioned plan document (also what `plan --out` saves)."""
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
