"""The audit record of one apply: which plan went to which org, when, and what came of it.

`apply --report FILE` writes it as JSON, whatever the outcome (applied, no-changes,
declined, partial, duplicated, failed, interrupted); every apply that got as far as a plan
ends with its short summary on stderr. The record never holds a secret.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from schemasync import __version__, flow
from schemasync.apply import PAST_TENSE
from schemasync.config import Target
from schemasync.errors import ApplyFailed, Interrupted, SchemaSyncError

if TYPE_CHECKING:
    from schemasync.apply import ApplyReport
    from schemasync.client import CloseClient
    from schemasync.plan import Plan

Say = Callable[[str], None]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def result_of(exc: BaseException | None, plan: Plan | None) -> str:
    """applied, no-changes, declined, interrupted, duplicated, partial or failed."""
    if exc is None:
        return "no-changes" if plan is not None and not plan.has_changes else "applied"
    if isinstance(exc, (Interrupted, KeyboardInterrupt)):
        return "interrupted"
    if isinstance(exc, flow.Declined):
        return "declined"
    if isinstance(exc, ApplyFailed):
        report = exc.report
        return "duplicated" if report is not None and report.duplicates else "partial"
    return "failed"


@dataclass
class ApplyAudit:
    target: Target
    source: dict[str, str]  # {"plan": FILE} or {"manifest": PATH}
    started_at: str = field(default_factory=utc_now)
    plan: Plan | None = None
    org: dict[str, Any] | None = None  # flow.org_info(), once asked
    report: ApplyReport | None = None
    executing: bool = False
    result: str | None = None
    error: str | None = None
    finished_at: str | None = None

    def execute(self, plan: Plan, client: CloseClient, say: Say) -> ApplyReport:
        """flow.execute, keeping its report even when it raises."""
        self.plan = plan
        self.executing = True
        return flow.execute(plan, client, say, on_report=self._keep)

    def _keep(self, report: ApplyReport) -> None:
        self.report = report

    def finish(self, exc: BaseException | None) -> None:
        self.finished_at = utc_now()
        self.result = result_of(exc, self.plan)
        if exc is not None:
            self.error = str(exc) or (
                "interrupted" if self.result == "interrupted" else type(exc).__name__
            )

    def operations(self) -> dict[str, Any] | None:
        """What happened to each operation; None when an abandoned request left it unknown."""
        if self.report is not None:
            return self.report.to_dict()
        if self.plan is not None and not self.executing:  # stopped before the first write
            from schemasync.apply import ApplyReport

            return ApplyReport(
                total=len(self.plan.operations), not_attempted=list(self.plan.operations)
            ).to_dict()
        return None

    def to_dict(self) -> dict[str, Any]:
        target = self.org or flow.target_info(self.target)
        return {
            "schemasync_version": __version__,
            "target": target,
            "source": self.source,
            "plan_fingerprint": self.plan.fingerprint if self.plan else None,
            "plan_digest": self.plan.digest if self.plan else None,
            "plan_summary": self.plan.summary() if self.plan else None,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "result": self.result,
            "error": self.error,
            "operations": self.operations(),
        }

    def summary(self, report_file: str | None = None) -> str:
        """A few lines for the end of a CI log: outcome, counts, org, plan fingerprint and the
        digest of the operations (what a reviewer approved)."""
        total = len(self.plan.operations) if self.plan else 0
        if self.report is not None:
            done = self.report.done
            counts: dict[str, int] = {}
            for op in done:
                counts[PAST_TENSE[op.action]] = counts.get(PAST_TENSE[op.action], 0) + 1
            what = f"{len(done)} of {total} operation(s) applied"
            if counts:
                what += " (" + ", ".join(f"{n} {verb}" for verb, n in counts.items()) + ")"
            if self.report.failed is not None:
                what += f"; failed at {self.report.failed.action} {self.report.failed.address}"
            if self.report.not_attempted:
                what += f"; {len(self.report.not_attempted)} not attempted"
        elif self.result == "no-changes":
            what = "the plan has no changes"
        elif self.executing:
            what = f"{total} operation(s) planned; run `schemasync plan` to see what remains"
        else:
            what = f"nothing applied ({total} operation(s) planned)"
        where = (
            flow.describe_org(self.org, self.target) if self.org is not None else self.target.label
        )
        lines = [f"Summary: {self.result}: {what}"]
        if self.report is not None and self.report.failed_effect:
            lines.append(f"  effect: {self.report.failed_effect}")
        if self.report is not None and self.report.duplicates:
            twice = ", ".join(d.address for d in self.report.duplicates)
            lines.append(f"  twice:  {twice}")
        lines += [
            f"  target: {where}",
            f"  plan:   {self.plan.fingerprint if self.plan else 'none'}",
        ]
        if self.plan is not None and self.plan.operations:
            lines.append(f"  digest: {self.plan.digest}")
        if report_file:
            lines.append(f"  report: {report_file}")
        return "\n".join(lines)


def _check_writable(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise SchemaSyncError(
            f"cannot write the report {path}: {folder} is not a writable "
            "directory (nothing was applied)"
        )


@contextmanager
def recording(
    target: Target, source: dict[str, str], report_file: str | None, say: Say
) -> Iterator[ApplyAudit]:
    """Record the apply run inside: on the way out, whatever happened, write the report
    (when asked) and say the summary (once there is a plan); exceptions still propagate."""
    if report_file:
        _check_writable(report_file)  # before anything is applied
    audit = ApplyAudit(target, source)
    failure: BaseException | None = None
    try:
        yield audit
    except BaseException as e:
        failure = e
        raise
    finally:
        audit.finish(failure)
        if audit.plan is not None:
            say(audit.summary(report_file))
        if report_file:
            doc = flow.redact(json.dumps(audit.to_dict(), indent=2, ensure_ascii=False)) + "\n"
            try:
                flow.write_file(report_file, doc)
            except SchemaSyncError as e:
                if failure is None:
                    raise  # the changes were applied, but the record the caller wanted is not
                say(f"Warning: {e}")
