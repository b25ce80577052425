"""Promotion of the whole schema between two emulated orgs over real sockets: `diff` and
`promote` carry every section (custom object and activity types, shared fields and their
placements, lead/contact/opportunity fields, lead statuses, pipelines), remap every reference
to the destination's ids, prune extra objects only with --prune, and convert a field in place
only with --allow-replace. The two orgs are built from different seeds, so no id is shared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import Result

from schemasync.emulator import Store
from schemasync.emulator.behaviour import Behaviour
from tests.orgs import KEY, new_store
from tests.serving import SocketOrg, assert_clean, run_cli, socket_org

ROOT = Path(__file__).resolve().parent.parent
CRM = str(ROOT / "examples" / "crm.yaml")
ENV = {"STAGING_KEY": KEY, "PROD_KEY": KEY, "CLOSE_API_URL": "", "CLOSE_API_KEY": ""}


def run(args: list[str]) -> Result:
    result = run_cli(args, key=None, env=ENV)
    assert_clean(result)
    return result


def staging_store() -> Store:
    return new_store(("Account Managers",), org_name="Staging Org", seed=101)


def production_store(**options: Any) -> Store:
    # An extra role first: production's "Account Managers" has another id than staging's.
    return new_store(
        ("Interns", "Account Managers"), org_name="Production Org", seed=202, **options
    )


class Envs:
    """The two orgs and the commands that run against them."""

    def __init__(self, staging: SocketOrg, production: SocketOrg, config: str) -> None:
        self.staging, self.production, self.config = staging, production, config

    def apply(self, manifest: str, env: str, *flags: str) -> Result:
        return run(
            ["apply", manifest, "--auto-approve", "--env", env, "--config", self.config, *flags]
        )

    def diff(self, *flags: str) -> Result:
        return run(
            ["diff", "--from", "staging", "--to", "production", "--config", self.config, *flags]
        )

    def promote(self, *flags: str) -> Result:
        args = ["promote", "--from", "staging", "--to", "production", "--config", self.config]
        return run([*args, *flags])

    def export(self, env: str) -> str:
        res = run(["export", "--env", env, "--config", self.config])
        assert res.exit_code == 0, res.stderr
        return res.stdout


@contextmanager
def two_orgs(tmp_path: Path, production: Store | None = None) -> Iterator[Envs]:
    with (
        socket_org(staging_store()) as s,
        socket_org(production if production is not None else production_store()) as p,
    ):
        config = tmp_path / "schemasync.yaml"
        config.write_text(
            "version: 1\nenvironments:\n"
            f"  staging: {{api_url: '{s.url}', api_key_env: STAGING_KEY}}\n"
            f"  production: {{api_url: '{p.url}', api_key_env: PROD_KEY}}\n"
        )
        yield Envs(s, p, str(config))


# -- reading an org's state ----------------------------------------------------------------


def _snap(org: SocketOrg) -> dict[str, Any]:
    org.app.wait_idle()
    return org.store.snapshot()


def _ids(snap: dict[str, Any], collection: str, key: str = "name") -> dict[str, str]:
    """Name (or label) -> id of a collection's records; a name found twice is a test failure."""
    out: dict[str, str] = {}
    for record in snap[collection]:
        assert record[key] not in out, f"two {collection} named {record[key]!r}"
        out[record[key]] = record["id"]
    return out


def _field(snap: dict[str, Any], collection: str, name: str, **owner: str) -> dict[str, Any]:
    (found,) = [
        f
        for f in snap[collection]
        if f["name"] == name and all(f.get(k) == v for k, v in owner.items())
    ]
    return found


def _placements(snap: dict[str, Any], shared: str) -> dict[tuple[str, str | None], Any]:
    """A shared field's associations: (object_type, owner id or None) -> association."""
    field = _field(snap, "shared_fields", shared)
    return {
        (
            a["object_type"],
            a.get("custom_object_type_id") or a.get("custom_activity_type_id"),
        ): a
        for a in field["associations"]
    }


