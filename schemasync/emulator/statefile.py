"""The emulator's JSON state file, its journal, and the checks that a loaded state is whole.

State file layout (``"version": 2``), also what :meth:`Store.snapshot` returns::

    {
      "version": 2,
      "organization": {"id": "orga_…", "name": "Emulated Org", "currency": "USD",
                       "lead_status_order": ["stat_…", ...]},   # the org's lead status order
      "user": {"id": "user_…", "first_name": "Emulator", "last_name": "User",
               "email": "emulator@example.com"},
      "roles": [                      # built-in roles first, then custom roles, creation order
        {"id": "role_…", "name": "Admin", "editable": false, "permissions": [...],
         "visibility_user_lcf_behavior": null, "visibility_user_lcf_ids": null}, ...],
      "custom_object_types": [        # creation order (so is every list below)
        {"id": "cotype_…", "name": ..., "name_plural": ..., "description": null,
         "api_create_only": false, "editable_with_roles": [], "is_archived": false,
         "field_order": ["cf_…", ...],   # display order: own fields and shared placements
         "created_by": "user_…", "updated_by": "user_…",
         "date_created": "2020-07-09T15:36:16.795350", "date_updated": ...}, ...],
      "custom_fields": [              # custom object fields, of every type
        {"id": "cf_…", "custom_object_type_id": "cotype_…", "name": ..., "description": null,
         "type": "text", "required": false, "accepts_multiple_values": false,
         "editable_with_roles": [], "choices": null, "referenced_custom_type_id": null,
         "back_reference_is_visible": null, "created_by": ..., "updated_by": ...,
         "date_created": "2024-02-21T10:00:00.123456+00:00", "date_updated": ...}, ...],
      "custom_activity_types": [      # as custom_object_types, without name_plural
        {"id": "actitype_…", "name": ..., "description": null, "api_create_only": false,
         "editable_with_roles": [], "is_archived": false, "field_order": [...], ...}, ...],
      "activity_fields": [...],       # as custom_fields, custom_activity_type_id for the owner
      "lead_fields": [...],           # as custom_fields without an owner key or "required"
      "contact_fields": [...], "opportunity_fields": [...],
      "field_orders": {"lead": ["cf_…", ...], "contact": [...], "opportunity": [...]},
      "shared_fields": [              # as lead_fields without editable_with_roles, plus
        {"id": "cf_…", ..., "associations": [   # one per object, in association order
           {"object_type": "custom_activity_type", "custom_activity_type_id": "actitype_…",
            "required": true, "editable_with_roles": []}, ...], ...}, ...],
      "lead_statuses": [{"id": "stat_…", "label": "Potential", "color": null}, ...],
      "pipelines": [{"id": "pipe_…", "name": "Sales", "status_order": ["stat_…", ...],
                     "created_by": ..., "updated_by": ..., "date_created": ...,
                     "date_updated": ...}, ...],
      "opportunity_statuses": [
        {"id": "stat_…", "label": "Won", "type": "won", "pipeline_id": "pipe_…"}, ...],
      "in_use": ["stat_…", ...]       # statuses that records still use (Store.mark_in_use)
    }

Version 1 files (organization with id and name only; roles, custom_object_types and
custom_fields) still load: the rest starts empty. An empty file is a new org.

The journal. Saving the whole org after every write costs time in proportion to the org, so
an app with a state file writes the whole file once, then appends one line per write to
``<state file>.journal``: a header ``{"journal": 1, "base": <sha256 of the state file>}`` and
then entries ``{"put": {collection: [record, ...]}, "del": {collection: [id, ...]}, "set":
{part: value}}`` (each record or part as it is after the write). Loading replays the entries
of a journal whose base is the state file as it is; a journal with another base is left over
from an older state file and ignored. The state file is rewritten (and the journal dropped)
when the journal grows past it and when the emulator stops. Crash safety:

- the state file is only ever replaced whole (temp file, fsync, rename);
- an entry is fsynced before the response is sent; a last line cut short by a crash has no
  newline and is ignored (no response was sent for it);
- entries set records to their final value, so replaying one twice changes nothing: a crash
  between writing a new state file and dropping the journal loses nothing.

Conversions in progress (``converting_to_type``) are not saved: a restarted emulator has
finished them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from schemasync.errors import SchemaSyncError

from .store import COLLECTION_NAMES, RECORD_KEYS, STANDARD_OBJECTS, Behaviour, Store

STATE_VERSION = 2
_V1_COLLECTIONS = ("roles", "custom_object_types", "custom_fields")
_ORGANIZATION_KEYS = ("id", "name", "currency", "lead_status_order")
S = TypeVar("S", bound=Store)


class StateFileError(SchemaSyncError):
    """An emulator state file that cannot be read, parsed or written."""


def journal_path(path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(path)}.journal")


def state_of(store: Store) -> dict[str, Any]:
    """The whole state in the state file layout, sharing the live records: hold ``lock``
    while using it and do not keep or change it (Store.snapshot is the copying version)."""
    state: dict[str, Any] = {
        "version": STATE_VERSION,
        "organization": store.organization,
        "user": store.user,
    }
    for name in COLLECTION_NAMES:
        state[name] = list(store.records[name].values())
    state["field_orders"] = store.field_orders
    state["in_use"] = sorted(store.in_use)
    return state


def write_snapshot(store: Store, path: str | os.PathLike[str]) -> bytes:
    """Write the state to ``path`` atomically (temp file in the same directory, fsync,
    os.replace), then drop the journal; returns the bytes written."""
    target = Path(path)
    with store.lock:
        data = (json.dumps(state_of(store), indent=2, sort_keys=True) + "\n").encode("utf-8")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path(".")
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as exc:
        raise StateFileError(
            f"cannot write emulator state file {target}: {exc.strerror or exc}"
        ) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    try:  # a journal left behind is ignored anyway: its base is the old file
        journal_path(target).unlink(missing_ok=True)
    except OSError:
        pass
    return data


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Journal:
    """Keeps a store's state file current: the whole file first, then a line per write."""

    def __init__(self, store: Store, path: str | os.PathLike[str]) -> None:
        self.store = store
        self.path = Path(path)
        self.journal = journal_path(path)
        self.started = False  # the state file holds this store, and changes are tracked
        self.base = ""
        self.snapshot_size = 0
        self.journal_size = 0
        self._written: tuple[int, int, int] | None = None  # the state file as compact() left it

    def _untouched(self) -> bool:
        """The state file (and journal) are still the ones this writer wrote."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        if (st.st_ino, st.st_size, st.st_mtime_ns) != self._written:
            return False
        return self.journal_size == 0 or self.journal.exists()

    def commit(self) -> None:
        """Record the store's changes since the last commit (call with ``store.lock`` held)."""
        if not self.started or not self._untouched():  # first write, or replaced meanwhile
            self.compact()
            return
        entry = self.store.take_changes()
        if entry is None:
            return
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode("utf-8")
        if self.journal_size == 0:
            header = json.dumps({"journal": 1, "base": self.base}) + "\n"
            line = header.encode("utf-8") + line
        try:
            with open(self.journal, "ab") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            self.started = False  # the next commit rewrites the whole state file
            raise StateFileError(
                f"cannot write emulator journal {self.journal}: {exc.strerror or exc}"
            ) from None
        self.journal_size += len(line)
        if self.journal_size > self.snapshot_size:
            self.compact()

    def compact(self) -> None:
        """Rewrite the whole state file and start an empty journal."""
        with self.store.lock:
            self.started = False
            data = write_snapshot(self.store, self.path)
            self.store.track_changes()
            self.base = _digest(data)
            self.snapshot_size = len(data)
            self.journal_size = 0
            st = os.stat(self.path)
            self._written = (st.st_ino, st.st_size, st.st_mtime_ns)
            self.started = True

    def close(self) -> None:
        """Fold the journal into the state file (a clean shutdown)."""
        with self.store.lock:
            if self.started and (self.journal_size or self.store.take_changes() is not None):
                self.compact()


