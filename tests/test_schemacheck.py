"""The quick schema check must agree with jsonschema: it may only say True when jsonschema
says valid, and it must answer (not None) for our schemas, or `validate` would not be fast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemasync.manifest import load_schema
from schemasync.schemacheck import conforms
from schemasync.yamlpos import parse_yaml, to_plain
from tests.strategies import document as as_document
from tests.strategies import manifests

SCHEMA = load_schema("manifest.schema.json")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CASES = Path(__file__).parent / "cases"


def agree(document: Any) -> None:
    verdict = conforms(document, SCHEMA)
    assert verdict is not None, "the quick check must understand our schema"
    assert verdict == VALIDATOR.is_valid(document), document


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from(["", " ", "text", "choices", "Account", "1", "version"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "custom_object_types",
                    "name",
                    "name_plural",
                    "fields",
                    "type",
                    "choices",
                    "references",
                    "required",
                    "extra",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_agrees_on_arbitrary_documents(document: Any) -> None:
    agree(document)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests(), st.data())
def test_agrees_on_manifests_and_their_mutations(m: Any, data: st.DataObject) -> None:
    document = as_document(m, defaults=True)
    agree(document)
    if document["custom_object_types"]:
        t = data.draw(st.sampled_from(document["custom_object_types"]))
        key = data.draw(
            st.sampled_from(
                ["name", "name_plural", "api_create_only", "fields", "bogus", "description"]
            )
        )
        t[key] = data.draw(json_values)
        agree(document)


def test_agrees_on_the_case_corpus() -> None:
    files = [
        *CASES.glob("invalid/*/manifest.yaml"),
        *CASES.glob("valid/*/manifest.yaml"),
        *CASES.glob("plan/*/manifest.yaml"),
        Path("examples/crm.yaml"),
    ]
    checked = 0
    for path in files:
        root, _problems = parse_yaml(path.read_text(errors="replace"), str(path))
        if root is not None:
            agree(to_plain(root))
            checked += 1
    assert checked > 40


def test_unknown_keywords_answer_none() -> None:
    assert conforms({"a": 1}, {"type": "object", "minProperties": 2}) is None
    assert conforms(1, {"$ref": "https://example.invalid/s.json"}) is None
    assert conforms(True, {"const": 1}) is False  # JSON: true is not 1
    assert conforms(1.0, {"type": "integer"}) is True