def _pipelines(snap: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Pipeline name -> its statuses (label, type) in order, checked to belong to it."""
    statuses = {s["id"]: s for s in snap["opportunity_statuses"]}
    out = {}
    for p in snap["pipelines"]:
        assert all(statuses[i]["pipeline_id"] == p["id"] for i in p["status_order"])
        out[p["name"]] = [(statuses[i]["label"], statuses[i]["type"]) for i in p["status_order"]]
    return out


def _lead_statuses(snap: dict[str, Any]) -> list[tuple[str, str | None]]:
    statuses = {s["id"]: s for s in snap["lead_statuses"]}
    return [
        (statuses[i]["label"], statuses[i]["color"])
        for i in snap["organization"]["lead_status_order"]
    ]


def _every_id(snap: dict[str, Any]) -> set[str]:
    ids = {snap["organization"]["id"], snap["user"]["id"]}
    for value in snap.values():
        if isinstance(value, list):
            ids |= {r["id"] for r in value if isinstance(r, dict) and "id" in r}
    return ids


# -- the whole schema ----------------------------------------------------------------------


def test_promote_leaves_an_archived_type_out_and_says_so(tmp_path: Path) -> None:
    """Staging made Site Visit, then archived it; production never had it. Whether Close lists
    archived types is unknown, so promote does not create it (each promote could make another
    hidden copy): the plan says so, and nothing else differs."""
    unarchived = tmp_path / "unarchived.yaml"
    text = Path(CRM).read_text(encoding="utf-8")
    assert text.count("archived: true") == 1
    unarchived.write_text(text.replace("archived: true", "archived: false"), encoding="utf-8")
    with two_orgs(tmp_path) as envs:
        assert envs.apply(str(unarchived), "staging").exit_code == 0
        assert envs.apply(CRM, "staging").exit_code == 0  # archives it
        visit = next(
            t for t in _snap(envs.staging)["custom_activity_types"] if t["name"] == "Site Visit"
        )
        assert visit["is_archived"] is True

        res = envs.promote("--apply", "--auto-approve")
        assert res.exit_code == 0, res.stderr
        assert "Note: activity:Site Visit: archived in the manifest and not in" in res.stdout
        assert "Site Visit" not in _ids(_snap(envs.production), "custom_activity_types")
        assert envs.diff().exit_code == 0


def test_promote_carries_the_whole_schema_with_every_reference_remapped(tmp_path: Path) -> None:
    with two_orgs(tmp_path) as envs:
        assert envs.apply(CRM, "staging").exit_code == 0
        assert envs.diff().exit_code == 2
        assert not envs.production.writes()

        res = envs.promote("--apply", "--auto-approve")
        assert res.exit_code == 0, res.stderr
        assert envs.diff().exit_code == 0
        assert envs.export("staging") == envs.export("production")

        stag, prod = _snap(envs.staging), _snap(envs.production)
        assert not _every_id(stag) & _every_id(prod)  # different seeds: no id in common
        assert not any(i in json.dumps(prod) for i in _every_id(stag))  # none leaked across

        types = _ids(prod, "custom_object_types")
        acts = _ids(prod, "custom_activity_types")
        role = _ids(prod, "roles")["Account Managers"]
        assert role != _ids(stag, "roles")["Account Managers"]
        account = next(t for t in prod["custom_object_types"] if t["name"] == "Account")
        assert set(account["editable_with_roles"]) == {"admin", role}

        def references(collection: str, name: str, **owner: str) -> str:
            return str(_field(prod, collection, name, **owner)["referenced_custom_type_id"])

        assert references("lead_fields", "Account") == types["Account"]
        assert references("lead_fields", "Hosting") == types["Resource"]
        assert references("opportunity_fields", "Subscription") == types["Subscription"]
        on_demo = {"custom_activity_type_id": acts["Demo Requested"]}
        assert references("activity_fields", "Account", **on_demo) == types["Account"]
        on_sub = {"custom_object_type_id": types["Subscription"]}
        assert references("custom_fields", "Account", **on_sub) == types["Account"]
        on_account = {"custom_object_type_id": types["Account"]}
        assert references("custom_fields", "Primary Resource", **on_account) == types["Resource"]

        owner = _placements(prod, "Owner")
        assert set(owner) == {
            ("custom_object_type", types["Account"]),
            ("custom_activity_type", acts["Demo Requested"]),
            ("lead", None),
        }
        assert owner[("custom_object_type", types["Account"])]["required"] is True
        assert owner[("custom_activity_type", acts["Demo Requested"])]["required"] is True
        assert set(_placements(prod, "Region")) == {("lead", None), ("opportunity", None)}
        # Placements sit where the manifest puts them in each object's display order.
        account_order = [
            f["id"] for f in prod["custom_fields"] if f["id"] in account["field_order"]
        ]
        assert len(account["field_order"]) == len(account_order) + 1
        assert account["field_order"][1] == _field(prod, "shared_fields", "Owner")["id"]

        # crm.yaml's Site Visit is archived: a plan never creates an archived type.
        assert "Site Visit" not in acts and "Site Visit" not in _ids(stag, "custom_activity_types")
        assert (
            _pipelines(prod)
            == _pipelines(stag)
            == {
                "Sales": [
                    ("Demo Scheduled", "active"),
                    ("Proposal Sent", "active"),
                    ("Negotiation", "active"),
                    ("Won", "won"),
                    ("Lost", "lost"),
                ],
                "Renewals": [("Renewal Due", "active"), ("Renewed", "won"), ("Churned", "lost")],
            }
        )
        assert (
            _lead_statuses(prod)
            == _lead_statuses(stag)
            == [
                ("Potential", "blue"),
                ("Contacted", "teal"),
                ("Qualified", "green"),
                ("Customer", "purple"),
                ("Bad Fit", "gray"),
            ]
        )
        # A second promote has nothing left to do.
        again = envs.promote()
        assert again.stdout == "No changes: production already matches staging.\n"


SHARED = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - shared: Tier
        required: true
        editable_with_roles: [Account Managers]
custom_activity_types:
  - name: Renewal Call
    fields:
      - name: Notes
        type: textarea
      - shared: Tier
        editable_with_roles: [admin]
      - shared: Main Account
        required: true
shared_fields:
  - name: Tier
    type: choices
    choices: [Gold, Silver, Bronze]
  - name: Main Account
    type: custom_object
    references: Account
lead:
  fields:
    - shared: Main Account
    - name: Source
      type: text
    - shared: Tier
      editable_with_roles: [Account Managers]
contact:
  fields:
    - shared: Main Account
opportunity:
  fields:
    - shared: Tier
"""


def test_promote_carries_shared_fields_and_their_placements(tmp_path: Path) -> None:
    # Production already has Tier (fewer choices) on leads, editable by everyone.
    production = production_store()
    tier = production.add("shared_fields", name="Tier", type="choices", choices=["Gold", "Silver"])
    production.associate(tier["id"], object_type="lead")
    manifest = tmp_path / "shared.yaml"
    manifest.write_text(SHARED)
    with two_orgs(tmp_path, production) as envs:
        assert envs.apply(str(manifest), "staging").exit_code == 0
        planned = json.loads(envs.promote("--json").stdout)
        actions = {(op["action"], op["kind"], op["address"]) for op in planned["operations"]}
        assert {
            ("update", "shared_custom_field", "shared:Tier"),  # choices
            ("update", "shared_field_association", "lead:Tier"),  # editable_with_roles
            ("create", "shared_custom_field", "shared:Main Account"),
            ("create", "shared_field_association", "Account.Tier"),
            ("create", "shared_field_association", "activity:Renewal Call.Main Account"),
            ("create", "shared_field_association", "contact:Main Account"),
            ("create", "shared_field_association", "opportunity:Tier"),
            ("reorder", "standard_object", "lead"),
        } <= actions
        assert not any(op["action"] in ("delete", "replace") for op in planned["operations"])

        res = envs.promote("--apply", "--auto-approve")
        assert res.exit_code == 0, res.stderr
        assert envs.diff().exit_code == 0
        assert envs.export("staging") == envs.export("production")

        prod = _snap(envs.production)
        types, acts = _ids(prod, "custom_object_types"), _ids(prod, "custom_activity_types")
        role = _ids(prod, "roles")["Account Managers"]
        assert _field(prod, "shared_fields", "Tier")["id"] == tier["id"]  # updated, kept
        main = _field(prod, "shared_fields", "Main Account")
        assert main["referenced_custom_type_id"] == types["Account"]
        tiers = _placements(prod, "Tier")
        assert set(tiers) == {
            ("lead", None),
            ("opportunity", None),
            ("custom_object_type", types["Account"]),
            ("custom_activity_type", acts["Renewal Call"]),
        }
        on_account = tiers[("custom_object_type", types["Account"])]
        assert (on_account["required"], on_account["editable_with_roles"]) == (True, [role])
        assert tiers[("lead", None)]["editable_with_roles"] == [role]
        assert tiers[("custom_activity_type", acts["Renewal Call"])]["editable_with_roles"] == [
            "admin"
        ]
        mains = _placements(prod, "Main Account")
        assert mains[("custom_activity_type", acts["Renewal Call"])]["required"] is True
        assert set(mains) == {
            ("lead", None),
            ("contact", None),
            ("custom_activity_type", acts["Renewal Call"]),
        }
        names = {f["id"]: f["name"] for f in prod["lead_fields"] + prod["shared_fields"]}
        assert [names[i] for i in prod["field_orders"]["lead"]] == [
            "Main Account",
            "Source",
            "Tier",
        ]


# -- extra objects in production: unmanaged, or pruned ---------------------------------------

# What production has beyond crm.yaml, by the address a plan gives it (one in every section).
EXTRA = {
    "Legacy": "custom_object_type",
    "Account.Old Notes": "custom_field",
    "activity:Call Review": "custom_activity_type",
    "activity:Demo Requested.Rating": "activity_custom_field",
    "shared:Segment": "shared_custom_field",
    "contact:Region": "shared_field_association",
    "lead:Segment": "shared_field_association",  # a placement of the extra shared field
    "Account.Legacy Link": "custom_field",
    "lead:Fax": "lead_custom_field",
    "contact:Nickname": "contact_custom_field",
    "opportunity:Probability": "opportunity_custom_field",
    "status:Dormant": "lead_status",
    "pipeline:Partners": "pipeline",
    "pipeline:Sales.Stalled": "opportunity_status",
}


def _add_extras(store: Store) -> set[str]:
    """Add EXTRA to an org that has crm.yaml; the ids of the new records."""
    snap = store.snapshot()
    types, acts = _ids(snap, "custom_object_types"), _ids(snap, "custom_activity_types")
    legacy = store.add("custom_object_types", name="Legacy", name_plural="Legacies")
    store.add("custom_fields", custom_object_type_id=legacy["id"], name="Code", type="text")
    store.add(
        "custom_fields", custom_object_type_id=types["Account"], name="Old Notes", type="text"
    )
    review = store.add("custom_activity_types", name="Call Review")
    store.add("activity_fields", custom_activity_type_id=review["id"], name="Score", type="number")
    store.add(
        "activity_fields",
        custom_activity_type_id=acts["Demo Requested"],
        name="Rating",
        type="number",
    )
    segment = store.add("shared_fields", name="Segment", type="text")
    store.associate(segment["id"], object_type="lead")
    store.associate(_ids(snap, "shared_fields")["Region"], object_type="contact")
    store.add(  # references the extra type: pruned before it
        "custom_fields",
        custom_object_type_id=types["Account"],
        name="Legacy Link",
        type="custom_object",
        referenced_custom_type_id=legacy["id"],
    )
    store.add("lead_fields", name="Fax", type="text")
    store.add("contact_fields", name="Nickname", type="text")
    store.add("opportunity_fields", name="Probability", type="number")
    store.add("lead_statuses", label="Dormant", color="gray")
    partners = store.add("pipelines", name="Partners")
    store.add("opportunity_statuses", label="Signed", type="won", pipeline_id=partners["id"])
    sales = _ids(snap, "pipelines")["Sales"]
    store.add("opportunity_statuses", label="Stalled", type="active", pipeline_id=sales)
    return _every_id(store.snapshot()) - _every_id(snap)


def test_promote_prunes_extra_objects_in_every_section_only_with_prune(tmp_path: Path) -> None:
    with two_orgs(tmp_path) as envs:
        for env in ("staging", "production"):
            assert envs.apply(CRM, env).exit_code == 0
        extras = _add_extras(envs.production.store)
        before = _snap(envs.production)
        writes = len(envs.production.writes())

        # Without --prune: listed as unmanaged, never deleted; the orgs still differ.
        diff = envs.diff()
        assert diff.exit_code == 2 and "DELETED" not in diff.stdout
        listed = json.loads(envs.diff("--json").stdout)["unmanaged"]
        assert {u["address"]: u["kind"] for u in listed} == EXTRA
        promoted = envs.promote("--apply", "--auto-approve")
        assert promoted.exit_code == 0, promoted.stderr
        assert promoted.stdout.endswith(
            "No changes: production already has everything staging has; the objects above stay.\n"
        )
        for address in EXTRA:
            assert f" {address} (" in promoted.stdout, address  # in the unmanaged list
        assert len(envs.production.writes()) == writes
        assert _snap(envs.production) == before

        # With --prune: every extra object is deleted, referrers before what they reference.
        planned = json.loads(envs.promote("--prune", "--json").stdout)["operations"]
        deletes = [op["address"] for op in planned if op["action"] == "delete"]
        assert set(deletes) >= set(EXTRA)
        assert {op["action"] for op in planned} == {"delete"}
        assert deletes.index("Account.Legacy Link") < deletes.index("Legacy")
        assert len(deletes) == len(set(deletes))
        pruned = envs.promote("--prune", "--apply", "--auto-approve")
        assert pruned.exit_code == 0, pruned.stderr
        assert envs.diff().exit_code == 0
        assert envs.export("staging") == envs.export("production")
        after = _snap(envs.production)
        assert _ids(after, "custom_object_types").keys() == {"Account", "Resource", "Subscription"}
        assert "Partners" not in _ids(after, "pipelines")
        assert {"Dormant", "Signed", "Stalled"}.isdisjoint(
            {s["label"] for s in after["lead_statuses"] + after["opportunity_statuses"]}
        )
        assert ("contact", None) not in _placements(after, "Region")
        assert _every_id(before) - _every_id(after) == extras  # those, and nothing else


# -- a field of another type in production ---------------------------------------------------


@pytest.fixture
def converting_production(tmp_path: Path) -> Iterator[Envs]:
    """Production has crm.yaml, except lead:Employees is text (a conversion to number) and
    lead:Hosting is text (a change to custom_object: a replace)."""
    text = Path(CRM).read_text()
    employees = "    - name: Employees\n      type: number\n"
    hosting = "    - name: Hosting\n      type: custom_object\n      references: Resource\n"
    assert text.count(employees) == text.count(hosting) == 1
    older = tmp_path / "older.yaml"
    older.write_text(
        text.replace(employees, employees.replace("number", "text")).replace(
            hosting, "    - name: Hosting\n      type: text\n"
        )
    )
    with two_orgs(tmp_path, production_store(behaviour=Behaviour(conversion_reads=2))) as envs:
        assert envs.apply(CRM, "staging").exit_code == 0
        assert envs.apply(str(older), "production").exit_code == 0
        yield envs


def test_promote_converts_a_lead_field_only_with_allow_replace(
    converting_production: Envs,
) -> None:
    envs = converting_production
    employees = _field(_snap(envs.production), "lead_fields", "Employees")
    hosting = _field(_snap(envs.production), "lead_fields", "Hosting")
    writes = len(envs.production.writes())

    refused = envs.promote("--apply", "--auto-approve")
    assert refused.exit_code == 1
    assert "--allow-replace" in refused.stderr
    assert "lead:Employees" in refused.stderr and "lead:Hosting" in refused.stderr
    assert len(envs.production.writes()) == writes  # refused before any write

    planned = json.loads(envs.promote("--allow-replace", "--json").stdout)["operations"]
    ops = {op["address"]: op for op in planned}
    assert (ops["lead:Employees"]["action"], ops["lead:Employees"].get("converts")) == (
        "update",
        True,
    )
    assert ops["lead:Employees"]["changes"]["type"] == {"before": "text", "after": "number"}
    assert ops["lead:Hosting"]["action"] == "replace"  # to custom_object: no conversion

    res = envs.promote("--allow-replace", "--apply", "--auto-approve")
    assert res.exit_code == 0, res.stderr
    assert envs.diff().exit_code == 0
    prod = _snap(envs.production)
    converted = _field(prod, "lead_fields", "Employees")
    assert (converted["id"], converted["type"]) == (employees["id"], "number")  # kept its id
    assert not envs.production.store.conversions  # apply waited for the conversion to end
    replaced = _field(prod, "lead_fields", "Hosting")
    assert replaced["id"] != hosting["id"]
    assert replaced["referenced_custom_type_id"] == _ids(prod, "custom_object_types")["Resource"]


@pytest.mark.parametrize(
    ("collection", "address"),
    [
        ("custom_fields", "Account.Legacy Link"),
        ("activity_fields", "activity:Demo Requested.Legacy Link"),
        ("lead_fields", "lead:Legacy Link"),
        ("contact_fields", "contact:Legacy Link"),
        ("opportunity_fields", "opportunity:Legacy Link"),
        ("shared_fields", "shared:Legacy Link"),
    ],
)
def test_prune_deletes_a_field_that_references_a_pruned_type_once(
    tmp_path: Path, collection: str, address: str
) -> None:
    # An extra type in production and an extra field that references it: --prune deletes the
    # field, then the type, each once (a second DELETE of the field answers 404 and stops the
    # apply partway, exit 3).
    with two_orgs(tmp_path) as envs:
        for env in ("staging", "production"):
            assert envs.apply(CRM, env).exit_code == 0
        store = envs.production.store
        snap = store.snapshot()
        owner = {
            "custom_fields": {
                "custom_object_type_id": _ids(snap, "custom_object_types")["Account"]
            },
            "activity_fields": {
                "custom_activity_type_id": _ids(snap, "custom_activity_types")["Demo Requested"]
            },
        }.get(collection, {})
        legacy = store.add("custom_object_types", name="Legacy", name_plural="Legacies")
        store.add(
            collection,
            owner,
            name="Legacy Link",
            type="custom_object",
            referenced_custom_type_id=legacy["id"],
        )

        planned = json.loads(envs.promote("--prune", "--json").stdout)["operations"]
        assert [(op["action"], op["address"]) for op in planned] == [
            ("delete", address),
            ("delete", "Legacy"),
        ]
        res = envs.promote("--prune", "--apply", "--auto-approve")
        assert res.exit_code == 0, res.stderr
        assert envs.diff().exit_code == 0


@pytest.mark.parametrize("activity_type_delete", ["cascade", "refuse"])
def test_prune_deletes_an_activity_type_with_fields_whatever_close_does_with_them(
    tmp_path: Path, activity_type_delete: Literal["cascade", "refuse"]
) -> None:
    # What DELETE /custom_activity/{id}/ does to the type's fields and placements is unknown
    # (docs/close-api-facts.md §6): Close may delete them too, or refuse while they exist. A
    # pruned activity type must go either way.
    production = production_store(behaviour=Behaviour(activity_type_delete=activity_type_delete))
    with two_orgs(tmp_path, production) as envs:
        for env in ("staging", "production"):
            assert envs.apply(CRM, env).exit_code == 0
        store = envs.production.store
        review = store.add("custom_activity_types", name="Call Review")
        store.add(
            "activity_fields", custom_activity_type_id=review["id"], name="Score", type="number"
        )
        owner = _ids(store.snapshot(), "shared_fields")["Owner"]
        store.associate(
            owner, object_type="custom_activity_type", custom_activity_type_id=review["id"]
        )

        res = envs.promote("--prune", "--apply", "--auto-approve")
        assert res.exit_code == 0, res.stderr
        assert "Call Review" not in _ids(_snap(envs.production), "custom_activity_types")
        assert envs.diff().exit_code == 0
