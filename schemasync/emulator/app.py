"""The emulator's WSGI app: auth, rate limiting, fault injection, routing and the request log."""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from os import PathLike
from typing import Any
from urllib.parse import parse_qs

from .checks import HttpFailure, not_found
from .faults import Fault, Faults
from .routes import Request, match
from .statefile import Journal, StateFileError
from .store import Behaviour, Store

PREFIX = "/api/v1"
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

StartResponse = Callable[..., Any]
Headers = list[tuple[str, str]]
LogEntry = tuple[str, str, "int | None"]

# Set by EmulatorTransport for the duration of one in-process request: the client's read
# timeout, so that a "latency" fault longer than it can end in httpx.ReadTimeout.
_in_process = threading.local()


class DropConnection(Exception):
    """Raised by the app to mean: close the connection without sending any response."""


class ClientTimedOut(Exception):
    """In-process only: the client's read timeout passed before the response was ready."""


class RateLimiter:
    """Fixed-window request counter per API key."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("rate limit needs at least 1 request per a positive window")
        self.limit, self.window, self.clock = limit, float(window), clock
        self._buckets: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one request; returns (allowed, remaining, seconds until the window ends)."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(key)
            if bucket is None or now >= bucket[0] + self.window:
                bucket = self._buckets[key] = [now, 0]
            allowed = bucket[1] < self.limit
            if allowed:
                bucket[1] += 1
            return allowed, int(self.limit - bucket[1]), max(bucket[0] + self.window - now, 0.0)


def _send(start_response: StartResponse, status: int, headers: Headers, body: bytes) -> list[bytes]:
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {_REASONS.get(status, 'Unknown')}", headers)
    return [body]


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode("utf-8")


def _json(status: int, data: bytes, headers: Headers | None = None) -> tuple[int, Headers, bytes]:
    return status, [("Content-Type", "application/json"), *(headers or [])], data


def _html(status: int) -> tuple[int, Headers, bytes]:
    title = f"{status} {_REASONS.get(status, 'Error')}"
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
    return status, [("Content-Type", "text/html; charset=utf-8")], page.encode()


class EmulatorApp:
    """A WSGI app that answers like the Close API for one Store."""

    def __init__(
        self,
        store: Store,
        api_keys: Iterable[str] | None = None,
        rate_limit: tuple[int, float] | None = None,
        rate_limit_headers: bool = True,
        rate_limit_separator: str = ",",
        state_path: str | PathLike[str] | None = None,
        behaviour: Behaviour | None = None,
    ) -> None:
        if rate_limit_separator not in (",", ";"):
            raise ValueError("rate_limit_separator must be ',' or ';'")
        self.store = store
        self.api_keys = None if api_keys is None else set(api_keys)
        self.limiter = RateLimiter(*rate_limit) if rate_limit else None
        self.rate_limit_headers = rate_limit_headers
        self.rate_limit_separator = rate_limit_separator
        self.state_path = state_path
        self.journal = Journal(store, state_path) if state_path is not None else None
        if behaviour is not None:
            store.behaviour = behaviour
        self.faults = Faults()
        self.log: list[LogEntry] = []
        self._log_lock = threading.Lock()

    def close(self) -> None:
        """Fold the state file's journal into the file (call when the emulator stops)."""
        if self.journal is not None:
            self.journal.close()

    def reset_log(self) -> None:
        with self._log_lock:
            self.log.clear()

    def _record(self, method: str, path: str, status: int | None) -> None:
        with self._log_lock:
            self.log.append((method, path, status))

    # -- WSGI entry point ----------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        fullpath = str(environ.get("PATH_INFO", "")) or "/"
        inside = fullpath.startswith(PREFIX + "/")
        subpath = fullpath[len(PREFIX) :] if inside else fullpath
        routed = subpath if inside else None  # what _respond routes; None is always a 404
        raw = self._read_body(environ)  # read first, so a dropped connection is a clean close
        fault = self.faults.pick(method, subpath, fullpath)
        if fault is not None and fault.action in ("drop", "429", "500", "502", "503", "504"):
            return self._fault_response(fault, method, subpath, start_response)
        if fault is not None and fault.action == "latency":
            read_timeout = getattr(_in_process, "read_timeout", None)
            if read_timeout is not None and fault.delay > read_timeout:
                time.sleep(read_timeout)
                status, _, _ = self._respond(environ, method, routed, raw)
                self._record(method, subpath, status)
                raise ClientTimedOut()
            time.sleep(fault.delay)
        status, headers, body = self._respond(environ, method, routed, raw)
        if fault is not None and fault.action == "commit_then_drop":
            self._record(method, subpath, None)
            raise DropConnection()
        self._record(method, subpath, status)
        return _send(start_response, status, headers, body)

    def _fault_response(
        self, fault: Fault, method: str, subpath: str, start_response: StartResponse
    ) -> list[bytes]:
        if fault.action == "drop":
            self._record(method, subpath, None)
            raise DropConnection()
        if fault.action == "429":
            retry = str(math.ceil(fault.delay)) if fault.delay > 0 else "1"
            status, headers, body = 429, [("Retry-After", retry)], b""
        else:
            status, headers, body = _html(int(fault.action))
        self._record(method, subpath, status)
        return _send(start_response, status, headers, body)

    # -- one request, no faults ----------------------------------------------------------

    def _respond(
        self, environ: dict[str, Any], method: str, subpath: str | None, raw: bytes
    ) -> tuple[int, Headers, bytes]:
        key = self._api_key(environ)
        if key is None:
            return _json(401, _encode({"error": "Unauthorized"}))
        extra: Headers = []
        if self.limiter is not None:
            allowed, remaining, reset = self.limiter.hit(key)
            if self.rate_limit_headers:
                extra = self._rate_headers(remaining, reset)
            if not allowed:
                retry = str(max(1, math.ceil(reset)))
                return 429, [*extra, ("Retry-After", retry)], b""
        try:
            status, data = self._dispatch(environ, method, subpath, raw)
        except HttpFailure as failure:
            status, data = failure.status, _encode(failure.body)
        if status == 204:
            return 204, extra, b""
        response = _json(status, data, extra)
        if status == 405:
            found = match(subpath)
            response[1].append(("Allow", ", ".join(found[0].methods if found else ())))
        return response

    def _rate_headers(self, remaining: int, reset: float) -> Headers:
        assert self.limiter is not None
        sep = self.rate_limit_separator
        limit = self.limiter.limit
        return [
            ("RateLimit", f"limit={limit}{sep} remaining={remaining}{sep} reset={reset:.3f}"),
            ("ratelimit-limit", str(limit)),
            ("ratelimit-remaining", str(remaining)),
            ("ratelimit-reset", str(math.ceil(reset))),
        ]

    def _api_key(self, environ: dict[str, Any]) -> str | None:
        header = str(environ.get("HTTP_AUTHORIZATION", "")).strip()
        scheme, _, value = header.partition(" ")
        key = ""
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            key = decoded.partition(":")[0]
        elif scheme.lower() == "bearer":
            key = value.strip()
        if not key:
            return None
        if self.api_keys is not None and key not in self.api_keys:
            return None
        return key

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        stream = environ.get("wsgi.input")
        return stream.read(length) if length > 0 and stream is not None else b""

    def _dispatch(
        self, environ: dict[str, Any], method: str, subpath: str | None, raw: bytes
    ) -> tuple[int, bytes]:
        """The status and the JSON body (empty for 204) of one routed request.

        The body is serialized while ``store.lock`` is held: rendered payloads share lists
        with the store's records, so they must not outlive the lock.
        """
        found = match(subpath)
        if found is None:
            raise not_found()
        route, params = found
        if method not in route.methods:
            return 405, _encode({"error": "Method not allowed."})
        body: dict[str, Any] = {}
        if method in ("POST", "PUT"):
            body = self._parse_json(raw)
        query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        store = self.store
        with store.lock:
            store.reading = method == "GET"  # a read counts down conversions in progress
            try:
                status, payload = route.handler(Request(store, method, params, body, query))
            finally:
                store.reading = False
            if method != "GET" and self.journal is not None:
                try:
                    self.journal.commit()
                except StateFileError as exc:
                    message = f"The emulator could not save its state: {exc}"
                    return 500, _encode({"error": message})
            return status, b"" if status == 204 else _encode(payload)

    @staticmethod
    def _parse_json(raw: bytes) -> dict[str, Any]:
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise HttpFailure(400, {"error": "The request contains invalid JSON."}) from None
        if not isinstance(body, dict):
            raise HttpFailure(400, {"error": "The request body must be a JSON object."})
        return body
