"""Write a live org as a manifest: names instead of ids, defaults left out, stable order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from schemasync.errors import SchemaSyncError
from schemasync.kinds import FIELD_KINDS, STANDARD_OBJECTS, Attr, Kind, children_of
from schemasync.kinds.activities import CUSTOM_ACTIVITY_TYPE
from schemasync.kinds.base import Ref, Roles, Strings
from schemasync.kinds.custom_objects import CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.kinds.statuses import LEAD_STATUS
from schemasync.live import LiveState
from schemasync.model import Obj
from schemasync.util import plural

HEADER = "# Exported by schemasync from a live Close org. Edit, then `schemasync plan` it.\n"


def _check_unique(names: list[tuple[str, str]], what: str) -> None:
    seen: dict[str, list[str]] = {}
    for name, obj_id in names:
        seen.setdefault(name, []).append(obj_id)
    dupes = {n: ids for n, ids in seen.items() if len(ids) > 1}
    if dupes:
        name, ids = sorted(dupes.items())[0]
        shown = ", ".join(sorted(set(ids))[:5]) + (", ..." if len(set(ids)) > 5 else "")
        raise SchemaSyncError(
            f"cannot export: {len(ids)} live {what} are named {name!r} ({shown});"
            " a manifest identifies objects by name, so rename or delete all but one in Close"
        )


def _exported(attr: Attr, value: Any, names: dict[str, str]) -> Any:
    """A live value in manifest terms: role and type ids become names (in live order)."""
    codec = attr.codec
    if isinstance(codec, Roles):
        return [names.get(v, v) for v in value]
    if isinstance(codec, Ref):
        return names.get(value, value)
    if isinstance(codec, Strings):
        return list(value or ())
    return value


def _is_default(attr: Attr, value: Any) -> bool:
    if isinstance(attr.codec, (Roles, Strings)):
        return not value
    return bool(value == attr.default)


def _object(obj: Obj, names: dict[str, str]) -> Any:
    """One live object as the manifest writes it: required keys, then every attribute that
    applies and is not at its default, in view order; then its children in display order."""
    kind = obj.kind
    field_type = obj.values.get("type")
    owner_kind = obj.parent.kind.name if obj.parent is not None else None
    d: dict[str, Any] = {}
    for attr in kind.attrs:
        if not attr.applies(field_type, owner_kind):
            continue
        value = obj.values[attr.key]
        if attr.required or attr.required_when or not _is_default(attr, value):
            d[attr.key] = _exported(attr, value, names)
    if kind is LEAD_STATUS and list(d) == ["label"]:
        return d["label"]  # a status with no colour is written as its label
    listed = _in_display_order(obj)
    if listed:
        _check_unique(
            [(k.name, k.id or "") for k in listed if k.kind is not PLACEMENT],
            f"fields of {obj.name!r}",
        )
        _check_unique(
            [(k.name, k.id or "") for k in listed if k.kind is PLACEMENT],
            f"placements of {obj.name!r}",
        )
        d[listed[0].kind.section] = [_object(k, names) for k in listed]
    return d


def _in_display_order(obj: Obj) -> list[Obj]:
    """An owner's fields and placements as its display order shows them."""
    kids = [k for name in obj.kind.ordered for k in obj.kids(name)]
    if not kids:
        return []
    position = {i: n for n, i in enumerate(obj.order)}
    return sorted(kids, key=lambda k: position.get(k.id or "", len(position)))


def export_manifest(live: LiveState, sections: Iterable[str] | None = None) -> dict[str, Any]:
    """The manifest document for `live`: every section that was read (or only `sections`),
    objects by name, children in display order; field types this version does not know are
    listed in `extra_field_types`, so the export always validates."""
    wanted = set(sections) if sections is not None else None

    def include(section: str) -> bool:
        return wanted is None or section in wanted

    names = live.role_names()
    names.update({t.id or "": t.name for t in live.types})
    doc: dict[str, Any] = {"version": 1}
    extra = _unknown_types(live)
    if extra:
        doc["extra_field_types"] = extra
    for kind, group in ((SHARED_FIELD, "shared_fields"), (CUSTOM_OBJECT_TYPE, "types")):
        if group in live.read and include(kind.section):
            objs = live.top(kind.name)
            _check_unique([(o.name, o.id or "") for o in objs], plural(kind.noun))
            doc[kind.section] = [_object(o, names) for o in sorted(objs, key=lambda o: o.name)]
    if "activity_types" in live.read and include(CUSTOM_ACTIVITY_TYPE.section):
        objs = live.top(CUSTOM_ACTIVITY_TYPE.name)
        _check_unique([(o.name, o.id or "") for o in objs], plural(CUSTOM_ACTIVITY_TYPE.noun))
        doc[CUSTOM_ACTIVITY_TYPE.section] = [
            _object(o, names) for o in sorted(objs, key=lambda o: o.name)
        ]
    for name in STANDARD_OBJECTS:
        obj = next((o for o in live.top(STANDARD_OBJECT.name) if o.name == name), None)
        if obj is None:
            continue
        part: dict[str, Any] = {}
        for child in children_of(STANDARD_OBJECT, name):
            section = f"{name}.{child.section}"
            if child is PLACEMENT or not include(section) or not _was_read(live, child):
                continue
            if child.section == "fields":
                part["fields"] = [_object(k, names) for k in _in_display_order(obj)]
            else:
                kids = obj.kids(child)
                _check_unique([(k.name, k.id or "") for k in kids], plural(child.noun))
                part[child.section] = [_object(k, names) for k in kids]
        if part:
            doc[name] = part
    return doc


def _was_read(live: LiveState, kind: Kind) -> bool:
    group = {"lead_status": "lead_statuses", "pipeline": "pipelines"}.get(kind.name)
    if group is not None:
        return group in live.read
    return kind.parent_instance in live.read


def _unknown_types(live: LiveState) -> list[str]:
    """Field types of live fields that this version does not know, as the manifest would
    have to declare them."""
    found: list[str] = []
    for kind in FIELD_KINDS:
        known = {a for a in kind.attr("type").codec.values}  # type: ignore[attr-defined]
        for obj in _every(live, kind):
            t = obj.values.get("type")
            if isinstance(t, str) and t not in known and t not in found:
                found.append(t)
    return sorted(found)


def _every(live: LiveState, kind: Kind) -> Iterable[Obj]:
    if kind.parent is None:
        yield from live.top(kind.name)
        return
    for parent in live.top(kind.parent):
        yield from parent.kids(kind)


class _Dumper(yaml.SafeDumper):
    """Block style, but short lists of plain strings inline (`choices: [A, B]`)."""


def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = bool(data) and all(isinstance(x, str) for x in data) and sum(map(len, data)) < 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def dump_yaml(document: dict[str, Any], modeline: str | None = None) -> str:
    head = f"# yaml-language-server: $schema={modeline}\n" if modeline else ""
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return head + HEADER + body
