"""Synthetic orgs for the benchmarks: an emulator Store of any size, built in milliseconds, and a
manifest that matches it except for a realistic fraction of changes.

The org is written straight into the emulator's state-file layout and loaded with
`Store.from_state` (no HTTP, no per-field validation round trip), so 80,000 fields take seconds,
not minutes. Everything is deterministic: the same (types, fields) always gives the same org
and the same manifest, in this process or in a child process.

What the manifest changes, relative to the live org (prune off, allow_replace on):

    per field (global index g):  g % 20 == 3   description changed          -> update
                                 g % 50 == 7   required flipped             -> update
                                 g % 100 == 11 left out of the manifest     -> unmanaged
                                 g % 100 == 13 renamed (with renamed_from)  -> update
                                 g % 30 == 19 on a choices field: one more choice -> update
    per type (index j):          j % 10 == 1   one new field appended       -> create
                                 j % 25 == 2   description changed          -> update
                                 j % 40 == 3   first two fields swapped     -> reorder
                                 j % 50 == 4   not in the org yet           -> create (+ fields)
                                 j % 100 == 5  only in the org              -> unmanaged
                                 j % 7 == 6    first text field becomes a number -> replace

About 10% of the fields are touched, which is what a busy week of schema work looks like.
"""

from __future__ import annotations

import os
import random
import string
import tempfile
from typing import Any

from schemasync.emulator import Store
from schemasync.manifest_build import manifest_from_document
from schemasync.model import FIELD_TYPES, Manifest

KEY = "bench-key"  # the API key every benchmark's emulator accepts

FIELD_CYCLE = FIELD_TYPES  # every field type, in turn
CUSTOM_ROLES = ("Account Managers", "Support")
_BASE62 = string.digits + string.ascii_letters
STAMP_TYPE = "2024-01-01T00:00:00.000000"
STAMP_FIELD = "2024-01-01T00:00:00.000000+00:00"


def _new_type(j: int) -> bool:
    return j % 50 == 4


def _live_only(j: int) -> bool:
    return j % 100 == 5


def type_name(j: int) -> str:
    return f"Type {j:04d}"


def _ref_index(j: int, n_types: int) -> int:
    """The type a custom_object field of type j references: the next ordinary type."""
    r = (j + 1) % n_types
    return 0 if (_new_type(r) or _live_only(r)) else r


def _field_kind(j: int, k: int) -> str:
    return FIELD_CYCLE[(j + k) % len(FIELD_CYCLE)]


def _choices(j: int, k: int) -> list[str]:
    return [f"Choice {c}" for c in range(3 + (j + k) % 4)]


class _Ids:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def __call__(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choice(_BASE62) for _ in range(22))


def build_store(n_types: int, n_fields: int, seed: int = 7) -> Store:
    """An emulated org of n_types types with n_fields fields each (minus manifest-only types)."""
    base = Store(seed=seed)
    roles = {name: base.add_role(name)["id"] for name in CUSTOM_ROLES}
    state = base.snapshot()
    ids = _Ids(seed + 1)
    type_ids = {j: ids("cotype_") for j in range(n_types) if not _new_type(j)}
    types: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    user = state["user"]["id"]
    for j in range(n_types):
        if _new_type(j):
            continue
        order: list[str] = []
        for k in range(n_fields):
            kind = _field_kind(j, k)
            fid = ids("cf_")
            order.append(fid)
            fields.append(
                {
                    "id": fid,
                    "custom_object_type_id": type_ids[j],
                    "name": f"Field {k:03d}",
                    "description": f"Field {k} of {type_name(j)}" if k % 4 == 0 else None,
                    "type": kind,
                    "required": k % 7 == 0,
                    "accepts_multiple_values": kind in ("user", "choices") and k % 3 == 0,
                    "editable_with_roles": [roles["Support"]] if k % 5 == 0 else [],
                    "choices": _choices(j, k) if kind == "choices" else None,
                    "referenced_custom_type_id": (
                        type_ids[_ref_index(j, n_types)] if kind == "custom_object" else None
                    ),
                    "back_reference_is_visible": (k % 2 == 0) if kind == "custom_object" else None,
                    "created_by": user,
                    "updated_by": user,
                    "date_created": STAMP_FIELD,
                    "date_updated": STAMP_FIELD,
                }
            )
        types.append(
            {
                "id": type_ids[j],
                "name": type_name(j),
                "name_plural": type_name(j) + "s",
                "description": f"The {j}th type",
                "api_create_only": j % 7 == 0,
                "editable_with_roles": ["admin", roles["Account Managers"]] if j % 3 == 0 else [],
                "is_archived": False,
                "field_order": order,
                "created_by": user,
                "updated_by": user,
                "date_created": STAMP_TYPE,
                "date_updated": STAMP_TYPE,
            }
        )
    state["custom_object_types"] = types
    state["custom_fields"] = fields
    return Store.from_state(state, seed=seed)


