"""How the planner compares, resolves, matches and orders (schemasync/engine/compare.py,
resolve.py, match.py and planner.py): the cases mutation testing found untested. Each plans
against an emulated org in-process, or against an org given as the API lists it
(`parse_live`) where the emulator cannot hold it."""

from __future__ import annotations

from typing import Any

import pytest

from schemasync.diff import compute_plan
from schemasync.engine.match import match, problem
from schemasync.errors import PlanError, Problem
from schemasync.kinds.custom_objects import CUSTOM_OBJECT_TYPE
from schemasync.live import parse_live
from schemasync.model import Obj, Pos
from tests.orgs import in_process_org, new_store
from tests.orgs import manifest_of as _manifest
from tests.orgs import ops_of as _ops
from tests.orgs import plan_problems as _problems


def _type(type_id: str, name: str, embedded: list[str] | None = None) -> dict[str, Any]:
    """A custom object type as the API lists it; `embedded` is its embedded field list (ids),
    None for none at all."""
    item: dict[str, Any] = {
        "id": type_id,
        "name": name,
        "name_plural": name + "s",
        "description": None,
        "api_create_only": False,
        "editable_with_roles": [],
        "is_archived": False,
    }
    if embedded is not None:
        item["fields"] = [
            {"id": i, "name": "x", "type": "text", "is_shared": False} for i in embedded
        ]
    return item


def _field(field_id: str, type_id: str, name: str, **values: Any) -> dict[str, Any]:
    """A custom field of a custom object type as the API lists it (text unless `values` say)."""
    item: dict[str, Any] = {
        "id": field_id,
        "custom_object_type_id": type_id,
        "name": name,
        "type": "text",
        "description": None,
        "required": False,
        "accepts_multiple_values": False,
        "editable_with_roles": [],
        "is_shared": False,
        "referenced_custom_type_id": None,
        "back_reference_is_visible": None,
        "choices": None,
    }
    item.update(values)
    return item


# -- roles (resolve.py) ----------------------------------------------------------------------


def test_a_role_name_two_org_roles_share_is_refused_naming_both_ids() -> None:
    store = new_store(roles=("Support", "Support"))
    ids = sorted(r["id"] for r in store.roles.values() if r["name"] == "Support")
    org = in_process_org(store)
    problems = _problems(
        org,
        "version: 1\nlead:\n  fields:\n    - {name: Tier, type: text, "
        "editable_with_roles: [Support]}\n",
    )
    assert problems == [
        Problem(
            "manifest.yaml",
            4,
            7,
            "lead:Tier.editable_with_roles",
            f"2 roles in this org are named 'Support' ({ids[0]}, {ids[1]}): rename one in Close",
        )
    ]


def test_an_unknown_role_in_an_org_listing_no_roles_says_none() -> None:
    live = parse_live({"types": [], "fields": [], "roles": []})
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n  - {name: A, name_plural: As, "
        "editable_with_roles: [Nobody]}\n"
    )
    with pytest.raises(PlanError) as info:
        compute_plan(manifest, live)
    assert [p.message for p in info.value.problems] == [
        "unknown role 'Nobody': not a built-in keyword (admin, superuser, user, "
        "restricteduser) nor a role of this org (roles: none)"
    ]


def test_an_unknown_role_on_an_existing_field_is_one_problem_not_two() -> None:
    """The create body resolves the roles once; comparing with the live field reuses it."""
    store = new_store()
    store.add("lead_fields", name="Tier", type="text")
    org = in_process_org(store)
    problems = _problems(
        org,
        "version: 1\nlead:\n  fields:\n    - {name: Tier, type: text, "
        "editable_with_roles: [Nobody]}\n",
    )
    assert [(p.path, p.message.split(":")[0]) for p in problems] == [
        ("lead:Tier.editable_with_roles", "unknown role 'Nobody'")
    ]


