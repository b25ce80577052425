"""Custom object types and custom activity types: the records that own fields.

Both kinds render their ``fields`` (regular fields and shared placements, in display order,
as summaries without ``choices``; a shared placement carries ``is_shared: true`` and its
association's ``required`` and ``editable_with_roles``); activity summaries also carry
``converting_to_type: null``. Only custom object types have ``name_plural`` and
``back_reference_fields``: the fields of EVERY collection (custom object, activity, lead,
contact, opportunity, shared) whose ``referenced_custom_type_id`` is the type, listed
collection by collection in that order, each in creation order, as summaries of their own kind
(no owner key: the API documents none, and a field's id finds it in its list).

Deleting a custom object type takes its own fields and the shared associations with it;
while a field of another object references it, the DELETE answers 400 naming those fields
(``Behaviour.referenced_type_delete="cascade"`` deletes them instead). Deleting an activity
type takes its fields and associations (``Behaviour.activity_type_delete="refuse"``: 400
while it has any). ``is_archived`` is set by PUT only (ignored on create, as every other
read-only key); ``Behaviour.list_archived=False`` hides archived types from the lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import checks as c
from .checks import MISSING, Checker
from .fields import summary
from .schema import reorder
from .shared import association_for, detach_all
from .store import Store

if TYPE_CHECKING:
    from .collections import Collection

_REFERRING = (  # (collection, how a blocker is described), in back_reference_fields order
    ("custom_fields", "custom object type"),
    ("activity_fields", "custom activity type"),
    ("lead_fields", "lead"),
    ("contact_fields", "contact"),
    ("opportunity_fields", "opportunity"),
    ("shared_fields", "shared"),
)


@dataclass(frozen=True)
class TypeOps:
    """Custom object types (``activity=False``) or custom activity types."""

    activity: bool = False

    @property
    def order_prefix(self) -> str:
        return "activity/" if self.activity else "custom_object/"

    def create(self, store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
        check = Checker(store, body)
        name = check.name("name", required=True)
        plural = MISSING if self.activity else check.name("name_plural", required=True)
        description = check.text_or_null("description")
        api_create_only = check.boolean("api_create_only")
        roles = check.roles()
        check.done()
        stamp = c.type_timestamp(store.now())
        record: dict[str, Any] = {"id": store.new_id(coll.prefix), "name": name}
        if not self.activity:
            record["name_plural"] = plural
        record.update(
            description=None if description is MISSING else description,
            api_create_only=False if api_create_only is MISSING else api_create_only,
            editable_with_roles=[] if roles is MISSING else roles,
            is_archived=False,
            field_order=[],
            created_by=store.user_id,
            updated_by=store.user_id,
            date_created=stamp,
            date_updated=stamp,
        )
        store.put(coll.name, record)
        return record

    def update(
        self, store: Store, coll: Collection, record: dict[str, Any], body: dict[str, Any]
    ) -> None:
        check = Checker(store, body)
        values = {
            "name": check.name("name", required=False),
            "name_plural": MISSING if self.activity else check.name("name_plural", required=False),
            "description": check.text_or_null("description"),
            "api_create_only": check.boolean("api_create_only"),
            "editable_with_roles": check.roles(),
            "is_archived": check.boolean("is_archived"),
        }
        order = None
        if self.activity and "fields" in body:  # "Field order can be set here" (activity only)
            key = self.order_prefix + record["id"]
            order = reorder(store, key, body["fields"], check.errors)
        check.done()
        c.apply(record, values)
        if order is not None:
            record["field_order"] = order
        record["updated_by"] = store.user_id
        record["date_updated"] = c.type_timestamp(store.now())
        store.touch(coll.name, record["id"])

    def delete(self, store: Store, coll: Collection, record: dict[str, Any]) -> None:
        from .collections import BY_NAME

        own = "activity_fields" if self.activity else "custom_fields"
        if self.activity:
            if record["field_order"] and store.behaviour.activity_type_delete == "refuse":
                raise c.refused(
                    f"Cannot delete custom activity type '{record['name']}': it still has "
                    f"{len(record['field_order'])} field(s). Delete or disassociate them first."
                )
        else:
            blockers = [
                (name, f)
                for name, f in referencing(store, record["id"])
                if not (name == own and f["custom_object_type_id"] == record["id"])
            ]
            if blockers and store.behaviour.referenced_type_delete == "refuse":
                raise c.refused(_blocked_message(store, record, blockers))
            for name, field in blockers:
                if field["id"] in store.records[name]:
                    BY_NAME[name].ops.delete(store, BY_NAME[name], field)
        detach_all(store, self.order_prefix + record["id"])
        for fid in record["field_order"]:  # its own fields (shared ones were detached)
            store.conversions.pop(fid, None)
            store.remove(own, fid)
        store.remove(coll.name, record["id"])

    def render(self, store: Store, coll: Collection, record: dict[str, Any]) -> dict[str, Any]:
        return self._render(store, record, None)

    def render_all(self, store: Store, coll: Collection, records: list[Any]) -> list[Any]:
        """A list, with the back-reference index built once."""
        refs = back_reference_index(store) if not self.activity else {}
        return [self._render(store, r, refs.get(r["id"], [])) for r in records]

    def _render(
        self, store: Store, record: dict[str, Any], back_refs: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if k != "field_order"}
        out["organization_id"] = store.organization_id
        out["fields"] = placements(store, self.order_prefix + record["id"], self.activity)
        if store.behaviour.embedded_order == "by_id":  # not the display order
            out["fields"].sort(key=lambda f: f["id"])
        if not self.activity:
            if back_refs is None:
                back_refs = [
                    summary(f, shared=n == "shared_fields")
                    for n, f in referencing(store, record["id"])
                ]
            out["back_reference_fields"] = back_refs
        return out


def placements(store: Store, key: str, activity: bool) -> list[dict[str, Any]]:
    """The summaries of an object's fields in display order (shared ones with their
    association's ``required`` and ``editable_with_roles``)."""
    regular = store.records["activity_fields" if activity else "custom_fields"]
    out = []
    for fid in store.order(key) or ():
        field = regular.get(fid)
        if field is not None:
            item = summary(field)
        else:
            shared = store.records["shared_fields"][fid]
            association = association_for(shared, key)
            placed = {**shared, **{k: association[k] for k in ("required", "editable_with_roles")}}
            item = summary(placed, shared=True)
        if activity:
            item["converting_to_type"] = None
        out.append(item)
    return out


