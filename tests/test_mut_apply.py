"""Running a plan (schemasync/apply.py): the cases mutation testing found untested. What the
report says after each kind of failure (refused, unanswered, accepted but unreadable, abandoned,
a lost POST whose look-up failed), which placeholders are filled where, how a lost POST is
found again (within its owner, on its shared field, never adopting one of two), the progress
lines, a stop before the first operation or between two, and the report's text and JSON.

Most tests hand apply_plan a recording Writer that fails exactly as told; the reconcile tests
run against the emulator in-process with a POST whose answer is lost after it was committed."""

from __future__ import annotations

from typing import Any

import pytest

from schemasync.apply import ApplyReport, apply_plan, refusal_hint
from schemasync.duplicates import Duplicate, fix_hint
from schemasync.errors import (
    AmbiguousWriteError,
    ApiError,
    ResponseError,
    SchemaSyncError,
    TransportError,
)
from schemasync.manifest import load_manifest_text
from schemasync.placeholders import placeholder
from schemasync.plan import Operation, Plan
from tests.orgs import in_process_org, new_store

SEE = "run `schemasync plan` to see"
FIELDS = "/custom_field/custom_object_type/"
NEW_TYPE = placeholder("custom_object_type", ("Account",))
NEW_FIELD = placeholder("custom_field", ("Account", "Status"))


class _Writer:
    """A Writer that records every request and fails the ones named in `fail`.

    A POST to a path in `lost` has its answer lost: create() looks it up with reconcile()
    (as CloseClient does) and gives up with AmbiguousWriteError when nothing is found."""

    def __init__(
        self,
        fail: dict[tuple[str, str], BaseException] | None = None,
        *,
        lost: tuple[str, ...] = (),
        listed: dict[str, list[dict[str, Any]]] | None = None,
        answer: Any = None,
    ) -> None:
        self.fail = fail or {}
        self.lost = lost
        self.listed = listed or {}
        self.answer = answer
        self.sent: list[tuple[str, str, Any]] = []
        self.made = 0

    def _send(self, method: str, path: str, body: Any = None) -> None:
        self.sent.append((method, path, body))
        error = self.fail.get((method, path))
        if error is not None:
            raise error

    def create(self, path: str, body: dict[str, Any], *, reconcile: Any) -> Any:
        self._send("POST", path, body)
        if path in self.lost:
            found = reconcile()
            if found is None:
                raise AmbiguousWriteError("POST", path, None, "no answer")
            return found
        if self.answer is not None:
            return self.answer
        self.made += 1
        return {"id": f"new_{self.made}", **body}

    def put(self, path: str, body: dict[str, Any]) -> Any:
        self._send("PUT", path, body)
        return {}

    def delete(self, path: str) -> Any:
        self._send("DELETE", path)
        return {}

    def list_all(self, path: str) -> list[dict[str, Any]]:
        self._send("GET", path)
        return self.listed.get(path, [])

    def get(self, path: str) -> Any:
        self._send("GET", path)
        return {}


def _plan(*ops: Operation) -> Plan:
    return Plan(operations=ops, unmanaged=(), fingerprint="test")


CREATE_TYPE = Operation(
    "create",
    "custom_object_type",
    "Account",
    "POST",
    "/custom_object_type/",
    body={"name": "Account", "name_plural": "Accounts"},
    defines=NEW_TYPE,
)
CREATE_FIELD = Operation(
    "create",
    "custom_field",
    "Account.Status",
    "POST",
    FIELDS,
    body={"name": "Status", "type": "text", "custom_object_type_id": NEW_TYPE},
    defines=NEW_FIELD,
)
UPDATE = Operation(
    "update",
    "custom_field",
    "Account.Seats",
    "PUT",
    FIELDS + "cf_seats/",
    body={"description": "How many"},
    id="cf_seats",
)
DELETE = Operation(
    "delete", "custom_field", "Account.Old", "DELETE", FIELDS + "cf_old/", id="cf_old"
)
REPLACE = Operation(
    "replace",
    "custom_field",
    "Account.Kind",
    "POST",
    FIELDS,
    body={"name": "Kind", "type": "number", "custom_object_type_id": "cotype_1"},
    id="cf_kind",
    defines=placeholder("custom_field", ("Account", "Kind")),
    delete_path=FIELDS + "cf_kind/",
)


