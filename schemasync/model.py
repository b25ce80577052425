"""The desired-state model: what a manifest declares, free of ids and file formats."""

from __future__ import annotations

from dataclasses import dataclass, field

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
MULTI_VALUE_TYPES = frozenset({"user", "choices", "contact", "custom_object"})
BUILTIN_ROLES = ("admin", "superuser", "user", "restricteduser")

TYPE_KIND = "custom_object_type"
FIELD_KIND = "custom_field"


@dataclass(frozen=True)
class Pos:
    """Where a manifest object was declared (1-based line and column)."""

    file: str
    line: int
    col: int


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    choices: tuple[str, ...] | None = None
    required: bool = False
    accepts_multiple_values: bool = False
    description: str | None = None
    editable_with_roles: tuple[str, ...] = ()
    references: str | None = None
    back_reference_is_visible: bool = False
    renamed_from: tuple[str, ...] = ()
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TypeSpec:
    name: str
    name_plural: str
    description: str | None = None
    api_create_only: bool = False
    editable_with_roles: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Manifest:
    types: tuple[TypeSpec, ...] = ()
    sources: tuple[str, ...] = ()
    # What the reader wants the user to know without failing (files a directory skipped).
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def type_named(self, name: str) -> TypeSpec | None:
        for t in self.types:
            if t.name == name:
                return t
        return None