@pytest.mark.parametrize(
    ("live_type", "planned"),
    [("number", "conversion"), ("custom_object", "replace")],
)
def test_a_field_written_anew_says_each_unresolved_name_once(live_type: str, planned: str) -> None:
    """A matched field's body is built only when it is written anew (converted or replaced);
    the roles and the reference that compare() resolved are not resolved again for it, so
    each unknown name is one problem."""
    store = new_store()
    if live_type == "custom_object":
        kept = store.add("custom_object_types", name="Kept", name_plural="Keeps")
        store.add(
            "lead_fields", name="Tier", type="custom_object", referenced_custom_type_id=kept["id"]
        )
    else:
        store.add("lead_fields", name="Tier", type=live_type)
    org = in_process_org(store)
    text = (
        "version: 1\nlead:\n  fields:\n    - {name: Tier, type: custom_object, "
        "references: Ghost, editable_with_roles: [Nobody]}\n"
    )
    problems = _problems(org, text, allow_replace=True)
    assert [(p.path, p.message.split(":")[0]) for p in problems] == [
        ("lead:Tier.editable_with_roles", "unknown role 'Nobody'"),
        ("lead:Tier.references", "no type named 'Ghost' in the manifest or in the org"),
    ], planned


def test_a_replaced_field_sends_its_whole_body_with_resolved_roles() -> None:
    """The replace of a matched field (its body built after the comparison) sends every
    attribute, the role ids and the reference id as a create would."""
    store = new_store()
    role = store.add("roles", name="Sales")
    target = store.add("custom_object_types", name="Target", name_plural="Targets")
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add("custom_fields", custom_object_type_id=account["id"], name="Link", type="text")
    org = in_process_org(store)
    plan = org.plan(
        _manifest(
            "version: 1\ncustom_object_types:\n"
            "  - {name: Target, name_plural: Targets}\n"
            "  - name: Account\n    name_plural: Accounts\n    fields:\n"
            "      - {name: Link, type: custom_object, references: Target, "
            "description: d, editable_with_roles: [Sales]}\n"
        ),
        allow_replace=True,
    )
    (op,) = [op for op in plan.operations if op.action == "replace"]
    assert op.body == {
        "custom_object_type_id": account["id"],
        "name": "Link",
        "type": "custom_object",
        "required": False,
        "accepts_multiple_values": False,
        "description": "d",
        "editable_with_roles": [role["id"]],
        "referenced_custom_type_id": target["id"],
        "back_reference_is_visible": False,
    }


# -- references (resolve.py, compare.py) ----------------------------------------------------

REFERENCES_LIVE = """
version: 1
{types}
lead:
  fields:
    - {{name: Acc, type: custom_object, references: Live}}
"""


def test_a_reference_to_a_live_type_that_prune_deletes_is_refused() -> None:
    store = new_store()
    live_type = store.add("custom_object_types", name="Live", name_plural="Lives")
    org = in_process_org(store)
    problems = _problems(org, REFERENCES_LIVE.format(types="custom_object_types: []"), prune=True)
    assert problems == [
        Problem(
            "manifest.yaml",
            6,
            7,
            "lead:Acc.references",
            "references the live type 'Live', which is not in the manifest and would be "
            "deleted by --prune: declare it",
        )
    ]
    # Types not managed (or no --prune): the live type stays, and the field references it.
    managed = REFERENCES_LIVE.format(types="custom_object_types: []")
    for text, prune in ((REFERENCES_LIVE.format(types=""), True), (managed, False)):
        plan = org.plan(_manifest(text), prune=prune)
        assert _ops(plan) == [("create", "lead:Acc")]
        body = plan.operations[0].body
        assert body is not None and body["referenced_custom_type_id"] == live_type["id"]


def test_a_reference_to_a_name_two_live_types_share_is_refused() -> None:
    store = new_store()
    ids = sorted(
        store.add("custom_object_types", name="Dup", name_plural="Dups")["id"] for _ in "ab"
    )
    org = in_process_org(store)
    problems = _problems(
        org,
        "version: 1\nlead:\n  fields:\n    - {name: Acc, type: custom_object, references: Dup}\n",
    )
    assert problems == [
        Problem(
            "manifest.yaml",
            4,
            7,
            "lead:Acc.references",
            f"2 live types are named 'Dup' ({ids[0]}, {ids[1]}): rename one in Close",
        )
    ]


