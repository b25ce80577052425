"""The command line: parses flags, wires the steps in flow.py, alone maps errors to exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from schemasync import __version__
from schemasync.config import DEFAULT_API_URL, Target, load_config, resolve_target
from schemasync.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_USAGE,
    SchemaSyncError,
    UsageError,
    failure_lines,
    internal_error_lines,
)
from schemasync.sections import SECTIONS

if TYPE_CHECKING:
    from schemasync.plan import Plan


def err(message: str = "") -> None:
    from schemasync.flow import redact

    click.echo(redact(message), err=True)


def _color(stream: Any, no_color: bool = False) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set or `--no-color` (the command's
    or the global one, `schemasync --no-color COMMAND`)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("no_color"):
        return False
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class SchemaSyncGroup(click.Group):
    """Maps every outcome to the contract's exit codes; no traceback reaches a user."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # workflow order (validate, plan, apply, ...), not a-z

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = _run(
            lambda: super(SchemaSyncGroup, self).main(
                args, prog_name or "schemasync", complete_var, standalone_mode=False, **extra
            )
        )
        sys.exit(code)


def _run(invoke: Callable[[], Any]) -> int:
    try:
        rv = invoke()
    except click.UsageError as e:
        e.show()
        return EXIT_USAGE
    except click.ClickException as e:
        err(f"Error: {e.format_message()}")
        return EXIT_ERROR
    except click.Abort:
        err("Aborted: nothing was changed.")
        return EXIT_ERROR
    except SchemaSyncError as e:
        for line in failure_lines(e):
            err(line)
        return e.exit_code
    except KeyboardInterrupt:
        err("Interrupted.")
        return EXIT_SIGINT
    except Exception as e:  # a bug: still no traceback unless asked for
        for line in internal_error_lines(e):
            err(line)
        return EXIT_ERROR
    return rv if isinstance(rv, int) else EXIT_OK


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="schemasync")


@click.group(cls=SchemaSyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="schemasync")
@click.option(
    "--no-color", is_flag=True, help="No colour in any command's output (as NO_COLOR=1 does)."
)
def cli(no_color: bool) -> None:
    """Keep a Close org's custom-field schema in git: types, fields, statuses.

    validate a manifest offline, plan it against a live org, apply the plan, export an org,
    promote one org's schema to another.

    \b
    Exit codes:
      0        success; plan --detailed-exitcode: no changes
      1        error (bad manifest, API error, stale or refused plan, declined)
      2        plan --detailed-exitcode: changes (with --fail-on-unmanaged, also
               unmanaged objects); diff: the orgs differ
      3        apply stopped partway, or may have changed the org before failing
      64       usage error
      130/143  apply stopped by Ctrl-C (SIGINT) / SIGTERM
    """


def config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Environments file (default: ./schemasync.yaml if present).",
    )(f)


def connection_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--api-key/--api-url/--env/--config, resolved into one `target` argument."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        api_key: str | None,
        api_url: str | None,
        env_name: str | None,
        config_path: str | None,
        **kwargs: Any,
    ) -> Any:
        target = resolve_target(
            env_name=env_name, config=load_config(config_path), flag_url=api_url, flag_key=api_key
        )
        return f(*args, target=target, **kwargs)

    command: Callable[..., Any] = config_option(wrapper)
    command = click.option(
        "--env",
        "env_name",
        envvar="SCHEMASYNC_ENV",
        metavar="NAME",
        help="Environment from the config file (env SCHEMASYNC_ENV).",
    )(command)
    command = click.option(
        "--api-url",
        metavar="URL",
        help=f"Close API base URL (env CLOSE_API_URL; default {DEFAULT_API_URL}).",
    )(command)
    command = click.option(
        "--api-key", metavar="KEY", help="Close API key (env CLOSE_API_KEY; never printed)."
    )(command)
    return command


def plan_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--allow-replace",
        is_flag=True,
        help="Allow replaces and value conversions (a changed type or references; destroys "
        "or converts values).",
    )(f)
    f = click.option(
        "--prune",
        is_flag=True,
        help="Delete what the org has in the manifest's sections and the manifest does not name.",
    )(f)
    return f


FORMATS = ("text", "json", "markdown")


