"""The git workflow from the command line: the pre-commit hooks (their entry on good and bad
files, and the real `pre-commit` tool running them on the README's layout, offline), `validate`
with several manifests, `plan --format markdown`, `apply --report` (success, partial,
refused, no changes) with its summary, and shell completion through our own `main`."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from tests.orgs import KEY
from tests.serving import run_cli, socket_org

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "crm.yaml"
BAD = (
    "version: 1\ncustom_object_types:\n  - name: A\n    name_plural: As\n"
    "    fields:\n      - name: F\n        type: txt\n"
)


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    """run_cli without a key or colour setting of its own: `env` says everything."""
    return run_cli(args, key=None, env={"NO_COLOR": None, **(env or {})})


@pytest.fixture
def org():
    with socket_org() as served:
        yield served


# -- the pre-commit hook ---------------------------------------------------------------------


def _hook_entry() -> list[str]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = shlex.split(next(h for h in hooks if h["id"] == "schemasync-validate-files")["entry"])
    assert entry[0] == "schemasync"
    return [sys.executable, "-m", "schemasync", *entry[1:]]  # what the console script runs


def _run_hook(files: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # As pre-commit runs it: entry + the staged file names, relative to the repository root.
    return subprocess.run(
        [*_hook_entry(), *files],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


def test_hook_fails_on_a_bad_manifest_and_passes_on_good_ones(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "crm.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (schema / "bad.yaml").write_text(BAD, encoding="utf-8")
    (schema / "small.yml").write_text(
        "version: 1\ncustom_object_types:\n  - {name: B, name_plural: Bs}\n", encoding="utf-8"
    )

    bad = _run_hook(["schema/bad.yaml"], tmp_path)
    assert bad.returncode == 1, bad.stderr
    assert "schema/bad.yaml:7:" in bad.stderr and "Traceback" not in bad.stderr

    good = _run_hook(["schema/crm.yaml"], tmp_path)
    assert good.returncode == 0, good.stderr
    assert good.stderr == (
        "schema/crm.yaml is valid: 3 type(s), 24 field(s), 2 activity type(s), 5 lead status(es), "
        "8 opportunity status(es), 2 pipeline(s), 5 placement(s), 2 shared field(s) in 1 file(s).\n"
    )

    both_good = _run_hook(["schema/crm.yaml", "schema/small.yml"], tmp_path)
    assert both_good.returncode == 0, both_good.stderr
    assert both_good.stderr.count(" is valid: ") == 2

    mixed = _run_hook(["schema/bad.yaml", "schema/crm.yaml", "schema/small.yml"], tmp_path)
    assert mixed.returncode == 1
    assert "schema/bad.yaml:7:" in mixed.stderr
    assert "schema/bad.yaml is invalid: 1 manifest problem found." in mixed.stderr
    assert "schema/crm.yaml is valid" in mixed.stderr
    assert "schema/small.yml is valid" in mixed.stderr
    assert mixed.stderr.rstrip().endswith("Error: 1 of 3 manifests are invalid")


def test_validate_needs_a_manifest_and_reports_every_bad_one(tmp_path: Path) -> None:
    assert run(["validate"]).exit_code == 64
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(BAD)
    two.write_text(BAD.replace("name: F", "name: G"))
    res = run(["validate", str(one), str(EXAMPLE), str(two)])
    assert res.exit_code == 1
    assert f"{one}:7:" in res.stderr and f"{two}:7:" in res.stderr
    assert "Error: 2 of 3 manifests are invalid" in res.stderr
    single = run(["validate", str(one)])  # one path: the output it always had
    assert single.exit_code == 1
    assert single.stderr.splitlines()[-1] == "Error: 1 manifest problem found"


# -- the real pre-commit, offline ------------------------------------------------------------
# pre-commit installs a `language: python` hook with pip, from the package index: not offline.
# So the hooks run as pre-commit's `system` hooks, copied key for key from
# .pre-commit-hooks.yaml, with `schemasync` on PATH: pre-commit still decides which files
# trigger the hook and what it passes, as it would for a user.

REFERENCING = """\
version: 1
custom_object_types:
  - name: Subscription
    name_plural: Subscriptions
    fields:
      - {name: Account, type: custom_object, references: Account}
