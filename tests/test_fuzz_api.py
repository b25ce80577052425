"""Bad API responses, generated: the list endpoints answer 200 with missing keys, nulls, unknown
keys, wrong types, HTML, non-JSON, truncated or huge bodies. `plan`, `apply` and `export`
through the CLI either work from what they could read or exit 1 with a clear `Error: ...`;
never a traceback, and never a write after a read that failed to parse.

The org already matches the manifest (the plan is empty), so a write is only ever sent when a
response was misread: an accepted response may cause a harmless PUT (re-asserting the
manifest's value) but never a create or a delete. SCHEMASYNC_FUZZ_EXAMPLES raises the count.
"""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemasync.emulator import EmulatorApp, EmulatorTransport, Store
from schemasync.live import FIELDS_PATH, ROLES_PATH, TYPES_PATH
from schemasync.manifest import load_manifest
from tests.orgs import KEY, in_process_org
from tests.serving import assert_clean, fast_clients, run_cli
from tests.strategies import FUZZ_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "crm.yaml")
URL = "http://emulator.test/api/v1"
LISTS = (TYPES_PATH, FIELDS_PATH, ROLES_PATH)

# Keys a plan cannot do without: missing, null or mistyped, the read must fail.
IDENTITY = {
    TYPES_PATH: ("id", "name"),
    ROLES_PATH: ("id", "name"),
    FIELDS_PATH: ("id", "name", "type", "custom_object_type_id"),
}


@functools.lru_cache(maxsize=1)
def _org_state() -> dict[str, Any]:
    """An org that already matches examples/crm.yaml."""
    org = in_process_org()
    assert org.apply(load_manifest(EXAMPLE)).ok
    assert not org.plan(load_manifest(EXAMPLE), prune=True, allow_replace=True).has_changes
    return org.store.snapshot()


def fresh_app() -> EmulatorApp:
    return EmulatorApp(Store.from_state(copy.deepcopy(_org_state())), api_keys={KEY})


@functools.lru_cache(maxsize=1)
def _baseline() -> dict[str, Any]:
    """What the three list endpoints answer for that org."""
    org = in_process_org(fresh_app().store)
    return {path: org.client.get(path) for path in LISTS}


def baseline(path: str) -> Any:
    return copy.deepcopy(_baseline()[path])


class BadResponse:
    """The 200 answer one list endpoint gives instead of the real one."""

    def __init__(
        self,
        path: str,
        what: str,
        body: bytes,
        content_type: str = "application/json",
        must_fail: bool = False,
    ) -> None:
        self.path, self.what, self.body = path, what, body
        self.content_type = content_type
        self.must_fail = must_fail  # no reading of it can be right

    def __repr__(self) -> str:  # hypothesis prints this for a failing case
        return f"BadResponse({self.path!r}, {self.what!r}, {self.body[:300]!r})"


def _type_name(v: Any) -> str:
    return "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


def other_type(original: Any) -> st.SearchStrategy[Any]:
    """A JSON value of another type than `original` (never a string for a string, etc.)."""
    kind = _type_name(original)
    return json_values.filter(lambda v: v is not None and _type_name(v) != kind)


@st.composite
def json_mutations(draw: Any, path: str) -> BadResponse:
    payload = baseline(path)
    items = payload["data"]
    how = draw(
        st.sampled_from(
            [
                "drop key",
                "null",
                "wrong type",
                "unknown key",
                "bad element",
                "item not object",
                "data",
                "envelope",
            ]
        )
    )
    i = draw(st.integers(0, len(items) - 1))
    item = items[i]
    key = draw(st.sampled_from(sorted(item)))
    identity = key in IDENTITY[path] or (
        key == "referenced_custom_type_id" and item.get("type") == "custom_object"
    )
    must_fail = False
    if how == "drop key":
        del item[key]
        must_fail = identity
    elif how == "null":
        item[key] = None
        must_fail = identity
    elif how == "wrong type":
        item[key] = draw(other_type(item[key]))
        must_fail = identity
    elif how == "unknown key":
        item[draw(st.sampled_from(["x_new", "Name", "ID", "fields_v2", ""]))] = draw(json_values)
    elif how == "bad element":  # one element of a list value (choices, roles, embedded fields)
        lists = [k for k, v in item.items() if isinstance(v, list) and v]
        if lists:
            key = draw(st.sampled_from(lists))
            item[key][draw(st.integers(0, len(item[key]) - 1))] = draw(
                json_values.filter(lambda v: not isinstance(v, (str, dict)))
            )
    elif how == "item not object":
        items[i] = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        must_fail = True
    elif how == "data":
        payload["data"] = draw(json_values.filter(lambda v: not isinstance(v, list)))
        must_fail = True
    else:
        payload = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        must_fail = True
    what = f"{how} {key!r} of item {i}" if how in ("drop key", "null", "wrong type") else how
    return BadResponse(path, what, json.dumps(payload).encode(), must_fail=must_fail)


