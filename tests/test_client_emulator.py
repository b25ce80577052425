"""CloseClient against the emulator: over a real socket for rate limits, in-process for faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from schemasync.client import CloseClient
from schemasync.emulator import EmulatorApp, EmulatorTransport, Store, serve
from schemasync.errors import AmbiguousWriteError, AuthError

KEY = "sk_SECRET_abc123"
TYPES = "/custom_object_type/"
CAR = {"name": "Car", "name_plural": "Cars"}


@pytest.fixture
def app() -> EmulatorApp:
    return EmulatorApp(Store(seed=1), api_keys={KEY})


def in_process(app: EmulatorApp, events: list[str] | None = None) -> CloseClient:
    # Faults tests don't need real waiting: backoff sleeps are recorded, not slept.
    return CloseClient(
        KEY,
        transport=EmulatorTransport(app),
        sleep=lambda s: None,
        on_event=None if events is None else events.append,
    )


def statuses(app: EmulatorApp) -> list[int | None]:
    return [status for _, _, status in app.log]


@pytest.mark.parametrize("separator", [",", ";"])
def test_pacing_over_a_real_socket_gets_zero_429s(separator: str) -> None:
    app = EmulatorApp(
        Store(seed=1), api_keys={KEY}, rate_limit=(5, 0.5), rate_limit_separator=separator
    )
    with serve(app) as server, CloseClient(KEY, base_url=server.url) as client:
        start = time.monotonic()
        for _ in range(15):
            client.get(TYPES)
        elapsed = time.monotonic() - start
    assert statuses(app) == [200] * 15
    assert client.stats.rate_limited == 0
    assert client.stats.paced == 2  # 15 requests at 5 per window: three windows
    assert 0.9 <= elapsed < 5


@pytest.fixture
def live(app: EmulatorApp) -> Iterator[tuple[EmulatorApp, CloseClient]]:
    with (
        serve(app) as server,
        CloseClient(KEY, base_url=server.url, sleep=lambda s: None) as client,
    ):
        yield app, client


def find_car(client: CloseClient) -> dict | None:
    found = [t for t in client.list_all(TYPES) if t["name"] == "Car"]
    return found[0] if found else None


def test_commit_then_drop_create_leaves_exactly_one_object(
    live: tuple[EmulatorApp, CloseClient],
) -> None:
    app, client = live
    app.faults.add(method="POST", path=TYPES, action="commit_then_drop")
    created = client.create(TYPES, CAR, reconcile=lambda: find_car(client))
    cars = [t for t in client.list_all(TYPES) if t["name"] == "Car"]
    assert len(cars) == 1 and cars[0]["id"] == created["id"]
    assert [m for m, _, _ in app.log].count("POST") == 1


def test_dropped_post_is_sent_again_and_creates_one_object(
    live: tuple[EmulatorApp, CloseClient],
) -> None:
    app, client = live
    app.faults.add(method="POST", path=TYPES, action="drop")
    client.create(TYPES, CAR, reconcile=lambda: find_car(client))
    assert len([t for t in client.list_all(TYPES) if t["name"] == "Car"]) == 1
    assert [m for m, _, _ in app.log].count("POST") == 2


def test_post_that_stays_ambiguous_is_never_duplicated(app: EmulatorApp) -> None:
    app.faults.add(method="POST", path=TYPES, action="502", times=None)
    client = in_process(app)
    with pytest.raises(AmbiguousWriteError):
        client.create(TYPES, CAR, reconcile=lambda: find_car(client), max_attempts=3)
    assert [m for m, _, _ in app.log].count("POST") == 3
    assert client.list_all(TYPES) == []


def test_5xx_and_ingress_429_are_retried_in_process(app: EmulatorApp) -> None:
    app.faults.add(method="GET", path=TYPES, action="503", times=2)
    app.faults.add(method="PUT", path=TYPES, action="429")
    events: list[str] = []
    client = in_process(app, events)
    created = client.post(TYPES, CAR)
    assert client.get(TYPES)["data"][0]["id"] == created["id"]
    assert (
        client.put(f"{TYPES}{created['id']}/", {"description": "four wheels"})["description"]
        == "four wheels"
    )
    assert statuses(app) == [201, 503, 503, 200, 429, 200]
    assert any("rate limited on PUT" in e and "waiting 1.02 s" in e for e in events)


def test_delete_whose_response_was_lost_counts_as_done(app: EmulatorApp) -> None:
    client = in_process(app)
    created = client.post(TYPES, CAR)
    app.faults.add(method="DELETE", path=TYPES, action="commit_then_drop")
    assert client.delete(f"{TYPES}{created['id']}/") is None
    assert statuses(app)[-1] == 404 and client.list_all(TYPES) == []


def test_read_schema_and_auth(app: EmulatorApp) -> None:
    client = in_process(app)
    for i in range(30):
        client.post(TYPES, {"name": f"T{i}", "name_plural": f"T{i}s"})
    app.reset_log()
    schema = client.read_schema()
    assert len(app.log) == 3 and len(schema["types"]) == 30 and schema["roles"]
    bearer = CloseClient(bearer_token=KEY, transport=EmulatorTransport(app))
    assert bearer.me()["id"]
    wrong = CloseClient("sk_wrong", transport=EmulatorTransport(app))
    with pytest.raises(AuthError) as info:
        wrong.me()
    assert info.value.status == 401 and "sk_wrong" not in str(info.value)
