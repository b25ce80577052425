"""The fault matrix: `schemasync apply` against the emulator over a real socket while it fails.

One apply here sends every kind of write (POST type, POST field, PUT type, PUT field, PUT field
order, DELETE field, DELETE type, and a replace = DELETE then POST). Each case injects a fault
(5xx, ingress 429, a dropped connection, a POST that commits and then drops its response, a
latency spike past the read timeout) on one kind of request, once or for good, and checks the
guarantees: the apply converges (exit 0) or stops with exit 3 (1 if nothing was applied) and an
exact done / failed / not attempted report; a second apply converges; no object is ever
duplicated, and none is deleted that the plan did not delete.
"""

from __future__ import annotations

import copy
import functools
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from schemasync.emulator import Store
from schemasync.manifest import load_manifest
from schemasync.model import Manifest
from schemasync.plan import Operation, Plan
from tests.orgs import in_process_org, new_store
from tests.serving import READ_TIMEOUT, SocketOrg, assert_clean, fast_clients, run_cli, socket_org

BEFORE = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Status, type: choices, choices: [Active, Cancelled]}
      - {name: Seats, type: number}
      - {name: Old, type: text}
  - name: Resource
    name_plural: Resources
    fields:
      - {name: Kind, type: text}
  - name: Legacy
    name_plural: Legacies
    fields:
      - {name: X, type: text}
"""

AFTER = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    description: Customers
    fields:
      - {name: Seats, type: number}
      - {name: Status, type: choices, choices: [Active, Cancelled, Potential]}
      - {name: Primary Resource, type: custom_object, references: Resource}
      - {name: Region, type: text}
  - name: Resource
    name_plural: Resources
    fields:
      - {name: Kind, type: choices, choices: [Server, License]}
  - name: Subscription
    name_plural: Subscriptions
    fields:
      - {name: Account, type: custom_object, references: Account}
      - {name: Plan, type: text}
"""

FLAGS = ["--prune", "--allow-replace"]

TYPES = r"/custom_object_type/"
FIELDS = r"/custom_field/custom_object_type/"
ONE = r"[^/]+/$"
# Every kind of request an apply sends: (method, path regex)
READS = {
    "GET types": ("GET", TYPES + "$"),
    "GET fields": ("GET", FIELDS + "$"),
    "GET roles": ("GET", r"/role/$"),
}
WRITES = {
    "POST type": ("POST", TYPES + "$"),
    "POST field": ("POST", FIELDS + "$"),
    "PUT type": ("PUT", TYPES + ONE),
    "PUT field": ("PUT", FIELDS + ONE),
    "PUT field order": ("PUT", r"/custom_field_schema/custom_object/" + ONE),
    "DELETE field": ("DELETE", FIELDS + ONE),
    "DELETE type": ("DELETE", TYPES + ONE),
}
TARGETS = {**READS, **WRITES}


@functools.lru_cache(maxsize=1)
def _start_state() -> dict:
    """The org BEFORE describes, made once (ids fixed, so every case plans the same ops)."""
    org = in_process_org(new_store(seed=7))
    assert org.apply(_manifest("before", BEFORE), prune=True).ok
    return org.store.snapshot()


@functools.lru_cache(maxsize=2)
def _manifest(name: str, text: str) -> Manifest:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return load_manifest(str(path))


def start_store() -> Store:
    return Store.from_state(copy.deepcopy(_start_state()))


@functools.lru_cache(maxsize=1)
def expected_plan() -> Plan:
    org = in_process_org(start_store())
    return org.plan(_manifest("after", AFTER), prune=True, allow_replace=True)


def requests_of(op: Operation) -> list[tuple[str, str]]:
    """The requests an operation sends when nothing goes wrong, in order."""
    sent = [("DELETE", op.delete_path)] if op.delete_path else []
    return [*sent, (op.method, op.path)]


