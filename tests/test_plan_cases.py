"""Golden plan cases: tests/cases/plan/<name>/ holds manifest.yaml, live.json (the org as the
API lists it), optional options.json, the expected text and JSON plan (or the expected
error), and the expected export of live.json (expected_export.yaml, or
expected_export_error.txt). SCHEMASYNC_REGEN=1 rewrites the expected files; review the diff
before committing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from schemasync.diff import compute_plan
from schemasync.errors import PlanError, SchemaSyncError
from schemasync.export import dump_yaml, export_manifest
from schemasync.live import parse_live
from schemasync.manifest import load_manifest
from schemasync.plan import Plan
from schemasync.render import render_json, render_text

CASES = Path(__file__).parent / "cases" / "plan"
REGEN = os.environ.get("SCHEMASYNC_REGEN") == "1"


def _check(path: Path, actual: str, stale: tuple[str, ...]) -> None:
    if REGEN:
        path.write_text(actual, encoding="utf-8")
        for name in stale:
            (path.parent / name).unlink(missing_ok=True)
    for name in stale:
        assert not (path.parent / name).exists(), f"{name} is stale: the case now gives {path.name}"
    assert path.exists(), f"missing {path.name}: run with SCHEMASYNC_REGEN=1"
    assert actual == path.read_text(encoding="utf-8")


def case_plan(folder: Path) -> Plan:
    """The plan of a case folder (run from inside it, so FILE reads `manifest.yaml`)."""
    options_file = folder / "options.json"
    options = json.loads(options_file.read_text()) if options_file.exists() else {}
    live = parse_live(json.loads((folder / "live.json").read_text()))
    manifest = load_manifest("manifest.yaml", allow_external_references=True)
    return compute_plan(manifest, live, **options)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_plan_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CASES / case
    monkeypatch.chdir(folder)
    try:
        plan = case_plan(folder)
    except PlanError as e:
        _check(folder / "expected_error.txt", str(e) + "\n", ("expected.txt", "expected.json"))
        return
    _check(folder / "expected.txt", render_text(plan), ("expected_error.txt",))
    _check(folder / "expected.json", render_json(plan), ("expected_error.txt",))
    # The same inputs always give byte-identical output.
    again = case_plan(folder)
    assert render_json(again) == render_json(plan)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_export_case(case: str) -> None:
    folder = CASES / case
    live = parse_live(json.loads((folder / "live.json").read_text()))
    try:
        text = dump_yaml(export_manifest(live))
    except SchemaSyncError as e:
        _check(folder / "expected_export_error.txt", str(e) + "\n", ("expected_export.yaml",))
        return
    _check(folder / "expected_export.yaml", text, ("expected_export_error.txt",))
