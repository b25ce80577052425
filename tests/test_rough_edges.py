"""What a new user meets first (issue 13): odd URLs and keys, hints for a wrong URL, drift
checks that count unmanaged objects, `plan --out` next to the manifest, colour, completion,
the export modeline, damaged plan files. Each through the command line, as a user runs it."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.orgs import KEY
from tests.serving import assert_clean, run_cli, socket_org

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "crm.yaml")


def run(args: list[str], env: dict[str, str | None] | None = None) -> Result:
    """run_cli without a key or colour setting of its own: `env` says everything."""
    result = run_cli(args, key=None, env={"NO_COLOR": None, **(env or {})})  # type: ignore[dict-item]
    assert_clean(result)
    return result


@pytest.fixture
def org():
    with socket_org() as served:
        yield served


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_legacy(tmp_path: Path) -> Path:
    """examples/crm.yaml plus a type `Legacy`: applied, it leaves a type the example lacks."""
    extra = tmp_path / "with-legacy.yaml"
    extra.write_text(
        Path(EXAMPLE)
        .read_text()
        .replace(
            "custom_object_types:\n",
            "custom_object_types:\n  - {name: Legacy, name_plural: Legacies}\n",
            1,
        )
    )
    return extra


# -- URLs and keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "url", "message"),
    [
        (
            "--api-url",
            "http://127.0.0.1:8765/api/v1\n",
            "--api-url: spaces or a line break around the URL "
            "('http://127.0.0.1:8765/api/v1\\n'): remove them",
        ),
        (
            "--api-url",
            "http://[::1/api/v1",
            "--api-url: 'http://[::1/api/v1' is not a valid URL (Invalid IPv6 URL)",
        ),
        (
            "CLOSE_API_URL",
            "api.close.com/api/v1",
            "CLOSE_API_URL: 'api.close.com/api/v1' has no scheme: start it with https://",
        ),
        (
            "CLOSE_API_URL",
            "https://api.close.com /api/v1",
            "CLOSE_API_URL: the URL contains spaces ('https://api.close.com /api/v1'): remove them",
        ),
        (
            "CLOSE_API_URL",
            "http://127.0.0.1:99999/api/v1",
            "CLOSE_API_URL: 'http://127.0.0.1:99999/api/v1' is not a valid URL "
            "(Port out of range 0-65535)",
        ),
    ],
)
def test_odd_api_urls_are_clear_errors(where: str, url: str, message: str) -> None:
    args = ["export"] + (["--api-url", url] if where == "--api-url" else [])
    env = {"CLOSE_API_KEY": KEY, "CLOSE_API_URL": url if where == "CLOSE_API_URL" else None}
    res = run(args, env)
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: {message}; expected an API URL like https://api.close.com/api/v1\n"
    )


def test_a_key_in_the_url_is_refused_and_never_shown() -> None:
    res = run(["export", "--api-url", f"https://{KEY}:@api.close.com/api/v1"])
    assert res.exit_code == 1 and KEY not in res.stderr
    assert "the URL holds a user name or password" in res.stderr


@pytest.mark.parametrize(
    ("key", "flag", "message"),
    [
        ("   ", False, "the API key in CLOSE_API_KEY is empty or only spaces"),
        (" \n", False, "the API key in CLOSE_API_KEY is empty or only spaces"),
        ("k", False, "the API key in CLOSE_API_KEY is too short (1 characters;"),
        ("  abc1234\n", False, "the API key in CLOSE_API_KEY is too short (7 characters;"),
        ("short", True, "the API key given with --api-key is too short (5 characters;"),
    ],
)
def test_a_blank_or_short_key_is_refused_before_any_request(
    org, tmp_path: Path, key: str, flag: bool, message: str
) -> None:
    report = tmp_path / "report.json"
    args = ["apply", EXAMPLE, "--auto-approve", "--report", str(report)]
    env: dict[str, str | None] = {"CLOSE_API_URL": org.url, "CLOSE_API_KEY": None if flag else key}
    res = run([*args, "--api-key", key] if flag else args, env)
    assert res.exit_code == 1
    assert res.stderr.splitlines()[-1].startswith(f"Error: {message}")
    assert "(its value is not shown)" in res.stderr or "empty" in message
    assert "***" not in res.stderr  # the key garbles no message
    assert not org.app.log  # refused before the first request
    doc = report.read_text()
    assert "***" not in doc and json.loads(doc)["result"] == "failed"


def test_a_key_of_eight_characters_is_enough(org) -> None:
    res = run(["export"], {"CLOSE_API_URL": org.url, "CLOSE_API_KEY": "demo-key"})
    assert res.exit_code == 1 and "was rejected" in res.stderr  # sent: the org wants KEY


def test_nothing_listening_is_a_configuration_error_tried_once() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api/v1"
    started = time.monotonic()
    res = run(["export"], {"CLOSE_API_URL": url, "CLOSE_API_KEY": KEY})
    assert res.exit_code == 1
    assert "retrying" not in res.stderr
    assert res.stderr.rstrip().endswith(f"(nothing is listening at {url}: check CLOSE_API_URL)")
    assert time.monotonic() - started < 5  # no backoff (six attempts took about 15 s)


def test_a_url_without_api_v1_gets_a_hint(org) -> None:
    url = org.url.removesuffix("/api/v1")
    res = run(["export", "--api-url", url], {"CLOSE_API_KEY": KEY})
    assert res.exit_code == 1
    assert (
        f"so {url} is probably not the API's URL: check --api-url; it ends in /api/v1, which it "
        "does not (Close's is https://api.close.com/api/v1)" in res.stderr
    )


def test_emulator_port_out_of_range_is_a_usage_error() -> None:
    res = run(["emulator", "--port", "70000"])
    assert res.exit_code == 64
    assert "70000 is not in the range 0<=x<=65535" in res.stderr


# -- drift: --fail-on-unmanaged ----------------------------------------------------------------


def test_fail_on_unmanaged_counts_objects_made_by_hand_as_drift(org, tmp_path: Path) -> None:
    assert run(["apply", str(_with_legacy(tmp_path)), "--auto-approve"], org.env).exit_code == 0

    pr = run(["plan", EXAMPLE, "--detailed-exitcode"], org.env)  # pull requests: changes only
    assert pr.exit_code == 0 and "custom_object_type Legacy (" in pr.stdout

    for fmt in ("text", "markdown", "json"):
        drift = run(
            ["plan", EXAMPLE, "--detailed-exitcode", "--fail-on-unmanaged", "--format", fmt],
            org.env,
        )
        assert drift.exit_code == 2, (fmt, drift.stderr)
        assert "Drift: 1 unmanaged object(s) in the org (listed in the plan)" in drift.stderr
    assert run(["plan", EXAMPLE, "--fail-on-unmanaged"], org.env).exit_code == 2  # implied

    # The manifest names Legacy again: nothing to report.
    clean = run(["plan", str(_with_legacy(tmp_path)), "--fail-on-unmanaged"], org.env)
    assert clean.exit_code == 0 and "Drift" not in clean.stderr
    # A change is drift as before.
    changed = tmp_path / "changed.yaml"
    changed.write_text(_with_legacy(tmp_path).read_text().replace("Potential", "Prospect"))
    assert run(["plan", str(changed), "--fail-on-unmanaged"], org.env).exit_code == 2
    # An error is 1, not 2.
    bad = run(["plan", EXAMPLE, "--fail-on-unmanaged"], {**org.env, "CLOSE_API_KEY": "x" * 20})
    assert bad.exit_code == 1


# -- plan --out and the manifest ---------------------------------------------------------------


def test_plan_out_never_overwrites_the_manifest(org, tmp_path: Path) -> None:
    manifest = tmp_path / "crm.yaml"
    text = Path(EXAMPLE).read_text()
    manifest.write_text(text)
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.yaml"
    link.symlink_to(manifest)
    for out in (manifest, tmp_path / "sub" / ".." / "crm.yaml", link):
        res = run(["plan", str(manifest), "--out", str(out)], org.env)
        assert res.exit_code == 64, res.stderr
        assert f"--out {out} is the manifest being planned" in res.stderr
    assert manifest.read_text() == text and not org.app.log

    folder = tmp_path / "schema"
    (folder / "more").mkdir(parents=True)
    (folder / "crm.yaml").write_text(text)
    for out in (folder / "crm.yaml", folder / "more" / "plan.YML"):
        res = run(["plan", str(folder), "--out", str(out)], org.env)
        assert res.exit_code == 64
        assert "is inside the manifest directory" in res.stderr
    assert (folder / "crm.yaml").read_text() == text and not (folder / "more" / "plan.YML").exists()
    assert not org.app.log
    ok = run(["plan", str(folder), "--out", str(tmp_path / "plan.json")], org.env)
    assert ok.exit_code == 0 and (tmp_path / "plan.json").exists()


# -- completion, colour, help ------------------------------------------------------------------


def _complete(words: str) -> list[str]:
    res = subprocess.run(
        [sys.executable, "-m", "schemasync"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=dict(
            os.environ,
            _SCHEMASYNC_COMPLETE="bash_complete",
            COMP_WORDS=words,
            COMP_CWORD=str(len(words.split(" ")) - 1),
        ),
    )
    return res.stdout.split()


@pytest.mark.parametrize(
    "words",
    [
        "schemasync validate sch",
        "schemasync plan sch",
        "schemasync plan x --out pl",
        "schemasync plan x --config sch",
        "schemasync export -o sch",
        "schemasync promote --from a --to b --out pl",
        "schemasync emulator --state or",
    ],
)
def test_completion_offers_file_names_for_file_arguments(words: str) -> None:
    # "file,PREFIX" tells the shell to complete file names (bash_source's script does).
    assert _complete(words) == [f"file,{words.rsplit(' ', 1)[1]}"]


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run `python -m schemasync ARGS` with stdout on a pseudo-terminal; what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "schemasync", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, **env},
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the child closed its end
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
    finally:
        os.close(leader)
        proc.kill()
        proc.wait(timeout=10)
    return b"".join(chunks).decode("utf-8", "replace")


def test_no_color_works_on_every_command_that_paints(org, tmp_path: Path) -> None:
    env = org.env
    assert "\x1b[" in _on_a_terminal(["plan", EXAMPLE], env)  # colour on a terminal...
    for args in (
        ["plan", EXAMPLE, "--no-color"],
        ["--no-color", "plan", EXAMPLE],
        ["--no-color", "apply", EXAMPLE],  # apply prints its plan (then refuses: no stdin)
    ):
        out = _on_a_terminal(args, env)
        assert "Plan: 49 to create" in out and "\x1b[" not in out, args
    assert "\x1b[" not in _on_a_terminal(["plan", EXAMPLE], {**env, "NO_COLOR": "1"})


def test_promote_and_diff_take_no_color(tmp_path: Path) -> None:
    config = tmp_path / "schemasync.yaml"
    config.write_text("environments: {a: {}, b: {}}\n")
    for command in ("promote", "diff"):
        res = run([command, "--from", "a", "--to", "a", "--no-color", "--config", str(config)])
        assert res.exit_code == 64 and "the same environment" in res.stderr  # parsed, then refused


def test_help_lists_every_exit_code() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "schemasync", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    for code in ("0", "1", "2", "3", "64", "130/143"):
        assert re.search(rf"^ +{re.escape(code)} +\S", res.stdout, re.M), code
    assert "SIGTERM" in res.stdout and "--fail-on-unmanaged" in res.stdout


# -- export's modeline -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema_at", "output", "modeline"),
    [
        ("manifest.schema.json", "org.yaml", "manifest.schema.json"),
        ("manifest.schema.json", "schema/org.yaml", "../manifest.schema.json"),
        ("schemas/manifest.schema.json", "schema/org.yaml", "../schemas/manifest.schema.json"),
    ],
)
def test_export_writes_the_modeline_where_the_readme_puts_the_schema(
    org, tmp_path: Path, schema_at: str, output: str, modeline: str
) -> None:
    project = tmp_path / "project"
    (project / "schema").mkdir(parents=True)
    (project / schema_at).parent.mkdir(parents=True, exist_ok=True)
    schema = run(["schema"]).stdout  # as `schemasync schema > manifest.schema.json` writes it
    (project / schema_at).write_text(schema)
    res = run(["export", "-o", str(project / output)], org.env)
    assert res.exit_code == 0, res.stderr
    first = (project / output).read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={modeline}"


def test_export_without_a_schema_file_writes_no_modeline(org, tmp_path: Path) -> None:
    res = run(["export", "-o", str(tmp_path / "org.yaml")], org.env)
    assert res.exit_code == 0
    assert "yaml-language-server" not in (tmp_path / "org.yaml").read_text()


# -- the demo ----------------------------------------------------------------------------------


def test_the_demo_prints_no_colour_into_pipes(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "schemasync"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m schemasync "$@"\n')
    wrapper.chmod(0o755)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CLOSE_", "SCHEMASYNC_", "NO_"))
    }
    env.update(
        SCHEMASYNC_DEMO_BIN=str(wrapper),
        SCHEMASYNC_DEMO_DIR=str(tmp_path / "demo"),
        SCHEMASYNC_DEMO_PORT="0",
        PYTHONPATH=str(ROOT),
    )
    res = subprocess.run(
        ["sh", str(ROOT / "examples" / "demo.sh")],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "$ schemasync plan examples/crm.yaml" in res.stderr
    assert "\x1b[" not in res.stdout + res.stderr
    assert (tmp_path / "demo" / "exported.yaml").exists()


# -- damaged plan files ------------------------------------------------------------------------
# A saved plan that is not a plan must end in a clear `Error: ...` about the plan file (exit 1,
# nothing sent but reads), never in an internal error, a Python repr, or a plan taken as empty.
# The reader checks the version first (plan.check_version), then the document against
# schemas/plan.schema.json (plan_check.check_document), before Plan.from_dict reads it.


def _op(**changes: Any) -> dict[str, Any]:
    op = {
        "action": "create",
        "kind": "custom_object_type",
        "address": "Account",
        "method": "POST",
        "path": "/custom_object_type/",
        "body": {"name": "Account", "name_plural": "Accounts"},
        "changes": {},
    }
    return {**op, **changes}


_FINGERPRINT = "sha256:" + "0" * 64


def _doc(**changes: Any) -> dict[str, Any]:
    return {
        "format_version": "1.0",
        "fingerprint": _FINGERPRINT,
        "options": {},
        "summary": {},
        "operations": [_op()],
        "unmanaged": [],
        **changes,
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a list", "[]"),
        ("null", "null"),
        ("a number", "5"),
        ("a huge integer", '{"n": ' + "9" * 5000 + "}"),
        ("no format_version", json.dumps(_doc(format_version=1))),
        ("a path that is a list", json.dumps(_doc(operations=[_op(path=["/x/"])]))),
        ("an action that is a list", json.dumps(_doc(operations=[_op(action=["create"])]))),
        ("a number for a fingerprint", json.dumps(_doc(fingerprint=10**30))),
        ("operations: null", json.dumps(_doc(operations=None))),
        ("operations: a mapping", json.dumps(_doc(operations={}))),
        ("operations: a string", json.dumps(_doc(operations="abc"))),
        ("operations: numbers", json.dumps(_doc(operations=[1, 2]))),
        ("a body that is a list", json.dumps(_doc(operations=[_op(body=[1])]))),
        ("a body that is a number", json.dumps(_doc(operations=[_op(body=7)]))),
        ("changes that are a list", json.dumps(_doc(operations=[_op(changes=[1])]))),
        ("an address that is a number", json.dumps(_doc(operations=[_op(address=5)]))),
        ("a delete that is a string", json.dumps(_doc(operations=[_op(delete="x")]))),
        ("unmanaged: strings", json.dumps(_doc(unmanaged=["x"]))),
        (
            "unmanaged: an unknown key",
            json.dumps(_doc(unmanaged=[{"kind": "a", "address": "b", "id": "c", "x": 1}])),
        ),
        ("options: a list", json.dumps(_doc(options=[1]))),
        ("options: a string", json.dumps(_doc(options="abc"))),
        ("a 5000-digit format_version", json.dumps(_doc(format_version="9" * 5000))),
        ("nested 100,000 deep", "[" * 100_000 + "]" * 100_000),
    ],
)
def test_a_damaged_plan_file_is_a_clear_error(org, tmp_path: Path, name: str, text: str) -> None:
    # The org's real fingerprint, so that the damage, not a stale plan, is what refuses it.
    fingerprint = json.loads(run(["plan", EXAMPLE, "--json"], org.env).stdout)["fingerprint"]
    saved = tmp_path / "plan.json"
    saved.write_text(text.replace(_FINGERPRINT, fingerprint))
    res = run_cli(["apply", "--plan", str(saved)], url=org.url)
    last = res.stderr.strip().splitlines()[-1]
    assert res.exit_code == 1, (name, res.stderr)
    assert last.startswith("Error: ") and "plan" in last, last
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    assert not re.search(r"\w+Error\(|object has no attribute|argument after", last), last
    assert len(last) < 300, len(last)
    assert not org.writes()
