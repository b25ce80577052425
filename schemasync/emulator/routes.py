"""The route table: path pattern -> handler and allowed methods, and the generic handlers.

Every collection of collections.py gets ``<path>`` (GET list, POST create) and
``<path><id>/`` (its item methods); then the special routes:

=====================================================================  =================
path (after /api/v1)                                                   methods
=====================================================================  =================
/me/                                                                   GET
/organization/{id}/                                                    GET, PUT
/custom_field_schema/{lead|contact|opportunity}/                       GET, PUT
/custom_field_schema/{activity|custom_object}/{type id}/               GET, PUT
/custom_field/shared/{id}/association/                                 POST (201)
/custom_field/shared/{id}/association/{lead|contact|opportunity}/      GET, PUT, DELETE
/custom_field/shared/{id}/association/{custom_object_type|             GET, PUT, DELETE
custom_activity_type}/{type id}/                                       (DELETE: 204)
=====================================================================  =================

A path that matches no route is a 404; a method the route does not allow is a 405 with
``Allow``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import checks as c
from .collections import COLLECTIONS, Collection
from .schema import put_schema, render_schema
from .shared import (
    associate,
    association_for,
    disassociate,
    path_key,
    shared_field,
    update_association,
)
from .statuses import render_organization, update_organization
from .store import Store

MAX_LIMIT = 200


@dataclass
class Request:
    store: Store
    method: str
    params: dict[str, str]
    body: dict[str, Any]
    query: dict[str, list[str]]


Handler = Callable[[Request], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    handler: Handler


def int_param(
    query: dict[str, list[str]], key: str, default: int, low: int, high: int | None
) -> int:
    raw = query.get(key, [str(default)])[-1]
    try:
        value = int(raw)
    except ValueError:
        raise c.HttpFailure(
            400, {"field-errors": {key: "Input should be a valid integer"}}
        ) from None
    if value < low:
        message = f"Input should be greater than or equal to {low}"
        raise c.HttpFailure(400, {"field-errors": {key: message}})
    if high is not None and value > high:
        message = f"Input should be less than or equal to {high}"
        raise c.HttpFailure(400, {"field-errors": {key: message}})
    return value


# -- generic collection handlers -----------------------------------------------------------


def create_record(store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
    """Create through the collection's checks; returns the rendered record."""
    return coll.ops.render(store, coll, coll.ops.create(store, coll, body))


def _find(coll: Collection, req: Request) -> dict[str, Any]:
    record = req.store.records[coll.name].get(req.params["id"])
    if record is None:
        raise c.not_found()
    return record


def _collection(coll: Collection, req: Request) -> tuple[int, Any]:
    store = req.store
    if req.method == "POST":
        return coll.create_status, create_record(store, coll, req.body)
    records = list(store.records[coll.name].values())
    if coll.archivable and not store.behaviour.list_archived:
        records = [r for r in records if not r["is_archived"]]
    if coll.listing == "data":
        return 200, {"data": coll.render_all(store, records)}
    if coll.listing == "all":
        return 200, {"data": coll.render_all(store, records), "has_more": False}
    skip = int_param(req.query, "_skip", 0, 0, None)
    limit = int_param(req.query, "_limit", 100, 0, MAX_LIMIT)
    page = records[skip : skip + limit]
    return 200, {"data": coll.render_all(store, page), "has_more": skip + limit < len(records)}


def _item(coll: Collection, req: Request) -> tuple[int, Any]:
    store = req.store
    record = _find(coll, req)
    if req.method == "PUT":
        coll.ops.update(store, coll, record, req.body)
    elif req.method == "DELETE":
        coll.ops.delete(store, coll, record)
        return coll.delete_status, None if coll.delete_status == 204 else {}
    return 200, coll.ops.render(store, coll, record)


# -- special routes ------------------------------------------------------------------------


def _me(req: Request) -> tuple[int, Any]:
    store = req.store
    org = {"id": store.organization_id, "name": store.organization_name}
    return 200, {**store.user, "image": None, "organizations": [org]}


def _organization(req: Request) -> tuple[int, Any]:
    if req.params["id"] != req.store.organization_id:
        raise c.not_found()
    if req.method == "PUT":
        return 200, update_organization(req.store, req.body)
    return 200, render_organization(req.store)


def _schema(req: Request) -> tuple[int, Any]:
    kind = req.params["object"]
    key = f"{kind}/{req.params['id']}" if "id" in req.params else kind
    if req.method == "PUT":
        return 200, put_schema(req.store, key, req.body)
    return 200, render_schema(req.store, key)


def _associate(req: Request) -> tuple[int, Any]:
    return 201, associate(req.store, req.params["id"], req.body)


def _association(req: Request) -> tuple[int, Any]:
    field = shared_field(req.store, req.params["id"])
    association = association_for(field, path_key(req.params["object"], req.params.get("type")))
    if req.method == "DELETE":
        disassociate(req.store, field, association)
        return 204, None
    if req.method == "PUT":
        update_association(req.store, field, association, req.body)
    return 200, association


def _routes() -> list[Route]:
    routes = []
    for coll in COLLECTIONS:
        path = re.escape(coll.path)
        routes.append(Route(re.compile(path), ("GET", "POST"), partial(_collection, coll)))
        item = re.compile(path + r"(?P<id>[^/]+)/")
        routes.append(Route(item, coll.item_methods, partial(_item, coll)))
    shared = r"/custom_field/shared/(?P<id>[^/]+)/association/"
    special: list[tuple[str, tuple[str, ...], Handler]] = [
        (r"/me/", ("GET",), _me),
        (r"/organization/(?P<id>[^/]+)/", ("GET", "PUT"), _organization),
        (r"/custom_field_schema/(?P<object>lead|contact|opportunity)/", ("GET", "PUT"), _schema),
        (
            r"/custom_field_schema/(?P<object>activity|custom_object)/(?P<id>[^/]+)/",
            ("GET", "PUT"),
            _schema,
        ),
        (shared, ("POST",), _associate),
        (shared + r"(?P<object>lead|contact|opportunity)/", ("GET", "PUT", "DELETE"), _association),
        (
            shared + r"(?P<object>custom_object_type|custom_activity_type)/(?P<type>[^/]+)/",
            ("GET", "PUT", "DELETE"),
            _association,
        ),
    ]
    routes.extend(Route(re.compile(p), methods, handler) for p, methods, handler in special)
    return routes


ROUTES = _routes()


def match(subpath: str | None) -> tuple[Route, dict[str, str]] | None:
    """The route for a path after /api/v1 and the values it captured; None for an unknown
    path or one outside /api/v1."""
    if subpath is None:
        return None
    for route in ROUTES:
        found = route.pattern.fullmatch(subpath)
        if found:
            return route, found.groupdict()
    return None
