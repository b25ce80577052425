"""Export (schemasync/export.py) and reading the live org (schemasync/live/groups.py, parse.py,
state.py): the cases mutation testing found untested. Exports are pinned to their exact YAML or
document; a live org comes from the emulator, or, for shapes the emulator does not produce (a
field its type's display order leaves out, a field type this version does not know, a malformed
response), from raw API lists given to parse_live."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from schemasync.errors import ResponseError, SchemaSyncError
from schemasync.export import HEADER, dump_yaml, export_manifest
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS
from schemasync.live import LiveState, parse_live
from schemasync.live.groups import _keys
from schemasync.live.read import read_live
from tests.orgs import in_process_org, new_store

TAIL = "; a manifest identifies objects by name, so rename or delete all but one in Close"


def _export_error(live: LiveState, sections: list[str] | None = None) -> str:
    with pytest.raises(SchemaSyncError) as info:
        export_manifest(live, sections)
    return str(info.value)


def _yaml(live: LiveState) -> str:
    return dump_yaml(export_manifest(live))


# -- export: names that two live objects share -------------------------------------------------


def _statuses_named_alike(count: int) -> tuple[LiveState, list[str]]:
    store = new_store()
    ids = [store.add("lead_statuses", label="Potential")["id"] for _ in range(count)]
    return in_process_org(store).everything(), sorted(ids)


def test_five_lead_statuses_with_one_label_are_all_named_in_the_refusal() -> None:
    live, ids = _statuses_named_alike(5)
    assert _export_error(live) == (
        f"cannot export: 5 live lead statuses are named 'Potential' ({', '.join(ids)}){TAIL}"
    )


def test_six_lead_statuses_with_one_label_show_five_ids_and_an_ellipsis() -> None:
    live, ids = _statuses_named_alike(6)
    assert _export_error(live) == (
        f"cannot export: 6 live lead statuses are named 'Potential' ({', '.join(ids[:5])}, ...)"
        f"{TAIL}"
    )


def test_two_fields_of_a_type_with_one_name_are_refused_as_fields_of_the_type() -> None:
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    ids = sorted(
        store.add("custom_fields", custom_object_type_id=account["id"], name="Size", type="text")[
            "id"
        ]
        for _ in range(2)
    )
    live = in_process_org(store).everything()
    assert _export_error(live) == (
        f"cannot export: 2 live fields of 'Account' are named 'Size' ({', '.join(ids)}){TAIL}"
    )


def test_two_shared_fields_placed_on_a_type_with_one_name_are_refused_as_its_placements() -> None:
    """Two shared fields named Tier, both on Account: exporting the types alone (the shared
    fields section, where the names would clash first, left out) refuses Account's two
    placements, naming them by the shared fields' ids."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    ids = []
    for _ in range(2):
        tier = store.add("shared_fields", name="Tier", type="text")
        store.associate(
            tier["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
        )
        ids.append(tier["id"])
    live = in_process_org(store).everything()
    assert _export_error(live, ["custom_object_types"]) == (
        f"cannot export: 2 live placements of 'Account' are named 'Tier' "
        f"({', '.join(sorted(ids))}){TAIL}"
    )


# -- export: what is written ------------------------------------------------------------------


def test_a_choices_field_without_choices_is_written_with_an_empty_choices_list() -> None:
    """`choices` is required of a choices field: written even when empty (its default)."""
    store = new_store()
    store.add("lead_fields", name="Kind", type="choices", choices=[])
    live = read_live(in_process_org(store).client, ["lead"])
    assert _yaml(live) == (
        HEADER
        + "version: 1\nlead:\n  fields:\n  - name: Kind\n    type: choices\n    choices: []\n"
    )


def test_strings_up_to_59_characters_in_all_are_written_inline_and_60_as_a_block() -> None:
    store = new_store()
    store.add("lead_fields", name="Short", type="choices", choices=["a" * 29, "b" * 30])
    store.add("lead_fields", name="Long", type="choices", choices=["a" * 30, "b" * 30])
    live = read_live(in_process_org(store).client, ["lead"])
    a29, a30, b30 = "a" * 29, "a" * 30, "b" * 30
    assert _yaml(live) == (
        HEADER + "version: 1\n"
        "lead:\n"
        "  fields:\n"
        "  - name: Short\n"
        "    type: choices\n"
        f"    choices: [{a29}, {b30}]\n"
        "  - name: Long\n"
        "    type: choices\n"
        "    choices:\n"
        f"    - {a30}\n"
        f"    - {b30}\n"
    )


def test_a_line_is_wrapped_only_past_100_characters() -> None:
    """The description line runs to column 101 with its last word: that word, and only it,
    goes to the next line."""
    text = "word " * 16 + "w tail end"
    store = new_store()
    store.add("custom_object_types", name="A", name_plural="As", description=text)
    live = read_live(in_process_org(store).client, ["types", "fields", "roles"])
    assert _yaml(live) == (
        HEADER + "version: 1\n"
        "custom_object_types:\n"
        "- name: A\n"
        "  name_plural: As\n"
        f"  description: {'word ' * 16}w tail\n"
        "    end\n"
    )


def test_a_modeline_comes_first_then_the_header() -> None:
    text = dump_yaml({"version": 1}, modeline="https://example.test/schema.json")
    assert text == (
        "# yaml-language-server: $schema=https://example.test/schema.json\n"
        + HEADER
        + "version: 1\n"
    )


# -- export: which sections -------------------------------------------------------------------


def _whole_org() -> LiveState:
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add("custom_fields", custom_object_type_id=account["id"], name="Size", type="number")
    store.add("custom_activity_types", name="Demo")
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(tier["id"], object_type="lead")
    store.add("lead_fields", name="Industry", type="text")
    store.add("contact_fields", name="Title", type="text")
    store.add("lead_statuses", label="Potential")
    sales = store.add("pipelines", name="Sales")
    store.add("opportunity_statuses", pipeline_id=sales["id"], label="Won", type="won")
    return in_process_org(store).everything()


def test_export_of_some_sections_writes_those_and_nothing_else() -> None:
    doc = export_manifest(
        _whole_org(),
        ["custom_object_types", "custom_activity_types", "lead.statuses", "opportunity.pipelines"],
    )
    assert doc == {
        "version": 1,
        "custom_object_types": [
            {
                "name": "Account",
                "name_plural": "Accounts",
                "fields": [{"name": "Size", "type": "number"}],
            }
        ],
        "custom_activity_types": [{"name": "Demo"}],
        "lead": {"statuses": ["Potential"]},
        "opportunity": {
            "pipelines": [{"name": "Sales", "statuses": [{"label": "Won", "type": "won"}]}]
        },
    }


def test_export_of_the_shared_fields_and_lead_fields_leaves_the_rest_out() -> None:
    doc = export_manifest(_whole_org(), ["shared_fields", "lead.fields"])
    assert doc == {
        "version": 1,
        "shared_fields": [{"name": "Tier", "type": "text"}],
        "lead": {"fields": [{"shared": "Tier"}, {"name": "Industry", "type": "text"}]},
    }


def test_contact_fields_read_without_the_lead_are_exported() -> None:
    store = new_store()
    store.add("contact_fields", name="Title", type="text")
    live = read_live(in_process_org(store).client, ["contact"])
    assert export_manifest(live) == {
        "version": 1,
        "contact": {"fields": [{"name": "Title", "type": "text"}]},
    }


def test_statuses_and_pipelines_are_exported_when_read_without_their_objects_fields() -> None:
    store = new_store()
    store.add("lead_statuses", label="Potential")
    store.add("pipelines", name="Sales")
    client = in_process_org(store).client
    assert export_manifest(read_live(client, ["lead_statuses", "organization"])) == {
        "version": 1,
        "lead": {"statuses": ["Potential"]},
    }
    assert export_manifest(read_live(client, ["pipelines"])) == {
        "version": 1,
        "opportunity": {"pipelines": [{"name": "Sales"}]},
    }


def test_the_fields_of_lead_and_opportunity_read_alone_export_no_statuses_or_pipelines() -> None:
    store = new_store()
    store.add("lead_statuses", label="Potential")
    store.add("pipelines", name="Sales")
    live = read_live(in_process_org(store).client, ["lead", "opportunity"])
    assert export_manifest(live) == {
        "version": 1,
        "lead": {"fields": []},
        "opportunity": {"fields": []},
    }


# -- export: shapes only a raw response gives -------------------------------------------------


def _type(type_id: str, name: str, *field_ids: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": type_id,
        "name": name,
        "name_plural": name + "s",
        "fields": [{"id": f} for f in field_ids],
        **extra,
    }


def _field(field_id: str, type_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": field_id,
        "custom_object_type_id": type_id,
        "name": name,
        "type": "text",
        **extra,
    }


def test_fields_the_display_order_leaves_out_are_exported_last_in_list_order() -> None:
    live = parse_live(
        {
            "types": [_type("cot_1", "Account", "cf_3")],
            "fields": [
                _field("cf_1", "cot_1", "First"),
                _field("cf_2", "cot_1", "Second"),
                _field("cf_3", "cot_1", "Shown"),
            ],
            "roles": [],
        }
    )
    doc = export_manifest(live)
    fields = doc["custom_object_types"][0]["fields"]
    assert [f["name"] for f in fields] == ["Shown", "First", "Second"]


def test_a_shared_field_of_a_type_this_version_does_not_know_is_declared() -> None:
    live = parse_live(
        {"shared_fields": [{"id": "sf_1", "name": "Scan", "type": "hologram", "associations": []}]}
    )
    assert export_manifest(live) == {
        "version": 1,
        "extra_field_types": ["hologram"],
        "shared_fields": [{"name": "Scan", "type": "hologram"}],
    }


# -- reading the live org: malformed responses -------------------------------------------------
# Every failure names the endpoint and the item (for a type's embedded entries, the type's
# item; for the organization, item 0); the ids a list repeats are named too.

T = {"id": "cot_1", "name": "Account", "name_plural": "Accounts"}
F = {"id": "cf_1", "custom_object_type_id": "cot_1", "name": "Size", "type": "text"}
A = {"id": "actitype_1", "name": "Demo"}
AF = {"id": "acf_1", "custom_activity_type_id": "actitype_1", "name": "Notes", "type": "text"}
S = {"id": "sf_1", "name": "Tier", "type": "text"}
SE = {"id": "sf_1", "is_shared": True, "name": "Tier"}
LF = {"id": "lcf_1", "name": "Industry", "type": "text"}
ORG = {"id": "orga_1", "lead_statuses": []}
ST = {"id": "stat_1", "label": "Potential"}
P = {"id": "pipe_1", "name": "Sales"}
OS = {"id": "stat_2", "label": "Won", "type": "won"}
R = {"id": "role_1", "name": "Admin"}

FIELDS = "/custom_field/custom_object_type/"
TYPES = "/custom_object_type/"
SHARED = "/custom_field/shared/"
LEAD = "/custom_field_schema/lead/"
ORGANIZATION = "/organization/{id}/"

MALFORMED: list[tuple[dict[str, Any], str, str]] = [
    ({"fields": [F, {**F, "name": "Other"}]}, FIELDS, "item 1 repeats the id 'cf_1'"),
    ({"fields": [{**F, "id": None}]}, FIELDS, "item 0 has no valid 'id' (got null)"),
    ({"fields": [F, {**F, "id": "cf_2", "name": 5}]}, FIELDS, "item 1 has no valid 'name' (got 5)"),
    (
        {"fields": [F, {**F, "id": "cf_2", "custom_object_type_id": None}]},
        FIELDS,
        "item 1 has no valid 'custom_object_type_id' (got null)",
    ),
    (
        {"fields": [F, {**F, "id": "cf_2", "converting_to_type": 5}]},
        FIELDS,
        "item 1: 'converting_to_type' should be a string or null (got 5)",
    ),
    ({"types": [T, {**T, "id": ""}]}, TYPES, "item 1 has no valid 'id' (got \"\")"),
    ({"fields": [F], "types": [{**T, "id": "cf_1"}]}, TYPES, "item 0 repeats the id 'cf_1'"),
    (
        {"types": [T, {**T, "id": "cot_2", "fields": {}}]},
        TYPES,
        "item 1: 'fields' should be a list",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "name": None}]},
        TYPES,
        "item 1 has no valid 'name' (got null)",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "fields": [{**SE, "name": None}]}]},
        TYPES,
        "item 1 has no valid 'name' (got null)",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "fields": [{**SE, "required": "yes"}]}]},
        TYPES,
        "item 1: 'required' should be true or false (got \"yes\")",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "fields": [{**SE, "editable_with_roles": "Admin"}]}]},
        TYPES,
        "item 1: 'editable_with_roles' should be a list of strings (got \"Admin\")",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "fields": [{**SE, "id": 7}]}]},
        TYPES,
        "item 1 has no valid 'id' (got 7)",
    ),
    (
        {"activity_fields": [AF, AF], "activity_types": []},
        "/custom_field/activity/",
        "item 1 repeats the id 'acf_1'",
    ),
    (
        {"activity_fields": [], "activity_types": [A, A]},
        "/custom_activity/",
        "item 1 repeats the id 'actitype_1'",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "name_plural": 5}]},
        TYPES,
        "item 1: 'name_plural' should be a string or null (got 5)",
    ),
    (
        {"types": [T, {**T, "id": "cot_2", "editable_with_roles": "Admin"}]},
        TYPES,
        "item 1: 'editable_with_roles' should be a list of strings (got \"Admin\")",
    ),
    ({"shared_fields": [S, {**S, "id": None}]}, SHARED, "item 1 has no valid 'id' (got null)"),
    (
        {"shared_fields": [S, {**S, "id": "sf_2", "type": None}]},
        SHARED,
        "item 1 has no valid 'type' (got null)",
    ),
    ({"shared_fields": [S, S]}, SHARED, "item 1 repeats the id 'sf_1'"),
    (
        {"shared_fields": [S, {**S, "id": "sf_2", "associations": "lead"}]},
        SHARED,
        "item 1: 'associations' should be a list",
    ),
    (
        {"shared_fields": [S, {**S, "id": "sf_2", "associations": ["lead"]}]},
        SHARED,
        "item 1: an association should be an object",
    ),
    (
        {"shared_fields": [S, {**S, "id": "sf_2", "associations": [{}]}]},
        SHARED,
        "item 1 has no valid 'object_type' (got null)",
    ),
    (
        {
            "shared_fields": [
                S,
                {
                    **S,
                    "id": "sf_2",
                    "associations": [
                        {"object_type": "custom_object_type", "custom_object_type_id": 5}
                    ],
                },
            ]
        },
        SHARED,
        "item 1 has no valid 'custom_object_type_id' (got 5)",
    ),
    ({"lead": []}, LEAD, "expected an object, got list"),
    ({"lead": {"fields": [LF, {**LF, "id": None}]}}, LEAD, "item 1 has no valid 'id' (got null)"),
    (
        {"lead": {"fields": [LF, {**SE, "name": None}]}},
        LEAD,
        "item 1 has no valid 'name' (got null)",
    ),
    (
        {
            "lead": {
                "fields": [
                    LF,
                    {**SE, "associations": [{"object_type": "lead", "editable_with_roles": "A"}]},
                ]
            }
        },
        LEAD,
        "item 1: 'editable_with_roles' should be a list of strings (got \"A\")",
    ),
    (
        {"lead": {"fields": [LF, {**LF, "id": "lcf_2", "type": None}]}},
        LEAD,
        "item 1 has no valid 'type' (got null)",
    ),
    ({"lead": {"fields": [LF, LF]}}, LEAD, "item 1 repeats the id 'lcf_1'"),
    (
        {"lead": {"fields": [LF, {**LF, "id": "lcf_2", "converting_to_type": 5}]}},
        LEAD,
        "item 1: 'converting_to_type' should be a string or null (got 5)",
    ),
    (
        {"lead_statuses": [ST, {**ST, "id": "stat_2", "label": None}], "organization": ORG},
        "/status/lead/",
        "item 1 has no valid 'label' (got null)",
    ),
    (
        {"lead_statuses": [ST, {**ST, "id": None}], "organization": ORG},
        "/status/lead/",
        "item 1 has no valid 'id' (got null)",
    ),
    (
        {"lead_statuses": [ST, ST], "organization": ORG},
        "/status/lead/",
        "item 1 repeats the id 'stat_1'",
    ),
    (
        {"lead_statuses": [], "organization": []},
        ORGANIZATION,
        "expected an object, got list",
    ),
    (
        {"lead_statuses": [], "organization": {}},
        ORGANIZATION,
        "item 0 has no valid 'id' (got null)",
    ),
    (
        {"lead_statuses": [ST], "organization": {"id": "orga_1", "lead_statuses": [ST, {}]}},
        ORGANIZATION,
        "item 1 has no valid 'id' (got null)",
    ),
    (
        {"pipelines": [P, {**P, "id": "pipe_2", "name": None}]},
        "/pipeline/",
        "item 1 has no valid 'name' (got null)",
    ),
    ({"pipelines": [P, {**P, "id": None}]}, "/pipeline/", "item 1 has no valid 'id' (got null)"),
    ({"pipelines": [P, P]}, "/pipeline/", "item 1 repeats the id 'pipe_1'"),
    (
        {"pipelines": [{**P, "statuses": [OS, {**OS, "id": "stat_3", "type": None}]}]},
        "/pipeline/",
        "item 1 has no valid 'type' (got null)",
    ),
    (
        {"pipelines": [{**P, "statuses": [OS, {**OS, "id": None}]}]},
        "/pipeline/",
        "item 1 has no valid 'id' (got null)",
    ),
    (
        {"pipelines": [{**P, "statuses": [OS, OS]}]},
        "/pipeline/",
        "item 1 repeats the id 'stat_2'",
    ),
    ({"roles": [R, {"name": "Sales"}]}, "/role/", "item 1 has no valid 'id' (got null)"),
    ({"roles": [R, {"id": "role_2"}]}, "/role/", "item 1 has no valid 'name' (got null)"),
]