def test_an_unresolved_new_reference_is_one_problem_and_no_replace() -> None:
    """A reference changed to a name nothing has: the problem says so, and no replace (nor
    its refusal) is planned for it."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add(
        "lead_fields", name="Acc", type="custom_object", referenced_custom_type_id=account["id"]
    )
    org = in_process_org(store)
    problems = _problems(
        org,
        "version: 1\nlead:\n  fields:\n"
        "    - {name: Acc, type: custom_object, references: Nowhere}\n",
    )
    assert [(p.path, p.message) for p in problems] == [
        ("lead:Acc.references", "no type named 'Nowhere' in the manifest or in the org")
    ]


def test_a_replaced_reference_to_a_type_the_org_does_not_list_shows_its_id() -> None:
    live = parse_live(
        {
            "types": [_type("cotype_a", "Account", ["cf_p"])],
            "fields": [
                _field(
                    "cf_p",
                    "cotype_a",
                    "Parent",
                    type="custom_object",
                    referenced_custom_type_id="cotype_gone",
                    back_reference_is_visible=False,
                )
            ],
            "roles": [],
        }
    )
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n  - name: Account\n    name_plural: Accounts\n"
        "    fields:\n      - {name: Parent, type: custom_object, references: Account}\n"
    )
    plan = compute_plan(manifest, live, allow_replace=True)
    assert _ops(plan) == [("replace", "Account.Parent")]
    assert plan.operations[0].changes["references"] == {
        "before": "cotype_gone",
        "after": "Account",
    }


def test_a_replaced_reference_field_shows_its_type_dependent_attributes_as_created() -> None:
    """Its back_reference_is_visible is created anew (before: None), not compared with the
    old field's; an attribute of every field type (description) is compared."""
    store = new_store()
    a = store.add("custom_object_types", name="A", name_plural="As")
    store.add("custom_object_types", name="B", name_plural="Bs")
    store.add(
        "lead_fields",
        name="Acc",
        type="custom_object",
        referenced_custom_type_id=a["id"],
        back_reference_is_visible=False,
        description="old",
    )
    org = in_process_org(store)
    manifest = _manifest(
        "version: 1\nlead:\n  fields:\n    - name: Acc\n      type: custom_object\n"
        "      references: B\n      back_reference_is_visible: true\n      description: new\n"
    )
    plan = org.plan(manifest, allow_replace=True)
    assert _ops(plan) == [("replace", "lead:Acc")]
    changes = plan.operations[0].changes
    assert changes["references"] == {"before": "A", "after": "B"}
    assert changes["back_reference_is_visible"] == {"before": None, "after": True}
    assert changes["description"] == {"before": "old", "after": "new"}


# -- matching (match.py) ----------------------------------------------------------------------


def _live_type(name: str, type_id: str) -> Obj:
    return Obj(CUSTOM_OBJECT_TYPE, {"name": name}, id=type_id)


def _spec(name: str, line: int, *renamed_from: str) -> Obj:
    pos = Pos("manifest.yaml", line, 5)
    return Obj(CUSTOM_OBJECT_TYPE, {"name": name}, renamed_from=renamed_from, pos=pos)


def test_a_problem_without_a_position_is_reported_at_the_manifest() -> None:
    assert problem(None, "Account", "m") == Problem("<manifest>", 0, 0, "Account", "m")
    assert str(problem(None, "Account", "m")) == "<manifest>: Account: m"