# -- loading -------------------------------------------------------------------------------


def load(
    cls: type[S],
    path: str | os.PathLike[str],
    seed: int | None,
    clock: Callable[[], datetime] | None,
    behaviour: Behaviour | None,
) -> S:
    source = Path(path)
    try:
        data = source.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise StateFileError(f"cannot read emulator state file {source}: {reason}") from None
    if not text.strip():
        return cls(seed=seed, clock=clock, behaviour=behaviour)
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(
            f"emulator state file {source} is not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    entries = _read_journal(journal_path(source), _digest(data))
    try:
        return build(cls, state, seed, clock, behaviour, entries)  # `state` is ours alone
    except ValueError as exc:
        raise StateFileError(f"emulator state file {source} is not usable: {exc}") from None


def _read_journal(path: Path, base: str) -> list[Any]:
    """The entries of the journal at ``path`` if it belongs to the state file whose digest is
    ``base``; [] when there is none or it is left over from an older state file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StateFileError(f"cannot read emulator journal {path}: {exc.strerror}") from None
    lines = raw.split(b"\n")[:-1]  # what follows the last newline was never acknowledged
    if not lines:
        return []
    parsed: list[Any] = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(json.loads(line))
        except (ValueError, UnicodeDecodeError):
            raise StateFileError(
                f"emulator journal {path} is damaged at line {number}; remove it to start "
                "from the state file alone"
            ) from None
    header = parsed[0]
    if not isinstance(header, dict) or header.get("journal") != 1:
        raise StateFileError(f"{path} is not an emulator journal; remove it")
    return parsed[1:] if header.get("base") == base else []


def build(
    cls: type[S],
    state: Any,
    seed: int | None,
    clock: Callable[[], datetime] | None,
    behaviour: Behaviour | None,
    entries: list[Any] | None = None,
) -> S:
    """A store from a state dict (kept, not copied) and journal entries; ValueError if the
    result is malformed. Not through __init__, which would draw ids from the seeded
    generator."""
    if not isinstance(state, dict):
        raise ValueError("the top level must be a JSON object")
    version = state.get("version")
    if version not in (1, STATE_VERSION):
        raise ValueError(f"unsupported version {version!r} (this emulator reads versions 1 and 2)")
    store = cls.__new__(cls)
    store._setup(seed, clock, behaviour)
    if version == 1:
        org = _record(state.get("organization"), ("id", "name"), "organization")
        store.organization = {**org, "currency": "USD", "lead_status_order": []}
        store.records = {name: {} for name in COLLECTION_NAMES}
        for name in _V1_COLLECTIONS:
            store.records[name] = _records(state, name)
        store.field_orders = {name: [] for name in STANDARD_OBJECTS}
    else:
        store.organization = _record(state.get("organization"), _ORGANIZATION_KEYS, "organization")
        store.records = {name: _records(state, name) for name in COLLECTION_NAMES}
        store.field_orders = _field_orders(state.get("field_orders"))
        store.in_use = set(_id_list(state.get("in_use"), "in_use"))
    store.user = _record(state.get("user"), ("id",), "user")
    for number, entry in enumerate(entries or (), 1):
        _replay(store, entry, number)
    from .integrity import check_integrity

    check_integrity(store)
    return store


def _replay(store: Store, entry: Any, number: int) -> None:
    problem = f"journal entry {number} is malformed"
    if not isinstance(entry, dict) or set(entry) != {"put", "del", "set"}:
        raise ValueError(problem)
    puts, gone, parts = entry["put"], entry["del"], entry["set"]
    if not all(isinstance(x, dict) for x in (puts, gone, parts)):
        raise ValueError(problem)
    for name, records in puts.items():
        if name not in RECORD_KEYS or not isinstance(records, list):
            raise ValueError(problem)
        for record in records:
            _record(record, RECORD_KEYS[name], f"{problem}: {name}")
    for name, ids in gone.items():
        if name not in RECORD_KEYS:
            raise ValueError(problem)
        _id_list(ids, problem)
    for name, value in parts.items():
        if name == "organization":
            _record(value, _ORGANIZATION_KEYS, f"{problem}: organization")
        elif name == "user":
            _record(value, ("id",), f"{problem}: user")
        elif name == "field_orders":
            _field_orders(value)
        elif name == "in_use":
            _id_list(value, problem)
        else:
            raise ValueError(problem)
    store.apply_changes(entry)


def _record(value: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ValueError(f"{what} lacks {', '.join(missing)}")
    if not isinstance(value.get("id"), str):
        raise ValueError(f"{what} has no string id")
    return value


def _records(state: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    items = state.get(key)
    if not isinstance(items, list):
        raise ValueError(f"{key} must be a list")
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        rec = _record(item, RECORD_KEYS[key], f"{key}[{i}]")
        if rec["id"] in out:
            raise ValueError(f"{key}: duplicate id {rec['id']}")
        out[rec["id"]] = rec
    return out


def _id_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of ids")
    return value


def _field_orders(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or set(value) != set(STANDARD_OBJECTS):
        raise ValueError(f"field_orders must have exactly the keys {', '.join(STANDARD_OBJECTS)}")
    for name in STANDARD_OBJECTS:
        _id_list(value[name], f"field_orders.{name}")
    return value
