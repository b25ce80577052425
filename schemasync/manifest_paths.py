"""Where a manifest problem is: readable paths named like plan addresses, and the walk over
every list of objects a manifest holds.

    Account                         the type named Account
    Account.Status.choices[2]       a field's attribute, and an entry of it
    activity:Demo.Outcome.type      an activity type's field
    lead:Industry, shared:Owner     a lead field, a shared field
    status:Potential                a lead status
    pipeline:Sales.Won.type         an opportunity status of a pipeline
    custom_object_types[3]          an object with no usable name: its index
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from schemasync.kinds import Kind, children_of
from schemasync.kinds.activities import ACTIVITY_FIELD, CUSTOM_ACTIVITY_TYPE
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import STANDARD_OBJECT, STANDARD_OBJECTS
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE
from schemasync.yamlpos import Node

TOP_SECTIONS = {
    "custom_object_types": CUSTOM_OBJECT_TYPE,
    "custom_activity_types": CUSTOM_ACTIVITY_TYPE,
    "shared_fields": SHARED_FIELD,
}


def name_of(node: Node | None, identity: str = "name") -> str | None:
    """The usable name of an object's mapping (or a status written as its label), or None."""
    if node is None:
        return None
    if not node.is_map:
        text = node.value if isinstance(node.value, str) else None
        return text if identity == "label" and text and text.strip() else None
    if identity not in node.value and "shared" in node.value:
        identity = "shared"
    if identity not in node.value:
        return None
    name = node.value[identity]
    text = name.value if isinstance(name.value, str) else name.source
    return text if text and text.strip() else None


# -- paths ---------------------------------------------------------------------------------


def describe(root: Node, data_path: tuple[Any, ...]) -> str:
    """The readable path of a data path, as described in manifest.py: named objects by their
    plan address (`Account.Status`, `activity:Demo.Outcome`, `lead:Industry`), the rest as
    keys and indexes."""
    parts: list[str] = []
    node: Node | None = root
    named = 0  # how much of data_path the address covers
    address: str | None = None
    for depth, object_path in _named_positions(root, data_path):
        address, named = object_path, depth
    if address is not None:
        parts.append(address)
        for i in range(named):
            node = child(node, data_path[i])
    for step in data_path[named:]:
        sub = child(node, step)
        if isinstance(step, int):
            parts.append(f"{parts.pop() if parts else ''}[{step}]")
        else:
            parts.append(str(step))
        node = sub
    return ".".join(parts)


def _named_positions(root: Node, data_path: tuple[Any, ...]) -> Iterator[tuple[int, str]]:
    """(length of the data path prefix, address) of each named object along the path."""
    p = data_path
    if len(p) >= 2 and p[0] in TOP_SECTIONS and isinstance(p[1], int):
        kind = TOP_SECTIONS[p[0]]
        owner = name_of(child(child(root, p[0]), p[1]))
        if owner is None:
            return
        yield 2, kind.address_of((owner,))
        if len(p) >= 4 and p[2] == "fields" and isinstance(p[3], int):
            node = child(child(child(root, p[0]), p[1]), "fields")
            name = name_of(child(node, p[3]))
            if name is not None:
                field_kind = CUSTOM_FIELD if kind is CUSTOM_OBJECT_TYPE else ACTIVITY_FIELD
                yield 4, field_kind.address_of((owner, name))
    elif len(p) >= 3 and p[0] in STANDARD_OBJECTS and isinstance(p[2], int):
        lst = child(child(root, p[0]), p[1])
        if p[1] == "fields":
            name = name_of(child(lst, p[2]))
            if name is not None:
                yield 3, f"{p[0]}:{name}"
        elif p[1] == "statuses":
            label = name_of(child(lst, p[2]), "label")
            if label is not None:
                yield 3, LEAD_STATUS.address_of(("lead", label))
        elif p[1] == "pipelines":
            pipe = name_of(child(lst, p[2]))
            if pipe is None:
                return
            yield 3, PIPELINE.address_of(("opportunity", pipe))
            if len(p) >= 5 and p[3] == "statuses" and isinstance(p[4], int):
                label = name_of(child(child(child(lst, p[2]), "statuses"), p[4]), "label")
                if label is not None:
                    yield 5, OPPORTUNITY_STATUS.address_of(("opportunity", pipe, label))


