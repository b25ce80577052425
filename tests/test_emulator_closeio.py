"""Fidelity check: the official Close client (closeio_api) drives the emulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import closeio_api
import httpx
import pytest

from schemasync.emulator import EmulatorApp, EmulatorServer, Store, serve
from tests.orgs import KEY


def close_client(server: EmulatorServer, key: str = KEY, **kwargs: Any) -> closeio_api.Client:
    api = closeio_api.Client(key, **kwargs)
    api.base_url = server.url + "/"
    return api


@pytest.fixture
def api(server: EmulatorServer) -> closeio_api.Client:
    return close_client(server)


@pytest.fixture
def raw(server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, auth=(KEY, ""), timeout=5) as c:
        yield c


def test_me_and_roles(api: closeio_api.Client, app: EmulatorApp) -> None:
    me = api.get("me")
    assert me["organizations"][0] == {"id": app.store.organization_id, "name": "Test Org"}
    roles = api.get("role", params={"_limit": 2})
    assert roles["has_more"] is True and len(roles["data"]) == 2
    assert [r["name"] for r in api.get("role")["data"]] == [
        "Admin",
        "Super User",
        "User",
        "Restricted User",
    ]


def test_type_and_field_lifecycle(api: closeio_api.Client, raw: httpx.Client) -> None:
    assert api.get("custom_object_type") == {"data": []}
    account = api.post(
        "custom_object_type",
        {
            "api_create_only": False,
            "description": "An account managed by this client",
            "editable_with_roles": ["admin"],
            "name": "Account",
            "name_plural": "Accounts",
        },
    )
    resource = api.post("custom_object_type", {"name": "Resource", "name_plural": "Resources"})
    assert account["fields"] == [] and account["editable_with_roles"] == ["admin"]
    count = api.post(
        "custom_field/custom_object_type",
        {
            "custom_object_type_id": account["id"],
            "description": "Number of users.",
            "name": "User Count",
            "required": True,
            "type": "number",
        },
    )
    status = api.post(
        "custom_field/custom_object_type",
        {
            "custom_object_type_id": account["id"],
            "name": "Status",
            "type": "choices",
            "choices": ["Active", "Cancelled"],
        },
    )
    link = api.post(
        "custom_field/custom_object_type",
        {
            "custom_object_type_id": account["id"],
            "name": "Primary Resource",
            "type": "custom_object",
            "referenced_custom_type_id": resource["id"],
            "back_reference_is_visible": True,
        },
    )

    listed = api.get("custom_object_type")["data"]
    assert listed == raw.get("/custom_object_type/").json()["data"]
    assert [f["id"] for f in listed[0]["fields"]] == [count["id"], status["id"], link["id"]]
    assert [f["id"] for f in listed[1]["back_reference_fields"]] == [link["id"]]
    fields = api.get("custom_field/custom_object_type")
    assert fields == raw.get("/custom_field/custom_object_type/").json()
    assert [f["name"] for f in fields["data"]] == ["User Count", "Status", "Primary Resource"]

    renamed = api.put(
        f"custom_object_type/{account['id']}", {"name": "Client", "name_plural": "Clients"}
    )
    assert renamed["name"] == "Client" and renamed["description"] == account["description"]
    updated = api.put(
        f"custom_field/custom_object_type/{status['id']}",
        {"name": "State", "choices": ["Active", "Potential"]},
    )
    assert updated["choices"] == ["Active", "Potential"]
    assert api.get(f"custom_field/custom_object_type/{status['id']}") == updated

    schema = api.put(
        f"custom_field_schema/custom_object/{account['id']}", {"fields": [{"id": link["id"]}]}
    )
    assert [f["id"] for f in schema["fields"]] == [link["id"], count["id"], status["id"]]
    assert api.get(f"custom_field_schema/custom_object/{account['id']}") == schema

    with pytest.raises(closeio_api.APIError) as refused:
        api.delete(f"custom_object_type/{resource['id']}")
    assert refused.value.response.status_code == 400
    assert api.delete(f"custom_field/custom_object_type/{link['id']}") == ""
    assert api.delete(f"custom_object_type/{resource['id']}") == ""
    assert api.delete(f"custom_object_type/{account['id']}") == ""
    assert api.get("custom_object_type") == {"data": []}
    assert api.get("custom_field/custom_object_type") == {"data": [], "has_more": False}


def test_validation_error_shape(api: closeio_api.Client) -> None:
    with pytest.raises(closeio_api.ValidationError) as info:
        api.post("custom_object_type", {"name_plural": "Accounts"})
    assert info.value.errors == []
    assert info.value.field_errors == {"name": "This field is required."}
    account = api.post("custom_object_type", {"name": "Account", "name_plural": "Accounts"})
    field = api.post(
        "custom_field/custom_object_type",
        {"custom_object_type_id": account["id"], "name": "N", "type": "number"},
    )
    with pytest.raises(closeio_api.ValidationError) as info:
        api.put(f"custom_field/custom_object_type/{field['id']}", {"type": "text"})
    assert info.value.field_errors == {"type": "This field cannot be changed."}


def test_wrong_key_and_missing_object(server: EmulatorServer, api: closeio_api.Client) -> None:
    with pytest.raises(closeio_api.APIError) as info:
        close_client(server, key="wrong").get("custom_object_type")
    assert info.value.response.status_code == 401
    assert info.value.response.json() == {"error": "Unauthorized"}
    with pytest.raises(closeio_api.APIError) as info:
        api.get("custom_object_type/cotype_missing")
    assert info.value.response.status_code == 404


@pytest.mark.parametrize("sep", [",", ";"])
def test_closeio_rate_limit_sleep(monkeypatch: pytest.MonkeyPatch, sep: str) -> None:
    """Seen in closeio_api: with "," the client reads `reset=9.97` as 9 (too early); with ";" its
    regex does not match and it falls back to Retry-After (rounded up)."""
    sleeps: list[float] = []
    monkeypatch.setattr(closeio_api.time, "sleep", sleeps.append)
    app = EmulatorApp(Store(), api_keys={KEY}, rate_limit=(1, 10), rate_limit_separator=sep)
    with serve(app) as server:
        api = close_client(server, max_retries=3)
        api.get("me")
        with pytest.raises(closeio_api.APIError) as info:
            api.get("me")
    assert info.value.response.status_code == 429
    assert [status for _, _, status in app.log] == [200, 429, 429, 429]
    assert len(sleeps) == 3
    if sep == ",":
        assert all(s == int(s) and s <= 9 for s in sleeps)
    else:
        assert sleeps == [10.0, 10.0, 10.0]


def test_closeio_duplicates_a_post_after_a_dropped_response(
    server: EmulatorServer, app: EmulatorApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A known closeio_api behaviour: the client re-sends a POST after a connection error."""
    monkeypatch.setattr(closeio_api.time, "sleep", lambda _seconds: None)
    app.faults.add(method="POST", path="/custom_object_type/", action="commit_then_drop")
    api = close_client(server)
    api.post("custom_object_type", {"name": "Account", "name_plural": "Accounts"})
    names = [t["name"] for t in api.get("custom_object_type")["data"]]
    assert names == ["Account", "Account"]


