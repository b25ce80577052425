"""What a resource kind is, as data: its attributes, identity, endpoints and place in a plan.

A kind is a frozen `Kind` instance in one of this package's modules; every stage of schemasync
(manifest rules, live reading, matching, comparison, ordering, apply, export, rendering) loops
over these declarations instead of naming attributes. Three orders are derived, never written
twice: the view order (`attrs`: manifest keys, export keys, `changes` of a create), the create
body order (`body_order`: API keys), and the compare order (replace/convert attributes first,
then updates, each in body order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Mut(Enum):
    """How a change of an attribute reaches the org."""

    UPDATE = "update"  # a partial PUT
    REPLACE = "replace"  # DELETE then POST: the object's values and id are lost
    CONVERT = "convert"  # a PUT after which Close converts the stored values (may lose some)


class Codec:
    """How one attribute's values are read, compared and shown. Subclasses override."""

    name = "value"
    schema: dict[str, Any] = {}

    def same(self, live: Any, want: Any) -> bool:
        return bool(live == want)

    def shown(self, value: Any) -> Any:
        """A value in manifest terms as `changes` show it."""
        return value


class Text(Codec):
    name = "text"


class OptText(Codec):
    name = "opt_text"


class Flag(Codec):
    name = "flag"


class Strings(Codec):
    """An ordered list of strings (choices): compared and shown as a list."""

    name = "strings"

    def shown(self, value: Any) -> Any:
        return list(value or ())


class Roles(Codec):
    """Role keywords and names in the manifest, keywords and role ids in the API; a set."""

    name = "roles"

    def same(self, live: Any, want: Any) -> bool:
        return set(live) == set(want)

    def shown(self, value: Any) -> Any:
        return sorted(value)


class Ref(Codec):
    """The name of another object in the manifest, its id (or a placeholder) in the API."""

    name = "ref"

    def __init__(self, target: str) -> None:
        self.target = target


class Choice(Codec):
    """One of a fixed set of strings (a field's type, a status's type, a colour)."""

    name = "enum"

    def __init__(self, values: tuple[str, ...], nullable: bool = False) -> None:
        self.values = values
        self.nullable = nullable


TEXT = Text()
OPT_TEXT = OptText()
FLAG = Flag()
STRINGS = Strings()
ROLES = Roles()


@dataclass(frozen=True, eq=False)
class Attr:
    """One attribute of a kind."""

    key: str  # manifest key, and the key in a plan's `changes`
    codec: Codec
    api: str = ""  # the API's key when it differs from `key`
    default: Any = None  # what an omitted key means; export leaves defaults out
    required: bool = False  # the manifest must give it
    # Field types this attribute applies to (None: every object of the kind). Where it does
    # not apply it is neither sent, compared nor exported.
    when: frozenset[str] | None = None
    # Required where `when` holds and forbidden elsewhere (choices, references).
    required_when: bool = False
    # A non-default value is allowed only for these field types (accepts_multiple_values).
    allowed: frozenset[str] | None = None
    mut: Mut = Mut.UPDATE
    on_create: bool = True  # False: never sent by a POST (archived: never created archived)
    # The live response must carry a valid value where it applies: a misread identity or
    # replace attribute would plan a replace that destroys the object.
    live_strict: bool = False
    # Read from the live response when it is missing or null (name_plural: "").
    live_missing: Any = None
    # Applies only to objects whose owner is of one of these kinds (a placement's `required`
    # exists on custom object and activity types only).
    owner_kinds: frozenset[str] | None = None
    # A per-value reason to replace an attribute whose `mut` is CONVERT: a lead field's type
    # converts in place, except to or from a reference (docs/close-api-facts.md §6).
    replace_if: Callable[[Any, Any], bool] | None = None
    api_key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_key", self.api or self.key)

    def applies(self, field_type: Any, owner_kind: str | None = None) -> bool:
        return (self.when is None or field_type in self.when) and (
            self.owner_kinds is None or owner_kind in self.owner_kinds
        )


@dataclass(frozen=True, eq=False)
class Kind:
    """One resource kind of a Close org."""

    name: str  # the plan's `kind`
    noun: str  # "type", "field": for messages
    attrs: tuple[Attr, ...]  # view order
    body_order: tuple[str, ...]  # API keys of a create body, in order
    collection: str  # POST here; an object's own path is collection + id + "/"
    rank: int  # dependency rank: owners and referenced kinds come first
    section: str  # the manifest key of the list that holds these objects
    parent: str | None = None  # the owner's kind name
    parent_key: str | None = None  # the API key naming the owner (custom_object_type_id)
    # Kinds whose objects may own objects of this kind, when there are several (placements).
    owners: tuple[str, ...] = ()
    # Fixed objects of this kind, each a top-level mapping of the manifest (lead, contact...).
    singletons: tuple[str, ...] = ()
    # The one singleton this kind lives under (lead fields under `lead`).
    parent_instance: str = ""
    has_id: bool = True  # placements have no id of their own
    # The manifest section this kind's objects are managed under, as `section` of the owner
    # ("lead.fields") or top-level ("custom_object_types"); "" = with its owner.
    managed_as: str = ""
    identity: str = "name"
    # Stages of the plan (operations run by stage, then by traversal order within one).
    write_stage: int = 0
    update_stage: int = 0
    delete_stage: int = 0
    # Owners of an ordered list of children: the schema endpoint that sets the order, and
    # what the order is called in a plan ("field order" of a type).
    order_path: str = ""
    order_noun: str = "field order"
    ordered: tuple[str, ...] = ()  # the child kinds whose objects the order lists
    # The live list this kind is read from (GET), and whether it pages.
    list_path: str = ""
    # Why deleting or replacing destroys data, with {owner} for the owner's name.
    values_on: str = "every {owner}"
    # What a delete does, when it is not "destroys its values on ..." (statuses, pipelines).
    delete_reason: str = ""
    # What to do when Close refuses to delete one (a status that records still have).
    refused_delete: str = ""
    # What one record of a type is called (a type's delete destroys every one of them).
    instance_noun: str = "object"
    address_of: Callable[[tuple[str, ...]], str] = field(default=lambda key: ".".join(key))

    def attr(self, key: str) -> Attr:
        for a in self.attrs:
            if a.key == key:
                return a
        raise KeyError(key)

    def item_path(self, object_id: str) -> str:
        return f"{self.collection}{object_id}/"

    def owned_by(self, owner: str) -> bool:
        return self.parent == owner or owner in self.owners
