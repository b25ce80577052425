"""Manifest documents (plain values, optionally located YAML nodes) into model objects.

Generic over the kinds: each top-level kind reads its section, each object its declared
attributes (an omitted optional key means the attribute's default) and its children's lists.
A field list holds fields and placements (`- shared: NAME`) in one display order; each item's
`seq` keeps its place. Leads, contacts and opportunities are mappings of the manifest
(`lead: {fields: [...], statuses: [...]}`), one object each. The document is trusted to be
valid here: manifest.py checks it first.
"""

from __future__ import annotations

from typing import Any

from schemasync.kinds import TOP_KINDS, Kind, children_of
from schemasync.kinds.shared import PLACEMENT
from schemasync.kinds.standard import STANDARD_OBJECT, STANDARD_OBJECTS
from schemasync.model import Manifest, Obj, Pos
from schemasync.yamlpos import Node

Located = tuple[Any, "Node | None"]  # a plain value and its YAML node, when it has one


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _mapping(item: Any, kind: Kind) -> dict[str, Any]:
    """A list item as a mapping: a lead status may be written as its label alone."""
    return item if isinstance(item, dict) else {kind.identity: item}


def _belongs(kind: Kind, item: Any) -> bool:
    """Whether an item of a mixed `fields` list is an object of `kind`."""
    if kind.section != "fields":
        return True
    return (kind is PLACEMENT) == (isinstance(item, dict) and "shared" in item)


def _objects(
    kind: Kind, items: list[Any], nodes: list[Node] | None, parent: Obj | None
) -> list[Obj]:
    out = []
    attrs = kind.attrs
    for i, raw in enumerate(items):
        if not _belongs(kind, raw):
            continue
        item = _mapping(raw, kind)
        node = nodes[i] if nodes is not None else None
        values = {a.key: _plain(item.get(a.key, a.default)) for a in attrs}
        obj = Obj(
            kind,
            values,
            parent=parent,
            renamed_from=tuple(item.get("renamed_from", ())),
            pos=Pos(node.file, node.line, node.col) if node is not None else None,
            seq=i,
        )
        _children(obj, item, node)
        out.append(obj)
    return out


def _children(obj: Obj, item: dict[str, Any], node: Node | None) -> None:
    instance = obj.name if obj.kind is STANDARD_OBJECT else ""
    for child in children_of(obj.kind, instance):
        sub = item.get(child.section) or []
        sub_node = node.value.get(child.section) if node is not None and node.is_map else None
        obj.children[child.name] = _objects(
            child, sub, sub_node.value if sub_node is not None else None, obj
        )


def build_manifest(
    documents: list[tuple[dict[str, Any], Node | None]], sources: tuple[str, ...] = ()
) -> Manifest:
    """One Manifest from the documents of every file (plain dict, and its YAML root node when
    it was read from a file), their sections merged in file order."""
    objects: dict[str, list[Obj]] = {k.name: [] for k in TOP_KINDS}
    sections: set[str] = set()
    singletons: dict[str, Obj] = {}
    extra: list[str] = []
    ignore: list[str] = []
    for doc, root in documents:
        extra += [t for t in doc.get("extra_field_types") or [] if t not in extra]
        ignore += [e for e in doc.get("ignore") or [] if e not in ignore]
        for kind in TOP_KINDS:
            if kind is STANDARD_OBJECT:
                continue
            if kind.section in doc:
                sections.add(kind.section)
            node = root.value.get(kind.section) if root is not None else None
            items = doc.get(kind.section) or []
            objects[kind.name] += _objects(kind, items, node.value if node else None, None)
        for name in STANDARD_OBJECTS:
            mapping = doc.get(name)
            if not isinstance(mapping, dict):
                continue
            node = root.value.get(name) if root is not None else None
            obj = singletons.get(name)
            if obj is None:
                pos = Pos(node.file, node.line, node.col) if node is not None else None
                obj = singletons[name] = Obj(STANDARD_OBJECT, {"name": name}, pos=pos)
                obj.children = {c.name: [] for c in children_of(STANDARD_OBJECT, name)}
            for child in children_of(STANDARD_OBJECT, name):
                if child.section in mapping:
                    sections.add(f"{name}.{child.section}")
            offset = sum(len(kids) for kids in obj.children.values())
            part = Obj(STANDARD_OBJECT, {"name": name})
            _children(part, mapping, node)
            for child_name, kids in part.children.items():
                for kid in kids:
                    kid.parent, kid.seq = obj, kid.seq + offset
                obj.children[child_name] += kids
    objects[STANDARD_OBJECT.name] = [singletons[n] for n in STANDARD_OBJECTS if n in singletons]
    return Manifest(
        {k: tuple(v) for k, v in objects.items()},
        sources,
        sections=frozenset(sections),
        extra_field_types=tuple(extra),
        ignore=tuple(ignore),
    )


def manifest_from_document(doc: dict[str, Any], source: str = "<document>") -> Manifest:
    """A manifest from one plain document (tests, benchmarks, export round trips)."""
    return build_manifest([(doc, None)], (source,))
