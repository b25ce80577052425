"""Pins for behaviours that no other test held (found by mutation testing): the names in a
references replace, a reference to a renamed type's old name, export's duplicate-name errors,
the detail of network errors, and the guard against endless paging."""

from __future__ import annotations

import socket

import httpx
import pytest

from schemasync.client import MAX_PAGES, CloseClient
from schemasync.diff import compute_plan
from schemasync.emulator import EmulatorServer
from schemasync.errors import PlanError, ResponseError, SchemaSyncError, TransportError
from schemasync.export import export_manifest
from schemasync.live import TYPES_PATH, LiveState, parse_live
from schemasync.plan import Operation
from tests.orgs import KEY, Org, in_process_org
from tests.test_corpus import load_text

START = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Owner, type: custom_object, references: Resource}
  - name: Resource
    name_plural: Resources
  - name: Subscription
    name_plural: Subscriptions
"""


def _org_with(start: str = START) -> Org:
    org = in_process_org()
    assert org.apply(load_text(start), prune=True, allow_replace=True).ok
    return org


def _only_replace(ops: tuple[Operation, ...]) -> Operation:
    replaces = [op for op in ops if op.action == "replace"]
    assert len(replaces) == 1, [op.to_dict() for op in ops]
    return replaces[0]


# -- the names in a references replace -------------------------------------------------------


def test_references_change_names_the_old_and_new_type() -> None:
    org = _org_with()
    desired = load_text(START.replace("references: Resource}", "references: Subscription}"))
    op = _only_replace(org.plan(desired, allow_replace=True).operations)
    assert op.address == "Account.Owner"
    assert op.changes["references"] == {"before": "Resource", "after": "Subscription"}
    assert op.body is not None
    assert op.body["referenced_custom_type_id"] == _id(org, "Subscription")
    assert op.delete_path == f"/custom_field/custom_object_type/{op.id}/"


def test_references_change_names_the_old_type_by_its_new_manifest_name() -> None:
    org = _org_with()
    desired = load_text(
        START.replace("references: Resource}", "references: Subscription}").replace(
            "  - name: Resource\n", "  - name: Asset\n    renamed_from: [Resource]\n"
        )
    )
    op = _only_replace(org.plan(desired, allow_replace=True).operations)
    assert op.changes["references"] == {"before": "Asset", "after": "Subscription"}


def test_references_change_from_a_live_only_type_names_it_by_its_live_name() -> None:
    org = _org_with()
    desired = load_text(
        START.replace("references: Resource}", "references: Subscription}").replace(
            "  - name: Resource\n    name_plural: Resources\n", ""
        )
    )
    op = _only_replace(org.plan(desired, allow_replace=True).operations)
    assert op.changes["references"] == {"before": "Resource", "after": "Subscription"}


def _id(org: Org, name: str) -> str:
    return next(t["id"] for t in org.store.types.values() if t["name"] == name)


# -- a reference to the old name of a type the manifest renames ------------------------------


def test_reference_by_the_old_name_of_a_renamed_type_is_a_plan_error() -> None:
    org = _org_with()
    desired = load_text(
        START.replace("  - name: Resource\n", "  - name: Asset\n    renamed_from: [Resource]\n")
    )
    with pytest.raises(PlanError) as caught:
        org.plan(desired, allow_replace=True)
    assert str(caught.value) == (
        "manifest.yaml:6:9: Account.Owner.references: type 'Resource' is renamed to 'Asset' "
        "by this manifest: reference it by its new name\n1 plan problem found"
    )


# -- export of duplicate names ---------------------------------------------------------------


def _type(type_id: str, name: str, *fields: dict) -> dict:
    return {"id": type_id, "name": name, "name_plural": name + "s", "fields": list(fields)}


def LiveOrg(types: tuple[dict, ...]) -> LiveState:  # noqa: N802 - reads like the old class
    """The live state of the API lists holding `types` (their embedded `fields` listed too)."""
    fields = [dict(f, custom_object_type_id=t["id"]) for t in types for f in t["fields"]]
    listed = [dict(t, fields=[{"id": f["id"]} for f in t["fields"]]) for t in types]
    return parse_live({"types": listed, "fields": fields, "roles": []})


def test_export_refuses_two_live_types_of_one_name() -> None:
    live = LiveOrg(types=(_type("cotype_b", "Account"), _type("cotype_a", "Account")))
    with pytest.raises(SchemaSyncError) as caught:
        export_manifest(live)
    assert str(caught.value) == (
        "cannot export: 2 live types are named 'Account' (cotype_a, cotype_b); a manifest "
        "identifies objects by name, so rename or delete all but one in Close"
    )


def test_export_names_at_most_five_ids_and_the_first_name_in_order() -> None:
    many = tuple(_type(f"cotype_{i}", "Zed") for i in range(7))
    live = LiveOrg(types=(*many, _type("cotype_x", "Bee"), _type("cotype_y", "Bee")))
    with pytest.raises(SchemaSyncError) as caught:
        export_manifest(live)
    assert str(caught.value) == (
        "cannot export: 2 live types are named 'Bee' (cotype_x, cotype_y); a manifest "
        "identifies objects by name, so rename or delete all but one in Close"
    )
    with pytest.raises(SchemaSyncError) as caught:
        export_manifest(LiveOrg(types=many))
    assert str(caught.value) == (
        "cannot export: 7 live types are named 'Zed' (cotype_0, cotype_1, cotype_2, cotype_3, "
        "cotype_4, ...); a manifest identifies objects by name, so rename or delete all but "
        "one in Close"
    )


def test_export_refuses_a_type_with_two_fields_of_one_name() -> None:
    fields = (
        {"id": "cf_2", "name": "Status", "type": "text"},
        {"id": "cf_1", "name": "Status", "type": "number"},
    )
    live = LiveOrg(types=(_type("cotype_a", "Account", *fields),))
    with pytest.raises(SchemaSyncError) as caught:
        export_manifest(live)
    assert str(caught.value) == (
        "cannot export: 2 live fields of 'Account' are named 'Status' (cf_1, cf_2); a manifest "
        "identifies objects by name, so rename or delete all but one in Close"
    )


# -- the detail of network errors ------------------------------------------------------------


def _client(url: str, transport: httpx.BaseTransport | None = None) -> CloseClient:
    return CloseClient(
        KEY, base_url=url, transport=transport, max_retries=0, sleep=lambda _s: None, timeout=5.0
    )


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_connection_says_why() -> None:
    client = _client(f"http://127.0.0.1:{_closed_port()}/api/v1")
    with pytest.raises(TransportError) as caught:
        client.get(TYPES_PATH)
    message = str(caught.value)
    assert message.startswith(
        "GET /custom_object_type/: no response after 1 attempts (could not connect: "
    )
    assert "refused" in message.lower()  # "[Errno 111] Connection refused" on Linux
    assert KEY not in message


def test_certificate_failure_says_why() -> None:
    detail = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed (_ssl.c:1)"

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(detail, request=request)

    client = _client("https://close.test/api/v1", httpx.MockTransport(fail))
    with pytest.raises(TransportError) as caught:
        client.get(TYPES_PATH)
    assert str(caught.value) == (
        f"GET /custom_object_type/: no response after 1 attempts (could not connect: {detail})"
    )


def test_https_to_a_plain_http_server_says_why(server: EmulatorServer) -> None:
    client = _client(server.url.replace("http://", "https://"))
    with pytest.raises(TransportError) as caught:
        client.get(TYPES_PATH)
    message = str(caught.value)
    assert message.startswith("GET /custom_object_type/: no response after 1 attempts (")
    assert "SSL" in message


# -- the guard against endless paging --------------------------------------------------------


def test_a_list_that_never_ends_stops_after_max_pages() -> None:
    seen: list[httpx.Request] = []

    def always_more(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [{"id": f"role_{len(seen)}"}], "has_more": True})

    client = _client("http://close.test/api/v1", httpx.MockTransport(always_more))
    with pytest.raises(ResponseError) as caught:
        client.list_all("/role/")
    assert str(caught.value) == f"GET /role/ -> 200: has_more still true after {MAX_PAGES} pages"
    assert len(seen) == MAX_PAGES == 1000
    assert seen[0].url.query == b""
    assert seen[1].url.params == httpx.QueryParams({"_skip": "1", "_limit": "1"})
    assert seen[-1].url.params["_skip"] == str(MAX_PAGES - 1)


def test_references_change_without_allow_replace_is_a_plan_error() -> None:
    org = _org_with()
    desired = load_text(START.replace("references: Resource}", "references: Subscription}"))
    with pytest.raises(PlanError) as caught:
        compute_plan(desired, org.live())
    assert str(caught.value) == (
        "manifest.yaml:6:9: Account.Owner: a field's references cannot change in place: the "
        "field is deleted and created again, which destroys its values on every Account and "
        "gives it a new id; re-run with --allow-replace to plan this replace, or keep the old "
        "references\n1 plan problem found"
    )
