"""A saved plan can only do what a plan can do (schemasync/plan_check.py): the edits of a plan
file that mutation testing found unchecked by the suite. One plan of every kind of operation
(creates with placeholders, a replace, renames, deletes, placements created, changed and
removed, a type's field order, the lead status order and a pipeline's statuses) is made against
an emulated org; unedited it passes, and each edit of one operation is refused with a problem
that says what is wrong."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from schemasync.errors import PlanError, PlanFileError
from schemasync.live import LiveState
from schemasync.manifest import load_manifest_text
from schemasync.plan import Operation, Plan
from schemasync.plan_check import check_document, check_operations, check_target
from tests.orgs import in_process_org, new_store

MANIFEST = """version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Kind, type: number}
      - {name: Memo, type: text, renamed_from: [Notes]}
      - shared: Level
  - name: Beta
    name_plural: Betas
    fields:
      - {name: Owner, type: custom_object, references: Account}
      - shared: Tier
custom_activity_types:
  - name: Demo
    fields:
      - shared: Tier
  - name: Call
    fields:
      - shared: Tier
        required: true
shared_fields:
  - {name: Tier, type: text}
  - {name: Level, type: text}
lead:
  fields:
    - shared: Tier
      editable_with_roles: [admin]
  statuses:
    - label: Fresh
    - label: Qualified
    - label: Potential
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Renewing, type: active}
        - {label: Active, type: active}
        - {label: Won, type: won}
    - name: Renewals
      statuses:
        - {label: Renewed, type: won}