def format_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--format text|json|markdown and its alias --json, resolved into one `fmt` argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, fmt: str | None, as_json: bool, **kwargs: Any) -> Any:
        if as_json and fmt not in (None, "json"):
            raise UsageError(f"--json means --format json; it cannot go with --format {fmt}")
        return f(*args, fmt="json" if as_json else (fmt or "text"), **kwargs)

    wrapper = click.option("--json", "as_json", is_flag=True, help="Same as --format json.")(
        wrapper
    )
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="How to print the plan on stdout: text (default), json (the plan "
        "document), markdown (a pull-request comment).",
    )(wrapper)


def _save_plan(p: Plan, out_file: str, apply_cmd: str) -> str:
    """Write the plan document to out_file and say how to apply it; returns the document."""
    from schemasync import flow
    from schemasync.render import render_json

    text = render_json(p)
    flow.write_file(out_file, text)
    err(f"Saved the plan to {out_file}; apply it with: {apply_cmd} --plan {out_file}")
    return text


def _print_plan(
    p: Plan,
    no_color: bool = False,
    fmt: str = "text",
    title: str | None = None,
    json_text: str | None = None,
    orgs: tuple[str, str, str] | None = None,
) -> None:
    """Print the plan in fmt; json_text is the plan document when it is already rendered.

    `orgs` is (command, source, destination) for promote and diff, which compare two orgs:
    their words name the environments instead of "the org" and "the manifest".
    """
    if fmt == "json":
        from schemasync.render import render_json

        click.echo(json_text if json_text is not None else render_json(p), nl=False)
    elif fmt == "markdown":
        from schemasync.render_markdown import render_markdown

        no_changes, unmanaged = _two_org_words(p, orgs)
        text = render_markdown(p, title=title, no_changes=no_changes, unmanaged=unmanaged)
        click.echo(text, nl=False)
    else:
        from schemasync.render import render_text

        color = _color(sys.stdout, no_color)
        no_changes, unmanaged = _two_org_words(p, orgs)
        text = render_text(p, color=color, no_changes=no_changes, unmanaged=unmanaged)
        click.echo(text, nl=False, color=color)


def _two_org_words(p: Plan, orgs: tuple[str, str, str] | None) -> tuple[str, str]:
    """The renderers' words for an empty plan and for unmanaged objects, when promote and
    diff compare two orgs (not a manifest and an org)."""
    from schemasync.render import NO_CHANGES, UNMANAGED

    if orgs is None:
        return NO_CHANGES, UNMANAGED
    command, source, dest = orgs
    if command == "diff":
        lead, same = "No differences", f"{dest} matches {source}."
        only = f"only in {dest}, not in {source}; promote leaves them (--prune would delete them)"
        if p.unmanaged:
            lead = "No changes to make"
            same = f"{dest} has everything {source} has, and the objects above that it has not."
    else:
        lead, same = "No changes", f"{dest} already matches {source}."
        only = f"in {dest} but not in {source}; left untouched (--prune would delete them)"
        if p.unmanaged:
            same = f"{dest} already has everything {source} has; the objects above stay."
    return f"{lead}: {same}", only


def _check_out_file(out_file: str, manifest: str) -> None:
    """`plan --out` never overwrites the manifest it plans, nor adds a file to it."""
    out, source = os.path.realpath(out_file), os.path.realpath(manifest)
    if out == source or (
        os.path.isfile(out) and os.path.isfile(source) and os.path.samefile(out, source)
    ):
        raise UsageError(
            f"--out {out_file} is the manifest being planned: save the plan to another file "
            "(plan.json, say)"
        )
    if (
        os.path.isdir(source)
        and out.startswith(source.rstrip(os.sep) + os.sep)
        and out.lower().endswith((".yaml", ".yml"))
    ):
        raise UsageError(
            f"--out {out_file} is inside the manifest directory {manifest}, where every "
            "*.yaml/*.yml file is part of the manifest: save the plan elsewhere (plan.json, say)"
        )


@cli.command()
@click.argument("manifests", metavar="MANIFEST...", nargs=-1, required=True, type=click.Path())
def validate(manifests: tuple[str, ...]) -> int:
    """Check each MANIFEST (a file or directory) offline; every problem at once, as
    FILE:LINE:COL. With several, each is a manifest of its own (as pre-commit passes them)."""
    from schemasync.manifest import validate_paths

    validate_paths(manifests, err)
    return EXIT_OK


