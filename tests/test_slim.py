"""live.SLIM: the plan's read keeps only what parse_live reads, and reads exactly the same.

`read_schema(slim=SLIM)` decodes the list responses through `Slim.hook()`, which drops keys,
nulls and embedded field summaries while the JSON is parsed (whole-process memory at 80,000
fields: 301 MB before, about 150 MB after; benchmarks/README.md). Whatever the responses hold,
good or mangled, parse_live must give the same org, or fail with the same message, from the
slimmed lists as from the full ones.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemasync.client import CloseClient
from schemasync.errors import ResponseError
from schemasync.live import FIELDS_PATH, ROLES_PATH, SLIM, TYPES_PATH, Slim, parse_live
from tests.strategies import FUZZ_SETTINGS
from tests.test_fuzz_api import LISTS, baseline, json_mutations

NAMES = {TYPES_PATH: "types", FIELDS_PATH: "fields", ROLES_PATH: "roles"}


def _outcome(raw: dict[str, Any]) -> tuple[str, Any]:
    try:
        live = parse_live(raw)
    except ResponseError as exc:
        return "error", str(exc)
    return "org", (live, live.fingerprint())


def _lists(bodies: dict[str, bytes], slim: bool) -> dict[str, Any]:
    """What read_schema returns for these bodies: each list's `data`, slimmed or not."""
    out: dict[str, Any] = {}
    for path, body in bodies.items():
        hook = SLIM[NAMES[path]].hook() if slim else None
        page = json.loads(body, object_pairs_hook=hook)
        out[NAMES[path]] = page.get("data") if isinstance(page, dict) else page
    return out


def test_the_real_lists_read_alike_and_lose_what_a_plan_never_reads() -> None:
    bodies = {path: json.dumps(baseline(path)).encode() for path in LISTS}
    full, slim = _lists(bodies, slim=False), _lists(bodies, slim=True)
    assert _outcome(slim) == _outcome(full)
    assert _outcome(full)[0] == "org"
    # Dates, users and org ids are gone; embedded summaries keep only their ids, and a shared
    # field's entry its placement there (name, required, editable_with_roles).
    assert all("date_created" not in f and "organization_id" not in f for f in slim["fields"])
    placement = {"id", "is_shared", "name", "required", "editable_with_roles"}
    for t in slim["types"]:
        for e in t["fields"]:
            assert set(e) == ({"id"} if not e.get("is_shared") else placement & set(e)), e
    assert len(json.dumps(slim)) < len(json.dumps(full)) / 2


@FUZZ_SETTINGS
@given(st.sampled_from(LISTS).flatmap(json_mutations))
def test_mangled_lists_read_alike_slimmed_or_not(bad: Any) -> None:
    """Missing keys, nulls, wrong types, unknown keys, bad elements, bad envelopes."""
    bodies = {path: json.dumps(baseline(path)).encode() for path in LISTS}
    bodies[bad.path] = bad.body
    assert _outcome(_lists(bodies, slim=True)) == _outcome(_lists(bodies, slim=False))


@pytest.mark.parametrize(
    "value",
    [{"id": None}, {}, {"x": 1}, [], [{"id": None}], None, [[{"": None}]], "text"],
    ids=repr,
)
@pytest.mark.parametrize("key", ["fields", "api_create_only", "editable_with_roles", "name"])
def test_containers_that_slimming_would_change_still_read_alike(key: str, value: Any) -> None:
    """Filtering reaches into garbage values too ({"id": null} becomes {}): the verdict and
    the message must not depend on it."""
    payload = baseline(TYPES_PATH)
    payload["data"][0][key] = value
    bodies = {path: json.dumps(baseline(path)).encode() for path in LISTS}
    bodies[TYPES_PATH] = json.dumps(payload).encode()
    assert _outcome(_lists(bodies, slim=True)) == _outcome(_lists(bodies, slim=False))


def test_hook_keeps_keys_drops_nulls_cuts_nested_and_shares_strings() -> None:
    slim = Slim(
        keys=frozenset({"id", "kind", "parts", "note"}),
        nested={"parts": frozenset({"id"})},
        shared=frozenset({"kind"}),
    )
    body = json.dumps(
        {
            "data": [
                {
                    "id": "a",
                    "kind": "k" * 40,
                    "note": None,
                    "extra": {"deep": 1},
                    "parts": [{"id": "p1", "name": "x"}, 7, {"name": "no id"}],
                },
                {"id": "b", "kind": "k" * 40, "parts": "not a list"},
            ],
            "has_more": False,
            "total": 2,
        }
    )
    page = json.loads(body, object_pairs_hook=slim.hook())
    assert page == {
        "data": [
            {"id": "a", "kind": "k" * 40, "parts": [{"id": "p1"}, 7, {}]},
            {"id": "b", "kind": "k" * 40, "parts": "not a list"},
        ],
        "has_more": False,
    }
    first, second = page["data"]
    assert first["kind"] is second["kind"]  # one str for a repeated value


def _client(handler: Any) -> CloseClient:
    return CloseClient(
        "k", base_url="http://api.test/api/v1", transport=httpx.MockTransport(handler)
    )


def test_read_schema_decodes_each_list_through_its_slim() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        return httpx.Response(200, content=json.dumps(baseline(path)).encode())

    with _client(handler) as client:
        full = client.read_schema()
        slim = client.read_schema(slim=SLIM)
        assert client.stats.requests == 6
    assert _outcome(slim) == _outcome(full)
    assert "date_created" in full["fields"][0] and "date_created" not in slim["fields"][0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_bodies_decode_as_json_loads_does(encoding: str) -> None:
    """The body is read into a buffer and decoded by us: UTF-16/32 detected as before."""
    body = json.dumps({"data": [{"id": "x", "name": "Zoë"}]}, ensure_ascii=False)
    with _client(lambda _r: httpx.Response(200, content=body.encode(encoding))) as client:
        assert client.list_all(ROLES_PATH, slim=SLIM["roles"]) == [{"id": "x", "name": "Zoë"}]


def test_deeply_nested_json_is_a_clear_error() -> None:
    with _client(lambda _r: httpx.Response(200, content=b"[" * 200_000)) as client:
        with pytest.raises(ResponseError, match="not JSON"):
            client.get(ROLES_PATH)


def test_a_body_cut_off_mid_read_is_retried_like_any_dropped_read() -> None:
    """The 200's body is streamed; a connection dropped in the middle of it is a read error."""

    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Any:
            yield b'{"data": ['
            raise httpx.RemoteProtocolError("peer closed connection mid-body")

    calls = []

    def handler(_request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(200, stream=Broken())
        return httpx.Response(200, json={"data": [{"id": "r", "name": "Role"}]})

    client = CloseClient(
        "k",
        base_url="http://api.test/api/v1",
        transport=httpx.MockTransport(handler),
        sleep=lambda _s: None,
    )
    with client:
        assert client.list_all(ROLES_PATH) == [{"id": "r", "name": "Role"}]
        assert client.stats.retries == 1
