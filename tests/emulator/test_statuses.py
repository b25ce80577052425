"""The emulator's lead statuses, pipelines, opportunity statuses and /organization/{id}/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from schemasync.emulator import Behaviour, EmulatorApp, Store
from tests.emulator.helpers import ID22, TYPE_DATE, error, field_errors, ids, make_client, post

LEAD = "/status/lead/"
OPP = "/status/opportunity/"


def lead_status(client: httpx.Client, label: str, **extra: Any) -> dict[str, Any]:
    return post(client, LEAD, 200, label=label, **extra)


def pipeline(client: httpx.Client, name: str = "Sales") -> dict[str, Any]:
    return post(client, "/pipeline/", 201, name=name)


def opp_status(client: httpx.Client, pipe: str, label: str, stype: str = "active") -> Any:
    return post(client, OPP, 200, label=label, type=stype, pipeline_id=pipe)


def org_url(app: EmulatorApp) -> str:
    return f"/organization/{app.store.organization_id}/"


# -- lead statuses -------------------------------------------------------------------------


def test_lead_status_lifecycle(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.post(LEAD, json={"label": "Potential"})
    assert r.status_code == 200
    s = r.json()
    assert re.fullmatch("stat_" + ID22, s["id"])
    assert s == {
        "id": s["id"],
        "label": "Potential",
        "color": None,
        "organization_id": app.store.organization_id,
    }
    assert client.get(f"{LEAD}{s['id']}/").json() == s
    assert client.get(LEAD).json() == {"data": [s], "has_more": False}
    u = client.put(f"{LEAD}{s['id']}/", json={"label": "Interested", "color": "green"}).json()
    assert (u["label"], u["color"]) == ("Interested", "green")
    assert client.put(f"{LEAD}{s['id']}/", json={"color": None}).json()["color"] is None
    r = client.delete(f"{LEAD}{s['id']}/")
    assert r.status_code == 200 and r.json() == {}
    assert client.get(f"{LEAD}{s['id']}/").status_code == 404
    assert client.get(LEAD).json() == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"label"}),
        ({"label": ""}, {"label"}),
        ({"label": 3}, {"label"}),
        ({"label": "X", "color": "red"}, {"color"}),
        ({"label": "X", "color": "Blue"}, {"color"}),
    ],
)
def test_lead_status_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    assert set(field_errors(client.post(LEAD, json=body))) == bad
    assert app.store.records["lead_statuses"] == {}


@pytest.mark.parametrize(
    "color", ["blue", "gray", "green", "magenta", "orange", "purple", "teal", "yellow"]
)
def test_lead_status_colors(client: httpx.Client, color: str) -> None:
    assert lead_status(client, "S", color=color)["color"] == color


def test_lead_status_pagination(client: httpx.Client) -> None:
    made = [lead_status(client, f"S{i}")["id"] for i in range(5)]
    page = client.get(LEAD, params={"_skip": 1, "_limit": 2}).json()
    assert ids(page["data"]) == made[1:3] and page["has_more"] is True


def test_lead_status_in_use_cannot_be_deleted(client: httpx.Client, app: EmulatorApp) -> None:
    s = lead_status(client, "Customer")
    app.store.mark_in_use(s["id"])
    message = error(client.delete(f"{LEAD}{s['id']}/"))
    assert "leads still use it" in message and s["id"] in message
    assert client.get(f"{LEAD}{s['id']}/").status_code == 200
    app.store.mark_in_use(s["id"], in_use=False)
    assert client.delete(f"{LEAD}{s['id']}/").status_code == 200
    with pytest.raises(KeyError):
        app.store.mark_in_use(s["id"])


# -- organization --------------------------------------------------------------------------


def test_organization_lists_statuses_in_order(client: httpx.Client, app: EmulatorApp) -> None:
    a, b = lead_status(client, "A"), lead_status(client, "B")
    sales = pipeline(client)
    won = opp_status(client, sales["id"], "Won", "won")
    org = client.get(org_url(app)).json()
    assert org == {
        "id": app.store.organization_id,
        "name": "Test Org",
        "currency": "USD",
        "lead_statuses": [{"id": a["id"], "label": "A"}, {"id": b["id"], "label": "B"}],
        "pipelines": [client.get(f"/pipeline/{sales['id']}/").json()],
    }
    assert org["pipelines"][0]["statuses"] == [{"id": won["id"], "label": "Won", "type": "won"}]
    c = lead_status(client, "C")  # appended
    assert ids(client.get(org_url(app)).json()["lead_statuses"]) == [a["id"], b["id"], c["id"]]
    assert client.get("/organization/orga_other/").status_code == 404


def test_organization_put(client: httpx.Client, app: EmulatorApp) -> None:
    a, b, c = (lead_status(client, n)["id"] for n in "ABC")
    r = client.put(
        org_url(app),
        json={
            "name": "New Name",
            "currency": "EUR",
            "lead_statuses": [{"id": c}, {"id": a, "label": "ignored"}, {"id": b}],
        },
    )
    assert r.status_code == 200
    org = r.json()
    assert (org["name"], org["currency"]) == ("New Name", "EUR")
    assert org["lead_statuses"] == [
        {"id": c, "label": "C"},
        {"id": a, "label": "A"},
        {"id": b, "label": "B"},
    ]
    assert client.get(org_url(app)).json() == org
    assert client.get("/me/").json()["organizations"][0]["name"] == "New Name"


@pytest.mark.parametrize(
    "body",
    [
        {"id": "orga_x"},
        {"lead_statuses": [{"id": "stat_nope"}]},
        {"lead_statuses": "x"},
        {"lead_statuses": [{"label": "A"}]},
        {"name": ""},
        {"currency": "euro"},
        {"name": "N", "date_created": "x"},
    ],
)
def test_organization_put_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any]
) -> None:
    lead_status(client, "A")
    before = app.store.snapshot()
    errors = field_errors(client.put(org_url(app), json=body))
    assert set(errors) & set(body)
    assert app.store.snapshot() == before


def test_organization_reorder_needs_the_complete_list(
    client: httpx.Client, app: EmulatorApp
) -> None:
    a, b, c = (lead_status(client, n)["id"] for n in "ABC")
    errors = field_errors(client.put(org_url(app), json={"lead_statuses": [{"id": c}]}))
    assert a in errors["lead_statuses"] and b in errors["lead_statuses"]
    twice = client.put(
        org_url(app), json={"lead_statuses": [{"id": a}, {"id": a}, {"id": b}, {"id": c}]}
    )
    assert "lead_statuses" in field_errors(twice)
    assert ids(client.get(org_url(app)).json()["lead_statuses"]) == [a, b, c]


def test_organization_reorder_append_option() -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(incomplete_reorder="append"))
    with make_client(app, key="k") as client:
        a, b, c = (lead_status(client, n)["id"] for n in "ABC")
        r = client.put(org_url(app), json={"lead_statuses": [{"id": c}]})
        assert ids(r.json()["lead_statuses"]) == [c, a, b]


def test_lead_status_delete_leaves_the_order(client: httpx.Client, app: EmulatorApp) -> None:
    a, b = lead_status(client, "A")["id"], lead_status(client, "B")["id"]
    client.delete(f"{LEAD}{a}/")
    assert ids(client.get(org_url(app)).json()["lead_statuses"]) == [b]


# -- pipelines and opportunity statuses --------------------------------------------------


def test_pipeline_lifecycle(client: httpx.Client, app: EmulatorApp) -> None:
    r = client.post(
        "/pipeline/", json={"name": "Sales", "statuses": [{"label": "Won", "type": "won"}]}
    )
    assert r.status_code == 201
    p = r.json()
    assert re.fullmatch("pipe_" + ID22, p["id"])
    assert list(p) == [
        "id",
        "name",
        "organization_id",
        "statuses",
        "created_by",
        "updated_by",
        "date_created",
        "date_updated",
    ]
    assert p["statuses"] == []  # inline statuses are ignored
    assert TYPE_DATE.match(p["date_created"]) and p["organization_id"] == app.store.organization_id
    assert client.get(f"/pipeline/{p['id']}/").json() == p
    assert client.get("/pipeline/").json() == {"data": [p]}  # no has_more
    u = client.put(f"/pipeline/{p['id']}/", json={"name": "Renewals"}).json()
    assert u["name"] == "Renewals" and u["date_created"] == p["date_created"]
    assert "name" in field_errors(client.put(f"/pipeline/{p['id']}/", json={"name": ""}))
    assert "name" in field_errors(client.post("/pipeline/", json={}))
    r = client.delete(f"/pipeline/{p['id']}/")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/pipeline/{p['id']}/").status_code == 404
    assert client.get("/pipeline/").json() == {"data": []}


def test_opportunity_status_lifecycle(client: httpx.Client, app: EmulatorApp) -> None:
    sales = pipeline(client)
    r = client.post(OPP, json={"label": "Active", "type": "active", "pipeline_id": sales["id"]})
    assert r.status_code == 200
    s = r.json()
    assert re.fullmatch("stat_" + ID22, s["id"])
    assert s == {
        "id": s["id"],
        "label": "Active",
        "type": "active",
        "pipeline_id": sales["id"],
        "organization_id": app.store.organization_id,
    }
    assert client.get(f"{OPP}{s['id']}/").json() == s
    assert client.get(OPP).json() == {"data": [s], "has_more": False}
    assert client.put(f"{OPP}{s['id']}/", json={"label": "Open"}).json()["label"] == "Open"
    other = pipeline(client, "Other")
    errors = field_errors(
        client.put(f"{OPP}{s['id']}/", json={"type": "won", "pipeline_id": other["id"]})
    )
    assert errors == dict.fromkeys(("type", "pipeline_id"), "This field cannot be changed.")
    same = client.put(f"{OPP}{s['id']}/", json={"type": "active", "pipeline_id": sales["id"]})
    assert same.status_code == 200
    assert "Cannot delete pipeline" in error(client.delete(f"/pipeline/{sales['id']}/"))
    r = client.delete(f"{OPP}{s['id']}/")
    assert r.status_code == 200 and r.json() == {}
    assert client.get(f"/pipeline/{sales['id']}/").json()["statuses"] == []
    assert client.delete(f"/pipeline/{sales['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({}, {"label", "type", "pipeline_id"}),
        ({"label": "X", "type": "open"}, {"type"}),
        ({"label": "X", "type": "won", "pipeline_id": "pipe_nope"}, {"pipeline_id"}),
    ],
)
def test_opportunity_status_validation(
    client: httpx.Client, app: EmulatorApp, body: dict[str, Any], bad: set[str]
) -> None:
    sales = pipeline(client)
    if "label" in body and "pipeline_id" not in body:
        body = {**body, "pipeline_id": sales["id"]}
    assert set(field_errors(client.post(OPP, json=body))) == bad
    assert app.store.records["opportunity_statuses"] == {}


def test_opportunity_status_in_use(client: httpx.Client, app: EmulatorApp) -> None:
    s = opp_status(client, pipeline(client)["id"], "Won", "won")
    app.store.mark_in_use(s["id"])
    assert "opportunities still use it" in error(client.delete(f"{OPP}{s['id']}/"))
    app.store.mark_in_use(s["id"], False)
    assert client.delete(f"{OPP}{s['id']}/").status_code == 200


def test_pipeline_reorder_and_move(client: httpx.Client) -> None:
    sales, renewals = pipeline(client, "Sales"), pipeline(client, "Renewals")
    a, b = (opp_status(client, sales["id"], n)["id"] for n in "AB")
    won = opp_status(client, renewals["id"], "Won", "won")["id"]
    lost = opp_status(client, renewals["id"], "Lost", "lost")["id"]
    r = client.put(
        f"/pipeline/{sales['id']}/", json={"statuses": [{"id": b}, {"id": won}, {"id": a}]}
    )
    assert r.status_code == 200
    assert r.json()["statuses"] == [
        {"id": b, "label": "B", "type": "active"},
        {"id": won, "label": "Won", "type": "won"},  # moved here, same id
        {"id": a, "label": "A", "type": "active"},
    ]
    assert client.get(f"{OPP}{won}/").json()["pipeline_id"] == sales["id"]
    assert ids(client.get(f"/pipeline/{renewals['id']}/").json()["statuses"]) == [lost]


def test_pipeline_reorder_needs_the_complete_list(client: httpx.Client, app: EmulatorApp) -> None:
    sales = pipeline(client)
    a, b = (opp_status(client, sales["id"], n)["id"] for n in "AB")
    url = f"/pipeline/{sales['id']}/"
    before = app.store.snapshot()
    for statuses in (
        [{"id": b}],
        [{"id": a}, {"id": b}, {"id": "stat_nope"}],
        [{"id": a}, {"id": a}, {"id": b}],
        [a, b],
        None,
    ):
        errors = field_errors(client.put(url, json={"statuses": statuses, "name": "X"}))
        assert set(errors) == {"statuses"}
    assert a in field_errors(client.put(url, json={"statuses": [{"id": b}]}))["statuses"]
    assert app.store.snapshot() == before


def test_pipeline_reorder_append_option() -> None:
    app = EmulatorApp(Store(), behaviour=Behaviour(incomplete_reorder="append"))
    with make_client(app, key="k") as client:
        sales = pipeline(client)
        a, b, c = (opp_status(client, sales["id"], n)["id"] for n in "ABC")
        r = client.put(f"/pipeline/{sales['id']}/", json={"statuses": [{"id": c}]})
        assert ids(r.json()["statuses"]) == [c, a, b]
