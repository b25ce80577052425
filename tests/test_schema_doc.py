"""The README's manifest reference is the one generated from the JSON Schema."""

from __future__ import annotations

from pathlib import Path

from schemasync.manifest import MANIFEST_SCHEMA, load_schema
from schemasync.schema_doc import (
    END,
    START,
    main,
    render_manifest_reference,
    replace_section,
    section_of,
)

README = Path(__file__).parent.parent / "README.md"


def test_readme_holds_the_generated_reference() -> None:
    expected = render_manifest_reference(load_schema(MANIFEST_SCHEMA))
    assert section_of(README.read_text(encoding="utf-8")) == expected, (
        "README.md is out of date: run `python -m schemasync.schema_doc --write README.md`"
    )


def test_reference_names_every_key_of_the_schema() -> None:
    schema = load_schema(MANIFEST_SCHEMA)
    text = render_manifest_reference(schema)
    objects = [schema, schema["$defs"]["customObjectType"], schema["$defs"]["customField"]]
    for obj in objects:
        for key, prop in obj["properties"].items():
            assert f"| `{key}` |" in text
            assert " ".join(prop["description"].split()) in text
    assert "### Custom object type" in text and "[custom fields](#custom-field)" in text


def test_write_replaces_only_the_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nintro\n\n{START}\nstale\n{END}\n\n## After\n")
    assert main(["--write", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# Title\n\nintro\n\n") and text.endswith(f"{END}\n\n## After\n")
    assert "stale" not in text
    assert section_of(text) == render_manifest_reference(load_schema(MANIFEST_SCHEMA))
    assert main(["--write", str(readme)]) == 0 and readme.read_text() == text


def test_write_appends_the_section_when_missing() -> None:
    text = replace_section("# schemasync\n", "generated\n")
    assert text == f"# schemasync\n\n## Manifest reference\n\n{START}\ngenerated\n{END}\n"
    assert section_of(text) == "generated\n"