"""
ACCOUNT = "version: 1\ncustom_object_types:\n  - {name: Account, name_plural: Accounts}\n"


def _git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    res = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    )
    return res.stdout.strip()


def _pre_commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "pre-commit"
    assert tool.exists(), "pre-commit is missing: install the test extras (pip install '.[test]')"
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "schemasync"  # what the hook's console script would run
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m schemasync "$@"\n')
    wrapper.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        # Anything that tried the network would fail: these tests are offline.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(tool), *args, "--color", "never"] if args[0] == "run" else [str(tool), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def _local_hooks(**overrides: dict) -> str:
    """A .pre-commit-config.yaml running this repository's hooks as `system` hooks."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = []
    for hook in hooks:
        hook = {k: v for k, v in hook.items() if k != "minimum_pre_commit_version"}
        local.append({**hook, "language": "system", **overrides.get(hook["id"], {})})
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, sort_keys=False)


def _repo_with_split_schema(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "schema").mkdir(parents=True)
    # The README's layout: one manifest over files, a reference across them.
    (repo / "schema" / "account.yaml").write_text(ACCOUNT)
    (repo / "schema" / "subscription.yaml").write_text(REFERENCING)
    (repo / "schemasync.yaml").write_text("version: 1\nenvironments: {}\n")
    _git(repo, "init", "-q")
    return repo


def test_the_default_hook_validates_the_readme_layout_with_pre_commit(tmp_path: Path) -> None:
    repo = _repo_with_split_schema(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(_local_hooks())
    _git(repo, "add", "-A")
    ok = _pre_commit(repo, "run", "--all-files", "--hook-stage", "pre-commit")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert re.search(r"^schemasync validate\.+Passed$", ok.stdout, re.M), ok.stdout
    assert "schema/ is valid: 2 type(s), 1 field(s) in 2 file(s)." in ok.stdout or (
        "Passed" in ok.stdout
    )

    # File by file, the same layout fails: the reference names a type of another file.
    (repo / ".pre-commit-config.yaml").write_text(
        _local_hooks(**{"schemasync-validate-files": {"files": r"^schema/.*\.ya?ml$"}})
    )
    _git(repo, "add", "-A")
    split = _pre_commit(repo, "run", "schemasync-validate-files", "--all-files")
    assert split.returncode == 1 and "Account" in split.stdout, split.stdout

    # A broken file fails the default hook, with its place.
    (repo / "schema" / "account.yaml").write_text(ACCOUNT.replace("name_plural", "name_plurl"))
    _git(repo, "add", "-A")
    bad = _pre_commit(repo, "run", "schemasync-validate", "--all-files")
    assert bad.returncode == 1
    assert "schema/account.yaml:3:" in bad.stdout and "Traceback" not in bad.stdout


def test_the_hook_definitions_and_the_example_config_are_valid_for_pre_commit(
    tmp_path: Path,
) -> None:
    checked = _pre_commit(ROOT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # The example's `rev:` names the default branch, which exists (there are no release tags
    # yet); its comment says to pin it with `pre-commit autoupdate --freeze`, which writes the
    # full SHA of the branch's newest commit. A repository holding this one's hook file
    # stands for it.
    upstream = tmp_path / "schemasync"
    upstream.mkdir()
    (upstream / ".pre-commit-hooks.yaml").write_text((ROOT / ".pre-commit-hooks.yaml").read_text())
    _git(upstream, "init", "-q", "-b", "main")
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "-q", "-m", "hooks")
    head = _git(upstream, "rev-parse", "HEAD")

    example = (ROOT / "examples" / "ci" / "pre-commit-config.yaml").read_text(encoding="utf-8")
    rev = re.search(r"^\s+rev: (\S+)", example, re.M)
    assert rev is not None and rev.group(1) == "main"
    assert _git(upstream, "rev-parse", "--verify", "main") == head  # it names a commit
    user = _repo_with_split_schema(tmp_path)
    config = user / ".pre-commit-config.yaml"
    config.write_text(example.replace("https://github.com/OWNER/schemasync", str(upstream)))
    assert _pre_commit(user, "validate-config", str(config)).returncode == 0
    updated = _pre_commit(user, "autoupdate", "--freeze")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert f"    rev: {head}  # EDIT" in config.read_text()
    valid = _pre_commit(user, "validate-config", str(config))
    assert valid.returncode == 0, valid.stdout + valid.stderr


# -- plan --format ---------------------------------------------------------------------------


def test_plan_format_markdown(org, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    res = run(
        ["plan", str(EXAMPLE), "--format", "markdown", "--out", str(out), "--detailed-exitcode"],
        org.env,
    )
    assert res.exit_code == 2, res.stderr
    assert res.stdout.startswith("### schemasync plan\n")
    assert "**Plan: 49 to create, 0 to update, 0 to delete, 1 to reorder.**" in res.stdout
    assert "| 1 | ➕ `+` | create | custom\\_object\\_type | Account | new type |" in res.stdout
    doc = json.loads(out.read_text())  # --out is the JSON document, whatever --format
    assert doc["fingerprint"] in res.stdout
    assert json.loads(run(["plan", str(EXAMPLE), "--format", "json"], org.env).stdout) == doc
    assert json.loads(run(["plan", str(EXAMPLE), "--json"], org.env).stdout) == doc
    assert "Plan: 49 to create" in run(["plan", str(EXAMPLE), "--format", "text"], org.env).stdout
    assert KEY not in res.stdout + res.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["plan", str(EXAMPLE), "--json", "--format", "markdown"],
        ["plan", str(EXAMPLE), "--format", "html"],
        ["diff", "--from", "a", "--to", "b", "--json", "--format", "text"],
    ],
)
def test_format_usage_errors(args: list[str]) -> None:
    assert run(args).exit_code == 64


