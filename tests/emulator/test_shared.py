"""The emulator's shared custom fields and their associations, with the path quirks."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import EmulatorApp
from tests.emulator.helpers import (
    FIELD_DATE,
    ID22,
    activity_type,
    associate,
    create_type,
    error,
    field_errors,
    ids,
    shared_field,
)

URL = "/custom_field/shared/"


def test_create_shared_field_full_object(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.post(
        URL,
        json={
            "name": "Owner",
            "type": "user",
            "description": "d",
            "editable_with_roles": ["admin"],  # per association: ignored here
            "required": True,  # per association: ignored here
            "associations": [{"object_type": "lead"}],  # never honoured on create
        },
    )
    assert r.status_code == 200
    f = r.json()
    assert re.fullmatch("cf_" + ID22, f["id"])
    assert list(f) == [
        "id",
        "name",
        "description",
        "type",
        "accepts_multiple_values",
        "choices",
        "referenced_custom_type_id",
        "back_reference_is_visible",
        "associations",
        "created_by",
        "updated_by",
        "date_created",
        "date_updated",
        "organization_id",
        "is_shared",
    ]
    assert f["associations"] == [] and f["is_shared"] is True and f["description"] == "d"
    assert FIELD_DATE.match(f["date_created"])
    assert client.get(f"{URL}{f['id']}/").json() == f
    assert client.get(URL).json() == {"data": [f], "has_more": False}
    page = client.get(URL, params={"_skip": 1}).json()
    assert page == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"name", "type"}),
        ({"name": "F", "type": "textarea"}, {"type"}),
        ({"name": "F", "type": "text", "description": "x" * 281}, {"description"}),
        ({"name": "F", "type": "choices", "choices": ["  "]}, {"choices"}),
        ({"name": "F", "type": "custom_object"}, {"referenced_custom_type_id"}),
        (
            {"name": "F", "type": "date", "accepts_multiple_values": True},
            {"accepts_multiple_values"},
        ),
    ],
)
def test_create_shared_field_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    assert set(field_errors(client.post(URL, json=body))) == bad
    assert app.store.records["shared_fields"] == {}


def test_update_shared_field(client: httpx.Client) -> None:
    f = shared_field(client, "Tier", "choices", choices=["A"])
    url = f"{URL}{f['id']}/"
    u = client.put(
        url,
        json={
            "name": "Level",
            "choices": ["A", "B"],
            "description": "d",
            "accepts_multiple_values": True,
        },
    ).json()
    assert (u["name"], u["choices"], u["description"]) == ("Level", ["A", "B"], "d")
    assert u["accepts_multiple_values"] is True and u["date_created"] == f["date_created"]
    assert field_errors(client.put(url, json={"type": "text"})) == {
        "type": "This field cannot be changed."
    }
    assert "choices" in field_errors(client.put(url, json={"choices": ["ok", ""]}))
    assert "description" in field_errors(client.put(url, json={"description": "z" * 281}))
    assert client.get(url).json() == u
    assert client.put(f"{URL}cf_nope/", json={}).status_code == 404


def test_associations_on_every_object(client: httpx.Client) -> None:
    account, demo = create_type(client, "Account"), activity_type(client, "Demo")
    f = shared_field(client, "Owner", "user")
    made = [
        associate(client, f["id"], object_type=obj) for obj in ("lead", "contact", "opportunity")
    ]
    assert made[0] == {"object_type": "lead", "required": False, "editable_with_roles": []}
    co = associate(
        client,
        f["id"],
        object_type="custom_object_type",
        custom_object_type_id=account["id"],
        required=True,
        editable_with_roles=["admin"],
    )
    assert co == {
        "object_type": "custom_object_type",
        "custom_object_type_id": account["id"],
        "required": True,
        "editable_with_roles": ["admin"],
    }
    act = associate(
        client, f["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
    )
    assert act["custom_activity_type_id"] == demo["id"] and act["required"] is False
    assert client.get(f"{URL}{f['id']}/").json()["associations"] == [*made, co, act]
    for path, want in [
        ("lead", made[0]),
        ("contact", made[1]),
        ("opportunity", made[2]),
        (f"custom_object_type/{account['id']}", co),
        (f"custom_activity_type/{demo['id']}", act),
    ]:
        r = client.get(f"{URL}{f['id']}/association/{path}/")
        assert r.status_code == 200 and r.json() == want
    for obj in ("lead", "contact", "opportunity"):
        assert ids(client.get(f"/custom_field_schema/{obj}/").json()["fields"]) == [f["id"]]
    placed = client.get(f"/custom_object_type/{account['id']}/").json()["fields"]
    assert placed == [
        {
            "id": f["id"],
            "name": "Owner",
            "description": None,
            "type": "user",
            "required": True,
            "accepts_multiple_values": False,
            "editable_with_roles": ["admin"],
            "is_shared": True,
        }
    ]
    schema = client.get(f"/custom_field_schema/custom_object/{account['id']}/").json()
    assert schema["fields"] == [client.get(f"{URL}{f['id']}/").json()]  # all associations


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"object_type"}),
        ({"object_type": "account"}, {"object_type"}),
        ({"object_type": "custom_object_type"}, {"custom_object_type_id"}),
        (
            {"object_type": "custom_object_type", "custom_object_type_id": "cotype_x"},
            {"custom_object_type_id"},
        ),
        ({"object_type": "custom_activity_type"}, {"custom_activity_type_id"}),
        ({"object_type": "lead", "custom_object_type_id": "cotype_x"}, {"custom_object_type_id"}),
        ({"object_type": "lead", "required": True}, {"required"}),
        ({"object_type": "contact", "required": "no"}, {"required"}),
        (
            {"object_type": "opportunity", "editable_with_roles": ["nobody"]},
            {"editable_with_roles"},
        ),
    ],
)
def test_association_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    f = shared_field(client, "Owner")
    before = app.store.snapshot()
    r = client.post(f"{URL}{f['id']}/association/", json=body)
    assert set(field_errors(r)) == bad
    assert app.store.snapshot() == before


def test_second_association_with_one_object_is_refused(client: httpx.Client) -> None:
    account = create_type(client)
    f = shared_field(client, "Owner")
    associate(client, f["id"], object_type="lead")
    kwargs = {"object_type": "custom_object_type", "custom_object_type_id": account["id"]}
    associate(client, f["id"], **kwargs)
    assert "already associated" in error(
        client.post(f"{URL}{f['id']}/association/", json={"object_type": "lead"})
    )
    assert "already associated" in error(client.post(f"{URL}{f['id']}/association/", json=kwargs))
    assert len(client.get(f"{URL}{f['id']}/").json()["associations"]) == 2
    assert (
        client.post(f"{URL}cf_nope/association/", json={"object_type": "lead"}).status_code == 404
    )


def test_update_association(client: httpx.Client, app: EmulatorApp) -> None:
    demo = activity_type(client)
    f = shared_field(client, "Owner")
    associate(
        client, f["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
    )
    associate(client, f["id"], object_type="lead")
    path = f"{URL}{f['id']}/association/custom_activity_type/{demo['id']}/"
    r = client.put(path, json={"required": True, "editable_with_roles": ["superuser"]})
    assert r.status_code == 200
    assert r.json() == {
        "object_type": "custom_activity_type",
        "custom_activity_type_id": demo["id"],
        "required": True,
        "editable_with_roles": ["superuser"],
    }
    summary = client.get(f"/custom_activity/{demo['id']}/").json()["fields"][0]
    assert summary["required"] is True and summary["editable_with_roles"] == ["superuser"]
    other = activity_type(client, "Other")
    errors = field_errors(
        client.put(path, json={"object_type": "lead", "custom_activity_type_id": other["id"]})
    )
    assert set(errors) == {"object_type", "custom_activity_type_id"}
    lead = f"{URL}{f['id']}/association/lead/"
    assert "required" in field_errors(client.put(lead, json={"required": True}))
    assert client.put(lead, json={"required": False, "editable_with_roles": ["admin"]}).json() == {
        "object_type": "lead",
        "required": False,
        "editable_with_roles": ["admin"],
    }


def test_association_paths_that_do_not_exist(client: httpx.Client) -> None:
    account, demo = create_type(client), activity_type(client)
    f = shared_field(client, "Owner")
    associate(client, f["id"], object_type="lead")
    base = f"{URL}{f['id']}/association/"
    for path in (
        "contact/",
        f"custom_object_type/{account['id']}/",
        f"custom_activity_type/{demo['id']}/",
        f"custom_object/{account['id']}/",  # the schema path's spelling, not the association's
        "custom_object_type/",
        "lead/extra/",
    ):
        assert client.get(base + path).status_code == 404, path
    assert client.get(f"{URL}cf_nope/association/lead/").status_code == 404
    r = client.get(base)
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_disassociate(client: httpx.Client) -> None:
    account = create_type(client)
    own = client.post(
        "/custom_field/custom_object_type/",
        json={"custom_object_type_id": account["id"], "name": "Own", "type": "text"},
    ).json()
    f = shared_field(client, "Owner")
    associate(
        client, f["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    associate(client, f["id"], object_type="lead")
    path = f"{URL}{f['id']}/association/custom_object_type/{account['id']}/"
    r = client.delete(path)
    assert r.status_code == 204 and r.content == b""
    assert client.get(path).status_code == 404
    assert client.delete(path).status_code == 404
    assert ids(client.get(f"/custom_object_type/{account['id']}/").json()["fields"]) == [own["id"]]
    assert [a["object_type"] for a in client.get(f"{URL}{f['id']}/").json()["associations"]] == [
        "lead"
    ]
    associate(
        client, f["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    fields = client.get(f"/custom_object_type/{account['id']}/").json()["fields"]
    assert ids(fields) == [own["id"], f["id"]]  # appended again


def test_delete_shared_field_removes_every_association(client: httpx.Client) -> None:
    account, demo = create_type(client), activity_type(client)
    f, keep = shared_field(client, "Owner"), shared_field(client, "Keep")
    associate(client, f["id"], object_type="lead")
    associate(client, keep["id"], object_type="lead")
    associate(
        client, f["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    associate(
        client, f["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
    )
    r = client.delete(f"{URL}{f['id']}/")
    assert r.status_code == 200 and r.json() == {}
    assert client.get(f"{URL}{f['id']}/").status_code == 404
    assert client.get(f"{URL}{f['id']}/association/lead/").status_code == 404
    assert ids(client.get("/custom_field_schema/lead/").json()["fields"]) == [keep["id"]]
    assert client.get(f"/custom_object_type/{account['id']}/").json()["fields"] == []
    assert client.get(f"/custom_activity/{demo['id']}/").json()["fields"] == []
    assert ids(client.get(URL).json()["data"]) == [keep["id"]]


def test_custom_object_shared_field(client: httpx.Client) -> None:
    account = create_type(client, "Account")
    f = shared_field(client, "Account", "custom_object", referenced_custom_type_id=account["id"])
    assert (
        f["referenced_custom_type_id"] == account["id"] and f["back_reference_is_visible"] is False
    )
    url = f"{URL}{f['id']}/"
    other = create_type(client, "Other")
    assert "referenced_custom_type_id" in field_errors(
        client.put(url, json={"referenced_custom_type_id": other["id"]})
    )
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
            "is_shared": True,
            "referenced_custom_type_id": account["id"],
            "back_reference_is_visible": True,
        }
    ]
