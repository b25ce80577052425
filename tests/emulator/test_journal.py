"""The state file's journal: one line per write, replayed on load, safe when killed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemasync.emulator import EmulatorApp, StateFileError, Store
from tests.emulator.helpers import (
    REPO,
    TYPE_BODY,
    create_field,
    create_type,
    make_client,
    object_field,
    whole_org,
)


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def test_every_write_is_on_disk_when_answered(tmp_path: Path) -> None:
    """After each write the files load as the store in memory: no change escapes the
    journal (this walks every write route)."""
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(seed=3), state_path=path)
    seen: list[int] = []

    def check(response: httpx.Response) -> None:
        if response.request.method != "GET":
            response.read()
            assert Store.load(path).snapshot() == app.store.snapshot(), response.request.url
            journal = journal_of(path)
            seen.append(journal.stat().st_size if journal.exists() else 0)

    with make_client(app, key="k", event_hooks={"response": [check]}) as client:
        whole_org(client)
    assert len(seen) > 40 and max(seen) > 0  # the journal was used, not only whole saves
    assert Store.load(path) == app.store


def test_a_write_appends_instead_of_rewriting(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    store = Store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    for i in range(60):
        store.add("custom_fields", custom_object_type_id=account["id"], name=f"F{i}", type="text")
    app = EmulatorApp(store, state_path=path)
    with make_client(app, key="k") as client:
        create_type(client, "First")  # the first write saves the whole file
        whole = path.read_bytes()
        sizes = []
        for i in range(5):
            create_field(client, account["id"], f"New {i}")
            sizes.append(journal_of(path).stat().st_size)
        assert path.read_bytes() == whole  # untouched
        lines = journal_of(path).read_text().splitlines()
        assert len(lines) == 6 and json.loads(lines[0]) == {
            "journal": 1,
            "base": hashlib.sha256(whole).hexdigest(),
        }
        steps = [b - a for a, b in zip([0, *sizes[:-1]], sizes, strict=True)]
        assert all(0 < step < len(whole) / 10 for step in steps)  # the records changed only
        entry = json.loads(lines[-1])
        assert [f["name"] for f in entry["put"]["custom_fields"]] == ["New 4"]
        assert [t["id"] for t in entry["put"]["custom_object_types"]] == [account["id"]]
        assert entry["del"] == {} and entry["set"] == {}
    assert Store.load(path) == store


def test_journal_is_folded_when_it_outgrows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as client:
        t = create_type(client)
        for i in range(40):
            create_field(client, t["id"], f"Field {i}", description="x" * 200)
            journal = journal_of(path)
            if journal.exists():
                assert journal.stat().st_size <= path.stat().st_size
    assert Store.load(path) == app.store


def test_close_folds_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as client:
        create_type(client)
        create_type(client, "Other")
    assert journal_of(path).exists()
    app.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.json"]
    assert Store.load(path) == app.store
    app.close()  # twice is fine


def _writes(tmp_path: Path, count: int) -> tuple[Path, list[dict[str, Any]]]:
    """An app's state file after `count` type creations, and the snapshot after each."""
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    snapshots = []
    with make_client(app, key="k") as client:
        for i in range(count):
            create_type(client, f"T{i}")
            snapshots.append(app.store.snapshot())
    return path, snapshots


def test_a_write_cut_short_by_a_crash_is_ignored(tmp_path: Path) -> None:
    path, snapshots = _writes(tmp_path, 4)
    journal = journal_of(path)
    data = journal.read_bytes()
    journal.write_bytes(data[:-15])  # the last entry lost its end and its newline
    assert Store.load(path).snapshot() == snapshots[-2]
    journal.write_bytes(data + b'{"put": {"custom_obj')  # a new entry begun, not finished
    assert Store.load(path).snapshot() == snapshots[-1]


def test_only_a_header_cut_short(tmp_path: Path) -> None:
    path, snapshots = _writes(tmp_path, 1)
    journal_of(path).write_bytes(b'{"journal": 1, "ba')
    assert Store.load(path).snapshot() == snapshots[0]


def test_a_journal_of_an_older_state_file_is_ignored(tmp_path: Path) -> None:
    """A crash between writing a new state file and removing the old journal."""
    path, _ = _writes(tmp_path, 3)
    old = journal_of(path).read_bytes()
    fresh = Store(org_name="Fresh")
    fresh.save(path)
    assert not journal_of(path).exists()  # save drops it
    journal_of(path).write_bytes(old)
    assert Store.load(path) == fresh