def test_environments_in_markdown_titles_and_in_the_report(tmp_path: Path) -> None:
    from schemasync.emulator import Store

    env = {"STAGING_KEY": KEY, "PROD_KEY": KEY, "CLOSE_API_URL": "", "CLOSE_API_KEY": ""}
    with (
        socket_org(Store(org_name="Staging Org")) as s,
        socket_org(Store(org_name="Production Org")) as p,
    ):
        config = tmp_path / "schemasync.yaml"
        config.write_text(
            f"version: 1\nenvironments:\n"
            f"  staging: {{api_url: '{s.url}', api_key_env: STAGING_KEY}}\n"
            f"  production: {{api_url: '{p.url}', api_key_env: PROD_KEY}}\n"
        )
        manifest = tmp_path / "m.yaml"
        manifest.write_text("version: 1\ncustom_object_types:\n  - {name: B, name_plural: Bs}\n")
        where = ["--config", str(config)]
        plan = run(["plan", str(manifest), "--env", "staging", "--format", "markdown", *where], env)
        assert plan.stdout.startswith("### schemasync plan for staging\n")
        report = tmp_path / "report.json"
        res = run(
            [
                "apply",
                str(manifest),
                "--env",
                "staging",
                "--auto-approve",
                "--report",
                str(report),
                *where,
            ],
            env,
        )
        assert res.exit_code == 0, res.stderr
        doc = _report(report)
        assert doc["target"]["environment"] == "staging"
        assert doc["target"]["org"]["name"] == "Staging Org" and doc["result"] == "applied"
        assert "target: environment 'staging'" in res.stderr
        diff = run(
            ["diff", "--from", "staging", "--to", "production", "--format", "markdown", *where], env
        )
        assert diff.exit_code == 2
        assert diff.stdout.startswith("### schemasync diff: production compared with staging\n")
        promote = run(
            ["promote", "--from", "staging", "--to", "production", "--format", "markdown", *where],
            env,
        )
        assert promote.stdout.startswith("### schemasync promote staging → production\n")
        assert "| 1 | ➕ `+` | create | custom\\_object\\_type | B | new type |" in promote.stdout


# -- apply --report and the audit summary ----------------------------------------------------


def _report(path: Path) -> dict:
    doc = json.loads(path.read_text())
    assert set(doc) >= {
        "schemasync_version",
        "target",
        "plan_fingerprint",
        "started_at",
        "finished_at",
        "result",
        "operations",
    }
    for key in ("started_at", "finished_at"):
        assert doc[key].endswith("Z")
        datetime.fromisoformat(doc[key].replace("Z", "+00:00"))
    assert doc["started_at"] <= doc["finished_at"]
    assert KEY not in path.read_text()
    return doc


