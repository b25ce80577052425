"""Reading manifests: YAML files in, a validated `Manifest` out, or every problem at once.

Files are read by yamlpos (every value located, YAML 1.2 core types); structural rules come
from `schemas/manifest.schema.json`, checked with jsonschema; the rules that relate values to
each other (duplicate names, choices and references only where they belong, multi-values,
`renamed_from` conflicts) are in manifest_rules. Any input, however broken, ends in a
`Manifest` or a `ManifestError`; past MAX_PROBLEMS problems the list is cut short.

Problem paths name objects the way plan addresses do: a type by its name, a field by its type
and field name, then the attribute and list indexes:

    Account                     the type named Account
    Account.name_plural         one of its attributes
    Account.Status.choices[2]   a field's attribute, and an entry of it
    custom_object_types[3]      a type (or `Account.fields[0]` a field) with no usable name

Strings stay strings: where the schema expects a string, an unquoted scalar that YAML would
read as a number or boolean (`on` is a string already, `1e3`, `007`, `true` are not) is taken
as written.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from schemasync.errors import ManifestError, Problem, SchemaSyncError
from schemasync.manifest_build import build_manifest
from schemasync.manifest_rules import (
    MAX_PROBLEMS,
    Checker,
    child,
    describe,
    did_you_mean,
)
from schemasync.model import Manifest, Obj
from schemasync.schemacheck import conforms, resolve_ref
from schemasync.yamlpos import Node, parse_yaml, read_yaml_file, to_plain

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

MANIFEST_SCHEMA = "manifest.schema.json"
YAML_SUFFIXES = (".yaml", ".yml")  # compared with the lower-cased file name
ENVIRONMENTS_FILES = ("schemasync.yaml", "schemasync.yml")


def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with the package (`schemas/` in the source tree).

    Read by path, not through importlib.resources (whose import alone costs `validate` more
    than reading the file): installed, the schemas sit in the package's `schemas/` folder; in a
    source checkout (tests run from the repo root) they sit in the repo's `schemas/`.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (os.path.join(here, "schemas"), os.path.join(os.path.dirname(here), "schemas")):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as fh:
                schema: dict[str, Any] = json.loads(fh.read())
            return schema
    from importlib.resources import files  # e.g. a zipped install

    text = files("schemasync.schemas").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return load_schema(MANIFEST_SCHEMA)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    # Imported here: a valid manifest never needs jsonschema (see schemacheck).
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_schema())


def load_manifest(path: str, *, allow_external_references: bool = False) -> Manifest:
    """Read a manifest file, or every `*.yaml`/`*.yml` file of a directory tree, merged.

    The files a directory skips are named in the manifest's `warnings` (see _manifest_files).

    Raises ManifestError with every problem found. A `references` naming a type the manifest
    does not declare is a problem unless `allow_external_references` (plan resolves those
    against the live organization: diff._Ctx.reference_id).
    """
    paths, problems, warnings = _manifest_files(path)
    read = [(file, *read_yaml_file(file, describe)) for file in paths]
    return _load(read, problems, warnings, tuple(paths), allow_external_references)


def load_manifest_text(text: str, name: str, *, allow_external_references: bool = True) -> Manifest:
    """A manifest from text held in memory (an export on its way to a plan: promote, diff);
    problems name it `name`."""
    root, found = parse_yaml(text, name, describe)
    return _load([(name, root, found)], [], [], (name,), allow_external_references)


def _load(
    read: list[tuple[str, Node | None, list[Problem]]],
    problems: list[Problem],
    warnings: list[str],
    paths: tuple[str, ...],
    allow_external_references: bool,
) -> Manifest:
    roots: list[Node] = []
    for file, root, found in read:
        problems += found
        if root is None:
            if not found:
                message = "the file is empty; a manifest starts with `version: 1`"
                problems.append(Problem(file, 1, 1, "", message))
            continue
        _strings_stay_strings(root, _schema())
        problems += _structural_problems(root)
        roots.append(root)
    every_file_read = len(roots) == len(read)
    checker = Checker(check_references=every_file_read and not allow_external_references)
    problems += checker.run(roots)
    if problems:
        problems = sorted(set(problems))
        if len(problems) > MAX_PROBLEMS or checker.truncated:
            shown = f"the first {MAX_PROBLEMS} are shown"
            summary = f"more than {MAX_PROBLEMS} manifest problems found; {shown}"
            raise ManifestError(problems[:MAX_PROBLEMS], summary)
        raise ManifestError(problems)
    manifest = build_manifest([(to_plain(root), root) for root in roots], paths)
    if not manifest.sections:
        where = paths[0] if len(paths) == 1 else f"{len(paths)} files"
        warnings = [
            *warnings,
            f"{where}: no section (custom_object_types, lead.fields, lead.statuses ...): this "
            "manifest manages nothing in the org, and plans against it never change anything",
        ]
    return dataclasses.replace(manifest, warnings=(*warnings, *checker.warnings))


# -- reading files -------------------------------------------------------------------------


def _manifest_files(path: str) -> tuple[list[str], list[Problem], list[str]]:
    """The manifest files of `path`, the problems found listing them, and one warning for
    each file a directory skips.

    A directory is read with its sub-directories: every `*.yaml`/`*.yml` file (any case), in
    the order of their paths relative to it. Hidden files and folders (editor backups, lock
    files, `.git`) are left out silently; the environments file (`schemasync.yaml`) and any
    other file are named in a warning. Symbolic links are followed, after the real folders, and
    a folder already read is not read again (so a link loop ends).
    """
    if not os.path.isdir(path):
        return [path], [], []  # read_yaml_file reports a missing or unreadable path
    found: list[tuple[str, str]] = []  # (relative path with "/", path)
    skipped: list[tuple[str, str]] = []  # (path, why)
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    todo = [(path, "")]
    links: list[tuple[str, str]] = []  # linked folders, followed once the real ones are read
    while todo or links:
        folder, rel = todo.pop() if todo else links.pop(0)
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            problems.append(
                Problem(folder, 0, 0, "", f"cannot read the directory: {e.strerror or e}")
            )
            continue
        if key in seen:
            skipped.append((folder, "a link to a folder that is read already"))
            continue
        seen.add(key)
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            where = os.path.join(folder, name)
            if _is_dir(entry):
                (links if entry.is_symlink() else subfolders).append((where, f"{rel}{name}/"))
            elif name.lower() in ENVIRONMENTS_FILES:
                skipped.append((where, "the environments file is not part of the manifest"))
            elif not name.lower().endswith(YAML_SUFFIXES):
                skipped.append((where, "not a *.yaml or *.yml file"))
            elif not _is_file(entry):
                skipped.append((where, "not a regular file"))
            else:
                found.append((f"{rel}{name}", where))
        todo.extend(reversed(subfolders))
    warnings = [f"{where}: skipped ({why})" for where, why in sorted(skipped)]
    if not found and not problems:
        message = "no *.yaml or *.yml files in this directory or its sub-directories"
        if skipped:
            names = [os.path.relpath(where, path) for where, _ in sorted(skipped)]
            more = f", and {len(names) - 10} more" if len(names) > 10 else ""
            message += f" (skipped: {', '.join(names[:10])}{more})"
        problems.append(Problem(path, 0, 0, "", message))
    return [where for _, where in sorted(found)], problems, warnings


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows a symbolic link, as reading the files would
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


# -- structure -----------------------------------------------------------------------------


def _schema_types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", ())
    return {kind} if isinstance(kind, str) else set(kind)


def _strings_stay_strings(node: Node, schema: dict[str, Any]) -> None:
    """Where the schema expects a string, take unquoted numbers and booleans as written."""
    schema = resolve_ref(_schema(), schema)
    if "if" in schema:  # a list item that is one of two things (a field or a placement)
        taken = conforms(to_plain(node), {**schema["if"], "$defs": _schema()["$defs"]})
        schema = resolve_ref(_schema(), schema["then"] if taken else schema["else"])
    if node.is_map:
        properties = schema.get("properties", {})
        for key, sub in node.value.items():
            if key in properties:
                _strings_stay_strings(sub, properties[key])
    elif node.is_seq:
        if isinstance(schema.get("items"), dict):
            for sub in node.value:
                _strings_stay_strings(sub, schema["items"])
    elif node.source is not None and node.value is not None and "string" in _schema_types(schema):
        node.value, node.source = node.source, None


_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean (true/false)",
    "integer": "an integer",
    "number": "a number",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _got(node: Node) -> str:
    value = node.value
    if node.is_map:
        return "a mapping"
    if node.is_seq:
        return "a list"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "nothing" if node.source == "" else "null"
    return node.source if node.source is not None else json.dumps(value)


def _structural_problems(root: Node) -> list[Problem]:
    problems = []
    document = to_plain(root)
    if conforms(document, _schema()):
        return []
    errors = list(itertools.islice(_validator().iter_errors(document), MAX_PROBLEMS + 1))
    # A value of the wrong type also fails its const/enum/pattern: say only what matters.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for error in errors:
        data_path = tuple(error.absolute_path)
        if data_path in mistyped and error.validator != "type":
            continue
        node = root
        for step in data_path:
            node = child(node, step) or node
        problems += _translate(error, root, node, data_path)
    return problems


def _translate(
    error: ValidationError, root: Node, node: Node, data_path: tuple[Any, ...]
) -> list[Problem]:
    path = describe(root, data_path)
    kind, expected = error.validator, error.validator_value
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        problems = []
        for key, key_node in node.keys.items():
            if key not in allowed:
                hint = did_you_mean(key, allowed) or (
                    " (merge keys are not supported)" if key == "<<" else ""
                )
                message = f'unknown key "{key}"{hint}; allowed: {", ".join(allowed)}'
                problems.append(key_node.problem(describe(root, (*data_path, key)), message))
        return problems
    if kind == "required":
        return [
            node.problem(path, f'"{name}" is required')
            for name in expected
            if name not in node.value
        ]
    if kind == "type":
        kinds = [expected] if isinstance(expected, str) else expected
        words = " or ".join(_TYPE_WORDS[t] for t in kinds)
        if not data_path:
            words = "a mapping with `version: 1` and the sections to manage"
        return [node.problem(path, f"expected {words}, got {_got(node)}")]
    if kind == "enum":
        hint = did_you_mean(node.value, expected)
        options = ", ".join("null" if o is None else str(o) for o in expected)
        return [node.problem(path, f"must be one of: {options}; got {_got(node)}{hint}")]
    if kind == "const" and data_path == ("version",):
        got = _got(node)
        return [
            node.problem(
                path,
                f"unsupported manifest version {got}; this schemasync reads version {expected}",
            )
        ]
    if kind == "const":
        return [node.problem(path, f"must be {json.dumps(expected)}, got {_got(node)}")]
    if kind == "pattern" and expected == "\\S":
        return [node.problem(path, "must not be empty or blank")]
    return [node.problem(path, error.message)]


def _counts(m: Manifest) -> str:
    """What a manifest declares, counted: "2 type(s), 9 field(s)" and the other sections."""
    counts: dict[str, int] = {}

    def visit(obj: Obj) -> None:
        if obj.kind.name != "standard_object":
            counts[obj.kind.noun] = counts.get(obj.kind.noun, 0) + 1
        for kids in obj.children.values():
            for kid in kids:
                visit(kid)

    for objs in m.objects.values():
        for obj in objs:
            visit(obj)
    counts.setdefault("type", len(m.types))
    counts.setdefault("field", 0)
    order = ["type", "field", *sorted(k for k in counts if k not in ("type", "field"))]
    return ", ".join(f"{counts[k]} {k}{'(es)' if k.endswith('s') else '(s)'}" for k in order)


def validate_paths(manifests: tuple[str, ...], say: Callable[[str], None]) -> None:
    """Validate each path offline as a manifest of its own; raise if any is invalid.

    One path raises its own ManifestError; with several, every problem of every path is said
    first and a single error follows, so pre-commit shows them all in one run.
    """
    invalid = 0
    for manifest in manifests:
        try:
            m = load_manifest(manifest)
        except ManifestError as e:
            if len(manifests) == 1:
                raise
            invalid += 1
            for p in e.problems:
                say(str(p))
            say(f"{manifest} is invalid: {e.summary}.")
            continue
        for warning in m.warnings:
            say(f"Warning: {warning}")
        say(f"{manifest} is valid: {_counts(m)} in {len(m.sources)} file(s).")
    if invalid:
        raise SchemaSyncError(f"{invalid} of {len(manifests)} manifests are invalid")
