"""The emulator's state file: save, load, versions, integrity checks, the journal."""

from __future__ import annotations

import json
import os
import random
import string
from pathlib import Path
from typing import Any

import pytest

from schemasync.emulator import (
    EmulatorApp,
    StateFileError,
    Store,
)
from schemasync.emulator.store import RECORD_KEYS
from schemasync.errors import SchemaSyncError
from tests.emulator.helpers import (
    REPO,
    TYPE_BODY,
    create_field,
    create_type,
    make_client,
    whole_org,
)

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
    assert data["version"] == 2 and data == store.snapshot()
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
        '{"version": 3}',
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


def test_emulator_constants_mirror_the_model() -> None:
    """The emulator keeps its own copies (it must not import the client's model)."""
    from schemasync import model
    from schemasync.emulator import checks

    assert set(checks.FIELD_TYPES) == set(model.FIELD_TYPES)
    assert set(checks.MULTI_VALUE_TYPES) == set(model.MULTI_VALUE_TYPES)
    assert set(checks.ROLE_KEYWORDS) == set(model.BUILTIN_ROLES)


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


# -- version 2: the whole schema ---------------------------------------------------------


def whole_store() -> Store:
    store = Store(org_name="Whole Org", seed=11)
    with make_client(EmulatorApp(store), key="k") as client:
        whole_org(client)
    return store


def test_whole_org_round_trip(tmp_path: Path) -> None:
    store = whole_store()
    path = tmp_path / "state.json"
    store.save(path)
    data = json.loads(path.read_text())
    assert data == store.snapshot()
    assert set(data) == {"version", "organization", "user", "field_orders", "in_use", *RECORD_KEYS}
    snap = store.snapshot()  # the file's keys are sorted; the records keep the API's order
    for name, keys in RECORD_KEYS.items():
        assert snap[name], f"whole_org makes no {name}"
        assert all(tuple(record) == keys for record in snap[name]), name
    loaded = Store.load(path)
    assert loaded == store
    with (
        make_client(EmulatorApp(store), key="k") as a,
        make_client(EmulatorApp(loaded), key="k") as b,
    ):
        for url in (
            "/custom_object_type/",
            "/custom_activity/",
            "/custom_field/shared/",
            "/pipeline/",
        ):
            assert a.get(url).json() == b.get(url).json()


def v1_state(store: Store) -> dict[str, Any]:
    """A version 1 state file of a store that has custom objects and roles only."""
    snap = store.snapshot()
    return {
        "version": 1,
        "organization": {"id": store.organization_id, "name": store.organization_name},
        "user": snap["user"],
        "roles": snap["roles"],
        "custom_object_types": snap["custom_object_types"],
        "custom_fields": snap["custom_fields"],
    }


def test_version_1_state_files_load(tmp_path: Path) -> None:
    store = populated_store()
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1_state(store)))
    loaded = Store.load(path)
    assert loaded == store  # the rest starts empty
    assert loaded.organization == {
        "id": store.organization_id,
        "name": "Saved Org",
        "currency": "USD",
        "lead_status_order": [],
    }
    assert Store.from_state(v1_state(store)) == store
    loaded.save(path)
    assert json.loads(path.read_text())["version"] == 2


def test_the_sample_org_loads() -> None:
    sample = REPO / "examples" / "sample-org.json"
    store = Store.load(sample)
    with make_client(EmulatorApp(store), key="k") as client:
        types = client.get("/custom_object_type/").json()["data"]
        assert types and all(t["fields"] for t in types)
        leads = client.get("/custom_field/lead/").json()["data"]
        assert {f["referenced_custom_type_id"] for f in leads} - {None} <= {t["id"] for t in types}
        assert any(f["referenced_custom_type_id"] for f in leads)
        assert client.get("/custom_activity/").json()["data"]


def test_an_empty_state_file_is_a_new_org(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    for content in ("", "  \n"):
        path.write_text(content)
        store = Store.load(path, seed=2)
        assert store.types == {} and len(store.roles) == 4
        assert store == Store.load(path, seed=2) and store == Store(seed=2)
    app = EmulatorApp(Store.load(path), state_path=path)
    with make_client(app, key="k") as client:
        create_type(client)
    assert Store.load(path) == app.store


def _edit_whole(tmp_path: Path, edit: Any) -> Store:
    state = whole_store().snapshot()
    edit(state)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(state))
    return Store.load(path)


def _first(state: dict[str, Any], name: str) -> dict[str, Any]:
    return state[name][0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s["field_orders"]["lead"].clear(), "is not listed on the lead field order"),
        (
            lambda s: s["field_orders"]["contact"].append(_first(s, "lead_fields")["id"]),
            "the contact field order lists unknown field",
        ),
        (lambda s: s["field_orders"].pop("opportunity"), "field_orders must have"),
        (
            lambda s: _first(s, "activity_fields").update(custom_activity_type_id="actitype_x"),
            "is not listed on its activity type",
        ),
        (
            lambda s: _first(s, "activity_fields").update(referenced_custom_type_id="cotype_x"),
            "references unknown type",
        ),
        (
            lambda s: _first(s, "shared_fields")["associations"][1].update(
                custom_object_type_id="cotype_x"
            ),
            "association with an unknown object",
        ),
        (
            lambda s: _first(s, "shared_fields")["associations"].append(
                {"object_type": "lead", "required": False, "editable_with_roles": []}
            ),
            "associated twice",
        ),
        (
            lambda s: _first(s, "shared_fields")["associations"][0].pop("required"),
            "lacks required",
        ),
        (lambda s: _first(s, "shared_fields").pop("associations"), "lacks associations"),
        (lambda s: s["organization"]["lead_status_order"].pop(), "lead_status_order"),
        (lambda s: s["organization"].pop("currency"), "organization lacks currency"),
        (lambda s: _first(s, "pipelines")["status_order"].pop(), "is not listed on its pipeline"),
        (
            lambda s: _first(s, "pipelines")["status_order"].append("stat_x"),
            "lists unknown status",
        ),
        (lambda s: s["in_use"].append("stat_x"), "in_use names unknown statuses"),
        (lambda s: s.pop("lead_statuses"), "lead_statuses must be a list"),
    ],
)
def test_state_v2_integrity(tmp_path: Path, edit: Any, message: str) -> None:
    with pytest.raises(StateFileError, match=message):
        _edit_whole(tmp_path, edit)