@pytest.mark.parametrize(("raw", "path", "message"), MALFORMED)
def test_a_malformed_response_is_refused_naming_its_endpoint_and_item(
    raw: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ResponseError) as info:
        parse_live(raw)
    assert (info.value.method, info.value.path, info.value.status) == ("GET", path, 200)
    assert info.value.api_message == "unexpected response: " + message


# -- reading the live org: what is kept ---------------------------------------------------------


def test_shared_entries_of_a_field_list_are_passed_over_and_the_fields_after_them_read() -> None:
    live = parse_live(
        {"types": [{**T, "fields": [{"id": "cf_1"}]}], "fields": [{**SE, "name": "Tier"}, F]}
    )
    assert [f.name for f in live.types[0].kids("custom_field")] == ["Size"]


def test_fields_being_converted_are_recorded_from_the_type_and_activity_field_lists() -> None:
    live = parse_live(
        {
            "fields": [F, {**F, "id": "cf_2", "name": "Kind", "converting_to_type": "choices"}],
            "types": [T],
            "activity_fields": [{**AF, "converting_to_type": "number"}],
            "activity_types": [A],
        }
    )
    assert live.converting == {"cf_2": "choices", "acf_1": "number"}


def test_a_shared_field_in_a_schema_without_that_objects_association_has_no_roles() -> None:
    """A lagging read: lead's schema shows Tier, whose associations do not list lead yet."""
    live = parse_live(
        {
            "lead": {
                "fields": [
                    {
                        **SE,
                        "associations": [
                            {"object_type": "contact", "editable_with_roles": ["role_1"]}
                        ],
                    }
                ]
            }
        }
    )
    lead = live.singleton("lead")
    [placement] = lead.kids("shared_field_association")
    assert placement.values == {"shared": "Tier", "required": False, "editable_with_roles": ()}