def test_apply_plan_report_on_success(org, tmp_path: Path) -> None:
    saved, report = tmp_path / "plan.json", tmp_path / "apply-report.json"
    assert run(["plan", str(EXAMPLE), "--out", str(saved)], org.env).exit_code == 0
    fingerprint = json.loads(saved.read_text())["fingerprint"]
    res = run(["apply", "--plan", str(saved), "--report", str(report)], org.env)
    assert res.exit_code == 0, res.stderr
    doc = _report(report)
    assert doc["result"] == "applied" and doc["error"] is None
    assert doc["plan_fingerprint"] == fingerprint
    assert doc["target"]["api_url"] == org.url and doc["target"]["environment"] is None
    assert doc["target"]["org"]["name"] and doc["target"]["org"]["id"].startswith("orga_")
    assert len(doc["operations"]["done"]) == 50 and doc["operations"]["failed"] is None
    assert doc["operations"]["not_attempted"] == []
    # The audit summary ends the output: what, where, which plan.
    tail = res.stderr[res.stderr.index("Summary: ") :]
    assert tail.startswith(
        "Summary: applied: 50 of 50 operation(s) applied (49 created, 1 reordered)"
    )
    assert f"org {doc['target']['org']['name']!r}" in tail and fingerprint in tail
    assert f"report: {report}" in tail

    again = run(["apply", "--plan", str(saved), "--report", str(report)], org.env)
    assert again.exit_code == 1  # the org changed since: refused, and recorded as such
    doc = _report(report)
    assert doc["result"] == "failed" and "the org changed since" in doc["error"]
    assert doc["operations"]["done"] == [] and len(doc["operations"]["not_attempted"]) == 50


def test_apply_report_on_partial_failure(org, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    org.app.faults.add(
        method="POST", path=r"^/custom_field/custom_object_type/$", action="502", skip=1, times=None
    )
    res = run(["apply", str(EXAMPLE), "--auto-approve", "--report", str(report)], org.env)
    assert res.exit_code == 3, res.stderr
    doc = _report(report)
    assert doc["result"] == "partial"
    assert doc["source"] == {"manifest": str(EXAMPLE)}
    ops = doc["operations"]
    assert ops["done"] and ops["failed"]["error"] and ops["not_attempted"]
    assert len(ops["done"]) + 1 + len(ops["not_attempted"]) == 50
    assert "Summary: partial: " in res.stderr
    assert res.stderr.rstrip().splitlines()[-1].startswith("Error: apply stopped partway")


def test_apply_report_with_no_changes_and_with_a_bad_plan_file(org, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    assert run(["apply", str(EXAMPLE), "--auto-approve"], org.env).exit_code == 0
    res = run(["apply", str(EXAMPLE), "--report", str(report)], org.env)
    assert res.exit_code == 0
    assert _report(report)["result"] == "no-changes"
    assert "Summary: no-changes: the plan has no changes" in res.stderr

    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    res = run(["apply", "--plan", str(broken), "--report", str(report)], org.env)
    assert res.exit_code == 1
    doc = _report(report)
    assert doc["result"] == "failed" and doc["plan_fingerprint"] is None
    assert "Summary:" not in res.stderr  # no plan, so nothing to summarise


def test_apply_report_into_a_missing_folder_is_refused_before_any_write(
    org, tmp_path: Path
) -> None:
    res = run(
        [
            "apply",
            str(EXAMPLE),
            "--auto-approve",
            "--report",
            str(tmp_path / "no" / "such" / "report.json"),
        ],
        org.env,
    )
    assert res.exit_code == 1 and "cannot write the report" in res.stderr
    assert not org.writes()


# -- shell completion ------------------------------------------------------------------------


def _complete(env: dict[str, str], command: list[str] | None = None) -> str:
    res = subprocess.run(
        command or [sys.executable, "-m", "schemasync"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=dict(os.environ, **env),
    )
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _schemasync_completion schemasync"),
        ("zsh", "#compdef schemasync"),
        ("fish", "complete --no-files --command schemasync"),
    ],
)
def test_completion_scripts(shell: str, marker: str) -> None:
    assert marker in _complete({"_SCHEMASYNC_COMPLETE": f"{shell}_source"})


def test_completion_through_the_console_script() -> None:
    script = Path(sys.executable).parent / "schemasync"
    if not script.exists():
        pytest.skip("no installed console script next to this Python")
    out = _complete({"_SCHEMASYNC_COMPLETE": "bash_source"}, [str(script)])
    assert "_schemasync_completion" in out


def test_completion_answers() -> None:
    words = _complete(
        {"_SCHEMASYNC_COMPLETE": "bash_complete", "COMP_WORDS": "schemasync pl", "COMP_CWORD": "1"}
    )
    assert words.split() == ["plain,plan"]
    flags = _complete(
        {
            "_SCHEMASYNC_COMPLETE": "bash_complete",
            "COMP_WORDS": "schemasync plan x --for",
            "COMP_CWORD": "3",
        }
    )
    assert "plain,--format" in flags.split()
    values = _complete(
        {
            "_SCHEMASYNC_COMPLETE": "bash_complete",
            "COMP_WORDS": "schemasync plan x --format ",
            "COMP_CWORD": "4",
        }
    )
    assert values.split() == ["plain,text", "plain,json", "plain,markdown"]