def child(node: Node | None, step: Any) -> Node | None:
    if node is None:
        return None
    if node.is_map:
        return node.value.get(step) if isinstance(step, str) else None
    if node.is_seq and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def did_you_mean(word: Any, options: Iterable[str | None]) -> str:
    """A suggestion for a value not among `options` (a null option is never suggested)."""
    import difflib  # only when there is a typo to suggest a fix for

    close = difflib.get_close_matches(str(word), [o for o in options if o is not None], n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


# -- walking the sections ------------------------------------------------------------------


@dataclass
class Located:
    """An object's mapping (or a status's label), its readable path, and its kind."""

    node: Node
    path: str
    kind: Kind
    owner: Located | None = None

    def __iter__(self) -> Iterator[Any]:  # `obj, path = located`, as before
        return iter((self.node, self.path))


def _items(
    lst: Node | None, kind: Kind, path: str, key_of: Any, owner: Located | None
) -> Iterator[Located]:
    if lst is None or not lst.is_seq:
        return
    for i, item in enumerate(lst.value):
        is_placement = item.is_map and "shared" in item.value
        if kind.section == "fields" and is_placement:
            item_kind: Kind = PLACEMENT
        else:
            item_kind = kind
        if not item.is_map and item_kind is not LEAD_STATUS:
            continue
        name = name_of(item, item_kind.identity)
        where = key_of(item_kind, name) if name is not None else f"{path}[{i}]"
        yield Located(item, where, item_kind, owner)


def objects_of(roots: list[Node]) -> Iterator[tuple[str, list[Located]]]:
    """Every list of the manifest that holds objects with one scope of names, as
    (scope, objects): a type's fields and placements are one scope, all lead statuses one."""
    types: dict[str, list[Located]] = {name: [] for name in TOP_SECTIONS}
    standard: dict[str, list[Located]] = {}
    for root in roots:
        if not root.is_map:
            continue
        for section, kind in TOP_SECTIONS.items():
            for obj in _items(
                root.value.get(section),
                kind,
                section,
                lambda k, n, k0=kind: k0.address_of((n,)),
                None,
            ):
                types[section].append(obj)
        for name in STANDARD_OBJECTS:
            mapping = root.value.get(name)
            if mapping is None or not mapping.is_map:
                continue
            for child_kind in children_of(STANDARD_OBJECT, name):
                if child_kind is PLACEMENT:
                    continue
                lst = mapping.value.get(child_kind.section)
                scope = f"{name}.{child_kind.section}"
                found = list(
                    _items(
                        lst,
                        child_kind,
                        scope,
                        lambda k, n, o=name: (
                            f"{o}:{n}" if k.section == "fields" else k.address_of((o, n))
                        ),
                        None,
                    )
                )
                standard.setdefault(scope, []).extend(found)
    for section, objs in types.items():
        yield section, objs
    for scope, objs in standard.items():
        yield scope, objs
    for section in ("custom_object_types", "custom_activity_types"):
        for owner in types[section]:
            kind = owner.kind
            field_kind = CUSTOM_FIELD if kind is CUSTOM_OBJECT_TYPE else ACTIVITY_FIELD
            yield (
                f"{owner.path}.fields",
                list(
                    _items(
                        owner.node.value.get("fields"),
                        field_kind,
                        f"{owner.path}.fields",
                        partial(_field_address, owner.path),
                        owner,
                    )
                ),
            )
    pipes = standard.get("opportunity.pipelines", [])
    statuses = []
    for pipe in pipes:
        statuses += list(
            _items(
                pipe.node.value.get("statuses"),
                OPPORTUNITY_STATUS,
                f"{pipe.path}.statuses",
                partial(_status_address, name_of(pipe.node) or ""),
                pipe,
            )
        )
    yield "opportunity statuses", statuses


def _top_address(kind: Kind, name: str) -> str:
    return kind.address_of((name,))


def _standard_address(owner: str, kind: Kind, name: str) -> str:
    return f"{owner}:{name}" if kind.section == "fields" else kind.address_of((owner, name))


def _field_address(owner_path: str, kind: Kind, name: str) -> str:
    return f"{owner_path}.{name}"  # `Account.Status`, `activity:Demo.Outcome`


def _status_address(pipe: str, kind: Kind, name: str) -> str:
    return kind.address_of(("opportunity", pipe, name))