def test_the_keys_decoded_of_a_list_are_the_id_its_kinds_attributes_and_owner_key() -> None:
    assert _keys(OPPORTUNITY_STATUS, "statuses") == frozenset(
        {"id", "label", "type", "pipeline_id", "statuses"}
    )
    assert _keys(LEAD_STATUS) == frozenset({"id", "label", "color"})


# -- reading the live org: values, defaults and previews (live/parse.py) -----------------------


def test_values_a_response_leaves_out_are_read_as_their_defaults() -> None:
    """A type without name_plural reads it as "" (Close's missing text), the rest as unset."""
    live = parse_live({"types": [{"id": "cot_1", "name": "Account"}], "fields": [], "roles": []})
    assert live.types[0].values == {
        "name": "Account",
        "name_plural": "",
        "description": None,
        "api_create_only": False,
        "editable_with_roles": (),
        "archived": False,
    }


def test_values_that_do_not_apply_to_a_fields_type_are_read_as_their_defaults() -> None:
    """A text field's choices and reference are not read; a choices field without choices
    has none; a reference field's target is read."""
    live = parse_live(
        {
            "types": [T],
            "fields": [
                {
                    **F,
                    "choices": ["a"],
                    "referenced_custom_type_id": "cot_9",
                    "back_reference_is_visible": True,
                    "required": True,
                    "editable_with_roles": ["role_1"],
                    "description": "How big",
                },
                {**F, "id": "cf_2", "name": "Kind", "type": "choices"},
                {
                    **F,
                    "id": "cf_3",
                    "name": "Link",
                    "type": "custom_object",
                    "referenced_custom_type_id": "cot_1",
                    "back_reference_is_visible": True,
                },
            ],
        }
    )
    unset = {
        "choices": None,
        "references": None,
        "back_reference_is_visible": False,
        "required": False,
        "accepts_multiple_values": False,
        "description": None,
        "editable_with_roles": (),
    }
    assert [(f.id, f.values) for f in live.types[0].kids("custom_field")] == [
        (
            "cf_1",
            {
                "type": "text",
                "name": "Size",
                **unset,
                "required": True,
                "description": "How big",
                "editable_with_roles": ("role_1",),
            },
        ),
        ("cf_2", {"type": "choices", "name": "Kind", **unset}),
        (
            "cf_3",
            {
                "type": "custom_object",
                "name": "Link",
                **unset,
                "references": "cot_1",
                "back_reference_is_visible": True,
            },
        ),
    ]


