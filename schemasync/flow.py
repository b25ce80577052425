"""The steps commands share: connect, read the org, plan, confirm, apply, and report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from schemasync import signals
from schemasync.config import Target
from schemasync.errors import (
    Aborted,
    ApiError,
    ApplyFailed,
    AuthError,
    ConfigError,
    Interrupted,
    PlanError,
    SchemaSyncError,
    StalePlanError,
)

# The steps commands share, where they live (cli.py calls them through this module).
from schemasync.files import export_text as export_text
from schemasync.files import modeline as modeline
from schemasync.files import read_plan_file as read_plan_file
from schemasync.files import write_file as write_file
from schemasync.live.read import LEGACY_READ as LEGACY_READ
from schemasync.live.read import confirm_orders as confirm_orders
from schemasync.live.read import read_everything as read_everything
from schemasync.live.read import read_live as read_live
from schemasync.live.read import reads_of as reads_of
from schemasync.live.read import reads_of_plan as reads_of_plan

if TYPE_CHECKING:  # heavy modules load only in the commands that need them
    from schemasync.apply import ApplyReport
    from schemasync.client import CloseClient
    from schemasync.duplicates import Duplicate
    from schemasync.live import LiveOrg
    from schemasync.model import Manifest
    from schemasync.plan import Plan

_SECRETS: set[str] = set()
Say = Callable[[str], None]


def redact(text: str) -> str:
    """Remove every known secret (and its Basic encoding: client.secret_forms) from text."""
    for form in _SECRETS:
        text = text.replace(form, "***")
    return text


def connect(target: Target, say: Say) -> CloseClient:
    """A client for the target; a missing, blank or too short key is refused before it is
    used (every message hides the key, so a key of a few letters would garble them all)."""
    if not target.api_key:
        raise ConfigError(
            "no API key: set CLOSE_API_KEY (or pass --api-key, or select an environment with --env)"
        )
    from schemasync.client import CloseClient, secret_forms
    from schemasync.config import check_api_key

    key = check_api_key(target.api_key, target.key_source)
    _SECRETS.update(secret_forms(key))  # as the client will send it
    return CloseClient(
        key,
        base_url=target.api_url,
        on_event=say,
        key_source=target.key_source,
        url_source=target.url_source,
    )


def org_info(client: CloseClient, target: Target) -> dict[str, Any]:
    """Where a write goes, as data: environment, API URL and the org from `GET /me/`.

    `org` is `{"id", "name"}`, or None with `org_error` saying why when /me/ failed.
    """
    info = target_info(target)
    try:
        orgs = client.me().get("organizations")
        org = orgs[0] if isinstance(orgs, list) and orgs and isinstance(orgs[0], dict) else {}
        if org:
            info["org"] = {"id": org.get("id"), "name": org.get("name")}
        else:
            info["org_error"] = "GET /me/ named no organization"
    except AuthError:
        raise
    except ApiError as e:
        info["org_error"] = f"GET /me/ failed: {e.status or 'no response'}"
    return info


def target_info(target: Target) -> dict[str, Any]:
    """`org_info` before the org is known: environment and API URL."""
    return {
        "environment": target.env.name if target.env else None,
        "api_url": target.api_url,
        "org": None,
    }


def describe_org(info: dict[str, Any], target: Target) -> str:
    """The one-line form of `org_info`, as every apply says it before its first write."""
    org = info.get("org")
    if org:
        name = f"org {org.get('name')!r} ({org.get('id')})"
    else:
        name = f"org unknown ({info['org_error']})" if info.get("org_error") else "org unknown"
    return f"{target.label}, {name}"


def confirm_target(
    client: CloseClient, target: Target, n: int, auto_approve: bool, say: Say
) -> dict[str, Any]:
    """Say which org the writes go to, then ask (unless auto-approved); its `org_info`."""
    info = org_info(client, target)
    where = describe_org(info, target)
    say(f"Target: {where}")
    confirm(auto_approve, n, where)
    return info


def load(manifest: str, say: Say | None = None) -> Manifest:
    """Read the manifest; `say` gets a `Warning: ...` line for each file a directory skipped."""
    from schemasync.manifest import load_manifest

    m = load_manifest(manifest, allow_external_references=True)
    if say is not None:
        for warning in m.warnings:
            say(f"Warning: {warning}")
    return m


def make_plan(
    manifest: Manifest,
    live: LiveOrg,
    target: Target,
    *,
    prune: bool,
    allow_replace: bool,
    org: dict[str, Any] | None = None,
    client: CloseClient | None = None,
) -> Plan:
    """Plan with the flags, or the environment's defaults where a flag was not given; `org`
    (from `org_info`) is recorded in the plan, so it is refused on another org. With a
    `client`, planned reorders are confirmed with the types' schema (confirm_orders)."""
    import dataclasses

    from schemasync.diff import compute_plan

    def plan_once() -> Plan:
        return compute_plan(
            manifest,
            live,
            prune=prune or target.prune,
            allow_replace=allow_replace or target.allow_replace,
            protect=target.protect,
            ignore=target.ignore,
        )

    plan = plan_once()
    if client is not None and confirm_orders(client, plan, live):
        plan = plan_once()
    if org is None:
        return plan
    recorded = {"api_url": org["api_url"], "environment": org["environment"], "org": org["org"]}
    return dataclasses.replace(plan, target=recorded)


