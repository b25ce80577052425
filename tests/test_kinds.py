"""The declarations of schemasync/kinds, checked (they are data: a test, not the import, says
when one is inconsistent): dependency order, stages, what live reading keeps, packaging, and
agreement with the emulator's own, independent table of the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemasync.emulator.collections import COLLECTIONS
from schemasync.kinds import BY_NAME, CHILDREN, KINDS, TOP_KINDS, Kind
from schemasync.kinds.base import Mut, Ref
from schemasync.kinds.shared import PLACEMENT
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.live.groups import SLIM
from schemasync.util import plural

ROOT = Path(__file__).parent.parent
NAMED = [k for k in KINDS if k is not STANDARD_OBJECT]


def _parents(kind: Kind) -> list[Kind]:
    return [BY_NAME[p] for p in ((kind.parent,) if kind.parent else kind.owners)]


def _targets(kind: Kind) -> list[Kind]:
    return [BY_NAME[a.codec.target] for a in kind.attrs if isinstance(a.codec, Ref)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", NAMED, ids=lambda k: k.name)
def test_owners_and_referenced_kinds_come_first(kind: Kind) -> None:
    for before in (*_parents(kind), *_targets(kind)):
        assert before.rank < kind.rank, (before.name, kind.name)
        if before is not STANDARD_OBJECT:
            # created before, deleted after
            assert before.write_stage < kind.write_stage, (before.name, kind.name)
            assert before.delete_stage > kind.delete_stage, (before.name, kind.name)


@pytest.mark.parametrize("kind", NAMED, ids=lambda k: k.name)
def test_stages_run_writes_then_updates_then_deletes(kind: Kind) -> None:
    assert kind.write_stage <= kind.update_stage < kind.delete_stage
    assert kind.update_stage < 80 < kind.delete_stage  # reorders (stage 80) in between


def test_top_kinds_and_children_cover_every_kind() -> None:
    reachable = {k.name for k in TOP_KINDS}
    for kids in CHILDREN.values():
        reachable |= {k.name for k in kids}
    assert reachable == set(BY_NAME)


def test_every_child_of_a_type_is_in_its_display_order() -> None:
    """Export writes a type's children only through its display order (`ordered`): a child
    kind of a custom object, activity type or pipeline that the order did not list would
    never be exported."""
    for owner in KINDS:
        if owner is STANDARD_OBJECT:
            continue
        for child in CHILDREN[owner.name]:
            assert child.name in owner.ordered, (owner.name, child.name)


@pytest.mark.parametrize("kind", NAMED, ids=lambda k: k.name)
def test_every_attribute_is_declared_once(kind: Kind) -> None:
    keys = [a.key for a in kind.attrs]
    apis = [a.api_key for a in kind.attrs]
    assert len(set(keys)) == len(keys) and len(set(apis)) == len(apis)
    assert kind.identity in keys
    body = set(kind.body_order)
    for a in kind.attrs:
        # every attribute a create carries has its place in the body order (a placement's
        # shared field is named by its path instead)
        if a.on_create and not (kind is PLACEMENT and a.key == kind.identity):
            assert a.api_key in body, a.key
        if a.mut is Mut.CONVERT:
            assert a.replace_if is not None, "a conversion says when it is a replace after all"


@pytest.mark.parametrize(
    ("raw", "kind_names"),
    [
        ("types", ["custom_object_type"]),
        ("fields", ["custom_field"]),
        ("activity_types", ["custom_activity_type"]),
        ("activity_fields", ["activity_custom_field"]),
        ("shared_fields", ["shared_custom_field"]),
        ("lead_statuses", ["lead_status"]),
        ("pipelines", ["pipeline"]),
    ],
)
def test_slim_decoding_keeps_every_key_the_parser_reads(raw: str, kind_names: list[str]) -> None:
    keys = SLIM[raw].keys
    for name in kind_names:
        kind = BY_NAME[name]
        needed = {a.api_key for a in kind.attrs}
        assert needed <= keys, needed - keys
        if kind.parent_key:
            assert kind.parent_key in keys


def test_the_emulator_agrees_on_every_collection_path() -> None:
    """Two independent readings of the API (the emulator must not derive its table from the
    kinds): the paths each kind writes to are collections the emulator serves."""
    served = {c.path for c in COLLECTIONS}
    for kind in NAMED:
        if kind is PLACEMENT:
            continue  # its path names a shared field: /custom_field/shared/{id}/association/
        assert kind.collection in served, kind.name
    prefixes = {c.path: c.prefix for c in COLLECTIONS}
    assert prefixes["/custom_object_type/"] == "cotype_"
    assert prefixes["/custom_activity/"] == "actitype_"
    assert prefixes["/pipeline/"] == "pipe_"


def test_every_package_is_shipped() -> None:
    """A non-editable install ships only the packages pyproject lists."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^packages = \[(.*?)\]", text, re.S | re.M)
    assert block is not None
    listed = set(re.findall(r'"([\w.]+)"', block.group(1)))
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "schemasync").rglob("__init__.py")
    }
    assert found <= listed, found - listed


def test_every_section_says_what_it_reads() -> None:
    """One list of sections (schemasync/sections.py): the reader knows what each needs, and
    the manifest's JSON Schema has each one (top level, or under lead/contact/opportunity)."""
    import json

    from schemasync.live.read import NEEDS
    from schemasync.sections import SECTIONS

    assert set(NEEDS) == set(SECTIONS)
    root = Path(__file__).resolve().parent.parent
    schema = json.loads((root / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
    top = set(schema["properties"])
    for section in SECTIONS:
        assert section.split(".")[0] in top, section


def test_code_cites_only_documents_in_the_repository() -> None:
    """Comments cite docs/close-api-facts.md (or Close's pages), never research notes that are
    not in the repository."""
    root = Path(__file__).resolve().parent.parent
    outside = re.compile(r"close-api(-schema)?\.md")
    cited = [
        str(path.relative_to(root))
        for folder in ("schemasync", "tests", "benchmarks", "examples")
        for path in (root / folder).rglob("*.py")
        if outside.search(path.read_text(encoding="utf-8").replace("close-api-facts.md", ""))
    ]
    assert cited == []
    assert (root / "docs" / "close-api-facts.md").is_file()


@pytest.mark.parametrize(
    ("noun", "many"),
    [
        ("type", "types"),
        ("status", "statuses"),
        ("opportunity", "opportunities"),
        ("key", "keys"),
        ("activity type", "activity types"),
    ],
)
def test_plural(noun: str, many: str) -> None:
    assert plural(noun) == many
