"""The semantic rules of a manifest, and the readable paths its problems are reported under.

The rules relate values to each other, which JSON Schema cannot express: unique names,
choices and references only on the field types that take them, multi-values, `renamed_from`
conflicts, repeated list entries, field types (known, or listed in `extra_field_types`), the
limits Close documents (descriptions of at most 280 characters, no blank choice). They run on
the located YAML trees of every file at once, after the structural check, and each looks only
at values of the right shape (the schema reported the others), so one mistake gives one
problem. They are generic over the kinds: which lists hold which kind, and what each
attribute allows, come from the declarations. Paths follow the scheme in manifest_paths.py.

Some things are legal but likely mistakes: names and choices that differ only by case or
surrounding spaces, and names with leading or trailing spaces. They are warnings.
"""

from __future__ import annotations

from schemasync.errors import Problem
from schemasync.kinds.base import Ref, Roles
from schemasync.kinds.custom_objects import CUSTOM_OBJECT_TYPE
from schemasync.kinds.fields import FIELD_TYPES
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.manifest_paths import (
    TOP_SECTIONS,
    Located,
    child,
    describe,
    did_you_mean,
    name_of,
    objects_of,
)
from schemasync.yamlpos import Node

MAX_PROBLEMS = 200  # beyond this a listing helps nobody, and building it takes time
DESCRIPTION_MAX = 280  # Close refuses longer custom field descriptions


# -- the rules -----------------------------------------------------------------------------


