"""A failed apply never claims less damage than it did (issue 12, item 3).

Against the emulator over a real socket: when the operation that failed may have written (a
replace whose DELETE went through before its POST failed, a write the API accepted but
answered with an unreadable body, a POST whose outcome stayed unknown), the apply is partial:
exit 3, `result: partial` in the audit record, and the report's last line says what was lost
or may have happened. Only a write the API surely refused counts as "nothing changed".

The helpers here (an emulator app that can garble, gate or watch chosen requests) serve the
other test_safety_* modules too.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from schemasync.emulator import Store, serve
from schemasync.emulator.app import PREFIX, DropConnection
from schemasync.manifest import load_manifest
from tests.orgs import KEY, in_process_org, new_store
from tests.serving import SocketOrg, TrackedApp, assert_clean, fast_clients, run_cli

START = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Seats, type: number}
      - {name: Status, type: text}
"""
# Status changes type: its only operation is a replace (DELETE, then POST).
REPLACED = START.replace(
    "{name: Status, type: text}", "{name: Status, type: choices, choices: [A, B]}"
)
# One new type: its only operation is a POST.
ADDED = START + "  - {name: Project, name_plural: Projects}\n"
# One new description: its only operation is a PUT.
UPDATED = START.replace(
    "    name_plural: Accounts\n", "    name_plural: Accounts\n    description: Ours\n"
)

TYPES = r"/custom_object_type/"
FIELDS = r"/custom_field/custom_object_type/"
ONE = r"[^/]+/"
GARBAGE = b"<html><body><h1>Welcome</h1>The gateway says hello.</body></html>"
BARRIER_TIMEOUT = 20.0  # seconds; a gate that waits longer lets its request through


# -- an emulator that can garble, gate or watch chosen requests ------------------------------


@dataclass
class Rule:
    """What to do to requests `method` + path (after /api/v1, a full regex match)."""

    method: str
    path: str
    action: str  # "garble", "gate" or "watch"
    skip: int = 0
    times: int | None = 1
    seen: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    before: threading.Barrier | None = None
    after: threading.Barrier | None = None


