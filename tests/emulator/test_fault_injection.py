"""The emulator's fault injection: 5xx, ingress 429, dropped connections, latency."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from schemasync.emulator import (
    EmulatorApp,
    Store,
    serve,
)
from tests.emulator.helpers import (
    TYPE_BODY,
    create_type,
    make_client,
)
from tests.orgs import KEY

# -- faults ----------------------------------------------------------------------------------


@pytest.fixture(params=["in-process", "socket"])
def faulty(request: pytest.FixtureRequest, app: EmulatorApp) -> Iterator[httpx.Client]:
    """A client for ``app``, once in-process and once over a real socket."""
    if request.param == "in-process":
        with make_client(app, timeout=5) as c:
            yield c
        return
    with serve(app) as server, httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=5) as c:
        yield c


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_fault_5xx(faulty: httpx.Client, app: EmulatorApp, code: int) -> None:
    app.faults.add(method="POST", path=r"/custom_object_type/$", action=str(code))
    r = faulty.post("/custom_object_type/", json=TYPE_BODY)
    assert r.status_code == code
    assert r.headers["content-type"].startswith("text/html") and b"<html>" in r.content
    assert app.store.types == {}
    assert faulty.post("/custom_object_type/", json=TYPE_BODY).status_code == 201  # times=1
    assert app.log == [
        ("POST", "/custom_object_type/", code),
        ("POST", "/custom_object_type/", 201),
    ]


def test_fault_ingress_429(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(path="/me/", action="429")
    r = faulty.get("/me/")
    assert r.status_code == 429 and r.content == b"" and r.headers["Retry-After"] == "1"
    assert "RateLimit" not in r.headers
    assert faulty.get("/me/").status_code == 200


def test_fault_drop(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(method="POST", path="/custom_object_type/", action="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        faulty.post("/custom_object_type/", json=TYPE_BODY)
    assert app.store.types == {}
    assert app.log == [("POST", "/custom_object_type/", None)]
    assert faulty.get("/custom_object_type/").json() == {"data": []}


def test_fault_commit_then_drop(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(method="POST", path="/custom_object_type/", action="commit_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        faulty.post("/custom_object_type/", json=TYPE_BODY)
    assert [t["name"] for t in faulty.get("/custom_object_type/").json()["data"]] == ["Account"]
    assert app.log[0] == ("POST", "/custom_object_type/", None)


def test_fault_latency(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(path="/me/", action="latency", delay=0.05)
    assert faulty.get("/me/").status_code == 200
    app.faults.add(method="POST", path="/custom_object_type/", action="latency", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        faulty.post("/custom_object_type/", json=TYPE_BODY, timeout=0.2)
    deadline = time.monotonic() + 5  # the server still commits the slow request
    while not app.store.types and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [t["name"] for t in app.store.types.values()] == ["Account"]


def test_in_process_drop_message(client: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(action="drop")
    with pytest.raises(
        httpx.RemoteProtocolError, match="Server disconnected without sending a response"
    ):
        client.get("/me/")


def test_fault_skip_times_and_clear(client: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(method="GET", path="/me/", action="503", skip=1, times=2)
    codes = [client.get("/me/").status_code for _ in range(5)]
    assert codes == [200, 503, 503, 200, 200]
    rule = app.faults.add(method="get", path="/custom_object_type/", action="500", times=None)
    assert client.post("/custom_object_type/", json=TYPE_BODY).status_code == 201  # method
    assert [client.get("/custom_object_type/").status_code for _ in range(3)] == [500] * 3
    assert rule.applied == 3
    app.faults.clear()
    assert client.get("/custom_object_type/").status_code == 200


def test_fault_path_matches_after_api_prefix(client: httpx.Client, app: EmulatorApp) -> None:
    t = create_type(client)
    app.faults.add(method="PUT", path=r"/custom_object_type/cotype_", action="502")
    app.faults.add(method="POST", path=r"/custom_object_type/", action="504")
    assert client.put(f"/custom_object_type/{t['id']}/", json={}).status_code == 502
    r = client.post(
        "/custom_field/custom_object_type/",
        json={"custom_object_type_id": t["id"], "name": "F", "type": "text"},
    )
    assert r.status_code == 201  # the POST rule is anchored at the start of the path


def test_unknown_fault_action() -> None:
    with pytest.raises(ValueError):
        EmulatorApp(Store()).faults.add(action="explode")


def test_log_and_reset(client: httpx.Client, app: EmulatorApp) -> None:
    client.get("/me/")
    client.post("/custom_object_type/", json={})
    with make_client(app, key="nope") as c:
        c.get("/role/")
    assert app.log == [
        ("GET", "/me/", 200),
        ("POST", "/custom_object_type/", 400),
        ("GET", "/role/", 401),
    ]
    log = app.log
    app.reset_log()
    assert log == [] and app.log is log
