"""Helpers for the emulator tests: an in-process client and short ways to create objects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from schemasync.emulator import EmulatorApp, EmulatorTransport
from tests.orgs import KEY

BASE = "http://emulator/api/v1"
ID22 = "[0-9A-Za-z]{22}"
TYPE_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
FIELD_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
REPO = Path(__file__).resolve().parents[2]
TYPE_BODY = {"name": "Account", "name_plural": "Accounts"}


def make_client(app: EmulatorApp, key: str | None = KEY, **kwargs: Any) -> httpx.Client:
    auth = (key, "") if key is not None else None
    return httpx.Client(transport=EmulatorTransport(app), base_url=BASE, auth=auth, **kwargs)


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


def error(r: httpx.Response) -> str:
    """The message of a 400 in the generic shape ``{"error": ...}``."""
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    return str(body["error"])


def post(client: httpx.Client, path: str, status: int, **body: Any) -> dict[str, Any]:
    """POST ``body`` to ``path``, asserting ``status``; the response body."""
    r = client.post(path, json=body)
    assert r.status_code == status, r.text
    return r.json()


def activity_type(client: httpx.Client, name: str = "Demo", **extra: Any) -> dict[str, Any]:
    return post(client, "/custom_activity/", 201, name=name, **extra)


def activity_field(
    client: httpx.Client, type_id: str, name: str, ftype: str = "text", **extra: Any
) -> dict[str, Any]:
    return post(
        client,
        "/custom_field/activity/",
        200,
        custom_activity_type_id=type_id,
        name=name,
        type=ftype,
        **extra,
    )


def object_field(
    client: httpx.Client, obj: str, name: str, ftype: str = "text", **extra: Any
) -> dict[str, Any]:
    """A lead, contact or opportunity field."""
    return post(client, f"/custom_field/{obj}/", 200, name=name, type=ftype, **extra)


def shared_field(client: httpx.Client, name: str, ftype: str = "text", **extra: Any) -> Any:
    return post(client, "/custom_field/shared/", 200, name=name, type=ftype, **extra)


def associate(client: httpx.Client, field_id: str, **body: Any) -> dict[str, Any]:
    return post(client, f"/custom_field/shared/{field_id}/association/", 201, **body)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def ok(r: httpx.Response) -> Any:
    """The body of a successful response (asserting it succeeded)."""
    assert r.status_code < 300, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json() if r.content else None


def whole_org(client: httpx.Client) -> dict[str, str]:
    """Write one of everything through the API (every write route, including updates,
    reorders, moves and deletes); returns some of the ids made, by name."""
    c = client
    account, other = create_type(c, "Account"), create_type(c, "Other")
    status = create_field(c, account["id"], "Status", "choices", choices=["A", "B"])
    ref = create_field(
        c, account["id"], "Other", "custom_object", referenced_custom_type_id=other["id"]
    )
    ok(c.put(f"/custom_field/custom_object_type/{status['id']}/", json={"choices": ["A"]}))
    ok(c.put(f"/custom_object_type/{other['id']}/", json={"is_archived": True}))
    demo = activity_type(c, "Demo")
    outcome = activity_field(c, demo["id"], "Outcome", "textarea", required=True)
    gone = activity_type(c, "Gone")
    activity_field(c, gone["id"], "With it")
    ok(c.delete(f"/custom_activity/{gone['id']}/"))
    lead = object_field(c, "lead", "Users", "number")
    object_field(c, "contact", "Title")
    object_field(c, "opportunity", "Band", "choices", choices=["Small", "Large"])
    opp = object_field(
        c, "opportunity", "Acct", "custom_object", referenced_custom_type_id=account["id"]
    )
    ok(c.put(f"/custom_field/lead/{lead['id']}/", json={"type": "text"}))
    ok(c.get(f"/custom_field/lead/{lead['id']}/"))  # the conversion's read
    ok(c.put(f"/custom_field/lead/{lead['id']}/", json={"name": "Seats"}))
    owner = shared_field(c, "Owner", "user")
    shared = f"/custom_field/shared/{owner['id']}/"
    associate(c, owner["id"], object_type="lead")
    associate(
        c,
        owner["id"],
        object_type="custom_object_type",
        custom_object_type_id=account["id"],
        required=True,
    )
    associate(
        c, owner["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
    )
    associate(c, owner["id"], object_type="contact")
    ok(c.delete(f"{shared}association/contact/"))
    ok(c.put(f"{shared}association/lead/", json={"editable_with_roles": ["admin"]}))
    ok(c.put(shared, json={"description": "Who owns it"}))
    temp = shared_field(c, "Temp")
    associate(c, temp["id"], object_type="opportunity")
    ok(c.delete(f"/custom_field/shared/{temp['id']}/"))
    ok(c.put("/custom_field_schema/lead/", json={"fields": [{"id": owner["id"]}]}))
    schema = f"/custom_field_schema/custom_object/{account['id']}/"
    ok(c.put(schema, json={"fields": [{"id": ref["id"]}]}))
    order = [{"id": owner["id"]}, {"id": outcome["id"]}]
    ok(c.put(f"/custom_activity/{demo['id']}/", json={"fields": order}))
    ok(c.delete(f"/custom_field/opportunity/{opp['id']}/"))
    potential = post(c, "/status/lead/", 200, label="Potential")
    customer = post(c, "/status/lead/", 200, label="Customer", color="green")
    bad = post(c, "/status/lead/", 200, label="Bad")
    ok(c.put(f"/status/lead/{customer['id']}/", json={"label": "Customers"}))
    ok(c.delete(f"/status/lead/{bad['id']}/"))
    org = ok(c.get("/me/"))["organizations"][0]["id"]
    statuses = [{"id": customer["id"]}, {"id": potential["id"]}]
    ok(c.put(f"/organization/{org}/", json={"name": "Renamed", "lead_statuses": statuses}))
    sales = post(c, "/pipeline/", 201, name="Sales")
    renewals = post(c, "/pipeline/", 201, name="Renewals")
    won = post(c, "/status/opportunity/", 200, label="Won", type="won", pipeline_id=renewals["id"])
    active = post(
        c, "/status/opportunity/", 200, label="Active", type="active", pipeline_id=sales["id"]
    )
    ok(c.put(f"/status/opportunity/{won['id']}/", json={"label": "Closed"}))
    moved = [{"id": won["id"]}, {"id": active["id"]}]
    ok(c.put(f"/pipeline/{sales['id']}/", json={"name": "New Sales", "statuses": moved}))
    ok(c.delete(f"/pipeline/{renewals['id']}/"))
    ok(c.post("/role/", json={"name": "Support"}))
    return {
        "account": account["id"],
        "demo": demo["id"],
        "lead_field": lead["id"],
        "owner": owner["id"],
        "sales": sales["id"],
        "won": won["id"],
        "customer": customer["id"],
    }