class InterceptApp(TrackedApp):
    """The emulator, plus three things its faults cannot do:

    - garble: do the request, then answer `200` with an HTML page (an unreadable 2xx);
    - gate: hold the request until `parties` such requests arrived, do it, and answer only
      when all of them are done (two applies are then surely both past their checks);
    - watch: set `rule.arrived` when the request arrives (then handle it as usual);
    - twice: do the request two times (as if another apply sent it too), then drop the
      connection without an answer.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules: list[Rule] = []
        self._rules_lock = threading.Lock()

    def intercept(
        self,
        method: str,
        path: str,
        action: str,
        *,
        skip: int = 0,
        times: int | None = 1,
        parties: int = 2,
    ) -> Rule:
        rule = Rule(method, path, action, skip, times)
        if action == "gate":
            rule.before = threading.Barrier(parties, timeout=BARRIER_TIMEOUT)
            rule.after = threading.Barrier(parties, timeout=BARRIER_TIMEOUT)
        with self._rules_lock:
            self.rules.append(rule)
        return rule

    def _pick(self, environ: dict[str, Any]) -> Rule | None:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", ""))
        subpath = path[len(PREFIX) :] if path.startswith(PREFIX + "/") else path
        with self._rules_lock:
            for rule in self.rules:
                if rule.method != method or not re.fullmatch(rule.path, subpath):
                    continue
                rule.seen += 1
                if rule.seen > rule.skip and (
                    rule.times is None or rule.seen - rule.skip <= rule.times
                ):
                    return rule
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        rule = self._pick(environ)
        if rule is None:
            return super().__call__(environ, start_response)
        rule.arrived.set()
        if rule.action == "watch":
            return super().__call__(environ, start_response)
        if rule.action == "gate":
            assert rule.before is not None and rule.after is not None
            _wait(rule.before)
            body = super().__call__(environ, start_response)
            _wait(rule.after)
            return body

        def swallow(status: str, headers: list[Any], exc_info: Any = None) -> Callable[..., None]:
            return lambda _data: None

        if rule.action == "twice":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(size) if size else b""
            for _ in range(2):
                super().__call__(dict(environ, **{"wsgi.input": io.BytesIO(raw)}), swallow)
            raise DropConnection()
        super().__call__(environ, swallow)  # the write happens; its answer is lost
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [GARBAGE]


def _wait(barrier: threading.Barrier) -> None:
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass  # the test fails on what happened instead of hanging


@contextmanager
def intercepting_org(store: Store) -> Iterator[tuple[SocketOrg, InterceptApp]]:
    app = InterceptApp(store, api_keys={KEY})
    with serve(app) as server:
        yield SocketOrg(store, app, server), app


def org_from(manifest_text: str) -> Store:
    """A fresh store holding what `manifest_text` declares (made in-process)."""
    org = in_process_org(new_store(seed=11))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "start.yaml"
        path.write_text(manifest_text, encoding="utf-8")
        assert org.apply(load_manifest(str(path)), prune=True).ok
    return org.store


def write(tmp_path: Path, text: str, name: str = "manifest.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def report_tail(stderr: str) -> str:
    """The last line of the apply report (the audit summary follows it)."""
    lines = stderr.splitlines()
    return lines[next(i for i, x in enumerate(lines) if x.startswith("Summary: ")) - 1]


def error_line(stderr: str) -> str:
    return stderr.rstrip().splitlines()[-1]


def field_names(org: SocketOrg, type_name: str) -> list[str]:
    org.app.wait_idle()
    snap = org.store.snapshot()
    type_ids = {t["id"] for t in snap["custom_object_types"] if t["name"] == type_name}
    return sorted(
        f["name"] for f in snap["custom_fields"] if f["custom_object_type_id"] in type_ids
    )


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with fast_clients(monkeypatch):
        yield


def apply_with_report(org: SocketOrg, manifest: str, tmp_path: Path) -> tuple[Result, dict]:
    report = tmp_path / "report.json"
    result = run_cli(
        ["apply", manifest, "--auto-approve", "--allow-replace", "--report", str(report)],
        url=org.url,
    )
    assert_clean(result)
    return result, json.loads(report.read_text(encoding="utf-8"))


def converges(org: SocketOrg, manifest: str) -> None:
    """With every fault gone, apply finishes the job, the plan is empty, nothing is doubled."""
    org.app.faults.clear()
    if isinstance(org.app, InterceptApp):
        org.app.rules.clear()
    again = run_cli(["apply", manifest, "--auto-approve", "--allow-replace"], url=org.url)
    assert again.exit_code == 0, again.stderr
    plan = run_cli(["plan", manifest, "--detailed-exitcode"], url=org.url)
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert all(n == 1 for n in org.names().values()), org.names()


# -- a replace that fails after its DELETE ---------------------------------------------------


def test_replace_whose_post_is_refused_after_its_delete_says_the_values_are_gone(
    tmp_path: Path, fast: None
) -> None:
    """Before: "apply failed before changing anything", exit 1, though Status was gone."""
    manifest = write(tmp_path, REPLACED)
    with intercepting_org(org_from(START)) as (org, _):
        org.app.faults.add(method="POST", path=FIELDS + "$", action="429", times=None)
        result, doc = apply_with_report(org, manifest, tmp_path)
        lost = "Account.Status was deleted and not created again: its values are gone"
        assert result.exit_code == 3, result.stderr
        assert report_tail(result.stderr) == lost + "."
        assert error_line(result.stderr) == f"Error: apply stopped partway; {lost}"
        assert "before changing anything" not in result.stderr
        assert "  effect: " + lost in result.stderr  # the audit summary says it too
        assert doc["result"] == "partial"
        assert doc["operations"]["failed"]["effect"] == lost
        assert field_names(org, "Account") == ["Seats"]  # what the report says is the truth
        converges(org, manifest)


def test_replace_whose_post_goes_unanswered_after_its_delete(tmp_path: Path, fast: None) -> None:
    manifest = write(tmp_path, REPLACED)
    with intercepting_org(org_from(START)) as (org, _):
        org.app.faults.add(method="POST", path=FIELDS + "$", action="drop", times=None)
        result, doc = apply_with_report(org, manifest, tmp_path)
        effect = (
            "Account.Status was deleted (its values are gone) and may not have been created "
            "again: run `schemasync plan` to see"
        )
        assert result.exit_code == 3, result.stderr
        assert report_tail(result.stderr) == effect + "."
        assert error_line(result.stderr) == f"Error: apply stopped partway; {effect}"
        assert doc["result"] == "partial" and doc["operations"]["failed"]["effect"] == effect
        converges(org, manifest)


# -- a 2xx the client cannot read: the write happened ----------------------------------------

GARBLED = [
    pytest.param(
        ADDED,
        ("POST", TYPES),
        "Project was created, but the API's answer could not be read: run `schemasync plan` to see",
        id="create",
    ),
    pytest.param(
        UPDATED,
        ("PUT", TYPES + ONE),
        "Account was updated, but the API's answer could not be read: run `schemasync plan` to see",
        id="update",
    ),
    pytest.param(
        REPLACED,
        ("DELETE", FIELDS + ONE),
        "Account.Status was deleted and not created again: its values are gone",
        id="replace-delete",
    ),
    pytest.param(
        REPLACED,
        ("POST", FIELDS),
        "Account.Status was deleted (its values are gone) and created again, but the API's "
        "answer could not be read: run `schemasync plan` to see",
        id="replace-post",
    ),
]


@pytest.mark.parametrize(("manifest_text", "request_", "effect"), GARBLED)
def test_unreadable_2xx_on_a_write_is_partial(
    tmp_path: Path, fast: None, manifest_text: str, request_: tuple[str, str], effect: str
) -> None:
    """Before: the first (and only) write answered 200 with HTML: "failed before changing
    anything" and exit 1, though the write was done."""
    manifest = write(tmp_path, manifest_text)
    with intercepting_org(org_from(START)) as (org, app):
        rule = app.intercept(*request_, "garble")
        result, doc = apply_with_report(org, manifest, tmp_path)
        assert rule.arrived.is_set()
        assert result.exit_code == 3, result.stderr
        assert "the response is not JSON" in result.stderr
        assert report_tail(result.stderr) == effect + "."
        assert error_line(result.stderr) == f"Error: apply stopped partway; {effect}"
        assert doc["result"] == "partial" and doc["operations"]["failed"]["effect"] == effect
        converges(org, manifest)


