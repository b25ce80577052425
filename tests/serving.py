"""Helpers for tests that drive schemasync against the emulator over a real socket.

`socket_org()` serves a fresh emulated org on 127.0.0.1; `run_cli()` runs the real command line
in-process (click's CliRunner) with the key in the environment, and `fast_clients()` makes every
CloseClient the CLI builds retry with tiny backoffs and a short read timeout, so that fault tests
exercise the real retry paths without real waiting.
"""

from __future__ import annotations

import functools
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

import schemasync.client
from schemasync.cli import cli
from schemasync.client import CloseClient
from schemasync.emulator import EmulatorApp, EmulatorServer, Store, serve
from tests.orgs import KEY, new_store

READ_TIMEOUT = 0.3  # seconds; a "latency" fault longer than this is a timeout
MAX_SLEEP = 0.06  # no retry or rate-limit wait in these tests sleeps longer than this


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    # httpx loads the CA bundle for every client it builds (~60 ms): share one context.
    return httpx.create_ssl_context()


def _fast(options: dict[str, Any]) -> dict[str, Any]:
    options.setdefault("backoff_base", 0.01)
    options.setdefault("backoff_max", 0.05)
    options.setdefault("timeout", httpx.Timeout(READ_TIMEOUT))
    options.setdefault("sleep", short_sleep)
    options.setdefault("transport", httpx.HTTPTransport(verify=_tls()))
    return options


def short_sleep(seconds: float) -> None:
    """Sleep, but never longer than MAX_SLEEP (a server's `Retry-After: 1` costs 0.06 s)."""
    time.sleep(min(seconds, MAX_SLEEP))


@contextmanager
def fast_clients(monkeypatch: pytest.MonkeyPatch, **settings: Any) -> Iterator[None]:
    """Every CloseClient the CLI builds retries with tiny backoffs, caps its waits at
    MAX_SLEEP and times out reads after READ_TIMEOUT (`settings` override any of these)."""

    class FastCloseClient(CloseClient):
        def __init__(self, *args: Any, **options: Any) -> None:
            super().__init__(*args, **_fast({**settings, **options}))

    with monkeypatch.context() as m:
        m.setattr(schemasync.client, "CloseClient", FastCloseClient)
        yield


class TrackedApp(EmulatorApp):
    """The emulator app, counting requests in flight so a test can wait for a slow one (a
    "latency" fault keeps working after the client gave up, and may still commit)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._active = 0
        self._idle = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._idle:
            self._active += 1
            self._idle.notify_all()
        try:
            return super().__call__(environ, start_response)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._idle:
            assert self._idle.wait_for(lambda: self._active == 0, timeout), "server still busy"

    def wait_busy(self, timeout: float = 10.0) -> None:
        """Wait until the server is working on a request."""
        with self._idle:
            assert self._idle.wait_for(lambda: self._active > 0, timeout), "server idle"

    def reset(self, store: Store) -> None:
        """Serve a new org with no faults, no log and no rate limit (one server, many tests)."""
        self.wait_idle()
        self.store = store
        self.faults.clear()
        self.reset_log()
        self.limiter = None


@dataclass
class SocketOrg:
    """One emulated org served over a real socket."""

    store: Store
    app: TrackedApp
    server: EmulatorServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def env(self) -> dict[str, str]:
        """What a CLI run needs to reach this org."""
        return {"CLOSE_API_KEY": KEY, "CLOSE_API_URL": self.url}

    def names(self) -> Counter[str]:
        """How many objects carry each name: `Type` for types, `Type.Field` for fields (once
        every request the server is still working on has finished)."""
        self.app.wait_idle()
        snap = self.store.snapshot()
        types = {t["id"]: t["name"] for t in snap["custom_object_types"]}
        counts: Counter[str] = Counter(types.values())
        for f in snap["custom_fields"]:
            counts[f"{types.get(f['custom_object_type_id'], '?')}.{f['name']}"] += 1
        return counts

    def ids(self) -> set[str]:
        self.app.wait_idle()
        snap = self.store.snapshot()
        return {o["id"] for o in snap["custom_object_types"] + snap["custom_fields"]}

    def writes(self) -> list[tuple[str, str, int | None]]:
        return [entry for entry in self.app.log if entry[0] != "GET"]


@contextmanager
def socket_org(store: Store | None = None, **app_options: Any) -> Iterator[SocketOrg]:
    store = store if store is not None else new_store()
    app_options.setdefault("api_keys", {KEY})
    app = TrackedApp(store, **app_options)
    with serve(app) as server:
        yield SocketOrg(store, app, server)


def run_cli(
    args: list[str],
    *,
    url: str | None = None,
    key: str | None = KEY,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> Result:
    """Run `schemasync ARGS` in-process; stdout and stderr stay apart (click >= 8.2).

    The developer's CLOSE_API_*, SCHEMASYNC_ENV and SCHEMASYNC_DEBUG never reach it; an
    `env` value of None unsets a variable.
    """
    full_env = {
        "CLOSE_API_KEY": key,
        "CLOSE_API_URL": url,
        "NO_COLOR": "1",
        "SCHEMASYNC_DEBUG": None,
        "SCHEMASYNC_ENV": None,
    }
    full_env.update(env or {})
    return CliRunner().invoke(cli, args, env=full_env, input=input, catch_exceptions=False)


def assert_clean(result: Result) -> None:
    """No traceback and no internal error ever reaches a user."""
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output
