"""Reading an org: the requests each managed section needs, each list once.

A plan reads only what its manifest's sections need (design: "reading stays constant"): a
manifest of custom object types alone reads their types, their fields and the roles (3 list
requests), whatever the org's size. Lists that page are read at the largest page size Close
documents for them (`_limit=200`), following `has_more`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from schemasync.live.groups import SINGLE, SLIM, SOURCES
from schemasync.live.slim import Slim

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
ALL_SECTIONS = tuple(NEEDS)


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