def test_a_lead_status_without_a_colour_reads_none() -> None:
    live = parse_live({"lead_statuses": [ST], "organization": ORG})
    assert [s.values for s in live.singleton("lead").kids("lead_status")] == [
        {"label": "Potential", "color": None}
    ]


def test_a_types_display_order_keeps_string_ids_and_sets_apart_those_it_does_not_own() -> None:
    """The embedded list: a non-string id and a non-object entry are passed over; an id that
    is neither its field nor a placement (cf_x) is kept apart in `others`."""
    live = parse_live(
        {
            "types": [
                {
                    **T,
                    "fields": [
                        {"id": 5},
                        {"id": "cf_2"},
                        {"id": "cf_x"},
                        SE,
                        "junk",
                        {"id": "cf_1"},
                    ],
                }
            ],
            "fields": [F, {**F, "id": "cf_2", "name": "Kind"}, {**F, "id": "cf_3", "name": "Late"}],
        }
    )
    account = live.types[0]
    assert account.order == ("cf_2", "cf_x", "sf_1", "cf_1")
    assert account.others == ("cf_x",)
    assert [f.id for f in account.kids("custom_field")] == ["cf_2", "cf_1", "cf_3"]
    assert [p.id for p in account.kids("shared_field_association")] == ["sf_1"]


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({}, "expected a list of objects, got dict"),
        ([R, "x"], "item 1 is str, not an object"),
        (
            [{"id": "r", "name": list(range(30))}],
            "item 0 has no valid 'name' (got [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,"
            " 16...)",
        ),
        (
            [{"id": "r", "name": [{"a": 1}, None, True, "s"]}],
            "item 0 has no valid 'name' (got [{…}, null, true, \"s\"])",
        ),
        ([R, {"id": {"k": 1}}], "item 1 has no valid 'id' (got {…})"),
        (
            [{"id": "r", "name": [0] * 20}],
            "item 0 has no valid 'name' (got [" + ", ".join(["0"] * 20) + "])",
        ),
        ([R, {"id": 5.5}], "item 1 has no valid 'id' (got 5.5)"),
    ],
)
def test_a_malformed_value_is_previewed_short_with_objects_elided(roles: Any, message: str) -> None:
    with pytest.raises(ResponseError) as info:
        parse_live({"roles": roles})
    assert str(info.value) == (
        f"GET /role/ -> 200: unexpected response: {message} (nothing was changed; the API"
        " answered in a shape schemasync does not know)"
    )


