"""Bad manifests, generated: structurally plausible documents with something wrong in them, and
broken YAML text. `load_manifest` raises ManifestError and nothing else; `schemasync validate`
exits 1 with every problem located (`FILE:LINE:COL: ...`) and never shows a traceback.

SCHEMASYNC_FUZZ_EXAMPLES raises the number of generated cases (default: a fast run).
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from schemasync.errors import ManifestError
from schemasync.manifest import load_manifest
from tests.serving import assert_clean, run_cli
from tests.strategies import FIELD_KEYS, FUZZ_SETTINGS, TYPE_KEYS, document, manifests

# Values of every YAML type, including the ones that look like other types when unquoted.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\t",
            "yes",
            "on",
            "2024-01-01",
            "~",
            "null",
            "0x1F",
            "1e400",
            "x" * 5000,
            "line\nbreak",
            "ü€𝄞",
            "\x00",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def broken_documents(draw: Any) -> Any:
    """A valid document with one to three things made wrong."""
    doc: Any = document(draw(manifests(max_types=3, max_fields=3)), defaults=True)
    for _ in range(draw(st.integers(1, 3))):
        doc = draw(mutated(doc))
    return doc


@st.composite
def mutated(draw: Any, doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    if not isinstance(doc, dict):
        return draw(values)
    types = doc.get("custom_object_types")
    types = types if isinstance(types, list) else []
    target: Any = doc
    keys = ["version", "custom_object_types"]
    dict_types = [t for t in types if isinstance(t, dict)]
    if dict_types and draw(st.booleans()):
        t = draw(st.sampled_from(dict_types))
        target, keys = t, TYPE_KEYS
        fields = (
            [f for f in (t.get("fields") or []) if isinstance(f, dict)]
            if isinstance(t.get("fields"), list)
            else []
        )
        if fields and draw(st.booleans()):
            target, keys = draw(st.sampled_from(fields)), FIELD_KEYS
    key = draw(st.sampled_from(keys))
    how = draw(
        st.sampled_from(
            [
                "drop",
                "set",
                "unknown key",
                "duplicate",
                "dangling",
                "whole",
                "same name",
                "claim name",
            ]
        )
    )
    if how == "drop":
        target.pop(key, None)
    elif how == "set":
        target[key] = draw(values)
    elif how == "unknown key":
        target[draw(st.sampled_from(["nmae", "Name", "fields ", "id", "x-extra", "1"]))] = draw(
            values
        )
    elif how == "duplicate" and types:
        types.append(copy.deepcopy(draw(st.sampled_from(types))))
    elif how == "dangling" and target is not doc:
        target.update({"type": "custom_object", "references": "No Such Type"})
    elif how == "whole":
        return draw(st.one_of(values, st.just([doc]), st.just({"manifest": doc})))
    elif how == "same name" and len(dict_types) > 1:
        dict_types[1]["name"] = dict_types[0].get("name")
    elif how == "claim name" and len(dict_types) > 1:
        dict_types[1]["renamed_from"] = [dict_types[0].get("name")] * 2
    return doc


@st.composite
def broken_texts(draw: Any) -> bytes:
    """Valid manifest YAML, then damaged as text: cut, spliced, re-encoded."""
    text = yaml.safe_dump(
        document(draw(manifests(max_types=3, max_fields=3)), defaults=True),
        allow_unicode=True,
        sort_keys=False,
    )
    how = draw(
        st.sampled_from(
            [
                "cut",
                "insert",
                "tab",
                "duplicate key",
                "encoding",
                "bom",
                "tag",
                "anchor",
                "documents",
                "flow",
            ]
        )
    )
    at = draw(st.integers(0, len(text)))
    if how == "cut":
        text = text[:at]
    elif how == "insert":
        text = (
            text[:at]
            + draw(
                st.sampled_from(
                    [
                        "\t",
                        ":",
                        "- ",
                        "{",
                        "[",
                        "]",
                        "'",
                        '"',
                        "&a",
                        "*a",
                        "!!",
                        "%YAML 1.1\n",
                        "\n  ",
                        "#",
                        "|",
                    ]
                )
            )
            + text[at:]
        )
    elif how == "tab":
        text = text.replace("  ", "\t", 1)
    elif how == "duplicate key":
        text = text.replace("version: 1\n", "version: 1\nversion: 1\n")
    elif how == "encoding":
        return (
            text.encode("utf-16")
            if draw(st.booleans())
            else text.encode("latin-1", "replace") + b"\xff\xfe\x80"
        )
    elif how == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    elif how == "tag":
        text = text.replace(
            "version: 1",
            draw(
                st.sampled_from(
                    [
                        "version: !!python/object:os.system 1",
                        "version: !!str 1",
                        "version: !custom 1",
                        "version: !!binary aGVsbG8=",
                    ]
                )
            ),
        )
    elif how == "anchor":
        text += "extra: &a [*a]\n"
    elif how == "documents":
        text += "---\n" + text
    elif how == "flow":
        text = "{" + text
    return text.encode("utf-8", "surrogatepass")


def check_load(path: Path) -> list[str]:
    """load_manifest returns a Manifest or raises ManifestError with located problems;
    returns the problems as validate prints them."""
    try:
        load_manifest(str(path))
    except ManifestError as e:
        assert e.problems
        for p in e.problems:
            assert p.file == str(path)
            assert p.line >= 0 and p.col >= 0
            assert str(p).startswith(f"{path}:")
        return [str(p) for p in e.problems]
    return []


def check_validate(path: Path, problems: list[str]) -> None:
    """validate prints exactly the located problems, then one `Error:` line, and exits 1."""
    result = run_cli(["validate", str(path)], key=None)
    assert_clean(result)
    assert result.stdout == ""
    if not problems:
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("\n".join(problems) + "\n"), result.stderr
    tail = result.stderr[len("\n".join(problems)) + 1 :]
    assert tail.startswith("Error: ") and tail.count("\n") == 1, tail


@contextmanager
def written(data: bytes | str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-manifest-") as d:
        path = Path(d) / "manifest.yaml"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        yield path


@FUZZ_SETTINGS
@given(doc=broken_documents())
def test_wrong_documents_give_located_manifest_errors(doc: Any) -> None:
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, UnicodeEncodeError, RecursionError):
        assume(False)
    with written(text.encode("utf-8", "surrogatepass")) as path:
        check_validate(path, check_load(path))


@FUZZ_SETTINGS
@given(data=broken_texts())
def test_damaged_yaml_gives_located_manifest_errors(data: bytes) -> None:
    with written(data) as path:
        check_validate(path, check_load(path))


@pytest.mark.parametrize(
    "text",
    [
        # "billion laughs": aliases that expand exponentially
        "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
            for i in range(8)
        ),
        "version: 1\ncustom_object_types: " + "[" * 5000 + "]" * 5000 + "\n",  # deep nesting
        "version: 1\ncustom_object_types:\n" + "  - {name: T, name_plural: Ts}\n" * 2000,
        "\x00\x01\x02 binary",
        "",
        "---\n...\n",
        "version: 1\ncustom_object_types:\n  - name: A\n    name_plural: As\n    fields:\n"
        + "".join(
            f"      - {{name: F{i}, type: text}}\n      - {{name: F{i}, type: text}}\n"
            for i in range(500)
        ),  # a thousand problems: capped, still located
    ],
)
def test_hostile_files_are_refused_quickly_and_clearly(text: str) -> None:
    with written(text) as path:
        problems = check_load(path)
        assert problems
        check_validate(path, problems)


def test_directory_manifest_with_broken_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "version: 1\ncustom_object_types:\n  - {name: A, name_plural: As}\n"
    )
    (tmp_path / "b.yml").write_text(
        "version: 1\ncustom_object_types:\n  - {name: A, name_plural: As}\n"
    )  # A declared twice
    (tmp_path / "c.yaml").write_bytes(b"version: 1\n\xff\xfe")
    with pytest.raises(ManifestError) as info:
        load_manifest(str(tmp_path))
    files = {p.file for p in info.value.problems}
    assert files <= {str(tmp_path / n) for n in ("a.yaml", "b.yml", "c.yaml")}
    result = run_cli(["validate", str(tmp_path)], key=None)
    assert_clean(result)
    assert result.exit_code == 1
    assert all(
        line.startswith((str(tmp_path), "Error: ")) for line in result.stderr.splitlines()
    ), result.stderr