@st.composite
def text_bodies(draw: Any, path: str) -> BadResponse:
    good = json.dumps(baseline(path))
    how = draw(
        st.sampled_from(
            [
                "html",
                "truncated",
                "bytes",
                "empty",
                "huge list",
                "huge broken",
                "huge value",
                "not utf-8",
            ]
        )
    )
    if how == "html":
        page = (
            "<html><head><title>Maintenance</title></head><body><h1>Back soon</h1>"
            "<script>var x = 1;</script></body></html>"
        )
        return BadResponse(path, how, page.encode(), "text/html", must_fail=True)
    if how == "truncated":
        cut = draw(st.integers(0, len(good) - 1))
        return BadResponse(path, f"{how} at {cut}", good[:cut].encode(), must_fail=True)
    if how == "bytes":
        data = draw(st.binary(min_size=1, max_size=200)).lstrip(b" \t\r\n")
        return BadResponse(path, how, b"\x00" + data, "application/octet-stream", must_fail=True)
    if how == "empty":
        return BadResponse(path, how, b"", must_fail=True)
    if how == "not utf-8":
        return BadResponse(path, how, _not_utf8(good), must_fail=True)
    if how == "huge broken":
        return _huge_broken(path)
    payload = baseline(path)
    if how == "huge list":  # the same objects thousands of times (the same ids)
        payload["data"] = payload["data"] * 2000
    else:
        payload["data"][0]["x_blob"] = "x" * 3_000_000
    return BadResponse(path, how, json.dumps(payload).encode())


def _huge_broken(path: str) -> BadResponse:
    """Megabytes of good items, then one without an id."""
    payload = baseline(path)
    payload["data"] = payload["data"] * 1000 + [{**payload["data"][0], "id": None}]
    return BadResponse(path, "huge broken", json.dumps(payload).encode(), must_fail=True)


bad_responses = st.sampled_from(LISTS).flatmap(
    lambda path: st.one_of(json_mutations(path), text_bodies(path))
)


class Recorder:
    """The in-process emulator behind an httpx.MockTransport that swaps one answer."""

    def __init__(self, bad: BadResponse | None) -> None:
        self.app = fresh_app()
        self.inner = EmulatorTransport(self.app)
        self.bad = bad
        self.sent: list[tuple[str, str]] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        self.sent.append((request.method, path))
        if self.bad is not None and request.method == "GET" and path == self.bad.path:
            return httpx.Response(
                200, headers={"Content-Type": self.bad.content_type}, content=self.bad.body
            )
        response = self.inner.handle_request(request)
        response.read()
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.content
        )

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.sent if m != "GET"]


COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "plan": lambda d: ["plan", EXAMPLE, "--prune", "--allow-replace"],
    "plan --json": lambda d: ["plan", EXAMPLE, "--json", "--out", str(d / "plan.json")],
    "apply": lambda d: ["apply", EXAMPLE, "--auto-approve", "--prune", "--allow-replace"],
    "export": lambda d: ["export", "-o", str(d / "export.yaml")],
}


def run(command: str, bad: BadResponse | None, tmp: Path) -> tuple[Any, Recorder]:
    recorder = Recorder(bad)
    with pytest.MonkeyPatch.context() as mp, fast_clients(mp, transport=recorder.transport):
        result = run_cli(COMMANDS[command](tmp), url=URL)
    return result, recorder


