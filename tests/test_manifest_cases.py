"""Manifest cases: each folder of tests/cases/{invalid,valid} holds a manifest and its outcome.

A case holds `manifest.yaml` (or a `manifest/` directory) and either `expected.txt`, the exact
problem lines, or `expected.json`, the loaded Manifest without positions. An optional
`options.json` holds keyword arguments for load_manifest. The test runs inside the case folder,
so file names in problems read `manifest.yaml`. Regenerate expectations after a deliberate
change with `SCHEMASYNC_REGEN=1 pytest tests/test_manifest_cases.py`, then review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from schemasync.errors import ManifestError
from schemasync.manifest import load_manifest
from schemasync.model import Manifest, Obj
from tests.builders import FieldSpec, TypeSpec

CASES = Path(__file__).parent / "cases"
REGEN = os.environ.get("SCHEMASYNC_REGEN") == "1"


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (CASES / kind).iterdir() if p.is_dir())


def _load(case: Path) -> Manifest:
    options_file = case / "options.json"
    options = json.loads(options_file.read_text()) if options_file.exists() else {}
    return load_manifest("manifest" if (case / "manifest").is_dir() else "manifest.yaml", **options)


def _check(expected_file: Path, got: str) -> None:
    if REGEN:
        expected_file.write_text(got, encoding="utf-8")
    assert got == expected_file.read_text(encoding="utf-8")


# The key order these files have had since the model held typed specs (tests/builders.py).
_TYPE_KEYS = [f.name for f in dataclasses.fields(TypeSpec) if f.name != "pos"]
_FIELD_KEYS = [f.name for f in dataclasses.fields(FieldSpec) if f.name != "pos"]


def _plain(obj: Obj, keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        if key == "renamed_from":
            out[key] = list(obj.renamed_from)
        elif key == "fields":
            out[key] = [_plain(f, _FIELD_KEYS) for f in obj.kids("custom_field")]
        else:
            value = obj.values[key]
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def manifest_as_dict(manifest: Manifest) -> Any:
    return {
        "types": [_plain(t, _TYPE_KEYS) for t in manifest.types],
        "sources": list(manifest.sources),
        "warnings": list(manifest.warnings),
    }


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.name)
def test_invalid_manifest(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    with pytest.raises(ManifestError) as info:
        _load(case)
    _check(case / "expected.txt", "".join(f"{p}\n" for p in info.value.problems))


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda p: p.name)
def test_valid_manifest(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    manifest = _load(case)
    for t in manifest.types:
        assert t.pos is not None and all(f.pos is not None for f in t.kids("custom_field"))
    got = json.dumps(manifest_as_dict(manifest), indent=2, ensure_ascii=False) + "\n"
    _check(case / "expected.json", got)
