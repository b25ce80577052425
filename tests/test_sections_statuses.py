"""Lead statuses and opportunity pipelines (design §8.1, issue "Lead statuses and opportunity
pipelines as code"), applied to an emulated org."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from schemasync.model import Manifest
from schemasync.render import render_text
from schemasync.render_markdown import render_markdown
from tests.orgs import Org, in_process_org, new_store
from tests.orgs import manifest_of as _manifest
from tests.orgs import ops_of as _ops
from tests.serving import assert_clean, run_cli, socket_org


def _converged(org: Org, manifest: Manifest, **options: Any) -> None:
    report = org.apply(manifest, **options)
    assert report.ok, report.render()
    again = org.plan(manifest, **options)
    assert not again.has_changes, _ops(again)


def _pipelines(org: Org) -> dict[str, list[tuple[str, str, str]]]:
    """Pipeline name -> its statuses (id, label, type) in order, as the store holds them."""
    snap = org.store.snapshot()
    statuses = {s["id"]: s for s in snap["opportunity_statuses"]}
    return {
        p["name"]: [(i, statuses[i]["label"], statuses[i]["type"]) for i in p["status_order"]]
        for p in snap["pipelines"]
    }


def _sales_org() -> Org:
    store = new_store()
    for label, color in (("Potential", "blue"), ("Qualified", "green"), ("Customer", None)):
        store.add("lead_statuses", label=label, color=color)
    for name, rows in (
        ("Sales", (("Active", "active"), ("Won", "won"), ("Lost", "lost"))),
        ("Renewals", (("Renewing", "active"), ("Renewed", "won"))),
    ):
        pipe = store.add("pipelines", name=name)
        for label, status_type in rows:
            store.add("opportunity_statuses", label=label, type=status_type, pipeline_id=pipe["id"])
    return in_process_org(store)


def test_statuses_move_between_pipelines_keeping_their_ids() -> None:
    org = _sales_org()
    ids = {label: i for rows in _pipelines(org).values() for i, label, _ in rows}
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
        - {label: Renewed, type: won}
    - name: Renewals
      statuses:
        - {label: Won, type: won}
        - {label: Renewing, type: active}
        - {label: Lost, type: lost}
    - name: Partners
      statuses:
        - {label: Partner Won, type: won}
        - {label: Churned, type: lost}
"""
    )
    _converged(org, manifest)
    got = _pipelines(org)
    assert [(i, label) for i, label, _ in got["Sales"]] == [
        (ids["Active"], "Active"),
        (ids["Renewed"], "Renewed"),
    ]
    assert [(i, label) for i, label, _ in got["Renewals"]] == [
        (ids["Won"], "Won"),
        (ids["Renewing"], "Renewing"),
        (ids["Lost"], "Lost"),
    ]
    assert [label for _, label, _ in got["Partners"]] == ["Partner Won", "Churned"]


def test_a_status_type_change_replaces_it_and_keeps_its_place() -> None:
    org = _sales_org()
    old = {label: i for rows in _pipelines(org).values() for i, label, _ in rows}
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
        - {label: Won, type: lost}
        - {label: Lost, type: lost}
    - name: Renewals
      statuses:
        - {label: Renewing, type: active}
        - {label: Renewed, type: won}
"""
    )
    assert _ops(org.plan(manifest, allow_replace=True))[0] == ("replace", "pipeline:Sales.Won")
    _converged(org, manifest, allow_replace=True)
    sales = _pipelines(org)["Sales"]
    assert [(label, t) for _, label, t in sales] == [
        ("Active", "active"),
        ("Won", "lost"),
        ("Lost", "lost"),
    ]
    assert sales[1][0] != old["Won"]


def test_a_pipeline_and_its_statuses_are_pruned_after_a_move_out() -> None:
    org = _sales_org()
    ids = {label: i for rows in _pipelines(org).values() for i, label, _ in rows}
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
        - {label: Won, type: won}
        - {label: Renewed, type: won}
"""
    )
    _converged(org, manifest, prune=True)
    got = _pipelines(org)
    assert list(got) == ["Sales"]
    assert [i for i, _, _ in got["Sales"]] == [ids["Active"], ids["Won"], ids["Renewed"]]


