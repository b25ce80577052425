"""The emulator's custom object fields, the summaries types embed, and their field order."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import (
    EmulatorApp,
)
from tests.emulator.helpers import (
    FIELD_DATE,
    ID22,
    create_field,
    create_type,
    field_errors,
)

# -- custom fields -------------------------------------------------------------------------


def test_create_field_full_object(client: httpx.Client, app: EmulatorApp) -> None:
    t = create_type(client)
    r = client.post(
        "/custom_field/custom_object_type/",
        json={
            "custom_object_type_id": t["id"],
            "name": "User Count",
            "type": "number",
            "required": True,
            "description": "n",
        },
    )
    assert r.status_code == 201
    f = r.json()
    assert re.fullmatch("cf_" + ID22, f["id"])
    assert f["organization_id"] == app.store.organization_id
    assert f["custom_object_type_id"] == t["id"]
    assert (f["name"], f["type"], f["required"], f["description"]) == (
        "User Count",
        "number",
        True,
        "n",
    )
    assert f["accepts_multiple_values"] is False and f["editable_with_roles"] == []
    assert f["choices"] is None and f["referenced_custom_type_id"] is None
    assert f["back_reference_is_visible"] is None and f["is_shared"] is False
    assert f["created_by"] == f["updated_by"] == app.store.user_id
    assert FIELD_DATE.match(f["date_created"]) and FIELD_DATE.match(f["date_updated"])
    assert client.get(f"/custom_field/custom_object_type/{f['id']}/").json() == f
    assert client.get("/custom_field/custom_object_type/").json() == {
        "data": [f],
        "has_more": False,
    }


@pytest.mark.parametrize(
    "ftype", ["text", "number", "date", "datetime", "user", "contact", "hidden"]
)
def test_create_field_simple_types(client: httpx.Client, ftype: str) -> None:
    t = create_type(client)
    assert create_field(client, t["id"], "F", ftype)["type"] == ftype


def test_choices_and_reference_fields(client: httpx.Client) -> None:
    t, res = create_type(client, "Account"), create_type(client, "Resource")
    c = create_field(client, t["id"], "Status", "choices", choices=["A", "B"])
    assert c["choices"] == ["A", "B"]
    ref = create_field(
        client,
        t["id"],
        "Res",
        "custom_object",
        referenced_custom_type_id=res["id"],
        back_reference_is_visible=True,
    )
    assert ref["referenced_custom_type_id"] == res["id"]
    assert ref["back_reference_is_visible"] is True and ref["choices"] is None
    plain = create_field(
        client, t["id"], "Res2", "custom_object", referenced_custom_type_id=res["id"]
    )
    assert plain["back_reference_is_visible"] is False


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"name", "type", "custom_object_type_id"}),
        ({"name": "F", "type": "textarea"}, {"type"}),
        ({"name": "F", "type": "choices"}, {"choices"}),
        ({"name": "F", "type": "choices", "choices": "A,B"}, {"choices"}),
        ({"name": "F", "type": "choices", "choices": ["A", 1]}, {"choices"}),
        ({"name": "F", "type": "text", "choices": ["A"]}, {"choices"}),
        ({"name": "F", "type": "custom_object"}, {"referenced_custom_type_id"}),
        (
            {"name": "F", "type": "custom_object", "referenced_custom_type_id": "cotype_nope"},
            {"referenced_custom_type_id"},
        ),
        (
            {"name": "F", "type": "text", "accepts_multiple_values": True},
            {"accepts_multiple_values"},
        ),
        ({"name": "F", "type": "number", "required": "yes"}, {"required"}),
        ({"name": 7, "type": "text", "description": "x" * 281}, {"name", "description"}),
        ({"name": "F", "type": "text", "editable_with_roles": ["nobody"]}, {"editable_with_roles"}),
    ],
)
def test_create_field_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    t = create_type(client)
    if body:
        body = {"custom_object_type_id": t["id"], **body}
    errors = field_errors(client.post("/custom_field/custom_object_type/", json=body))
    assert set(errors) == bad
    assert app.store.fields == {}


def test_create_field_needs_an_existing_type(client: httpx.Client) -> None:
    r = client.post(
        "/custom_field/custom_object_type/",
        json={"custom_object_type_id": "cotype_nope", "name": "F", "type": "text"},
    )
    assert set(field_errors(r)) == {"custom_object_type_id"}


@pytest.mark.parametrize("ftype", ["user", "choices", "contact", "custom_object"])
def test_multiple_values_allowed_types(client: httpx.Client, ftype: str) -> None:
    t = create_type(client)
    extra: dict[str, Any] = {"choices": ["A"]} if ftype == "choices" else {}
    if ftype == "custom_object":
        extra = {"referenced_custom_type_id": t["id"]}
    f = create_field(client, t["id"], "F", ftype, accepts_multiple_values=True, **extra)
    assert f["accepts_multiple_values"] is True


def test_create_field_ignores_unknown_and_read_only_keys(client: httpx.Client) -> None:
    t = create_type(client)
    f = create_field(
        client,
        t["id"],
        "F",
        id="cf_mine",
        organization_id="orga_x",
        is_shared=True,
        date_created="yesterday",
        foo="bar",
        back_reference_is_visible=True,
    )
    assert f["id"] != "cf_mine" and f["is_shared"] is False and "foo" not in f
    assert f["date_created"] != "yesterday" and f["back_reference_is_visible"] is None


def test_duplicate_field_names_are_accepted(client: httpx.Client) -> None:
    t = create_type(client)
    a, b = create_field(client, t["id"], "Same"), create_field(client, t["id"], "Same")
    assert a["id"] != b["id"]


def test_update_field_is_partial_and_choices_are_replaced(client: httpx.Client) -> None:
    t = create_type(client)
    f = create_field(client, t["id"], "Status", "choices", choices=["A", "B"], description="d")
    r = client.put(
        f"/custom_field/custom_object_type/{f['id']}/",
        json={
            "name": "State",
            "choices": ["C"],
            "required": True,
            "accepts_multiple_values": True,
            "editable_with_roles": ["admin"],
        },
    )
    assert r.status_code == 200
    u = r.json()
    assert (u["name"], u["choices"], u["required"], u["description"]) == ("State", ["C"], True, "d")
    assert u["accepts_multiple_values"] is True and u["editable_with_roles"] == ["admin"]
    assert u["date_created"] == f["date_created"]
    assert client.get(f"/custom_field/custom_object_type/{f['id']}/").json() == u


def test_update_field_immutable_keys(client: httpx.Client) -> None:
    t, t2 = create_type(client, "A"), create_type(client, "B")
    ref = create_field(client, t["id"], "Ref", "custom_object", referenced_custom_type_id=t2["id"])
    url = f"/custom_field/custom_object_type/{ref['id']}/"
    errors = field_errors(
        client.put(
            url,
            json={
                "type": "text",
                "custom_object_type_id": t2["id"],
                "referenced_custom_type_id": t["id"],
            },
        )
    )
    assert errors == dict.fromkeys(
        ("type", "custom_object_type_id", "referenced_custom_type_id"),
        "This field cannot be changed.",
    )
    same = client.put(
        url,
        json={
            "type": "custom_object",
            "custom_object_type_id": t["id"],
            "referenced_custom_type_id": t2["id"],
            "name": "Ref2",
            "back_reference_is_visible": True,
        },
    )
    assert same.status_code == 200
    assert same.json()["name"] == "Ref2" and same.json()["back_reference_is_visible"] is True
    text = create_field(client, t["id"], "T")
    ok = client.put(
        f"/custom_field/custom_object_type/{text['id']}/",
        json={"referenced_custom_type_id": None, "type": "text"},
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("ftype", "body", "bad"),
    [
        ("text", {"choices": ["A"]}, "choices"),
        ("text", {"accepts_multiple_values": True}, "accepts_multiple_values"),
        ("choices", {"choices": None}, "choices"),
        ("choices", {"choices": [1]}, "choices"),
        ("text", {"name": None}, "name"),
        ("text", {"required": 1}, "required"),
    ],
)
def test_update_field_validation(
    client: httpx.Client, ftype: str, body: dict[str, Any], bad: str
) -> None:
    t = create_type(client)
    extra = {"choices": ["A"]} if ftype == "choices" else {}
    f = create_field(client, t["id"], "F", ftype, **extra)
    r = client.put(f"/custom_field/custom_object_type/{f['id']}/", json=body)
    assert set(field_errors(r)) == {bad}
    assert client.get(f"/custom_field/custom_object_type/{f['id']}/").json() == f


def test_delete_field(client: httpx.Client) -> None:
    t = create_type(client)
    a, b = create_field(client, t["id"], "A"), create_field(client, t["id"], "B")
    r = client.delete(f"/custom_field/custom_object_type/{a['id']}/")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/custom_field/custom_object_type/{a['id']}/").status_code == 404
    assert client.delete(f"/custom_field/custom_object_type/{a['id']}/").status_code == 404
    assert [f["id"] for f in client.get(f"/custom_object_type/{t['id']}/").json()["fields"]] == [
        b["id"]
    ]
    schema = client.get(f"/custom_field_schema/custom_object/{t['id']}/").json()
    assert [f["id"] for f in schema["fields"]] == [b["id"]]


def test_field_list_spans_types_in_creation_order(client: httpx.Client) -> None:
    a, b = create_type(client, "A"), create_type(client, "B")
    ids = [
        create_field(client, a["id"], "1")["id"],
        create_field(client, b["id"], "2")["id"],
        create_field(client, a["id"], "3")["id"],
    ]
    body = client.get("/custom_field/custom_object_type/").json()
    assert [f["id"] for f in body["data"]] == ids and body["has_more"] is False


# -- embedded summaries, back references, field order ---------------------------------------


def test_embedded_summaries(client: httpx.Client) -> None:
    acc, res = create_type(client, "Account"), create_type(client, "Resource")
    status = create_field(client, acc["id"], "Status", "choices", choices=["A"])
    ref = create_field(
        client,
        acc["id"],
        "Res",
        "custom_object",
        referenced_custom_type_id=res["id"],
        back_reference_is_visible=True,
    )
    own = create_field(
        client, res["id"], "Parent", "custom_object", referenced_custom_type_id=res["id"]
    )
    account = client.get(f"/custom_object_type/{acc['id']}/").json()
    assert [f["id"] for f in account["fields"]] == [status["id"], ref["id"]]
    summary = account["fields"][0]
    assert "choices" not in summary
    assert set(summary) == {
        "id",
        "name",
        "description",
        "type",
        "required",
        "accepts_multiple_values",
        "editable_with_roles",
        "is_shared",
    }
    assert account["fields"][1]["referenced_custom_type_id"] == res["id"]
    assert account["fields"][1]["back_reference_is_visible"] is True
    assert account["back_reference_fields"] == []
    resource = client.get(f"/custom_object_type/{res['id']}/").json()
    assert [f["id"] for f in resource["back_reference_fields"]] == [ref["id"], own["id"]]
    listed = {t["id"]: t for t in client.get("/custom_object_type/").json()["data"]}
    assert listed[res["id"]] == resource


def test_field_order_get_and_put(client: httpx.Client, app: EmulatorApp) -> None:
    t = create_type(client)
    a, b, c, d = (create_field(client, t["id"], n)["id"] for n in "ABCD")
    url = f"/custom_field_schema/custom_object/{t['id']}/"
    schema = client.get(url).json()
    assert schema["name"] == "Account"
    assert schema["object_type"] == f"custom_object/{t['id']}"
    assert schema["organization_id"] == app.store.organization_id
    assert [f["id"] for f in schema["fields"]] == [a, b, c, d]
    assert schema["fields"][0] == client.get(f"/custom_field/custom_object_type/{a}/").json()
    r = client.put(url, json={"fields": [{"id": c}, {"id": a}]})
    assert r.status_code == 200
    assert [f["id"] for f in r.json()["fields"]] == [c, a, b, d]  # omitted ids appended
    assert set(r.json()) == {"fields", "name", "object_type", "organization_id"}
    assert [f["id"] for f in client.get(f"/custom_object_type/{t['id']}/").json()["fields"]] == [
        c,
        a,
        b,
        d,
    ]
    e = create_field(client, t["id"], "E")["id"]
    assert [f["id"] for f in client.get(url).json()["fields"]] == [c, a, b, d, e]


def test_field_order_errors(client: httpx.Client) -> None:
    t, other = create_type(client, "A"), create_type(client, "B")
    mine = create_field(client, t["id"], "Mine")["id"]
    theirs = create_field(client, other["id"], "Theirs")["id"]
    url = f"/custom_field_schema/custom_object/{t['id']}/"
    for body in (
        {"fields": [{"id": theirs}]},
        {"fields": [{"id": "cf_nope"}]},
        {},
        {"fields": "x"},
        {"fields": [mine]},
    ):
        assert "fields" in field_errors(client.put(url, json=body))
    assert [f["id"] for f in client.get(url).json()["fields"]] == [mine]
    assert client.get("/custom_field_schema/custom_object/cotype_nope/").status_code == 404
    assert (
        client.put(
            "/custom_field_schema/custom_object/cotype_nope/", json={"fields": []}
        ).status_code
        == 404
    )
