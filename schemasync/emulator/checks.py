"""Request validation in Close's error shapes, the value tables, and the timestamp formats."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .store import Store

# FIELD_TYPES, MULTI_VALUE_TYPES and ROLE_KEYWORDS repeat schemasync.model's FIELD_TYPES,
# MULTI_VALUE_TYPES and BUILTIN_ROLES on purpose: the emulator implements the API from
# the API documentation and must not import the client's model (a shared mistake would then
# go unseen).
# tests/emulator/test_state.py checks that the two copies agree.
FIELD_TYPES = (
    "text",
    "number",
    "date",
    "datetime",
    "choices",
    "user",
    "contact",
    "custom_object",
    "hidden",
)
ACTIVITY_FIELD_TYPES = (*FIELD_TYPES, "textarea")  # "Multi-line text (Custom Activities only)"
MULTI_VALUE_TYPES = ("user", "choices", "contact", "custom_object")
ROLE_KEYWORDS = ("admin", "superuser", "user", "restricteduser")
STATUS_COLORS = ("blue", "gray", "green", "magenta", "orange", "purple", "teal", "yellow")
OPPORTUNITY_STATUS_TYPES = ("active", "won", "lost")
DESCRIPTION_MAX = 280
REQUIRED = "This field is required."
NOT_STRING = "Value must be of basestring type."
NOT_BOOL = "Value must be a boolean."
NOT_LIST = "Value must be a list."
IMMUTABLE = "This field cannot be changed."
CHOICES_ONLY = "Choices are only allowed for fields of type 'choices'."
REFERENCE_ONLY = "Only allowed for fields of type 'custom_object'."


class _Missing:
    """The value of a key the request body does not have (None is JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class HttpFailure(Exception):
    """A request the API answers with an error status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def not_found() -> HttpFailure:
    return HttpFailure(404, {"error": "Not found."})


def invalid(errors: dict[str, str]) -> HttpFailure:
    """A 400 in Close's validation shape: ``{"errors": [], "field-errors": {...}}``."""
    return HttpFailure(400, {"errors": [], "field-errors": errors})


def refused(message: str) -> HttpFailure:
    """A 400 in Close's generic shape: ``{"error": "..."}``."""
    return HttpFailure(400, {"error": message})


def type_timestamp(moment: datetime) -> str:
    """Types and pipelines: ``2020-07-09T15:36:16.795350`` (UTC, no offset)."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")


def field_timestamp(moment: datetime) -> str:
    """Custom fields: ``2024-02-21T10:00:00.123456+00:00``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"


def one_of(values: Iterable[str]) -> str:
    return f"Value must be one of: {', '.join(values)}."


class Checker:
    """Reads one request body: each method returns the value (MISSING when absent) and records
    what is wrong with it in ``errors``; ``done()`` raises them all at once."""

    def __init__(self, store: Store, body: dict[str, Any]) -> None:
        self.store = store
        self.body = body
        self.errors: dict[str, str] = {}

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)

    def name(self, key: str, *, required: bool) -> Any:
        """A non-blank string; null or "" count as missing."""
        value = self.body.get(key, MISSING)
        if value is MISSING:
            if required:
                self.errors[key] = REQUIRED
            return MISSING
        if value is None or value == "":
            self.errors[key] = REQUIRED
        elif not isinstance(value, str):
            self.errors[key] = NOT_STRING
        elif not value.strip():
            self.errors[key] = REQUIRED
        return value

    def text_or_null(self, key: str, max_len: int | None = None) -> Any:
        value = self.body.get(key, MISSING)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, str):
            self.errors[key] = NOT_STRING
        elif max_len is not None and len(value) > max_len:
            self.errors[key] = f"Ensure this value has at most {max_len} characters."
        return value

    def boolean(self, key: str) -> Any:
        value = self.body.get(key, MISSING)
        if value is not MISSING and not isinstance(value, bool):
            self.errors[key] = NOT_BOOL
        return value

    def choice(self, key: str, values: tuple[str, ...], *, required: bool, null: bool) -> Any:
        """One of ``values``; null only when ``null``."""
        value = self.body.get(key, MISSING)
        if value is MISSING:
            if required:
                self.errors[key] = REQUIRED
            return value
        if value is None and null:
            return None
        if value is None and required:
            self.errors[key] = REQUIRED
        elif value not in values:
            self.errors[key] = one_of(values)
        return value

    def roles(self, key: str = "editable_with_roles") -> Any:
        """Role keywords (``admin``…) or ids of the org's roles."""
        value = self.body.get(key, MISSING)
        if value is MISSING:
            return value
        if not isinstance(value, list):
            self.errors[key] = NOT_LIST
            return value
        for item in value:
            if not isinstance(item, str):
                self.errors[key] = "Value must be a list of strings."
                break
            if item not in ROLE_KEYWORDS and item not in self.store.roles:
                self.errors[key] = (
                    f"Invalid role: {item!r}. Use one of "
                    f"{', '.join(ROLE_KEYWORDS)} or an existing role id."
                )
                break
        return list(value)

    def choices(self, key: str = "choices") -> Any:
        value = self.body.get(key, MISSING)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            self.errors[key] = "Value must be a list of strings."
        elif any(not c.strip() for c in value):
            self.errors[key] = "Choices cannot be blank."
        return value

    def reference(self, key: str, collection: str, noun: str) -> Any:
        """The id of an existing record of ``collection`` (required)."""
        value = self.body.get(key, MISSING)
        if value is MISSING or value is None:
            self.errors[key] = REQUIRED
        elif not isinstance(value, str):
            self.errors[key] = NOT_STRING
        elif value not in self.store.records[collection]:
            self.errors[key] = f"{noun} {value!r} does not exist."
        return value

    def unchanged(self, record: dict[str, Any], keys: Iterable[str]) -> None:
        """Keys that a PUT may repeat but not change."""
        for key in keys:
            if key in self.body and self.body[key] != record.get(key):
                self.errors[key] = IMMUTABLE

    def multi_value(self, ftype: Any, multi: Any) -> None:
        """``accepts_multiple_values: true`` is only for the MULTI_VALUE_TYPES."""
        if multi is True and ftype not in MULTI_VALUE_TYPES:
            self.errors["accepts_multiple_values"] = (
                f"Fields of type '{ftype}' cannot accept multiple values."
            )


def apply(record: dict[str, Any], values: dict[str, Any]) -> None:
    """Set every value that is not MISSING (lists copied, so the record owns its lists)."""
    for key, value in values.items():
        if value is not MISSING:
            record[key] = list(value) if isinstance(value, list) else value
