"""The emulator's lead, contact and opportunity custom fields, and their in-place type change."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import Behaviour, EmulatorApp, Store
from tests.emulator.helpers import (
    FIELD_DATE,
    ID22,
    associate,
    create_type,
    error,
    field_errors,
    ids,
    make_client,
    object_field,
    shared_field,
)

OBJECTS = ("lead", "contact", "opportunity")


@pytest.mark.parametrize("obj", OBJECTS)
def test_create_field_full_object(client: httpx.Client, app: EmulatorApp, obj: str) -> None:
    url = f"/custom_field/{obj}/"
    r = client.post(url, json={"name": "Users", "type": "number", "required": True})
    assert r.status_code == 200
    f = r.json()
    assert re.fullmatch("cf_" + ID22, f["id"])
    assert list(f) == [
        "id",
        "name",
        "description",
        "type",
        "accepts_multiple_values",
        "editable_with_roles",
        "choices",
        "referenced_custom_type_id",
        "back_reference_is_visible",
        "created_by",
        "updated_by",
        "date_created",
        "date_updated",
        "organization_id",
        "is_shared",
    ]  # no "required" (ignored on create), no converting_to_type
    assert f["is_shared"] is False and f["organization_id"] == app.store.organization_id
    assert FIELD_DATE.match(f["date_created"]) and FIELD_DATE.match(f["date_updated"])
    assert client.get(f"{url}{f['id']}/").json() == f
    assert client.get(url).json() == {"data": [f], "has_more": False}
    for other in OBJECTS:
        if other != obj:
            assert client.get(f"/custom_field/{other}/").json()["data"] == []
            assert client.get(f"/custom_field/{other}/{f['id']}/").status_code == 404
    assert ids(client.get(f"/custom_field_schema/{obj}/").json()["fields"]) == [f["id"]]


@pytest.mark.parametrize("obj", OBJECTS)
def test_delete_field(client: httpx.Client, obj: str) -> None:
    a, b = object_field(client, obj, "A"), object_field(client, obj, "B")
    r = client.delete(f"/custom_field/{obj}/{a['id']}/")
    assert r.status_code == 200 and r.json() == {}
    assert client.get(f"/custom_field/{obj}/{a['id']}/").status_code == 404
    assert client.delete(f"/custom_field/{obj}/{a['id']}/").status_code == 404
    assert ids(client.get(f"/custom_field_schema/{obj}/").json()["fields"]) == [b["id"]]


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"name", "type"}),
        ({"name": "F", "type": "textarea"}, {"type"}),  # activity fields only
        ({"name": "F", "type": "text", "description": "x" * 281}, {"description"}),
        ({"name": "F", "type": "choices", "choices": ["A", ""]}, {"choices"}),
        ({"name": "F", "type": "choices"}, {"choices"}),
        (
            {"name": "F", "type": "number", "accepts_multiple_values": True},
            {"accepts_multiple_values"},
        ),
        (
            {"name": "F", "type": "custom_object", "referenced_custom_type_id": "cotype_x"},
            {"referenced_custom_type_id"},
        ),
        ({"name": "F", "type": "text", "editable_with_roles": ["Admin"]}, {"editable_with_roles"}),
    ],
)
def test_create_field_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    assert set(field_errors(client.post("/custom_field/contact/", json=body))) == bad
    assert app.store.records["contact_fields"] == {}


def test_roles_and_choices(client: httpx.Client, app: EmulatorApp) -> None:
    role = app.store.add_role("Ops")
    f = object_field(
        client,
        "opportunity",
        "Band",
        "choices",
        choices=["A", "B"],
        accepts_multiple_values=True,
        editable_with_roles=["superuser", role["id"]],
    )
    assert f["choices"] == ["A", "B"] and f["editable_with_roles"] == ["superuser", role["id"]]
    url = f"/custom_field/opportunity/{f['id']}/"
    u = client.put(url, json={"choices": ["C"], "required": True, "description": "d"}).json()
    assert u["choices"] == ["C"] and u["description"] == "d" and "required" not in u


def test_lists_hold_regular_fields_only(client: httpx.Client) -> None:
    regular = object_field(client, "lead", "Industry")
    owner = shared_field(client, "Owner", "user")
    associate(client, owner["id"], object_type="lead")
    assert ids(client.get("/custom_field/lead/").json()["data"]) == [regular["id"]]
    assert client.get(f"/custom_field/lead/{owner['id']}/").status_code == 404
    schema = client.get("/custom_field_schema/lead/").json()["fields"]
    assert ids(schema) == [regular["id"], owner["id"]]


def test_pagination(client: httpx.Client) -> None:
    made = [object_field(client, "lead", f"F{i}")["id"] for i in range(7)]
    page = client.get("/custom_field/lead/", params={"_skip": 2, "_limit": 3}).json()
    assert ids(page["data"]) == made[2:5] and page["has_more"] is True
    last = client.get("/custom_field/lead/", params={"_skip": 5, "_limit": 3}).json()
    assert ids(last["data"]) == made[5:] and last["has_more"] is False
    r = client.get("/custom_field/lead/", params={"_limit": 500})
    assert r.status_code == 400 and "_limit" in r.json()["field-errors"]


def test_reference_is_immutable_and_a_back_reference(client: httpx.Client) -> None:
    account, other = create_type(client, "Account"), create_type(client, "Other")
    f = object_field(
        client, "lead", "Account", "custom_object", referenced_custom_type_id=account["id"]
    )
    url = f"/custom_field/lead/{f['id']}/"
    errors = field_errors(client.put(url, json={"referenced_custom_type_id": other["id"]}))
    assert errors == {"referenced_custom_type_id": "This field cannot be changed."}
    assert (
        client.put(url, json={"back_reference_is_visible": True}).json()[
            "back_reference_is_visible"
        ]
        is True
    )
    back = client.get(f"/custom_object_type/{account['id']}/").json()["back_reference_fields"]
    assert back == [
        {
            "id": f["id"],
            "name": "Account",
            "description": None,
            "type": "custom_object",
            "accepts_multiple_values": False,
            "editable_with_roles": [],
            "is_shared": False,
            "referenced_custom_type_id": account["id"],
            "back_reference_is_visible": True,
        }
    ]


# -- type changes ------------------------------------------------------------------------


def test_type_change_converts_for_one_read_by_default(client: httpx.Client) -> None:
    f = object_field(client, "lead", "Users", "number")
    url = f"/custom_field/lead/{f['id']}/"
    r = client.put(url, json={"type": "text"})
    assert r.status_code == 200
    assert r.json()["id"] == f["id"] and r.json()["type"] == "text"
    assert r.json()["converting_to_type"] == "text"
    refused = client.put(url, json={"name": "Seats"})
    assert "being converted" in error(refused)
    first = client.get(url).json()
    assert first["type"] == "text" and first["converting_to_type"] == "text"
    second = client.get(url).json()
    assert "converting_to_type" not in second and second["type"] == "text"
    assert client.put(url, json={"name": "Seats"}).json()["name"] == "Seats"


def test_conversion_counts_every_read_that_renders_the_field() -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(conversion_reads=3))
    with make_client(app, key="k") as client:
        f = object_field(client, "contact", "Age", "number")
        other = object_field(client, "contact", "Other")
        url = f"/custom_field/contact/{f['id']}/"
        assert client.put(url, json={"type": "text"}).json()["converting_to_type"] == "text"

        def shown(r: httpx.Response) -> dict[str, Any]:
            data = r.json()
            items = data["data"] if "data" in data else data.get("fields", [data])
            return next(item for item in items if item["id"] == f["id"])

        # A page without the field does not count.
        skipped = client.get("/custom_field/contact/", params={"_skip": 1})
        assert ids(skipped.json()["data"]) == [other["id"]]
        reads = [client.get("/custom_field/contact/"), client.get("/custom_field_schema/contact/")]
        for write in (
            client.put(url, json={"description": "x"}),
            client.delete(url),
            client.put(url, json={"type": "date"}),
        ):
            assert "being converted to 'text'" in error(write)  # writes do not count
        reads.append(client.get(url))
        assert [shown(r).get("converting_to_type") for r in reads] == ["text"] * 3
        assert "converting_to_type" not in client.get(url).json()
        assert client.delete(url).status_code == 200


def test_zero_conversion_reads_is_a_synchronous_change() -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(conversion_reads=0))
    with make_client(app, key="k") as client:
        f = object_field(client, "opportunity", "Value", "number")
        url = f"/custom_field/opportunity/{f['id']}/"
        r = client.put(url, json={"type": "text"}).json()
        assert r["type"] == "text" and "converting_to_type" not in r
        assert client.put(url, json={"name": "Worth"}).status_code == 200


def test_type_change_rules(client: httpx.Client) -> None:
    account = create_type(client)
    text = object_field(client, "lead", "T")
    url = f"/custom_field/lead/{text['id']}/"
    assert "choices" in field_errors(client.put(url, json={"type": "choices"}))
    assert "type" in field_errors(client.put(url, json={"type": "textarea"}))
    refused = field_errors(client.put(url, json={"type": "custom_object"}))
    assert "custom_object" in refused["type"]
    ref = object_field(
        client, "lead", "R", "custom_object", referenced_custom_type_id=account["id"]
    )
    assert "type" in field_errors(
        client.put(f"/custom_field/lead/{ref['id']}/", json={"type": "text"})
    )
    assert client.get(url).json() == text  # nothing changed, nothing converting
    choices = client.put(url, json={"type": "choices", "choices": ["A", "B"]}).json()
    assert choices["type"] == "choices" and choices["choices"] == ["A", "B"]
    client.get(url)  # the one conversion read
    multi = object_field(
        client, "lead", "M", "choices", choices=["A"], accepts_multiple_values=True
    )
    murl = f"/custom_field/lead/{multi['id']}/"
    assert "accepts_multiple_values" in field_errors(client.put(murl, json={"type": "text"}))
    back = client.put(murl, json={"type": "text", "accepts_multiple_values": False}).json()
    assert back["choices"] is None and back["accepts_multiple_values"] is False
    assert "choices" in field_errors(client.put(url, json={"type": "text", "choices": ["A"]}))
