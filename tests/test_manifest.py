"""The manifest loader beyond the case folders: schema, example, limits, positions, fuzzing."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from schemasync.errors import ManifestError
from schemasync.kinds.schema_gen import render
from schemasync.manifest import (
    MANIFEST_SCHEMA,
    MAX_PROBLEMS,
    load_manifest,
    load_manifest_text,
    load_schema,
)
from schemasync.model import FIELD_TYPES, Manifest, Pos
from schemasync.yamlpos import MAX_BYTES, MAX_DEPTH
from tests.builders import FieldSpec, SpecManifest, TypeSpec, canonical
from tests.strategies import MANIFEST_KEYS, document, manifests

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "crm.yaml"
HEAD = "version: 1\ncustom_object_types:\n  - name: A\n    name_plural: As\n    fields:\n"
FUZZ = settings(
    max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load_text(tmp_path: Path, text: str | bytes, **options: Any) -> Manifest:
    path = tmp_path / "manifest.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return load_manifest(str(path), **options)


def problems_of(tmp_path: Path, text: str | bytes) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_text(tmp_path, text)
    prefix = str(tmp_path / "manifest.yaml")
    return [str(p).removeprefix(prefix) for p in info.value.problems]


# -- the schema ----------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema(MANIFEST_SCHEMA)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]


def _object_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema, *(d for d in schema["$defs"].values() if d.get("type") == "object")]


def test_schema_documents_every_property_and_allows_no_others() -> None:
    schema = load_schema(MANIFEST_SCHEMA)
    for obj in _object_schemas(schema):
        assert obj["additionalProperties"] is False
        for key, prop in obj["properties"].items():
            assert prop.get("description"), key


def test_schema_is_generated_from_the_kinds() -> None:
    """schemas/manifest.schema.json is what schemasync.kinds.schema_gen writes (edit the
    declarations and run `python -m schemasync.kinds.schema_gen --write`)."""
    assert (ROOT / "schemas" / MANIFEST_SCHEMA).read_text(encoding="utf-8") == render()
    defs = load_schema(MANIFEST_SCHEMA)["$defs"]
    assert defs["customField"]["properties"]["type"]["examples"] == list(FIELD_TYPES)
    # the typed test builders still describe what a custom object type and field hold
    for spec, obj in ((TypeSpec, defs["customObjectType"]), (FieldSpec, defs["customField"])):
        model = {f.name for f in dataclasses.fields(spec) if f.name != "pos"}
        assert set(obj["properties"]) - {"archived"} == model


def test_example_validates_against_the_schema() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    assert list(Draft202012Validator(load_schema(MANIFEST_SCHEMA)).iter_errors(data)) == []


def test_example_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    manifest = load_manifest("examples/crm.yaml")
    assert manifest.sources == ("examples/crm.yaml",)
    assert [t.name for t in manifest.types] == ["Account", "Resource", "Subscription"]
    account = manifest.type_named("Account")
    assert account is not None and account.pos == Pos("examples/crm.yaml", 7, 5)
    assert account.values["editable_with_roles"] == ("admin", "Account Managers")
    status = account.kids("custom_field")[0]
    assert (status.name, status.values["choices"], status.values["required"]) == (
        "Status",
        ("Active", "Cancelled", "Potential"),
        True,
    )
    assert status.pos == Pos("examples/crm.yaml", 12, 9)
    resource = manifest.type_named("Resource")
    kind = resource.kids("custom_field")[0] if resource is not None else None
    assert kind is not None and kind.values["choices"] == ("Server", "License", "on")


# -- positions, paths, order ---------------------------------------------------------------


def test_problems_point_at_the_offending_line_and_column(tmp_path: Path) -> None:
    text = (
        "version: 1\n"  # 1
        "custom_object_types:\n"  # 2
        "  - name: Account\n"  # 3
        "    name_plural: Accounts\n"  # 4
        "    fields:\n"  # 5
        "      - name: Seats\n"  # 6
        "        type: number\n"  # 7
        "        required:   yes\n"  # 8
        "      -   name: Status\n"  # 9
        "          type: choices\n"  # 10
        "          choices: [a, b,   a]\n"  # 11
        "          colour: red\n"  # 12
    )
    assert problems_of(tmp_path, text) == [
        ':8:21: Account.Seats.required: expected a boolean (true/false), got "yes"',
        ':11:29: Account.Status.choices[2]: choice "a" is listed twice (also at line 11, '
        "column 21)",
        ':12:11: Account.Status.colour: unknown key "colour"; allowed: name, type, choices, '
        "required, accepts_multiple_values, description, editable_with_roles, references, "
        "back_reference_is_visible, renamed_from",
    ]


def test_positions_survive_flow_style_and_unicode(tmp_path: Path) -> None:
    text = (
        '{"version": 1, "custom_object_types": [\n'
        '  {"name": "Café", "name_plural": "Cafés", "fields": [{"name": "Ünï", "type": "x"}]}]}\n'
    )
    assert problems_of(tmp_path, text) == [
        ":2:79: Café.Ünï.type: must be one of: text, number, date, datetime, choices, user, "
        'contact, custom_object, hidden; got "x"; a type newer than this schemasync must be '
        "listed in extra_field_types",
    ]


def test_problems_are_sorted_by_file_then_position(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("version: 2\n")
    (tmp_path / "a.yaml").write_text("version: 1\nextra: 1\ncustom_object_types: 3\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(str(tmp_path))
    where = [(p.file, p.line, p.col) for p in info.value.problems]
    assert where == sorted(where) and len(where) == 3
    assert [os.path.basename(f) for f, _, _ in where] == ["a.yaml", "a.yaml", "b.yaml"]


def test_file_names_are_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "types.yaml").write_text("version: 3\n")
    monkeypatch.chdir(tmp_path)
    for given_path in ("org", "org/", "./org"):
        with pytest.raises(ManifestError) as info:
            load_manifest(given_path)
        assert info.value.problems[0].file == os.path.join(given_path, "types.yaml")


def test_too_many_problems_are_cut_short(tmp_path: Path) -> None:
    fields = "".join(f"      - {{name: F{i}, type: nope}}\n" for i in range(MAX_PROBLEMS + 50))
    text = HEAD + fields
    with pytest.raises(ManifestError) as info:
        load_text(tmp_path, text)
    assert len(info.value.problems) == MAX_PROBLEMS
    assert info.value.summary.startswith(f"more than {MAX_PROBLEMS} manifest problems")


# -- references to types outside the manifest ----------------------------------------------


EXTERNAL = (
    "version: 1\ncustom_object_types:\n  - name: Account\n    name_plural: Accounts\n"
    "    fields:\n      - name: Team\n        type: custom_object\n        references: Team\n"
)


def test_references_outside_the_manifest_are_left_to_plan(tmp_path: Path) -> None:
    assert problems_of(tmp_path, EXTERNAL) == [
        ':8:21: Account.Team.references: no type named "Team" in the manifest; types that '
        "exist only in the organization are checked by `plan`",
    ]
    manifest = load_text(tmp_path, EXTERNAL, allow_external_references=True)
    # plan resolves it against the org (tests/cases/plan/errors-at-plan-time)
    [field] = manifest.types[0].kids("custom_field")
    assert field.pos is not None
    assert (field.values["references"], field.pos) == ("Team", Pos(field.pos.file, 6, 9))


# -- limits and hostile input --------------------------------------------------------------


def test_a_10_mb_file_is_refused_quickly(tmp_path: Path) -> None:
    line = "      - {name: Field, type: text, description: " + "x" * 60 + "}\n"
    (tmp_path / "manifest.yaml").write_text(HEAD + line * (10 * 2**20 // len(line)))
    started = time.monotonic()
    with pytest.raises(ManifestError) as info:
        load_manifest(str(tmp_path / "manifest.yaml"))
    assert time.monotonic() - started < 5
    assert "file is too large (10.0 MB; the limit is 5 MB)" in str(info.value)


def test_a_large_file_under_the_cap_loads(tmp_path: Path) -> None:
    # Long descriptions: few values, many bytes. Then many tiny values: the value limit.
    field = "      - name: Field {}\n        type: text\n        description: {}\n"
    fields = "".join(field.format(i, "d" * 280) for i in range((MAX_BYTES - 2**20) // 340))
    manifest = load_text(tmp_path, HEAD + fields)
    assert len(manifest.types[0].kids("custom_field")) > 10_000
    many = (
        HEAD + "      - name: F\n        type: choices\n        choices: [" + "a," * 10**6 + "]\n"
    )
    with pytest.raises(ManifestError, match="document is too large"):
        load_text(tmp_path, many)


def test_alias_expansion_is_bounded(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    started = time.monotonic()
    assert problems_of(tmp_path, "\n".join(lines))[0].endswith("(aliases expanded)")
    assert time.monotonic() - started < 5


class _LibyamlWithALimit(yaml.SafeLoader):
    """Stands for a libyaml with a nesting limit of its own, hit while scanning ahead (as the
    one in PyYAML 6.0.2+ wheels does at 1000 levels, before our check sees level 65)."""

    def get_event(self) -> Any:
        if self.flow_level > 8 or len(self.indents) > 8:
            mark = self.get_mark()
            raise yaml.scanner.ScannerError(
                "while increasing flow level", mark, "exceeded maximum nesting depth", mark
            )
        return super().get_event()


@pytest.mark.parametrize(
    "loader",
    [
        "default",  # the C loader when PyYAML has one, with whatever limit its libyaml has
        yaml.SafeLoader,  # PyYAML without libyaml
        _LibyamlWithALimit,
    ],
)
def test_nesting_depth_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: Any
) -> None:
    # One problem, one position, whatever parser PyYAML uses and whatever its own limits.
    if loader != "default":
        monkeypatch.setattr("schemasync.yamlpos._Loader", loader)
    deep = "version: 1\ncustom_object_types: " + "[" * 100_000 + "]" * 100_000 + "\n"
    assert problems_of(tmp_path, deep) == [
        f":2:{22 + MAX_DEPTH - 1}: values are nested too deeply (more than {MAX_DEPTH} levels)"
    ]
    block = "".join(" " * i + "- \n" for i in range(0, 2000, 2))
    assert problems_of(tmp_path, block) == [
        f":{MAX_DEPTH + 1}:{2 * MAX_DEPTH + 1}: values are nested too deeply "
        f"(more than {MAX_DEPTH} levels)"
    ]


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "manifest.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ManifestError, match="not a regular file"):
        load_manifest(str(fifo))


def test_an_unreadable_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 0 does not stop root (CI runs as root), so the refusal comes from open() itself.
    path = tmp_path / "manifest.yaml"
    path.write_text("version: 1\n")
    real_open = open

    def refusing_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(ManifestError, match="cannot read the file: Permission denied"):
        load_manifest(str(path))


# -- properties ----------------------------------------------------------------------------


def check_any_input(tmp_path: Path, data: str | bytes) -> None:
    """The loader's contract: a Manifest or a ManifestError, the same each time."""
    try:
        first: Any = load_text(tmp_path, data)
    except ManifestError as e:
        assert e.problems and all(p.file.endswith("manifest.yaml") for p in e.problems)
        first = [str(p) for p in e.problems]
    else:
        assert isinstance(first, Manifest)
    try:
        again: Any = load_text(tmp_path, data)
    except ManifestError as e:
        again = [str(p) for p in e.problems]
    assert again == first


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_give_a_manifest_error(tmp_path: Path, data: bytes) -> None:
    check_any_input(tmp_path, data)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from([*FIELD_TYPES, "on", "yes", "2024-01-01", "1e3", "Account"])
)
yamlish = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(MANIFEST_KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=25,
)


