"""Reading an org (schemasync/live/read.py): the cases mutation testing found untested. What a
plan reads for a manifest that places shared fields, what export reads, how lists that page
are read, when GET /me/ is needed, and how planned reorders are confirmed (confirm_orders)."""

from __future__ import annotations

from typing import Any

from schemasync.diff import compute_plan
from schemasync.emulator import Behaviour
from schemasync.kinds.shared import SHARED_FIELD
from schemasync.live.read import confirm_orders, read_everything, read_live, reads_of
from schemasync.model import Manifest
from schemasync.plan import Plan
from tests.orgs import Org, in_process_org, new_store
from tests.orgs import manifest_of as _manifest


def _gets(org: Org, fragment: str) -> list[str]:
    return [path for method, path, _ in org.app.log if method == "GET" and fragment in path]


PLACES_TIER = """
version: 1
lead:
  fields:
    - shared: Tier
"""


def test_a_manifest_that_places_a_shared_field_reads_the_shared_fields() -> None:
    """lead.fields alone, placing Tier: the shared fields are read too (without them the
    placement could not be matched), and the plan has nothing to do."""
    store = new_store()
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(tier["id"], object_type="lead")
    org = in_process_org(store)
    manifest = _manifest(PLACES_TIER)
    assert "shared_fields" in reads_of(manifest)
    assert "shared_fields" not in reads_of(_manifest("version: 1\nlead:\n  fields: []\n"))
    assert not org.plan(manifest).has_changes


