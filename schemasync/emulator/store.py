"""The emulator's in-memory organization: its records, field orders, ids, clock and options.

Records hold exactly what the API renders, minus ``organization_id`` and the derived lists
(a type's ``fields`` and ``back_reference_fields``, a pipeline's ``statuses``), which the
resource modules compute on the way out, plus the order lists (``field_order``,
``status_order``, ``lead_status_order``). The state file layout is in ``statefile.py``.

What the emulator does where the API is unknown, and the switches, are in behaviour.py.
"""

from __future__ import annotations

import copy
import os
import random
import string
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .behaviour import Behaviour

_BASE62 = string.digits + string.ascii_letters
_SUPER_USER = (
    "bulk_delete",
    "bulk_edit",
    "bulk_email",
    "bulk_sequences",
    "export",
    "manage_customizations",
    "view_all_leads",
)
BUILTIN_ROLES: list[tuple[str, list[str]]] = [
    ("Admin", sorted([*_SUPER_USER, "manage_organization"])),
    ("Super User", list(_SUPER_USER)),
    ("User", ["bulk_edit", "export", "view_all_leads"]),
    ("Restricted User", []),
]
STANDARD_OBJECTS = ("lead", "contact", "opportunity")
_STAMPS = ("created_by", "updated_by", "date_created", "date_updated")
_FIELD_TAIL = (
    "accepts_multiple_values",
    "editable_with_roles",
    "choices",
    "referenced_custom_type_id",
    "back_reference_is_visible",
)


def _field_keys(owner: str | None) -> tuple[str, ...]:
    """A regular field's keys: ``required`` only on fields owned by a type."""
    if owner is None:
        return ("id", "name", "description", "type", *_FIELD_TAIL, *_STAMPS)
    return ("id", owner, "name", "description", "type", "required", *_FIELD_TAIL, *_STAMPS)