def _effect(op: Operation, error: BaseException, method: str | None = None) -> str | None:
    """The report's failed_effect when `op`'s request (`method`, default op.method) fails."""
    path = op.delete_path if method == "DELETE" and op.delete_path else op.path
    writer = _Writer({(method or op.method, path): error})
    report = apply_plan(_plan(op), writer)
    assert report.failed is op
    return report.failed_effect


# -- what a failure left behind --------------------------------------------------------------


def test_a_put_with_no_answer_may_have_been_applied() -> None:
    error = TransportError("PUT", UPDATE.path, None, "connection reset")
    assert _effect(UPDATE, error) == f"Account.Seats may have been updated: {SEE}"


def test_a_delete_with_no_answer_may_have_been_applied() -> None:
    error = TransportError("DELETE", DELETE.path, None, "connection reset")
    assert _effect(DELETE, error) == f"Account.Old may have been deleted: {SEE}"


def test_a_post_with_no_answer_after_a_replace_deleted_the_old_field_lost_its_values() -> None:
    """A POST that got no answer raised TransportError only when surely not sent: nothing
    was created, and the old field is gone."""
    error = TransportError("POST", FIELDS, None, "connection refused")
    assert _effect(REPLACE, error) == (
        "Account.Kind was deleted and not created again: its values are gone"
    )


def test_a_refused_post_after_a_replace_deleted_the_old_field_lost_its_values() -> None:
    error = ApiError("POST", FIELDS, 400, "bad type")
    assert _effect(REPLACE, error) == (
        "Account.Kind was deleted and not created again: its values are gone"
    )


def test_an_error_that_is_not_an_api_error_counts_as_nothing_sent() -> None:
    """After the DELETE of a replace, its POST failed before any request: the values are
    gone, nothing new was made."""
    assert _effect(REPLACE, SchemaSyncError("the body could not be built")) == (
        "Account.Kind was deleted and not created again: its values are gone"
    )
    assert _effect(UPDATE, SchemaSyncError("the body could not be built")) is None


def test_a_put_answered_ambiguously_may_have_been_applied() -> None:
    error = AmbiguousWriteError("PUT", UPDATE.path, 504, "gateway timeout")
    assert _effect(UPDATE, error) == f"Account.Seats may have been updated: {SEE}"


def test_a_write_answered_500_or_more_or_without_status_may_have_been_applied() -> None:
    for status in (500, 503, None):
        error = ApiError("PUT", UPDATE.path, status, "server error")
        assert _effect(UPDATE, error) == f"Account.Seats may have been updated: {SEE}", status


def test_a_write_refused_with_a_4xx_changed_nothing() -> None:
    for status in (400, 404, 429, 499):
        assert _effect(UPDATE, ApiError("PUT", UPDATE.path, status, "no")) is None, status


def test_a_write_accepted_but_answered_unreadably_was_applied() -> None:
    error = ResponseError("PUT", UPDATE.path, 200, "not JSON")
    assert _effect(UPDATE, error) == (
        f"Account.Seats was updated, but the API's answer could not be read: {SEE}"
    )


def test_a_replace_whose_delete_got_no_answer_may_have_lost_the_old_field() -> None:
    error = TransportError("DELETE", REPLACE.delete_path or "", None, "connection reset")
    assert _effect(REPLACE, error, "DELETE") == (
        "Account.Kind may have been deleted (with its values) and was not created again: " + SEE
    )


def test_a_replace_whose_delete_was_refused_changed_nothing() -> None:
    error = ApiError("DELETE", REPLACE.delete_path or "", 404, "not found")
    assert _effect(REPLACE, error, "DELETE") is None


def test_a_lost_post_whose_look_up_failed_may_have_been_created() -> None:
    """The POST's answer was lost, then listing the fields to find it failed (a GET): what
    the POST did stays unknown."""
    writer = _Writer(
        {("GET", FIELDS): TransportError("GET", FIELDS, None, "connection reset")},
        lost=(FIELDS,),
    )
    op = CREATE_FIELD
    report = apply_plan(_plan(op), writer)
    assert report.failed is op
    assert report.failed_effect == f"Account.Status may have been created: {SEE}"


def test_a_created_object_without_an_id_fails_its_operation() -> None:
    for answer in ({"name": "Account"}, {"id": ""}, {"id": 7}, ["cotype_1"]):
        report = apply_plan(_plan(CREATE_TYPE, UPDATE), _Writer(answer=answer))
        assert report.failed is CREATE_TYPE, answer
        assert report.error == (
            "Account: POST /custom_object_type/ -> 201: "
            "the response has no id for the created object"
        )
        assert report.failed_effect == (
            f"Account was created, but the API's answer could not be read: {SEE}"
        )
        assert report.not_attempted == [UPDATE]