def test_renamed_from_a_live_object_matched_by_name_is_refused() -> None:
    """A manifest loaded from files cannot say this (its rules refuse it); match() still
    never hands one live object to two manifest objects."""
    problems: list[Problem] = []
    found = match(
        [_spec("A", 3), _spec("C", 4, "A")], [_live_type("A", "cotype_a")], "type", "", problems
    )
    assert {k: v.id for k, v in found.items()} == {"A": "cotype_a"}
    assert problems == [
        Problem(
            "manifest.yaml",
            4,
            5,
            "C",
            "renamed_from 'A' cannot be honoured: that live type (cotype_a) is already "
            "matched by name to another type of the manifest",
        )
    ]


def test_two_objects_renamed_from_one_live_object_get_it_once() -> None:
    problems: list[Problem] = []
    found = match(
        [_spec("X", 3, "Old"), _spec("Y", 4, "Old")],
        [_live_type("Old", "cotype_old")],
        "type",
        "",
        problems,
    )
    assert {k: v.id for k, v in found.items()} == {"X": "cotype_old"}
    assert [(p.line, p.path, p.message.split(":")[0]) for p in problems] == [
        (4, "Y", "renamed_from 'Old' cannot be honoured")
    ]


def test_renamed_from_a_name_the_org_does_not_have_creates_the_object() -> None:
    store = new_store()
    store.add("custom_object_types", name="A", name_plural="As")
    org = in_process_org(store)
    plan = org.plan(
        _manifest(
            "version: 1\ncustom_object_types:\n  - {name: A, name_plural: As}\n"
            "  - {name: N, name_plural: Ns, renamed_from: [Gone]}\n"
        )
    )
    assert _ops(plan) == [("create", "N")]


def test_an_ambiguous_name_is_not_matched_through_renamed_from_either() -> None:
    """Two live types have the manifest's name: that is the one problem; its renamed_from
    (which names two more) is not tried."""
    store = new_store()
    ids = sorted(
        store.add("custom_object_types", name=n, name_plural="x")["id"] for n in ("New", "New")
    )
    for n in ("O1", "O2"):
        store.add("custom_object_types", name=n, name_plural="x")
    org = in_process_org(store)
    problems = _problems(
        org,
        "version: 1\ncustom_object_types:\n  - {name: New, name_plural: News, "
        "renamed_from: [O1, O2]}\n",
    )
    assert [(p.path, p.message) for p in problems] == [
        (
            "New",
            f"2 live types are named 'New' ({ids[0]}, {ids[1]}): rename or delete all but one "
            "in Close; schemasync never guesses which one you mean",
        )
    ]


# -- the planner (planner.py) -----------------------------------------------------------------


def test_a_protected_field_a_replace_would_destroy_is_refused_at_its_line() -> None:
    store = new_store()
    a = store.add("custom_object_types", name="A", name_plural="As")
    store.add("custom_object_types", name="B", name_plural="Bs")
    store.add("lead_fields", name="Score", type="custom_object", referenced_custom_type_id=a["id"])
    org = in_process_org(store)
    problems = _problems(
        org,
        "version: 1\nlead:\n  fields:\n    - name: Score\n      type: custom_object\n"
        "      references: B\n",
        allow_replace=True,
        protect=["lead:Score"],
    )
    assert problems == [
        Problem(
            "manifest.yaml",
            4,
            7,
            "lead:Score",
            "the plan would replace lead:Score, which this environment protects "
            "('lead:Score' is in its protect list); nothing will be applied",
        )
    ]


def test_a_shared_field_placed_on_an_unmanaged_section_is_not_replaced() -> None:
    store = new_store()
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(tier["id"], object_type="lead")
    org = in_process_org(store)
    problems = _problems(
        org, "version: 1\nshared_fields:\n  - {name: Tier, type: number}\n", allow_replace=True
    )
    assert problems == [
        Problem(
            "<manifest>",
            0,
            0,
            "shared:Tier",
            "cannot replace shared field 'Tier': it is placed on lead, whose section this "
            "manifest does not manage (replacing it would destroy those values too): manage "
            "that section, or keep the shared field",
        )
    ]


