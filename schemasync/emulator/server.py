"""Serving the emulator: in-process httpx transport, threaded HTTP server, `schemasync emulator`."""

from __future__ import annotations

import os
import re
import signal
import socketserver
import sys
import threading
from types import TracebackType
from typing import Any, TextIO
from wsgiref import simple_server

import httpx

from schemasync.errors import SchemaSyncError, UsageError

from .app import PREFIX, ClientTimedOut, DropConnection, EmulatorApp, _in_process
from .store import Store


class EmulatorTransport(httpx.BaseTransport):
    """An httpx transport that calls the app in-process and turns faults into httpx errors."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self._wsgi = httpx.WSGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout") or {}
        _in_process.read_timeout = timeout.get("read")
        try:
            return self._wsgi.handle_request(request)
        except DropConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        except ClientTimedOut:
            raise httpx.ReadTimeout("The read operation timed out", request=request) from None
        finally:
            _in_process.read_timeout = None

    def close(self) -> None:
        self._wsgi.close()


class _ServerHandler(simple_server.ServerHandler):
    """wsgiref's handler, except that DropConnection sends nothing at all."""

    dropped = False

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            self.dropped = True
            return
        super().handle_error()


class _RequestHandler(simple_server.WSGIRequestHandler):
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]
        if handler.dropped:
            self.close_connection = True


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, which can stall on DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away or timed out: nothing to report
        super().handle_error(request, client_address)


class EmulatorServer:
    """A running emulator on a real socket; ``url`` ends in /api/v1."""

    def __init__(
        self, httpd: _ThreadingWSGIServer, thread: threading.Thread, app: EmulatorApp
    ) -> None:
        self._httpd = httpd
        self._thread = thread
        self.app = app
        self.host = str(httpd.server_address[0])
        self.port = int(httpd.server_address[1])
        self.url = f"http://{self.host}:{self.port}{PREFIX}"
        self._closed = False

    def shutdown(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


def serve(app: EmulatorApp, host: str = "127.0.0.1", port: int = 0) -> EmulatorServer:
    """Serve ``app`` from a background thread; port 0 picks a free port."""
    httpd = _ThreadingWSGIServer((host, port), _RequestHandler)
    httpd.set_app(app)
    thread = threading.Thread(
        target=httpd.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"schemasync-emulator-{httpd.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return EmulatorServer(httpd, thread, app)


def parse_rate_limit(text: str) -> tuple[int, float]:
    """``"10/1"`` → ``(10, 1.0)``: N requests per SECONDS per key; ``"10"`` means ``10/1``."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:/\s*(\d+(?:\.\d*)?|\.\d+)\s*)?", text or "")
    problem = (
        f"invalid rate limit {text!r}: expected N or N/SECONDS, e.g. 10/1 for 10 "
        "requests per second"
    )
    if not match:
        raise ValueError(problem)
    count = int(match.group(1))
    seconds = float(match.group(2)) if match.group(2) else 1.0
    if count < 1 or seconds <= 0:
        raise ValueError(f"{problem} (both numbers must be greater than zero)")
    return count, seconds


def _counts(store: Store) -> str:
    """What a loaded state file holds, e.g. "2 types, 5 fields" (and more when there is)."""
    recs = store.records
    fields = sum(len(recs[n]) for n in recs if n.endswith("_fields")) - len(recs["shared_fields"])
    parts = [f"{len(store.types)} types", f"{fields} fields"]
    extra = [
        (len(recs["custom_activity_types"]), "activity types"),
        (len(recs["shared_fields"]), "shared fields"),
        (len(recs["lead_statuses"]) + len(recs["opportunity_statuses"]), "statuses"),
        (len(recs["pipelines"]), "pipelines"),
    ]
    parts += [f"{n} {what}" for n, what in extra if n]
    return ", ".join(parts)


def run_emulator(
    port: int,
    state: str | None,
    api_key: str | None,
    rate_limit: str | None,
    out: TextIO | None = None,
    *,
    host: str = "127.0.0.1",
    stop: threading.Event | None = None,
) -> None:
    """Run `schemasync emulator` until Ctrl-C, SIGTERM or ``stop`` is set.

    Raises StateFileError for an unusable state file, UsageError for a bad rate limit and
    SchemaSyncError when the port cannot be bound; never prints the API key."""
    out = out if out is not None else sys.stderr
    try:
        limit = parse_rate_limit(rate_limit) if rate_limit else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    origin: str | None
    if state is not None and os.path.exists(state) and os.path.getsize(state) > 0:
        store = Store.load(state)
        origin = f"{state} (loaded: {_counts(store)})"
    else:
        store = Store()
        origin = None if state is None else f"{state} (new)"
    app = EmulatorApp(
        store, api_keys={api_key} if api_key else None, rate_limit=limit, state_path=state
    )
    if app.journal is not None:
        app.journal.compact()  # the file as loaded (a replayed journal folded in) or new
    try:
        server = serve(app, host, port)
    except OSError as exc:
        app.close()
        raise SchemaSyncError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    stop = stop if stop is not None else threading.Event()
    # schemasync refuses keys shorter than 8 characters, so the suggested one is longer
    key_line = "<the key you passed with --api-key>" if api_key else "demo-key"
    lines = [
        f"Close API emulator listening on {server.url}",
        f"Organization: {store.organization_name} ({store.organization_id})",
        f"State: {origin}, kept current on every change"
        if origin
        else "State: in memory only (use --state FILE to keep it)",
        "API key: only the one given with --api-key"
        if api_key
        else "API key: any non-empty key is accepted (demo mode; schemasync wants 8 or more "
        "characters)",
        f"Rate limit: {limit[0]} requests per {limit[1]:g} s per key"
        if limit
        else "Rate limit: none",
        "",
        "Use it:",
        f"  export CLOSE_API_URL={server.url}",
        f"  export CLOSE_API_KEY={key_line}",
        '  curl -u "$CLOSE_API_KEY:" "$CLOSE_API_URL/custom_object_type/"',
        "",
        "Press Ctrl-C to stop.",
    ]
    in_main = threading.current_thread() is threading.main_thread()
    previous: Any = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main else None
    try:
        print("\n".join(lines), file=out, flush=True)
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        app.close()
        if in_main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    print("Emulator stopped.", file=out, flush=True)
