"""The command line: parses flags, wires the pieces, and alone maps errors to exit codes."""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from schemasync import __version__
from schemasync.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
    Aborted,
    ApplyFailed,
    ConfigError,
    Interrupted,
    PlanFileError,
    ProblemsError,
    SchemaSyncError,
    StalePlanError,
    UsageError,
)

if TYPE_CHECKING:  # heavy modules load only in the commands that need them
    from schemasync.client import CloseClient
    from schemasync.live import LiveOrg
    from schemasync.plan import Plan

DEFAULT_API_URL = "https://api.close.com/api/v1"
_SECRETS: set[str] = set()


def redact(text: str) -> str:
    """Remove every known secret (and its Basic-auth encoding) from text."""
    for secret in _SECRETS:
        for form in (secret, base64.b64encode(f"{secret}:".encode()).decode(),
                     base64.b64encode(f"Bearer {secret}".encode()).decode()):
            text = text.replace(form, "***")
    return text


def err(message: str = "", **kw: Any) -> None:
    click.echo(redact(message), err=True, **kw)


def _color(stream: Any, no_color: bool = False) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class SchemaSyncGroup(click.Group):
    """Maps every outcome to the contract's exit codes; no traceback reaches a user."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        code = _run(lambda: super(SchemaSyncGroup, self).main(
            args, prog_name or "schemasync", complete_var, standalone_mode=False, **extra))
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
    except ProblemsError as e:
        for p in e.problems:
            err(str(p))
        err(f"Error: {e.summary}")
        return e.exit_code
    except (ApplyFailed, Interrupted) as e:
        err(f"Error: {e}")
        return e.exit_code
    except SchemaSyncError as e:
        err(f"Error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        err("Interrupted.")
        return EXIT_SIGINT
    except Exception as e:  # a bug: still no traceback unless asked for
        if os.environ.get("SCHEMASYNC_DEBUG"):
            import traceback

            err(redact(traceback.format_exc()))
        err(f"Error: internal error ({type(e).__name__}: {e}). This is a bug in schemasync; "
            "set SCHEMASYNC_DEBUG=1 to see the traceback and please report it.")
        return EXIT_ERROR
    return rv if isinstance(rv, int) else EXIT_OK


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="schemasync")


@click.group(cls=SchemaSyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="schemasync")
def cli() -> None:
    """Keep a Close org's custom object types and fields in git.

    validate a manifest offline, plan it against a live org, apply the plan, export an org.
    Exit codes: 0 ok, 1 error, 2 changes (plan --detailed-exitcode), 3 apply stopped
    partway, 64 usage error.
    """


def connection_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--api-url", envvar="CLOSE_API_URL", default=DEFAULT_API_URL,
                     show_default=True, help="Close API base URL (env CLOSE_API_URL).")(f)
    f = click.option("--api-key", envvar="CLOSE_API_KEY", default=None,
                     help="Close API key (env CLOSE_API_KEY; never printed).")(f)
    return f


def _connect(api_key: str | None, api_url: str) -> CloseClient:
    if not api_key:
        raise ConfigError("no API key: set CLOSE_API_KEY (or pass --api-key)")
    _SECRETS.add(api_key)
    from schemasync.client import CloseClient

    return CloseClient(api_key, base_url=api_url.rstrip("/"), on_event=lambda m: err(m))


def _read_live(client: CloseClient) -> LiveOrg:
    from schemasync.live import parse_live

    return parse_live(client.read_schema())


def _load(manifest: str, *, offline: bool = False) -> Any:
    from schemasync.manifest import load_manifest

    return load_manifest(manifest, allow_external_references=not offline)


@cli.command()
@click.argument("manifest")
def validate(manifest: str) -> int:
    """Check MANIFEST (a file or directory) offline; every problem at once, as FILE:LINE:COL."""
    m = _load(manifest, offline=True)
    n_fields = sum(len(t.fields) for t in m.types)
    err(f"{manifest} is valid: {len(m.types)} type(s), {n_fields} field(s) "
        f"in {len(m.sources)} file(s).")
    return EXIT_OK


def plan_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--allow-replace", is_flag=True,
                     help="Allow replacing fields whose type or references changed "
                     "(destroys their values).")(f)
    f = click.option("--prune", is_flag=True,
                     help="Delete live types and fields the manifest does not name.")(f)
    return f


def _make_plan(manifest: str, client: CloseClient, prune: bool, allow_replace: bool) -> Plan:
    from schemasync.diff import compute_plan

    m = _load(manifest)
    live = _read_live(client)
    return compute_plan(m, live, prune=prune, allow_replace=allow_replace)


@cli.command()
@click.argument("manifest")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@click.option("--out", "out_file", metavar="PLAN", help="Save the plan (JSON) to apply later.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@click.option("--no-color", is_flag=True, help="No colour even on a terminal.")
@plan_options
@connection_options
def plan(manifest: str, as_json: bool, out_file: str | None, detailed_exitcode: bool,
         no_color: bool, prune: bool, allow_replace: bool, api_key: str | None,
         api_url: str) -> int:
    """Show what apply would change in the org to match MANIFEST."""
    from schemasync.render import render_json, render_text

    _load(manifest)  # a bad manifest fails before any request
    with _connect(api_key, api_url) as client:
        err(f"Reading the org at {api_url} ...")
        p = _make_plan(manifest, client, prune, allow_replace)
    doc = render_json(p)
    if out_file:
        _write_file(out_file, doc)
        err(f"Saved the plan to {out_file}; apply it with: schemasync apply --plan {out_file}")
    if as_json:
        click.echo(doc, nl=False)
    else:
        color = _color(sys.stdout, no_color)
        click.echo(render_text(p, color=color), nl=False, color=color)
    if detailed_exitcode and p.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


def _write_file(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise SchemaSyncError(f"cannot write {path}: {e.strerror or e}") from None


def _read_plan_file(path: str) -> Plan:
    from schemasync.plan import Plan

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as e:
        raise PlanFileError(f"cannot read plan {path}: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise PlanFileError(f"{path} is not a schemasync plan (invalid JSON: {e})") from None
    return Plan.from_dict(doc)


@contextmanager
def _signals_stop() -> Iterator[Callable[[], int | None]]:
    """First SIGINT/SIGTERM: finish the request in flight, then stop; a second one aborts."""
    caught: list[int] = []

    def handler(signum: int, _frame: Any) -> None:
        if caught:
            raise KeyboardInterrupt
        caught.append(signum)
        err("\nStopping after the request in flight (press Ctrl-C again to abandon it) ...")

    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for s in old:
            signal.signal(s, handler)
    except ValueError:  # not the main thread (tests): run without handlers
        old = {}
    try:
        yield lambda: caught[0] if caught else None
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _execute(p: Plan, client: CloseClient) -> int:
    from schemasync.apply import apply_plan

    with _signals_stop() as caught:
        try:
            report = apply_plan(p, client, progress=err, should_stop=lambda: caught() is not None)
        except KeyboardInterrupt:
            raise Interrupted("apply abandoned during a request; run `schemasync plan` to see "
                              "what remains", EXIT_SIGINT) from None
    err(report.render())
    if report.stopped_by:
        code = EXIT_SIGTERM if caught() == signal.SIGTERM else EXIT_SIGINT
        raise Interrupted("apply was interrupted; run `schemasync plan` to see what remains",
                          code, report)
    if report.failed:
        if report.done:
            raise ApplyFailed("apply stopped partway (see above)", report)
        raise SchemaSyncError("apply failed before changing anything (see above)")
    return EXIT_OK


@cli.command()
@click.argument("manifest", required=False)
@click.option("--plan", "plan_file", metavar="PLAN",
              help="Apply exactly this saved plan (refused if the org changed since).")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@plan_options
@connection_options
def apply(manifest: str | None, plan_file: str | None, auto_approve: bool, prune: bool,
          allow_replace: bool, api_key: str | None, api_url: str) -> int:
    """Make the org match MANIFEST (asks first), or apply a saved --plan."""
    from schemasync.render import render_text

    if bool(manifest) == bool(plan_file):
        raise UsageError("give either MANIFEST or --plan PLAN (not both, not neither)")
    if plan_file and (prune or allow_replace):
        raise UsageError("--prune and --allow-replace belong to the plan: pass them to "
                         "`schemasync plan` instead")
    if plan_file:
        saved = _read_plan_file(plan_file)
        with _connect(api_key, api_url) as client:
            err(f"Checking the org at {api_url} against {plan_file} ...")
            live = _read_live(client)
            if live.fingerprint() != saved.fingerprint:
                raise StalePlanError("the org changed since this plan was made: run plan again "
                                     "(nothing was applied)")
            if not saved.has_changes:
                err("The plan has no changes; nothing to apply.")
                return EXIT_OK
            err(f"Applying {len(saved.operations)} operation(s) to {api_url} ...")
            return _execute(saved, client)
    assert manifest is not None
    _load(manifest)
    with _connect(api_key, api_url) as client:
        err(f"Reading the org at {api_url} ...")
        p = _make_plan(manifest, client, prune, allow_replace)
        color = _color(sys.stdout)
        click.echo(render_text(p, color=color), nl=False, color=color)
        if not p.has_changes:
            return EXIT_OK
        _confirm(auto_approve, len(p.operations), api_url)
        return _execute(p, client)


def _confirm(auto_approve: bool, n: int, target: str) -> None:
    if auto_approve:
        return
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise Aborted("refusing to apply without confirmation: there is no terminal to ask on. "
                      "Pass --auto-approve, or save the plan with `plan --out` and run "
                      "`apply --plan` (nothing was changed)")
    if not click.confirm(f"Apply these {n} operation(s) to {target}?", err=True, default=False):
        raise Aborted("apply cancelled; nothing was changed")


@cli.command()
@click.option("-o", "--output", "output", metavar="FILE", help="Write to FILE, not stdout.")
@connection_options
def export(output: str | None, api_key: str | None, api_url: str) -> int:
    """Write the live org's types and fields as a manifest (YAML)."""
    from schemasync.export import dump_yaml, export_manifest

    with _connect(api_key, api_url) as client:
        err(f"Reading the org at {api_url} ...")
        live = _read_live(client)
    text = dump_yaml(export_manifest(live), _modeline(output))
    if output:
        _write_file(output, text)
        err(f"Wrote {len(live.types)} type(s) to {output}.")
    else:
        click.echo(text, nl=False)
    return EXIT_OK