def referencing(store: Store, type_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(collection, field) for every field that references ``type_id``, in _REFERRING order."""
    return [
        (name, f)
        for name, _ in _REFERRING
        for f in store.records[name].values()
        if f["referenced_custom_type_id"] == type_id
    ]


def back_reference_index(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Type id -> its back_reference_fields, for every type, in one pass."""
    refs: dict[str, list[dict[str, Any]]] = {}
    for name, _ in _REFERRING:
        for f in store.records[name].values():
            if f["referenced_custom_type_id"]:
                item = summary(f, shared=name == "shared_fields")
                refs.setdefault(f["referenced_custom_type_id"], []).append(item)
    return refs


def _blocked_message(
    store: Store, cotype: dict[str, Any], blockers: list[tuple[str, dict[str, Any]]]
) -> str:
    where = dict(_REFERRING)
    parts = []
    for name, f in blockers:
        if name == "custom_fields":
            owner = store.types[f["custom_object_type_id"]]["name"]
            parts.append(f"'{f['name']}' ({f['id']}) on custom object type '{owner}'")
        elif name == "activity_fields":
            owner = store.records["custom_activity_types"][f["custom_activity_type_id"]]["name"]
            parts.append(f"'{f['name']}' ({f['id']}) on custom activity type '{owner}'")
        elif name == "shared_fields":
            parts.append(f"'{f['name']}' ({f['id']}), a shared field")
        else:
            parts.append(f"'{f['name']}' ({f['id']}) on {where[name]}")
    return (
        f"Cannot delete custom object type '{cotype['name']}': it is referenced by "
        f"custom field {', '.join(parts)}. Delete those fields first."
    )
