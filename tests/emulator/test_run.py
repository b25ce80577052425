"""`run_emulator`: the `schemasync emulator` command in a thread and in a subprocess."""

from __future__ import annotations

import io
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemasync.emulator import (
    EmulatorApp,
    StateFileError,
    Store,
    run_emulator,
    serve,
)
from schemasync.errors import SchemaSyncError, UsageError
from tests.emulator.helpers import REPO, TYPE_BODY, make_client

# -- run_emulator --------------------------------------------------------------------------


def _wait_for_url(text: Any, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"http://127\.0\.0\.1:\d+/api/v1", text())
        if match:
            return match.group(0)
        time.sleep(0.02)
    raise AssertionError("the emulator never printed its URL")


def test_run_emulator_in_a_thread(tmp_path: Path) -> None:
    out = io.StringIO()
    stop = threading.Event()
    state = tmp_path / "org.json"
    thread = threading.Thread(
        target=run_emulator,
        args=(0, str(state), "secret-key", "50/1"),
        kwargs={"out": out, "stop": stop},
        daemon=True,
    )
    thread.start()
    try:
        url = _wait_for_url(out.getvalue)
        with httpx.Client(base_url=url, auth=("secret-key", ""), timeout=5) as c:
            r = c.post("/custom_object_type/", json=TYPE_BODY)
            assert r.status_code == 201 and "RateLimit" in r.headers
        assert httpx.get(url + "/me/", auth=("other", ""), timeout=5).status_code == 401
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    text = out.getvalue()
    assert f"export CLOSE_API_URL={url}" in text and "CLOSE_API_KEY" in text
    assert "curl" in text and "secret-key" not in text
    assert text.rstrip().endswith("Emulator stopped.")
    assert [t["name"] for t in Store.load(state).types.values()] == ["Account"]


def _run_briefly(state: Path, work: Any) -> str:
    """Run the emulator on ``state`` in a thread, call ``work(url)``, stop it; its output."""
    out = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(
        target=run_emulator,
        args=(0, str(state), None, None),
        kwargs={"out": out, "stop": stop},
        daemon=True,
    )
    thread.start()
    try:
        work(_wait_for_url(out.getvalue))
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    return out.getvalue()


def test_run_emulator_on_an_empty_state_file(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    state.write_text("")

    def work(url: str) -> None:
        assert Store.load(state).types == {}  # written at start: an org with an id
        with httpx.Client(base_url=url, auth=("k", ""), timeout=5) as c:
            c.post("/custom_object_type/", json=TYPE_BODY)
            c.post("/status/lead/", json={"label": "Potential"})

    text = _run_briefly(state, work)
    assert f"State: {state} (new), kept current on every change" in text
    assert [p.name for p in tmp_path.iterdir()] == ["org.json"]  # the journal was folded in
    assert len(Store.load(state).records["lead_statuses"]) == 1

    def nothing(url: str) -> None:
        pass

    text = _run_briefly(state, nothing)
    assert f"State: {state} (loaded: 1 types, 0 fields, 1 statuses)" in text


def test_run_emulator_folds_a_journal_left_by_a_crash(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=state)
    with make_client(app, key="k") as c:
        c.post("/custom_object_type/", json=TYPE_BODY)
        c.post("/custom_field/lead/", json={"name": "Industry", "type": "text"})
    journal = tmp_path / "org.json.journal"
    assert journal.exists()  # as if the emulator had been killed here

    def work(url: str) -> None:
        assert not journal.exists()  # folded in at start
        with httpx.Client(base_url=url, auth=("k", ""), timeout=5) as c:
            assert [f["name"] for f in c.get("/custom_field/lead/").json()["data"]] == ["Industry"]

    text = _run_briefly(state, work)
    assert "(loaded: 1 types, 1 fields)" in text
    assert Store.load(state) == app.store


def test_run_emulator_reports_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="rate limit"):
        run_emulator(0, None, None, "fast", out=io.StringIO())
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    with pytest.raises(StateFileError, match="bad.json"):
        run_emulator(0, str(bad), None, None, out=io.StringIO())
    with serve(EmulatorApp(Store())) as server, pytest.raises(SchemaSyncError, match="listen"):
        run_emulator(server.port, None, None, None, out=io.StringIO())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_emulator_subprocess(tmp_path: Path, sig: int) -> None:
    code = "from schemasync.emulator import run_emulator; run_emulator(0, None, None, None)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def reader() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    pump = threading.Thread(target=reader, daemon=True)
    pump.start()

    def text() -> str:
        while not lines.empty():
            seen.append(lines.get())
        return "".join(seen)

    with proc:
        try:
            url = _wait_for_url(text, timeout=20)
            r = httpx.get(url + "/custom_object_type/", auth=("any-key", ""), timeout=5)
            assert r.json() == {"data": []}
            proc.send_signal(sig)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            pump.join(timeout=5)
    output = text()
    assert "Traceback" not in output and "Emulator stopped." in output