@cli.command()
@click.argument("manifest", type=click.Path())
@format_options
@click.option(
    "--out",
    "out_file",
    metavar="PLAN",
    type=click.Path(dir_okay=False),
    help="Save the plan (the JSON document, whatever --format) to apply later.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option(
    "--fail-on-unmanaged",
    is_flag=True,
    help="For drift checks: unmanaged objects (in the org, not in the manifest) count as "
    "drift too. Implies --detailed-exitcode: exit 0 nothing to report, 2 changes or "
    "unmanaged objects, 1 error.",
)
@click.option("--no-color", is_flag=True, help="No colour even on a terminal.")
@plan_options
@connection_options
def plan(
    manifest: str,
    fmt: str,
    out_file: str | None,
    detailed_exitcode: bool,
    fail_on_unmanaged: bool,
    no_color: bool,
    prune: bool,
    allow_replace: bool,
    target: Target,
) -> int:
    """Show what apply would change in the org to match MANIFEST."""
    from schemasync import flow

    if out_file:
        _check_out_file(out_file, manifest)
    m = flow.load(manifest, err)  # a bad manifest fails before any request
    with flow.connect(target, err) as client:
        err(f"Reading the org at {target.label} ...")
        org = flow.org_info(client, target)
        p = flow.make_plan(
            m,
            flow.read_live(client, flow.reads_of(m), org),
            target,
            prune=prune,
            allow_replace=allow_replace,
            org=org,
            client=client,
        )
    saved = _save_plan(p, out_file, "schemasync apply") if out_file else None
    title = f"schemasync plan for {target.env.name}" if target.env else None
    _print_plan(p, no_color, fmt, title, json_text=saved)
    if fail_on_unmanaged:
        if p.unmanaged:
            err(
                f"Drift: {len(p.unmanaged)} unmanaged object(s) in the org (listed in the plan): "
                "add them to the manifest (`schemasync export` writes them as YAML), or delete "
                "them with `schemasync apply --prune`."
            )
        return EXIT_CHANGES if p.has_changes or p.unmanaged else EXIT_OK
    return EXIT_CHANGES if detailed_exitcode and p.has_changes else EXIT_OK


@cli.command()
@click.argument("manifest", required=False)
@click.option(
    "--plan",
    "plan_file",
    metavar="PLAN",
    help="Apply exactly this saved plan (refused if the org changed since).",
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--report",
    "report_file",
    metavar="FILE",
    help="Write an audit record (JSON: target org, plan fingerprint, times, result, "
    "each operation) to FILE, also when the apply fails.",
)
@plan_options
@connection_options
def apply(
    manifest: str | None,
    plan_file: str | None,
    auto_approve: bool,
    report_file: str | None,
    prune: bool,
    allow_replace: bool,
    target: Target,
) -> int:
    """Make the org match MANIFEST (asks first), or apply a saved --plan."""
    from schemasync import flow
    from schemasync.audit import recording

    if bool(manifest) == bool(plan_file):
        raise UsageError("give either MANIFEST or --plan PLAN (not both, not neither)")
    if plan_file and (prune or allow_replace):
        raise UsageError(
            "--prune and --allow-replace belong to the plan: pass them to `schemasync plan` instead"
        )
    if plan_file:
        with recording(target, {"plan": plan_file}, report_file, err) as rec:
            saved = rec.plan = flow.read_plan_file(plan_file)
            with flow.connect(target, err) as client:
                err(f"Checking the org at {target.label} against {plan_file} ...")
                rec.org = flow.org_info(client, target)
                # Read right before the first write: an apply that started earlier and has
                # written since is caught here (flow.execute catches the rest afterwards).
                live = flow.read_live(client, flow.reads_of_plan(saved), rec.org)
                flow.check_saved_plan(saved, target, live, rec.org)
                if not saved.has_changes:
                    err("The plan has no changes; nothing to apply.")
                    return EXIT_OK
                err(
                    f"Applying {len(saved.operations)} operation(s) to "
                    f"{flow.describe_org(rec.org, target)} ..."
                )
                rec.execute(saved, client, err)
        return EXIT_OK
    assert manifest is not None
    with recording(target, {"manifest": manifest}, report_file, err) as rec:
        m = flow.load(manifest, err)
        with flow.connect(target, err) as client:
            err(f"Reading the org at {target.label} ...")
            org = flow.org_info(client, target)
            reads = flow.reads_of(m)
            p = rec.plan = flow.make_plan(
                m,
                flow.read_live(client, reads, org),
                target,
                prune=prune,
                allow_replace=allow_replace,
                org=org,
                client=client,
            )
            _print_plan(p)
            if not p.has_changes:
                return EXIT_OK
            rec.org = flow.confirm_target(client, target, len(p.operations), auto_approve, err)
            # The answer may have taken a while: read again right before the first write.
            flow.check_fresh(p, flow.read_live(client, reads, org), flow.CHANGED_SINCE_SHOWN)
            rec.execute(p, client, err)
    return EXIT_OK


