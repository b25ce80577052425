"""The emulator's custom object types: create, update, delete, references."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import Behaviour, EmulatorApp, Store
from tests.emulator.helpers import (
    ID22,
    TYPE_DATE,
    activity_field,
    activity_type,
    associate,
    create_field,
    create_type,
    error,
    field_errors,
    ids,
    make_client,
    object_field,
    shared_field,
)

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


# -- references from every collection ----------------------------------------------------


def referrers(client: httpx.Client, target: str) -> dict[str, dict[str, Any]]:
    """One field of every collection that references the type ``target``, by collection."""
    ref = {"referenced_custom_type_id": target}
    other = create_type(client, "Other")
    demo = activity_type(client, "Demo")
    return {
        "custom object": create_field(client, other["id"], "On Other", "custom_object", **ref),
        "activity": activity_field(client, demo["id"], "On Demo", "custom_object", **ref),
        "lead": object_field(client, "lead", "On Lead", "custom_object", **ref),
        "contact": object_field(client, "contact", "On Contact", "custom_object", **ref),
        "opportunity": object_field(client, "opportunity", "On Opp", "custom_object", **ref),
        "shared": shared_field(client, "Shared Ref", "custom_object", **ref),
    }


def test_back_references_from_every_collection(client: httpx.Client) -> None:
    target = create_type(client, "Account")
    own = create_field(
        client, target["id"], "Parent", "custom_object", referenced_custom_type_id=target["id"]
    )
    made = referrers(client, target["id"])
    got = client.get(f"/custom_object_type/{target['id']}/").json()["back_reference_fields"]
    assert ids(got) == [
        own["id"],
        made["custom object"]["id"],
        *(f["id"] for f in list(made.values())[1:]),
    ]
    assert [f["is_shared"] for f in got] == [False] * 6 + [True]
    assert all("choices" not in f and f["referenced_custom_type_id"] == target["id"] for f in got)
    assert "required" in got[2] and "required" not in got[3]  # activity fields have it, leads not
    listed = client.get("/custom_object_type/").json()["data"]
    assert next(t for t in listed if t["id"] == target["id"])["back_reference_fields"] == got


@pytest.mark.parametrize(
    "kind", ["custom object", "activity", "lead", "contact", "opportunity", "shared"]
)
def test_delete_type_refused_while_any_collection_references_it(
    client: httpx.Client, app: EmulatorApp, kind: str
) -> None:
    target = create_type(client, "Account")
    made = referrers(client, target["id"])
    paths = {
        "custom object": "/custom_field/custom_object_type/",
        "activity": "/custom_field/activity/",
        "lead": "/custom_field/lead/",
        "contact": "/custom_field/contact/",
        "opportunity": "/custom_field/opportunity/",
        "shared": "/custom_field/shared/",
    }
    for other, field in made.items():
        if other != kind:
            assert client.delete(f"{paths[other]}{field['id']}/").status_code in (200, 204)
    before = app.store.snapshot()
    message = error(client.delete(f"/custom_object_type/{target['id']}/"))
    assert made[kind]["id"] in message and made[kind]["name"] in message
    assert app.store.snapshot() == before
    assert client.delete(f"{paths[kind]}{made[kind]['id']}/").status_code in (200, 204)
    assert client.delete(f"/custom_object_type/{target['id']}/").status_code == 204


def test_delete_type_message_names_every_referrer(client: httpx.Client) -> None:
    target = create_type(client, "Account")
    f = referrers(client, target["id"])
    assert error(client.delete(f"/custom_object_type/{target['id']}/")) == (
        "Cannot delete custom object type 'Account': it is referenced by custom field "
        f"'On Other' ({f['custom object']['id']}) on custom object type 'Other', "
        f"'On Demo' ({f['activity']['id']}) on custom activity type 'Demo', "
        f"'On Lead' ({f['lead']['id']}) on lead, "
        f"'On Contact' ({f['contact']['id']}) on contact, "
        f"'On Opp' ({f['opportunity']['id']}) on opportunity, "
        f"'Shared Ref' ({f['shared']['id']}), a shared field. Delete those fields first."
    )


def test_delete_referenced_type_cascade_option() -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(referenced_type_delete="cascade"))
    with make_client(app, key="k") as client:
        target = create_type(client, "Account")
        own = create_field(client, target["id"], "Own")
        made = referrers(client, target["id"])
        associate(client, made["shared"]["id"], object_type="lead")
        kept = object_field(client, "lead", "Kept")
        assert client.delete(f"/custom_object_type/{target['id']}/").status_code == 204
        for path, field in [
            ("/custom_field/custom_object_type/", own),
            ("/custom_field/custom_object_type/", made["custom object"]),
            ("/custom_field/activity/", made["activity"]),
            ("/custom_field/lead/", made["lead"]),
            ("/custom_field/contact/", made["contact"]),
            ("/custom_field/opportunity/", made["opportunity"]),
            ("/custom_field/shared/", made["shared"]),
        ]:
            assert client.get(f"{path}{field['id']}/").status_code == 404, field["name"]
        assert ids(client.get("/custom_field_schema/lead/").json()["fields"]) == [kept["id"]]
        assert [t["name"] for t in client.get("/custom_object_type/").json()["data"]] == ["Other"]


def test_delete_type_drops_its_shared_associations(client: httpx.Client) -> None:
    account = create_type(client, "Account")
    owner = shared_field(client, "Owner", "user")
    associate(
        client, owner["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    associate(client, owner["id"], object_type="contact")
    assert client.delete(f"/custom_object_type/{account['id']}/").status_code == 204
    associations = client.get(f"/custom_field/shared/{owner['id']}/").json()["associations"]
    assert [a["object_type"] for a in associations] == ["contact"]
