"""Generate the characterization corpus: tests/cases/corpus/*.json.

Each case is one (live org, manifest, options) triple and what today's code makes of it: the
plan as text, JSON and Markdown (or the plan error), and the export of the live org (or the
export error). tests/test_corpus.py recomputes the outputs and wants them byte-identical, so
a rebuild of the planning core can prove it changes nothing.

    python -m tests.corpus_gen            # rewrite every case file (inputs and outputs)

Deterministic: every random case draws from `random.Random(seed)` and runs against an
emulated org whose ids come from `Store(seed=...)`; no hypothesis, no clock (dates are
dropped from the stored lists). The `targeted-*` cases cover what random drawing misses.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from collections.abc import Callable
from typing import Any

import yaml

from schemasync.errors import SchemaSyncError
from schemasync.live import FIELDS_PATH, ROLES_PATH, TYPES_PATH
from schemasync.model import FIELD_TYPES, MULTI_VALUE_TYPES
from tests.builders import FieldSpec, TypeSpec
from tests.builders import SpecManifest as Manifest
from tests.orgs import Org, in_process_org, new_store
from tests.test_corpus import CORPUS, case_text, load_text, outputs

RANDOM_CASES = 240
FIRST_SEED = 1000
# Keys of the listed objects that no plan reads and that only make the files bigger.
DROPPED_KEYS = frozenset(
    {"date_created", "date_updated", "created_by", "updated_by", "organization_id"}
)

# Few names, so that drawn manifests collide with each other and with YAML's traps. A copy of
# tests/strategies.py's lists at the time the corpus was made: the corpus must not change when
# the strategies do.
TYPE_NAMES = [
    "Account",
    "Resource",
    "Subscription",
    "on",
    "2024-01-01",
    "Ünïcode Type",
    "a: b",
    "#hash",
    "1e3",
    "Null",
]
FIELD_NAMES = [
    "Status",
    "Owner",
    "Seats",
    "yes",
    "007",
    "Notes",
    "Primary Resource",
    "x",
    "Renewal Date",
]
CHOICES = ["Active", "Cancelled", "Potential", "on", "No", "2024-01-01", "3.14", "ü"]
DESCRIPTIONS = [None, "", "An account", "multi\nline", "quote ' and \" chars"]
ROLES = ["admin", "superuser", "user", "restricteduser", "Account Managers", "Support"]


# -- reading and changing an emulated org ----------------------------------------------------


def _slimmed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _slimmed(v) for k, v in value.items() if k not in DROPPED_KEYS}
    if isinstance(value, list):
        return [_slimmed(v) for v in value]
    return value


def read_lists(org: Org) -> dict[str, Any]:
    """The org as the API lists it (full objects, minus DROPPED_KEYS)."""
    return {
        "types": _slimmed(org.client.list_all(TYPES_PATH)),
        "fields": _slimmed(org.client.list_all(FIELDS_PATH)),
        "roles": _slimmed(org.client.list_all(ROLES_PATH)),
    }


def _token(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(22))


def add_shared(
    live: dict[str, Any], rng: random.Random, type_index: int, position: int, name: str
) -> None:
    """Show a shared field in a type's embedded `fields` (and sometimes in the field list,
    marked `is_shared`): schemasync does not manage it but must keep it in a reorder."""
    t = live["types"][type_index]
    sid = _token(rng, "cf_")
    t["fields"].insert(
        min(position, len(t["fields"])),
        {
            "id": sid,
            "name": name,
            "description": None,
            "type": "text",
            "required": False,
            "accepts_multiple_values": False,
            "editable_with_roles": [],
            "is_shared": True,
        },
    )
    if rng.random() < 0.5:
        live["fields"].append(
            {
                "id": sid,
                "custom_object_type_id": t["id"],
                "name": name,
                "type": "text",
                "is_shared": True,
            }
        )


def _type_ids(org: Org) -> list[str]:
    return list(org.store.types)


def _field_ids(org: Org) -> list[str]:
    return list(org.store.fields)


# -- drawing manifests -----------------------------------------------------------------------


def _roles(rng: random.Random) -> tuple[str, ...]:
    return tuple(rng.sample(ROLES, rng.randint(0, 3)))


def _choices(rng: random.Random) -> tuple[str, ...]:
    return tuple(rng.sample(CHOICES, rng.randint(1, 4)))


def draw_field(rng: random.Random, name: str, type_names: list[str]) -> FieldSpec:
    types = [t for t in FIELD_TYPES if t != "custom_object" or type_names]
    ftype = rng.choice(types)
    return FieldSpec(
        name=name,
        type=ftype,
        choices=_choices(rng) if ftype == "choices" else None,
        required=rng.random() < 0.5,
        accepts_multiple_values=rng.random() < 0.5 if ftype in MULTI_VALUE_TYPES else False,
        description=rng.choice(DESCRIPTIONS),
        editable_with_roles=_roles(rng),
        references=rng.choice(type_names) if ftype == "custom_object" else None,
        back_reference_is_visible=rng.random() < 0.5 if ftype == "custom_object" else False,
    )


def draw_type(rng: random.Random, name: str, type_names: list[str], max_fields: int) -> TypeSpec:
    fnames = rng.sample(FIELD_NAMES, rng.randint(0, max_fields))
    return TypeSpec(
        name=name,
        name_plural=rng.choice([name + "s", "Items", "on"]),
        description=rng.choice(DESCRIPTIONS),
        api_create_only=rng.random() < 0.5,
        editable_with_roles=_roles(rng),
        fields=tuple(draw_field(rng, f, type_names) for f in fnames),
    )


def draw_manifest(rng: random.Random, max_types: int = 4, max_fields: int = 4) -> Manifest:
    names = rng.sample(TYPE_NAMES, rng.randint(0, max_types))
    return Manifest(types=tuple(draw_type(rng, n, names, max_fields) for n in names))


def edited(rng: random.Random, f: FieldSpec) -> FieldSpec:
    """The same field with some attributes changed in place (no type change)."""
    if rng.random() < 0.5:
        return f
    changes: dict[str, Any] = {
        "required": rng.random() < 0.5,
        "description": rng.choice(DESCRIPTIONS),
        "editable_with_roles": _roles(rng),
    }
    if f.type == "choices":
        changes["choices"] = _choices(rng)
    if f.type in MULTI_VALUE_TYPES:
        changes["accepts_multiple_values"] = rng.random() < 0.5
    if f.type == "custom_object":
        changes["back_reference_is_visible"] = rng.random() < 0.5
    return dataclasses.replace(f, **changes)


def _reordered(rng: random.Random, values: tuple[str, ...]) -> tuple[str, ...]:
    out = list(values)
    rng.shuffle(out)
    return tuple(out)


def wild_successor(rng: random.Random, before: Manifest) -> Manifest:
    """A fresh manifest that reuses `before`'s names: renames (renamed_from), type and
    reference changes, edits, reorders, removals and additions (tests/strategies.py's)."""
    after = draw_manifest(rng)
    old_types = {t.name: t for t in before.types}
    new_names = [t.name for t in after.types]
    free_old = [n for n in old_types if n not in new_names]
    types = []
    for t in after.types:
        renamed: tuple[str, ...] = ()
        if t.name not in old_types and free_old and rng.random() < 0.5:
            renamed = (free_old.pop(0),)
        old = old_types.get(renamed[0] if renamed else t.name)
        fields = list(t.fields)
        if old is not None and rng.random() < 0.5:
            keep = [
                edited(rng, f)
                for f in old.fields
                if f.references is None or f.references in new_names
            ]
            kept = [k.name for k in keep]
            fields = keep + [f for f in fields if f.name not in kept]
            if rng.random() < 0.5:
                rng.shuffle(fields)
        if old is not None:
            old_fields = [f.name for f in old.fields]
            taken = [f.name for f in fields]
            free_f = [n for n in old_fields if n not in taken]
            out = []
            for f in fields:
                if f.name not in old_fields and free_f and rng.random() < 0.5:
                    f = dataclasses.replace(f, renamed_from=(free_f.pop(0),))
                out.append(f)
            fields = out
        types.append(dataclasses.replace(t, renamed_from=renamed, fields=tuple(fields)))
    return Manifest(types=tuple(types))


def mild_successor(rng: random.Random, before: Manifest) -> Manifest:
    """`before` with a few changes per type: the kind of edit a person makes."""
    kept = [t for t in before.types if rng.random() >= 0.15]
    taken = [t.name for t in before.types]
    new_name: dict[str, str] = {}
    for t in kept:
        free = [n for n in TYPE_NAMES if n not in taken]
        if free and rng.random() < 0.2:
            new_name[t.name] = rng.choice(free)
            taken.append(new_name[t.name])
    extra = [n for n in TYPE_NAMES if n not in taken]
    added = rng.sample(extra, 1) if extra and rng.random() < 0.25 else []
    names = [new_name.get(t.name, t.name) for t in kept] + added
    stale_refs = rng.random() < 0.1  # a reference left on a renamed type's old name

    def target(ref: str | None) -> str | None:
        if ref is None or ref not in new_name or stale_refs:
            return ref
        return new_name[ref]

    types = []
    for t in kept:
        fields = []
        for f in t.fields:
            if rng.random() < 0.12:
                continue  # removed
            f = dataclasses.replace(f, references=target(f.references))
            roll = rng.random()
            if roll < 0.08:
                f = draw_field(rng, f.name, names)  # possibly another type: a replace
            elif roll < 0.15 and f.type == "custom_object" and names:
                f = dataclasses.replace(f, references=rng.choice(names))
            else:
                f = edited(rng, f)
            if rng.random() < 0.15:
                f = dataclasses.replace(
                    f, editable_with_roles=_reordered(rng, f.editable_with_roles)
                )
            if f.type == "choices" and rng.random() < 0.1:
                f = dataclasses.replace(f, choices=_reordered(rng, f.choices or ()))
            fields.append(f)
        free_f = [n for n in FIELD_NAMES if n not in [f.name for f in t.fields]]
        for i, f in enumerate(fields):
            if free_f and rng.random() < 0.1:
                fname = free_f.pop(rng.randrange(len(free_f)))
                fields[i] = dataclasses.replace(f, name=fname, renamed_from=(f.name,))
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            if free_f:
                fields.append(draw_field(rng, free_f.pop(rng.randrange(len(free_f))), names))
        if rng.random() < 0.25:
            rng.shuffle(fields)
        changes: dict[str, Any] = {"fields": tuple(fields)}
        if t.name in new_name:
            changes.update(name=new_name[t.name], renamed_from=(t.name,))
        if rng.random() < 0.3:
            changes["description"] = rng.choice(DESCRIPTIONS)
        if rng.random() < 0.2:
            changes["name_plural"] = rng.choice([t.name + "s", "Items", "on"])
        if rng.random() < 0.15:
            changes["api_create_only"] = not t.api_create_only
        if rng.random() < 0.2:
            changes["editable_with_roles"] = _roles(rng)
        elif rng.random() < 0.2:
            changes["editable_with_roles"] = _reordered(rng, t.editable_with_roles)
        types.append(dataclasses.replace(t, **changes))
    types += [draw_type(rng, n, names, 3) for n in added]
    if rng.random() < 0.2:
        rng.shuffle(types)
    return Manifest(types=tuple(types))


def manifest_text(m: Manifest, rng: random.Random) -> str:
    """The YAML text of `m`; sometimes with defaults written out, or as flow lists."""
    defaults = rng.random() < 0.2

    def plain(spec: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(spec):
            value = getattr(spec, f.name)
            if f.name == "pos" or value is None or (value == f.default and not defaults):
                continue
            if f.name == "fields":
                out[f.name] = [plain(v) for v in value]
            else:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    doc = {"version": 1, "custom_object_types": [plain(t) for t in m.types]}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


# -- one random case -------------------------------------------------------------------------


def _perturb(org: Org, rng: random.Random) -> None:
    """Changes made in the org by hand, outside the manifest."""
    client = org.client
    if rng.random() < 0.3:  # an unmanaged type, maybe with a field referencing a managed one
        name = rng.choice([*TYPE_NAMES, "Extra", "Legacy"])
        created = client.post(TYPES_PATH, {"name": name, "name_plural": name + "s"})
        for fname in rng.sample(FIELD_NAMES, rng.randint(0, 2)):
            targets = _type_ids(org)
            body: dict[str, Any] = {"custom_object_type_id": created["id"], "name": fname}
            if rng.random() < 0.5:
                body.update(type="custom_object", referenced_custom_type_id=rng.choice(targets))
            else:
                body["type"] = rng.choice(["text", "number", "date"])
            client.post(FIELDS_PATH, body)
    types = _type_ids(org)
    if types and rng.random() < 0.3:  # an unmanaged field on some type
        tid = rng.choice(types)
        ftype = rng.choice(["text", "choices", "custom_object", "user"])
        body = {"custom_object_type_id": tid, "name": rng.choice(FIELD_NAMES), "type": ftype}
        if ftype == "choices":
            body["choices"] = list(_choices(rng))
        if ftype == "custom_object":
            body["referenced_custom_type_id"] = rng.choice(types)
        client.post(FIELDS_PATH, body)
    if types and rng.random() < 0.05:  # two live types with one name
        name = org.store.types[rng.choice(types)]["name"]
        client.post(TYPES_PATH, {"name": name, "name_plural": "Twins"})
    if rng.random() < 0.05:
        org.store.add_role("Support")  # two roles with one name
    for _ in range(rng.choice([0, 0, 1, 1, 2])):  # other hands at work
        fields, types = _field_ids(org), _type_ids(org)
        roll = rng.random()
        if fields and roll < 0.25:
            fid = rng.choice(fields)
            client.put(f"{FIELDS_PATH}{fid}/", {"description": "changed in Close"})
        elif types and roll < 0.4:
            tid = rng.choice(types)
            client.put(f"{TYPES_PATH}{tid}/", {"name_plural": "Renamed in Close"})
        elif fields and roll < 0.55:
            client.delete(f"{FIELDS_PATH}{rng.choice(fields)}/")
        elif types and roll < 0.8:
            tid = rng.choice(types)
            order = list(org.store.types[tid]["field_order"])
            rng.shuffle(order)
            if order:
                body = {"fields": [{"id": i} for i in order]}
                client.put(f"/custom_field_schema/custom_object/{tid}/", body)
        elif fields:
            fid = rng.choice(fields)
            roles = list(reversed(org.store.fields[fid]["editable_with_roles"]))
            client.put(f"{FIELDS_PATH}{fid}/", {"editable_with_roles": roles or ["admin"]})


def _protect(rng: random.Random, live: dict[str, Any], desired: Manifest) -> list[str]:
    if rng.random() >= 0.35:
        return []
    type_names = {t["id"]: t["name"] for t in live["types"]}
    pool = [*type_names.values(), *(t.name for t in desired.types), "Nope", "Account.Nope"]
    pool += [
        f"{type_names.get(f['custom_object_type_id'], '?')}.{f['name']}"
        for f in live["fields"]
        if not f.get("is_shared")
    ]
    return sorted(dict.fromkeys(rng.sample(pool, min(len(pool), rng.randint(1, 3)))))


def random_case(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    org = in_process_org(new_store(seed=seed))
    start = draw_manifest(rng)
    report = org.apply(start, prune=True, allow_replace=True)
    if not report.ok:
        raise RuntimeError(f"seed {seed}: the start manifest did not apply: {report.render()}")
    _perturb(org, rng)
    live = read_lists(org)
    if live["types"] and rng.random() < 0.15:
        for _ in range(rng.randint(1, 2)):
            i = rng.randrange(len(live["types"]))
            add_shared(live, rng, i, rng.randint(0, 5), rng.choice(["Shared", *FIELD_NAMES]))
    roll = rng.random()
    if roll < 0.5:
        desired = mild_successor(rng, start)
    elif roll < 0.85:
        desired = wild_successor(rng, start)
    else:
        desired = start
    options = {
        "prune": rng.random() < 0.45,
        "allow_replace": rng.random() < 0.5,
        "protect": _protect(rng, live, desired),
    }
    return {"live": live, "manifest": manifest_text(desired, rng), "options": options}


# -- targeted cases --------------------------------------------------------------------------

# Each returns (manifest text, options) after setting the org up; `live` edits go through
# `post`, applied to the listed org before it is stored.
Setup = Callable[[Org], tuple[str, dict[str, Any]]]
TARGETED: dict[str, tuple[Setup, Callable[[dict[str, Any]], None] | None]] = {}


def targeted(
    name: str, post: Callable[[dict[str, Any]], None] | None = None
) -> Callable[[Setup], Setup]:
    def register(fn: Setup) -> Setup:
        TARGETED[name] = (fn, post)
        return fn

    return register


def opts(prune: bool = False, allow_replace: bool = False, protect: tuple[str, ...] = ()) -> dict:
    return {"prune": prune, "allow_replace": allow_replace, "protect": list(protect)}


def start(org: Org, text: str) -> None:
    report = org.apply(load_text(text), prune=True, allow_replace=True)
    if not report.ok:
        raise RuntimeError(report.render())


def _type_id(org: Org, name: str) -> str:
    return next(t["id"] for t in org.store.types.values() if t["name"] == name)


THREE_TYPES = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Owner, type: custom_object, references: Resource}
      - {name: Notes, type: text}
  - name: Resource
    name_plural: Resources
    fields:
      - {name: Serial, type: text}
  - name: Subscription
    name_plural: Subscriptions
    fields:
      - {name: Seats, type: number}
"""


def _references_and_back_reference(org: Org, allow: bool) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace(
        "{name: Owner, type: custom_object, references: Resource}",
        "{name: Owner, type: custom_object, references: Subscription,"
        " back_reference_is_visible: true}",
    )
    return text, opts(allow_replace=allow)


@targeted("targeted-references-and-back-reference")
def _t1(org: Org) -> tuple[str, dict]:
    return _references_and_back_reference(org, True)


@targeted("targeted-references-and-back-reference-refused")
def _t2(org: Org) -> tuple[str, dict]:
    return _references_and_back_reference(org, False)


@targeted("targeted-references-retarget")
def _t3(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("references: Resource}", "references: Subscription}")
    return text, opts(allow_replace=True)


@targeted("targeted-references-retarget-to-live-only-type")
def _t3b(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    org.client.post(TYPES_PATH, {"name": "Legacy", "name_plural": "Legacies"})
    text = THREE_TYPES.replace("references: Resource}", "references: Legacy}")
    return text, opts(allow_replace=True)


@targeted("targeted-reference-by-old-name-of-renamed-type")
def _t4(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace(
        "  - name: Resource\n", "  - name: Asset\n    renamed_from: [Resource]\n"
    )
    return text, opts()


@targeted("targeted-reference-by-new-name-of-renamed-type")
def _t4b(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace(
        "  - name: Resource\n", "  - name: Asset\n    renamed_from: [Resource]\n"
    ).replace("references: Resource}", "references: Asset}")
    return text, opts()


DOTTED = """\
version: 1
custom_object_types:
  - name: A.B
    name_plural: A.Bs
    fields:
      - {name: C, type: text}
      - {name: D, type: number}
  - name: A
    name_plural: As
    fields:
      - {name: B.C, type: text}
      - {name: B, type: text}
      - {name: Ref, type: custom_object, references: A.B}
"""


@targeted("targeted-dotted-names-no-changes")
def _t5(org: Org) -> tuple[str, dict]:
    start(org, DOTTED)
    return DOTTED, opts(protect=("A.B.C",))


def _dotted(org: Org, drop: str, protect: tuple[str, ...], prune: bool = True) -> tuple[str, dict]:
    start(org, DOTTED)
    lines = [line for line in DOTTED.splitlines(keepends=True) if drop not in line]
    return "".join(lines), opts(prune=prune, protect=protect)


@targeted("targeted-dotted-delete-field-C-of-A.B-protect-A")
def _t6(org: Org) -> tuple[str, dict]:
    return _dotted(org, "{name: C,", ("A",))


@targeted("targeted-dotted-delete-field-C-of-A.B-protect-A.B.C")
def _t7(org: Org) -> tuple[str, dict]:
    return _dotted(org, "{name: C,", ("A.B.C",))


@targeted("targeted-dotted-delete-field-B.C-of-A-protect-A.B")
def _t8(org: Org) -> tuple[str, dict]:
    return _dotted(org, "{name: B.C,", ("A.B",))


@targeted("targeted-dotted-delete-field-B.C-of-A-protect-A.B.C")
def _t9(org: Org) -> tuple[str, dict]:
    return _dotted(org, "{name: B.C,", ("A.B.C",))


@targeted("targeted-dotted-delete-field-B-of-A-protect-A.B")
def _t10(org: Org) -> tuple[str, dict]:
    return _dotted(org, "{name: B,", ("A.B",))


DOTTED_A_ONLY = """\
version: 1
custom_object_types:
  - name: A
    name_plural: As
    fields:
      - {name: B.C, type: text}
      - {name: B, type: text}
"""


@targeted("targeted-dotted-delete-type-A.B-protect-A.B.C")
def _t11(org: Org) -> tuple[str, dict]:
    start(org, DOTTED)
    return DOTTED_A_ONLY, opts(prune=True, protect=("A.B.C", "A.B.D"))


@targeted("targeted-dotted-delete-type-A.B-protect-A")
def _t12(org: Org) -> tuple[str, dict]:
    text, _ = _t11(org)
    return text, opts(prune=True, protect=("A",))


@targeted("targeted-dotted-replace-B.C-protect-A.B")
def _t13(org: Org) -> tuple[str, dict]:
    start(org, DOTTED)
    text = DOTTED.replace("{name: B.C, type: text}", "{name: B.C, type: number}")
    return text, opts(allow_replace=True, protect=("A.B",))


UNUSUAL = """\
version: 1
custom_object_types:
  - name: "Ünïcode ✓ 名前"
    name_plural: "Ünïcodes"
    description: "it's \\"quoted\\""
    fields:
      - {name: "$price {USD}", type: number}
      - {name: " padded ", type: text}
      - {name: "it's \\"quoted\\"", type: choices, choices: ["a\\"b", "{x}", "$y", " z "]}
  - name: " Leading and trailing "
    name_plural: "${braces}"
    fields:
      - {name: "Ref → ✓", type: custom_object, references: "Ünïcode ✓ 名前"}
"""


@targeted("targeted-unusual-names-create")
def _t14(org: Org) -> tuple[str, dict]:
    return UNUSUAL, opts()


def _unusual_changed(org: Org) -> str:
    start(org, UNUSUAL)
    return (
        UNUSUAL.replace('{name: " padded ", type: text}', '{name: "padded", type: text}')
        .replace('"$price {USD}", type: number', '"$price {USD}", type: text')
        .replace(
            '" Leading and trailing "', '"${new}"\n    renamed_from: [" Leading and trailing "]'
        )
        .replace(
            'references: "Ünïcode ✓ 名前"}',
            'references: "Ünïcode ✓ 名前", description: "{{ $x }} \\\\ `y`"}',
        )
    )


@targeted("targeted-unusual-names-changes")
def _t15(org: Org) -> tuple[str, dict]:
    text = _unusual_changed(org)
    return text, opts(prune=True, allow_replace=True)


@targeted("targeted-unusual-names-changes-protected")
def _t15b(org: Org) -> tuple[str, dict]:
    text = _unusual_changed(org)
    return text, opts(prune=True, allow_replace=True, protect=(" padded ", "Ünïcode ✓ 名前"))


CROSS = """\
version: 1
custom_object_types:
  - name: X
    name_plural: Xs
    fields:
      - {name: To Y, type: custom_object, references: Y}
      - {name: Plain, type: text}
  - name: Y
    name_plural: Ys
    fields:
      - {name: Self, type: custom_object, references: Y}
      - {name: To Z, type: custom_object, references: Z}
  - name: Z
    name_plural: Zs
    fields:
      - {name: To Y too, type: custom_object, references: Y}
"""
CROSS_WITHOUT_Y = """\
version: 1
custom_object_types:
  - name: X
    name_plural: Xs
    fields:
      - {name: Plain, type: text}
  - name: Z
    name_plural: Zs
"""


@targeted("targeted-prune-cross-type-references")
def _t16(org: Org) -> tuple[str, dict]:
    start(org, CROSS)
    return CROSS_WITHOUT_Y, opts(prune=True)


@targeted("targeted-prune-cross-type-references-kept-reference")
def _t17(org: Org) -> tuple[str, dict]:
    start(org, CROSS)
    text = CROSS_WITHOUT_Y.replace(
        "      - {name: Plain, type: text}\n",
        "      - {name: To Y, type: custom_object, references: Y}\n"
        "      - {name: Plain, type: text}\n",
    )
    return text, opts(prune=True)


@targeted("targeted-without-prune-cross-type-references")
def _t18(org: Org) -> tuple[str, dict]:
    start(org, CROSS)
    return CROSS_WITHOUT_Y, opts()


@targeted("targeted-prune-cross-type-references-unmanaged-referrer")
def _t19(org: Org) -> tuple[str, dict]:
    start(org, CROSS)
    y = _type_id(org, "Y")
    legacy = org.client.post(TYPES_PATH, {"name": "Legacy", "name_plural": "Legacies"})
    org.client.post(
        FIELDS_PATH,
        {
            "custom_object_type_id": legacy["id"],
            "name": "To Y",
            "type": "custom_object",
            "referenced_custom_type_id": y,
        },
    )
    return CROSS_WITHOUT_Y, opts(prune=True, protect=("Legacy.To Y",))


ROLES_START = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    editable_with_roles: [admin, Support, Account Managers]
    fields:
      - {name: Status, type: text, editable_with_roles: [user, Support, superuser]}
"""


@targeted("targeted-role-order-only")
def _t20(org: Org) -> tuple[str, dict]:
    start(org, ROLES_START)
    text = ROLES_START.replace(
        "[admin, Support, Account Managers]", "[Account Managers, admin, Support]"
    ).replace("[user, Support, superuser]", "[superuser, user, Support]")
    return text, opts()


@targeted("targeted-role-order-only-in-org")
def _t21(org: Org) -> tuple[str, dict]:
    start(org, ROLES_START)
    fid = next(iter(org.store.fields))
    roles = list(reversed(org.store.fields[fid]["editable_with_roles"]))
    org.client.put(f"{FIELDS_PATH}{fid}/", {"editable_with_roles": roles})
    tid = _type_id(org, "Account")
    roles = list(reversed(org.store.types[tid]["editable_with_roles"]))
    org.client.put(f"{TYPES_PATH}{tid}/", {"editable_with_roles": roles})
    return ROLES_START, opts()


@targeted("targeted-role-set-change")
def _t22(org: Org) -> tuple[str, dict]:
    start(org, ROLES_START)
    text = ROLES_START.replace("[admin, Support, Account Managers]", "[Support, restricteduser]")
    return text, opts()


@targeted("targeted-choices-order-only")
def _t23(org: Org) -> tuple[str, dict]:
    text = "version: 1\ncustom_object_types:\n  - name: T\n    name_plural: Ts\n    fields:\n"
    start(org, text + "      - {name: C, type: choices, choices: [a, b, c]}\n")
    return text + "      - {name: C, type: choices, choices: [c, a, b]}\n", opts()


TWO = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Status, type: text}
      - {name: Notes, type: text}
"""


@targeted("targeted-duplicate-live-type-names")
def _t24(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    org.client.post(TYPES_PATH, {"name": "Account", "name_plural": "Twins"})
    return TWO, opts()


@targeted("targeted-duplicate-live-type-names-not-in-manifest")
def _t25(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    org.client.post(TYPES_PATH, {"name": "Other", "name_plural": "Others"})
    org.client.post(TYPES_PATH, {"name": "Other", "name_plural": "Others"})
    return TWO, opts()


@targeted("targeted-duplicate-live-type-names-referenced")
def _t26(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    org.client.post(TYPES_PATH, {"name": "Other", "name_plural": "Others"})
    org.client.post(TYPES_PATH, {"name": "Other", "name_plural": "Others"})
    return TWO + "      - {name: Ref, type: custom_object, references: Other}\n", opts()


@targeted("targeted-duplicate-live-field-names")
def _t27(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    tid = _type_id(org, "Account")
    body = {"custom_object_type_id": tid, "name": "Status", "type": "number"}
    org.client.post(FIELDS_PATH, body)
    return TWO, opts()


@targeted("targeted-duplicate-live-field-names-not-in-manifest")
def _t28(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    tid = _type_id(org, "Account")
    for _ in range(2):
        org.client.post(FIELDS_PATH, {"custom_object_type_id": tid, "name": "Dup", "type": "text"})
    return TWO, opts(prune=True)


@targeted("targeted-duplicate-role-names")
def _t29(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    org.store.add_role("Support")
    return TWO.replace("type: text}", "type: text, editable_with_roles: [Support]}", 1), opts()


@targeted("targeted-unknown-role")
def _t30(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    return TWO.replace(
        "    name_plural: Accounts\n",
        "    name_plural: Accounts\n    editable_with_roles: [Ghosts, admin]\n",
    ), opts()


@targeted("targeted-renamed-from-ambiguous")
def _t31(org: Org) -> tuple[str, dict]:
    start(
        org,
        TWO.replace("Account", "Client") + TWO.split("types:\n")[1].replace("Account", "Customer"),
    )
    text = TWO.replace(
        "    name_plural: Accounts\n",
        "    renamed_from: [Client, Customer]\n    name_plural: Accounts\n",
    )
    return text, opts()


@targeted("targeted-renamed-from-field-ambiguous")
def _t33(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    text = TWO.replace(
        "      - {name: Status, type: text}\n      - {name: Notes, type: text}\n",
        "      - {name: Memo, type: text, renamed_from: [Status, Notes]}\n",
    )
    return text, opts()


@targeted("targeted-renamed-from-swap-fields")
def _t34(org: Org) -> tuple[str, dict]:
    start(org, TWO)
    text = TWO.replace(
        "      - {name: Status, type: text}\n      - {name: Notes, type: text}\n",
        "      - {name: Memo, type: text, renamed_from: [Notes]}\n"
        "      - {name: State, type: text, renamed_from: [Status]}\n",
    )
    return text, opts()


def _shared_first_and_middle(live: dict[str, Any]) -> None:
    rng = random.Random(7)
    add_shared(live, rng, 0, 0, "Shared One")
    add_shared(live, rng, 0, 2, "Status")


REORDER = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: A, type: text}
      - {name: B, type: text}
      - {name: C, type: text}
"""


@targeted("targeted-reorder-with-shared-fields", post=_shared_first_and_middle)
def _t35(org: Org) -> tuple[str, dict]:
    start(org, REORDER)
    return REORDER.replace("name: A,", "name: X,").replace("name: C,", "name: A,").replace(
        "name: X,", "name: C,"
    ), opts()


@targeted("targeted-reorder-with-shared-and-unmanaged-fields", post=_shared_first_and_middle)
def _t36(org: Org) -> tuple[str, dict]:
    start(org, REORDER)
    tid = _type_id(org, "Account")
    org.client.post(FIELDS_PATH, {"custom_object_type_id": tid, "name": "Mine", "type": "text"})
    text = (
        REORDER.replace("      - {name: A, type: text}\n", "") + "      - {name: A, type: text}\n"
    )
    return text + "      - {name: New, type: number}\n", opts()


@targeted("targeted-no-reorder-with-shared-fields", post=_shared_first_and_middle)
def _t37(org: Org) -> tuple[str, dict]:
    start(org, REORDER)
    return REORDER, opts()


@targeted("targeted-reorder-with-shared-and-prune", post=_shared_first_and_middle)
def _t38(org: Org) -> tuple[str, dict]:
    start(org, REORDER)
    text = REORDER.replace("      - {name: B, type: text}\n", "")
    return text.replace("name: A,", "name: X,").replace("name: C,", "name: A,").replace(
        "name: X,", "name: C,"
    ), opts(prune=True)


EMPTY = "version: 1\ncustom_object_types: []\n"


@targeted("targeted-empty-manifest-without-prune")
def _t39(org: Org) -> tuple[str, dict]:
    start(org, CROSS)
    return EMPTY, opts()


@targeted("targeted-empty-manifest-with-prune")
def _t40(org: Org) -> tuple[str, dict]:
    start(org, CROSS)
    return EMPTY, opts(prune=True)


@targeted("targeted-empty-manifest-empty-org")
def _t41(org: Org) -> tuple[str, dict]:
    return EMPTY, opts(prune=True)


@targeted("targeted-protect-type-delete")
def _t42(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.split("  - name: Subscription\n")[0]
    return text, opts(prune=True, protect=("Subscription",))


@targeted("targeted-protect-type-delete-by-field")
def _t43(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.split("  - name: Subscription\n")[0]
    return text, opts(prune=True, protect=("Subscription.Seats", "Nope"))


@targeted("targeted-protect-field-delete")
def _t44(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("      - {name: Notes, type: text}\n", "")
    return text, opts(prune=True, protect=("Account.Notes",))


@targeted("targeted-protect-field-delete-by-type")
def _t45(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("      - {name: Notes, type: text}\n", "")
    return text, opts(prune=True, protect=("Account",))


@targeted("targeted-protect-field-replace")
def _t46(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("{name: Notes, type: text}", "{name: Notes, type: number}")
    return text, opts(allow_replace=True, protect=("Account.Notes",))


@targeted("targeted-protect-misses")
def _t47(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("{name: Notes, type: text}", "{name: Notes, type: number}")
    text = text.split("  - name: Subscription\n")[0]
    return text, opts(prune=True, allow_replace=True, protect=("Account.Owner", "Resource", "Sub"))


@targeted("targeted-protect-many-hits")
def _t48(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("{name: Notes, type: text}", "{name: Notes, type: number}")
    text = text.split("  - name: Subscription\n")[0].replace(
        "    fields:\n      - {name: Serial, type: text}\n", ""
    )
    return text, opts(
        prune=True, allow_replace=True, protect=("Account", "Resource.Serial", "Subscription")
    )


@targeted("targeted-replace-refused-and-other-problems")
def _t49(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace("{name: Notes, type: text}", "{name: Notes, type: number}")
    text = text.replace(
        "{name: Seats, type: number}",
        "{name: Seats, type: number}\n"
        "      - {name: Ref, type: custom_object, references: Nowhere}",
    )
    return text, opts(protect=("Account.Notes",))


@targeted("targeted-rename-type-and-reorder-and-replace")
def _t50(org: Org) -> tuple[str, dict]:
    start(org, THREE_TYPES)
    text = THREE_TYPES.replace(
        "  - name: Resource\n    name_plural: Resources\n",
        "  - name: Asset\n    renamed_from: [Resource]\n    name_plural: Assets\n",
    ).replace("references: Resource}", "references: Asset}")
    text = text.replace(
        "      - {name: Owner, type: custom_object, references: Asset}\n"
        "      - {name: Notes, type: text}\n",
        "      - {name: Memo, renamed_from: [Notes], type: number}\n"
        "      - {name: Owner, type: custom_object, references: Asset}\n",
    )
    return text, opts(allow_replace=True)


def _shared_in_list_only(live: dict[str, Any]) -> None:
    live["fields"].append(
        {
            "id": "cf_sharedinlistonly000000",
            "custom_object_type_id": live["types"][0]["id"],
            "name": "A",
            "type": "text",
            "is_shared": True,
        }
    )


@targeted("targeted-shared-entry-in-field-list-only", post=_shared_in_list_only)
def _t51(org: Org) -> tuple[str, dict]:
    start(org, REORDER)
    return REORDER, opts()


def targeted_case(name: str, index: int) -> dict[str, Any]:
    setup, post = TARGETED[name]
    org = in_process_org(new_store(seed=index))
    text, options = setup(org)
    live = read_lists(org)
    if post is not None:
        post(live)
    return {"live": live, "manifest": text, "options": options}


# -- writing the corpus ----------------------------------------------------------------------


def build(case: dict[str, Any]) -> dict[str, Any]:
    return {**case, **outputs(case)}


def main() -> int:
    CORPUS.mkdir(parents=True, exist_ok=True)
    for old in CORPUS.glob("*.json"):
        old.unlink()
    skipped = 0
    seed = FIRST_SEED
    written = 0
    while written < RANDOM_CASES:
        case = random_case(seed)
        seed += 1
        try:
            full = build(case)
        except SchemaSyncError:  # an invalid manifest: not what the corpus is about
            skipped += 1
            continue
        written += 1
        (CORPUS / f"case-{written:03d}.json").write_text(case_text(full), encoding="utf-8")
    for i, name in enumerate(sorted(TARGETED)):
        full = build(targeted_case(name, 90_000 + i))
        (CORPUS / f"{name}.json").write_text(case_text(full), encoding="utf-8")
    print(f"{written} random cases ({skipped} seeds skipped), {len(TARGETED)} targeted cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