def _modeline(output: str | None) -> str | None:
    """A relative `$schema` path to schemas/manifest.schema.json when the project has one."""
    start = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    d = start
    while True:
        candidate = os.path.join(d, "schemas", "manifest.schema.json")
        if os.path.isfile(candidate):
            return os.path.relpath(candidate, start).replace(os.sep, "/")
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


@cli.command()
@click.argument("which", type=click.Choice(["manifest", "plan"]), default="manifest")
def schema(which: str) -> int:
    """Print the JSON Schema of a manifest (default) or of a saved plan."""
    from schemasync.manifest import load_schema

    click.echo(json.dumps(load_schema(f"{which}.schema.json"), indent=2))
    return EXIT_OK


@cli.command()
@click.option("--port", type=int, default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--state", metavar="FILE", help="Keep the org in this JSON file.")
@click.option("--api-key", "emulator_key", metavar="KEY",
              help="Accept only this key (default: any non-empty key).")
@click.option("--rate-limit", metavar="N/S", help="Allow N requests per S seconds per key.")
def emulator(port: int, state: str | None, emulator_key: str | None,
             rate_limit: str | None) -> int:
    """Serve a local Close-compatible API (types, fields, field order, roles)."""
    from schemasync.emulator import parse_rate_limit, run_emulator

    if rate_limit:
        try:
            parse_rate_limit(rate_limit)
        except ValueError as e:
            raise UsageError(f"--rate-limit: {e}") from None
    run_emulator(port, state, emulator_key, rate_limit)
    return EXIT_OK


__all__ = ["cli", "main", "redact", "EXIT_PARTIAL"]
