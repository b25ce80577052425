"""Two applies at once do not silently double the org (issue 12, item 6).

The API does not enforce unique names, so two `apply` runs started together (even of one saved
plan) used to create every type and field twice, after which plan, export, diff and promote
refused to run. Now each apply reads the org right before its first write (and refuses when it
changed since the plan), reads it once more after its last write (and exits 3 naming every
name it created that now exists twice, with the ids), and `schemasync remove-duplicate ID`
removes the extra objects, after which plan works again.

The race is real: two processes against one emulator over a socket, their first writes held
(or slowed down) until both are past their checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemasync.client import CloseClient
from schemasync.duplicates import Duplicate, duplicates
from schemasync.flow import read_live
from schemasync.live import FIELDS_PATH, TYPES_PATH
from tests.orgs import KEY
from tests.serving import SocketOrg, assert_clean, fast_clients, run_cli, socket_org
from tests.test_faults import AFTER, FLAGS, start_store
from tests.test_safety_reports import TYPES, intercepting_org, org_from, write

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90  # seconds for one apply process, whatever happens


def start(org: SocketOrg, args: list[str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSE_", "SCHEMASYNC_"))}
    env.update(CLOSE_API_KEY=KEY, CLOSE_API_URL=org.url, NO_COLOR="1")
    return subprocess.Popen(
        [sys.executable, "-m", "schemasync", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_both(org: SocketOrg, args: list[str]) -> list[tuple[int, str]]:
    """Start two processes running `schemasync ARGS` at once; their exit codes and stderr."""
    procs = [start(org, args), start(org, args)]
    results = []
    try:
        for proc in procs:
            _, stderr = proc.communicate(timeout=TIMEOUT)
            results.append((proc.returncode, stderr))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    org.app.wait_idle()
    return results


def live_duplicates(org: SocketOrg) -> list[Duplicate]:
    with CloseClient(KEY, base_url=org.url) as client:
        return duplicates(read_live(client))


def named(group: Duplicate, stderr: str) -> bool:
    """Whether an apply's error names the group and all its ids."""
    error = stderr.rstrip().splitlines()[-1]
    return f"{group.address} ({', '.join(group.ids)})" in error


def remove_all_duplicates(org: SocketOrg) -> list[str]:
    """Keep the first id of every group and remove the others with the command: types first
    (their fields go with them), then the fields left."""
    removed = []
    for kind in ("custom_object_type", "custom_field"):
        for group in live_duplicates(org):
            if group.kind != kind:
                continue
            for extra in group.ids[1:]:
                result = run_cli(["remove-duplicate", extra, "--auto-approve"], url=org.url)
                assert_clean(result)
                assert result.exit_code == 0, result.stderr
                assert f"Removed {extra}." in result.stderr
                removed.append(extra)
    assert live_duplicates(org) == []
    return removed


def assert_plan_works_again(org: SocketOrg, manifest: str) -> None:
    plan = run_cli(["plan", manifest, *FLAGS], url=org.url)
    assert plan.exit_code == 0, plan.stderr
    again = run_cli(["apply", manifest, "--auto-approve", *FLAGS], url=org.url)
    assert again.exit_code == 0, again.stderr
    final = run_cli(["plan", manifest, "--detailed-exitcode", *FLAGS], url=org.url)
    assert final.exit_code == 0, final.stdout
    assert all(n == 1 for n in org.names().values()), org.names()


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    return write(tmp_path, AFTER, "after.yaml")


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with fast_clients(monkeypatch):
        yield


# -- the race ---------------------------------------------------------------------------------


