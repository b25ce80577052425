"""The Close API client: auth, timeouts, rate-limit pacing, retries, error mapping, safe creates.

Everything that crosses the network goes through CloseClient. It owns the retry policy (429 on
every method, 5xx/network errors only where re-sending is safe), the reconcile-before-resend
rule for POSTs whose outcome is unknown, and the translation of failures into schemasync.errors.
The API key never leaves the Authorization header: messages are built from method, path and the
API's own words, and httpx exceptions are reduced to their text instead of being chained.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import html
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from schemasync import __version__
from schemasync.config import DEFAULT_API_URL
from schemasync.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    ConfigError,
    PlanLimitError,
    ResponseError,
    TransportError,
)
from schemasync.live import FIELDS_PATH, ROLES_PATH, TYPES_PATH

PACING_MARGIN = 0.02  # seconds added to a server-given reset: the window must really be over
MAX_SERVER_WAIT = 900.0  # a garbage reset of 1e9 s must not hang the CLI forever
MAX_PAGES = 1000  # a server that ignores _skip must not make list_all loop forever
_WRITES = frozenset({"POST", "PUT", "DELETE"})
_MAYBE_CREATED = "it may or may not have been created: re-run plan to see"

log = logging.getLogger("schemasync.client")


def secret_forms(secret: str) -> tuple[str, str]:
    """The ways a credential can show up in text: itself and its HTTP Basic encoding."""
    return secret, base64.b64encode(f"{secret}:".encode()).decode()


class Slimmer(Protocol):
    """Makes a `json.loads` object_pairs_hook that keeps only what the caller reads."""

    def hook(self) -> Callable[[list[tuple[str, Any]]], Any]: ...


@dataclass(frozen=True)
class RateLimitInfo:
    """What the server said about the current rate-limit window (None = not said)."""

    limit: int | None
    remaining: int | None
    reset: float | None  # seconds until the window ends, from the moment the response arrived


@dataclass
class ClientStats:
    requests: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    writes: int = 0
    retries: int = 0
    rate_limited: int = 0
    waited: float = 0.0
    paced: int = 0


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().strip('"'))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _count(text: str) -> int | None:
    return None if (value := _number(text)) is None else int(value)


def _seconds(text: str) -> float | None:  # a negative wait is garbage, not "now"
    return value if (value := _number(text)) is not None and value >= 0 else None


def _retry_after(text: str, now: float | None) -> float | None:
    seconds = _seconds(text)
    if seconds is not None:
        return seconds
    try:  # the HTTP-date form: "Wed, 21 Oct 2015 07:28:00 GMT"
        when = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP dates are always GMT, even when the zone is left off
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_rate_limit_headers(
    headers: Mapping[str, str], now: float | None = None
) -> RateLimitInfo | None:
    """Read RateLimit / ratelimit-* / Retry-After; never raises on malformed values.

    Precedence per value: the combined `RateLimit` header (`,` or `;` separated), then the
    discrete `ratelimit-limit|remaining|reset` headers, then `Retry-After` for the reset
    (Close documents `reset` as the precise one; Retry-After is it rounded up).
    `now` is the wall-clock epoch used for an HTTP-date Retry-After (default: time.time()).
    """
    lower: dict[str, str] = {}
    for key, value in headers.items():
        lower.setdefault(str(key).lower(), str(value))
    combined: dict[str, str] = {}
    for part in re.split(r"[,;]", lower.get("ratelimit", "")):
        key, sep, value = part.partition("=")
        if sep:
            combined.setdefault(key.strip().lower(), value)
    limit = _count(combined.get("limit") or lower.get("ratelimit-limit", ""))
    remaining = _count(combined.get("remaining", ""))
    if remaining is None:
        remaining = _count(lower.get("ratelimit-remaining", ""))
    reset = _seconds(combined.get("reset", ""))
    if reset is None:
        reset = _seconds(lower.get("ratelimit-reset", ""))
    if reset is None:
        reset = _retry_after(lower.get("retry-after", ""), now)
    if limit is None and remaining is None and reset is None:
        return None
    return RateLimitInfo(limit, remaining, reset)


def _excerpt(text: str, cap: int = 200) -> str:
    """A one-line excerpt of a non-JSON body (an ingress HTML page, a proxy's plain text)."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"


def _field_errors(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        out: list[str] = []
        for name, msg in errors.items():
            out += _field_errors(msg, f"{prefix}.{name}" if prefix else str(name))
        return out
    if isinstance(errors, list):
        return [m for e in errors for m in _field_errors(e, prefix)]
    return [f"{prefix}: {errors}" if prefix else str(errors)]


def api_message(response: httpx.Response, redact: Callable[[str], str] = lambda text: text) -> str:
    """The API's own explanation: `error`, `errors`, `field-errors`, else text or reason.

    `redact` runs before a body is cut to an excerpt: a secret cut in half would escape it.
    """
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # the pre-2024 429 body: {"error": {"message": ..}}
            error = error.get("message") or json.dumps(error, sort_keys=True)
        if error:
            parts.append(str(error))
        if isinstance(body.get("errors"), list):
            parts += _field_errors(body["errors"])
        parts += _field_errors(body.get("field-errors") or {})
    if parts:
        return redact("; ".join(p for p in parts if p))
    text = _excerpt(redact(response.text)) if response.content else ""
    return text or response.reason_phrase or f"HTTP {response.status_code}"


_HINTS = {
    401: (AuthError, "the API key was rejected: check {key_source}"),
    403: (
        AuthError,
        "the API key's user lacks permission (Manage Customizations / manage_organization)",
    ),
    402: (PlanLimitError, "a limit of the org's Close plan was reached"),
}

# Why the exchange failed, in words; httpx's own text is appended (it names no headers).
_REASONS: list[tuple[type[Exception], str]] = [
    (httpx.ConnectTimeout, "connect timed out"),
    (httpx.ConnectError, "could not connect"),
    (httpx.PoolTimeout, "no free connection"),
    (httpx.ReadTimeout, "read timed out"),
    (httpx.WriteTimeout, "write timed out"),
    (httpx.RemoteProtocolError, "connection closed without a response"),
    (httpx.ReadError, "connection reset"),
    (httpx.WriteError, "connection reset while sending"),
]
# Paths every Close API serves to any valid key: a 404 there means a wrong base URL.
_ALWAYS_THERE = frozenset({TYPES_PATH, FIELDS_PATH, ROLES_PATH, "/me/"})
# Failures where the request never reached the server: safe to re-send even a POST.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def _refused(exc: BaseException) -> bool:
    """Whether a connect error is ECONNREFUSED (nothing listens on that host and port)."""
    if not isinstance(exc, httpx.ConnectError):
        return False
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return "connection refused" in str(exc).lower()


class _MaybeStillRunning(AmbiguousWriteError):
    """A POST the server received in full and had not answered yet (a read timeout or a 504):
    it may still commit, so a look at the list right away can miss it."""


class _Secrets(tuple):
    """The strings to redact; its repr hides them (debuggers and vars() print reprs)."""

    def __repr__(self) -> str:
        return "<hidden>"


class CloseClient:
    """A synchronous Close API client; see the module docstring for what it guarantees."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        bearer_token: str | None = None,
        base_url: str = DEFAULT_API_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = httpx.Timeout(30.0, connect=10.0),  # noqa: B008
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_event: Callable[[str], None] | None = None,
        key_source: str = "CLOSE_API_KEY",
        url_source: str = "CLOSE_API_URL or --api-url",
    ) -> None:
        """`key_source` and `url_source` name where the key and the URL came from (a variable,
        a flag, a config entry), so that hints say what to fix."""
        api_key = (api_key or "").strip() or None
        bearer_token = (bearer_token or "").strip() or None
        if api_key and bearer_token:
            raise ConfigError("Pass either an API key or a bearer token, not both")
        secret = api_key or bearer_token
        if not secret:
            raise ConfigError("No API key: set CLOSE_API_KEY or pass --api-key")
        # A header can only carry printable ASCII; say so without echoing the secret.
        if not re.fullmatch(r"[\x21-\x7e]+", secret):
            raise ConfigError("The API key contains spaces or non-ASCII characters")
        forms = secret_forms(secret)
        auth = f"Basic {forms[1]}" if api_key else f"Bearer {bearer_token}"
        # Everything that could leak the credential, redacted from every message we build.
        self._secrets = _Secrets(forms)
        self._auth_kind = "api_key" if api_key else "bearer_token"
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, ValueError, TypeError):
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(f"{url_source}: not an API URL; expected one like {DEFAULT_API_URL}")
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={
                "Authorization": auth,
                "Accept": "application/json",
                "User-Agent": f"schemasync/{__version__}",
            },
        )
        self.base_url = base_url
        self.key_source = key_source
        self.url_source = url_source
        self._answered = False  # has any server answered yet (a refused first try is config)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._clock = clock
        self._on_event = on_event
        self._random = random.Random()
        self._ready_at: float | None = None  # clock time before which the window is exhausted
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"CloseClient(base_url={self.base_url!r}, auth={self._auth_kind})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CloseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public calls ------------------------------------------------------------------------

    def get(self, path: str, params: dict | None = None) -> Any:
        return self._request("GET", path, params=params)

    def post(self, path: str, body: dict) -> Any:
        return self._request("POST", path, body=body)

    def put(self, path: str, body: dict) -> Any:
        return self._request("PUT", path, body=body)

    def delete(self, path: str) -> Any:
        return self._request("DELETE", path)

    def create(
        self, path: str, body: dict, *, reconcile: Callable[[], dict | None], max_attempts: int = 3
    ) -> dict:
        """POST without ever duplicating: after an unknown outcome, look before re-sending."""
        last: AmbiguousWriteError | None = None
        for attempt in range(1, max(1, max_attempts) + 1):
            if attempt > 1:
                self.stats.retries += 1
                self._event(
                    f"POST {path}: not created; sending it again (attempt {attempt} "
                    f"of {max_attempts})"
                )
            try:
                created = self.post(path, body)
            except AmbiguousWriteError as exc:
                last = exc
            else:
                return self._expect_object("POST", path, created)
            self._event(f"POST {path}: {last.api_message}; checking whether it was created")
            if isinstance(last, _MaybeStillRunning):
                self._let_it_finish(path)
            found = reconcile()
            if found is not None:
                label = found.get("name") or found.get("id") or "the object"
                self._event(f"POST {path}: adopted '{label}', which the lost request created")
                return found
        assert last is not None
        raise AmbiguousWriteError(
            "POST",
            path,
            last.status,
            f"{last.api_message}; still unknown after {max_attempts} attempts and the object "
            "is not listed",
            hint="re-run plan: the next refresh shows whether it exists",
        )

    def _let_it_finish(self, path: str) -> None:
        """Give a server that may still be working on a POST one more read timeout before
        looking for the object: a re-send while the first is still running would create it
        twice (the API has no idempotency keys)."""
        settle = self._http.timeout.read
        if settle:
            self._wait(
                f"POST {path}: the server may still be creating it; waiting "
                f"{settle:.2f} s before looking",
                settle,
            )

    def list_all(
        self, path: str, *, slim: Slimmer | None = None, limit: int | None = None
    ) -> list[dict]:
        """Every item of a `{"data": [...]}` list, following `has_more` when the server sends it.

        With `slim`, each page is decoded through its hook, so the parts of the objects the
        caller never reads are not built at all (see live.Slim). `limit` asks for pages of that
        size (lists that page: `_limit`), so a big list costs fewer requests.
        """
        items: list[dict] = []
        params: dict[str, Any] | None = {"_limit": limit} if limit else None
        for _ in range(MAX_PAGES):
            hook = slim.hook() if slim is not None else None
            page = self._expect_object(
                "GET", path, self._request("GET", path, params=params, hook=hook)
            )
            data = page.get("data")
            if not isinstance(data, list):
                raise ResponseError("GET", path, 200, "expected a list under 'data'")
            items += data
            # Type and field lists have no has_more at all (docs/close-api-facts.md §2): one
            # request.
            if page.get("has_more") is not True or not data:
                return items
            limit = (params or {}).get("_limit") or len(data)
            params = {"_skip": len(items), "_limit": limit}
        raise ResponseError("GET", path, 200, f"has_more still true after {MAX_PAGES} pages")

    def read_schema(self, slim: Mapping[str, Slimmer] | None = None) -> dict:
        """The org's lists: `{"types": [...], "fields": [...], "roles": [...]}`, 3 requests.

        `slim` maps those names to what to keep of their objects (live.SLIM: what a plan reads).
        """
        slim = slim or {}
        # Fields first: the biggest list decodes while little else is held (peak memory).
        fields = self.list_all(FIELDS_PATH, slim=slim.get("fields"))
        types = self.list_all(TYPES_PATH, slim=slim.get("types"))
        return {
            "types": types,
            "fields": fields,
            "roles": self.list_all(ROLES_PATH, slim=slim.get("roles")),
        }

    def me(self) -> dict:
        return self._expect_object("GET", "/me/", self.get("/me/"))

    # -- the exchange loop -------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        body: dict | None = None,
        hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    ) -> Any:
        if not (path.startswith("/") and path.endswith("/")):
            raise ValueError(f"API paths start and end with '/': {path!r}")
        where = f"{method} {path}"
        limited = failures = attempt = 0
        maybe_done = False  # an earlier attempt may have been processed (for DELETE -> 404)
        while True:
            if attempt:
                self.stats.retries += 1
            attempt += 1
            self._pace(where)
            self._count(method)
            started = self._clock()
            failure, never_sent, fatal, pending, refused = "", False, False, False, False
            response: httpx.Response | None = None
            payload: bytearray | None = None
            # Only the message of an httpx error is kept, and we raise after the except block,
            # so no traceback chains the exception (and the request with its headers).
            try:
                response, payload = self._exchange(method, path, params, body)
            except _RETRYABLE as exc:
                failure, never_sent = self._describe(exc), isinstance(exc, _NOT_SENT)
                # Refused before any server answered: nothing listens there (a wrong URL or a
                # stopped server), not a blip that a retry would outlast.
                fatal = refused = not self._answered and _refused(exc)
                pending = isinstance(exc, httpx.ReadTimeout)  # sent in full, not answered yet
            except httpx.HTTPError as exc:  # unsupported scheme, local protocol error: no retry
                failure, fatal = self._describe(exc), True
            if response is None:
                if refused:
                    raise TransportError(
                        method,
                        path,
                        None,
                        f"no response after {attempt} attempts ({failure})",
                        hint=f"nothing is listening at {self.base_url}: check {self.url_source}",
                    )
                if fatal:
                    raise TransportError(method, path, None, failure)
                if method == "POST" and not never_sent:
                    raise (_MaybeStillRunning if pending else AmbiguousWriteError)(
                        method, path, None, f"no response ({failure})", hint=_MAYBE_CREATED
                    )
                if failures >= self.max_retries:
                    raise TransportError(
                        method, path, None, f"no response after {failures + 1} attempts ({failure})"
                    )
                failures += 1
                maybe_done = maybe_done or not never_sent
                self._backoff(f"{where}: no response ({failure})", failures, jitter="full")
                continue
            status = response.status_code
            self._answered = True
            info = parse_rate_limit_headers(response.headers)
            self._note_limits(info)
            log.debug(
                "%s %s -> %s (%.0f ms)", method, path, status, (self._clock() - started) * 1000
            )
            if payload is not None:
                return self._decode(method, path, status, payload, hook)
            if status == 429:
                self.stats.rate_limited += 1
                if limited >= self.max_retries:
                    raise ApiError(
                        method,
                        path,
                        status,
                        "the API kept rate-limiting: "
                        f"{limited + 1} responses 429 in a row "
                        f"({api_message(response, self._redact)})",
                    )
                limited += 1
                if info is not None and info.reset is not None:
                    wait = min(info.reset, MAX_SERVER_WAIT) + PACING_MARGIN
                    self._wait(f"rate limited on {where}: waiting {wait:.2f} s", wait)
                else:
                    self._backoff(f"rate limited on {where}", limited, jitter="equal")
                self._ready_at = None  # that wait covered the window the server told us about
                continue
            limited = 0
            if status == 404 and method == "DELETE" and maybe_done:
                self._event(f"{where}: 404 after a retry; the earlier attempt deleted it")
                return None
            message = api_message(response, self._redact)
            if status >= 500:
                if method == "POST":
                    raise (_MaybeStillRunning if status == 504 else AmbiguousWriteError)(
                        method, path, status, f"no usable response ({message})", hint=_MAYBE_CREATED
                    )
                if failures >= self.max_retries:
                    raise ApiError(
                        method, path, status, f"{message} (gave up after {failures} retries)"
                    )
                failures += 1
                maybe_done = True
                self._backoff(f"{where} -> {status}", failures, jitter="full")
                continue
            cls, hint = _HINTS.get(status, (ApiError, ""))
            raise cls(
                method, path, status, message, hint=self._hint(method, path, response) or hint
            )

    def _exchange(
        self, method: str, path: str, params: dict | None, body: dict | None
    ) -> tuple[httpx.Response, bytearray | None]:
        """Send one request and read its answer; a 2xx body comes back as a buffer of our own.

        The buffer is not kept on the response, so `_decode` can free a big list's bytes
        before its objects are built (bytes, text and objects are never all alive at once).
        Errors while reading the body are the request's errors, as with a plain request().
        """
        request = self._http.build_request(method, path, params=params, json=body)
        response = self._http.send(request, stream=True)
        try:
            if not 200 <= response.status_code < 300:
                response.read()  # kept on the response, as before: api_message reads it
                return response, None
            payload = bytearray()
            for chunk in response.iter_bytes():
                payload += chunk
            return response, payload
        finally:
            response.close()

    def _decode(
        self,
        method: str,
        path: str,
        status: int,
        payload: bytearray,
        hook: Callable[[list[tuple[str, Any]]], Any] | None,
    ) -> Any:
        if not payload or payload.isspace():
            return None  # 204, or a 200 with nothing in it
        text: str | None = None
        try:  # what httpx's response.json() does: json.loads(bytes), UTF-8/16/32 detected
            text = payload.decode(json.detect_encoding(payload), "surrogatepass")
        except UnicodeDecodeError:
            pass
        if text is not None:
            payload.clear()  # the bytes go before the objects come
            try:
                return json.loads(text, object_pairs_hook=hook)
            except (ValueError, RecursionError):
                pass  # raised outside the except block: no chained decoder traceback
        excerpt = text if text is not None else payload.decode("utf-8", "replace")
        raise ResponseError(
            method,
            path,
            status,
            "the response is not JSON: " + (_excerpt(self._redact(excerpt), 120) or "(binary)"),
        )

    @staticmethod
    def _expect_object(method: str, path: str, value: Any) -> dict:
        if not isinstance(value, dict):
            raise ResponseError(
                method,
                path,
                200,
                "expected a JSON object, got "
                f"{type(value).__name__ if value is not None else 'no body'}",
            )
        return value

    # -- pacing, waiting, bookkeeping --------------------------------------------------------

    def _note_limits(self, info: RateLimitInfo | None) -> None:
        """Remember when the window ends if this response used it up; later news wins."""
        if info is None or info.remaining is None:
            return  # no news about the window: keep whatever we knew
        if info.remaining <= 0 and info.reset is not None:
            self._ready_at = self._clock() + min(info.reset, MAX_SERVER_WAIT) + PACING_MARGIN
        else:
            self._ready_at = None

    def _pace(self, where: str) -> None:
        # One window for the whole client: Close's endpoint groups are unpublished, so waiting
        # on any exhausted window is the conservative reading (writes are serial anyway).
        if self._ready_at is None:
            return
        wait = self._ready_at - self._clock()
        self._ready_at = None
        if wait > 0:
            self.stats.paced += 1
            self._wait(f"rate limit window used up; waiting {wait:.2f} s before {where}", wait)

    def _backoff(self, what: str, retry: int, *, jitter: str) -> None:
        cap = min(self.backoff_max, self.backoff_base * 2 ** (retry - 1))
        # Full jitter spreads retries after server errors; a 429 with no reset gets at least
        # half the cap ("equal jitter") so a retry never lands straight back in the window.
        low = cap / 2 if jitter == "equal" else 0.0
        wait = self._random.uniform(low, cap)
        self._wait(f"{what}: retrying in {wait:.2f} s (retry {retry} of {self.max_retries})", wait)

    def _wait(self, message: str, seconds: float) -> None:
        self._event(message)
        self.stats.waited += seconds
        self._sleep(seconds)

    def _count(self, method: str) -> None:
        self.stats.requests += 1
        self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
        if method in _WRITES:
            self.stats.writes += 1

    def _hint(self, method: str, path: str, response: httpx.Response) -> str:
        """What to fix, for the answers a wrong key or URL gets."""
        status = response.status_code
        if status == 401:
            return _HINTS[401][1].format(key_source=self.key_source)
        if 300 <= status < 400:
            location = self._redact(response.headers.get("location", "").strip())
            if location.startswith("https://") and self.base_url.startswith("http://"):
                return (
                    f"the server redirects to {location}: use https:// in {self.url_source} "
                    f"(schemasync never follows a redirect with the API key)"
                )
            where = f"to {location}" if location else "elsewhere"
            return (
                f"the server redirects {where}: set {self.url_source} to the API's own URL "
                "(schemasync never follows a redirect with the API key)"
            )
        if status == 404 and method == "GET" and path in _ALWAYS_THERE:
            ending = "" if self.base_url.rstrip("/").endswith("/api/v1") else ", which it does not"
            return (
                f"every Close API serves {path}, so {self.base_url} is probably not the API's "
                f"URL: check {self.url_source}; it ends in /api/v1{ending} "
                f"(Close's is {DEFAULT_API_URL})"
            )
        return ""

    def _describe(self, exc: Exception) -> str:
        reason = next((r for cls, r in _REASONS if isinstance(exc, cls)), type(exc).__name__)
        detail = _excerpt(self._redact(str(exc)), 120)  # "[Errno 111] Connection refused"
        if detail and detail.lower() not in reason:
            reason = f"{reason}: {detail}"
        return self._redact(reason)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def _event(self, message: str) -> None:
        message = self._redact(message)
        log.info("%s", message)
        if self._on_event is not None:
            self._on_event(message)
