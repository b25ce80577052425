"""The emulator's in-memory organization (roles, types, fields) and its JSON state file.

State file layout (``"version": 1``), also what :meth:`Store.snapshot` returns::

    {
      "version": 1,
      "organization": {"id": "orga_…", "name": "Emulated Org"},
      "user": {"id": "user_…", "first_name": "Emulator", "last_name": "User",
               "email": "emulator@example.com"},
      "roles": [                      # built-in roles first, then custom roles, creation order
        {"id": "role_…", "name": "Admin", "editable": false, "permissions": [...],
         "visibility_user_lcf_behavior": null, "visibility_user_lcf_ids": null}, ...],
      "custom_object_types": [        # creation order
        {"id": "cotype_…", "name": ..., "name_plural": ..., "description": null,
         "api_create_only": false, "editable_with_roles": [], "is_archived": false,
         "field_order": ["cf_…", ...],            # display order of the type's own fields
         "created_by": "user_…", "updated_by": "user_…",
         "date_created": "2020-07-09T15:36:16.795350", "date_updated": ...}, ...],
      "custom_fields": [              # creation order, fields of every type
        {"id": "cf_…", "custom_object_type_id": "cotype_…", "name": ..., "description": null,
         "type": "text", "required": false, "accepts_multiple_values": false,
         "editable_with_roles": [], "choices": null, "referenced_custom_type_id": null,
         "back_reference_is_visible": null, "created_by": ..., "updated_by": ...,
         "date_created": "2024-02-21T10:00:00.123456+00:00", "date_updated": ...}, ...]
    }

Records hold exactly what the API renders, minus ``organization_id`` and the derived lists
(``fields``, ``back_reference_fields``), which ``resources.py`` computes on the way out.
"""

from __future__ import annotations

import copy
import json
import os
import random
import string
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from schemasync.errors import SchemaSyncError

STATE_VERSION = 1
_BASE62 = string.digits + string.ascii_letters
BUILTIN_ROLES: list[tuple[str, list[str]]] = [
    (
        "Admin",
        [
            "bulk_delete",
            "bulk_edit",
            "bulk_email",
            "bulk_sequences",
            "export",
            "manage_customizations",
            "manage_organization",
            "view_all_leads",
        ],
    ),
    (
        "Super User",
        [
            "bulk_delete",
            "bulk_edit",
            "bulk_email",
            "bulk_sequences",
            "export",
            "manage_customizations",
            "view_all_leads",
        ],
    ),
    ("User", ["bulk_edit", "export", "view_all_leads"]),
    ("Restricted User", []),
]
_TYPE_KEYS = (
    "id",
    "name",
    "name_plural",
    "description",
    "api_create_only",
    "editable_with_roles",
    "is_archived",
    "field_order",
    "created_by",
    "updated_by",
    "date_created",
    "date_updated",
)
_FIELD_KEYS = (
    "id",
    "custom_object_type_id",
    "name",
    "description",
    "type",
    "required",
    "accepts_multiple_values",
    "editable_with_roles",
    "choices",
    "referenced_custom_type_id",
    "back_reference_is_visible",
    "created_by",
    "updated_by",
    "date_created",
    "date_updated",
)
_ROLE_KEYS = (
    "id",
    "name",
    "editable",
    "permissions",
    "visibility_user_lcf_behavior",
    "visibility_user_lcf_ids",
)