def test_two_applies_of_one_saved_plan_say_what_they_doubled(
    manifest: str, tmp_path: Path, fast: None
) -> None:
    """Before: both exited 0, and the org held Subscription and the new fields twice."""
    plan_file = str(tmp_path / "plan.json")
    with intercepting_org(start_store()) as (org, app):
        saved = run_cli(["plan", manifest, *FLAGS, "--out", plan_file], url=org.url)
        assert saved.exit_code == 0, saved.stderr
        # Each process's first write waits until the other's has arrived too (both are past
        # every check by then), and is answered once both are done.
        gate = app.intercept("POST", TYPES, "gate", times=2)
        results = run_both(org, ["apply", "--plan", plan_file])
        assert gate.seen == 2
        doubled = live_duplicates(org)
        assert any(d.address == "Subscription" for d in doubled), doubled
        for code, stderr in results:
            assert code == 3, stderr
            assert "Traceback" not in stderr
            assert "Now in the org twice (did another apply run at the same time?):" in stderr
            assert "(created by this apply)" in stderr
            assert "`schemasync remove-duplicate ID`" in stderr
            assert "Summary: duplicated: " in stderr
        for group in doubled:
            assert any(named(group, stderr) for _, stderr in results), (group, results)
        removed = remove_all_duplicates(org)
        assert len(removed) == len(doubled)
        assert_plan_works_again(org, manifest)


def test_two_applies_started_together_never_double_the_org_silently(
    manifest: str, fast: None
) -> None:
    """`apply MANIFEST` twice at once, every first write slowed down: whichever way the race
    goes (one refused because the org changed, or both writing), no name ends up twice
    without an apply that exits 3 and names it."""
    with socket_org(start_store()) as org:
        org.app.faults.add(method="POST", path=TYPES + "$", action="latency", delay=1.0, times=2)
        results = run_both(org, ["apply", "--auto-approve", manifest, *FLAGS])
        doubled = live_duplicates(org)
        codes = sorted(code for code, _ in results)
        assert set(codes) <= {0, 1, 3}, results
        for code, stderr in results:
            assert "Traceback" not in stderr
            if code == 1:  # refused before its first write
                assert "the org changed after the plan above was made" in stderr, stderr
        for group in doubled:
            assert any(code == 3 and named(group, err) for code, err in results), (group, results)
        if not doubled:
            assert codes in ([0, 0], [0, 1]), results
        remove_all_duplicates(org)
        assert_plan_works_again(org, manifest)


def test_an_apply_refuses_an_org_that_changed_after_its_plan(
    manifest: str, tmp_path: Path, fast: None
) -> None:
    """The saved plan is checked against the org right before the first write (after /me/)."""
    plan_file = str(tmp_path / "plan.json")
    with socket_org(start_store()) as org:
        assert run_cli(["plan", manifest, *FLAGS, "--out", plan_file], url=org.url).exit_code == 0
        assert run_cli(["apply", manifest, "--auto-approve", *FLAGS], url=org.url).exit_code == 0
        writes = len(org.writes())
        result = run_cli(["apply", "--plan", plan_file], url=org.url)
        assert result.exit_code == 1
        assert "the org changed since this plan was made" in result.stderr
        assert len(org.writes()) == writes


# -- remove-duplicate -------------------------------------------------------------------------

START = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Region, type: text}
      - {name: Plan, type: text}
  - name: Project
    name_plural: Projects
    fields:
      - {name: Plan, type: text}
      - {name: Owner Account, type: custom_object, references: Account}
  - {name: Account Plan, name_plural: Account Plans}
