"""Render a plan as Markdown for a pull-request or merge-request comment (GitHub, GitLab).

Pure: the same plan always gives the same text. Destructive operations come first and loud;
the table and the collapsible attribute diffs are capped so that a plan of thousands of
operations still fits a comment (GitHub allows 65,536 characters); the JSON plan
(`plan --out`) always has everything.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from schemasync.kinds import noun_of, order_noun_of
from schemasync.plan import Operation, Plan
from schemasync.render import MARK, NO_CHANGES, UNMANAGED, shown_changes, summary_line

_ICON = {"create": "➕", "update": "✏️", "replace": "⚠️", "delete": "⚠️", "reorder": "↕️"}

VALUE_CHARS = 160  # one attribute value in a diff line
CHANGE_CHARS = 120  # the whole "change" cell of a table row
REASON_CHARS = 300  # one destructive operation's reason
DETAILS_BUDGET = 30_000  # all the collapsible diffs together
MAX_CHARS = 60_000  # the whole comment: GitHub allows 65,536; a CI header/footer needs room
# Markdown punctuation that could format, link or break a table when it appears in a name.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|~#!])")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def md(text: str) -> str:
    """Escape user text (a name, a reason) for Markdown inline text and table cells."""
    text = " ".join(str(text).split())  # no newline may end a table row or a list item
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _h(text: str) -> str:
    """Escape user text for raw HTML (a <summary>), where Markdown escapes do not apply."""
    return html.escape(" ".join(str(text).split()), quote=True)


def _value(v: Any) -> str:
    return _clip(json.dumps(v, ensure_ascii=False, sort_keys=True), VALUE_CHARS)


def _changed(op: Operation) -> list[str]:
    """Attributes whose value really changes (a replace's new defaults are not news)."""
    return [
        k
        for k, ch in op.changes.items()
        if ch.get("before") is not None and ch.get("before") != ch.get("after")
    ]


def _change_cell(op: Operation) -> str:
    if op.action == "create":
        noun = noun_of(op.kind)
        kind = op.changes.get("type", {}).get("after")
        return md(f"new {kind} {noun}" if kind else f"new {noun}")
    if op.action == "delete":
        return "**deleted, with its data**"
    if op.action == "reorder":
        return "new display order"
    parts = []
    for k in _changed(op):
        ch = op.changes[k]
        parts.append(
            f"{k}: {_clip(json.dumps(ch.get('before'), ensure_ascii=False), 40)} → "
            f"{_clip(json.dumps(ch.get('after'), ensure_ascii=False), 40)}"
        )
    text = md(_clip("; ".join(parts), CHANGE_CHARS)) if parts else ""
    if op.action == "replace":
        return "**replaced, values lost**" + (f": {text}" if text else "")
    return text


def _fence(lines: list[str]) -> tuple[str, str]:
    """A code fence longer than any backtick run inside, so a value cannot close it."""
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return fence + "diff", fence


def _diff_lines(op: Operation) -> list[str]:
    lines = []
    for key, ch in shown_changes(op).items():
        before, after = ch.get("before"), ch.get("after")
        if op.action == "create" or (op.action == "replace" and before is None):
            lines.append(f"+ {key}: {_value(after)}")
        elif op.action == "delete":
            lines.append(f"- {key}: {_value(before)}")
        elif before == after:
            lines.append(f"  {key}: {_value(after)}")
        else:
            lines.append(f"- {key}: {_value(before)}")
            lines.append(f"+ {key}: {_value(after)}")
    return lines


def _details(step: int, op: Operation) -> str:
    icon = _ICON[op.action]
    noun = f"{order_noun_of(op.kind)} of" if op.action == "reorder" else op.kind
    summary = (
        f"{icon} <code>{_h(MARK[op.action])}</code> #{step} {_h(op.action)} "
        f"{_h(noun)} <b>{_h(op.address)}</b>"
    )
    lines = _diff_lines(op)
    opening, closing = _fence(lines)
    return "\n".join(
        [f"<details><summary>{summary}</summary>", "", opening, *lines, closing, "", "</details>"]
    )


def _ordered(plan: Plan) -> list[tuple[int, Operation]]:
    """Destructive operations first, then the rest; each keeps its apply step number."""
    steps = list(enumerate(plan.operations, 1))
    return [s for s in steps if s[1].destructive] + [s for s in steps if not s[1].destructive]


def _more(n: int, what: str) -> str:
    return f"… and {n} more {what} (the JSON plan from `plan --out` has them all)"


def render_markdown(
    plan: Plan,
    *,
    max_operations: int = 50,
    title: str | None = None,
    no_changes: str = NO_CHANGES,
    unmanaged: str = UNMANAGED,
) -> str:
    """The plan as a Markdown comment: summary, destructive operations, table, diffs, more.

    At most `max_operations` rows per list; fewer when even those would pass MAX_CHARS
    (very long names), so the result always fits one comment.
    """
    cap = max(max_operations, 0)
    words = (no_changes, unmanaged)
    text = _render(plan, cap, title, words)
    while len(text) > MAX_CHARS and cap > 0:
        cap //= 2
        text = _render(plan, cap, title, words)
    return text


def _render(plan: Plan, cap: int, title: str | None, words: tuple[str, str]) -> str:
    no_changes, unmanaged = words
    out: list[str] = [f"### {md(_clip(title or 'schemasync plan', 200))}", ""]
    if not plan.operations:
        for sep in (": ", ". "):  # the lead words in bold: "**No changes.** The org ..."
            lead, found, rest = no_changes.partition(sep)
            if found:
                out += [f"**{md(lead)}{sep.strip()}** {md(rest)}", ""]
                break
        else:
            out += [f"**{md(no_changes)}**", ""]
    else:
        out += [f"**{md(summary_line(plan))}**", ""]

    destructive = [(i, op) for i, op in enumerate(plan.operations, 1) if op.destructive]
    if destructive:
        n = len(destructive)
        out.append(
            f"> [!CAUTION]\n> ⚠️ **{n} operation{'' if n == 1 else 's'} "
            f"destroy{'s' if n == 1 else ''} data.** Review before applying:"
        )
        for step, op in destructive[:cap]:
            reason = f": {md(_clip(op.reason, REASON_CHARS))}" if op.reason else ""
            out.append(
                f"> - ⚠️ **{op.action.upper()}** {md(op.kind)} "
                f"**{md(op.address)}** (step {step}){reason}"
            )
        if n > cap:
            out.append(f"> - {_more(n - cap, 'destructive operation(s)')}")
        out.append("")

    notes = [(i, op) for i, op in enumerate(plan.operations, 1) if op.reason and not op.destructive]
    if notes:  # what a harmless-looking step changes (the default status of new leads)
        out.append("> [!IMPORTANT]")
        for step, op in notes[:cap]:
            out.append(
                f"> - {op.action} {md(op.kind)} **{md(op.address)}** (step {step}): "
                f"{md(_clip(op.reason or '', REASON_CHARS))}"
            )
        if len(notes) > cap:
            out.append(f"> - {_more(len(notes) - cap, 'note(s)')}")
        out.append("")

    ordered = _ordered(plan)
    if ordered:
        out += ["| # | | action | kind | address | change |", "|---:|:---:|---|---|---|---|"]
        for step, op in ordered[:cap]:
            action = f"**{op.action.upper()}**" if op.destructive else op.action
            noun = order_noun_of(op.kind) if op.action == "reorder" else op.kind
            out.append(
                f"| {step} | {_ICON[op.action]} `{MARK[op.action]}` | {action} | "
                f"{md(noun)} | {md(op.address)} | {_change_cell(op)} |"
            )
        if len(ordered) > cap:
            out.append("")
            out.append(_more(len(ordered) - cap, "operation(s)"))
        out.append("")

        blocks: list[str] = []
        used = 0
        for step, op in ordered[:cap]:
            block = _details(step, op)
            if used + len(block) > DETAILS_BUDGET:
                break
            blocks.append(block)
            used += len(block)
        if blocks:
            out += ["#### Attribute changes", ""]
            for block in blocks:
                out += [block, ""]
        if len(blocks) < len(ordered):
            out += [_more(len(ordered) - len(blocks), "attribute diff(s)"), ""]

    if plan.unmanaged:
        out += [
            "#### Unmanaged",
            "",
            md(unmanaged[0].upper() + unmanaged[1:]).replace("--prune", "`--prune`") + ":",
            "",
        ]
        for u in plan.unmanaged[:cap]:
            detail = f", {md(u.detail)}" if u.detail else ""
            out.append(f"- {md(u.kind)} **{md(u.address)}** ({md(u.id)}{detail})")
        if len(plan.unmanaged) > cap:
            out.append(f"- {_more(len(plan.unmanaged) - cap, 'unmanaged object(s)')}")
        out.append("")
    if plan.notes:
        out += ["> [!NOTE]", *(f"> - {md(_clip(n, REASON_CHARS))}" for n in plan.notes[:cap])]
        if len(plan.notes) > cap:
            out.append(f"> - {_more(len(plan.notes) - cap, 'note(s)')}")
        out.append("")

    options = ", ".join(f"{md(k)}={md(json.dumps(v))}" for k, v in sorted(plan.options.items()))
    footer = f"Plan fingerprint: <code>{_h(plan.fingerprint)}</code>"
    if plan.operations:
        footer += f" · operations digest: <code>{_h(plan.digest)}</code>"
    if options:
        footer += f" · options: {options}"
    out.append(f"<sub>{footer}</sub>")
    return "\n".join(out) + "\n"