def test_an_update_never_sends_a_delete_even_if_it_carries_a_delete_path() -> None:
    """Only a replace deletes first (a saved plan's `delete` on an update is not sent)."""
    op = Operation(
        "update",
        "custom_field",
        "Account.Seats",
        "PUT",
        UPDATE.path,
        body={"description": "How many"},
        id="cf_seats",
        delete_path=UPDATE.path,
    )
    writer = _Writer()
    assert apply_plan(_plan(op), writer).ok
    assert writer.sent == [("PUT", UPDATE.path, {"description": "How many"})]


def test_an_operation_with_an_unknown_method_fails_without_a_request() -> None:
    op = Operation("update", "custom_field", "Account.Seats", "PATCH", UPDATE.path, body={})
    writer = _Writer()
    report = apply_plan(_plan(op), writer)
    assert writer.sent == []
    assert report.failed is op
    assert report.error == f"Account.Seats: PATCH {UPDATE.path}: unknown operation update"


# -- the error and the progress lines --------------------------------------------------------


def test_the_failed_operation_is_named_in_its_error_unless_the_error_names_one() -> None:
    plain = ApiError("PUT", UPDATE.path, 400, "bad")
    report = apply_plan(_plan(UPDATE), _Writer({("PUT", UPDATE.path): plain}))
    assert report.error == f"Account.Seats: PUT {UPDATE.path} -> 400: bad"
    named = ApiError("PUT", UPDATE.path, 400, "bad", address="Account.Other")
    report = apply_plan(_plan(UPDATE), _Writer({("PUT", UPDATE.path): named}))
    assert report.error == f"Account.Other: PUT {UPDATE.path} -> 400: bad"
    other = SchemaSyncError("no body")
    report = apply_plan(_plan(UPDATE), _Writer({("PUT", UPDATE.path): other}))
    assert report.error == "no body"


def test_a_failure_in_the_middle_reports_done_failed_and_not_attempted() -> None:
    writer = _Writer({("PUT", UPDATE.path): ApiError("PUT", UPDATE.path, 400, "bad")})
    said: list[str] = []
    report = apply_plan(
        _plan(CREATE_TYPE, CREATE_FIELD, UPDATE, DELETE, REPLACE), writer, progress=said.append
    )
    assert report.done == [CREATE_TYPE, CREATE_FIELD]
    assert report.failed is UPDATE
    assert report.not_attempted == [DELETE, REPLACE]
    assert said == [
        "[1/5] created Account (new_1)",
        "[2/5] created Account.Status (new_2)",
        "[3/5] failed: update Account.Seats",
    ]
    assert report.render() == "\n".join(
        [
            "Applied 2 of 5 operation(s).",
            "Done:",
            "  created Account",
            "  created Account.Status",
            "Failed:",
            f"  update Account.Seats: Account.Seats: PUT {UPDATE.path} -> 400: bad",
            "Not attempted:",
            "  delete Account.Old",
            "  replace Account.Kind",
            "Run `schemasync plan` again to see exactly what remains.",
        ]
    )


def test_progress_names_the_id_only_of_what_was_created() -> None:
    said: list[str] = []
    report = apply_plan(_plan(UPDATE, CREATE_TYPE, DELETE), _Writer(), progress=said.append)
    assert report.ok
    assert said == [
        "[1/3] updated Account.Seats",
        "[2/3] created Account (new_1)",
        "[3/3] deleted Account.Old",
    ]
    assert report.render() == "Applied 3 of 3 operation(s)."


def test_a_request_abandoned_by_a_second_signal_is_reported_as_may_have_been_applied() -> None:
    writer = _Writer({("PUT", UPDATE.path): KeyboardInterrupt()})
    said: list[str] = []
    report = apply_plan(_plan(CREATE_TYPE, UPDATE, DELETE), writer, progress=said.append)
    assert report.stopped_by == "interrupt"
    assert report.done == [CREATE_TYPE] and report.failed is UPDATE
    assert report.not_attempted == [DELETE]
    assert report.error == (
        "abandoned while its request was in flight; it may or may not have been applied"
    )
    assert report.failed_effect == f"Account.Seats may have been updated: {SEE}"
    assert said == ["[1/3] created Account (new_1)", "[2/3] abandoned: update Account.Seats"]


