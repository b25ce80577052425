"""Manifest documents (plain values, optionally located YAML nodes) into model objects.

Generic over the kinds: each top-level kind reads its section, each object its declared
attributes (an omitted optional key means the attribute's default) and its children's lists.
The document is trusted to be valid here: manifest.py checks it first.
"""

from __future__ import annotations

from typing import Any

from schemasync.kinds import CHILDREN, TOP_KINDS, Kind
from schemasync.model import Manifest, Obj, Pos
from schemasync.yamlpos import Node


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _objects(
    kind: Kind, items: list[Any], nodes: list[Node] | None, parent: Obj | None
) -> list[Obj]:
    out = []
    attrs = kind.attrs
    children = CHILDREN[kind.name]
    for i, item in enumerate(items):
        node = nodes[i] if nodes is not None else None
        values = {a.key: _plain(item.get(a.key, a.default)) for a in attrs}
        obj = Obj(
            kind,
            values,
            parent=parent,
            renamed_from=tuple(item.get("renamed_from", ())),
            pos=Pos(node.file, node.line, node.col) if node is not None else None,
        )
        for child in children:
            sub = item.get(child.section) or []
            sub_node = node.value.get(child.section) if node is not None else None
            obj.children[child.name] = _objects(
                child, sub, sub_node.value if sub_node is not None else None, obj
            )
        out.append(obj)
    return out


def build_manifest(
    documents: list[tuple[dict[str, Any], Node | None]], sources: tuple[str, ...] = ()
) -> Manifest:
    """One Manifest from the documents of every file (plain dict, and its YAML root node when
    it was read from a file), their sections merged in file order."""
    objects: dict[str, list[Obj]] = {k.name: [] for k in TOP_KINDS}
    for doc, root in documents:
        for kind in TOP_KINDS:
            items = doc.get(kind.section) or []
            node = root.value.get(kind.section) if root is not None else None
            objects[kind.name] += _objects(kind, items, node.value if node else None, None)
    return Manifest({k: tuple(v) for k, v in objects.items()}, sources)


def manifest_from_document(doc: dict[str, Any], source: str = "<document>") -> Manifest:
    """A manifest from one plain document (tests, benchmarks, export round trips)."""
    return build_manifest([(doc, None)], (source,))
