"""Request counts, not timings (those live in benchmarks/): a plan makes the same three list
requests whatever the size of the org, and an apply makes exactly one write per operation (a
replace is two: DELETE, then POST) and no reads."""

from __future__ import annotations

import dataclasses
from collections import Counter

from schemasync.apply import apply_plan
from tests.builders import FieldSpec, TypeSpec
from tests.builders import SpecManifest as Manifest
from tests.orgs import Org, in_process_org

LIST_READS = {
    ("GET", "/custom_object_type/"),
    ("GET", "/custom_field/custom_object_type/"),
    ("GET", "/role/"),
}
KINDS = ("text", "number", "choices", "user", "custom_object", "date")


def _manifest(n_types: int, n_fields: int) -> Manifest:
    types = []
    for t in range(n_types):
        fields = []
        for f in range(n_fields):
            kind = KINDS[(t + f) % len(KINDS)]
            if kind == "custom_object" and t == 0:
                kind = "hidden"
            fields.append(
                FieldSpec(
                    name=f"Field {f}",
                    type=kind,
                    choices=("A", "B", "C") if kind == "choices" else None,
                    references=f"Type {t - 1}" if kind == "custom_object" else None,
                    required=f % 3 == 0,
                    editable_with_roles=("Support",) if f % 4 == 0 else (),
                )
            )
        types.append(
            TypeSpec(
                name=f"Type {t}",
                name_plural=f"Type {t}s",
                editable_with_roles=("admin",) if t % 2 else (),
                fields=tuple(fields),
            )
        )
    return Manifest(types=tuple(types))


def _changed(m: Manifest) -> Manifest:
    """Every kind of operation: type create/update/delete, field create/update/replace/delete,
    reorder (deletes need prune; the replace needs allow_replace)."""
    types = []
    for i, t in enumerate(m.types):
        if i == len(m.types) - 1:
            continue  # deleted with --prune (no type references the last one)
        fields = list(t.fields)
        if i % 5 == 0:
            fields[0] = dataclasses.replace(fields[0], description="changed")
        if i % 7 == 2:
            fields.append(FieldSpec(name="Added", type="text"))
        if i % 11 == 3:
            fields.pop()  # deleted with --prune
        if i % 13 == 4 and len(fields) > 1:
            fields[0], fields[1] = fields[1], fields[0]
        if i == 6:
            text = next(n for n, f in enumerate(fields) if f.type == "text")
            fields[text] = dataclasses.replace(fields[text], type="number")  # replace
        types.append(
            dataclasses.replace(
                t, fields=tuple(fields), description="updated" if i % 9 == 0 else t.description
            )
        )
    types.append(
        TypeSpec(
            name="Brand New",
            name_plural="Brand News",
            fields=(FieldSpec(name="Only", type="text"),),
        )
    )
    return Manifest(types=tuple(types))


def _org(n_types: int, n_fields: int) -> Org:
    org = in_process_org()
    report = org.apply(_manifest(n_types, n_fields))
    assert report.ok, report.render()
    return org


def _plan_requests(org: Org, manifest: Manifest) -> Counter[tuple[str, str]]:
    org.app.reset_log()
    before = org.client.stats.requests
    org.plan(manifest, prune=True, allow_replace=True)
    assert org.client.stats.requests - before == len(org.app.log)
    return Counter((method, path) for method, path, _status in org.app.log)


def test_requests_per_plan_do_not_grow_with_the_org() -> None:
    small, medium = _org(3, 2), _org(60, 10)
    counts = [
        _plan_requests(small, _manifest(3, 2)),
        _plan_requests(small, _changed(_manifest(3, 2))),
        _plan_requests(medium, _manifest(60, 10)),
        _plan_requests(medium, _changed(_manifest(60, 10))),
    ]
    assert all(c == Counter(LIST_READS) for c in counts), counts
    assert len(medium.live().types) == 60 and len(small.live().types) == 3


def test_writes_per_apply_equal_operations_and_replaces_count_twice() -> None:
    org = in_process_org()
    first = org.plan(_manifest(60, 10))
    org.app.reset_log()
    assert apply_plan(first, org.client).ok
    assert len(org.app.log) == len(first.operations) == 60 + 600

    desired = _changed(_manifest(60, 10))
    plan = org.plan(desired, prune=True, allow_replace=True)
    actions = Counter(op.action for op in plan.operations)
    assert set(actions) == {"create", "update", "replace", "delete", "reorder"}, actions
    org.app.reset_log()
    before = org.client.stats.requests
    report = apply_plan(plan, org.client)
    assert report.ok, report.render()
    methods = Counter(method for method, _path, _status in org.app.log)
    assert methods["GET"] == 0  # apply reads nothing
    writes = methods["POST"] + methods["PUT"] + methods["DELETE"]
    assert writes == len(plan.operations) + actions["replace"]
    assert org.client.stats.requests - before == writes
    assert not org.plan(desired, prune=True).has_changes
