"""The emulator over HTTP: auth, /me/, routing, 404/405, bad JSON, rate limits, a real socket."""

from __future__ import annotations

import base64
import re
import threading
import time

import httpx
import pytest

from schemasync.emulator import (
    EmulatorApp,
    EmulatorServer,
    EmulatorTransport,
    Store,
    parse_rate_limit,
    serve,
)
from tests.emulator.helpers import (
    ID22,
    create_field,
    create_type,
    make_client,
)
from tests.orgs import KEY

# -- auth, /me/, routing -------------------------------------------------------------------


def test_basic_auth_and_me(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.get("/me/")
    assert r.status_code == 200
    me = r.json()
    assert re.fullmatch("user_" + ID22, me["id"])
    assert me["first_name"] == "Emulator"
    assert me["organizations"] == [{"id": app.store.organization_id, "name": "Test Org"}]
    assert re.fullmatch("orga_" + ID22, app.store.organization_id)


def test_bearer_auth(app: EmulatorApp) -> None:
    with make_client(app, key=None, headers={"Authorization": f"Bearer {KEY}"}) as c:
        assert c.get("/me/").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong",
        "Basic " + base64.b64encode(b"wrong:").decode(),
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(b":").decode(),
        "Token test-key",
    ],
)
def test_bad_auth_is_401(app: EmulatorApp, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    with make_client(app, key=None, headers=headers) as c:
        r = c.get("/custom_object_type/")
    assert r.status_code == 401
    assert r.json() == {"error": "Unauthorized"}


def test_demo_mode_accepts_any_non_empty_key() -> None:
    app = EmulatorApp(Store())
    with make_client(app, key="anything") as c:
        assert c.get("/me/").status_code == 200
    with make_client(app, key="") as c:
        assert c.get("/me/").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/nope/",
        "/custom_object_type",
        "/custom_field/nope/",
        "/custom_field_schema/nope/",
        "/custom_field_schema/custom_object/",
        "/custom_field/shared/cf_x/association/nope/",
    ],
)
def test_unknown_path_is_404(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.json() == {"error": "Not found."}


def test_outside_api_prefix_is_404(app: EmulatorApp) -> None:
    with httpx.Client(transport=EmulatorTransport(app), auth=(KEY, "")) as c:
        assert c.get("http://emulator/me/").status_code == 404


def test_wrong_method_is_405(client: httpx.Client) -> None:
    r = client.delete("/custom_object_type/")
    assert r.status_code == 405
    assert "error" in r.json()
    assert set(r.headers["allow"].split(", ")) == {"GET", "POST"}
    assert client.put("/me/", json={}).status_code == 405


def test_invalid_json_is_400(client: httpx.Client) -> None:
    r = client.post(
        "/custom_object_type/", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json() == {"error": "The request contains invalid JSON."}
    r = client.post("/custom_object_type/", json=["a", "list"])
    assert r.status_code == 400 and "error" in r.json()


# -- rate limiting -------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";"])
def test_rate_limit_headers(sep: str) -> None:
    app = EmulatorApp(Store(), api_keys={KEY}, rate_limit=(3, 60), rate_limit_separator=sep)
    with make_client(app) as c:
        r = c.get("/me/")
        assert r.status_code == 200
        match = re.fullmatch(
            rf"limit=3{sep} remaining=2{sep} reset=(\d+\.\d+)", r.headers["RateLimit"]
        )
        assert match and 0 < float(match.group(1)) <= 60
        assert r.headers["ratelimit-limit"] == "3"
        assert r.headers["ratelimit-remaining"] == "2"
        assert 0 < int(r.headers["ratelimit-reset"]) <= 60
        assert c.get("/nope/").headers["ratelimit-remaining"] == "1"  # 404s count too


def test_rate_limit_429(app: EmulatorApp) -> None:
    app = EmulatorApp(Store(), api_keys={KEY, "other"}, rate_limit=(2, 60))
    with make_client(app) as c:
        create_type(c, "A")
        create_type(c, "B")
        r = c.post("/custom_object_type/", json={"name": "C", "name_plural": "Cs"})
        assert r.status_code == 429 and r.content == b""
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "remaining=0" in r.headers["RateLimit"]
        assert [t["name"] for t in app.store.types.values()] == ["A", "B"]
    with make_client(app, key="other") as c:  # per key
        assert c.get("/me/").status_code == 200
    with make_client(app, key="wrong") as c:  # unauthenticated: no rate limit headers
        r = c.get("/me/")
        assert r.status_code == 401 and "RateLimit" not in r.headers


def test_rate_limit_without_headers() -> None:
    app = EmulatorApp(Store(), rate_limit=(1, 60), rate_limit_headers=False)
    with make_client(app) as c:
        ok = c.get("/me/")
        assert ok.status_code == 200
        limited = c.get("/me/")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    for r in (ok, limited):
        assert not [h for h in r.headers if h.lower().startswith("ratelimit")]


def test_rate_limit_window_resets() -> None:
    app = EmulatorApp(Store(), rate_limit=(1, 0.2))
    with make_client(app) as c:
        assert c.get("/me/").status_code == 200
        limited = c.get("/me/")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        time.sleep(0.25)
        assert c.get("/me/").status_code == 200


def test_no_rate_limit_headers_when_not_limited(client: httpx.Client) -> None:
    assert "RateLimit" not in client.get("/me/").headers


def test_bad_rate_limit_separator() -> None:
    with pytest.raises(ValueError):
        EmulatorApp(Store(), rate_limit_separator="|")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10/1", (10, 1.0)), ("10", (10, 1.0)), ("5/0.5", (5, 0.5)), (" 3 / 2 ", (3, 2.0))],
)
def test_parse_rate_limit(text: str, expected: tuple[int, float]) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "10/", "0/1", "10/0", "-1/1", "1/2/3", "1.5"])
def test_parse_rate_limit_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        parse_rate_limit(text)


# -- real socket -------------------------------------------------------------------------


def test_real_socket_crud_and_auth(server: EmulatorServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1", server.url)
    with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=5) as c:
        t = create_type(c, "Account")
        f = create_field(c, t["id"], "Status", "choices", choices=["A"])
        assert c.get(f"/custom_object_type/{t['id']}/").json()["fields"][0]["id"] == f["id"]
        assert c.delete(f"/custom_field/custom_object_type/{f['id']}/").status_code == 204
        bad = c.post("/custom_object_type/", content=b"{", headers={"content-type": "x"})
        assert bad.status_code == 400
    with httpx.Client(
        base_url=server.url, timeout=5, headers={"Authorization": "Bearer nope"}
    ) as c:
        r = c.get("/me/")
        assert r.status_code == 401 and r.json() == {"error": "Unauthorized"}


def test_real_socket_concurrent_creates(server: EmulatorServer, app: EmulatorApp) -> None:
    def work(i: int) -> None:
        with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=10) as c:
            for j in range(5):
                create_type(c, f"T{i}-{j}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(app.store.types) == 30
    assert len(app.log) == 30


def test_server_context_manager_and_shutdown() -> None:
    app = EmulatorApp(Store())
    with serve(app) as server:
        url = server.url
        assert httpx.get(url + "/me/", auth=("k", ""), timeout=5).status_code == 200
    server.shutdown()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/me/", auth=("k", ""), timeout=2)