def test_whole_schema_with_the_official_client(api: closeio_api.Client, app: EmulatorApp) -> None:
    """The rest of the custom-field schema through closeio_api (docs/close-api-facts.md §6)."""
    demo = api.post("custom_activity", {"name": "Demo Requested", "editable_with_roles": ["admin"]})
    outcome = api.post(
        "custom_field/activity",
        {
            "custom_activity_type_id": demo["id"],
            "name": "Outcome",
            "type": "choices",
            "choices": ["Booked", "No show"],
            "required": True,
        },
    )
    users = api.post("custom_field/lead", {"name": "# of users", "type": "number"})
    owner = api.post("custom_field/shared", {"name": "Owner", "type": "user"})
    assert owner["associations"] == []
    association = api.post(
        f"custom_field/shared/{owner['id']}/association",
        {
            "object_type": "custom_activity_type",
            "custom_activity_type_id": demo["id"],
            "required": True,
        },
    )
    assert association["required"] is True
    api.post(f"custom_field/shared/{owner['id']}/association", {"object_type": "lead"})
    fields = api.get(f"custom_activity/{demo['id']}")["fields"]
    assert [(f["id"], f["is_shared"]) for f in fields] == [
        (outcome["id"], False),
        (owner["id"], True),
    ]
    schema = api.put("custom_field_schema/lead", {"fields": [{"id": owner["id"]}]})
    assert [f["id"] for f in schema["fields"]] == [owner["id"], users["id"]]
    converted = api.put(f"custom_field/lead/{users['id']}", {"type": "text"})
    assert converted["converting_to_type"] == "text"
    assert api.get(f"custom_field/lead/{users['id']}")["converting_to_type"] == "text"
    assert "converting_to_type" not in api.get(f"custom_field/lead/{users['id']}")
    lead_fields = api.get("custom_field/lead", params={"_limit": 1})
    assert lead_fields == {"data": [api.get(f"custom_field/lead/{users['id']}")], "has_more": False}

    potential = api.post("status/lead", {"label": "Potential"})
    qualified = api.post("status/lead", {"label": "Qualified", "color": "green"})
    org = api.put(
        f"organization/{app.store.organization_id}",
        {"lead_statuses": [{"id": qualified["id"]}, {"id": potential["id"]}]},
    )
    assert [s["label"] for s in org["lead_statuses"]] == ["Qualified", "Potential"]
    sales = api.post("pipeline", {"name": "Sales"})
    won = api.post(
        "status/opportunity", {"label": "Won", "type": "won", "pipeline_id": sales["id"]}
    )
    assert api.get("pipeline") == {"data": [api.get(f"pipeline/{sales['id']}")]}
    with pytest.raises(closeio_api.APIError) as refused:
        api.delete(f"pipeline/{sales['id']}")
    assert refused.value.response.status_code == 400
    assert api.delete(f"status/opportunity/{won['id']}") == {}
    assert api.delete(f"pipeline/{sales['id']}") == ""
    assert api.delete(f"custom_field/shared/{owner['id']}") == {}
    assert api.delete(f"custom_field/activity/{outcome['id']}") == {}
    assert api.delete(f"custom_activity/{demo['id']}") == ""
    assert api.get("custom_activity") == {"data": []}
