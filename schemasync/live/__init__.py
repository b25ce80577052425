"""The live org: which lists are read, how they are parsed and checked, and the state they make.

slim.py    decode only what a plan reads (json object_pairs_hook)
parse.py   one checked item at a time, through the kinds' attributes
groups.py  the lists of each part of an org, and their parsers
state.py   LiveState (objects by kind, roles) and its fingerprint
"""

from __future__ import annotations

from typing import Any

from schemasync.kinds import ROLES_PATH
from schemasync.live.groups import (
    FIELDS_PATH,
    SINGLE,
    SLIM,
    SOURCES,
    TYPES_PATH,
    parse_activities,
    parse_custom_objects,
    parse_lead_statuses,
    parse_pipelines,
    parse_roles,
    parse_shared,
    parse_standard,
)
from schemasync.live.slim import Slim
from schemasync.live.state import LiveRole, LiveState
from schemasync.util import gc_paused

LiveOrg = LiveState  # the name callers used before the live state was generic

__all__ = [
    "FIELDS_PATH",
    "ROLES_PATH",
    "SINGLE",
    "SLIM",
    "SOURCES",
    "TYPES_PATH",
    "LiveOrg",
    "LiveRole",
    "LiveState",
    "Slim",
    "gc_paused",
    "parse_live",
]


def parse_live(raw: dict[str, Any]) -> LiveState:
    """Build the live state from the raw lists of the parts of an org that were read
    (live/groups.py names them): `{"types": [...], "fields": [...], "roles": [...], ...}`.

    Unknown keys are ignored (the API adds keys over time); missing or mistyped keys that a
    plan depends on raise ResponseError, so no write is ever based on a misread response.
    """
    with gc_paused():
        state = LiveState(read=frozenset(raw))
        seen: set[str] = set()
        if "types" in raw or "fields" in raw:
            parse_custom_objects(raw, state, seen)
        if "activity_types" in raw or "activity_fields" in raw:
            parse_activities(raw, state, seen)
        if "shared_fields" in raw:
            parse_shared(raw, state, seen)
        parse_standard(raw, state, seen)
        if "lead_statuses" in raw or "organization" in raw:
            parse_lead_statuses(raw, state, seen)
        if "pipelines" in raw:
            parse_pipelines(raw, state, seen)
        if "roles" in raw:
            parse_roles(raw, state)
        return state