def check_saved_plan(plan: Plan, target: Target, live: LiveOrg, org: dict[str, Any]) -> None:
    """Before any write of `apply --plan`: the plan was made for this org, from this state,
    does only what a plan can do, and destroys nothing this environment protects."""
    from schemasync.plan_check import check_operations, check_target

    live = without_ignored(plan, live)
    check_target(plan, org.get("org"), target.api_url)
    check_fresh(plan, live)
    check_operations(plan, live)
    check_protected(plan, target, live)


def check_protected(plan: Plan, target: Target, live: LiveOrg) -> None:
    """A saved plan is checked against the protect list of the environment it is applied to,
    on the live objects its operations would destroy."""
    from schemasync.diff import check_protected as protected

    problems = protected(
        plan.operations,
        target.protect,
        live,
        {},
        who=target.label,
        outcome="nothing was applied",
        file="<plan>",
    )
    if problems:
        raise PlanError(problems)


class Declined(Aborted):
    """The user answered no at the confirmation prompt (the audit's result `declined`)."""


def confirm(
    auto_approve: bool,
    n: int,
    where: str,
    *,
    question: str | None = None,
    no_terminal: str | None = None,
    cancelled: str = "apply cancelled; nothing was changed",
) -> None:
    """Ask on the terminal before writing; raise Declined on no, Aborted with no terminal."""
    if auto_approve:
        return
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise Aborted(
            no_terminal
            or "refusing to apply without confirmation: there is no terminal to ask on. "
            "Pass --auto-approve, or save the plan with `plan --out` and run "
            "`apply --plan` (nothing was changed)"
        )
    import click

    question = question or f"Apply these {n} operation(s) to {where}?"
    try:
        yes = click.confirm(question, err=True, default=False)
    except click.Abort:  # end of input or Ctrl-C at the prompt: a no, too
        yes = False
    if not yes:
        raise Declined(cancelled)


def execute(
    plan: Plan,
    client: CloseClient,
    say: Say,
    on_report: Callable[[ApplyReport], None] | None = None,
) -> ApplyReport:
    """Apply the plan; raise with the contract's exit code unless every operation succeeded.

    After the last write the org is read once more: a name this apply created that now exists
    twice (another apply ran at the same time) is an error (exit 3) naming the ids.
    `on_report` receives the report before anything is raised (the audit record uses it).
    """
    from schemasync.apply import apply_plan
    from schemasync.conversions import conversion_wait

    conversion_timeout = conversion_wait()

    with signals.stop_on_signals(say) as caught:
        try:
            report = apply_plan(
                plan,
                client,
                progress=say,
                should_stop=lambda: caught() is not None,
                conversion_timeout=conversion_timeout,
            )
        except KeyboardInterrupt:
            raise Interrupted(
                "apply abandoned; run `schemasync plan` to see what remains",
                signals.exit_code(caught()),
            ) from None
        if not report.stopped_by:
            report.duplicates = _created_twice(report, client, say, reads_of_plan(plan))
    if on_report is not None:
        on_report(report)
    say(report.render())
    effect = f"; {report.failed_effect}" if report.failed_effect else ""
    if report.stopped_by == "conversion":
        raise ApplyFailed(f"apply stopped: {report.note}", report)
    if report.stopped_by:
        raise Interrupted(
            f"apply was interrupted{effect or '; run `schemasync plan` to see what remains'}",
            signals.exit_code(caught()),
            report,
        )
    if report.duplicates:
        from schemasync.duplicates import fix_hint

        shown = "; ".join(f"{d.address} ({', '.join(d.ids)})" for d in report.duplicates)
        raise ApplyFailed(
            f"the org now holds names this apply created more than once: {shown}. Another "
            f"apply probably ran at the same time: {fix_hint()}{effect}",
            report,
        )
    if report.failed:
        if report.changed_org:
            raise ApplyFailed(f"apply stopped partway{effect or ' (see above)'}", report)
        raise SchemaSyncError("apply failed before changing anything (see above)")
    return report