def test_replaying_an_entry_twice_changes_nothing(tmp_path: Path) -> None:
    path, snapshots = _writes(tmp_path, 3)
    lines = journal_of(path).read_bytes().splitlines(keepends=True)
    store = Store.load(path)
    store.save(path)  # the entries are now in the file too
    base = hashlib.sha256(path.read_bytes()).hexdigest()
    header = (json.dumps({"journal": 1, "base": base}) + "\n").encode()
    journal_of(path).write_bytes(header + b"".join(lines[1:]))
    assert Store.load(path).snapshot() == snapshots[-1]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: [lines[0], b"{not json\n", *lines[1:]], "damaged at line 2"),
        (lambda lines: [b"[1, 2]\n", *lines[1:]], "not an emulator journal"),
        (lambda lines: [lines[0], b'{"put": {}, "del": {}}\n'], "journal entry 1 is malformed"),
        (
            lambda lines: [lines[0], b'{"put": {"nope": []}, "del": {}, "set": {}}\n'],
            "malformed",
        ),
        (
            lambda lines: [
                lines[0],
                b'{"put": {"roles": [{"id": "role_x"}]}, "del": {}, "set": {}}\n',
            ],
            "lacks",
        ),
    ],
)
def test_a_damaged_journal_is_an_error(tmp_path: Path, damage: Any, message: str) -> None:
    path, _ = _writes(tmp_path, 2)
    journal = journal_of(path)
    journal.write_bytes(b"".join(damage(journal.read_bytes().splitlines(keepends=True))))
    with pytest.raises(StateFileError, match=message) as info:
        Store.load(path)
    assert "org.json" in str(info.value)
    chained = info.value.__cause__ or (
        not info.value.__suppress_context__ and info.value.__context__
    )
    assert not chained


def test_a_journal_that_cannot_be_written_is_a_500_then_recovers(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as client:
        create_type(client, "A")
        journal_of(path).mkdir()  # appending to it fails
        r = client.post("/custom_object_type/", json=TYPE_BODY)
        assert r.status_code == 500
        assert r.json()["error"].startswith("The emulator could not save its state: ")
        journal_of(path).rmdir()
        create_type(client, "C")  # rewrites the whole file: nothing is lost
    assert [t["name"] for t in Store.load(path).types.values()] == ["A", "Account", "C"]


def test_reads_do_not_touch_the_files(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as client:
        f = object_field(client, "lead", "Users", "number")
        client.put(f"/custom_field/lead/{f['id']}/", json={"type": "text"})
        before = (path.read_bytes(), journal_of(path).read_bytes())
        client.get("/custom_field/lead/")  # counts the conversion down, in memory only
        client.get("/custom_object_type/")
        client.post("/custom_object_type/", json={})  # refused: nothing changed
        assert (path.read_bytes(), journal_of(path).read_bytes()) == before


def test_a_killed_emulator_keeps_every_answered_write(tmp_path: Path) -> None:
    state = tmp_path / "org.json"
    code = (
        "import sys; from schemasync.emulator import run_emulator; "
        "run_emulator(0, sys.argv[1], None, None)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(state)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stderr is not None
        url = ""
        deadline = time.monotonic() + 20
        while not url and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if "listening on " in line:
                url = line.split("listening on ", 1)[1].strip()
        assert url, "the emulator never printed its URL"
        with httpx.Client(base_url=url, auth=("k", ""), timeout=5) as client:
            made = [create_type(client, f"T{i}")["id"] for i in range(12)]
            client.delete(f"/custom_object_type/{made[0]}/")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    assert journal_of(state).exists()  # killed: nothing folded it
    assert list(Store.load(state).types) == made[1:]


def test_a_state_file_replaced_while_running_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as client:
        create_type(client, "A")
        create_type(client, "B")
        Store(org_name="Someone else's").save(path)  # also drops the journal
        create_type(client, "C")
        assert Store.load(path) == app.store
        create_type(client, "D")
        journal_of(path).unlink()  # D's entry is gone from the disk
        create_type(client, "E")
    assert [t["name"] for t in Store.load(path).types.values()] == ["A", "B", "C", "D", "E"]
