"""The emulator's custom activity types (/custom_activity/) and activity fields."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import Behaviour, EmulatorApp, Store
from tests.emulator.helpers import (
    FIELD_DATE,
    ID22,
    TYPE_DATE,
    activity_field,
    activity_type,
    associate,
    create_type,
    error,
    field_errors,
    ids,
    make_client,
    shared_field,
)

FIELDS = "/custom_field/activity/"


def test_create_activity_type_full_object(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.post("/custom_activity/", json={"name": "Demo Requested"})
    assert r.status_code == 201
    t = r.json()
    assert re.fullmatch("actitype_" + ID22, t["id"])
    assert list(t) == [
        "id",
        "name",
        "description",
        "api_create_only",
        "editable_with_roles",
        "is_archived",
        "created_by",
        "updated_by",
        "date_created",
        "date_updated",
        "organization_id",
        "fields",
    ]  # no name_plural, no back_reference_fields
    assert (t["description"], t["api_create_only"], t["is_archived"]) == (None, False, False)
    assert t["editable_with_roles"] == [] and t["fields"] == []
    assert t["organization_id"] == app.store.organization_id
    assert t["created_by"] == t["updated_by"] == app.store.user_id
    assert TYPE_DATE.match(t["date_created"]) and TYPE_DATE.match(t["date_updated"])
    assert client.get(f"/custom_activity/{t['id']}/").json() == t
    assert client.get("/custom_activity/").json() == {"data": [t]}  # no has_more


def test_create_activity_type_options_and_ignored_keys(
    client: httpx.Client, app: EmulatorApp
) -> None:
    role = app.store.add_role("Ops")
    t = activity_type(
        client,
        "Demo",
        description="d",
        api_create_only=True,
        editable_with_roles=["admin", role["id"]],
        id="actitype_mine",
        fields=[{"id": "cf_x"}],
        is_archived=True,
        name_plural="Demos",
    )
    assert t["id"] != "actitype_mine" and t["fields"] == [] and t["is_archived"] is False
    assert t["description"] == "d" and t["api_create_only"] is True
    assert t["editable_with_roles"] == ["admin", role["id"]] and "name_plural" not in t


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"name"}),
        ({"name": ""}, {"name"}),
        (
            {"name": "D", "description": 1, "api_create_only": "no"},
            {"description", "api_create_only"},
        ),
        ({"name": "D", "editable_with_roles": ["boss"]}, {"editable_with_roles"}),
    ],
)
def test_create_activity_type_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    assert set(field_errors(client.post("/custom_activity/", json=body))) == bad
    assert app.store.records["custom_activity_types"] == {}


def test_update_activity_type(client: httpx.Client) -> None:
    t = activity_type(client, "Demo", description="keep")
    url = f"/custom_activity/{t['id']}/"
    u = client.put(url, json={"name": "Demo Done", "is_archived": True}).json()
    assert (u["name"], u["description"], u["is_archived"]) == ("Demo Done", "keep", True)
    u = client.put(
        url, json={"api_create_only": True, "editable_with_roles": ["user"], "description": None}
    ).json()
    assert u["api_create_only"] is True and u["editable_with_roles"] == ["user"]
    assert u["description"] is None and u["date_created"] == t["date_created"]
    assert client.put(url, json={"is_archived": False}).json()["is_archived"] is False
    assert set(field_errors(client.put(url, json={"name": None, "is_archived": 1}))) == {
        "name",
        "is_archived",
    }
    assert client.put("/custom_activity/actitype_nope/", json={}).status_code == 404


def test_update_activity_type_reorders_fields(client: httpx.Client) -> None:
    t = activity_type(client)
    a, b, c = (activity_field(client, t["id"], n)["id"] for n in "ABC")
    owner = shared_field(client, "Owner", "user")
    associate(
        client, owner["id"], object_type="custom_activity_type", custom_activity_type_id=t["id"]
    )
    url = f"/custom_activity/{t['id']}/"
    r = client.put(url, json={"fields": [{"id": owner["id"]}, {"id": c}]})
    assert r.status_code == 200
    assert ids(r.json()["fields"]) == [owner["id"], c, a, b]  # omitted ids appended
    schema = client.get(f"/custom_field_schema/activity/{t['id']}/").json()
    assert ids(schema["fields"]) == [owner["id"], c, a, b]
    other = activity_type(client, "Other")
    theirs = activity_field(client, other["id"], "Theirs")["id"]
    for fields in ([{"id": theirs}], [{"id": "cf_nope"}], [a], "x", None):
        assert "fields" in field_errors(client.put(url, json={"fields": fields, "name": "New"}))
    assert client.get(url).json()["name"] == "Demo"  # nothing of a refused PUT applies


def test_delete_activity_type_cascades_by_default(client: httpx.Client, app: EmulatorApp) -> None:
    t, keep = activity_type(client, "Demo"), activity_type(client, "Keep")
    activity_field(client, t["id"], "Outcome")
    kept = activity_field(client, keep["id"], "Kept")
    owner = shared_field(client, "Owner", "user")
    associate(
        client, owner["id"], object_type="custom_activity_type", custom_activity_type_id=t["id"]
    )
    associate(client, owner["id"], object_type="lead")
    r = client.delete(f"/custom_activity/{t['id']}/")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/custom_activity/{t['id']}/").status_code == 404
    assert client.delete(f"/custom_activity/{t['id']}/").status_code == 404
    assert ids(client.get(FIELDS).json()["data"]) == [kept["id"]]
    associations = client.get(f"/custom_field/shared/{owner['id']}/").json()["associations"]
    assert associations == [{"object_type": "lead", "required": False, "editable_with_roles": []}]
    assert ids(client.get("/custom_field_schema/lead/").json()["fields"]) == [owner["id"]]
    assert ids(client.get("/custom_activity/").json()["data"]) == [keep["id"]]


def test_delete_activity_type_refused_while_it_has_fields() -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(activity_type_delete="refuse"))
    with make_client(app, key="k") as client:
        t = activity_type(client, "Demo")
        f = activity_field(client, t["id"], "Outcome")
        before = app.store.snapshot()
        assert "Demo" in error(client.delete(f"/custom_activity/{t['id']}/"))
        assert app.store.snapshot() == before
        owner = shared_field(client, "Owner")
        associate(
            client, owner["id"], object_type="custom_activity_type", custom_activity_type_id=t["id"]
        )
        assert client.delete(f"{FIELDS}{f['id']}/").status_code == 200
        assert client.delete(f"/custom_activity/{t['id']}/").status_code == 400  # a placement
        path = f"/custom_field/shared/{owner['id']}/association/custom_activity_type/{t['id']}/"
        assert client.delete(path).status_code == 204
        assert client.delete(f"/custom_activity/{t['id']}/").status_code == 204


@pytest.mark.parametrize("listed", [True, False])
def test_archived_types_in_lists(listed: bool) -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(list_archived=listed))
    with make_client(app, key="k") as client:
        act, kept = activity_type(client, "Old"), activity_type(client, "New")
        co, co_kept = create_type(client, "Old"), create_type(client, "New")
        for url in (f"/custom_activity/{act['id']}/", f"/custom_object_type/{co['id']}/"):
            assert client.put(url, json={"is_archived": True}).status_code == 200
            assert client.get(url).json()["is_archived"] is True  # GET by id always works
        want = [act["id"], kept["id"]] if listed else [kept["id"]]
        assert ids(client.get("/custom_activity/").json()["data"]) == want
        want = [co["id"], co_kept["id"]] if listed else [co_kept["id"]]
        assert ids(client.get("/custom_object_type/").json()["data"]) == want


def test_embedded_field_summaries(client: httpx.Client) -> None:
    t = activity_type(client)
    f = activity_field(client, t["id"], "Outcome", "choices", choices=["Booked"], required=True)
    owner = shared_field(client, "Owner", "user", accepts_multiple_values=True)
    associate(
        client,
        owner["id"],
        object_type="custom_activity_type",
        custom_activity_type_id=t["id"],
        required=True,
        editable_with_roles=["admin"],
    )
    summaries = client.get(f"/custom_activity/{t['id']}/").json()["fields"]
    assert summaries == [
        {
            "id": f["id"],
            "name": "Outcome",
            "description": None,
            "type": "choices",
            "required": True,
            "accepts_multiple_values": False,
            "editable_with_roles": [],
            "is_shared": False,
            "converting_to_type": None,
        },
        {
            "id": owner["id"],
            "name": "Owner",
            "description": None,
            "type": "user",
            "required": True,  # the association's
            "accepts_multiple_values": True,
            "editable_with_roles": ["admin"],  # the association's
            "is_shared": True,
            "converting_to_type": None,
        },
    ]
    assert client.get("/custom_activity/").json()["data"][0]["fields"] == summaries


# -- activity fields ---------------------------------------------------------------------


def test_create_activity_field_full_object(client: httpx.Client, app: EmulatorApp) -> None:
    t = activity_type(client)
    body = {"custom_activity_type_id": t["id"], "name": "Notes", "type": "textarea"}
    r = client.post(FIELDS, json={**body, "required": True, "description": "n"})
    assert r.status_code == 200  # not 201: an older API
    f = r.json()
    assert re.fullmatch("cf_" + ID22, f["id"])
    assert list(f) == [
        "id",
        "custom_activity_type_id",
        "name",
        "description",
        "type",
        "required",
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
    ]
    assert (f["type"], f["required"], f["is_shared"]) == ("textarea", True, False)
    assert FIELD_DATE.match(f["date_created"]) and FIELD_DATE.match(f["date_updated"])
    assert client.get(f"{FIELDS}{f['id']}/").json() == f
    assert client.get(FIELDS).json() == {"data": [f], "has_more": False}
    assert ids(client.get(f"/custom_activity/{t['id']}/").json()["fields"]) == [f["id"]]


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"custom_activity_type_id", "name", "type"}),
        (
            {"custom_activity_type_id": "actitype_nope", "name": "F", "type": "text"},
            {"custom_activity_type_id"},
        ),
        ({"name": "F", "type": "rich"}, {"type"}),
        ({"name": "F", "type": "text", "description": "x" * 281}, {"description"}),
        ({"name": "F", "type": "choices", "choices": ["A", " "]}, {"choices"}),
        ({"name": "F", "type": "choices"}, {"choices"}),
        (
            {"name": "F", "type": "textarea", "accepts_multiple_values": True},
            {"accepts_multiple_values"},
        ),
        ({"name": "F", "type": "custom_object"}, {"referenced_custom_type_id"}),
        ({"name": "F", "type": "text", "required": "yes"}, {"required"}),
        (
            {"name": "F", "type": "text", "editable_with_roles": ["role_nope"]},
            {"editable_with_roles"},
        ),
    ],
)
def test_create_activity_field_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    t = activity_type(client)
    if body and "custom_activity_type_id" not in body:
        body = {"custom_activity_type_id": t["id"], **body}
    assert set(field_errors(client.post(FIELDS, json=body))) == bad
    assert app.store.records["activity_fields"] == {}


def test_activity_field_reference_is_a_back_reference(client: httpx.Client) -> None:
    account = create_type(client, "Account")
    t = activity_type(client)
    f = activity_field(
        client, t["id"], "Account", "custom_object", referenced_custom_type_id=account["id"]
    )
    assert f["referenced_custom_type_id"] == account["id"]
    assert f["back_reference_is_visible"] is False
    back = client.get(f"/custom_object_type/{account['id']}/").json()["back_reference_fields"]
    assert ids(back) == [f["id"]]


def test_update_activity_field(client: httpx.Client) -> None:
    t, other = activity_type(client), activity_type(client, "Other")
    f = activity_field(client, t["id"], "Status", "choices", choices=["A"], description="d")
    url = f"{FIELDS}{f['id']}/"
    u = client.put(
        url,
        json={
            "name": "State",
            "choices": ["B", "C"],
            "required": True,
            "accepts_multiple_values": True,
        },
    ).json()
    assert (u["name"], u["choices"], u["required"], u["description"]) == (
        "State",
        ["B", "C"],
        True,
        "d",
    )
    assert u["accepts_multiple_values"] is True and u["date_created"] == f["date_created"]
    errors = field_errors(
        client.put(url, json={"type": "text", "custom_activity_type_id": other["id"]})
    )
    assert errors == dict.fromkeys(
        ("type", "custom_activity_type_id"), "This field cannot be changed."
    )
    same = client.put(url, json={"type": "choices", "custom_activity_type_id": t["id"]})
    assert same.status_code == 200
    assert "choices" in field_errors(client.put(url, json={"choices": [""]}))
    assert "description" in field_errors(client.put(url, json={"description": "y" * 281}))
    assert client.get(url).json() == same.json()


def test_delete_activity_field(client: httpx.Client) -> None:
    t = activity_type(client)
    a, b = activity_field(client, t["id"], "A"), activity_field(client, t["id"], "B")
    r = client.delete(f"{FIELDS}{a['id']}/")
    assert r.status_code == 200 and r.json() == {}
    assert client.get(f"{FIELDS}{a['id']}/").status_code == 404
    assert client.delete(f"{FIELDS}{a['id']}/").status_code == 404
    assert ids(client.get(f"/custom_activity/{t['id']}/").json()["fields"]) == [b["id"]]


def test_activity_field_list_is_paginated(client: httpx.Client) -> None:
    t, u = activity_type(client, "T"), activity_type(client, "U")
    made = [activity_field(client, (t, u)[i % 2]["id"], f"F{i}")["id"] for i in range(103)]
    first = client.get(FIELDS).json()  # default _limit 100
    assert ids(first["data"]) == made[:100] and first["has_more"] is True
    rest = client.get(FIELDS, params={"_skip": 100}).json()
    assert ids(rest["data"]) == made[100:] and rest["has_more"] is False
    page = client.get(FIELDS, params={"_skip": 10, "_limit": 5}).json()
    assert ids(page["data"]) == made[10:15] and page["has_more"] is True
    for params in ({"_limit": 201}, {"_skip": -1}, {"_limit": "x"}):
        r = client.get(FIELDS, params=params)
        assert r.status_code == 400 and list(r.json()["field-errors"]) == list(params)