@cli.command("remove-duplicate")
@click.argument("object_id", metavar="ID")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@connection_options
def remove_duplicate(object_id: str, auto_approve: bool, target: Target) -> int:
    """Delete ID, one of several live objects of one kind with the same name.

    Two applies run at once can create a name twice, and plan refuses to guess between them.
    Refused unless another live object of the same kind and name duplicates ID (a field: on
    the same object; an opportunity status: in any pipeline). Says what it deletes (its
    values are lost), names the org and asks first; then `plan` works again.
    """
    from schemasync import flow

    with flow.connect(target, err) as client:
        err(f"Reading the org at {target.label} ...")
        flow.remove_duplicate(client, target, object_id, auto_approve, err)
    return EXIT_OK


@cli.command()
@click.option(
    "-o",
    "--output",
    "output",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write to FILE, not stdout.",
)
@click.option(
    "--section",
    "sections",
    multiple=True,
    type=click.Choice(SECTIONS),
    help="Export only this section (repeatable; default: every section).",
)
@connection_options
def export(output: str | None, sections: tuple[str, ...], target: Target) -> int:
    """Write the live org's schema as a manifest (YAML): every section, or --section."""
    from schemasync import flow

    with flow.connect(target, err) as client:
        err(f"Reading the org at {target.label} ...")
        live = flow.read_everything(client, sections or None).without(target.ignore)
    text = flow.export_text(live, output, sections or None)
    if output:
        flow.write_file(output, text)
        err(f"Wrote the org's schema to {output}.")
    else:
        click.echo(text, nl=False)
    return EXIT_OK


def _two_envs(config_path: str | None, source: str, dest: str) -> tuple[Target, Target]:
    config = load_config(config_path)
    if source == dest:
        raise UsageError("--from and --to name the same environment")
    return (
        resolve_target(env_name=source, config=config, flag_url=None, flag_key=None),
        resolve_target(env_name=dest, config=config, flag_url=None, flag_key=None),
    )


def _source_manifest(source: Target) -> Any:
    """The live schema of `source`, exported and loaded exactly as `export` + `plan` would
    (in memory: problems name `<export of ENV>`)."""
    from schemasync import flow
    from schemasync.manifest import load_manifest_text

    with flow.connect(source, err) as client:
        err(f"Reading the source org at {source.label} ...")
        text = flow.export_text(flow.read_everything(client).without(source.ignore), None)
    name = f"<export of {source.env.name if source.env else 'the source org'}>"
    return load_manifest_text(text, name)


