"""The Close API emulator: endpoints, status codes, validation, rate limits, faults, state file."""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import random
import re
import signal
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemasync.emulator import (
    EmulatorApp,
    EmulatorServer,
    EmulatorTransport,
    StateFileError,
    Store,
    parse_rate_limit,
    run_emulator,
    serve,
)
from schemasync.errors import SchemaSyncError, UsageError
from tests.orgs import KEY

BASE = "http://emulator/api/v1"
ID22 = "[0-9A-Za-z]{22}"
TYPE_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
FIELD_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
REPO = Path(__file__).resolve().parent.parent


def make_client(app: EmulatorApp, key: str | None = KEY, **kwargs: Any) -> httpx.Client:
    auth = (key, "") if key is not None else None
    return httpx.Client(transport=EmulatorTransport(app), base_url=BASE, auth=auth, **kwargs)


@pytest.fixture
def client(app: EmulatorApp) -> Iterator[httpx.Client]:
    with make_client(app) as c:
        yield c


def create_type(client: httpx.Client, name: str = "Account", **extra: Any) -> dict[str, Any]:
    r = client.post("/custom_object_type/", json={"name": name, "name_plural": name + "s", **extra})
    assert r.status_code == 201, r.text
    return r.json()


def create_field(
    client: httpx.Client, type_id: str, name: str, ftype: str = "text", **extra: Any
) -> dict[str, Any]:
    body = {"custom_object_type_id": type_id, "name": name, "type": ftype, **extra}
    r = client.post("/custom_field/custom_object_type/", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def field_errors(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errors"] == []
    return body["field-errors"]


# -- auth, /me/, routing -------------------------------------------------------------------


def test_basic_auth_and_me(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.get("/me/")
    assert r.status_code == 200
    me = r.json()
    assert re.fullmatch("user_" + ID22, me["id"])
    assert me["first_name"] == "Emulator"
    assert me["organizations"] == [{"id": app.store.organization_id, "name": "Test Org"}]
    assert re.fullmatch("orga_" + ID22, app.store.organization_id)


def test_bearer_auth(app: EmulatorApp) -> None:
    with make_client(app, key=None, headers={"Authorization": f"Bearer {KEY}"}) as c:
        assert c.get("/me/").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong",
        "Basic " + base64.b64encode(b"wrong:").decode(),
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(b":").decode(),
        "Token test-key",
    ],
)
def test_bad_auth_is_401(app: EmulatorApp, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    with make_client(app, key=None, headers=headers) as c:
        r = c.get("/custom_object_type/")
    assert r.status_code == 401
    assert r.json() == {"error": "Unauthorized"}


def test_demo_mode_accepts_any_non_empty_key() -> None:
    app = EmulatorApp(Store())
    with make_client(app, key="anything") as c:
        assert c.get("/me/").status_code == 200
    with make_client(app, key="") as c:
        assert c.get("/me/").status_code == 401


@pytest.mark.parametrize(
    "path", ["/nope/", "/custom_object_type", "/custom_field/lead/", "/custom_field_schema/lead/"]
)
def test_unknown_path_is_404(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.json() == {"error": "Not found."}


def test_outside_api_prefix_is_404(app: EmulatorApp) -> None:
    with httpx.Client(transport=EmulatorTransport(app), auth=(KEY, "")) as c:
        assert c.get("http://emulator/me/").status_code == 404


def test_wrong_method_is_405(client: httpx.Client) -> None:
    r = client.delete("/custom_object_type/")
    assert r.status_code == 405
    assert "error" in r.json()
    assert set(r.headers["allow"].split(", ")) == {"GET", "POST"}
    assert client.put("/me/", json={}).status_code == 405


def test_invalid_json_is_400(client: httpx.Client) -> None:
    r = client.post(
        "/custom_object_type/", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json() == {"error": "The request contains invalid JSON."}
    r = client.post("/custom_object_type/", json=["a", "list"])
    assert r.status_code == 400 and "error" in r.json()


# -- roles ---------------------------------------------------------------------------------


def test_builtin_roles(client: httpx.Client, app: EmulatorApp) -> None:
    body = client.get("/role/").json()
    assert body["has_more"] is False
    assert [r["name"] for r in body["data"]] == ["Admin", "Super User", "User", "Restricted User"]
    for role in body["data"]:
        assert re.fullmatch("role_" + ID22, role["id"])
        assert role["editable"] is False
        assert isinstance(role["permissions"], list)
        assert role["visibility_user_lcf_behavior"] is None
        assert role["visibility_user_lcf_ids"] is None
        assert role["organization_id"] == app.store.organization_id


def test_custom_roles_and_pagination(client: httpx.Client, app: EmulatorApp) -> None:
    added = app.store.add_role("Sales Manager")
    assert re.fullmatch("role_" + ID22, added["id"]) and added["name"] == "Sales Manager"
    r = client.post("/role/", json={"name": "Support"})
    assert r.status_code == 201 and r.json()["editable"] is True
    page1 = client.get("/role/", params={"_limit": 4}).json()
    page2 = client.get("/role/", params={"_skip": 4, "_limit": 4}).json()
    assert page1["has_more"] is True and len(page1["data"]) == 4
    assert page2["has_more"] is False
    assert [r["name"] for r in page2["data"]] == ["Sales Manager", "Support"]
    assert all(r["editable"] for r in page2["data"])
    one = client.get(f"/role/{added['id']}/")
    assert one.status_code == 200 and one.json()["name"] == "Sales Manager"
    assert client.get("/role/role_missing/").status_code == 404


@pytest.mark.parametrize("params", [{"_limit": "x"}, {"_limit": 201}, {"_skip": -1}])
def test_role_pagination_errors(client: httpx.Client, params: dict[str, Any]) -> None:
    r = client.get("/role/", params=params)
    assert r.status_code == 400
    assert list(r.json()["field-errors"]) == list(params)


# -- custom object types -------------------------------------------------------------------


def test_create_type_full_object(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.post("/custom_object_type/", json={"name": "Account", "name_plural": "Accounts"})
    assert r.status_code == 201
    t = r.json()
    assert re.fullmatch("cotype_" + ID22, t["id"])
    assert t["organization_id"] == app.store.organization_id
    assert (t["name"], t["name_plural"], t["description"]) == ("Account", "Accounts", None)
    assert t["api_create_only"] is False and t["is_archived"] is False
    assert t["editable_with_roles"] == [] and t["fields"] == []
    assert t["back_reference_fields"] == []
    assert t["created_by"] == t["updated_by"] == app.store.user_id
    assert TYPE_DATE.match(t["date_created"]) and TYPE_DATE.match(t["date_updated"])
    assert client.get(f"/custom_object_type/{t['id']}/").json() == t
    listing = client.get("/custom_object_type/").json()
    assert listing == {"data": [t]}  # no has_more


def test_create_type_with_everything(client: httpx.Client, app: EmulatorApp) -> None:
    role = app.store.add_role("Ops")
    t = create_type(
        client,
        "Resource",
        description="d",
        api_create_only=True,
        editable_with_roles=["admin", "superuser", "user", "restricteduser", role["id"]],
    )
    assert t["description"] == "d" and t["api_create_only"] is True
    assert t["editable_with_roles"][-1] == role["id"]


def test_create_type_required_fields(client: httpx.Client) -> None:
    assert field_errors(client.post("/custom_object_type/", json={})) == {
        "name": "This field is required.",
        "name_plural": "This field is required.",
    }
    errors = field_errors(
        client.post("/custom_object_type/", json={"name": "", "name_plural": None})
    )
    assert errors == {"name": "This field is required.", "name_plural": "This field is required."}


def test_create_type_wrong_types(client: httpx.Client, app: EmulatorApp) -> None:
    body = {
        "name": 3,
        "name_plural": "Xs",
        "description": 5,
        "api_create_only": "yes",
        "editable_with_roles": "admin",
    }
    errors = field_errors(client.post("/custom_object_type/", json=body))
    assert errors["name"] == "Value must be of basestring type."
    assert errors["description"] == "Value must be of basestring type."
    assert errors["api_create_only"] == "Value must be a boolean."
    assert "editable_with_roles" in errors
    for roles in (["nobody"], [1], ["role_doesnotexist"], ["Admin"]):
        r = client.post(
            "/custom_object_type/",
            json={"name": "X", "name_plural": "Xs", "editable_with_roles": roles},
        )
        assert "editable_with_roles" in field_errors(r)
    assert app.store.types == {}


def test_create_type_ignores_unknown_and_read_only_keys(
    client: httpx.Client, app: EmulatorApp
) -> None:
    t = create_type(
        client,
        "Account",
        id="cotype_mine",
        fields=[{"name": "x"}],
        created_by="user_x",
        organization_id="orga_x",
        is_archived=True,
        back_reference_fields=[1],
        whatever=1,
    )
    assert t["id"] != "cotype_mine" and t["fields"] == [] and t["created_by"] != "user_x"
    assert t["organization_id"] == app.store.organization_id and "whatever" not in t
    assert t["is_archived"] is False


def test_duplicate_type_names_are_accepted(client: httpx.Client) -> None:
    a, b = create_type(client, "Account"), create_type(client, "Account")
    assert a["id"] != b["id"]
    assert [t["name"] for t in client.get("/custom_object_type/").json()["data"]] == [
        "Account",
        "Account",
    ]


def test_update_type_is_partial(client: httpx.Client) -> None:
    t = create_type(client, "Account", description="keep me")
    r = client.put(f"/custom_object_type/{t['id']}/", json={"name": "Client"})
    assert r.status_code == 200
    u = r.json()
    assert (u["name"], u["name_plural"], u["description"]) == ("Client", "Accounts", "keep me")
    assert u["date_created"] == t["date_created"]
    r = client.put(
        f"/custom_object_type/{t['id']}/",
        json={
            "is_archived": True,
            "api_create_only": True,
            "description": None,
            "editable_with_roles": ["admin"],
            "fields": "ignored",
        },
    )
    u = r.json()
    assert u["is_archived"] is True and u["api_create_only"] is True
    assert u["description"] is None and u["editable_with_roles"] == ["admin"]
    assert client.get(f"/custom_object_type/{t['id']}/").json() == u


def test_update_type_validation(client: httpx.Client) -> None:
    t = create_type(client)
    errors = field_errors(
        client.put(
            f"/custom_object_type/{t['id']}/",
            json={"name": "", "is_archived": "no", "editable_with_roles": ["boss"]},
        )
    )
    assert set(errors) == {"name", "is_archived", "editable_with_roles"}
    assert client.get(f"/custom_object_type/{t['id']}/").json()["name"] == "Account"
    assert client.put("/custom_object_type/cotype_missing/", json={}).status_code == 404
    assert client.get("/custom_object_type/cotype_missing/").status_code == 404


def test_delete_type(client: httpx.Client) -> None:
    t = create_type(client)
    r = client.delete(f"/custom_object_type/{t['id']}/")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/custom_object_type/{t['id']}/").status_code == 404
    assert client.delete(f"/custom_object_type/{t['id']}/").status_code == 404
    assert client.get("/custom_object_type/").json() == {"data": []}


def test_delete_type_refused_when_referenced_by_another_type(
    client: httpx.Client, app: EmulatorApp
) -> None:
    target, other = create_type(client, "Resource"), create_type(client, "Account")
    ref = create_field(
        client,
        other["id"],
        "Primary Resource",
        "custom_object",
        referenced_custom_type_id=target["id"],
    )
    before = app.store.snapshot()
    r = client.delete(f"/custom_object_type/{target['id']}/")
    assert r.status_code == 400
    message = r.json()["error"]
    assert "Primary Resource" in message and ref["id"] in message
    assert app.store.snapshot() == before
    assert client.delete(f"/custom_field/custom_object_type/{ref['id']}/").status_code == 204
    assert client.delete(f"/custom_object_type/{target['id']}/").status_code == 204


def test_delete_type_cascades_to_own_fields(client: httpx.Client) -> None:
    t, other = create_type(client, "Node"), create_type(client, "Other")
    create_field(client, t["id"], "Label")
    create_field(client, t["id"], "Parent", "custom_object", referenced_custom_type_id=t["id"])
    keep = create_field(client, other["id"], "Kept")
    assert client.delete(f"/custom_object_type/{t['id']}/").status_code == 204
    fields = client.get("/custom_field/custom_object_type/").json()["data"]
    assert [f["id"] for f in fields] == [keep["id"]]


def test_type_ids_are_unique(client: httpx.Client) -> None:
    ids = {create_type(client, f"T{i}")["id"] for i in range(40)}
    assert len(ids) == 40


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


# -- rate limiting -------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";"])
def test_rate_limit_headers(sep: str) -> None:
    app = EmulatorApp(Store(), api_keys={KEY}, rate_limit=(3, 60), rate_limit_separator=sep)
    with make_client(app) as c:
        r = c.get("/me/")
        assert r.status_code == 200
        match = re.fullmatch(
            rf"limit=3{sep} remaining=2{sep} reset=(\d+\.\d+)", r.headers["RateLimit"]
        )
        assert match and 0 < float(match.group(1)) <= 60
        assert r.headers["ratelimit-limit"] == "3"
        assert r.headers["ratelimit-remaining"] == "2"
        assert 0 < int(r.headers["ratelimit-reset"]) <= 60
        assert c.get("/nope/").headers["ratelimit-remaining"] == "1"  # 404s count too


def test_rate_limit_429(app: EmulatorApp) -> None:
    app = EmulatorApp(Store(), api_keys={KEY, "other"}, rate_limit=(2, 60))
    with make_client(app) as c:
        create_type(c, "A")
        create_type(c, "B")
        r = c.post("/custom_object_type/", json={"name": "C", "name_plural": "Cs"})
        assert r.status_code == 429 and r.content == b""
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "remaining=0" in r.headers["RateLimit"]
        assert [t["name"] for t in app.store.types.values()] == ["A", "B"]
    with make_client(app, key="other") as c:  # per key
        assert c.get("/me/").status_code == 200
    with make_client(app, key="wrong") as c:  # unauthenticated: no rate limit headers
        r = c.get("/me/")
        assert r.status_code == 401 and "RateLimit" not in r.headers


def test_rate_limit_without_headers() -> None:
    app = EmulatorApp(Store(), rate_limit=(1, 60), rate_limit_headers=False)
    with make_client(app) as c:
        ok = c.get("/me/")
        assert ok.status_code == 200
        limited = c.get("/me/")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    for r in (ok, limited):
        assert not [h for h in r.headers if h.lower().startswith("ratelimit")]


def test_rate_limit_window_resets() -> None:
    app = EmulatorApp(Store(), rate_limit=(1, 0.2))
    with make_client(app) as c:
        assert c.get("/me/").status_code == 200
        limited = c.get("/me/")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        time.sleep(0.25)
        assert c.get("/me/").status_code == 200


def test_no_rate_limit_headers_when_not_limited(client: httpx.Client) -> None:
    assert "RateLimit" not in client.get("/me/").headers


def test_bad_rate_limit_separator() -> None:
    with pytest.raises(ValueError):
        EmulatorApp(Store(), rate_limit_separator="|")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10/1", (10, 1.0)), ("10", (10, 1.0)), ("5/0.5", (5, 0.5)), (" 3 / 2 ", (3, 2.0))],
)
def test_parse_rate_limit(text: str, expected: tuple[int, float]) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "10/", "0/1", "10/0", "-1/1", "1/2/3", "1.5"])
def test_parse_rate_limit_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        parse_rate_limit(text)


# -- faults ----------------------------------------------------------------------------------


@pytest.fixture(params=["in-process", "socket"])
def faulty(request: pytest.FixtureRequest, app: EmulatorApp) -> Iterator[httpx.Client]:
    """A client for ``app``, once in-process and once over a real socket."""
    if request.param == "in-process":
        with make_client(app, timeout=5) as c:
            yield c
        return
    with serve(app) as server, httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=5) as c:
        yield c


TYPE_BODY = {"name": "Account", "name_plural": "Accounts"}


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_fault_5xx(faulty: httpx.Client, app: EmulatorApp, code: int) -> None:
    app.faults.add(method="POST", path=r"/custom_object_type/$", action=str(code))
    r = faulty.post("/custom_object_type/", json=TYPE_BODY)
    assert r.status_code == code
    assert r.headers["content-type"].startswith("text/html") and b"<html>" in r.content
    assert app.store.types == {}
    assert faulty.post("/custom_object_type/", json=TYPE_BODY).status_code == 201  # times=1
    assert app.log == [
        ("POST", "/custom_object_type/", code),
        ("POST", "/custom_object_type/", 201),
    ]


def test_fault_ingress_429(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(path="/me/", action="429")
    r = faulty.get("/me/")
    assert r.status_code == 429 and r.content == b"" and r.headers["Retry-After"] == "1"
    assert "RateLimit" not in r.headers
    assert faulty.get("/me/").status_code == 200


def test_fault_drop(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(method="POST", path="/custom_object_type/", action="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        faulty.post("/custom_object_type/", json=TYPE_BODY)
    assert app.store.types == {}
    assert app.log == [("POST", "/custom_object_type/", None)]
    assert faulty.get("/custom_object_type/").json() == {"data": []}


def test_fault_commit_then_drop(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(method="POST", path="/custom_object_type/", action="commit_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        faulty.post("/custom_object_type/", json=TYPE_BODY)
    assert [t["name"] for t in faulty.get("/custom_object_type/").json()["data"]] == ["Account"]
    assert app.log[0] == ("POST", "/custom_object_type/", None)


def test_fault_latency(faulty: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(path="/me/", action="latency", delay=0.05)
    assert faulty.get("/me/").status_code == 200
    app.faults.add(method="POST", path="/custom_object_type/", action="latency", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        faulty.post("/custom_object_type/", json=TYPE_BODY, timeout=0.2)
    deadline = time.monotonic() + 5  # the server still commits the slow request
    while not app.store.types and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [t["name"] for t in app.store.types.values()] == ["Account"]


def test_in_process_drop_message(client: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(action="drop")
    with pytest.raises(
        httpx.RemoteProtocolError, match="Server disconnected without sending a response"
    ):
        client.get("/me/")


def test_fault_skip_times_and_clear(client: httpx.Client, app: EmulatorApp) -> None:
    app.faults.add(method="GET", path="/me/", action="503", skip=1, times=2)
    codes = [client.get("/me/").status_code for _ in range(5)]
    assert codes == [200, 503, 503, 200, 200]
    rule = app.faults.add(method="get", path="/custom_object_type/", action="500", times=None)
    assert client.post("/custom_object_type/", json=TYPE_BODY).status_code == 201  # method
    assert [client.get("/custom_object_type/").status_code for _ in range(3)] == [500] * 3
    assert rule.applied == 3
    app.faults.clear()
    assert client.get("/custom_object_type/").status_code == 200


def test_fault_path_matches_after_api_prefix(client: httpx.Client, app: EmulatorApp) -> None:
    t = create_type(client)
    app.faults.add(method="PUT", path=r"/custom_object_type/cotype_", action="502")
    app.faults.add(method="POST", path=r"/custom_object_type/", action="504")
    assert client.put(f"/custom_object_type/{t['id']}/", json={}).status_code == 502
    r = client.post(
        "/custom_field/custom_object_type/",
        json={"custom_object_type_id": t["id"], "name": "F", "type": "text"},
    )
    assert r.status_code == 201  # the POST rule is anchored at the start of the path


def test_unknown_fault_action() -> None:
    with pytest.raises(ValueError):
        EmulatorApp(Store()).faults.add(action="explode")


def test_log_and_reset(client: httpx.Client, app: EmulatorApp) -> None:
    client.get("/me/")
    client.post("/custom_object_type/", json={})
    with make_client(app, key="nope") as c:
        c.get("/role/")
    assert app.log == [
        ("GET", "/me/", 200),
        ("POST", "/custom_object_type/", 400),
        ("GET", "/role/", 401),
    ]
    log = app.log
    app.reset_log()
    assert log == [] and app.log is log


# -- real socket -------------------------------------------------------------------------


def test_real_socket_crud_and_auth(server: EmulatorServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1", server.url)
    with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=5) as c:
        t = create_type(c, "Account")
        f = create_field(c, t["id"], "Status", "choices", choices=["A"])
        assert c.get(f"/custom_object_type/{t['id']}/").json()["fields"][0]["id"] == f["id"]
        assert c.delete(f"/custom_field/custom_object_type/{f['id']}/").status_code == 204
        bad = c.post("/custom_object_type/", content=b"{", headers={"content-type": "x"})
        assert bad.status_code == 400
    with httpx.Client(
        base_url=server.url, timeout=5, headers={"Authorization": "Bearer nope"}
    ) as c:
        r = c.get("/me/")
        assert r.status_code == 401 and r.json() == {"error": "Unauthorized"}


def test_real_socket_concurrent_creates(server: EmulatorServer, app: EmulatorApp) -> None:
    def work(i: int) -> None:
        with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=10) as c:
            for j in range(5):
                create_type(c, f"T{i}-{j}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(app.store.types) == 30
    assert len(app.log) == 30


def test_server_context_manager_and_shutdown() -> None:
    app = EmulatorApp(Store())
    with serve(app) as server:
        url = server.url
        assert httpx.get(url + "/me/", auth=("k", ""), timeout=5).status_code == 200
    server.shutdown()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/me/", auth=("k", ""), timeout=2)


# -- state file ----------------------------------------------------------------------------


def populated_store() -> Store:
    store = Store(org_name="Saved Org")
    role = store.add_role("Ops")
    app = EmulatorApp(store)
    with make_client(app, key="k") as c:
        t = create_type(c, "Account", editable_with_roles=["admin", role["id"]])
        other = create_type(c, "Resource")
        create_field(c, t["id"], "Status", "choices", choices=["A", "B"])
        ref = create_field(
            c, t["id"], "Res", "custom_object", referenced_custom_type_id=other["id"]
        )
        c.put(
            f"/custom_field_schema/custom_object/{t['id']}/", json={"fields": [{"id": ref["id"]}]}
        )
    return store


def test_state_round_trip(tmp_path: Path) -> None:
    store = populated_store()
    path = tmp_path / "state.json"
    store.save(path)
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data == store.snapshot()
    loaded = Store.load(path)
    assert loaded == store and loaded.snapshot() == store.snapshot()
    assert loaded.organization_id == store.organization_id
    app = EmulatorApp(loaded)
    with make_client(app, key="k") as c:
        types = c.get("/custom_object_type/").json()["data"]
        assert [f["name"] for f in types[0]["fields"]] == ["Res", "Status"]
        assert c.post("/custom_object_type/", json=TYPE_BODY).status_code == 201
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_snapshot_is_a_deep_copy() -> None:
    store = populated_store()
    snap = store.snapshot()
    snap["custom_object_types"][0]["name"] = "Changed"
    assert store.snapshot()["custom_object_types"][0]["name"] == "Account"


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    Store(org_name="Old").save(path)
    before = path.read_text()
    calls: list[tuple[str, str]] = []

    def failing_replace(src: str, dst: Any) -> None:
        calls.append((str(src), str(dst)))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(StateFileError, match="state.json"):
        Store(org_name="New").save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # temp file cleaned up
    assert Path(calls[0][0]).parent == tmp_path and calls[0][1] == str(path)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"version": 2}',
        '{"version": 1}',
        "",
        '{"version": 1, "organization": {"id": "orga_x", "name": "n"}, "user": {"id": "u"},'
        ' "roles": [], "custom_object_types": [], "custom_fields": [{"id": "cf_x"}]}',
    ],
)
def test_corrupt_state_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(StateFileError, match="broken.json") as info:
        Store.load(path)
    assert isinstance(info.value, SchemaSyncError)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_state_file(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="missing.json"):
        Store.load(tmp_path / "missing.json")


def test_state_dangling_reference_is_rejected(tmp_path: Path) -> None:
    state = populated_store().snapshot()
    state["custom_object_types"].pop(1)  # Resource, still referenced by Account.Res
    path = tmp_path / "s.json"
    path.write_text(json.dumps(state))
    with pytest.raises(StateFileError, match="s.json"):
        Store.load(path)


def _load_edited(tmp_path: Path, edit: Any) -> Store:
    state = populated_store().snapshot()
    edit(state)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(state))
    return Store.load(path)


@pytest.mark.parametrize("order", [None, "cf_x", {}, [["cf_x"]], [1]])
def test_state_bad_field_order_is_rejected(tmp_path: Path, order: Any) -> None:
    def edit(state: dict[str, Any]) -> None:
        state["custom_object_types"][0]["field_order"] = order  # Account, which has fields

    with pytest.raises(StateFileError, match=r"edited\.json.*: custom object type .* bad") as info:
        _load_edited(tmp_path, edit)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_state_duplicate_in_field_order_is_rejected(tmp_path: Path) -> None:
    def edit(state: dict[str, Any]) -> None:
        order = state["custom_object_types"][0]["field_order"]
        order.append(order[0])

    with pytest.raises(StateFileError, match="bad field_order"):
        _load_edited(tmp_path, edit)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("custom_object_type_id", "is not listed on its type"),
        ("referenced_custom_type_id", "references unknown type"),
    ],
)
def test_state_unhashable_ids_are_rejected(tmp_path: Path, key: str, message: str) -> None:
    def edit(state: dict[str, Any]) -> None:
        state["custom_fields"][-1][key] = ["cotype_x"]  # Res, a custom_object field

    with pytest.raises(StateFileError, match=message):
        _load_edited(tmp_path, edit)


def test_state_field_listed_by_another_type_is_rejected(tmp_path: Path) -> None:
    def edit(state: dict[str, Any]) -> None:
        account, resource = state["custom_object_types"]
        resource["field_order"].append(account["field_order"][0])

    with pytest.raises(StateFileError, match="lists unknown field"):
        _load_edited(tmp_path, edit)


def test_from_state_copies_and_load_keeps_seeded_ids(tmp_path: Path) -> None:
    state = populated_store().snapshot()
    store = Store.from_state(state, seed=5)
    state["user"]["first_name"] = "Changed"
    state["custom_fields"][0]["choices"].append("C")
    state["custom_object_types"][0]["field_order"].clear()
    assert store.user["first_name"] == "Emulator"
    assert store.snapshot()["custom_fields"][0]["choices"] == ["A", "B"]
    assert store.snapshot()["custom_object_types"][0]["field_order"]
    path = tmp_path / "state.json"
    store.save(path)
    loaded = Store.load(path, seed=5)
    assert loaded == store
    assert path.read_text() == json.dumps(store.snapshot(), indent=2, sort_keys=True) + "\n"
    # Neither path runs __init__, whose id draws would shift the seeded sequence.
    again = Store.from_state(store.snapshot(), seed=5)
    rng = random.Random(5)
    first_draw = "cf_" + "".join(
        rng.choice(string.digits + string.ascii_letters) for _ in range(22)
    )
    assert loaded.new_id("cf_") == again.new_id("cf_") == store.new_id("cf_") == first_draw


def test_type_back_references_agree_between_list_and_single_get(client: httpx.Client) -> None:
    a = create_type(client, "A")
    b = create_type(client, "B")
    create_field(client, b["id"], "To A", "custom_object", referenced_custom_type_id=a["id"])
    create_field(client, a["id"], "Self", "custom_object", referenced_custom_type_id=a["id"])
    create_field(client, a["id"], "Plain")
    listed = client.get("/custom_object_type/").json()["data"]
    singles = [client.get(f"/custom_object_type/{t['id']}/").json() for t in (a, b)]
    assert listed == singles
    assert [f["name"] for f in singles[0]["back_reference_fields"]] == ["To A", "Self"]
    assert singles[1]["back_reference_fields"] == []


def test_emulator_constants_mirror_the_model() -> None:
    """The emulator keeps its own copies (it must not import the client's model)."""
    from schemasync import model
    from schemasync.emulator import resources

    assert set(resources.FIELD_TYPES) == set(model.FIELD_TYPES)
    assert set(resources.MULTI_VALUE_TYPES) == set(model.MULTI_VALUE_TYPES)
    assert set(resources.ROLE_KEYWORDS) == set(model.BUILTIN_ROLES)


def test_app_saves_state_after_each_mutation(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as c:
        c.get("/custom_object_type/")
        assert not path.exists()  # reads do not write
        t = create_type(c)
        assert Store.load(path).types[t["id"]]["name"] == "Account"
        c.put(f"/custom_object_type/{t['id']}/", json={"name": "Client"})
        assert Store.load(path).types[t["id"]]["name"] == "Client"
        c.delete(f"/custom_object_type/{t['id']}/")
        assert Store.load(path).types == {}


# -- run_emulator --------------------------------------------------------------------------


def _wait_for_url(text: Any, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"http://127\.0\.0\.1:\d+/api/v1", text())
        if match:
            return match.group(0)
        time.sleep(0.02)
    raise AssertionError("the emulator never printed its URL")


def test_run_emulator_in_a_thread(tmp_path: Path) -> None:
    out = io.StringIO()
    stop = threading.Event()
    state = tmp_path / "org.json"
    thread = threading.Thread(
        target=run_emulator,
        args=(0, str(state), "secret-key", "50/1"),
        kwargs={"out": out, "stop": stop},
        daemon=True,
    )
    thread.start()
    try:
        url = _wait_for_url(out.getvalue)
        with httpx.Client(base_url=url, auth=("secret-key", ""), timeout=5) as c:
            r = c.post("/custom_object_type/", json=TYPE_BODY)
            assert r.status_code == 201 and "RateLimit" in r.headers
        assert httpx.get(url + "/me/", auth=("other", ""), timeout=5).status_code == 401
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    text = out.getvalue()
    assert f"export CLOSE_API_URL={url}" in text and "CLOSE_API_KEY" in text
    assert "curl" in text and "secret-key" not in text
    assert text.rstrip().endswith("Emulator stopped.")
    assert [t["name"] for t in Store.load(state).types.values()] == ["Account"]


def test_run_emulator_reports_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="rate limit"):
        run_emulator(0, None, None, "fast", out=io.StringIO())
    bad = tmp_path / "bad.json"
    bad.write_text("nope")
    with pytest.raises(StateFileError, match="bad.json"):
        run_emulator(0, str(bad), None, None, out=io.StringIO())
    with serve(EmulatorApp(Store())) as server, pytest.raises(SchemaSyncError, match="listen"):
        run_emulator(server.port, None, None, None, out=io.StringIO())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_emulator_subprocess(tmp_path: Path, sig: int) -> None:
    code = "from schemasync.emulator import run_emulator; run_emulator(0, None, None, None)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def reader() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    pump = threading.Thread(target=reader, daemon=True)
    pump.start()

    def text() -> str:
        while not lines.empty():
            seen.append(lines.get())
        return "".join(seen)

    with proc:
        try:
            url = _wait_for_url(text, timeout=20)
            r = httpx.get(url + "/custom_object_type/", auth=("any-key", ""), timeout=5)
            assert r.json() == {"data": []}
            proc.send_signal(sig)
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            pump.join(timeout=5)
    output = text()
    assert "Traceback" not in output and "Emulator stopped." in output