def test_abandoning_the_post_of_a_replace_after_its_delete_says_the_values_are_gone() -> None:
    writer = _Writer({("POST", FIELDS): KeyboardInterrupt()})
    report = apply_plan(_plan(REPLACE), writer)
    assert report.failed_effect == (
        f"Account.Kind was deleted (its values are gone) and may not have been created again: {SEE}"
    )


def test_a_stop_before_the_first_operation_sends_nothing() -> None:
    writer = _Writer()
    report = apply_plan(_plan(CREATE_TYPE, UPDATE), writer, should_stop=lambda: True)
    assert writer.sent == []
    assert report.stopped_by == "interrupt"
    assert report.done == [] and report.failed is None
    assert report.not_attempted == [CREATE_TYPE, UPDATE]
    assert report.render().splitlines()[0] == "Applied 0 of 2 operation(s)."


def test_a_signal_while_reporting_progress_stops_after_the_operation_done() -> None:
    said: list[str] = []

    def progress(message: str) -> None:
        said.append(message)
        if len(said) == 2:
            raise KeyboardInterrupt

    writer = _Writer()
    report = apply_plan(_plan(CREATE_TYPE, UPDATE, DELETE), writer, progress=progress)
    assert report.stopped_by == "interrupt"
    assert report.done == [CREATE_TYPE, UPDATE] and report.failed is None
    assert report.not_attempted == [DELETE]
    assert report.created_ids == {NEW_TYPE: "new_1"}
    assert [m for m, _, _ in writer.sent] == ["POST", "PUT"]


# -- placeholders filled where an id belongs -------------------------------------------------


def test_a_pipeline_status_order_gets_the_ids_of_statuses_created_before() -> None:
    status = placeholder("opportunity_status", ("Sales", "Won"))
    create = Operation(
        "create",
        "opportunity_status",
        "status:Won",
        "POST",
        "/status/opportunity/",
        body={"label": "Won", "type": "won", "pipeline_id": "pipe_1"},
        defines=status,
    )
    order = Operation(
        "update",
        "pipeline",
        "pipeline:Sales",
        "PUT",
        "/pipeline/pipe_1/",
        body={"name": "Sales", "statuses": [{"id": "stat_1"}, {"id": status}]},
        id="pipe_1",
    )
    writer = _Writer()
    assert apply_plan(_plan(create, order), writer).ok
    assert writer.sent[1] == (
        "PUT",
        "/pipeline/pipe_1/",
        {"name": "Sales", "statuses": [{"id": "stat_1"}, {"id": "new_1"}]},
    )


def test_a_lead_status_order_gets_the_ids_of_statuses_created_before() -> None:
    status = placeholder("lead_status", ("Hot",))
    create = Operation(
        "create",
        "lead_status",
        "status:Hot",
        "POST",
        "/status/lead/",
        body={"label": "Hot"},
        defines=status,
    )
    order = Operation(
        "reorder",
        "lead_status",
        "lead statuses",
        "PUT",
        "/status/lead/order/",
        body={"lead_statuses": [{"id": status}, {"id": "stat_1"}], "fields": status},
    )
    writer = _Writer()
    assert apply_plan(_plan(create, order), writer).ok
    assert writer.sent[1][2] == {
        "lead_statuses": [{"id": "new_1"}, {"id": "stat_1"}],
        "fields": status,  # not the order key of lead statuses: sent as written
    }


def test_a_statuses_key_is_an_order_list_only_on_a_pipeline() -> None:
    """A field's body that happens to hold a `statuses` key still has its owner's id filled."""
    field = Operation(
        "create",
        "custom_field",
        "Account.Stage",
        "POST",
        FIELDS,
        body={"name": "Stage", "custom_object_type_id": NEW_TYPE, "statuses": NEW_TYPE},
    )
    writer = _Writer()
    assert apply_plan(_plan(CREATE_TYPE, field), writer).ok
    assert writer.sent[1][2] == {
        "name": "Stage",
        "custom_object_type_id": "new_1",
        "statuses": NEW_TYPE,
    }


