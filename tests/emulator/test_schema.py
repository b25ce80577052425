"""The emulator's field order (/custom_field_schema/...) for every kind of object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from schemasync.emulator import EmulatorApp
from tests.emulator.helpers import (
    activity_field,
    activity_type,
    associate,
    create_field,
    create_type,
    field_errors,
    ids,
    object_field,
    shared_field,
)

Maker = Callable[[httpx.Client], tuple[str, str, Callable[[str], dict[str, Any]], dict[str, Any]]]


def _standard(obj: str) -> Maker:
    def make(client: httpx.Client) -> Any:
        return obj, obj.capitalize(), lambda n: object_field(client, obj, n), {"object_type": obj}

    return make


def _activity(client: httpx.Client) -> Any:
    t = activity_type(client, "Demo")
    association = {"object_type": "custom_activity_type", "custom_activity_type_id": t["id"]}
    return f"activity/{t['id']}", "Demo", lambda n: activity_field(client, t["id"], n), association


def _custom_object(client: httpx.Client) -> Any:
    t = create_type(client, "Account")
    association = {"object_type": "custom_object_type", "custom_object_type_id": t["id"]}
    return (
        f"custom_object/{t['id']}",
        "Account",
        lambda n: create_field(client, t["id"], n),
        association,
    )


MAKERS = {
    "lead": _standard("lead"),
    "contact": _standard("contact"),
    "opportunity": _standard("opportunity"),
    "activity": _activity,
    "custom_object": _custom_object,
}


@pytest.mark.parametrize("kind", list(MAKERS))
def test_schema_get_and_put(client: httpx.Client, app: EmulatorApp, kind: str) -> None:
    key, name, make_field, association = MAKERS[kind](client)
    a, b = make_field("A"), make_field("B")
    owner = shared_field(client, "Owner", "user")
    associate(client, owner["id"], **association)
    c = make_field("C")
    url = f"/custom_field_schema/{key}/"
    schema = client.get(url).json()
    assert list(schema) == ["fields", "name", "object_type", "organization_id"]
    assert (schema["name"], schema["object_type"]) == (name, key)
    assert schema["organization_id"] == app.store.organization_id
    assert ids(schema["fields"]) == [a["id"], b["id"], owner["id"], c["id"]]
    assert schema["fields"][0] == a  # a regular field as its own list renders it
    shared = schema["fields"][2]
    assert shared == client.get(f"/custom_field/shared/{owner['id']}/").json()
    assert shared["is_shared"] is True and len(shared["associations"]) == 1
    r = client.put(url, json={"fields": [{"id": c["id"]}, {"id": owner["id"]}]})
    assert r.status_code == 200
    assert ids(r.json()["fields"]) == [c["id"], owner["id"], a["id"], b["id"]]  # rest appended
    assert client.get(url).json() == r.json()
    d = make_field("D")
    assert ids(client.get(url).json()["fields"])[-1] == d["id"]


@pytest.mark.parametrize("kind", list(MAKERS))
def test_schema_put_refuses_fields_of_other_objects(
    client: httpx.Client, app: EmulatorApp, kind: str
) -> None:
    key, _, make_field, _ = MAKERS[kind](client)
    mine = make_field("Mine")
    elsewhere = [
        object_field(client, "lead" if kind != "lead" else "contact", "L")["id"],
        shared_field(client, "Unplaced")["id"],
        "cf_nope",
    ]
    url = f"/custom_field_schema/{key}/"
    for body in [{"fields": [{"id": fid}]} for fid in elsewhere] + [{}, {"fields": "x"}]:
        assert "fields" in field_errors(client.put(url, json=body))
    assert ids(client.get(url).json()["fields"]) == [mine["id"]]


def test_schema_of_missing_types_is_404(client: httpx.Client) -> None:
    for path in ("activity/actitype_nope", "custom_object/cotype_nope"):
        assert client.get(f"/custom_field_schema/{path}/").status_code == 404
        r = client.put(f"/custom_field_schema/{path}/", json={"fields": []})
        assert r.status_code == 404
    r = client.delete("/custom_field_schema/lead/")
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "PUT"}


def test_empty_schemas(client: httpx.Client) -> None:
    for obj in ("lead", "contact", "opportunity"):
        assert client.get(f"/custom_field_schema/{obj}/").json()["fields"] == []
        assert client.put(f"/custom_field_schema/{obj}/", json={"fields": []}).status_code == 200