class StateFileError(SchemaSyncError):
    """An emulator state file that cannot be read, parsed or written."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """One emulated organization. All access from request handlers goes through ``lock``."""

    def __init__(
        self,
        org_name: str = "Emulated Org",
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._setup(seed, clock)
        self.roles: dict[str, dict[str, Any]] = {}
        self.types: dict[str, dict[str, Any]] = {}
        self.fields: dict[str, dict[str, Any]] = {}
        self.organization_id = self.new_id("orga_")
        self.organization_name = org_name
        self.user: dict[str, Any] = {
            "id": self.new_id("user_"),
            "first_name": "Emulator",
            "last_name": "User",
            "email": "emulator@example.com",
        }
        for name, permissions in BUILTIN_ROLES:
            self._put_role(name, permissions, editable=False)

    def _setup(self, seed: int | None, clock: Callable[[], datetime] | None) -> None:
        """The lock, id generator and clock: shared by __init__ and from_state."""
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._clock = clock or _utcnow

    # -- ids and time -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh id like ``cotype_`` + 22 base62 characters, unique in this store."""
        taken = {getattr(self, "organization_id", None), getattr(self, "user", {}).get("id")}
        while True:
            new = prefix + "".join(self._rng.choice(_BASE62) for _ in range(22))
            if (
                new not in taken
                and new not in self.roles
                and new not in self.types
                and new not in self.fields
            ):
                return new

    def now(self) -> datetime:
        """The current time as an aware UTC datetime (injectable through ``clock``)."""
        return self._clock().astimezone(timezone.utc)

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    # -- roles ---------------------------------------------------------------------------

    def _put_role(self, name: str, permissions: list[str], *, editable: bool) -> dict[str, Any]:
        role: dict[str, Any] = {
            "id": self.new_id("role_"),
            "name": name,
            "editable": editable,
            "permissions": list(permissions),
            "visibility_user_lcf_behavior": None,
            "visibility_user_lcf_ids": None,
        }
        self.roles[role["id"]] = role
        return role

    def add_role(self, name: str, permissions: list[str] | None = None) -> dict[str, Any]:
        """Add a custom (editable) role; returns the role as the API renders it."""
        with self.lock:
            role = self._put_role(name, permissions or [], editable=True)
            return {**copy.deepcopy(role), "organization_id": self.organization_id}

    # -- whole state ---------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        """The whole state in the state file layout, sharing the live records: hold ``lock``
        while using it and do not keep or change it (snapshot() is the copying version)."""
        return {
            "version": STATE_VERSION,
            "organization": {"id": self.organization_id, "name": self.organization_name},
            "user": self.user,
            "roles": list(self.roles.values()),
            "custom_object_types": list(self.types.values()),
            "custom_fields": list(self.fields.values()),
        }

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the whole state, in the state file layout (JSON-able)."""
        with self.lock:
            return copy.deepcopy(self._state())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Store):
            return NotImplemented
        return self.snapshot() == other.snapshot()

    __hash__ = None  # type: ignore[assignment]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state to ``path`` atomically (temp file in the same directory + os.replace)."""
        target = Path(path)
        with self.lock:
            data = json.dumps(self._state(), indent=2, sort_keys=True) + "\n"
        tmp_name: str | None = None
        try:
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path(".")
            )
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
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

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Store:
        """Read a state file written by :meth:`save`; any problem raises StateFileError."""
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StateFileError(f"cannot read emulator state file {source}: {reason}") from None
        try:
            state = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateFileError(
                f"emulator state file {source} is not valid JSON "
                f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        try:
            return cls._build(state, seed, clock)  # `state` is ours alone: no copy
        except ValueError as exc:
            raise StateFileError(f"emulator state file {source} is not usable: {exc}") from None

    @classmethod
    def from_state(
        cls, state: Any, *, seed: int | None = None, clock: Callable[[], datetime] | None = None
    ) -> Store:
        """Build a store from a snapshot dict; raises ValueError if it is malformed.

        The store works on its own copy: ``state`` can be reused."""
        return cls._build(copy.deepcopy(state), seed, clock)

    @classmethod
    def _build(cls, state: Any, seed: int | None, clock: Callable[[], datetime] | None) -> Store:
        """from_state, keeping the records of ``state`` (not copied).

        Not through __init__, which would draw ids from the seeded generator."""
        if not isinstance(state, dict):
            raise ValueError("the top level must be a JSON object")
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"unsupported version {state.get('version')!r} "
                f"(this emulator reads version {STATE_VERSION})"
            )
        org = _record(state.get("organization"), ("id", "name"), "organization")
        user = _record(state.get("user"), ("id",), "user")
        store = cls.__new__(cls)
        store._setup(seed, clock)
        store.organization_id = str(org["id"])
        store.organization_name = str(org["name"])
        store.user = user
        store.roles = _records(state, "roles", _ROLE_KEYS)
        store.types = _records(state, "custom_object_types", _TYPE_KEYS)
        store.fields = _records(state, "custom_fields", _FIELD_KEYS)
        store._check_integrity()
        return store

    def _check_integrity(self) -> None:
        # Every field_order first (a list of distinct string ids): the checks below index it.
        listed: set[tuple[str, str]] = set()  # (type id, field id) for each field_order entry
        for cotype in self.types.values():
            order = cotype["field_order"]
            if (
                not isinstance(order, list)
                or not all(isinstance(fid, str) for fid in order)
                or len(set(order)) != len(order)
            ):
                raise ValueError(f"custom object type {cotype['id']}: bad field_order")
            listed.update((cotype["id"], fid) for fid in order)
        for field in self.fields.values():
            owner = field["custom_object_type_id"]
            if not isinstance(owner, str) or (owner, field["id"]) not in listed:
                raise ValueError(f"custom field {field['id']} is not listed on its type")
            ref = field["referenced_custom_type_id"]
            if ref is not None and (not isinstance(ref, str) or ref not in self.types):
                raise ValueError(f"custom field {field['id']} references unknown type {ref}")
        for cotype in self.types.values():
            for fid in cotype["field_order"]:
                if self.fields.get(fid, {}).get("custom_object_type_id") != cotype["id"]:
                    raise ValueError(f"custom object type {cotype['id']} lists unknown field {fid}")


def _record(value: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ValueError(f"{what} lacks {', '.join(missing)}")
    if not isinstance(value.get("id"), str):
        raise ValueError(f"{what} has no string id")
    return value


def _records(state: dict[str, Any], key: str, keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    items = state.get(key)
    if not isinstance(items, list):
        raise ValueError(f"{key} must be a list")
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        rec = _record(item, keys, f"{key}[{i}]")
        if rec["id"] in out:
            raise ValueError(f"{key}: duplicate id {rec['id']}")
        out[rec["id"]] = rec
    return out