def _required_refusal(value: Any) -> str:
    with pytest.raises(ResponseError) as info:
        parse_live({"types": [{**T, "fields": [{**SE, "required": value}]}]})
    return info.value.api_message


def test_a_preview_of_60_characters_is_shown_whole_and_of_61_cut_to_57_and_dots() -> None:
    head = "unexpected response: item 0: 'required' should be true or false (got "
    assert _required_refusal("y" * 58) == head + '"' + "y" * 58 + '")'
    assert _required_refusal("y" * 59) == head + '"' + "y" * 56 + "...)"


# -- the live state: to_dict, fingerprint, without, type_by_id (live/state.py) ------------------

STATE_RAW: dict[str, Any] = {
    "types": [
        {
            **T,
            "is_archived": True,
            "fields": [{"id": "cf_1"}, {"id": "cf_1"}, SE, {"id": "cf_x"}],
        }
    ],
    "fields": [{**F, "converting_to_type": "number"}],
    "roles": [R],
    "shared_fields": [
        {
            **S,
            "associations": [
                {"object_type": "custom_object_type", "custom_object_type_id": "cot_1"}
            ],
        }
    ],
    "activity_types": [{**A, "fields": [{"id": "acf_9"}]}],
    "activity_fields": [],
}
SIZE_VALUES: dict[str, Any] = {
    "type": "text",
    "name": "Size",
    "choices": None,
    "references": None,
    "back_reference_is_visible": False,
    "required": False,
    "accepts_multiple_values": False,
    "description": None,
    "editable_with_roles": [],
}
DEMO = {
    "id": "actitype_1",
    "values": {
        "name": "Demo",
        "description": None,
        "api_create_only": False,
        "editable_with_roles": [],
        "archived": False,
    },
    "children": {"activity_custom_field": [], "shared_field_association": []},
    "others": ["acf_9"],
    "order": ["acf_9"],
}
TIER = {
    "id": "sf_1",
    "values": {
        "type": "text",
        "name": "Tier",
        "choices": None,
        "references": None,
        "accepts_multiple_values": False,
        "description": None,
    },
}
TIER_ON_ACCOUNT = {
    "id": "sf_1",
    "values": {"shared": "Tier", "required": False, "editable_with_roles": []},
}