@FUZZ
@given(value=yamlish, wrap=st.booleans())
def test_random_yaml_gives_a_manifest_or_an_error(tmp_path: Path, value: Any, wrap: bool) -> None:
    if wrap:  # reach the type and field rules, not just the top level
        value = {"version": 1, "custom_object_types": [value]}
    check_any_input(tmp_path, yaml.safe_dump(value, allow_unicode=True))


EXAMPLE_LINES = EXAMPLE.read_text().splitlines()
edits = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "indent", "dedent", "swap", "insert"]),
        st.integers(0, len(EXAMPLE_LINES) - 1),
        st.integers(0, len(EXAMPLE_LINES) - 1),
        st.text(max_size=10),
    ),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(changes=edits)
def test_mangled_example_gives_a_manifest_or_an_error(tmp_path: Path, changes: list[Any]) -> None:
    lines = list(EXAMPLE_LINES)
    for op, i, j, text in changes:
        i, j = i % len(lines), j % len(lines)
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].removeprefix(" ")
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, text)
    check_any_input(tmp_path, "\n".join(lines) + "\n")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(manifest=manifests())
def test_dumped_manifests_load_back_equal(tmp_path: Path, manifest: SpecManifest) -> None:
    text = yaml.safe_dump(
        document(manifest),
        allow_unicode=True,
        sort_keys=False,
    )
    assert canonical(load_text(tmp_path, text)) == canonical(manifest)