def test_export_reads_every_section_and_the_shared_fields_of_one() -> None:
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(
        tier["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    store.add("lead_statuses", label="Potential")
    org = in_process_org(store)
    one = read_everything(org.client, ["custom_object_types"])
    assert [o.name for o in one.top(SHARED_FIELD.name)] == ["Tier"]
    everything = read_everything(org.client)
    assert [o.name for o in everything.top(SHARED_FIELD.name)] == ["Tier"]
    lead = next(o for o in everything.top("standard_object") if o.name == "lead")
    assert [s.name for kids in lead.children.values() for s in kids if s.kind.name == "lead_status"]
    assert _gets(org, "/status/lead/")  # not only the custom object lists


def test_a_list_that_pages_is_read_at_the_largest_page_size() -> None:
    """150 lead statuses: one request of up to 200, not two of the default 100."""
    store = new_store()
    for i in range(150):
        store.add("lead_statuses", label=f"Status {i:03}")
    org = in_process_org(store)
    org.app.log.clear()
    live = read_live(org.client, ["lead_statuses", "organization"])
    lead = next(o for o in live.top("standard_object") if o.name == "lead")
    assert sum(len(kids) for kids in lead.children.values()) == 150
    assert len(_gets(org, "/status/lead/")) == 1


def test_the_org_is_asked_for_only_when_a_read_needs_its_id() -> None:
    store = new_store()
    store.add("lead_statuses", label="Potential")
    org = in_process_org(store)
    org.app.log.clear()
    read_live(org.client, ["types"])
    read_live(org.client, ["lead_statuses", "organization"], {"org": {"id": store.organization_id}})
    assert _gets(org, "/me/") == []
    assert _gets(org, "/organization/") == [f"/organization/{store.organization_id}/"]
    org.app.log.clear()
    read_live(org.client, ["lead_statuses", "organization"])
    assert len(_gets(org, "/me/")) == 1
    assert _gets(org, "/organization/") == [f"/organization/{store.organization_id}/"]


class _NoOrgs:
    """A client whose GET /me/ lists no organization."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def me(self) -> dict[str, Any]:
        return {"organizations": []}

    def list_all(self, path: str, **_options: Any) -> list[dict[str, Any]]:
        self.paths.append(path)
        return []

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        self.paths.append(path)
        return {"id": "orga_1", "lead_statuses": []}


def test_a_user_without_an_organization_reads_the_org_without_its_id() -> None:
    """GET /me/ lists no organization: the organization is read as `-` (the API answers for
    the key's own org, or says what is wrong), never an internal error."""
    client = _NoOrgs()
    live = read_live(client, ["lead_statuses", "organization"])  # type: ignore[arg-type]
    assert client.paths == ["/status/lead/", "/organization/-/"]
    assert live.org_id == "orga_1"


# -- confirm_orders --------------------------------------------------------------------------

FIVE = ("A", "B", "C", "D", "E")
REVERSED = tuple(reversed(FIVE))


def _fields(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"{{name: {n}, type: text}}" for n in names) + "]"


def _by_id_org() -> Org:
    """Type Zeta and activity type Demo, fields A..E in display order, embedded by id."""
    store = new_store(seed=7, behaviour=Behaviour(embedded_order="by_id"))
    zeta = store.add("custom_object_types", name="Zeta", name_plural="Zetas")
    demo = store.add("custom_activity_types", name="Demo")
    for name in FIVE:
        store.add("custom_fields", custom_object_type_id=zeta["id"], name=name, type="text")
        store.add("activity_fields", custom_activity_type_id=demo["id"], name=name, type="text")
    return in_process_org(store)


def _plan(org: Org, manifest: Manifest) -> tuple[Plan, Any]:
    live = org.live(manifest)
    return compute_plan(manifest, live), live


def _display(org: Org, collection: str, fields: str) -> list[str]:
    snap = org.store.snapshot()
    names = {f["id"]: f["name"] for f in snap[fields]}
    return [names[i] for i in snap[collection][0]["field_order"]]


def test_an_activity_type_reorder_is_confirmed_and_applied() -> None:
    org = _by_id_org()
    manifest = _manifest(
        f"version: 1\ncustom_activity_types:\n  - name: Demo\n    fields: {_fields(REVERSED)}\n"
    )
    plan, live = _plan(org, manifest)
    assert [op.action for op in plan.operations] == ["reorder"]
    org.app.log.clear()
    assert confirm_orders(org.client, plan, live) is True
    assert len(_gets(org, "/custom_field_schema/activity/")) == 1
    again = compute_plan(manifest, live)
    assert again.operations[0].changes["order"]["before"] == list(FIVE)
    report = org.apply(manifest)
    assert report.ok
    assert _display(org, "custom_activity_types", "activity_fields") == list(REVERSED)


def test_a_reorder_after_other_writes_to_its_type_is_confirmed_with_its_schema() -> None:
    """The type's own update comes first in the plan: only the reorder reads the schema."""
    org = _by_id_org()
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n  - name: Zeta\n    name_plural: Zeds\n"
        f"    fields: {_fields(REVERSED)}\n"
    )
    plan, live = _plan(org, manifest)
    assert [op.action for op in plan.operations] == ["update", "reorder"]
    org.app.log.clear()
    assert confirm_orders(org.client, plan, live) is True
    assert [m for m, _p, _s in org.app.log] == ["GET"]
    assert len(_gets(org, "/custom_field_schema/custom_object/")) == 1


def test_orders_that_agree_are_confirmed_once_and_change_nothing() -> None:
    store = new_store()
    for name in ("Alpha", "Beta"):
        t = store.add("custom_object_types", name=name, name_plural=name + "s")
        for field in FIVE:
            store.add("custom_fields", custom_object_type_id=t["id"], name=field, type="text")
    org = in_process_org(store)
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n"
        + "".join(
            f"  - name: {n}\n    name_plural: {n}s\n    fields: {_fields(REVERSED)}\n"
            for n in ("Alpha", "Beta")
        )
    )
    plan, live = _plan(org, manifest)
    org.app.log.clear()
    assert confirm_orders(org.client, plan, live) is False
    assert len(_gets(org, "/custom_field_schema/")) == 1


class _Schemas:
    """A client whose schema reads answer `answers` in turn."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.paths: list[str] = []

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        self.paths.append(path)
        return self.answers.pop(0)


def test_a_schema_without_a_field_list_is_passed_over_for_the_next_type() -> None:
    """An answer that is not a schema (not an object, no list of fields) confirms nothing: the
    next reordered type is read; entries without an id are left out of its order."""
    org = _by_id_org()
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n"
        f"  - name: Zeta\n    name_plural: Zetas\n    fields: {_fields(REVERSED)}\n"
        f"custom_activity_types:\n  - name: Demo\n    fields: {_fields(REVERSED)}\n"
    )
    plan, live = _plan(org, manifest)
    assert [op.action for op in plan.operations] == ["reorder", "reorder"]
    demo = next(o for o in live.top("custom_activity_type"))
    display = [i for i in org.store.snapshot()["custom_activity_types"][0]["field_order"]]
    entries: list[Any] = ["junk", {"name": "no id"}, *({"id": i} for i in display)]
    client = _Schemas([["not", "a", "schema"], {"fields": entries}])
    assert confirm_orders(client, plan, live) is True  # type: ignore[arg-type]
    assert len(client.paths) == 2
    assert list(demo.order) == display