"""


@pytest.fixture
def doubled() -> Iterator[tuple[SocketOrg, dict[str, str]]]:
    """An org where a type (Account) and a field (Account.Region) exist twice, as a race
    leaves them; the extra Account is referenced by a field of Project."""
    with socket_org(org_from(START)) as org:
        with CloseClient(KEY, base_url=org.url) as client:
            live = read_live(client)
            account = next(t for t in live.types if t.name == "Account")
            project = next(t for t in live.types if t.name == "Project")
            ids = {
                "account": account.id,
                "region": next(f.id for f in account.kids("custom_field") if f.name == "Region"),
                "plan": next(f.id for f in account.kids("custom_field") if f.name == "Plan"),
                "project_plan": next(
                    f.id for f in project.kids("custom_field") if f.name == "Plan"
                ),
                "account_plan_type": next(t.id for t in live.types if t.name == "Account Plan"),
            }
            extra = client.post(TYPES_PATH, {"name": "Account", "name_plural": "Accounts"})
            ids["extra_account"] = extra["id"]
            body = {"name": "Region", "type": "text", "custom_object_type_id": account.id}
            ids["extra_region"] = client.post(FIELDS_PATH, body)["id"]
            ref = {
                "name": "Other Account",
                "type": "custom_object",
                "custom_object_type_id": project.id,
                "referenced_custom_type_id": extra["id"],
            }
            ids["ref"] = client.post(FIELDS_PATH, ref)["id"]
        org.app.reset_log()
        yield org, ids


def test_plan_refuses_the_duplicates_remove_duplicate_repairs(
    doubled: tuple[SocketOrg, dict[str, str]], tmp_path: Path, fast: None
) -> None:
    org, ids = doubled
    manifest = write(tmp_path, START)
    before = run_cli(["plan", manifest], url=org.url)
    assert before.exit_code == 1 and "are named 'Account'" in before.stderr

    # The extra field: its values go, its twin stays; the org is named before the write.
    result = run_cli(["remove-duplicate", ids["extra_region"], "--auto-approve"], url=org.url)
    assert_clean(result)
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert f"2 fields of Account ({ids['account']}) are named 'Region': " in result.stderr
    assert (
        f"This deletes {ids['extra_region']} (text) and its values on every Account: they are lost."
    ) in lines
    assert f"Stays: {ids['region']}." in lines
    target = next(i for i, x in enumerate(lines) if x.startswith("Target: "))
    assert "org 'Emulated Org'" in lines[target]
    deleted = lines.index("[1/1] deleted Account.Region")
    assert target < deleted
    assert lines[-1] == f"Removed {ids['extra_region']}. Run `schemasync plan` to check the org."
    assert [(m, p) for m, p, _ in org.writes()][-1] == (
        "DELETE",
        f"{FIELDS_PATH}{ids['extra_region']}/",
    )

    # The extra type is referenced: refused, naming the field to remove first.
    refused = run_cli(["remove-duplicate", ids["extra_account"], "--auto-approve"], url=org.url)
    assert refused.exit_code == 1
    assert f"Project.Other Account ({ids['ref']}) reference it" in refused.stderr
    writes = len(org.writes())

    with CloseClient(KEY, base_url=org.url) as client:
        client.delete(f"{FIELDS_PATH}{ids['ref']}/")
    result = run_cli(["remove-duplicate", ids["extra_account"], "--auto-approve"], url=org.url)
    assert result.exit_code == 0, result.stderr
    assert (
        f"This deletes {ids['extra_account']} (0 fields) and every Account object "
        "stored in it: their values are lost."
    ) in result.stderr
    assert len(org.writes()) == writes + 2

    after = run_cli(["plan", manifest, "--detailed-exitcode"], url=org.url)
    assert after.exit_code == 0, after.stdout + after.stderr
    assert "No changes" in after.stdout


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("nope", "no object of the org's schema has the id 'nope'"),
        ("region", None),  # has a twin, but remove it without a terminal: see below
        ("plan", "is the only field named 'Plan' in Account"),  # Project has a Plan too
        ("project_plan", "is the only field named 'Plan' in Project"),
        ("account_plan_type", "is the only custom object type named 'Account Plan'"),
    ],
)
def test_remove_duplicate_refuses_anything_but_a_duplicate(
    doubled: tuple[SocketOrg, dict[str, str]], which: str, message: str | None, fast: None
) -> None:
    org, ids = doubled
    object_id = ids.get(which, which)
    result = run_cli(["remove-duplicate", object_id], url=org.url)  # no --auto-approve
    assert_clean(result)
    assert result.exit_code == 1
    if message is None:  # a real duplicate: the prompt needs a terminal
        assert "refusing to delete without confirmation: there is no terminal" in result.stderr
        assert "This deletes" in result.stderr and "Target: " in result.stderr
    else:
        assert message in result.stderr and "nothing was removed" in result.stderr
    assert org.writes() == []


def test_remove_duplicate_respects_protect(
    doubled: tuple[SocketOrg, dict[str, str]], tmp_path: Path, fast: None
) -> None:
    org, ids = doubled
    config = tmp_path / "schemasync.yaml"
    config.write_text(
        "environments:\n"
        f"  prod:\n    api_url: {org.url}\n    api_key_env: CLOSE_API_KEY\n"
        "    protect: [Account.Region]\n",
        encoding="utf-8",
    )
    result = run_cli(
        ["remove-duplicate", ids["extra_region"], "--env", "prod", "--config", str(config)],
        url=None,
    )
    assert result.exit_code == 1
    assert "protects" in result.stderr
    assert org.writes() == []