def _created_twice(
    report: ApplyReport, client: CloseClient, say: Say, reads: list[str]
) -> list[Duplicate]:
    """Read the org once after the last write: the duplicate groups the apply's creates are in.

    Best effort: when the read fails, say so and let `plan` (which refuses duplicates) tell.
    """
    from schemasync.duplicates import created_duplicates

    created = report.created()
    if not created:
        return []
    try:
        live = read_live(client, reads)
    except (SchemaSyncError, KeyboardInterrupt) as e:
        why = str(e) or "interrupted"
        say(
            f"Warning: could not read the org again to check for duplicates ({why}); "
            "run `schemasync plan`: it refuses to run if a name now exists twice"
        )
        return []
    return created_duplicates(live, created)


CHANGED_SINCE_SHOWN = (
    "the org changed after the plan above was made (another apply, or a change in Close?): "
    "nothing was applied; run apply again to plan against the org as it is now"
)


def without_ignored(plan: Plan, live: LiveOrg) -> LiveOrg:
    """The live state as the plan saw it: without the objects its `ignore` left out."""
    ignored = plan.options.get("ignore")
    if isinstance(ignored, list):
        return live.without(str(e) for e in ignored)
    return live


def check_fresh(plan: Plan, live: LiveOrg, message: str | None = None) -> None:
    """Refuse a plan whose org changed since it was made; callers read `live` right before
    the first write, so a concurrent apply that has written by then is caught.

    `message` replaces the saved plan's wording (`apply MANIFEST`: CHANGED_SINCE_SHOWN).
    """
    if without_ignored(plan, live).fingerprint() != plan.fingerprint:
        raise StalePlanError(
            message
            or "the org changed since this plan was made: run plan again (nothing was applied)"
        )


def remove_duplicate(
    client: CloseClient, target: Target, object_id: str, auto_approve: bool, say: Say
) -> None:
    """Delete one of two live objects with the same kind, name and owner, chosen by id.

    Refused (nothing written) unless the id is a live type or field that has such a twin, or
    when the environment protects it; says what the deletion destroys, names the org, asks
    (unless auto-approved), and re-reads the org right before the delete.
    """
    from schemasync.duplicates import removal
    from schemasync.live.read import ALL_SECTIONS, groups_for

    reads = groups_for(ALL_SECTIONS)
    live = read_live(client, reads)
    gone = removal(live, object_id)
    plan = gone.plan(live)
    check_protected(plan, target, live)
    for line in gone.lines:
        say(line)
    info = org_info(client, target)
    where = describe_org(info, target)
    say(f"Target: {where}")
    op = gone.operation
    confirm(
        auto_approve,
        1,
        where,
        question=f"Delete {op.kind} {op.address} ({object_id}) from {where}?",
        no_terminal="refusing to delete without confirmation: there is no terminal to ask on. "
        "Pass --auto-approve (nothing was removed)",
        cancelled="remove-duplicate cancelled; nothing was removed",
    )
    check_fresh(
        plan,
        read_live(client, reads),
        "the org changed while you were asked: nothing was removed; run remove-duplicate "
        "again to see it as it is now",
    )
    execute(plan, client, say)
    say(f"Removed {object_id}. Run `schemasync plan` to check the org.")
