"""What the emulator does where the API documentation leaves the API's behaviour unknown.

The rule: answer the safe way (refuse rather than guess, keep rather than drop), so that
schemasync is tested against the stricter server. Where a test needs both readings,
Behaviour switches (``Store(behaviour=...)``, ``EmulatorApp(..., behaviour=...)`` or
``store.behaviour = ...``):

=====================================  =============================  ========================
Unknown in the API                     Default                        Switch
=====================================  =============================  ========================
archived types (object and activity)   listed (GET by id always       ``list_archived=False``
in list responses                      works)                         hides them from lists
DELETE of a custom activity type       its fields and the             ``activity_type_delete=
that has fields or placements          associations with it go too    "refuse"``: 400 instead
DELETE of a custom object type that a  400 naming the fields (its     ``referenced_type_delete=
field of another object references     own fields go with it)         "cascade"``: they go too
lead/contact/opportunity type change   ``converting_to_type`` in the  ``conversion_reads=N``
(in place)                             PUT response and the next 1    (0: a synchronous
                                       read; writes refused till      change, never shown)
                                       then
pipeline ``statuses`` or organization  400 naming what is missing     ``incomplete_reorder=
``lead_statuses`` that omit ids                                       "append"``: appended
the order of the ``fields`` a custom   display order (as the type's   ``embedded_order=
object or activity type embeds         schema GET)                    "by_id"``: sorted by id
=====================================  =============================  ========================

Decided without a switch:

- Type changes: every change converts; to or from ``custom_object`` is a 400; PUT and
  DELETE of a converting field are 400s; a conversion is not saved (a restart ends it).
- ``required`` sent to a lead/contact/opportunity field is ignored (none is stored);
  ``required: true`` on a lead/contact/opportunity association is a 400.
- Shared fields: ``custom_object`` ones are allowed, ``textarea`` ones are not (activity
  only); ``accepts_multiple_values`` and ``description`` can change; a second association
  with the same object is a 400. ``description`` and, on ``custom_object`` fields,
  ``back_reference_is_visible`` can change on every field kind; ``referenced_custom_type_id``
  never.
- Orders: new fields, placements and lead statuses are appended; a schema PUT with an id
  that is not on the object is a 400 (repeated ids count once); a pipeline or organization
  list naming a status twice is a 400. An activity type PUT ``fields`` follows the schema
  PUT's rules.
- Schema responses for ``activity/<id>`` and ``custom_object/<id>``: ``name`` is the type's
  name, ``object_type`` the path's object.
- ``back_reference_fields`` list referencing fields of every collection, collection by
  collection (custom object, activity, lead, contact, opportunity, shared), as summaries
  without an owner key.
- Statuses: inline ``statuses`` on pipeline create are ignored; opportunity status PUT of
  another ``type`` or ``pipeline_id`` is a 400; a status in use (``Store.mark_in_use``)
  cannot be deleted (400); the last status or pipeline can. Status lists are paginated like
  field lists (``_limit`` at most 200, default 100).
- Organization PUT: only ``name``, ``currency`` (three capital letters) and
  ``lead_statuses`` (a ``label`` in an item is ignored); any other key is a 400.
- Names and labels are never required to be unique: schemasync must find duplicates itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Behaviour:
    """How the emulator answers where the API's behaviour is unknown (see the module table)."""

    list_archived: bool = True
    activity_type_delete: Literal["cascade", "refuse"] = "cascade"
    referenced_type_delete: Literal["refuse", "cascade"] = "refuse"
    conversion_reads: int = 1
    incomplete_reorder: Literal["refuse", "append"] = "refuse"
    embedded_order: Literal["display", "by_id"] = "display"

    def __post_init__(self) -> None:
        if self.activity_type_delete not in ("cascade", "refuse"):
            raise ValueError("activity_type_delete must be 'cascade' or 'refuse'")
        if self.referenced_type_delete not in ("refuse", "cascade"):
            raise ValueError("referenced_type_delete must be 'refuse' or 'cascade'")
        if self.incomplete_reorder not in ("refuse", "append"):
            raise ValueError("incomplete_reorder must be 'refuse' or 'append'")
        if self.embedded_order not in ("display", "by_id"):
            raise ValueError("embedded_order must be 'display' or 'by_id'")
        if self.conversion_reads < 0:
            raise ValueError("conversion_reads must be 0 or more")
