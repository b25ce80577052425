"""The emulator's table of collections: its own reading of the API documentation.

One row per collection of records the API lists, creates, reads, updates and deletes through
``<path>`` and ``<path><id>/``; the generic handlers in routes.py serve every row, and the
row's ``ops`` do what differs (checks, side effects, rendering). Special routes (field order,
associations, /me/, /organization/) are in routes.py.

========================  ================================  =========  ======  ======  =======
collection                path                              id prefix  create  delete  list
========================  ================================  =========  ======  ======  =======
roles                     /role/                            role_      201     –       paged
custom_object_types       /custom_object_type/              cotype_    201     204     data
custom_fields             /custom_field/custom_object_type/ cf_        201     204     all
custom_activity_types     /custom_activity/                 actitype_  201     204     data
activity_fields           /custom_field/activity/           cf_        200     200     paged
lead_fields …             /custom_field/lead/ (contact/,    cf_        200     200     paged
                          opportunity/)
shared_fields             /custom_field/shared/             cf_        200     200     paged
lead_statuses             /status/lead/                     stat_      200     200     paged
pipelines                 /pipeline/                        pipe_      201     204     data
opportunity_statuses      /status/opportunity/              stat_      200     200     paged
========================  ================================  =========  ======  ======  =======

List envelopes: ``data`` is ``{"data": [...]}`` with every record and no ``has_more``;
``all`` adds ``"has_more": false`` and ignores ``_skip``/``_limit``; ``paged`` honours
``_skip`` (default 0) and ``_limit`` (default 100, at most 200) and says ``has_more``. A
DELETE answered with 200 has the body ``{}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from . import checks as c
from .checks import Checker
from .fields import FieldOps
from .objects import TypeOps
from .shared import SharedOps
from .statuses import LeadStatusOps, OpportunityStatusOps, PipelineOps
from .store import STANDARD_OBJECTS, Store

Record = dict[str, Any]


class Ops(Protocol):
    def create(self, store: Store, coll: Collection, body: Record) -> Record: ...

    def update(self, store: Store, coll: Collection, record: Record, body: Record) -> None: ...

    def delete(self, store: Store, coll: Collection, record: Record) -> None: ...

    def render(self, store: Store, coll: Collection, record: Record) -> Record: ...


def _no_order(record: Record) -> str:
    raise AssertionError("this collection has no field order")


@dataclass(frozen=True)
class Collection:
    name: str  # the Store.records key
    path: str  # after /api/v1, with its trailing slash
    prefix: str  # of new ids
    create_status: int
    delete_status: int
    listing: Literal["data", "all", "paged"]
    ops: Ops
    owner_key: str | None = None  # the key naming the owning type, if any
    order_key: Callable[[Record], str] = _no_order  # the field order a new record joins
    item_methods: tuple[str, ...] = ("GET", "PUT", "DELETE")
    archivable: bool = False  # Behaviour.list_archived applies

    def render_all(self, store: Store, records: list[Record]) -> list[Record]:
        render_all = getattr(self.ops, "render_all", None)
        if render_all is not None:
            return list(render_all(store, self, records))
        return [self.ops.render(store, self, r) for r in records]


@dataclass(frozen=True)
class RoleOps:
    """Roles: list, create, get (the API's update and delete are not emulated)."""

    def create(self, store: Store, coll: Collection, body: Record) -> Record:
        check = Checker(store, body)
        name = check.name("name", required=True)
        permissions = body.get("permissions", [])
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            check.errors["permissions"] = "Value must be a list of strings."
        check.done()
        return store._put_role(name, permissions, editable=True)

    def update(self, store: Store, coll: Collection, record: Record, body: Record) -> None:
        raise c.not_found()

    def delete(self, store: Store, coll: Collection, record: Record) -> None:
        raise c.not_found()

    def render(self, store: Store, coll: Collection, record: Record) -> Record:
        return {**record, "organization_id": store.organization_id}


def _standard(name: str) -> Collection:
    return Collection(
        f"{name}_fields",
        f"/custom_field/{name}/",
        "cf_",
        200,
        200,
        "paged",
        FieldOps(has_required=False, type_in_place=True),
        order_key=lambda _field: name,
    )


COLLECTIONS: tuple[Collection, ...] = (
    Collection("roles", "/role/", "role_", 201, 200, "paged", RoleOps(), item_methods=("GET",)),
    Collection(
        "custom_object_types",
        "/custom_object_type/",
        "cotype_",
        201,
        204,
        "data",
        TypeOps(activity=False),
        archivable=True,
    ),
    Collection(
        "custom_fields",
        "/custom_field/custom_object_type/",
        "cf_",
        201,
        204,
        "all",
        FieldOps(owner="custom_object_types", owner_noun="Custom object type"),
        owner_key="custom_object_type_id",
        order_key=lambda f: f"custom_object/{f['custom_object_type_id']}",
    ),
    Collection(
        "custom_activity_types",
        "/custom_activity/",
        "actitype_",
        201,
        204,
        "data",
        TypeOps(activity=True),
        archivable=True,
    ),
    Collection(
        "activity_fields",
        "/custom_field/activity/",
        "cf_",
        200,
        200,
        "paged",
        FieldOps(
            types=c.ACTIVITY_FIELD_TYPES,
            owner="custom_activity_types",
            owner_noun="Custom activity type",
        ),
        owner_key="custom_activity_type_id",
        order_key=lambda f: f"activity/{f['custom_activity_type_id']}",
    ),
    *(_standard(name) for name in STANDARD_OBJECTS),
    Collection("shared_fields", "/custom_field/shared/", "cf_", 200, 200, "paged", SharedOps()),
    Collection("lead_statuses", "/status/lead/", "stat_", 200, 200, "paged", LeadStatusOps()),
    Collection("pipelines", "/pipeline/", "pipe_", 201, 204, "data", PipelineOps()),
    Collection(
        "opportunity_statuses",
        "/status/opportunity/",
        "stat_",
        200,
        200,
        "paged",
        OpportunityStatusOps(),
    ),
)
BY_NAME = {coll.name: coll for coll in COLLECTIONS}
