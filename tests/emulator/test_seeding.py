"""Seeding an emulated org from Python (Store.add, associate, mark_in_use) and Behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemasync.emulator import Behaviour, EmulatorApp, Store
from tests.emulator.helpers import create_type, make_client


def test_add_creates_like_the_api(app: EmulatorApp) -> None:
    store = app.store
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    demo = store.add("custom_activity_types", {"name": "Demo"}, description="d")
    outcome = store.add(
        "activity_fields", custom_activity_type_id=demo["id"], name="Outcome", type="textarea"
    )
    industry = store.add("lead_fields", name="Industry", type="text")
    title = store.add("contact_fields", name="Title", type="text")
    band = store.add("opportunity_fields", name="Band", type="choices", choices=["S", "L"])
    owner = store.add("shared_fields", name="Owner", type="user")
    placed = store.associate(
        owner["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    store.associate(owner["id"], {"object_type": "lead"})
    potential = store.add("lead_statuses", label="Potential", color="blue")
    sales = store.add("pipelines", name="Sales")
    won = store.add("opportunity_statuses", label="Won", type="won", pipeline_id=sales["id"])
    assert placed == {
        "object_type": "custom_object_type",
        "custom_object_type_id": account["id"],
        "required": False,
        "editable_with_roles": [],
    }
    with make_client(app) as client:
        for path, made in [
            (f"/custom_activity/{demo['id']}/", None),
            (f"/custom_field/activity/{outcome['id']}/", outcome),
            (f"/custom_field/lead/{industry['id']}/", industry),
            (f"/custom_field/contact/{title['id']}/", title),
            (f"/custom_field/opportunity/{band['id']}/", band),
            (f"/status/lead/{potential['id']}/", potential),
            (f"/status/opportunity/{won['id']}/", won),
        ]:
            r = client.get(path)
            assert r.status_code == 200 and (made is None or r.json() == made)
        assert client.get(f"/pipeline/{sales['id']}/").json()["statuses"] == [
            {"id": won["id"], "label": "Won", "type": "won"}
        ]
        fields = client.get(f"/custom_object_type/{account['id']}/").json()["fields"]
        assert [f["id"] for f in fields] == [owner["id"]]
        lead = client.get("/custom_field_schema/lead/").json()["fields"]
        assert [f["id"] for f in lead] == [industry["id"], owner["id"]]
    industry["name"] = "Changed"  # a copy: the store is not affected
    assert store.records["lead_fields"][industry["id"]]["name"] == "Industry"


def test_add_refuses_what_the_api_refuses() -> None:
    store = Store()
    with pytest.raises(ValueError) as info:
        store.add("lead_fields", name="Notes", type="textarea")
    assert info.value.args == (
        400,
        {"errors": [], "field-errors": {"type": info.value.args[1]["field-errors"]["type"]}},
    )
    owner = store.add("shared_fields", name="Owner", type="user")
    store.associate(owner["id"], object_type="lead")
    with pytest.raises(ValueError, match="already associated"):
        store.associate(owner["id"], object_type="lead")
    with pytest.raises(ValueError, match="404"):
        store.associate("cf_nope", object_type="lead")
    with pytest.raises(KeyError):
        store.add("nothing", name="x")
    assert store.records["lead_fields"] == {}


def test_seeded_changes_reach_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "org.json"
    app = EmulatorApp(Store(), state_path=path)
    with make_client(app, key="k") as client:
        create_type(client)
        status = app.store.add("lead_statuses", label="Customer")
        app.store.mark_in_use(status["id"])
        create_type(client, "Other")
    loaded = Store.load(path)
    assert loaded == app.store and loaded.in_use == {status["id"]}


def test_behaviour_is_set_on_the_store_or_the_app() -> None:
    assert Store().behaviour == Behaviour()
    assert Behaviour() == Behaviour(
        list_archived=True,
        activity_type_delete="cascade",
        referenced_type_delete="refuse",
        conversion_reads=1,
        incomplete_reorder="refuse",
    )
    store = Store(behaviour=Behaviour(conversion_reads=4))
    assert store.behaviour.conversion_reads == 4
    app = EmulatorApp(store, behaviour=Behaviour(list_archived=False))
    assert app.store.behaviour == Behaviour(list_archived=False)
    assert Store.from_state(
        store.snapshot(), behaviour=Behaviour(conversion_reads=2)
    ).behaviour == (Behaviour(conversion_reads=2))


@pytest.mark.parametrize(
    "options",
    [
        {"activity_type_delete": "ask"},
        {"referenced_type_delete": "ignore"},
        {"incomplete_reorder": "drop"},
        {"conversion_reads": -1},
    ],
)
def test_bad_behaviour(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Behaviour(**options)  # type: ignore[arg-type]
