"""The object model both sides of a plan share: manifest objects and live objects, free of
file formats and HTTP. What attributes an object has is declared by its kind (kinds/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemasync.kinds import BY_NAME, Kind
from schemasync.kinds.fields import BUILTIN_ROLES, FIELD_TYPES, MULTI_VALUE_TYPES

__all__ = ["BUILTIN_ROLES", "FIELD_TYPES", "MULTI_VALUE_TYPES", "Manifest", "Obj", "Pos"]

TYPE_KIND = "custom_object_type"
FIELD_KIND = "custom_field"


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a manifest object was declared (1-based line and column)."""

    file: str
    line: int
    col: int


@dataclass(slots=True, eq=False)
class Obj:
    """An object of some kind: desired (values in manifest terms, with a `pos`) or live (values
    in API terms, ids for references and roles, with an `id`)."""

    kind: Kind
    values: dict[str, Any]
    id: str | None = None
    parent: Obj | None = None
    # Children by kind name: display order (live) or manifest order (desired).
    children: dict[str, list[Obj]] = field(default_factory=dict)
    # Live owners: ids their display order shows that are not children schemasync reads.
    others: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()
    pos: Pos | None = None
    # Desired: position in the owner's list (fields and placements share one list). Live
    # owners: `order` is every id their display order shows, in that order.
    seq: int = 0
    order: tuple[str, ...] = ()
    name: str = field(init=False)  # values[kind.identity], kept at hand for the hot loops

    def __post_init__(self) -> None:
        self.name = self.values[self.kind.identity]

    @property
    def key(self) -> tuple[str, ...]:
        """The identity path: the owners' names, then this object's."""
        if self.parent is None:
            return (self.name,)
        return (*self.parent.key, self.name)

    def kids(self, kind: Kind | str) -> list[Obj]:
        return self.children.get(kind if isinstance(kind, str) else kind.name, [])

    def __eq__(self, other: object) -> bool:
        """Same kind, id, values, earlier names and children (owner and position aside)."""
        if not isinstance(other, Obj):
            return NotImplemented
        return (
            self.kind is other.kind
            and self.id == other.id
            and self.values == other.values
            and self.renamed_from == other.renamed_from
            and self.others == other.others
            and self.children == other.children
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Manifest:
    """What a manifest declares: top-level objects by kind name (with their children), and
    the sections it names. A section the manifest names, even empty, is managed in full; one
    it leaves out is not managed at all (never read into a plan, never touched)."""

    objects: dict[str, tuple[Obj, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    # What the reader wants the user to know without failing (files a directory skipped,
    # names that differ only by case).
    warnings: tuple[str, ...] = field(default=(), compare=False)
    sections: frozenset[str] = frozenset()
    extra_field_types: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def manages(self, section: str) -> bool:
        return section in self.sections

    @property
    def types(self) -> tuple[Obj, ...]:
        return self.objects.get(TYPE_KIND, ())

    def top(self, kind: Kind | str) -> tuple[Obj, ...]:
        return self.objects.get(kind if isinstance(kind, str) else kind.name, ())

    def type_named(self, name: str) -> Obj | None:
        return next((t for t in self.types if t.name == name), None)


def kind_of(name: str) -> Kind:
    return BY_NAME[name]


def places_shared_fields(manifest: Manifest) -> bool:
    """Whether the manifest places shared fields on objects (`- shared: NAME` entries)."""
    return any(
        obj.kids("shared_field_association") for objs in manifest.objects.values() for obj in objs
    )
