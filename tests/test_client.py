"""CloseClient against scripted httpx.MockTransport servers: no sockets, no real sleeping."""

from __future__ import annotations

import base64
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemasync
from schemasync.client import (
    DEFAULT_API_URL,
    ClientStats,
    CloseClient,
    RateLimitInfo,
    parse_rate_limit_headers,
)
from schemasync.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    ConfigError,
    PlanLimitError,
    ResponseError,
    TransportError,
)

KEY = "sk_SECRET_abc123"
B64 = base64.b64encode(f"{KEY}:".encode()).decode()
FIELDS = "/custom_field/custom_object_type/"


class Clock:
    """A fake monotonic clock whose sleep records the wait and moves time forward."""

    def __init__(self) -> None:
        self.t = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


Step = Any  # an httpx.Response factory, an exception class, or a callable(request)


def resp(
    status: int = 200, body: Any = None, *, text: str | None = None, headers: dict | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def make(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        if body is None:
            return httpx.Response(status, headers=headers)
        # Compact JSON as Close sends it, built here: httpx's `json=` spacing changed in 0.28.
        content = json.dumps(body, separators=(",", ":")).encode()
        return httpx.Response(
            status, content=content, headers={"Content-Type": "application/json", **(headers or {})}
        )

    return make


class Script:
    """Answers requests with the scripted steps in order; the last step repeats forever."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("simulated failure", request=request)
        return step(request)

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.requests]


def make_client(*steps: Step, **kw: Any) -> tuple[CloseClient, Script, Clock, list[str]]:
    script = steps[0] if len(steps) == 1 and isinstance(steps[0], Script) else Script(*steps)
    clock, events = Clock(), []
    kw.setdefault("api_key", KEY)
    client = CloseClient(
        transport=httpx.MockTransport(script),
        sleep=clock.sleep,
        clock=clock,
        on_event=events.append,
        **kw,
    )
    return client, script, clock, events


# -- auth, headers, construction ------------------------------------------------------------


def test_api_key_is_basic_auth_with_empty_password_and_standard_headers() -> None:
    client, script, _, _ = make_client(resp(200, {"id": "user_1"}))
    assert client.me() == {"id": "user_1"}
    req = script.requests[0]
    assert req.headers["Authorization"] == f"Basic {B64}"
    assert base64.b64decode(req.headers["Authorization"][6:]) == f"{KEY}:".encode()
    assert req.headers["User-Agent"] == f"schemasync/{schemasync.__version__}"
    assert req.headers["Accept"] == "application/json"
    assert str(req.url) == f"{DEFAULT_API_URL}/me/"
    assert req.method == "GET"


def test_bearer_token() -> None:
    client, script, _, _ = make_client(resp(200, {}), api_key=None, bearer_token="tok_XYZ")
    client.get("/me/")
    assert script.requests[0].headers["Authorization"] == "Bearer tok_XYZ"


def test_json_body_and_content_type() -> None:
    client, script, _, _ = make_client(resp(201, {"id": "cotype_1", "name": "Car"}))
    assert client.post("/custom_object_type/", {"name": "Car"}) == {"id": "cotype_1", "name": "Car"}
    req = script.requests[0]
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.content) == {"name": "Car"}


def test_every_request_has_explicit_timeouts() -> None:
    client, script, _, _ = make_client(resp(200, {}))
    client.get("/me/")
    assert script.requests[0].extensions["timeout"] == {
        "connect": 10.0,
        "read": 30.0,
        "write": 30.0,
        "pool": 30.0,
    }
    client2, script2, _, _ = make_client(resp(200, {}), timeout=5.0)
    client2.put("/role/x/", {})
    assert set(script2.requests[0].extensions["timeout"].values()) == {5.0}


def test_base_url_with_path_is_joined() -> None:
    client, script, _, _ = make_client(
        resp(200, {"data": []}), base_url="http://127.0.0.1:9999/api/v1"
    )
    client.list_all("/custom_object_type/")
    assert str(script.requests[0].url) == "http://127.0.0.1:9999/api/v1/custom_object_type/"


@pytest.mark.parametrize("key", [None, "", "   "])
def test_no_credentials_is_a_config_error(key: str | None) -> None:
    with pytest.raises(ConfigError) as info:
        CloseClient(key)
    assert str(info.value) == "No API key: set CLOSE_API_KEY or pass --api-key"


def test_both_credentials_or_unsendable_key_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        CloseClient(KEY, bearer_token="tok")
    with pytest.raises(ConfigError) as info:
        CloseClient("sk_SECRET_é")
    assert "sk_SECRET" not in str(info.value)


def test_key_is_stripped_of_surrounding_whitespace() -> None:
    client, script, _, _ = make_client(resp(200, {}), api_key=f"  {KEY}\n")
    client.get("/me/")
    assert script.requests[0].headers["Authorization"] == f"Basic {B64}"


@pytest.mark.parametrize("path", ["me/", "/me", "https://evil.example/me/"])
def test_paths_must_start_and_end_with_slash(path: str) -> None:
    client, script, _, _ = make_client(resp(200, {}))
    with pytest.raises(ValueError):
        client.get(path)
    assert script.requests == []


def test_context_manager_closes_and_stats_count_attempts() -> None:
    with make_client(resp(200, {}))[0] as client:
        client.get("/me/")
        client.post("/role/", {})
        client.put("/role/r/", {})
        client.delete("/role/r/")
        client.get("/me/")
    assert client._http.is_closed
    assert client.stats == ClientStats(
        requests=5,
        writes=3,
        retries=0,
        rate_limited=0,
        waited=0.0,
        paced=0,
        by_method={"GET": 2, "POST": 1, "PUT": 1, "DELETE": 1},
    )


# -- responses ----------------------------------------------------------------------------


def test_any_2xx_is_success_and_empty_body_is_none() -> None:
    client, _, _, _ = make_client(
        resp(204), resp(200, text=""), resp(201, {"a": 1}), resp(202, [1, 2])
    )
    assert client.delete("/custom_object_type/c/") is None
    assert client.put("/custom_object_type/c/", {}) is None
    assert client.post("/custom_object_type/", {}) == {"a": 1}
    assert client.get("/x/") == [1, 2]


def test_2xx_that_is_not_json_is_a_response_error() -> None:
    client, _, _, _ = make_client(resp(200, text="<html>maintenance</html>"))
    with pytest.raises(ResponseError) as info:
        client.get("/me/")
    assert info.value.status == 200
    assert "maintenance" in str(info.value)


def test_me_requires_an_object() -> None:
    client, _, _, _ = make_client(resp(200, [1]))
    with pytest.raises(ResponseError):
        client.me()


# -- rate-limit header parsing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"RateLimit": "limit=100, remaining=50, reset=5"}, RateLimitInfo(100, 50, 5.0)),
        ({"ratelimit": "limit=100; remaining=50; reset=0.734"}, RateLimitInfo(100, 50, 0.734)),
        ({"RATELIMIT": "Limit=10;Remaining=0;Reset=1.5"}, RateLimitInfo(10, 0, 1.5)),
        ({"RateLimit": "limit=100,remaining=0,reset=0"}, RateLimitInfo(100, 0, 0.0)),
        ({"RateLimit": " limit = 7 ; remaining = 3 "}, RateLimitInfo(7, 3, None)),
        (
            {"ratelimit-limit": "100", "ratelimit-remaining": "99", "ratelimit-reset": "1"},
            RateLimitInfo(100, 99, 1.0),
        ),
        ({"RateLimit-Reset": "2.25"}, RateLimitInfo(None, None, 2.25)),
        ({"Retry-After": "3"}, RateLimitInfo(None, None, 3.0)),
        # RateLimit wins over the discrete headers, and reset wins over Retry-After.
        (
            {
                "RateLimit": "limit=5, remaining=1, reset=0.5",
                "ratelimit-remaining": "9",
                "Retry-After": "1",
            },
            RateLimitInfo(5, 1, 0.5),
        ),
        ({"ratelimit-reset": "0.4", "retry-after": "1"}, RateLimitInfo(None, None, 0.4)),
        # A partial RateLimit is completed from the discrete headers.
        (
            {"RateLimit": "limit=5", "ratelimit-remaining": "0", "ratelimit-reset": "2"},
            RateLimitInfo(5, 0, 2.0),
        ),
        ({"RateLimit": "limit=100, remaining=-1, reset=5"}, RateLimitInfo(100, -1, 5.0)),
        ({"Content-Type": "application/json"}, None),
        ({}, None),
    ],
)
def test_parse_rate_limit_headers(headers: dict, expected: RateLimitInfo | None) -> None:
    assert parse_rate_limit_headers(headers) == expected
    assert parse_rate_limit_headers(httpx.Headers(headers)) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"RateLimit": "limit=abc, remaining=, reset=-1"}, None),
        ({"RateLimit": "reset=nan"}, None),
        ({"RateLimit": "reset=inf, remaining=1e999"}, None),
        ({"RateLimit": "=,;;==;remaining"}, None),
        ({"RateLimit": "garbage"}, None),
        ({"RateLimit": "limit=10, remaining=oops, reset=2"}, RateLimitInfo(10, None, 2.0)),
        ({"ratelimit-remaining": "many", "ratelimit-reset": "soon"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-5"}, None),
        ({"Retry-After": "Wed, 99 Foo 2015 99:99:99 GMT"}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00"}, RateLimitInfo(None, None, 0.0)),
    ],
)
def test_malformed_rate_limit_values_never_raise(
    headers: dict, expected: RateLimitInfo | None
) -> None:
    assert parse_rate_limit_headers(headers, now=1445412480.0) == expected


def test_retry_after_http_date() -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:05 GMT"}
    assert parse_rate_limit_headers(headers, now=now) == RateLimitInfo(None, None, 5.0)
    past = {"Retry-After": "Wed, 21 Oct 2015 07:27:00 GMT"}
    assert parse_rate_limit_headers(past, now=now) == RateLimitInfo(None, None, 0.0)


header_text = st.text(
    alphabet=st.sampled_from(list('limtrseanod=,;.-+ 0123456789eEx"')), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "RateLimit",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
                "Retry-After",
            ]
        ),
        header_text | st.text(max_size=30),
    )
)
def test_parser_never_raises_on_any_text(headers: dict[str, str]) -> None:
    info = parse_rate_limit_headers(headers, now=0.0)
    if info is not None:
        assert info.reset is None or info.reset >= 0


# -- pacing -------------------------------------------------------------------------------


def limited(remaining: int, reset: float, status: int = 200, body: Any = None) -> Step:
    return resp(
        status,
        {} if body is None else body,
        headers={"RateLimit": f"limit=10, remaining={remaining}, reset={reset}"},
    )


def test_remaining_zero_sleeps_until_the_window_ends() -> None:
    client, _, clock, events = make_client(limited(0, 2.0), limited(9, 1.0))
    client.get("/a/")
    clock.t += 0.5  # time passes between the calls: only the rest of the window is waited
    client.get("/b/")
    assert clock.sleeps == [pytest.approx(1.52)]
    assert client.stats.paced == 1
    assert client.stats.waited == pytest.approx(1.52)
    assert client.stats.rate_limited == 0
    assert events == ["rate limit window used up; waiting 1.52 s before GET /b/"]


def test_remaining_above_zero_or_window_over_never_sleeps() -> None:
    client, _, clock, _ = make_client(limited(1, 5.0), limited(0, 1.0), limited(5, 1.0))
    client.get("/a/")
    client.get("/a/")  # remaining was 1: go
    clock.t += 3  # the exhausted window ended long ago
    client.get("/a/")
    client.get("/a/")
    assert clock.sleeps == []
    assert client.stats.paced == 0


def test_response_without_headers_keeps_the_known_window() -> None:
    client, _, clock, _ = make_client(limited(0, 1.0), resp(200, {}))
    client.get("/a/")
    client.get("/a/")
    assert clock.sleeps == [pytest.approx(1.02)]


class WindowServer:
    """A fixed-window limiter on the fake clock: N requests per window, then 429."""

    def __init__(self, clock: Clock, n: int, window: float) -> None:
        self.clock, self.n, self.window = clock, n, window
        self.start, self.used, self.too_many = clock.t, 0, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock.t
        if now >= self.start + self.window:
            self.start, self.used = now, 0
        reset = round(self.start + self.window - now, 3)
        if self.used >= self.n:
            self.too_many += 1
            return httpx.Response(
                429, headers={"RateLimit": f"limit={self.n}, remaining=0, reset={reset}"}
            )
        self.used += 1
        return httpx.Response(
            200,
            json={"ok": True},
            headers={"RateLimit": f"limit={self.n}, remaining={self.n - self.used}, reset={reset}"},
        )


def test_pacing_against_a_limited_server_gets_zero_429s() -> None:
    clock = Clock()
    server = WindowServer(clock, n=5, window=1.0)
    client = CloseClient(KEY, transport=httpx.MockTransport(server), sleep=clock.sleep, clock=clock)
    start = clock.t
    for i in range(23):
        client.put(f"/custom_field/custom_object_type/cf_{i}/", {"name": str(i)})
    assert server.too_many == 0
    assert client.stats.rate_limited == 0
    assert client.stats.paced == 4  # 23 ops at 5 per window: 5 windows, 4 waits
    assert 4.0 <= clock.t - start <= 4.2


# -- 429 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_429_is_retried_for_every_method_using_reset(method: str) -> None:
    client, script, clock, events = make_client(limited(0, 0.734, status=429), resp(200, {"ok": 1}))
    call = {
        "GET": lambda: client.get(FIELDS),
        "POST": lambda: client.post(FIELDS, {}),
        "PUT": lambda: client.put(FIELDS, {}),
        "DELETE": lambda: client.delete(FIELDS),
    }
    assert call[method]() == {"ok": 1}
    assert script.methods == [method, method]
    assert clock.sleeps == [pytest.approx(0.754)]
    assert events == [f"rate limited on {method} {FIELDS}: waiting 0.75 s"]
    assert client.stats.rate_limited == 1
    assert client.stats.retries == 1
    assert client.stats.paced == 0  # the 429 wait already covered the window


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.02),
        ({"ratelimit-reset": "1.25", "Retry-After": "2"}, 1.27),
        ({"ratelimit": "limit=100; remaining=0; reset=0.5", "retry-after": "1"}, 0.52),
    ],
)
def test_429_wait_source(headers: dict, expected: float) -> None:
    client, _, clock, _ = make_client(resp(429, headers=headers), resp(201, {"id": "x"}))
    assert client.post(FIELDS, {}) == {"id": "x"}
    assert clock.sleeps == [pytest.approx(expected)]


def test_429_without_headers_backs_off_exponentially_with_jitter() -> None:
    client, _, clock, _ = make_client(
        resp(429), resp(429), resp(429), resp(200, {}), backoff_base=0.5, backoff_max=30
    )
    client.get("/me/")
    caps = [0.5, 1.0, 2.0]
    assert len(clock.sleeps) == 3
    for slept, cap in zip(clock.sleeps, caps, strict=True):
        assert cap / 2 <= slept <= cap


def test_429_gives_up_after_max_retries() -> None:
    client, script, _, _ = make_client(resp(429, text=""), max_retries=3)
    with pytest.raises(ApiError) as info:
        client.post(FIELDS, {"name": "x"})
    assert type(info.value) is ApiError
    assert info.value.status == 429
    assert "kept rate-limiting" in str(info.value)
    assert "Too Many Requests" in str(info.value)
    assert len(script.requests) == 4
    assert client.stats.rate_limited == 4


# -- 5xx and network errors ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_5xx_is_retried_on_idempotent_methods(method: str) -> None:
    client, script, clock, events = make_client(resp(503), resp(503), resp(200, {"ok": 1}))
    call = {"GET": client.get, "PUT": lambda p: client.put(p, {}), "DELETE": client.delete}
    assert call[method]("/role/r/") == {"ok": 1}
    assert script.methods == [method] * 3
    assert 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0
    assert client.stats.retries == 2
    assert events[0].startswith(f"{method} /role/r/ -> 503: retrying in ")
    assert events[1].endswith("(retry 2 of 5)")


def test_5xx_gives_up_with_api_error_and_backoff_is_capped() -> None:
    client, script, clock, _ = make_client(resp(500, {"error": "Internal"}), backoff_max=1.0)
    with pytest.raises(ApiError) as info:
        client.get("/me/")
    assert type(info.value) is ApiError
    assert info.value.status == 500
    assert "Internal" in str(info.value) and "gave up after 5 retries" in str(info.value)
    assert len(script.requests) == 6
    assert all(0 <= s <= 1.0 for s in clock.sleeps) and len(clock.sleeps) == 5


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError,
        httpx.ReadTimeout,
        httpx.ReadError,
        httpx.RemoteProtocolError,
        httpx.ConnectTimeout,
    ],
)
def test_network_errors_are_retried_on_get(exc: type[Exception]) -> None:
    client, script, _, _ = make_client(exc, exc, resp(200, {"ok": 1}))
    assert client.get("/me/") == {"ok": 1}
    assert len(script.requests) == 3


def test_no_response_after_retries_is_a_transport_error() -> None:
    client, script, _, _ = make_client(httpx.ReadTimeout, max_retries=2)
    with pytest.raises(TransportError) as info:
        client.put("/role/r/", {})
    assert info.value.status is None
    assert "read timed out" in str(info.value)
    assert len(script.requests) == 3


def test_post_5xx_is_ambiguous_and_never_resent() -> None:
    client, script, _, _ = make_client(resp(503), resp(201, {"id": "x"}))
    with pytest.raises(AmbiguousWriteError) as info:
        client.post(FIELDS, {"name": "x"})
    assert info.value.status == 503
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (httpx.ReadTimeout, "read timed out"),
        (httpx.ReadError, "connection reset"),
        (httpx.RemoteProtocolError, "connection closed without a response"),
        (httpx.WriteTimeout, "write timed out"),
    ],
)
def test_post_without_response_is_ambiguous(exc: type[Exception], words: str) -> None:
    client, script, _, _ = make_client(exc, resp(201, {"id": "x"}))
    with pytest.raises(AmbiguousWriteError) as info:
        client.post(FIELDS, {"name": "x"})
    assert words in str(info.value) and info.value.status is None
    assert len(script.requests) == 1


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ConnectTimeout])
def test_post_that_never_connected_is_retried(exc: type[Exception]) -> None:
    client, script, _, _ = make_client(exc, resp(201, {"id": "x"}))
    assert client.post(FIELDS, {"name": "x"}) == {"id": "x"}
    assert script.methods == ["POST", "POST"]


def test_post_4xx_is_raised_at_once() -> None:
    client, script, _, _ = make_client(resp(400, {"error": "bad"}))
    with pytest.raises(ApiError):
        client.post(FIELDS, {})
    assert len(script.requests) == 1


def test_local_protocol_error_is_not_retried() -> None:
    client, script, _, _ = make_client(httpx.LocalProtocolError)
    with pytest.raises(TransportError):
        client.get("/me/")
    assert len(script.requests) == 1


@pytest.mark.parametrize("first", [resp(503), httpx.ReadTimeout, httpx.ReadError])
def test_delete_404_after_a_retry_is_done(first: Step) -> None:
    client, script, _, events = make_client(first, resp(404, {"error": "Not found"}))
    assert client.delete("/custom_object_type/c/") is None
    assert len(script.requests) == 2
    assert "404 after a retry" in events[-1]


def test_delete_404_first_time_or_after_a_429_is_an_error() -> None:
    client, _, _, _ = make_client(resp(404, {"error": "Not found"}))
    with pytest.raises(ApiError) as info:
        client.delete("/custom_object_type/c/")
    assert info.value.status == 404
    # A 429 means the first DELETE was not processed, so a 404 afterwards is a real 404.
    client, _, _, _ = make_client(resp(429, headers={"Retry-After": "0"}), resp(404, {}))
    with pytest.raises(ApiError):
        client.delete("/custom_object_type/c/")


# -- create() -----------------------------------------------------------------------------


class Recon:
    def __init__(self, *answers: dict | None) -> None:
        self.answers, self.calls = list(answers), 0

    def __call__(self) -> dict | None:
        self.calls += 1
        return self.answers.pop(0) if self.answers else None


def test_create_plain_success_never_reconciles() -> None:
    client, _, _, _ = make_client(resp(201, {"id": "cotype_1", "name": "Car"}))
    recon = Recon()
    assert (
        client.create("/custom_object_type/", {"name": "Car"}, reconcile=recon)["id"] == "cotype_1"
    )
    assert recon.calls == 0


def test_create_adopts_what_the_lost_request_created() -> None:
    client, script, _, events = make_client(httpx.ReadError, resp(201, {"id": "dup"}))
    recon = Recon({"id": "cotype_1", "name": "Car"})
    assert client.create("/custom_object_type/", {"name": "Car"}, reconcile=recon) == {
        "id": "cotype_1",
        "name": "Car",
    }
    assert script.methods == ["POST"]
    assert recon.calls == 1
    assert events[0].startswith("POST /custom_object_type/: no response (connection reset")
    assert events[0].endswith("checking whether it was created")
    assert "adopted 'Car'" in events[1]


def test_create_commit_then_drop_leaves_exactly_one_object() -> None:
    store: list[dict] = []

    def server(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"data": store})
        obj = {"id": f"cotype_{len(store)}", **json.loads(request.content)}
        store.append(obj)
        if len(store) == 1:  # the first POST commits, then its response is lost
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return httpx.Response(201, json=obj)

    client, _, _, _ = make_client(server)

    def reconcile() -> dict | None:
        found = [t for t in client.list_all("/custom_object_type/") if t["name"] == "Car"]
        return found[0] if found else None

    assert client.create("/custom_object_type/", {"name": "Car"}, reconcile=reconcile) == {
        "id": "cotype_0",
        "name": "Car",
    }
    assert store == [{"id": "cotype_0", "name": "Car"}]


def test_create_resends_when_reconcile_finds_nothing() -> None:
    client, script, _, events = make_client(
        resp(502, text="<h1>Bad Gateway</h1>"), resp(201, {"id": "cotype_1"})
    )
    recon = Recon(None)
    assert client.create("/custom_object_type/", {"name": "Car"}, reconcile=recon) == {
        "id": "cotype_1"
    }
    assert script.methods == ["POST", "POST"]
    assert recon.calls == 1
    assert any("sending it again (attempt 2 of 3)" in e for e in events)


@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_create_never_posts_more_than_max_attempts(attempts: int) -> None:
    client, script, _, _ = make_client(httpx.ReadTimeout)
    recon = Recon()
    with pytest.raises(AmbiguousWriteError) as info:
        client.create(
            "/custom_object_type/", {"name": "Car"}, reconcile=recon, max_attempts=attempts
        )
    assert script.methods == ["POST"] * attempts
    assert recon.calls == attempts
    assert f"after {attempts} attempts" in str(info.value)


def test_create_adopts_on_the_last_attempt_too() -> None:
    client, script, _, _ = make_client(httpx.ReadTimeout)
    recon = Recon(None, None, {"id": "cotype_9", "name": "Car"})
    assert (
        client.create("/custom_object_type/", {"name": "Car"}, reconcile=recon)["id"] == "cotype_9"
    )
    assert len(script.requests) == 3


def test_create_4xx_propagates_without_reconciling() -> None:
    client, _, _, _ = make_client(resp(400, {"field-errors": {"name": "Taken"}}))
    recon = Recon()
    with pytest.raises(ApiError, match="name: Taken"):
        client.create("/custom_object_type/", {"name": "Car"}, reconcile=recon)
    assert recon.calls == 0


def test_create_requires_an_object_back() -> None:
    client, _, _, _ = make_client(resp(201))
    with pytest.raises(ResponseError):
        client.create("/custom_object_type/", {"name": "Car"}, reconcile=Recon())


# -- error messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "hint"),
    [
        (401, AuthError, "the API key was rejected: check CLOSE_API_KEY"),
        (
            403,
            AuthError,
            "the API key's user lacks permission (Manage Customizations / manage_organization)",
        ),
        (402, PlanLimitError, "a limit of the org's Close plan was reached"),
    ],
)
def test_auth_and_plan_errors(status: int, cls: type[ApiError], hint: str) -> None:
    client, _, _, _ = make_client(resp(status, {"error": "Unauthorized"}))
    with pytest.raises(cls) as info:
        client.get("/me/")
    err = info.value
    assert (err.method, err.path, err.status, err.api_message, err.hint) == (
        "GET",
        "/me/",
        status,
        "Unauthorized",
        hint,
    )
    assert str(err) == f"GET /me/ -> {status}: Unauthorized ({hint})"


def test_a_401_names_the_variable_the_key_came_from() -> None:
    client, _, _, _ = make_client(
        resp(401, {"error": "Unauthorized"}), key_source="STAGING_CLOSE_API_KEY"
    )
    with pytest.raises(AuthError) as info:
        client.get("/me/")
    assert info.value.hint == "the API key was rejected: check STAGING_CLOSE_API_KEY"
    assert "CLOSE_API_KEY" not in str(info.value).replace("STAGING_CLOSE_API_KEY", "")


@pytest.mark.parametrize(
    ("base_url", "ending"),
    [("https://close.test", ", which it does not"), ("https://close.test/api/v1", "")],
)
def test_a_404_on_a_list_every_api_serves_points_at_the_url(base_url: str, ending: str) -> None:
    client, script, _, _ = make_client(resp(404, text="Not Found"), base_url=base_url)
    with pytest.raises(ApiError) as info:
        client.get("/custom_object_type/")
    assert info.value.hint == (
        f"every Close API serves /custom_object_type/, so {base_url} is probably not the API's "
        f"URL: check CLOSE_API_URL or --api-url; it ends in /api/v1{ending} "
        f"(Close's is {DEFAULT_API_URL})"
    )
    assert len(script.requests) == 1


def test_a_404_elsewhere_has_no_url_hint() -> None:
    client, _, _, _ = make_client(resp(404, {"error": "Not found"}), base_url="https://x.test")
    with pytest.raises(ApiError) as info:
        client.put("/custom_field/custom_object_type/cf_1/", {})
    assert info.value.hint == ""


@pytest.mark.parametrize(
    ("base_url", "location", "hint"),
    [
        (
            "http://close.test/api/v1",
            "https://close.test/api/v1/me/",
            "the server redirects to https://close.test/api/v1/me/: use https:// in "
            "CLOSE_API_URL or --api-url (schemasync never follows a redirect with the API key)",
        ),
        (
            "https://close.test/api/v1",
            "https://elsewhere.test/v1/me/",
            "the server redirects to https://elsewhere.test/v1/me/: set CLOSE_API_URL or "
            "--api-url to the API's own URL (schemasync never follows a redirect with the API key)",
        ),
        (
            "https://close.test/api/v1",
            None,
            "the server redirects elsewhere: set CLOSE_API_URL or --api-url to the API's own URL "
            "(schemasync never follows a redirect with the API key)",
        ),
    ],
)
def test_a_redirect_says_what_to_fix_and_is_not_followed(
    base_url: str, location: str | None, hint: str
) -> None:
    headers = {"Location": location} if location else {}
    client, script, _, _ = make_client(resp(301, headers=headers), base_url=base_url)
    with pytest.raises(ApiError) as info:
        client.get("/me/")
    assert info.value.status == 301 and info.value.hint == hint
    assert len(script.requests) == 1  # the key is never sent to the redirect's target


@pytest.mark.parametrize(
    "base_url", ["http://[::1/api/v1", "api.close.com/api/v1", "http:///api/v1", "ftp://x/v1"]
)
def test_a_url_that_is_no_api_url_is_a_config_error(base_url: str) -> None:
    with pytest.raises(ConfigError, match="not an API URL"):
        CloseClient(KEY, base_url=base_url, url_source="--api-url")


def _refused(request: httpx.Request) -> httpx.Response:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as e:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request) from e


def test_a_refused_first_connection_is_not_retried() -> None:
    client, script, clock, events = make_client(_refused, resp(200, {"ok": 1}))
    with pytest.raises(TransportError) as info:
        client.get("/me/")
    assert len(script.requests) == 1 and clock.sleeps == [] and events == []
    assert info.value.hint == (
        f"nothing is listening at {DEFAULT_API_URL}: check CLOSE_API_URL or --api-url"
    )
    assert "Connection refused" in str(info.value)


def test_a_refused_connection_after_an_answer_is_retried() -> None:
    # The server answered before: a refused connection now is a restart, worth a retry.
    client, script, _, _ = make_client(
        resp(200, {"ok": 1}), _refused, _refused, resp(200, {"ok": 2})
    )
    assert client.get("/me/") == {"ok": 1}
    assert client.get("/me/") == {"ok": 2}
    assert len(script.requests) == 4


def test_a_connect_timeout_is_still_retried() -> None:
    client, script, _, _ = make_client(httpx.ConnectTimeout, resp(200, {"ok": 1}))
    assert client.get("/me/") == {"ok": 1}
    assert len(script.requests) == 2


@pytest.mark.parametrize("status", [400, 404, 405, 409, 415, 422])
def test_other_statuses_are_plain_api_errors(status: int) -> None:
    client, _, _, _ = make_client(resp(status, {"error": "nope"}))
    with pytest.raises(ApiError) as info:
        client.put("/role/r/", {})
    assert type(info.value) is ApiError
    assert info.value.status == status and info.value.hint == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "The request contains invalid JSON."}, "The request contains invalid JSON."),
        (
            {"errors": [], "field-errors": {"name": "This field is required."}},
            "name: This field is required.",
        ),
        (
            {"field-errors": {"name": "This field is required.", "type": "Invalid choice."}},
            "name: This field is required.; type: Invalid choice.",
        ),
        (
            {"errors": ["Type is archived"], "field-errors": {"choices": ["Must be unique."]}},
            "Type is archived; choices: Must be unique.",
        ),
        ({"field-errors": {"choices": {"0": "Too long."}}}, "choices.0: Too long."),
        (
            {"error": {"rate_reset": 1.5, "message": "API call count exceeded"}},
            "API call count exceeded",
        ),
        ({"something": "else"}, '{"something":"else"}'),  # unknown JSON: shown as it came
    ],
)
def test_api_message_shapes(body: Any, message: str) -> None:
    client, _, _, _ = make_client(resp(400, body))
    with pytest.raises(ApiError) as info:
        client.post(FIELDS, {})
    assert info.value.api_message == message
    assert str(info.value) == f"POST {FIELDS} -> 400: {message}"


def test_html_error_page_is_excerpted() -> None:
    page = (
        "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
        "<body>\n\n<center><h1>502   Bad Gateway</h1></center><hr><center>nginx</center>"
        "</body></html>"
    )
    client, _, _, _ = make_client(resp(502, text=page), max_retries=1)
    with pytest.raises(ApiError) as info:
        client.get("/me/")
    assert info.value.api_message.startswith("502 Bad Gateway 502 Bad Gateway nginx")
    assert "<" not in str(info.value) and "color" not in str(info.value)


def test_long_text_body_is_capped() -> None:
    client, _, _, _ = make_client(resp(400, text="word " * 500))
    with pytest.raises(ApiError) as info:
        client.get("/me/")
    assert len(info.value.api_message) <= 200
    assert info.value.api_message.endswith("…")


# -- the key never leaks ------------------------------------------------------------------


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert KEY not in text and B64 not in text, text


def test_repr_hides_the_key() -> None:
    client, _, _, _ = make_client(resp(200, {}))
    bearer, _, _, _ = make_client(resp(200, {}), api_key=None, bearer_token=KEY)
    assert_clean(repr(client), str(client), repr(bearer), repr(vars(client)))


def leaky(exc: type[Exception]) -> Step:
    """A transport whose error text echoes the secret (the worst case for redaction)."""

    def step(request: httpx.Request) -> httpx.Response:
        raise exc(f"failed with {request.headers['Authorization']} / {KEY}", request=request)

    return step


@pytest.mark.parametrize("bearer", [False, True])
def test_exceptions_events_and_logs_never_contain_the_key(
    bearer: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = {"api_key": None, "bearer_token": KEY} if bearer else {}
    client, _, _, events = make_client(
        leaky(httpx.ConnectError),
        leaky(httpx.ReadTimeout),
        resp(503, text=f"echo {KEY}"),
        resp(429, text=f"{B64}"),
        resp(200, {}),
        leaky(httpx.ReadError),
        resp(401, {"error": f"bad key {KEY} {B64}"}),
        leaky(httpx.LocalProtocolError),
        resp(200, text=f"<p>{KEY}</p>"),
        max_retries=3,
        **auth,
    )
    errors: list[BaseException] = []
    client.get("/me/")  # connect error, timeout, 503, 429, then 200
    for call in (
        lambda: client.create("/custom_object_type/", {}, reconcile=lambda: None, max_attempts=2),
        lambda: client.get("/me/"),
        lambda: client.get("/me/"),
    ):
        with pytest.raises(ApiError) as info:
            call()
        errors.append(info.value)
    assert [type(e) for e in errors] == [AuthError, TransportError, ResponseError]
    assert len(events) >= 5
    for err in errors:
        assert err.__cause__ is None
        assert err.__context__ is None
        assert_clean(str(err), repr(err), "".join(traceback.format_exception(err)))
    assert_clean(*events, *(r.getMessage() for r in caplog.records))
    assert any("GET /me/ -> 200" in r.getMessage() for r in caplog.records)


# -- lists --------------------------------------------------------------------------------


def test_list_all_without_has_more_is_one_request() -> None:
    client, script, _, _ = make_client(resp(200, {"data": [{"id": 1}, {"id": 2}]}))
    assert client.list_all("/custom_object_type/") == [{"id": 1}, {"id": 2}]
    assert len(script.requests) == 1
    assert script.requests[0].url.params == httpx.QueryParams()


def test_list_all_has_more_false() -> None:
    client, script, _, _ = make_client(resp(200, {"data": [{"id": 1}], "has_more": False}))
    assert client.list_all("/role/") == [{"id": 1}]
    assert len(script.requests) == 1


def test_list_all_follows_has_more_with_skip_and_limit() -> None:
    items = [{"id": i} for i in range(250)]

    def server(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("_skip", 0))
        limit = int(request.url.params.get("_limit", 100))
        page = items[skip : skip + limit]
        return httpx.Response(200, json={"data": page, "has_more": skip + limit < len(items)})

    client, script, _, _ = make_client(server)
    assert client.list_all("/custom_field/shared/") == items
    assert [dict(r.url.params) for r in script.requests] == [
        {},
        {"_skip": "100", "_limit": "100"},
        {"_skip": "200", "_limit": "100"},
    ]


def test_list_all_stops_on_an_empty_page_with_has_more() -> None:
    client, script, _, _ = make_client(
        resp(200, {"data": [{"id": 1}], "has_more": True}),
        resp(200, {"data": [], "has_more": True}),
    )
    assert client.list_all("/role/") == [{"id": 1}]
    assert len(script.requests) == 2


@pytest.mark.parametrize("body", [{"data": {"id": 1}}, {"data": None}, {"items": []}, [1, 2]])
def test_list_all_rejects_bad_envelopes(body: Any) -> None:
    client, _, _, _ = make_client(resp(200, body))
    with pytest.raises(ResponseError):
        client.list_all("/custom_object_type/")


def test_read_schema_is_three_requests_whatever_the_size() -> None:
    big = {
        "/api/v1/custom_object_type/": [{"id": f"cotype_{i}"} for i in range(2000)],
        "/api/v1/custom_field/custom_object_type/": [{"id": f"cf_{i}"} for i in range(20000)],
        "/api/v1/role/": [{"id": f"role_{i}"} for i in range(50)],
    }

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": big[request.url.path]})

    client, script, _, _ = make_client(server)
    schema = client.read_schema()
    assert len(script.requests) == 3 and client.stats.requests == 3
    # The fields first: the biggest list is decoded while the least else is held in memory.
    assert [r.url.path for r in script.requests] == [list(big)[i] for i in (1, 0, 2)]
    assert (len(schema["types"]), len(schema["fields"]), len(schema["roles"])) == (2000, 20000, 50)
