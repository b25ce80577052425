"""Reading an org: the requests each managed section needs, each list once.

A plan reads only what its manifest's sections need (design: "reading stays constant"): a
manifest of custom object types alone reads their types, their fields and the roles (3 list
requests), whatever the org's size. Lists that page are read at the largest page size Close
documents for them (`_limit=200`), following `has_more`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from schemasync.live.groups import SINGLE, SLIM, SOURCES
from schemasync.live.slim import Slim
from schemasync.live.state import LiveState
from schemasync.sections import SECTIONS

if TYPE_CHECKING:
    from schemasync.client import CloseClient
    from schemasync.model import Manifest, Obj
    from schemasync.plan import Plan

PAGE = 200
PAGED = frozenset({"activity_fields", "shared_fields", "lead_statuses"})
# What each managed section reads. Custom object types are read with every field-bearing
# section (a field may reference one; a type's back references guard its deletion).
NEEDS: dict[str, tuple[str, ...]] = {
    "custom_object_types": ("fields", "types", "roles"),
    "custom_activity_types": ("activity_fields", "activity_types", "types", "roles"),
    "shared_fields": ("shared_fields", "types", "roles"),
    "lead.fields": ("lead", "types", "roles"),
    "contact.fields": ("contact", "types", "roles"),
    "opportunity.fields": ("opportunity", "types", "roles"),
    "lead.statuses": ("lead_statuses", "organization"),
    "opportunity.pipelines": ("pipelines",),
}
ALL_SECTIONS = SECTIONS  # tests/test_kinds.py: NEEDS names every section


class Reads(Protocol):
    def list_all(
        self, path: str, *, slim: Slim | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]: ...
    def get(self, path: str, params: dict[str, Any] | None = None) -> Any: ...


def groups_for(sections: Iterable[str], placements: bool = False) -> list[str]:
    """The raw lists to read for these sections, in request order (biggest list first);
    `placements`: the manifest places shared fields, so their definitions are read too."""
    wanted: set[str] = set()
    for section in sections:
        wanted.update(NEEDS.get(section, ()))
    if placements:
        wanted.add("shared_fields")
    return [name for name in SOURCES if name in wanted]


def read_raw(client: Reads, groups: Iterable[str], org_id: str | None = None) -> dict[str, Any]:
    """The raw lists of `groups` (live.groups names), read once each."""
    raw: dict[str, Any] = {}
    for name in groups:
        path = SOURCES[name]
        if name in SINGLE:
            raw[name] = client.get(path.format(org_id=org_id or "-"))
        else:
            raw[name] = client.list_all(
                path, slim=SLIM.get(name), limit=PAGE if name in PAGED else None
            )
    return raw


LEGACY_READ = ("fields", "types", "roles")  # what a plan of custom object types reads


def read_live(
    client: CloseClient, groups: Iterable[str] = LEGACY_READ, org: dict[str, Any] | None = None
) -> LiveState:
    """Read the lists of `groups` (live/groups.py) once each and parse them."""
    from schemasync.live import parse_live

    groups = list(groups)
    org_id = ((org or {}).get("org") or {}).get("id")
    if "organization" in groups and not org_id:
        orgs = client.me().get("organizations")
        org_id = orgs[0].get("id") if isinstance(orgs, list) and orgs else None
    return parse_live(read_raw(client, groups, org_id))


def reads_of(manifest: Manifest) -> list[str]:
    """The lists a plan of `manifest` reads: what its managed sections need."""
    from schemasync.model import places_shared_fields

    return groups_for(manifest.sections, placements=places_shared_fields(manifest))


def reads_of_plan(plan: Plan) -> list[str]:
    """The lists a saved plan was made from (read again, they give its fingerprint)."""
    recorded = plan.options.get("read")
    if isinstance(recorded, list) and all(isinstance(g, str) for g in recorded):
        return list(recorded)
    return list(LEGACY_READ)


def read_everything(client: CloseClient, sections: Iterable[str] | None = None) -> LiveState:
    """The whole schema of an org (or only `sections`), as export writes it."""
    return read_live(client, groups_for(sections or ALL_SECTIONS, placements=True))


# The types whose display order a plan reads from the list's embedded `fields`.
_EMBEDDED = {
    "custom_object_types": "custom_object_type",
    "custom_activity_types": "custom_activity_type",
}


def confirm_orders(client: CloseClient, plan: Plan, live: LiveState) -> bool:
    """The display order of custom object and activity types is read from the `fields` each
    list entry embeds, which the API does not document as the display order. Confirm it with
    one read of a type's field schema: the first type the plan reorders, or else the first
    managed type with two or more fields (a wrong order could also hide a needed reorder; a
    schema that cannot be read passes to the next type). When it agrees, the embedded lists
    are trusted (the plan's reads stay constant); when it does not, every such type's schema
    is read and its order used. True when an order differed (plan again)."""
    sections = plan.options.get("sections") or ["custom_object_types"]
    kinds = {_EMBEDDED[s] for s in sections if s in _EMBEDDED}
    reordered = [
        owner
        for op in plan.operations
        if op.action == "reorder"
        and (owner := live.by_id(op.id or "")) is not None
        and owner.kind.name in kinds
    ]
    managed = [
        owner
        for kind in sorted(kinds)
        for owner in sorted(live.top(kind), key=lambda o: (o.name, o.id or ""))
        if len(owner.order) >= 2
    ]
    candidates = list({id(o): o for o in [*reordered, *managed]}.values())
    for i, owner in enumerate(candidates):
        differs = _confirm(client, owner)
        if differs is None:
            continue  # not a schema: ask the next type
        if not differs:
            return False
        for other in candidates[i + 1 :]:
            _confirm(client, other)
        return True
    return False


def _confirm(client: CloseClient, owner: Obj) -> bool | None:
    """Read one type's field schema: True (and its order taken) when it differs from the
    embedded one, False when it agrees, None when the answer holds no field list."""
    from schemasync.kinds import BY_NAME

    schema = client.get(BY_NAME[owner.kind.name].order_path.format(id=owner.id))
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list):
        return None
    ids = tuple(str(f["id"]) for f in fields if isinstance(f, dict) and "id" in f)
    if ids == owner.order:
        return False
    owner.order = ids
    return True