def check(command: str, bad: BadResponse, tmp: Path) -> None:
    result, recorder = run(command, bad, tmp)
    assert_clean(result)
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        last = result.stderr.splitlines()[-1]
        assert last.startswith("Error: "), result.stderr
        if f"GET {bad.path}" in last:  # a response that did not parse: quoted as an excerpt
            assert len(last) < 1000, last
        # Nothing was written after the read that failed, and no half-written file was left.
        assert recorder.writes == [], recorder.writes
        assert not list(tmp.iterdir()), list(tmp.iterdir())
    else:
        assert not bad.must_fail, f"{bad.what} was accepted:\n{result.stderr}"
        # Misread but accepted: at most a PUT of the manifest's own value; never a create or
        # a delete (the org already matches the manifest).
        assert all(m == "PUT" for m, _ in recorder.writes), recorder.writes


def test_the_baseline_org_needs_no_change(tmp_path: Path) -> None:
    for command in COMMANDS:
        result, recorder = run(command, None, tmp_path)
        assert result.exit_code == 0, result.stderr
        assert recorder.writes == []


@FUZZ_SETTINGS
@given(bad=bad_responses, command=st.sampled_from(list(COMMANDS)))
def test_bad_list_responses_fail_clearly_before_any_write(bad: BadResponse, command: str) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as tmp:
        check(command, bad, Path(tmp))


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("how", ["html", "empty", "not utf-8", "huge broken"])
def test_every_endpoint_and_command_refuses_unreadable_bodies(
    command: str, path: str, how: str, tmp_path: Path
) -> None:
    bad = next(b for b in _fixed_bodies(path) if b.what == how)
    result, recorder = run(command, bad, tmp_path)
    assert_clean(result)
    assert result.exit_code == 1, result.output
    assert recorder.writes == []
    last = result.stderr.splitlines()[-1]
    assert last.startswith("Error: ")
    assert f"GET {path}" in last, last


def _not_utf8(good: str) -> bytes:
    """The JSON with one byte that is not UTF-8 inside a string (UTF-16 would be fine: JSON
    readers detect it)."""
    at = good.index('"name": "') + len('"name": "')
    return good[:at].encode() + b"\xff" + good[at:].encode()


def _fixed_bodies(path: str) -> list[BadResponse]:
    good = json.dumps(baseline(path))
    return [
        BadResponse(
            path, "html", b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", True
        ),
        BadResponse(path, "empty", b"", must_fail=True),
        BadResponse(path, "not utf-8", _not_utf8(good), must_fail=True),
        _huge_broken(path),
    ]


REQUIRED = [(path, key) for path in LISTS for key in IDENTITY[path]] + [
    (FIELDS_PATH, "referenced_custom_type_id")
]


@pytest.mark.parametrize(("path", "key"), REQUIRED)
@pytest.mark.parametrize("how", ["drop", "null", "number"])
def test_identity_keys_are_required(path: str, key: str, how: str, tmp_path: Path) -> None:
    """Misread, these would plan creates, deletes or replaces: the read must fail instead."""
    payload = baseline(path)
    item = next(i for i in reversed(payload["data"]) if key in i and i[key] is not None)
    if how == "drop":
        del item[key]
    else:
        item[key] = None if how == "null" else 42
    bad = BadResponse(path, f"{how} {key}", json.dumps(payload).encode(), must_fail=True)
    result, recorder = run("apply", bad, tmp_path)
    assert_clean(result)
    assert result.exit_code == 1, result.stderr
    assert recorder.writes == []
    assert f"GET {path}" in result.stderr and repr(key) in result.stderr, result.stderr


def test_a_list_that_repeats_an_id_is_refused() -> None:
    from schemasync.errors import ResponseError
    from schemasync.live import parse_live

    t = {"id": "cotype_1", "name": "A", "name_plural": "As", "fields": []}
    with pytest.raises(ResponseError, match="repeats the id 'cotype_1'"):
        parse_live({"types": [t, dict(t)], "fields": [], "roles": []})
    f = {"id": "cf_1", "custom_object_type_id": "cotype_1", "name": "F", "type": "text"}
    with pytest.raises(ResponseError, match="repeats the id 'cf_1'"):
        parse_live({"types": [t], "fields": [f, dict(f)], "roles": []})