@cli.command()
@click.option("--from", "source_env", required=True, metavar="ENV", help="Source environment.")
@click.option("--to", "dest_env", required=True, metavar="ENV", help="Destination environment.")
@click.option("--apply", "do_apply", is_flag=True, help="Apply the plan to the destination.")
@click.option("--auto-approve", is_flag=True, help="With --apply: do not ask for confirmation.")
@format_options
@click.option(
    "--out",
    "out_file",
    metavar="PLAN",
    type=click.Path(dir_okay=False),
    help="Save the plan (JSON) to apply later.",
)
@click.option("--no-color", is_flag=True, help="No colour even on a terminal.")
@plan_options
@config_option
def promote(
    source_env: str,
    dest_env: str,
    do_apply: bool,
    auto_approve: bool,
    fmt: str,
    out_file: str | None,
    no_color: bool,
    prune: bool,
    allow_replace: bool,
    config_path: str | None,
) -> int:
    """Make the live schema of environment --from the desired state of --to.

    Equivalent to `export --env FROM` then `plan`/`apply --env TO`: references and custom
    roles are matched by name, so ids may differ between the orgs.
    """
    from schemasync import flow

    source, dest = _two_envs(config_path, source_env, dest_env)
    desired = _source_manifest(source)
    with flow.connect(dest, err) as client:
        err(f"Planning {source.label} -> {dest.label} ...")
        org = flow.org_info(client, dest)
        p = flow.make_plan(
            desired,
            flow.read_live(client, flow.reads_of(desired), org),
            dest,
            prune=prune,
            allow_replace=allow_replace,
            org=org,
            client=client,
        )
        saved = _save_plan(p, out_file, f"schemasync apply --env {dest_env}") if out_file else None
        title = f"schemasync promote {source_env} → {dest_env}"
        orgs = ("promote", source_env, dest_env)
        _print_plan(p, no_color, fmt, title, json_text=saved, orgs=orgs)
        if not do_apply or not p.has_changes:
            return EXIT_OK
        flow.confirm_target(client, dest, len(p.operations), auto_approve, err)
        flow.execute(p, client, err)
    return EXIT_OK


@cli.command("diff")
@click.option("--from", "source_env", required=True, metavar="ENV", help="Reference environment.")
@click.option("--to", "dest_env", required=True, metavar="ENV", help="Environment to compare.")
@format_options
@click.option(
    "--prune",
    is_flag=True,
    help="Show objects only in --to as deletions, as `promote --prune` would make them.",
)
@click.option("--no-color", is_flag=True, help="No colour even on a terminal.")
@config_option
def diff_cmd(
    source_env: str,
    dest_env: str,
    fmt: str,
    prune: bool,
    no_color: bool,
    config_path: str | None,
) -> int:
    """Compare two live orgs without changing either: exit 0 same, 2 different, 1 error.

    Prints what `promote` would change in --to to match --from. Objects only in --to are
    listed as unmanaged (promote leaves them) and make the orgs differ; with --prune (or the
    environment's `prune: true`) they show as the deletions `promote --prune` would make.
    """
    from schemasync import flow
    from schemasync.diff import compute_plan

    source, dest = _two_envs(config_path, source_env, dest_env)
    desired = _source_manifest(source)
    with flow.connect(dest, err) as client:
        err(f"Comparing {dest.label} with {source.label} ...")
        # As promote plans (prune from the flag or the environment), but replaces are shown,
        # not refused: diff only reports.
        p = compute_plan(
            desired,
            flow.read_live(client, flow.reads_of(desired)),
            prune=prune or dest.prune,
            allow_replace=True,
            ignore=dest.ignore,
        )
    title = f"schemasync diff: {dest_env} compared with {source_env}"
    _print_plan(p, no_color, fmt, title, orgs=("diff", source_env, dest_env))
    return EXIT_CHANGES if p.has_changes or p.unmanaged else EXIT_OK


@cli.command()
@click.argument("which", type=click.Choice(["manifest", "plan"]), default="manifest")
def schema(which: str) -> int:
    """Print the JSON Schema of a manifest (default) or of a saved plan."""
    import json

    from schemasync.manifest import load_schema

    click.echo(json.dumps(load_schema(f"{which}.schema.json"), indent=2))
    return EXIT_OK


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option(
    "--state",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Keep the org in this JSON file.",
)
@click.option(
    "--api-key",
    "emulator_key",
    metavar="KEY",
    help="Accept only this key (default: any non-empty key).",
)
@click.option("--rate-limit", metavar="N/S", help="Allow N requests per S seconds per key.")
def emulator(port: int, state: str | None, emulator_key: str | None, rate_limit: str | None) -> int:
    """Serve a local Close-compatible API (the whole custom-field schema, roles, /me/)."""
    from schemasync.emulator import parse_rate_limit, run_emulator

    if rate_limit:
        try:
            parse_rate_limit(rate_limit)
        except ValueError as e:
            raise UsageError(f"--rate-limit: {e}") from None
    run_emulator(port, state, emulator_key, rate_limit)
    return EXIT_OK
