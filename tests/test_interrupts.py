"""Ctrl-C and SIGTERM during `schemasync apply`, in a real process against a served emulator.

Every write is slowed down (a "latency" fault), and the signal is sent once the first operation
is reported done. One signal: the request in flight finishes, the rest is not attempted, the
report is printed and the exit code is 130 (SIGINT) or 143 (SIGTERM). A second signal abandons
the request in flight: its outcome is reported as unknown. Either way a re-run converges, no
object is duplicated, and no traceback reaches the user.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.orgs import KEY
from tests.serving import SocketOrg, assert_clean, fast_clients, run_cli, socket_org
from tests.test_faults import AFTER, FLAGS, expected_plan, start_store

ROOT = Path(__file__).resolve().parent.parent
SLOW = 0.4  # seconds each write takes while a test sends its signals
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    path = tmp_path / "after.yaml"
    path.write_text(AFTER, encoding="utf-8")
    return str(path)


@pytest.fixture
def org() -> Iterator[SocketOrg]:
    with socket_org(start_store()) as served:
        yield served


def start_apply(org: SocketOrg, manifest: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSE_", "SCHEMASYNC_"))}
    env.update(CLOSE_API_KEY=KEY, CLOSE_API_URL=org.url, NO_COLOR="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "schemasync", "apply", manifest, "--auto-approve", *FLAGS],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def slow_writes(org: SocketOrg, delay: float) -> None:
    """Every write after the first takes `delay` seconds (the first one is quick)."""
    for method in ("POST", "PUT", "DELETE"):
        org.app.faults.add(
            method=method,
            path="",
            action="latency",
            delay=delay,
            skip=1 if method == "POST" else 0,
            times=None,
        )


def wait_for_progress(proc: subprocess.Popen[str]) -> list[str]:
    """Read stderr up to the first progress line (`[1/11] ...`)."""
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("[1/"):
            return lines
    proc.kill()
    raise AssertionError("no progress line:\n" + "".join(lines))


def finish(proc: subprocess.Popen[str], head: list[str]) -> tuple[int, str, str]:
    out, rest = proc.communicate(timeout=30)
    return proc.returncode, out, "".join(head) + rest


def report_parts(stderr: str) -> tuple[list[str], list[str], list[str]]:
    """(done, failed, not attempted) addresses from the report apply printed."""
    parts: dict[str, list[str]] = {"Done:": [], "Failed:": [], "Not attempted:": []}
    current: list[str] | None = None
    for line in stderr.splitlines():
        if line in parts:
            current = parts[line]
        elif current is not None and line.startswith("  "):
            current.append(line.split(":")[0].strip().split(" ", 1)[1])
        else:
            current = None
    return parts["Done:"], parts["Failed:"], parts["Not attempted:"]


def assert_converges(org: SocketOrg, manifest: str, monkeypatch: pytest.MonkeyPatch) -> None:
    org.app.faults.clear()
    with fast_clients(monkeypatch):
        again = run_cli(["apply", manifest, "--auto-approve", *FLAGS], url=org.url)
        assert again.exit_code == 0, again.stderr
        plan = run_cli(["plan", manifest, "--detailed-exitcode", *FLAGS], url=org.url)
        assert plan.exit_code == 0, plan.stdout
    assert_clean(again)
    assert all(n == 1 for n in org.names().values()), org.names()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_finishes_the_request_in_flight_then_stops(
    org: SocketOrg, manifest: str, signum: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_writes(org, SLOW)
    proc = start_apply(org, manifest)
    head = wait_for_progress(proc)
    org.app.wait_busy()  # the second operation's request is in flight
    proc.send_signal(signum)
    code, _, stderr = finish(proc, head)
    assert code == EXIT[signum], stderr
    assert "Traceback" not in stderr
    assert "Stopping after the request in flight" in stderr
    ops = [op.address for op in expected_plan().operations]
    done, failed, not_attempted = report_parts(stderr)
    assert failed == []
    assert done == ops[:2] and not_attempted == ops[2:], stderr
    assert f"Applied {len(done)} of {len(ops)} operation(s)." in stderr
    assert "apply was interrupted" in stderr.splitlines()[-1]
    # The finished request was not cut off: every operation reported done is in the org.
    writes = [(m, s) for m, _, s in org.writes()]
    assert len(writes) == len(done) and all(s in (200, 201, 204) for _, s in writes)
    assert_converges(org, manifest, monkeypatch)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_second_signal_abandons_the_request_in_flight(
    org: SocketOrg, manifest: str, signum: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_writes(org, 2 * SLOW)  # the second signal surely lands while a request is in flight
    proc = start_apply(org, manifest)
    head = wait_for_progress(proc)
    org.app.wait_busy()  # the second operation's request is in flight
    proc.send_signal(signum)
    time.sleep(SLOW / 4)
    proc.send_signal(signum)
    code, _, stderr = finish(proc, head)
    assert code == EXIT[signum], stderr
    assert "Traceback" not in stderr
    ops = [op.address for op in expected_plan().operations]
    done, failed, not_attempted = report_parts(stderr)
    assert (done, failed, not_attempted) == (ops[:1], ops[1:2], ops[2:]), stderr
    assert "abandoned" in stderr
    org.app.wait_idle()  # the abandoned request still completes on the server
    assert_converges(org, manifest, monkeypatch)


def test_apply_plan_reports_a_request_abandoned_by_a_second_signal() -> None:
    """In-process: KeyboardInterrupt inside a request becomes the report, not a traceback."""
    from schemasync.apply import apply_plan
    from tests.orgs import in_process_org

    org = in_process_org(start_store())
    plan = expected_plan()

    def put(path: str, body: dict) -> object:
        raise KeyboardInterrupt  # the second Ctrl-C, while the request is in flight

    org.client.put = put  # type: ignore[method-assign]
    report = apply_plan(plan, org.client)
    ops = plan.operations
    assert report.stopped_by == "interrupt"
    assert report.done == list(ops[:1]) and report.failed == ops[1]
    assert report.not_attempted == list(ops[2:])
    assert "abandoned while its request was in flight" in report.render()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_abandoning_a_replace_after_its_delete_says_its_values_are_gone(
    manifest: str, signum: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second signal lands while the POST of a replace is in flight, after its DELETE: the
    report and the error say the old field and its values are gone (issue 12, item 3)."""
    from tests.test_safety_reports import FIELDS, intercepting_org, report_tail

    ops = expected_plan().operations
    at = next(i for i, op in enumerate(ops) if op.action == "replace")
    posts_before = sum(1 for op in ops[:at] if op.method == "POST" and op.path == FIELDS)
    with intercepting_org(start_store()) as (org, app):
        arrived = app.intercept("POST", FIELDS, "watch", skip=posts_before)
        app.faults.add(
            method="POST", path=FIELDS + "$", action="latency", delay=2 * SLOW, skip=posts_before
        )
        proc = start_apply(org, manifest)
        if not arrived.arrived.wait(30):
            proc.kill()
            raise AssertionError("the replace's POST never arrived")
        proc.send_signal(signum)
        time.sleep(SLOW / 4)
        proc.send_signal(signum)
        code, _, stderr = finish(proc, [])
        assert code == EXIT[signum], stderr
        assert "Traceback" not in stderr
        done, failed, not_attempted = report_parts(stderr)
        addresses = [op.address for op in ops]
        assert (done, failed, not_attempted) == (
            addresses[:at],
            addresses[at : at + 1],
            addresses[at + 1 :],
        ), stderr
        effect = (
            f"{ops[at].address} was deleted (its values are gone) and may not have been "
            "created again: run `schemasync plan` to see"
        )
        assert report_tail(stderr) == effect + "."
        assert stderr.rstrip().splitlines()[-1] == f"Error: apply was interrupted; {effect}"
        org.app.wait_idle()  # the abandoned POST still completes on the server
        assert_converges(org, manifest, monkeypatch)