_TYPE_KEYS = ("description", "api_create_only", "editable_with_roles", "is_archived")
# The keys of each collection's records, in the order the API renders them.
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "roles": (
        "id",
        "name",
        "editable",
        "permissions",
        "visibility_user_lcf_behavior",
        "visibility_user_lcf_ids",
    ),
    "custom_object_types": ("id", "name", "name_plural", *_TYPE_KEYS, "field_order", *_STAMPS),
    "custom_fields": _field_keys("custom_object_type_id"),
    "custom_activity_types": ("id", "name", *_TYPE_KEYS, "field_order", *_STAMPS),
    "activity_fields": _field_keys("custom_activity_type_id"),
    **{f"{name}_fields": _field_keys(None) for name in STANDARD_OBJECTS},
    "shared_fields": (
        "id",
        "name",
        "description",
        "type",
        "accepts_multiple_values",
        "choices",
        "referenced_custom_type_id",
        "back_reference_is_visible",
        "associations",
        *_STAMPS,
    ),
    "lead_statuses": ("id", "label", "color"),
    "pipelines": ("id", "name", "status_order", *_STAMPS),
    "opportunity_statuses": ("id", "label", "type", "pipeline_id"),
}
COLLECTION_NAMES = tuple(RECORD_KEYS)
# Order keys: "lead", "contact", "opportunity", "custom_object/<cotype_id>",
# "activity/<actitype_id>"; the last two live in their type's ``field_order``.
_ORDER_OWNERS = {"custom_object": "custom_object_types", "activity": "custom_activity_types"}


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
        behaviour: Behaviour | None = None,
    ) -> None:
        self._setup(seed, clock, behaviour)
        self.records.update((name, {}) for name in COLLECTION_NAMES)
        self.field_orders.update((name, []) for name in STANDARD_OBJECTS)
        org_id = self.new_id("orga_")
        self.organization.update(id=org_id, name=org_name, currency="USD", lead_status_order=[])
        self.user.update(
            id=self.new_id("user_"),
            first_name="Emulator",
            last_name="User",
            email="emulator@example.com",
        )
        for name, permissions in BUILTIN_ROLES:
            self._put_role(name, permissions, editable=False)

    def _setup(
        self,
        seed: int | None,
        clock: Callable[[], datetime] | None,
        behaviour: Behaviour | None,
    ) -> None:
        """Everything but the org's data: shared by __init__ and the state file loader."""
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._clock = clock or _utcnow
        self.behaviour = behaviour or Behaviour()
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.field_orders: dict[str, list[str]] = {}
        self.in_use: set[str] = set()  # status ids that leads or opportunities still use
        self.organization: dict[str, Any] = {}
        self.user: dict[str, Any] = {}
        # Field id -> [target type, reads left]: conversions in progress (never saved).
        self.conversions: dict[str, list[Any]] = {}
        self.reading = False  # True while a GET renders: reads count down conversions
        self._changes: dict[tuple[str, str], None] | None = None  # None: not tracked

    # -- collections ---------------------------------------------------------------------

    @property
    def roles(self) -> dict[str, dict[str, Any]]:
        return self.records["roles"]

    @property
    def types(self) -> dict[str, dict[str, Any]]:
        """Custom object types."""
        return self.records["custom_object_types"]

    @property
    def fields(self) -> dict[str, dict[str, Any]]:
        """Custom object custom fields."""
        return self.records["custom_fields"]

    @property
    def organization_id(self) -> str:
        return str(self.organization["id"])

    @property
    def organization_name(self) -> str:
        return str(self.organization["name"])

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    def put(self, collection: str, record: dict[str, Any]) -> None:
        """Insert (appended) or replace (in place) a record."""
        self.records[collection][record["id"]] = record
        self.touch(collection, record["id"])

    def remove(self, collection: str, ident: str) -> None:
        del self.records[collection][ident]
        self.touch(collection, ident)

    def order(self, key: str) -> list[str] | None:
        """The field order of an object (see _ORDER_OWNERS); None if the object is unknown."""
        if key in self.field_orders:
            return self.field_orders[key]
        kind, _, ident = key.partition("/")
        owner = _ORDER_OWNERS.get(kind)
        record = self.records[owner].get(ident) if owner else None
        return None if record is None else record["field_order"]

    def set_order(self, key: str, ids: list[str]) -> None:
        order = self.order(key)
        assert order is not None, key
        order[:] = ids
        self.touch_order(key)

    def touch_order(self, key: str) -> None:
        if key in self.field_orders:
            self.touch("", "field_orders")
        else:
            kind, _, ident = key.partition("/")
            self.touch(_ORDER_OWNERS[kind], ident)

    # -- change tracking (for the state file's journal) ----------------------------------

    def touch(self, collection: str, ident: str) -> None:
        """Note that a record (or, with collection "", a top-level part) has changed."""
        if self._changes is not None:
            self._changes[(collection, ident)] = None

    def track_changes(self) -> None:
        """Start noting changes (the state file writer calls this); forgets earlier ones."""
        self._changes = {}

    def take_changes(self) -> dict[str, Any] | None:
        """The changes since the last call as a journal entry (None if nothing changed):
        ``{"put": {collection: [record, ...]}, "del": {collection: [id, ...]},
        "set": {part: value}}``. Applying it is idempotent (see statefile.py)."""
        if not self._changes:
            return None
        put: dict[str, list[Any]] = {}
        gone: dict[str, list[str]] = {}
        parts: dict[str, Any] = {}
        for collection, ident in self._changes:
            if not collection:
                parts[ident] = self._part(ident)
            elif ident in self.records[collection]:
                put.setdefault(collection, []).append(self.records[collection][ident])
            else:
                gone.setdefault(collection, []).append(ident)
        self._changes = {}
        return {"put": put, "del": gone, "set": parts}

    def _part(self, name: str) -> Any:
        """A top-level part of the state: organization, user, field_orders or in_use."""
        if name == "in_use":
            return sorted(self.in_use)
        parts = {
            "organization": self.organization,
            "user": self.user,
            "field_orders": self.field_orders,
        }
        return parts[name]

    def apply_changes(self, entry: dict[str, Any]) -> None:
        """Replay one journal entry (from take_changes)."""
        for collection, records in entry["put"].items():
            for record in records:
                self.records[collection][record["id"]] = record
        for collection, ids in entry["del"].items():
            for ident in ids:
                self.records[collection].pop(ident, None)
        for name, value in entry["set"].items():
            if name == "in_use":
                self.in_use = set(value)
            elif name in ("organization", "user"):
                setattr(self, name, value)
            else:
                self.field_orders = value

    # -- ids and time -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh id like ``cotype_`` + 22 base62 characters, unique in this store."""
        taken = {self.organization.get("id"), self.user.get("id")}
        while True:
            new = prefix + "".join(self._rng.choice(_BASE62) for _ in range(22))
            if new not in taken and not any(new in recs for recs in self.records.values()):
                return new

    def now(self) -> datetime:
        """The current time as an aware UTC datetime (injectable through ``clock``)."""
        return self._clock().astimezone(timezone.utc)

    # -- seeding (what tests use instead of HTTP) ----------------------------------------

    def _put_role(self, name: str, permissions: list[str], *, editable: bool) -> dict[str, Any]:
        role: dict[str, Any] = {
            "id": self.new_id("role_"),
            "name": name,
            "editable": editable,
            "permissions": list(permissions),
            "visibility_user_lcf_behavior": None,
            "visibility_user_lcf_ids": None,
        }
        self.put("roles", role)
        return role

    def add_role(self, name: str, permissions: list[str] | None = None) -> dict[str, Any]:
        """Add a custom (editable) role; returns the role as the API renders it."""
        with self.lock:
            role = self._put_role(name, permissions or [], editable=True)
            return {**copy.deepcopy(role), "organization_id": self.organization_id}

    def add(self, collection: str, body: dict[str, Any] | None = None, **values: Any) -> Any:
        """Create a record as ``POST <collection's path>`` would, with the same checks; returns
        a copy of the response body. ``collection`` is a name of COLLECTION_NAMES other than
        "roles", e.g. ``add("lead_fields", name="Industry", type="text")``. A body the API
        would refuse raises ValueError carrying the status and the error body."""
        from .collections import BY_NAME
        from .routes import create_record

        with self.lock:
            return _seeded(
                lambda: create_record(self, BY_NAME[collection], {**(body or {}), **values})
            )

    def associate(
        self, shared_field_id: str, body: dict[str, Any] | None = None, **values: Any
    ) -> Any:
        """``POST /custom_field/shared/{id}/association/``: e.g. ``associate(f, object_type=
        "custom_activity_type", custom_activity_type_id=t, required=True)``."""
        from .shared import associate

        with self.lock:
            return _seeded(lambda: associate(self, shared_field_id, {**(body or {}), **values}))

    def mark_in_use(self, status_id: str, in_use: bool = True) -> None:
        """Say that leads (lead status) or opportunities (opportunity status) use a status, so
        that deleting it answers 400; ``in_use=False`` frees it again."""
        with self.lock:
            if not any(
                status_id in self.records[c] for c in ("lead_statuses", "opportunity_statuses")
            ):
                raise KeyError(f"no lead or opportunity status {status_id!r}")
            (self.in_use.add if in_use else self.in_use.discard)(status_id)
            self.touch("", "in_use")

    # -- whole state ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the whole state, in the state file layout (JSON-able)."""
        from .statefile import state_of

        with self.lock:
            return copy.deepcopy(state_of(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Store):
            return NotImplemented
        return self.snapshot() == other.snapshot()

    __hash__ = None  # type: ignore[assignment]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the whole state to ``path`` atomically and drop its journal (statefile.py)."""
        from .statefile import write_snapshot

        write_snapshot(self, path)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        behaviour: Behaviour | None = None,
    ) -> Store:
        """Read a state file (version 1 or 2) and replay its journal; an empty file is a new
        org. Any problem raises StateFileError."""
        from .statefile import load

        return load(cls, path, seed, clock, behaviour)

    @classmethod
    def from_state(
        cls,
        state: Any,
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        behaviour: Behaviour | None = None,
    ) -> Store:
        """Build a store from a snapshot dict (version 1 or 2); raises ValueError if it is
        malformed. The store works on its own copy: ``state`` can be reused."""
        from .statefile import build

        return build(cls, copy.deepcopy(state), seed, clock, behaviour)


def _seeded(create: Callable[[], Any]) -> Any:
    from .checks import HttpFailure

    try:
        return copy.deepcopy(create())
    except HttpFailure as failure:
        raise ValueError(failure.status, failure.body) from None
