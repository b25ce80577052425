"""Write a live org as a manifest: names instead of ids, defaults left out, stable order."""

from __future__ import annotations

from typing import Any

import yaml

from schemasync.errors import SchemaSyncError
from schemasync.live import LiveField, LiveOrg, LiveType

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


def _roles(values: tuple[str, ...], role_names: dict[str, str]) -> list[str]:
    return [role_names.get(v, v) for v in values]


def _field(lf: LiveField, type_names: dict[str, str], role_names: dict[str, str]) -> dict:
    d: dict[str, Any] = {"name": lf.name, "type": lf.type}
    if lf.type == "choices":
        d["choices"] = list(lf.choices or ())
    if lf.type == "custom_object" and lf.referenced_type_id is not None:
        d["references"] = type_names.get(lf.referenced_type_id, lf.referenced_type_id)
    if lf.type == "custom_object" and lf.back_reference_is_visible:
        d["back_reference_is_visible"] = True
    if lf.required:
        d["required"] = True
    if lf.accepts_multiple_values:
        d["accepts_multiple_values"] = True
    if lf.description is not None:
        d["description"] = lf.description
    if lf.editable_with_roles:
        d["editable_with_roles"] = _roles(lf.editable_with_roles, role_names)
    return d


def _type(lt: LiveType, type_names: dict[str, str], role_names: dict[str, str]) -> dict:
    d: dict[str, Any] = {"name": lt.name, "name_plural": lt.name_plural}
    if lt.description is not None:
        d["description"] = lt.description
    if lt.api_create_only:
        d["api_create_only"] = True
    if lt.editable_with_roles:
        d["editable_with_roles"] = _roles(lt.editable_with_roles, role_names)
    _check_unique([(f.name, f.id) for f in lt.fields], f"field of {lt.name!r}")
    if lt.fields:
        d["fields"] = [_field(f, type_names, role_names) for f in lt.fields]
    return d


def export_manifest(live: LiveOrg) -> dict[str, Any]:
    """The manifest document for `live` (types by name, fields in display order)."""
    _check_unique([(t.name, t.id) for t in live.types], "type")
    type_names = {t.id: t.name for t in live.types}
    role_names = live.role_names()
    types = sorted(live.types, key=lambda t: t.name)
    return {
        "version": 1,
        "custom_object_types": [_type(t, type_names, role_names) for t in types],
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