def test_the_state_as_plain_data_has_lists_for_tuples_and_every_part_read() -> None:
    assert parse_live(STATE_RAW).to_dict() == {
        "roles": [{"id": "role_1", "name": "Admin"}],
        "objects": {
            "custom_activity_type": [DEMO],
            "custom_object_type": [
                {
                    "id": "cot_1",
                    "values": {
                        "name": "Account",
                        "name_plural": "Accounts",
                        "description": None,
                        "api_create_only": False,
                        "editable_with_roles": [],
                        "archived": True,
                    },
                    "children": {
                        "custom_field": [{"id": "cf_1", "values": SIZE_VALUES}],
                        "shared_field_association": [TIER_ON_ACCOUNT],
                    },
                    "others": ["cf_1", "cf_x"],
                    "order": ["cf_1", "cf_1", "sf_1", "cf_x"],
                }
            ],
            "shared_custom_field": [TIER],
        },
        "back_references": {},
        "placed_on": {"sf_1": ["cot_1"]},
        "converting": {"cf_1": "number"},
        "org_id": None,
    }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def test_the_fingerprint_hashes_the_frozen_layout() -> None:
    """Roles, then types in their frozen layout (an archived type says so; an own field's id
    the display order lists twice counts once as its own), then the other kinds by name, then
    the fields being converted, where shared fields are placed, and the types' placements."""
    account: dict[str, Any] = {
        "id": "cot_1",
        "name": "Account",
        "name_plural": "Accounts",
        "description": None,
        "api_create_only": False,
        "editable_with_roles": [],
        "fields": [
            {
                "id": "cf_1",
                "name": "Size",
                "type": "text",
                "choices": None,
                "required": False,
                "accepts_multiple_values": False,
                "description": None,
                "editable_with_roles": [],
                "referenced_type_id": None,
                "back_reference_is_visible": False,
            }
        ],
        "other_field_ids": ["cf_1", "sf_1", "cf_x"],
        "is_archived": True,
    }
    text = (
        '{"roles":'
        + _canonical([{"id": "role_1", "name": "Admin"}])
        + ',"types":['
        + _canonical(account)
        + '],"custom_activity_type":'
        + _canonical([DEMO])
        + ',"shared_custom_field":'
        + _canonical([TIER])
        + ',"converting":'
        + _canonical({"cf_1": "number"})
        + ',"placed_on":'
        + _canonical({"sf_1": ["cot_1"]})
        + ',"placements":'
        + _canonical([TIER_ON_ACCOUNT])
        + "}"
    )
    expected = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert parse_live(STATE_RAW).fingerprint() == expected


