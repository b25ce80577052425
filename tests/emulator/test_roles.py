"""The emulator's roles: built-in and custom roles, pagination."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import (
    EmulatorApp,
)
from tests.emulator.helpers import (
    ID22,
)

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