# -- what surely changed nothing still says so -----------------------------------------------


def test_a_first_write_the_api_refused_changed_nothing(tmp_path: Path, fast: None) -> None:
    manifest = write(tmp_path, ADDED)
    with intercepting_org(org_from(START)) as (org, _):
        org.app.faults.add(method="POST", path=TYPES + "$", action="429", times=None)
        result, doc = apply_with_report(org, manifest, tmp_path)
        assert result.exit_code == 1, result.stderr
        assert error_line(result.stderr) == (
            "Error: apply failed before changing anything (see above)"
        )
        assert report_tail(result.stderr) == (
            "Run `schemasync plan` again to see exactly what remains."
        )
        assert doc["result"] == "failed" and doc["operations"]["failed"]["effect"] is None
        assert "Project" not in org.names()
        converges(org, manifest)


def test_a_first_post_whose_outcome_stays_unknown_is_partial(tmp_path: Path, fast: None) -> None:
    """An ambiguous POST, looked for and not found, sent again, never answered: it may still
    have been created (a 503 from an ingress says nothing about the app behind it)."""
    manifest = write(tmp_path, ADDED)
    with intercepting_org(org_from(START)) as (org, _):
        org.app.faults.add(method="POST", path=TYPES + "$", action="503", times=None)
        result, doc = apply_with_report(org, manifest, tmp_path)
        effect = "Project may have been created: run `schemasync plan` to see"
        assert result.exit_code == 3, result.stderr
        assert "still unknown after 3 attempts" in result.stderr
        assert report_tail(result.stderr) == effect + "."
        assert doc["result"] == "partial" and doc["operations"]["failed"]["effect"] == effect
        converges(org, manifest)


def test_a_lost_post_is_not_sent_again_when_its_name_is_now_listed_twice(
    tmp_path: Path, fast: None
) -> None:
    """The answer to the POST is lost and the org now lists two objects by its name (another
    apply is writing). Before: neither was adopted, and the POST was sent again (a third)."""
    manifest = write(tmp_path, ADDED)
    with intercepting_org(org_from(START)) as (org, app):
        rule = app.intercept("POST", TYPES, "twice")
        result, doc = apply_with_report(org, manifest, tmp_path)
        assert rule.arrived.is_set()
        effect = "Project may have been created: run `schemasync plan` to see"
        assert result.exit_code == 3, result.stderr
        assert "the org now lists 2 objects named 'Project'" in result.stderr
        assert report_tail(result.stderr) == effect + "."
        assert doc["result"] == "partial" and doc["operations"]["failed"]["effect"] == effect
        assert [m for m, _, _ in org.writes()] == ["POST", "POST"]  # the one sent, done twice
        assert org.names()["Project"] == 2
        plan = run_cli(["plan", manifest], url=org.url)
        assert plan.exit_code == 1 and "2 live types are named 'Project'" in plan.stderr


def test_the_report_json_keeps_its_keys_and_adds_new_ones(tmp_path: Path, fast: None) -> None:
    manifest = write(tmp_path, ADDED)
    with intercepting_org(org_from(START)) as (org, _):
        result, doc = apply_with_report(org, manifest, tmp_path)
        assert result.exit_code == 0, result.stderr
        ops = doc["operations"]
        assert set(ops) == {"done", "failed", "not_attempted", "created_ids", "duplicates"}
        assert ops["failed"] is None and ops["duplicates"] == []
        assert doc["result"] == "applied"