def test_a_state_is_not_equal_to_what_is_not_a_state() -> None:
    live = parse_live(STATE_RAW)
    assert live == parse_live(STATE_RAW)
    assert live != STATE_RAW
    assert live != parse_live({**STATE_RAW, "roles": []})


def test_a_type_is_found_by_id_and_nothing_else_is() -> None:
    live = parse_live(STATE_RAW)
    account = live.type_by_id("cot_1")
    assert account is not None and account.name == "Account"
    assert live.type_by_id("cf_1") is None  # a field, not a type
    assert live.type_by_id("actitype_1") is None
    assert live.type_by_id("cot_404") is None


def test_ignoring_a_field_leaves_its_siblings_under_the_copy_and_the_state_unchanged() -> None:
    live = parse_live(
        {
            "types": [{**T, "fields": [{"id": "cf_1"}, {"id": "cf_2"}]}],
            "fields": [F, {**F, "id": "cf_2", "name": "Kind"}],
        }
    )
    assert live.by_id("cf_1") is not None  # the index is built before the copy is made
    kept = live.without(["Account.Size"])
    [account] = kept.types
    assert [f.name for f in account.kids("custom_field")] == ["Kind"]
    assert account.kids("custom_field")[0].parent is account
    assert kept.by_id("cf_1") is None
    assert kept.by_id("cf_2") is account.kids("custom_field")[0]
    assert [f.name for f in live.types[0].kids("custom_field")] == ["Size", "Kind"]
    assert live.types[0].kids("custom_field")[1].parent is live.types[0]


def test_placements_are_ignored_by_their_owners_field_address() -> None:
    live = parse_live(
        {
            "types": [{**T, "fields": [SE, {"id": "cf_1"}]}],
            "fields": [F],
            "lead": {"fields": [{**SE, "associations": [{"object_type": "lead"}]}, LF]},
        }
    )
    kept = live.without(["Account.Tier", "lead:Tier"])
    assert [p.name for p in kept.types[0].kids("shared_field_association")] == []
    assert [f.name for f in kept.types[0].kids("custom_field")] == ["Size"]
    lead = kept.singleton("lead")
    assert lead.kids("shared_field_association") == []
    assert [f.name for f in lead.kids("lead_custom_field")] == ["Industry"]
