"""The manifest reference in the README, generated from the manifest's JSON Schema.

The schema is the single source of the structural rules and of their descriptions, so the
README section between the markers below is rendered from it, never edited by hand:

    python -m schemasync.schema_doc --write README.md    # rewrite that section in place
    python -m schemasync.schema_doc                      # print it

tests/test_schema_doc.py fails when the README and the schema disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from schemasync.schemacheck import resolve_ref

START = "<!-- manifest-reference:start -->"
END = "<!-- manifest-reference:end -->"
HEADING = "## Manifest reference"
_TYPE_WORDS = {
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
    "number": "number",
    "object": "mapping",
    "array": "list",
    "null": "null",
}


def _resolve(root: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref`, keeping the keywords beside it (a description)."""
    if "$ref" not in schema:
        return schema
    return {**resolve_ref(root, schema), **{k: v for k, v in schema.items() if k != "$ref"}}


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    return "#" + "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c == "-")


def _type_text(root: dict[str, Any], schema: dict[str, Any], plural: bool = False) -> str:
    if "if" in schema:  # one of two things: a field or a placement, a label or a status
        return " and ".join(_type_text(root, schema[branch], plural) for branch in ("else", "then"))
    target = resolve_ref(root, schema)
    if "title" in target and target.get("type") == "object":
        title = target["title"][0].lower() + target["title"][1:]
        ending = ("es" if title.endswith("s") else "s") if plural else ""
        return f"[{title}{ending}]({_anchor(target['title'])})"
    schema = _resolve(root, schema)
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if kinds == ["array"]:
        return "list of " + _type_text(root, schema.get("items", {}), plural=True)
    words = [_TYPE_WORDS[k] + ("s" if plural else "") for k in kinds]
    if schema.get("pattern") == "\\S":
        words = [f"non-blank {w}" for w in words]
    return " or ".join(words) or "any"


def _objects(root: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The object schemas to document, in the order a reader meets them: (title, schema)."""
    found: list[tuple[str, dict[str, Any]]] = [("Manifest file", root)]
    seen: set[str] = set()
    i = 0
    while i < len(found):
        for prop in found[i][1].get("properties", {}).values():
            items = _resolve(root, prop).get("items", {})
            for sub in (prop, items, items.get("else", {}), items.get("then", {})):
                ref = sub.get("$ref")
                target = resolve_ref(root, sub) if ref else {}
                if ref and ref not in seen and target.get("type") == "object":
                    seen.add(ref)
                    found.append((target.get("title", ref.rsplit("/", 1)[-1]), target))
        i += 1
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_manifest_reference(schema: dict[str, Any]) -> str:
    """Markdown reference of every key of the manifest, from its JSON Schema."""
    lines = [
        "<!-- Generated from schemas/manifest.schema.json by "
        "`python -m schemasync.schema_doc --write README.md`: edit the schema, not this. -->",
        "",
        _cell(schema.get("description", "")),
    ]
    for title, obj in _objects(schema):
        lines += ["", f"### {title}", ""]
        if obj is not schema:  # the schema's own description opens the section
            lines += [_cell(obj.get("description", "")), ""]
        lines += [
            "| Key | Type | Required | Default | Description |",
            "| --- | --- | --- | --- | --- |",
        ]
        required = set(obj.get("required", ()))
        for key, prop in obj.get("properties", {}).items():
            resolved = _resolve(schema, prop)
            default = f"`{json.dumps(resolved['default'])}`" if "default" in resolved else ""
            lines.append(
                f"| `{key}` | {_type_text(schema, prop)} | {'yes' if key in required else 'no'} "
                f"| {default} | {_cell(resolved.get('description', ''))} |"
            )
    return "\n".join(lines) + "\n"


def replace_section(document: str, section: str) -> str:
    """The document with the text between the markers replaced (appended when absent)."""
    if START in document and END in document:
        head, rest = document.split(START, 1)
        _, tail = rest.split(END, 1)
        return f"{head}{START}\n{section}{END}{tail}"
    return f"{document.rstrip()}\n\n{HEADING}\n\n{START}\n{section}{END}\n"


def section_of(document: str) -> str | None:
    """The text between the markers, or None when they are missing."""
    if START not in document or END not in document:
        return None
    return document.split(START, 1)[1].split(END, 1)[0].removeprefix("\n")


def main(argv: Sequence[str] | None = None) -> int:
    from schemasync.manifest import MANIFEST_SCHEMA, load_schema

    parser = argparse.ArgumentParser(
        prog="python -m schemasync.schema_doc", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--write", metavar="FILE", help="rewrite the section of FILE in place")
    args = parser.parse_args(argv)
    section = render_manifest_reference(load_schema(MANIFEST_SCHEMA))
    if args.write is None:
        sys.stdout.write(section)
        return 0
    with open(args.write, encoding="utf-8") as f:
        document = f.read()
    with open(args.write, "w", encoding="utf-8", newline="\n") as f:
        f.write(replace_section(document, section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