"""


class Saved:
    """The plan of MANIFEST, the org it was made from, and some live ids."""

    def __init__(self) -> None:
        store = new_store()
        account = store.add("custom_object_types", name="Account", name_plural="Accounts")
        self.account = account["id"]
        self.fields = {
            name: store.add(
                "custom_fields", custom_object_type_id=account["id"], name=name, type="text"
            )["id"]
            for name in ("Status", "Notes", "Kind")
        }
        store.add("custom_activity_types", name="Demo")
        call = store.add("custom_activity_types", name="Call")
        self.tier = store.add("shared_fields", name="Tier", type="text")["id"]
        store.associate(
            self.tier, object_type="custom_activity_type", custom_activity_type_id=call["id"]
        )
        store.associate(
            self.tier, object_type="custom_object_type", custom_object_type_id=account["id"]
        )
        store.associate(self.tier, object_type="lead")
        for label in ("Potential", "Qualified"):
            store.add("lead_statuses", label=label)
        for name, rows in (
            ("Sales", (("Active", "active"), ("Won", "won"))),
            ("Renewals", (("Renewing", "active"),)),
        ):
            pipe = store.add("pipelines", name=name)
            for label, status_type in rows:
                store.add(
                    "opportunity_statuses", label=label, type=status_type, pipeline_id=pipe["id"]
                )
        org = in_process_org(store)
        manifest = load_manifest_text(MANIFEST, "manifest.yaml")
        self.live: LiveState = org.live(manifest)
        self.plan = org.plan(manifest, prune=True, allow_replace=True)

    def op(self, action: str, address: str) -> dict[str, Any]:
        return next(
            copy.deepcopy(op.to_dict())
            for op in self.plan.operations
            if (op.action, op.address) == (action, address)
        )

    def problems(
        self, action: str, address: str, edit: Callable[[dict[str, Any]], Any]
    ) -> list[str]:
        """The problems of the plan with one operation edited as a file would be."""
        ops = []
        for op in self.plan.operations:
            d = copy.deepcopy(op.to_dict())
            if (op.action, op.address) == (action, address):
                edit(d)
            ops.append(Operation.from_dict(d))
        edited = Plan(operations=tuple(ops), unmanaged=(), fingerprint=self.plan.fingerprint)
        with pytest.raises(PlanError) as info:
            check_operations(edited, self.live)
        return [f"{p.file}: {p.path}: {p.message}" for p in info.value.problems]


@pytest.fixture(scope="module")
def saved() -> Saved:
    return Saved()


def test_the_unedited_plan_passes(saved: Saved) -> None:
    ops = {(op.action, op.kind) for op in saved.plan.operations}
    assert {
        ("create", "custom_object_type"),
        ("create", "shared_custom_field"),
        ("replace", "custom_field"),
        ("create", "shared_field_association"),
        ("update", "shared_field_association"),
        ("create", "lead_status"),
        ("delete", "shared_field_association"),
        ("delete", "custom_field"),
        ("reorder", "custom_object_type"),
        ("reorder", "lead_status"),
        ("update", "pipeline"),
    } <= ops
    assert saved.op("update", "activity:Call.Tier")["body"] == {"required": True}
    check_operations(saved.plan, saved.live)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.__setitem__(key, value)


def _body(key: str, value: Any = None, drop: bool = False) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        if drop:
            del d["body"][key]
        else:
            d["body"][key] = value

    return edit


def _path(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.__setitem__("path", d["path"].replace(old, new))


def _append(key: str, entry: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["body"][key].append(entry)


# (action, address of the edited operation, the edit, what the problem says)
EDITS: list[tuple[str, str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "update",
        "activity:Call.Tier",
        _set("delete", {"method": "DELETE", "path": "/custom_activity/x/"}),
        "only a replace deletes first; an update has no `delete`",
    ),
    (
        "delete",
        "Account.Status",
        _set("delete", {"method": "DELETE", "path": "/custom_object_type/x/"}),
        "only a replace deletes first; a delete has no `delete`",
    ),
    (
        "reorder",
        "status:*",
        _set("defines", "${lead_status:lead.X}"),
        "only a create defines an id; a reorder has no `defines`",
    ),
    (
        "delete",
        "Account.Status",
        _set("kind", "widget"),
        "this schemasync does not know the kind 'widget'",
    ),
    (
        "create",
        "Beta",
        _set("path", "/custom_object_type/x/"),
        "the file says POST /custom_object_type/x/, but a create of a custom_object_type is "
        "POST /custom_object_type/",
    ),
    (
        "create",
        "Beta",
        _body("is_archived", True),
        "the body has keys the API does not take here: is_archived",
    ),
    (
        "create",
        "Beta.Owner",
        _body("custom_object_type_id", drop=True),
        "the body has no custom_object_type_id",
    ),
    (
        "create",
        "Beta.Owner",
        _body("custom_object_type_id", "${custom_object_type:Gamma}"),
        "${custom_object_type:Gamma} is not created by an earlier operation",
    ),
    (
        "create",
        "Beta.Owner",
        _body("referenced_custom_type_id", 5),
        "referenced_custom_type_id is not an id",
    ),
    (
        "create",
        "Beta.Owner",
        _body("referenced_custom_type_id", "{Status}"),
        "{Status} is not a live type of this org",
    ),
    (
        "update",
        "Account.Memo",
        _set("id", None),
        "an update must name the id of the field it acts on",
    ),
    (
        "update",
        "Account.Memo",
        _set("path", "/custom_field/custom_object_type/x/"),
        "the file says PUT /custom_field/custom_object_type/x/, but an update of a "
        "custom_field is PUT /custom_field/custom_object_type/{Notes}/",
    ),
    (
        "update",
        "Account.Memo",
        _body("type", "number"),
        "the body has keys the API does not take here: type",
    ),
    (
        "delete",
        "Account.Status",
        _set("changes", {"name": {"before": "Other", "after": None}}),
        "{Status} is named 'Status' in the org, not 'Other'",
    ),
    ("delete", "Account.Status", _set("body", {}), "a delete has no body"),
    (
        "delete",
        "Account.Status",
        _set("changes", {}),
        "{Status} is named 'Status' in the org, not None",
    ),
    ("delete", "Account.Status", _set("id", "cf_nope"), "cf_nope is not a live field of this org"),
    ("replace", "Account.Kind", _set("id", "cf_nope"), "cf_nope is not a live field of this org"),
    ("reorder", "Account", _set("id", "cf_nope"), "cf_nope is not a live type of this org"),
    (
        "update",
        "Account.Memo",
        _set("id", "${custom_field:Nope}"),
        "${custom_field:Nope} is not created by an earlier operation",
    ),
    (
        "reorder",
        "Account",
        _set("id", "${custom_object_type:Beta}"),
        "'{Notes}' is not a field of Account\nthe file says PUT "
        "/custom_field_schema/custom_object/{account}/, but a reorder of a custom_object_type is "
        "PUT /custom_field_schema/custom_object/${custom_object_type:Beta}/",
    ),
    (
        "update",
        "Account.Memo",
        lambda d: d["body"].update(type="number", color="red"),
        "the body has keys the API does not take here: color, type",
    ),
    (
        "reorder",
        "status:*",
        _append("lead_statuses", "stat_x"),
        "None is not a lead status of this org",
    ),
    (
        "delete",
        "Account.Status",
        _set("method", "POST"),
        "the file says POST /custom_field/custom_object_type/{Status}/, but a delete of a "
        "custom_field is DELETE /custom_field/custom_object_type/{Status}/",
    ),
    (
        "replace",
        "Account.Kind",
        _set("delete", {"method": "DELETE", "path": "/custom_field/custom_object_type/x/"}),
        "a replace deletes /custom_field/custom_object_type/{Kind}/ first",
    ),
    (
        "reorder",
        "Account",
        _append("fields", {"id": "cf_nope"}),
        "'cf_nope' is not a field of Account",
    ),
    ("reorder", "Account", _append("fields", "cf_nope"), "None is not a field of Account"),
    ("reorder", "Account", _set("body", {"fields": "x"}), "a reorder lists its fields"),
    ("reorder", "Account", _set("kind", "custom_field"), "a field has no order to set"),
    (
        "reorder",
        "Account",
        _body("name", "x"),
        "the body has keys the API does not take here: name",
    ),
    (
        "create",
        "Account.Level",
        _set("path", "/custom_field/shared/"),
        "/custom_field/shared/ is not the path of a shared field's placement",
    ),
    (
        "create",
        "Beta.Tier",
        _path("{Tier}", "cf_nope"),
        "cf_nope is not a live shared field of this org",
    ),
    (
        "create",
        "Beta.Tier",
        _set("method", "PUT"),
        "the file says PUT /custom_field/shared/{Tier}/association/, but a create of a "
        "shared_field_association is POST /custom_field/shared/{Tier}/association/",
    ),
    (
        "create",
        "Beta.Tier",
        _body("object_type", "widget"),
        "object_type 'widget' is not an object a field is placed on",
    ),
    (
        "create",
        "Beta.Tier",
        _body("custom_object_type_id", drop=True),
        "the body has no custom_object_type_id",
    ),
    (
        "create",
        "activity:Demo.Tier",
        _body("custom_activity_type_id", 5),
        "the body has no custom_activity_type_id",
    ),
    (
        "create",
        "activity:Demo.Tier",
        _body("custom_activity_type_id", "{account}"),
        "{account} is not a live activity type of this org",
    ),
    (
        "create",
        "Beta.Tier",
        _body("name", "x"),
        "the body has keys the API does not take here: name",
    ),
    (
        "update",
        "lead:Tier",
        _path("association/lead/", "association/"),
        "an update of a placement names its object in the path",
    ),
    (
        "update",
        "lead:Tier",
        _path("association/lead/", "association/widget/"),
        "'widget' is not an object a field is placed on",
    ),
    (
        "update",
        "lead:Tier",
        _set("method", "POST"),
        "the file says POST /custom_field/shared/{Tier}/association/lead/, but an update of a "
        "shared_field_association is PUT /custom_field/shared/{Tier}/association/lead/",
    ),
    (
        "update",
        "lead:Tier",
        _body("object_type", "lead"),
        "the body has keys the API does not take here: object_type",
    ),
    ("update", "lead:Tier", _set("action", "reorder"), "a placement has no reorder"),
    ("delete", "Account.Tier", _set("body", {}), "a delete has no body"),
    (
        "delete",
        "Account.Tier",
        _set("method", "PUT"),
        "the file says PUT /custom_field/shared/{Tier}/association/custom_object_type/"
        "{account}/, but a delete of a shared_field_association is DELETE "
        "/custom_field/shared/{Tier}/association/custom_object_type/{account}/",
    ),
    (
        "delete",
        "Account.Tier",
        _path("{account}", "{Status}"),
        "{Status} is not a live type of this org",
    ),
    (
        "reorder",
        "status:*",
        _set("path", "/organization/orga_other/"),
        "the file says PUT /organization/orga_other/, but a reorder of a lead_status is "
        "PUT /organization/{org}/",
    ),
    (
        "reorder",
        "status:*",
        _append("lead_statuses", {"id": "stat_nope"}),
        "'stat_nope' is not a lead status of this org",
    ),
    (
        "reorder",
        "status:*",
        _set("body", {"lead_statuses": "x"}),
        "the order is not a list",
    ),
    (
        "reorder",
        "status:*",
        _body("statuses", []),
        "the body has keys the API does not take here: statuses",
    ),
    (
        "update",
        "pipeline:Sales",
        _append("statuses", {"id": "stat_nope"}),
        "'stat_nope' is not an opportunity status of this org",
    ),
    ("update", "pipeline:Sales", _set("body", {"statuses": 5}), "the order is not a list"),
    (
        "update",
        "pipeline:Sales",
        _body("color", "red"),
        "the body has keys the API does not take here: color",
    ),
    (
        "update",
        "pipeline:Sales",
        _set("id", "{Status}"),
        "{Status} is not a live pipeline of this org",
    ),
    (
        "update",
        "pipeline:Sales",
        _set("path", "/pipeline/x/"),
        "the file says PUT /pipeline/x/, but an update of a pipeline is PUT /pipeline/{Sales}/",
    ),
]


def _names(saved: Saved) -> dict[str, str]:
    """`{Name}` -> the live id, for the ids the edits and their problems name."""
    sales = next(
        p.id or ""
        for o in saved.live.top("standard_object")
        for p in o.kids("pipeline")
        if p.name == "Sales"
    )
    return {
        "{account}": saved.account,
        "{Tier}": saved.tier,
        "{org}": saved.live.org_id or "",
        "{Sales}": sales,
        **{f"{{{name}}}": i for name, i in saved.fields.items()},
    }


def _fill(text: str, saved: Saved) -> str:
    for key, value in _names(saved).items():
        text = text.replace(key, value)
    return text


def _named(text: str, saved: Saved) -> str:
    for key, value in _names(saved).items():
        text = text.replace(value, key)
    return text


@pytest.mark.parametrize(
    ("action", "address", "edit", "said"),
    EDITS,
    ids=[f"{a}-{addr}-{i}" for i, (a, addr, _e, _s) in enumerate(EDITS)],
)
def test_an_edited_operation_is_refused(
    saved: Saved, action: str, address: str, edit: Callable[[dict[str, Any]], Any], said: str
) -> None:
    def filled(d: dict[str, Any]) -> None:
        # the edit sees (and may write) the ids of this org as {Name}
        d["path"] = _named(d["path"], saved)
        edit(d)
        for key in ("path", "id"):
            if isinstance(d.get(key), str):
                d[key] = _fill(d[key], saved)
        if isinstance(d.get("body"), dict):
            d["body"] = {
                k: _fill(v, saved) if isinstance(v, str) else v for k, v in d["body"].items()
            }

    problems = saved.problems(action, address, filled)
    assert problems == [f"<plan>: {address}: {_fill(s, saved)}" for s in said.split("\n")]


def test_a_placeholder_must_be_defined_by_an_earlier_create(saved: Saved) -> None:
    """The field create moved before the create of its type: its placeholder is not known yet."""
    ops = list(saved.plan.operations)
    beta = next(i for i, op in enumerate(ops) if op.address == "Beta")
    owner = next(i for i, op in enumerate(ops) if op.address == "Beta.Owner")
    ops[beta], ops[owner] = ops[owner], ops[beta]
    moved = Plan(operations=tuple(ops), unmanaged=(), fingerprint=saved.plan.fingerprint)
    with pytest.raises(PlanError) as info:
        check_operations(moved, saved.live)
    assert [str(p) for p in info.value.problems] == [
        "<plan>: Beta.Owner: ${custom_object_type:Beta} is not created by an earlier operation"
    ]


# -- the plan's org ----------------------------------------------------------------------------


def _target(**org: Any) -> Plan:
    return Plan(
        operations=(),
        unmanaged=(),
        fingerprint="sha256:" + "0" * 64,
        target={"api_url": "https://prod.example", "org": org},
    )


def test_a_plan_made_for_another_org_is_refused() -> None:
    with pytest.raises(PlanFileError) as info:
        check_target(_target(id="orga_1", name="Prod"), {"id": "orga_2", "name": "Staging"}, "U")
    assert str(info.value) == (
        "this plan was made for org 'Prod' (orga_1) at https://prod.example, but U is org "
        "'Staging' (orga_2): make a plan for this org (nothing was applied)"
    )
    unknown_url = Plan(
        operations=(), unmanaged=(), fingerprint="x", target={"org": {"id": "orga_1"}}
    )
    with pytest.raises(PlanFileError, match=r"orga_1\) at an unknown URL, but U"):
        check_target(unknown_url, {"id": "orga_2"}, "U")


def test_a_plan_whose_org_or_target_org_is_unknown_is_not_refused() -> None:
    check_target(_target(id="orga_1"), {"id": "orga_1"}, "U")
    check_target(_target(id="orga_1"), {"name": "no id"}, "U")
    check_target(_target(id="orga_1"), None, "U")
    check_target(_target(name="no id"), {"id": "orga_2"}, "U")


# -- the document --------------------------------------------------------------------------------


def _document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format_version": "1.0",
        "fingerprint": "sha256:" + "0" * 64,
        "summary": {"create": 0, "update": 0, "replace": 0, "delete": 0, "reorder": 0},
        "operations": [],
        "unmanaged": [],
    }
    doc.update(changes)
    return doc


def _refusal(doc: dict[str, Any]) -> str:
    with pytest.raises(PlanFileError) as info:
        check_document(doc)
    return str(info.value)


def test_a_damaged_document_shows_its_first_two_problems_and_counts_the_rest() -> None:
    two = _document(fingerprint="bad", format_version="x")
    assert _refusal(two) == (
        "not a valid schemasync plan: fingerprint: 'bad' does not match "
        "'^sha256:[0-9a-f]{64}$'; format_version: 'x' does not match '^1\\\\.[0-9]+$' "
        "(nothing was applied)"
    )
    three = _document(fingerprint="bad", format_version="x", options={"prune": "yes"})
    assert _refusal(three).endswith("'^1\\\\.[0-9]+$' (and 1 more) (nothing was applied)")
    four = _document(
        fingerprint="bad", format_version="x", options={"prune": "yes", "allow_replace": 1}
    )
    assert _refusal(four).endswith(" (and 2 more) (nothing was applied)")


def test_a_problem_of_the_whole_document_and_long_texts_are_shown_short() -> None:
    doc = _document()
    del doc["summary"]
    assert _refusal(doc) == (
        "not a valid schemasync plan: (document): 'summary' is a required property "
        "(nothing was applied)"
    )
    key = "x" * 60
    op = {
        "action": "create",
        "kind": "custom_object_type",
        "address": "A",
        "method": "POST",
        "path": "/custom_object_type/",
        "body": {},
        "changes": {key: 5},
    }
    where = f"operations/0/changes/{key}"[:39] + "…"
    assert _refusal(_document(operations=[op])) == (
        f"not a valid schemasync plan: {where}: 5 is not of type 'object' (nothing was applied)"
    )
    message = ("'" + "a" * 100)[:69] + "…"
    assert _refusal(_document(options={"sections": "a" * 100})) == (
        f"not a valid schemasync plan: options/sections: {message} (nothing was applied)"
    )
    exact = "a" * (70 - len("'' is not of type 'array'"))
    assert _refusal(_document(options={"sections": exact})).endswith(
        f"'{exact}' is not of type 'array' (nothing was applied)"
    )