def first_op_hit(method: str, pattern: str) -> int:
    """Index of the first operation that sends a request the fault matches."""
    for i, op in enumerate(expected_plan().operations):
        if any(m == method and re.match(pattern, p) for m, p in requests_of(op)):
            return i
    raise AssertionError(f"no operation sends {method} {pattern}")


def test_the_plan_covers_every_kind_of_write() -> None:
    ops = expected_plan().operations
    assert len(ops) == 12
    for method, pattern in WRITES.values():
        first_op_hit(method, pattern)
    assert [op.action for op in ops].count("replace") == 1


# -- fixtures and checks -------------------------------------------------------------------


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    path = tmp_path / "after.yaml"
    path.write_text(AFTER, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def served() -> Iterator[SocketOrg]:
    with socket_org(start_store()) as org:
        yield org


@pytest.fixture
def org(served: SocketOrg, monkeypatch: pytest.MonkeyPatch) -> Iterator[SocketOrg]:
    """The served emulator with a fresh copy of the start org (one server for the module)."""
    store = start_store()
    served.app.reset(store)
    with fast_clients(monkeypatch):
        yield SocketOrg(store, served.app, served.server)


def apply(org: SocketOrg, manifest: str) -> Result:
    result = run_cli(["apply", manifest, "--auto-approve", *FLAGS], url=org.url)
    assert_clean(result)
    return result


def report_block(ops: tuple[Operation, ...], failed_at: int) -> list[str]:
    """The report lines apply prints when operation `failed_at` fails (error text aside)."""
    past = {
        "create": "created",
        "update": "updated",
        "replace": "replaced",
        "delete": "deleted",
        "reorder": "reordered",
    }
    lines = [f"Applied {failed_at} of {len(ops)} operation(s)."]
    if failed_at:
        lines += ["Done:", *(f"  {past[op.action]} {op.address}" for op in ops[:failed_at])]
    failed = ops[failed_at]
    lines += ["Failed:", f"  {failed.action} {failed.address}: "]
    rest = ops[failed_at + 1 :]
    if rest:
        lines += ["Not attempted:", *(f"  {op.action} {op.address}" for op in rest)]
    lines.append("Run `schemasync plan` again to see exactly what remains.")
    return lines


def assert_report(stderr: str, failed_at: int) -> None:
    want = report_block(expected_plan().operations, failed_at)
    lines = stderr.splitlines()
    start = lines.index(want[0])
    got = lines[start : start + len(want)]
    # The failed line ends with the error (method, path, status, API message): prefix only.
    assert [
        g if not w.endswith(": ") else g[: len(w)] for g, w in zip(got, want, strict=True)
    ] == want, "\n".join(got)


def last_report_line(stderr: str) -> str:
    """The line the apply report ends with (the audit summary follows it)."""
    lines = stderr.splitlines()
    return lines[lines.index(next(x for x in lines if x.startswith("Summary: "))) - 1]


def allowed_deletions(start: dict) -> set[str]:
    """Ids the plan deletes: deleted and replaced objects, and the fields of deleted types."""
    ops = expected_plan().operations
    gone = {op.id for op in ops if op.action in ("delete", "replace") and op.id}
    gone |= {f["id"] for f in start["custom_fields"] if f["custom_object_type_id"] in gone}
    return gone


def assert_safe(org: SocketOrg, start_ids: set[str]) -> None:
    """Nothing duplicated; nothing deleted that the plan did not delete."""
    dupes = {name: n for name, n in org.names().items() if n > 1}
    assert not dupes, f"duplicated: {dupes}"
    lost = start_ids - org.ids()
    assert lost <= allowed_deletions(_start_state()), f"deleted outside the plan: {lost}"


def assert_converges(org: SocketOrg, manifest: str, start_ids: set[str]) -> None:
    """With the faults gone, a second apply converges and the next plan is empty."""
    org.app.faults.clear()
    writes = len(org.writes())
    again = apply(org, manifest)
    assert again.exit_code == 0, again.stderr
    if len(org.writes()) > writes:  # it had work left: the plan after it must be empty
        plan = run_cli(["plan", manifest, "--detailed-exitcode", *FLAGS], url=org.url)
        assert plan.exit_code == 0, plan.stdout + plan.stderr
    else:
        assert "No changes. The org matches the manifest." in again.stdout, again.stdout
    assert_safe(org, start_ids)


# -- transient faults: retried or reconciled, the apply converges ---------------------------

TRANSIENT = ["500", "502", "503", "504", "429", "drop", "commit_then_drop"]


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("action", TRANSIENT)
def test_transient_fault_converges(org: SocketOrg, manifest: str, action: str, target: str) -> None:
    method, pattern = TARGETS[target]
    start_ids = org.ids()
    fault = org.app.faults.add(method=method, path=pattern, action=action, times=1)
    result = apply(org, manifest)
    assert fault.applied == 1
    assert result.exit_code == 0, result.stderr
    assert "Applied 12 of 12 operation(s)." in result.stderr
    assert_safe(org, start_ids)
    posts = [e for e in org.writes() if e[0] == "POST"]
    # Six creates; a POST is sent again only when the first was refused or never reached the
    # store (a 429, a 5xx from the ingress, a dropped connection), never when it committed.
    resent = method == "POST" and action in ("500", "502", "503", "504", "429", "drop")
    assert len(posts) == 6 + resent
    assert_converges(org, manifest, start_ids)


@pytest.mark.parametrize("target", ["GET fields", *WRITES])  # the three reads are alike
def test_latency_past_the_read_timeout_converges(
    monkeypatch: pytest.MonkeyPatch, manifest: str, target: str
) -> None:
    method, pattern = TARGETS[target]
    # Its own server and real sleeps: the slow request goes on after the client gave up.
    with fast_clients(monkeypatch, sleep=time.sleep), socket_org(start_store()) as org:
        start_ids = org.ids()
        org.app.faults.add(
            method=method, path=pattern, action="latency", delay=1.5 * READ_TIMEOUT, times=1
        )
        result = apply(org, manifest)
        assert result.exit_code == 0, result.stderr
        assert "read timed out" in result.stderr
        if method == "POST":  # the slow POST committed and was adopted, never sent again
            assert "may still be creating it" in result.stderr
            assert "adopted" in result.stderr
            assert [m for m, _, _ in org.writes()].count("POST") == 6
        assert_safe(org, start_ids)  # waits for the slow request to finish first
        assert_converges(org, manifest, start_ids)


# -- persistent faults: the apply stops with an exact report, then converges ----------------


@pytest.mark.parametrize("target", list(WRITES))
@pytest.mark.parametrize("action", ["503", "drop"])
def test_persistent_write_fault_stops_with_an_exact_report(
    org: SocketOrg, manifest: str, action: str, target: str
) -> None:
    method, pattern = WRITES[target]
    start_ids = org.ids()
    org.app.faults.add(method=method, path=pattern, action=action, times=None)
    failed_at = first_op_hit(method, pattern)
    result = apply(org, manifest)
    # A 503 or a dropped connection leaves the failed write's outcome unknown: the apply is
    # partial (exit 3) even when it is the first write, and the report's last line says what
    # may have happened (issue 12: before, a first write failing so said "before changing
    # anything" and exited 1).
    assert result.exit_code == 3, result.stderr
    assert_report(result.stderr, failed_at)
    failed_op = expected_plan().operations[failed_at]
    assert last_report_line(result.stderr).startswith(f"{failed_op.address} may have been ")
    assert "Error: apply stopped partway; " in result.stderr
    assert_safe(org, start_ids)
    # Once the failed operation started, nothing but its own (re)tries was sent.
    failed = requests_of(expected_plan().operations[failed_at])
    writes = [(m, p) for m, p, _ in org.writes()]
    assert set(writes[writes.index(failed[0]) :]) <= set(failed), writes
    assert_converges(org, manifest, start_ids)


@pytest.mark.parametrize("target", list(READS))
@pytest.mark.parametrize("action", ["503", "drop"])
def test_persistent_read_fault_exits_1_before_any_write(
    org: SocketOrg, manifest: str, action: str, target: str
) -> None:
    method, pattern = READS[target]
    start_ids = org.ids()
    org.app.faults.add(method=method, path=pattern, action=action, times=None)
    result = apply(org, manifest)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: GET ")
    assert org.writes() == []
    assert_converges(org, manifest, start_ids)


def test_429_storm_past_max_retries_stops_with_an_exact_report(
    org: SocketOrg, manifest: str
) -> None:
    method, pattern = WRITES["PUT field"]
    start_ids = org.ids()
    org.app.faults.add(method=method, path=pattern, action="429", times=None)
    result = apply(org, manifest)
    failed_at = first_op_hit(method, pattern)
    assert result.exit_code == 3, result.stderr
    assert_report(result.stderr, failed_at)
    assert "kept rate-limiting" in result.stderr
    assert_converges(org, manifest, start_ids)


# -- a POST that commits and loses its response, at every position in the apply -------------


@pytest.mark.parametrize("position", range(6))
def test_commit_then_drop_at_every_post_is_adopted_never_duplicated(
    org: SocketOrg, manifest: str, position: int
) -> None:
    start_ids = org.ids()
    fault = org.app.faults.add(
        method="POST", path="", action="commit_then_drop", skip=position, times=1
    )
    result = apply(org, manifest)
    assert fault.applied == 1
    assert result.exit_code == 0, result.stderr
    assert "adopted" in result.stderr
    assert [m for m, _, _ in org.writes()].count("POST") == 6  # never sent twice
    assert_safe(org, start_ids)
    assert_converges(org, manifest, start_ids)


def test_every_post_commits_then_drops(org: SocketOrg, manifest: str) -> None:
    start_ids = org.ids()
    org.app.faults.add(method="POST", path="", action="commit_then_drop", times=None)
    result = apply(org, manifest)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("adopted") == 6
    assert_safe(org, start_ids)
    assert_converges(org, manifest, start_ids)


# -- rate limits: paced with headers, waited out without -----------------------------------


def test_rate_limited_server_with_headers_is_paced(
    monkeypatch: pytest.MonkeyPatch, manifest: str
) -> None:
    with fast_clients(monkeypatch), socket_org(start_store(), rate_limit=(3, 0.05)) as org:
        start_ids = org.ids()
        result = apply(org, manifest)
        assert result.exit_code == 0, result.stderr
        statuses = [s for _, _, s in org.app.log]
        assert len(statuses) >= 14 and statuses.count(429) <= 1
        assert "rate limit window used up" in result.stderr
        assert_converges(org, manifest, start_ids)


def test_rate_limited_server_without_headers_waits_as_told(
    monkeypatch: pytest.MonkeyPatch, manifest: str
) -> None:
    with (
        fast_clients(monkeypatch),
        socket_org(start_store(), rate_limit=(4, 0.05), rate_limit_headers=False) as org,
    ):
        start_ids = org.ids()
        result = apply(org, manifest)
        assert result.exit_code == 0, result.stderr
        assert [s for _, _, s in org.app.log].count(429) >= 1
        assert "waiting 1.02 s" in result.stderr  # Retry-After: 1, honoured (sleep is capped)
        assert_safe(org, start_ids)
        assert_converges(org, manifest, start_ids)


def test_429_storm_on_every_kind_of_request(org: SocketOrg, manifest: str) -> None:
    start_ids = org.ids()
    for method, pattern in TARGETS.values():
        org.app.faults.add(method=method, path=pattern, action="429", times=2)
    result = apply(org, manifest)
    assert result.exit_code == 0, result.stderr
    assert [s for _, _, s in org.app.log].count(429) == 2 * len(TARGETS)
    assert [m for m, _, s in org.writes() if s != 429].count("POST") == 6
    assert_safe(org, start_ids)
    assert_converges(org, manifest, start_ids)