def test_placements_after_one_whose_shared_field_is_replaced_are_still_planned() -> None:
    """Account has placements of S1 (replaced: its placement goes with it) then S2 (not in
    the manifest's Account): S2's is deleted with --prune, left alone and listed without."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    s1 = store.add("shared_fields", name="S1", type="text")
    s2 = store.add("shared_fields", name="S2", type="text")
    for shared in (s1, s2):
        store.associate(
            shared["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
        )
    org = in_process_org(store)
    manifest = _manifest(
        "version: 1\nshared_fields:\n  - {name: S1, type: number}\n  - {name: S2, type: text}\n"
        "custom_object_types:\n  - name: Account\n    name_plural: Accounts\n"
        "    fields:\n      - shared: S1\n"
    )
    pruned = org.plan(manifest, prune=True, allow_replace=True)
    assert _ops(pruned) == [
        ("replace", "shared:S1"),
        ("create", "Account.S1"),
        ("delete", "Account.S2"),
    ]
    kept = org.plan(manifest, allow_replace=True)
    assert _ops(kept) == [("replace", "shared:S1"), ("create", "Account.S1")]
    assert [(u.address, u.id) for u in kept.unmanaged] == [("Account.S2", s2["id"])]


def test_a_type_without_an_embedded_field_list_is_ordered_by_its_fields() -> None:
    """The type's display order is its fields' order when the API embeds no list: the same
    order plans nothing, another one sets the complete list."""
    live = parse_live(
        {
            "types": [_type("cotype_a", "Account")],
            "fields": [_field("cf_1", "cotype_a", "One"), _field("cf_2", "cotype_a", "Two")],
            "roles": [],
        }
    )
    text = (
        "version: 1\ncustom_object_types:\n  - name: Account\n    name_plural: Accounts\n"
        "    fields:\n      - {{name: {}, type: text}}\n      - {{name: {}, type: text}}\n"
    )
    assert compute_plan(_manifest(text.format("One", "Two")), live).operations == ()
    plan = compute_plan(_manifest(text.format("Two", "One")), live)
    assert _ops(plan) == [("reorder", "Account")]
    assert plan.operations[0].body == {"fields": [{"id": "cf_2"}, {"id": "cf_1"}]}
    assert plan.operations[0].changes == {
        "order": {"before": ["One", "Two"], "after": ["Two", "One"]}
    }


def test_objects_left_out_by_ignore_are_named_in_the_plan_options_sorted() -> None:
    """apply --plan reads the same options back, so it leaves out the same objects."""
    live = parse_live(
        {
            "types": [_type("cotype_a", "Account", ["cf_1", "cf_2"])],
            "fields": [_field("cf_1", "cotype_a", "One"), _field("cf_2", "cotype_a", "Two")],
            "roles": [],
        }
    )
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n  - name: Account\n    name_plural: Accounts\n"
        "    fields:\n      - {name: One, type: text}\n"
    )
    plan = compute_plan(manifest, live, prune=True, ignore=["Zed", "Account.Two"])
    assert plan.operations == ()
    assert plan.options["ignore"] == ["Account.Two", "Zed"]
    assert "ignore" not in compute_plan(manifest, live).options


def test_deletes_of_live_objects_sharing_an_address_are_ordered_by_id() -> None:
    """Two live fields named Old, listed cf_b then cf_a: --prune deletes both, by id, so the
    same org always gives the same plan."""
    live = parse_live(
        {
            "types": [_type("cotype_a", "Account", ["cf_b", "cf_a"])],
            "fields": [_field("cf_b", "cotype_a", "Old"), _field("cf_a", "cotype_a", "Old")],
            "roles": [],
        }
    )
    manifest = _manifest(
        "version: 1\ncustom_object_types:\n  - {name: Account, name_plural: Accounts}\n"
    )
    plan = compute_plan(manifest, live, prune=True)
    assert [(op.action, op.address, op.id) for op in plan.operations] == [
        ("delete", "Account.Old", "cf_a"),
        ("delete", "Account.Old", "cf_b"),
    ]