def test_a_placement_gets_the_id_of_the_type_created_before() -> None:
    shared = placeholder("shared_custom_field", ("Tier",))
    path = f"/custom_field/shared/{shared}/association/"
    place = Operation(
        "create",
        "shared_field_association",
        "Account.Tier",
        "POST",
        path,
        body={"object_type": "custom_object_type", "custom_object_type_id": NEW_TYPE},
    )
    create_shared = Operation(
        "create",
        "shared_custom_field",
        "shared:Tier",
        "POST",
        "/custom_field/shared/",
        body={"name": "Tier", "type": "text"},
        defines=shared,
    )
    writer = _Writer()
    assert apply_plan(_plan(CREATE_TYPE, create_shared, place), writer).ok
    assert writer.sent[2] == (
        "POST",
        "/custom_field/shared/new_2/association/",
        {"object_type": "custom_object_type", "custom_object_type_id": "new_1"},
    )


# -- a lost POST found again -----------------------------------------------------------------


def test_a_lost_post_is_never_adopted_when_two_objects_now_hold_its_name() -> None:
    listed = {
        FIELDS: [
            {"id": "cf_b", "name": "Status", "custom_object_type_id": "cotype_1"},
            {"id": "cf_a", "name": "Status", "custom_object_type_id": "cotype_1"},
            {"id": "cf_c", "name": "Status", "custom_object_type_id": "cotype_2"},
        ]
    }
    op = Operation(
        "create",
        "custom_field",
        "Account.Status",
        "POST",
        FIELDS,
        body={"name": "Status", "type": "text", "custom_object_type_id": "cotype_1"},
        defines=NEW_FIELD,
    )
    writer = _Writer(lost=(FIELDS,), listed=listed)
    report = apply_plan(_plan(op), writer)
    assert report.failed is op
    assert report.error == (
        f"Account.Status: POST {FIELDS}: the org now lists 2 objects named 'Status' "
        "(cf_a, cf_b); another apply may be writing to it (nothing was sent again)"
    )
    assert report.failed_effect == f"Account.Status may have been created: {SEE}"
    assert [m for m, _, _ in writer.sent] == ["POST", "GET"]


TWO_TYPES = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Status, type: text}
  - name: Project
    name_plural: Projects
    fields:
      - {name: Status, type: text}
"""


def test_a_lost_post_of_a_field_adopts_the_field_of_its_own_type() -> None:
    """Account already has a Status field; the POST of Project's Status commits, then its
    answer is lost: apply adopts Project's new field, never Account's, and sends no
    second POST."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    project = store.add("custom_object_types", name="Project", name_plural="Projects")
    kept = store.add(
        "custom_fields", name="Status", type="text", custom_object_type_id=account["id"]
    )
    org = in_process_org(store)
    lost = org.app.faults.add(method="POST", path=FIELDS + "$", action="commit_then_drop")
    report = org.apply(load_manifest_text(TWO_TYPES, "manifest.yaml"))
    assert report.ok, report.render()
    assert lost.applied == 1 and org.client.stats.retries == 0
    fields = [f for f in store.records["custom_fields"].values() if f["name"] == "Status"]
    mine = [f for f in fields if f["custom_object_type_id"] == project["id"]]
    assert len(fields) == 2 and len(mine) == 1, fields
    assert report.created() == [mine[0]["id"]] != [kept["id"]]


PLACED = """\
version: 1
shared_fields:
  - {name: Tier, type: text}
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - shared: Tier
custom_activity_types:
  - name: Demo
    fields:
      - shared: Tier
lead:
  fields:
    - shared: Tier
"""


