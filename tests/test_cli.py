"""The command line end to end, against the emulator over a real socket: every exit code of
the contract, the plan/apply/export flow, saved plans, and what goes to which stream."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from schemasync.manifest import load_schema
from tests.orgs import KEY
from tests.serving import run_cli, socket_org

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "crm.yaml")


def run(args: list[str], env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """run_cli without a key or colour setting of its own: `env` says everything."""
    return run_cli(args, key=None, env={"NO_COLOR": None, **(env or {})}, input=input)


@pytest.fixture
def org():
    with socket_org() as served:
        yield served


def test_validate_ok_and_bad(tmp_path: Path) -> None:
    ok = run(["validate", EXAMPLE])
    assert ok.exit_code == 0
    assert "is valid: 3 type(s), 24 field(s), 2 activity type(s)" in ok.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\ncustom_object_types:\n  - name: A\n    name_plural: As\n"
        "    fields:\n      - name: F\n        type: txt\n"
    )
    res = run(["validate", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:7:" in res.stderr and "type" in res.stderr
    assert res.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],  # missing argument
        ["plan", EXAMPLE, "--bogus"],  # unknown option
        ["frobnicate"],  # unknown command
        ["apply"],  # neither MANIFEST nor --plan
        ["apply", EXAMPLE, "--plan", "p.json"],  # both
        ["emulator", "--rate-limit", "fast"],  # bad value
    ],
)
def test_usage_errors_exit_64(args: list[str]) -> None:
    res = run(args)
    assert res.exit_code == 64, res.stderr
    assert "Traceback" not in res.stderr


def test_help_and_version() -> None:
    assert run(["--help"]).exit_code == 0
    for command in ("validate", "plan", "apply", "export", "emulator", "schema"):
        res = run([command, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.stdout
    assert "schemasync" in run(["--version"]).stdout


def test_python_dash_m_runs() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "schemasync", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0 and "schemasync" in res.stdout


def test_plan_apply_plan_export_flow(org, tmp_path: Path) -> None:
    plan = run(["plan", EXAMPLE, "--detailed-exitcode"], org.env)
    assert plan.exit_code == 2
    assert "Plan: 49 to create, 0 to update, 0 to delete, 1 to reorder." in plan.stdout
    assert "\x1b[" not in plan.stdout  # no colour when not a terminal
    assert "Reading the org" in plan.stderr and "Reading" not in plan.stdout
    assert not org.writes()

    refused = run(["apply", EXAMPLE], org.env)  # no terminal, no --auto-approve
    assert refused.exit_code == 1 and "--auto-approve" in refused.stderr
    assert not org.writes()

    applied = run(["apply", EXAMPLE, "--auto-approve"], org.env)
    assert applied.exit_code == 0, applied.stderr
    assert "Applied 50 of 50 operation(s)." in applied.stderr
    assert len(org.writes()) == 50  # one request per operation, nothing more

    again = run(["plan", EXAMPLE, "--detailed-exitcode"], org.env)
    assert again.exit_code == 0
    assert "No changes." in again.stdout

    exported = tmp_path / "exported.yaml"
    res = run(["export", "-o", str(exported)], org.env)
    assert res.exit_code == 0 and res.stdout == ""
    assert run(["plan", str(exported), "--detailed-exitcode"], org.env).exit_code == 0

    def body(text: str) -> str:  # the modeline depends on where the file is written
        return "".join(
            line for line in text.splitlines(True) if not line.startswith("# yaml-language-server:")
        )

    assert body(run(["export"], org.env).stdout) == body(exported.read_text())


def test_plan_json_and_out_are_the_same_document(org, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    res = run(["plan", EXAMPLE, "--json", "--out", str(out)], org.env)
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc == json.loads(out.read_text())
    jsonschema.validate(doc, load_schema("plan.schema.json"))
    assert doc["format_version"].startswith("1.")
    assert doc["summary"] == {"create": 49, "update": 0, "replace": 0, "delete": 0, "reorder": 1}
    first = doc["operations"][0]
    assert {"action", "kind", "address", "method", "path", "body", "changes"} <= set(first)
    assert KEY not in res.stdout and KEY not in out.read_text()


def test_apply_saved_plan_and_stale_plan(org, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert run(["plan", EXAMPLE, "--out", str(saved)], org.env).exit_code == 0
    stale = tmp_path / "stale.json"
    shutil.copy(saved, stale)

    res = run(["apply", "--plan", str(saved)], org.env)  # no prompt: it was reviewed
    assert res.exit_code == 0, res.stderr
    writes = len(org.writes())

    res = run(["apply", "--plan", str(stale)], org.env)
    assert res.exit_code == 1
    assert "the org changed since this plan was made: run plan again" in res.stderr
    assert len(org.writes()) == writes  # refused before any write

    assert run(["apply", "--plan", str(saved), "--prune"], org.env).exit_code == 64


def test_plan_file_with_unknown_major_is_rejected(org, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert run(["plan", EXAMPLE, "--out", str(saved)], org.env).exit_code == 0
    doc = json.loads(saved.read_text())
    doc["format_version"] = "2.0"
    saved.write_text(json.dumps(doc))
    res = run(["apply", "--plan", str(saved)], org.env)
    assert res.exit_code == 1 and "format_version 2.0 is not supported" in res.stderr
    saved.write_text("{not json")
    res = run(["apply", "--plan", str(saved)], org.env)
    assert res.exit_code == 1 and "not a schemasync plan" in res.stderr
    assert not org.writes()


def test_apply_stopped_partway_exits_3_and_plan_shows_the_rest(org) -> None:
    total = len(json.loads(run(["plan", EXAMPLE, "--json"], org.env).stdout)["operations"])
    # Every field POST after the first answers 502: the client re-reads, finds nothing,
    # re-sends, and finally gives up on that operation.
    org.app.faults.add(
        method="POST", path=r"^/custom_field/custom_object_type/$", action="502", skip=1, times=None
    )
    res = run(["apply", EXAMPLE, "--auto-approve"], org.env)
    assert res.exit_code == 3, res.stderr
    assert "Done:" in res.stderr and "Failed:" in res.stderr and "Not attempted:" in res.stderr
    assert "re-run plan" in res.stderr or "Run `schemasync plan` again" in res.stderr
    done = sum(res.stderr.count(f"\n  {verb} ") for verb in ("created", "updated", "reordered"))
    org.app.faults.clear()
    remaining = json.loads(run(["plan", EXAMPLE, "--json"], org.env).stdout)["operations"]
    assert len(remaining) == total - done
    assert run(["apply", EXAMPLE, "--auto-approve"], org.env).exit_code == 0
    assert run(["plan", EXAMPLE, "--detailed-exitcode"], org.env).exit_code == 0


def test_api_errors_exit_1_with_a_clear_message(org) -> None:
    res = run(["plan", EXAMPLE], dict(org.env, CLOSE_API_KEY="wrong-key"))
    assert res.exit_code == 1
    assert "401" in res.stderr and "API key was rejected" in res.stderr
    assert "wrong-key" not in res.stderr
    res = run(["plan", EXAMPLE], {"CLOSE_API_URL": org.url, "CLOSE_API_KEY": ""})
    assert res.exit_code == 1 and "CLOSE_API_KEY" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_manifest_sends_no_request(org, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncustom_object_types: [{name: A}]\n")
    res = run(["plan", str(bad)], org.env)
    assert res.exit_code == 1 and "name_plural" in res.stderr
    assert org.app.log == []


def test_schema_command_prints_the_published_schemas() -> None:
    for which in ("manifest", "plan"):
        res = run(["schema", which])
        assert res.exit_code == 0
        jsonschema.Draft202012Validator.check_schema(json.loads(res.stdout))