def test_a_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(
        'version: 1\ncustom_object_types:\n  - {name: "A\\nB", name_plural: X, "bad\\rkey": 1}\n'
    )
    with pytest.raises(ManifestError) as info:
        load_manifest(str(path))
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems) + 1  # the problems, then the summary
    assert all(line.startswith(str(path)) for line in lines[:-1])
    assert "bad\\rkey" in lines[0]


@pytest.mark.parametrize(
    "text", ["version: 1\n", "version: 1\nlead: {}\n", "version: 1\nignore: []\n"]
)
def test_a_manifest_without_a_section_is_warned_about(text: str) -> None:
    """A manifest that names no section manages nothing: every plan against it is empty (a
    wrong file, or a drift check that can never fail), so validate and plan say so."""
    manifest = load_manifest_text(text, "m.yaml")
    assert manifest.warnings == (
        "m.yaml: no section (custom_object_types, lead.fields, lead.statuses ...): this "
        "manifest manages nothing in the org, and plans against it never change anything",
    )


@pytest.mark.parametrize(
    "text", ["version: 1\nlead:\n  fields: []\n", "version: 1\ncustom_object_types: []\n"]
)
def test_an_empty_section_is_managed_and_not_warned_about(text: str) -> None:
    assert load_manifest_text(text, "m.yaml").warnings == ()
