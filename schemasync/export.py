"""Write a live org as a manifest: names instead of ids, defaults left out, stable order."""

from __future__ import annotations

from typing import Any

import yaml

from schemasync.errors import SchemaSyncError
from schemasync.kinds import CHILDREN, Attr
from schemasync.kinds.base import Ref, Roles, Strings
from schemasync.live import LiveState
from schemasync.model import Obj

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
            f"cannot export: {len(ids)} live {what}s are named {name!r} ({shown});"
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


def _object(obj: Obj, names: dict[str, str]) -> dict[str, Any]:
    """One live object as the manifest writes it: required keys, then every attribute that
    applies and is not at its default, in view order; then its children in display order."""
    field_type = obj.values.get("type")
    d: dict[str, Any] = {}
    for attr in obj.kind.attrs:
        if not attr.applies(field_type):
            continue
        value = obj.values[attr.key]
        if attr.required or attr.required_when or not _is_default(attr, value):
            d[attr.key] = _exported(attr, value, names)
    for child in CHILDREN[obj.kind.name]:
        kids = obj.kids(child)
        _check_unique([(k.name, k.id or "") for k in kids], f"{child.noun} of {obj.name!r}")
        if kids:
            d[child.section] = [_object(k, names) for k in kids]
    return d


def export_manifest(live: LiveState) -> dict[str, Any]:
    """The manifest document for `live` (objects by name, children in display order)."""
    _check_unique([(t.name, t.id or "") for t in live.types], "type")
    names = live.role_names()
    names.update({t.id or "": t.name for t in live.types})
    types = sorted(live.types, key=lambda t: t.name)
    return {
        "version": 1,
        "custom_object_types": [_object(t, names) for t in types],
    }


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