def build_manifest(n_types: int, n_fields: int) -> Manifest:
    """The manifest for build_store(n_types, n_fields), with the changes listed above."""
    return manifest_from_document(build_document(n_types, n_fields), "<benchmark>")


def build_document(n_types: int, n_fields: int) -> dict[str, Any]:
    """build_manifest's manifest as the document a YAML file would hold."""
    types = []
    for j in range(n_types):
        if _live_only(j):
            continue
        specs: list[dict[str, Any]] = []
        for k in range(n_fields):
            g = j * n_fields + k
            kind = _field_kind(j, k)
            if g % 100 == 11 and not _new_type(j):
                continue
            name = f"Field {k:03d}"
            renamed_from: tuple[str, ...] = ()
            if g % 100 == 13 and not _new_type(j):
                name, renamed_from = f"{name} (renamed)", (name,)
            description = f"Field {k} of {type_name(j)}" if k % 4 == 0 else None
            if g % 20 == 3:
                description = f"Changed description of field {k}"
            choices = _choices(j, k) if kind == "choices" else None
            if choices is not None and g % 30 == 19:
                choices = [*choices, "Added choice"]
            if kind == "text" and j % 7 == 6 and k < len(FIELD_CYCLE) and not _new_type(j):
                kind = "number"
            field: dict[str, Any] = {"name": name, "type": kind}
            if choices is not None:
                field["choices"] = list(choices)
            field["required"] = (k % 7 == 0) != (g % 50 == 7)
            field["accepts_multiple_values"] = kind in ("user", "choices") and k % 3 == 0
            field["description"] = description
            field["editable_with_roles"] = ["Support"] if k % 5 == 0 else []
            if kind == "custom_object":
                field["references"] = type_name(_ref_index(j, n_types))
                field["back_reference_is_visible"] = k % 2 == 0
            field["renamed_from"] = list(renamed_from)
            specs.append(field)
        if j % 40 == 3 and len(specs) >= 2:
            specs[0], specs[1] = specs[1], specs[0]
        if j % 10 == 1:
            specs.append({"name": "Added field", "type": "text", "description": "new"})
        types.append(
            {
                "name": type_name(j),
                "name_plural": type_name(j) + "s",
                "description": f"The {j}th type" if j % 25 != 2 else f"Type {j}, described anew",
                "api_create_only": j % 7 == 0,
                "editable_with_roles": ["admin", "Account Managers"] if j % 3 == 0 else [],
                "fields": specs,
            }
        )
    return {"version": 1, "custom_object_types": types}


def in_process_client(app: Any) -> Any:
    """A CloseClient talking to `app` in-process (no socket), with KEY."""
    from schemasync.client import CloseClient
    from schemasync.emulator import EmulatorTransport

    return CloseClient(
        KEY, base_url="http://emulator.invalid/api/v1", transport=EmulatorTransport(app)
    )


def matching_document(store: Store) -> dict[str, Any]:
    """The org as it is, as the manifest document `schemasync export` writes for it."""
    from schemasync.emulator import EmulatorApp
    from schemasync.export import export_manifest

    with in_process_client(EmulatorApp(store, api_keys={KEY})) as client:
        return export_manifest(read_live(client))


def matching_manifest(store: Store) -> Manifest:
    """A manifest equal to the org as it is (a plan against it has no changes): the org
    exported and loaded back, as `schemasync export` then `plan` would."""
    from schemasync.emulator import EmulatorApp
    from schemasync.manifest import load_manifest

    with in_process_client(EmulatorApp(store, api_keys={KEY})) as client:
        text = export_text(read_live(client), None)
    with tempfile.TemporaryDirectory(prefix="schemasync-bench-") as tmp:
        path = os.path.join(tmp, "org.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return load_manifest(path, allow_external_references=True)


# Where the CLI's building blocks live (the core moves them between modules; the benchmarks
# follow): the first module that has the name wins.
_HOMES = {
    "read_live": ("schemasync.live.read", "schemasync.flow"),
    "read_everything": ("schemasync.live.read", "schemasync.flow"),
    "reads_of": ("schemasync.live.read", "schemasync.flow"),
    "export_text": ("schemasync.files", "schemasync.flow"),
}


def _find(name: str) -> Any:
    import importlib

    for module in _HOMES[name]:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            found = None
        if found is not None:
            return found
    raise ImportError(f"schemasync has no {name} in {', '.join(_HOMES[name])}")


def read_live(client: Any, *args: Any, **kwargs: Any) -> Any:
    """The CLI's read of the org (`live.read.read_live`): the lists of the given groups."""
    return _find("read_live")(client, *args, **kwargs)


def read_everything(client: Any, sections: Any = None) -> Any:
    """The whole schema of an org (or only `sections`), as `schemasync export` reads it."""
    return _find("read_everything")(client, sections)


def reads_of(manifest: Manifest) -> list[str]:
    """The lists a plan of `manifest` reads."""
    return list(_find("reads_of")(manifest))


def export_text(live: Any, output: Any, sections: Any = None) -> str:
    return str(_find("export_text")(live, output, sections))