def test_lost_placements_are_found_on_their_shared_field_and_not_made_twice() -> None:
    """Every POST of a placement commits and loses its answer: each is found among the shared
    field's associations (by object type and object id), and none is sent again."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    demo = store.add("custom_activity_types", name="Demo")
    store.add("shared_fields", name="Tier", type="text")
    org = in_process_org(store)
    lost = org.app.faults.add(
        method="POST",
        path=r"/custom_field/shared/[^/]+/association/$",
        action="commit_then_drop",
        times=None,
    )
    manifest = load_manifest_text(PLACED, "manifest.yaml")
    report = org.apply(manifest)
    assert report.ok, report.render()
    assert lost.applied == 3 and org.client.stats.retries == 0
    (tier,) = store.records["shared_fields"].values()
    places = sorted(
        (a["object_type"], a.get("custom_object_type_id") or a.get("custom_activity_type_id"))
        for a in tier["associations"]
    )
    assert places == [
        ("custom_activity_type", demo["id"]),
        ("custom_object_type", account["id"]),
        ("lead", None),
    ]
    assert not org.plan(manifest).has_changes


# -- the report ------------------------------------------------------------------------------


def _partial() -> ApplyReport:
    return ApplyReport(
        total=4,
        done=[CREATE_TYPE, UPDATE],
        failed=REPLACE,
        error="boom",
        not_attempted=[DELETE],
        created_ids={NEW_TYPE: "cotype_9", NEW_FIELD: "cf_9"},
        failed_effect="account.Kind was deleted and not created again: its values are gone",
    )


def test_created_lists_the_ids_of_the_operations_done_that_define_one() -> None:
    report = _partial()
    assert report.created() == ["cotype_9"]  # CREATE_FIELD defines cf_9 but was not done
    report.done.append(CREATE_FIELD)
    assert report.created() == ["cotype_9", "cf_9"]
    report.created_ids = {}
    assert report.created() == []


def test_the_report_json_names_each_operation_and_the_failure() -> None:
    report = _partial()
    assert report.to_dict() == {
        "done": [
            {"action": "create", "kind": "custom_object_type", "address": "Account"},
            {"action": "update", "kind": "custom_field", "address": "Account.Seats"},
        ],
        "failed": {
            "action": "replace",
            "kind": "custom_field",
            "address": "Account.Kind",
            "error": "boom",
            "effect": "account.Kind was deleted and not created again: its values are gone",
        },
        "not_attempted": [{"action": "delete", "kind": "custom_field", "address": "Account.Old"}],
        "created_ids": {NEW_FIELD: "cf_9", NEW_TYPE: "cotype_9"},
        "duplicates": [],
    }
    report.error = None
    failed = report.to_dict()["failed"]
    assert failed is not None and failed["error"] == ""


def test_the_report_text_lists_duplicates_the_effect_and_the_note() -> None:
    report = _partial()
    report.duplicates = [
        Duplicate("custom_object_type", "Account", ("cotype_1", "cotype_9")),
    ]
    report.note = "close is still converting the values of Account.Score"
    hint = fix_hint()
    assert report.render() == "\n".join(
        [
            "Applied 2 of 4 operation(s).",
            "Done:",
            "  created Account",
            "  updated Account.Seats",
            "Failed:",
            "  replace Account.Kind: boom",
            "Not attempted:",
            "  delete Account.Old",
            "Run `schemasync plan` again to see exactly what remains.",
            "Now in the org twice (did another apply run at the same time?):",
            "  custom_object_type Account: cotype_1, cotype_9 (created by this apply)",
            hint[0].upper() + hint[1:] + ".",
            "Account.Kind was deleted and not created again: its values are gone.",
            "Close is still converting the values of Account.Score.",
        ]
    )


@pytest.mark.parametrize("done", [0, 1])
def test_a_complete_apply_lists_no_done_section(done: int) -> None:
    report = ApplyReport(total=done, done=[UPDATE][:done])
    assert report.ok
    assert report.render() == f"Applied {done} of {done} operation(s)."


@pytest.mark.parametrize("lost", ["lead", "Demo"])
def test_a_lost_placement_is_not_taken_for_another_placement_of_its_field(lost: str) -> None:
    """Tier is already placed on the other two objects; the POST of the missing placement is
    dropped before Close saw it: the look-up must not take one of the others for it (same
    object type and same object only), so the POST is sent again and the placement made."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    demo = store.add("custom_activity_types", name="Demo")
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(
        tier["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    if lost == "Demo":
        store.associate(tier["id"], object_type="lead")
    else:
        store.associate(
            tier["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
        )
    org = in_process_org(store)
    manifest = load_manifest_text(PLACED, "manifest.yaml")
    address = "lead:Tier" if lost == "lead" else "activity:Demo.Tier"
    assert [(op.action, op.address) for op in org.plan(manifest).operations] == [
        ("create", address)
    ]
    dropped = org.app.faults.add(
        method="POST", path=r"/custom_field/shared/[^/]+/association/$", action="drop"
    )
    report = org.apply(manifest)
    assert report.ok, report.render()
    assert dropped.applied == 1 and org.client.stats.retries == 1
    (live,) = store.records["shared_fields"].values()
    assert sorted(a["object_type"] for a in live["associations"]) == [
        "custom_activity_type",
        "custom_object_type",
        "lead",
    ]
    assert not org.plan(manifest).has_changes


class _SharedAnswers(_Writer):
    """A Writer whose GET of a shared field answers `shared`."""

    def __init__(self, shared: Any) -> None:
        super().__init__(lost=("/custom_field/shared/sf_1/association/",))
        self.shared = shared

    def get(self, path: str) -> Any:
        self._send("GET", path)
        return self.shared


@pytest.mark.parametrize(
    "shared",
    [["not", "an", "object"], {"id": "sf_1", "associations": None}, {"id": "sf_1"}],
    ids=["list", "null-associations", "no-associations"],
)
def test_a_lost_placement_is_not_found_on_a_shared_field_answered_oddly(shared: Any) -> None:
    op = Operation(
        "create",
        "shared_field_association",
        "lead:Tier",
        "POST",
        "/custom_field/shared/sf_1/association/",
        body={"object_type": "lead"},
    )
    writer = _SharedAnswers(shared)
    report = apply_plan(_plan(op), writer)
    assert report.failed is op
    assert report.failed_effect == f"lead:Tier may have been created: {SEE}"
    assert writer.sent[1] == ("GET", "/custom_field/shared/sf_1/", None)


def test_an_operation_that_defines_an_id_it_does_not_create_reports_no_id() -> None:
    """A saved plan may carry `defines` on an update: it is done and reported without an id."""
    op = Operation(
        "update",
        "custom_field",
        "Account.Seats",
        "PUT",
        UPDATE.path,
        body={"description": "How many"},
        id="cf_seats",
        defines=NEW_FIELD,
    )
    said: list[str] = []
    report = apply_plan(_plan(op), _Writer(), progress=said.append)
    assert report.ok and report.created_ids == {}
    assert said == ["[1/1] updated Account.Seats"]


STATUS_DELETE = Operation(
    "delete", "lead_status", "status:Old", "DELETE", "/status/lead/stat_1/", id="stat_1"
)
STATUS_REPLACE = Operation(
    "replace",
    "opportunity_status",
    "pipeline:Sales.Lost",
    "POST",
    "/status/opportunity/",
    body={"label": "Lost", "type": "won", "pipeline_id": "pipe_1"},
    id="stat_2",
    delete_path="/status/opportunity/stat_2/",
)


def _refused(status: int | None, method: str = "DELETE") -> ApiError:
    return ApiError(method, "/status/lead/stat_1/", status, "refused")


def test_a_refused_status_delete_says_what_to_do() -> None:
    assert refusal_hint(STATUS_DELETE, _refused(400), old_deleted=False) == (
        "Close refuses to delete a status that leads still have: give those leads another "
        "status in Close, or keep it in the manifest, then run `schemasync plan` again"
    )
    assert refusal_hint(STATUS_REPLACE, _refused(409), old_deleted=False) == (
        "Close refuses to delete a status that opportunities still have: give those "
        "opportunities another status in Close, or keep its old type, then run "
        "`schemasync plan` again"
    )


@pytest.mark.parametrize(
    ("op", "error", "old_deleted"),
    [
        (STATUS_DELETE, _refused(401), False),  # the key, not the status
        (STATUS_DELETE, _refused(403), False),
        (STATUS_DELETE, _refused(404), False),
        (STATUS_DELETE, _refused(429), False),
        (STATUS_DELETE, _refused(500), False),
        (STATUS_DELETE, _refused(None), False),  # no answer
        (STATUS_DELETE, TransportError("DELETE", "/status/lead/stat_1/", None, "reset"), False),
        (STATUS_DELETE, SchemaSyncError("bad"), False),
        (STATUS_REPLACE, _refused(400, "POST"), True),  # the DELETE went through
        (DELETE, _refused(400), False),  # a field, not a status
        (UPDATE, _refused(400, "PUT"), False),
    ],
)
def test_no_status_hint_for_other_failures(
    op: Operation, error: BaseException, old_deleted: bool
) -> None:
    assert refusal_hint(op, error, old_deleted) is None


def test_the_hint_is_the_report_s_last_line() -> None:
    writer = _Writer(fail={("DELETE", STATUS_DELETE.path): _refused(400)})
    report = apply_plan(_plan(UPDATE, STATUS_DELETE), writer)
    assert report.failed == STATUS_DELETE and report.failed_effect is None
    assert report.render().splitlines()[-1] == (
        "Close refuses to delete a status that leads still have: give those leads another "
        "status in Close, or keep it in the manifest, then run `schemasync plan` again."
    )