class Checker:
    """The semantic rules, over every file's tree; each looks only at well-formed values."""

    def __init__(self, *, check_references: bool) -> None:
        self.check_references = check_references
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.truncated = False

    def run(self, roots: list[Node]) -> list[Problem]:
        extra = self._extra_types(roots)
        scopes = list(objects_of(roots))
        names = {
            kind: {n for obj in objs if obj.kind is kind and (n := name_of(obj.node)) is not None}
            for scope, objs in scopes
            if scope in TOP_SECTIONS
            for kind in (TOP_SECTIONS[scope],)
        }
        shared_managed = any(r.is_map and "shared_fields" in r.value for r in roots)
        for _scope, objs in scopes:
            self._unique(objs)
            self._renames(objs)
            self._near_names(objs)
            for obj in objs:
                for attr in obj.kind.attrs:
                    if isinstance(attr.codec, Roles):
                        self._no_duplicates(obj, attr.key, "role")
                self._description(obj)
                if obj.kind is PLACEMENT:
                    self._placement(obj, names.get(SHARED_FIELD, set()), shared_managed)
                elif obj.kind.noun in ("field", "shared field"):
                    self._field(obj, names.get(CUSTOM_OBJECT_TYPE, set()), extra)
        return self.problems

    def _add(self, node: Node, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(node.problem(path, message))
        else:
            self.truncated = True

    def _warn(self, node: Node, path: str, message: str) -> None:
        self.warnings.append(str(node.problem(path, message)))

    def _extra_types(self, roots: list[Node]) -> set[str]:
        extra: set[str] = set()
        for root in roots:
            lst = root.value.get("extra_field_types") if root.is_map else None
            if lst is None or not lst.is_seq:
                continue
            for i, entry in enumerate(lst.value):
                if isinstance(entry.value, str) and entry.value in (*FIELD_TYPES, "textarea"):
                    self._add(
                        entry,
                        f"extra_field_types[{i}]",
                        f'"{entry.value}" is a field type this schemasync knows: remove it '
                        "from extra_field_types",
                    )
                elif isinstance(entry.value, str):
                    extra.add(entry.value)
        return extra

    def _unique(self, objects: list[Located]) -> None:
        first: dict[str, Node] = {}
        for obj in objects:
            name = name_of(obj.node, obj.kind.identity)
            if name is None:
                continue
            if name in first:
                what = obj.kind.noun if obj.kind is not PLACEMENT else "field"
                self._add(
                    obj.node,
                    obj.path,
                    f'{what} "{name}" is declared twice: also at {first[name].where()}',
                )
            else:
                first[name] = obj.node

    def _near_names(self, objects: list[Located]) -> None:
        """Warn about names that differ only by case or surrounding spaces, or that begin or
        end with spaces: legal, but Close users rarely mean two such objects."""
        seen: dict[str, tuple[str, Node]] = {}
        for obj in objects:
            name = name_of(obj.node, obj.kind.identity)
            if name is None:
                continue
            if name != name.strip():
                self._warn(obj.node, obj.path, f"the name {name!r} begins or ends with spaces")
            folded = name.strip().casefold()
            if folded in seen and seen[folded][0] != name:
                other, node = seen[folded]
                self._warn(
                    obj.node,
                    obj.path,
                    f"{name!r} differs from {other!r} (at {node.where()}) only by case or "
                    "spaces: Close may treat them as one",
                )
            seen.setdefault(folded, (name, obj.node))

    def _renames(self, objects: list[Located]) -> None:
        current = {
            n: obj.node
            for obj in objects
            if (n := name_of(obj.node, obj.kind.identity)) is not None
        }
        claimed: dict[str, tuple[Node, str]] = {}
        for obj in objects:
            if not obj.node.is_map:
                continue
            name = name_of(obj.node, obj.kind.identity)
            noun = obj.kind.noun
            for entry, entry_path in self._no_duplicates(obj, "renamed_from", "name"):
                old = entry.value
                if old == name:
                    self._add(entry, entry_path, f'"{old}" is this {noun}\'s own name')
                elif old in current:
                    self._add(
                        entry,
                        entry_path,
                        f'"{old}" is the name of another {noun}, '
                        f"declared at {current[old].where()}",
                    )
                elif old in claimed:
                    other, other_name = claimed[old]
                    self._add(
                        entry,
                        entry_path,
                        f'"{old}" is also claimed by {noun} "{other_name}" at {other.where()}',
                    )
                else:
                    claimed[old] = (entry, name or obj.path)

    def _no_duplicates(self, obj: Located, key: str, what: str) -> list[tuple[Node, str]]:
        """Report repeated strings in a list of names; return the first of each, located."""
        if not obj.node.is_map:
            return []
        items = obj.node.value.get(key)
        if items is None or not items.is_seq:
            return []
        seen: dict[str, Node] = {}
        kept = []
        for i, entry in enumerate(items.value):
            if not isinstance(entry.value, str) or not entry.value.strip():
                continue  # the schema reported it
            path = f"{obj.path}.{key}[{i}]"
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

    def _description(self, obj: Located) -> None:
        node = obj.node.value.get("description") if obj.node.is_map else None
        if node is not None and isinstance(node.value, str) and len(node.value) > DESCRIPTION_MAX:
            self._add(
                node,
                f"{obj.path}.description",
                f"is {len(node.value)} characters long; Close takes at most {DESCRIPTION_MAX}",
            )

    def _placement(self, obj: Located, shared: set[str], managed: bool) -> None:
        ref = obj.node.value.get("shared")
        if (
            managed
            and ref is not None
            and isinstance(ref.value, str)
            and ref.value.strip()
            and ref.value not in shared
        ):
            self._add(
                ref,
                f"{obj.path}.shared",
                f'no shared field named "{ref.value}" in shared_fields'
                f"{did_you_mean(ref.value, sorted(shared))}",
            )

    def _field(self, obj: Located, type_names: set[str], extra: set[str]) -> None:
        f, path, kind = obj.node, obj.path, obj.kind
        kind_node = f.value.get("type")
        ftype = kind_node.value if kind_node is not None else None
        known = kind.attr("type").codec.values  # type: ignore[attr-defined]
        if not isinstance(ftype, str) or not ftype.strip():
            return  # the schema reported it
        if ftype not in known and ftype not in extra:
            assert kind_node is not None
            if ftype == "textarea":  # a known type, in the wrong place: no "newer type" hint
                message = (
                    f'must be one of: {", ".join(known)}; got "textarea", which exists on '
                    "activity fields only"
                )
            else:
                message = (
                    f"must be one of: {', '.join(known)}; got {_quoted(ftype)}"
                    f"{did_you_mean(ftype, known)}; a type newer than this schemasync must be "
                    "listed in extra_field_types"
                )
            self._add(kind_node, f"{path}.type", message)
            return
        for attr in kind.attrs:
            node = f.value.get(attr.key)
            if attr.required_when:
                only = next(iter(attr.when or ()))
                if node is not None and ftype != only:
                    self._add(
                        f.keys[attr.key],
                        f"{path}.{attr.key}",
                        f"{attr.key} is only allowed on {only} fields; "
                        f"this field's type is {ftype}",
                    )
                elif node is None and ftype == only:
                    self._add(f, path, f'"{attr.key}" is required for a {only} field')
            allowed = attr.allowed or (attr.when if not attr.required_when else None)
            if allowed is not None and node is not None and node.value is True:
                if ftype not in allowed:
                    what = _types_text(allowed)
                    self._add(
                        node,
                        f"{path}.{attr.key}",
                        f"can be true only on {what} fields; this field's type is {ftype}",
                    )
        choices = f.value.get("choices")
        if ftype == "choices" and choices is not None and choices.is_seq:
            if not choices.value:
                self._add(choices, f"{path}.choices", "must list at least one choice")
            for i, entry in enumerate(choices.value):
                if isinstance(entry.value, str) and not entry.value.strip():
                    self._add(entry, f"{path}.choices[{i}]", "a choice must not be blank")
            self._no_duplicates(obj, "choices", "choice")
            self._near_choices(obj)
        ref_attr = next((a for a in kind.attrs if isinstance(a.codec, Ref)), None)
        ref = f.value.get(ref_attr.key) if ref_attr is not None else None
        if (
            ftype == "custom_object"
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

    def _near_choices(self, obj: Located) -> None:
        choices = obj.node.value.get("choices")
        seen: dict[str, str] = {}
        for i, entry in enumerate(choices.value if choices is not None else []):
            if not isinstance(entry.value, str):
                continue
            folded = entry.value.strip().casefold()
            if folded in seen and seen[folded] != entry.value:
                self._warn(
                    entry,
                    f"{obj.path}.choices[{i}]",
                    f"choice {entry.value!r} differs from {seen[folded]!r} only by case or spaces",
                )
            seen.setdefault(folded, entry.value)


_MULTI_ORDER = ("user", "choices", "contact", "custom_object")


def _types_text(types: frozenset[str]) -> str:
    ordered = [t for t in _MULTI_ORDER if t in types] + sorted(types - set(_MULTI_ORDER))
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " and " + ordered[-1]


def _quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


__all__ = [
    "DESCRIPTION_MAX",
    "MAX_PROBLEMS",
    "Checker",
    "Located",
    "child",
    "describe",
    "did_you_mean",
    "name_of",
]
