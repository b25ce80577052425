"""The characterization corpus: tests/cases/corpus/*.json, each a (live org, manifest, options)
triple with today's plan (text, JSON, Markdown) or plan error, and today's export or export
error. Every output must stay byte-identical. `python -m tests.corpus_gen` rebuilds the whole
corpus; SCHEMASYNC_REGEN=1 rewrites only the outputs of the files as they are (review the diff
before committing)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from schemasync.diff import compute_plan
from schemasync.errors import PlanError, SchemaSyncError
from schemasync.export import dump_yaml, export_manifest
from schemasync.live import parse_live
from schemasync.manifest import load_manifest
from schemasync.model import Manifest
from schemasync.render import render_json, render_text
from schemasync.render_markdown import render_markdown

CORPUS = Path(__file__).parent / "cases" / "corpus"
MANIFEST_FILE = "manifest.yaml"
OUTPUT_KEYS = ("text", "json", "markdown", "error", "export", "export_error")
REGEN = os.environ.get("SCHEMASYNC_REGEN") == "1"
CASES = sorted(p.name for p in CORPUS.glob("*.json"))


@contextmanager
def inside(folder: str) -> Iterator[None]:
    """Run with `folder` as the working directory (problems then name `manifest.yaml`)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def load_text(text: str) -> Manifest:
    """The manifest of a YAML text, read from a file named MANIFEST_FILE."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, MANIFEST_FILE).write_bytes(text.encode("utf-8"))
        with inside(tmp):
            return load_manifest(MANIFEST_FILE, allow_external_references=True)


def outputs(case: dict[str, Any]) -> dict[str, str]:
    """What today's code makes of a case's inputs (`live`, `manifest`, `options`)."""
    out: dict[str, str] = {}
    manifest = load_text(case["manifest"])
    live = parse_live(case["live"])
    try:
        plan = compute_plan(manifest, live, **case["options"])
    except PlanError as e:
        out["error"] = str(e)
    else:
        out["text"] = render_text(plan)
        out["json"] = render_json(plan)
        out["markdown"] = render_markdown(plan)
    try:
        out["export"] = dump_yaml(export_manifest(live))
    except SchemaSyncError as e:
        out["export_error"] = str(e)
    return out


def case_text(case: dict[str, Any]) -> str:
    """A case file's text: keys sorted, one-space indent, UTF-8 as is."""
    return json.dumps(case, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_corpus_is_there() -> None:
    assert len(CASES) >= 280
    assert sum(name.startswith("targeted-") for name in CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name: str) -> None:
    path = CORPUS / name
    stored = json.loads(path.read_text(encoding="utf-8"))
    inputs = {k: v for k, v in stored.items() if k not in OUTPUT_KEYS}
    assert sorted(inputs) == ["live", "manifest", "options"]
    actual = {**inputs, **outputs(inputs)}
    if REGEN:
        path.write_text(case_text(actual), encoding="utf-8")
    expected = {k: v for k, v in stored.items() if k in OUTPUT_KEYS}
    got = {k: v for k, v in actual.items() if k in OUTPUT_KEYS}
    assert sorted(got) == sorted(expected), "the case now fails or succeeds where it did not"
    for key in sorted(expected):
        assert got[key] == expected[key], f"{key} differs"
