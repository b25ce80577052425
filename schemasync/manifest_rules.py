"""The semantic rules of a manifest, and the readable paths its problems are reported under.

The rules relate values to each other, which JSON Schema cannot express: unique names, choices
and references only on the field types that take them, multi-values, `renamed_from` conflicts,
repeated list entries. They run on the located YAML trees of every file at once, after the
structural check, and each looks only at values of the right shape (the schema reported the
others), so one mistake gives one problem. Paths follow the scheme described in manifest.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from schemasync.errors import Problem
from schemasync.model import FIELD_TYPES, MULTI_VALUE_TYPES
from schemasync.yamlpos import Node

MAX_PROBLEMS = 200  # beyond this a listing helps nobody, and building it takes time


def name_of(node: Node | None) -> str | None:
    """The usable name of a type or field mapping, or None."""
    if node is None or not node.is_map or "name" not in node.value:
        return None
    name = node.value["name"]
    text = name.value if isinstance(name.value, str) else name.source
    return text if text and text.strip() else None


def describe(root: Node, data_path: tuple[Any, ...]) -> str:
    """The readable path of a data path, as described in manifest.py."""
    parts: list[str] = []
    node: Node | None = root
    for depth, step in enumerate(data_path):
        sub = child(node, step)
        named = (
            isinstance(step, int)
            and data_path[0] == "custom_object_types"
            and (depth == 1 or (depth == 3 and data_path[2] == "fields"))
        )
        name = name_of(sub) if named else None
        if name is not None:
            parts[-1] = name  # the name stands for "custom_object_types[i]" or "fields[i]"
        elif isinstance(step, int):
            parts.append(f"{parts.pop() if parts else ''}[{step}]")
        else:
            parts.append(str(step))
        node = sub
    return ".".join(parts)


def child(node: Node | None, step: Any) -> Node | None:
    if node is None:
        return None
    if node.is_map:
        return node.value.get(step) if isinstance(step, str) else None
    if node.is_seq and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def did_you_mean(word: Any, options: Iterable[str]) -> str:
    import difflib  # only when there is a typo to suggest a fix for

    close = difflib.get_close_matches(str(word), list(options), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


Located = tuple[Node, str]  # a type or field mapping and its readable path


def types_of(roots: list[Node]) -> Iterator[Located]:
    for root in roots:
        types = root.value.get("custom_object_types") if root.is_map else None
        if types is not None and types.is_seq:
            for i, t in enumerate(types.value):
                if t.is_map:
                    yield t, name_of(t) or f"custom_object_types[{i}]"


def fields_of(t: Located) -> Iterator[Located]:
    fields = t[0].value.get("fields")
    if fields is not None and fields.is_seq:
        for i, f in enumerate(fields.value):
            if f.is_map:
                yield f, f"{t[1]}.{name_of(f) or f'fields[{i}]'}"


class Checker:
    """The semantic rules, over every file's tree; each looks only at well-formed values."""

    def __init__(self, *, check_references: bool) -> None:
        self.check_references = check_references
        self.problems: list[Problem] = []
        self.truncated = False

    def run(self, roots: list[Node]) -> list[Problem]:
        types = list(types_of(roots))
        self._unique(types, "type")
        self._renames(types, "type")
        type_names = {n for t, _ in types if (n := name_of(t)) is not None}
        for t in types:
            fields = list(fields_of(t))
            self._unique(fields, "field")
            self._renames(fields, "field")
            for obj in (t, *fields):
                self._no_duplicates(obj, "editable_with_roles", "role")
            for f in fields:
                self._field(f, type_names)
        return self.problems

    def _add(self, node: Node, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(node.problem(path, message))
        else:
            self.truncated = True

    def _unique(self, objects: list[Located], kind: str) -> None:
        first: dict[str, Node] = {}
        for obj, path in objects:
            name = name_of(obj)
            if name is None:
                continue
            if name in first:
                self._add(
                    obj, path, f'{kind} "{name}" is declared twice: also at {first[name].where()}'
                )
            else:
                first[name] = obj

    def _renames(self, objects: list[Located], kind: str) -> None:
        current = {n: obj for obj, _ in objects if (n := name_of(obj)) is not None}
        claimed: dict[str, tuple[Node, str]] = {}
        for obj, path in objects:
            name = name_of(obj)
            for entry, entry_path in self._no_duplicates((obj, path), "renamed_from", "name"):
                old = entry.value
                if old == name:
                    self._add(entry, entry_path, f'"{old}" is this {kind}\'s own name')
                elif old in current:
                    self._add(
                        entry,
                        entry_path,
                        f'"{old}" is the name of another {kind}, '
                        f"declared at {current[old].where()}",
                    )
                elif old in claimed:
                    other, other_name = claimed[old]
                    self._add(
                        entry,
                        entry_path,
                        f'"{old}" is also claimed by {kind} "{other_name}" at {other.where()}',
                    )
                else:
                    claimed[old] = (entry, name or path)

    def _no_duplicates(self, obj: Located, key: str, what: str) -> list[Located]:
        """Report repeated strings in a list of names; return the first of each, located."""
        items = obj[0].value.get(key)
        if items is None or not items.is_seq:
            return []
        seen: dict[str, Node] = {}
        kept = []
        for i, entry in enumerate(items.value):
            if not isinstance(entry.value, str) or not entry.value.strip():
                continue  # the schema reported it
            path = f"{obj[1]}.{key}[{i}]"
            first = seen.get(entry.value)
            if first is not None:
                self._add(
                    entry,
                    path,
                    f'{what} "{entry.value}" is listed twice (also at line '
                    f"{first.line}, column {first.col})",
                )
            else:
                seen[entry.value] = entry
                kept.append((entry, path))
        return kept

    def _field(self, located: Located, type_names: set[str]) -> None:
        f, path = located
        kind_node = f.value.get("type")
        kind = kind_node.value if kind_node is not None else None
        if kind not in FIELD_TYPES:
            return  # the schema reported it; the rules below depend on the type
        for key, only in (("choices", "choices"), ("references", "custom_object")):
            if key in f.value and kind != only:
                self._add(
                    f.keys[key],
                    f"{path}.{key}",
                    f"{key} is only allowed on {only} fields; this field's type is {kind}",
                )
            elif key not in f.value and kind == only:
                self._add(f, path, f'"{key}" is required for a {only} field')
        for key, allowed, what in (
            (
                "accepts_multiple_values",
                MULTI_VALUE_TYPES,
                "user, choices, contact and custom_object fields",
            ),
            ("back_reference_is_visible", {"custom_object"}, "custom_object fields"),
        ):
            value = f.value.get(key)
            if value is not None and value.value is True and kind not in allowed:
                self._add(
                    value,
                    f"{path}.{key}",
                    f"can be true only on {what}; this field's type is {kind}",
                )
        choices = f.value.get("choices")
        if kind == "choices" and choices is not None and choices.is_seq:
            if not choices.value:
                self._add(choices, f"{path}.choices", "must list at least one choice")
            self._no_duplicates(located, "choices", "choice")
        ref = f.value.get("references")
        if (
            kind == "custom_object"
            and self.check_references
            and ref is not None
            and isinstance(ref.value, str)
            and ref.value.strip()
            and ref.value not in type_names
        ):
            self._add(
                ref,
                f"{path}.references",
                f'no type named "{ref.value}" in the manifest'
                f"{did_you_mean(ref.value, sorted(type_names))}; types that exist only in the "
                "organization are checked by `plan`",
            )