def test_a_status_in_use_is_refused_by_close_and_the_next_plan_shows_what_remains() -> None:
    """Close refuses to delete a status that leads use: the apply reports the API error (what
    to do included), and the next plan still holds the delete."""
    org = _sales_org()
    potential = next(
        s["id"] for s in org.store.snapshot()["lead_statuses"] if s["label"] == "Potential"
    )
    org.store.mark_in_use(potential)
    manifest = _manifest("version: 1\nlead:\n  statuses:\n    - {label: Qualified, color: green}\n")
    plan = org.plan(manifest, prune=True)
    assert sorted(_ops(plan)) == [("delete", "status:Customer"), ("delete", "status:Potential")]
    report = org.apply(manifest, prune=True)
    assert not report.ok
    assert report.failed is not None and report.failed.address == "status:Potential"
    assert "Potential" in (report.error or "") and "400" in (report.error or "")
    rendered = report.render()
    assert "status:Potential" in rendered and "plan" in rendered
    again = org.plan(manifest, prune=True)
    assert ("delete", "status:Potential") in _ops(again)


def _in_use_org(store: Any, label: str) -> None:
    status = next(s for s in store.snapshot()["lead_statuses"] if s["label"] == label)
    store.mark_in_use(status["id"])


@pytest.mark.parametrize(
    ("statuses", "code", "before"),
    [
        # the reorder is applied first: the refused delete leaves the apply partial (exit 3)
        ("[Customer, {label: Qualified, color: green}]", 3, "apply stopped partway"),
        # the refused delete is the only write: nothing changed (exit 1)
        ("[{label: Qualified, color: green}, Customer]", 1, "apply failed before changing"),
    ],
)
def test_a_status_close_refuses_to_delete_says_what_to_do_over_the_cli(
    tmp_path: Path, statuses: str, code: int, before: str
) -> None:
    """Close's refusal is an API error like any other (exit 3 when something was applied
    first, 1 when nothing was); schemasync adds what to do, whatever Close's message says,
    and the next plan still holds the delete."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"version: 1\nlead:\n  statuses: {statuses}\n")
    with socket_org(_sales_org().store) as served:
        _in_use_org(served.store, "Potential")
        result = run_cli(["apply", str(manifest), "--prune", "--auto-approve"], url=served.url)
        assert_clean(result)
        assert result.exit_code == code, result.output
        assert before in result.stderr
        assert result.stderr.count("failed: delete status:Potential") == 1
        assert (
            "Close refuses to delete a status that leads still have: give those leads another "
            "status in Close, or keep it in the manifest, then run `schemasync plan` again."
        ) in result.output
        again = run_cli(["plan", str(manifest), "--prune"], url=served.url)
        assert again.exit_code == 0
        assert "status:Potential will be DELETED" in again.stdout
        assert "status:Customer" not in again.stdout  # kept, and in its place


def test_the_first_status_change_is_called_out_in_text_and_markdown() -> None:
    org = _sales_org()
    manifest = _manifest(
        """
version: 1
lead:
  statuses:
    - {label: Qualified, color: green}
    - {label: Potential, color: blue}
    - Customer
"""
    )
    plan = org.plan(manifest)
    assert _ops(plan) == [("reorder", "status:*")]
    for text in (render_text(plan), render_markdown(plan)):
        assert "default status of new leads" in text
        assert "Potential" in text and "Qualified" in text
    _converged(org, manifest)
    order = org.store.snapshot()["organization"]["lead_status_order"]
    labels = {s["id"]: s["label"] for s in org.store.snapshot()["lead_statuses"]}
    assert [labels[i] for i in order] == ["Qualified", "Potential", "Customer"]


def test_an_unmanaged_lead_status_is_described_as_a_status() -> None:
    """The unmanaged listing says what each object is; a lead status has no fields."""
    org = _sales_org()
    plan = org.plan(_manifest("version: 1\nlead:\n  statuses: [Qualified]\n"))
    listed = {u.address: u for u in plan.unmanaged}
    assert set(listed) == {"status:Potential", "status:Customer"}
    for u in listed.values():
        assert "field" not in u.detail, u.detail


def test_lead_statuses_rename_recolor_and_reorder_converge() -> None:
    org = _sales_org()
    ids = {s["label"]: s["id"] for s in org.store.snapshot()["lead_statuses"]}
    manifest = _manifest(
        """
version: 1
lead:
  statuses:
    - {label: New, color: gray}
    - {label: Customer, color: purple}
    - {label: Interested, renamed_from: [Qualified]}
    - {label: Potential, color: blue}
"""
    )
    _converged(org, manifest)
    snap = org.store.snapshot()
    labels = {s["id"]: (s["label"], s["color"]) for s in snap["lead_statuses"]}
    order = [labels[i] for i in snap["organization"]["lead_status_order"]]
    assert order == [
        ("New", "gray"),
        ("Customer", "purple"),
        ("Interested", None),
        ("Potential", "blue"),
    ]
    assert labels[ids["Qualified"]] == ("Interested", None)
