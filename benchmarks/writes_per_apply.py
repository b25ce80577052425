"""Writes per apply: exactly one write per operation (a replace is two: DELETE, then POST).

Two orgs, each planned with --prune and --allow-replace against a manifest with every kind of
change, then applied:

- custom object types only (60 types x 10 fields): creates, updates, renames, replaces,
  reorders, deletes of fields and of types;
- the whole schema (_sections.whole_store(1): every section): besides the above for activity
  types and their fields, lead/contact/opportunity fields (a type change converted in place, a
  change to custom_object that is a replace), shared fields and their placements (new, changed
  `required`, pruned), lead statuses (new, renamed, recoloured, reordered, deleted) and
  pipelines (new, renamed, a status moved to another pipeline, a status type change that is a
  replace, deleted statuses).

The emulator's request log (`app.log`) is the count: the writes it received during apply must
equal operations + replaces. Apply reads nothing, except while Close converts a field's values:
those polls (`GET` of the converting field, the emulator converting over 3 reads) are counted
separately, as reads. A second plan afterwards must be empty (the writes did what the plan
said).

    python benchmarks/writes_per_apply.py
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SIZE = (60, 10)
WRITES = ("POST", "PUT", "DELETE")


def measure(n_types: int = SIZE[0], n_fields: int = SIZE[1]) -> dict[str, Any]:
    from _org import KEY, build_manifest, build_store, in_process_client, read_live

    from schemasync.apply import apply_plan
    from schemasync.diff import compute_plan
    from schemasync.emulator import EmulatorApp

    app = EmulatorApp(build_store(n_types, n_fields), api_keys={KEY})
    manifest = build_manifest(n_types, n_fields)
    with in_process_client(app) as client:
        plan = compute_plan(manifest, read_live(client), prune=True, allow_replace=True)
        app.reset_log()
        before = client.stats.requests
        report = apply_plan(plan, client)
        client_requests = client.stats.requests - before
        log = list(app.log)
        again = compute_plan(manifest, read_live(client), prune=True, allow_replace=True)
    actions = Counter(op.action for op in plan.operations)
    methods = Counter(method for method, _path, _status in log)
    writes = sum(methods[m] for m in WRITES)
    return {
        "operations": len(plan.operations),
        "actions": dict(actions),
        "replaces": actions["replace"],
        "writes": writes,
        "reads": methods["GET"],
        "methods": dict(methods),
        "client_requests": client_requests,
        "ok": report.ok,
        "converged": not again.has_changes,
        "statuses": sorted({status for _m, _p, status in log if status is not None}),
    }


def _whole_manifest(store: Any) -> Any:
    """The whole org exported, with every kind of change (see the module docstring)."""
    from _sections import SECTIONS_OF, changed, exported

    from schemasync.manifest_build import manifest_from_document

    doc = changed(exported(store, SECTIONS_OF["whole org"]))
    acts = doc["custom_activity_types"]
    acts.append({"name": "New activity", "fields": [{"name": "Notes", "type": "textarea"}]})
    acts[5]["archived"] = True
    del acts[9]  # pruned: deleted with its fields
    first = next(f for f in acts[2]["fields"] if f.get("type") == "text")
    first["type"] = "number"  # an activity field's type change: a replace
    lead = doc["lead"]["fields"]
    text = [f for f in lead if f.get("type") == "text"]
    text[0]["type"] = "number"  # converted in place (converts: true)
    text[1].update(type="custom_object", references="Account")  # a replace
    text[1].pop("choices", None)
    doc["contact"]["fields"].pop()  # pruned
    doc["shared_fields"].append({"name": "Shared new", "type": "date"})
    lead.append({"shared": "Shared new"})
    doc["custom_object_types"][0]["fields"].append({"shared": "Shared new", "required": True})
    doc["contact"]["fields"] = [
        f for f in doc["contact"]["fields"] if f.get("shared") != "Shared 0001"
    ]  # one placement pruned
    doc["lead"]["statuses"].pop(5)  # pruned
    pipes = doc["opportunity"]["pipelines"]
    pipes[1]["statuses"].append(pipes[0]["statuses"].pop(0))  # moved to another pipeline
    pipes[0]["statuses"][0]["type"] = "won"  # a status type change: a replace
    pipes[1]["statuses"].pop(1)  # pruned
    pipes.append({"name": "New pipeline", "statuses": [{"label": "Fresh", "type": "active"}]})
    return manifest_from_document(doc, "<benchmark>")


def measure_whole() -> dict[str, Any]:
    from _org import KEY, in_process_client, read_live, reads_of
    from _sections import whole_store

    from schemasync.apply import apply_plan
    from schemasync.diff import compute_plan
    from schemasync.emulator import Behaviour, EmulatorApp

    store = whole_store(1)
    store.behaviour = Behaviour(conversion_reads=3)
    app = EmulatorApp(store, api_keys={KEY})
    manifest = _whole_manifest(store)
    groups = reads_of(manifest)
    org_id = store.organization_id
    org = {"org": {"id": org_id}}
    sleeps: list[float] = []
    with in_process_client(app) as client:
        plan = compute_plan(
            manifest, read_live(client, groups, org), prune=True, allow_replace=True
        )
        app.reset_log()
        before = client.stats.requests
        report = apply_plan(plan, client, sleep=sleeps.append)
        client_requests = client.stats.requests - before
        log = list(app.log)
        again = compute_plan(
            manifest, read_live(client, groups, org), prune=True, allow_replace=True
        )
    converting = {op.path for op in plan.operations if op.converts}
    polls = sum(1 for m, path, _s in log if m == "GET" and path in converting)
    actions = Counter(op.action for op in plan.operations)
    kinds = Counter(op.kind for op in plan.operations)
    methods = Counter(method for method, _path, _status in log)
    return {
        "operations": len(plan.operations),
        "actions": dict(actions),
        "kinds": dict(kinds),
        "conversions": len(converting),
        "replaces": actions["replace"],
        "writes": sum(methods[m] for m in WRITES),
        "reads": methods["GET"],
        "polls": polls,
        "sleeps": sleeps,
        "methods": dict(methods),
        "client_requests": client_requests,
        "ok": report.ok,
        "error": report.error if not report.ok else None,
        "converged": not again.has_changes,
        "leftover": [f"{op.action} {op.address}" for op in again.operations][:5],
        "statuses": sorted({status for _m, _p, status in log if status is not None}),
    }


def whole_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    expected = r["operations"] + r["replaces"]
    ok = (
        r["writes"] == expected
        and r["reads"] == r["polls"]
        and r["client_requests"] == r["writes"] + r["reads"]
        and r["ok"]
        and r["converged"]
    )
    acts = ", ".join(f"{n} {a}" for a, n in sorted(r["actions"].items()))
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(r["kinds"].items()))
    return [
        {
            "figure": "writes per apply, whole schema (from app.log)",
            "value": f"{r['writes']} writes for {r['operations']} ops; {r['polls']} polls",
            "target": f"= ops + replaces = {expected}; reads = conversion polls only",
            "ok": ok,
            "detail": f"{acts}; by kind: {kinds}; requests by method {r['methods']}; "
            f"{r['reads']} reads during apply, {r['polls']} of them polls of "
            f"{r['conversions']} converting field(s) (waits asked: "
            f"{', '.join(f'{s:g} s' for s in r['sleeps']) or 'none'}); statuses "
            f"{r['statuses']}; apply {'ok' if r['ok'] else 'FAILED: ' + str(r['error'])}; "
            f"plan afterwards "
            f"{'empty' if r['converged'] else 'NOT empty: ' + '; '.join(r['leftover'])}",
        }
    ]


def rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    expected = r["operations"] + r["replaces"]
    ok = (
        r["writes"] == expected
        and r["reads"] == 0
        and r["client_requests"] == r["writes"]
        and r["ok"]
        and r["converged"]
    )
    acts = ", ".join(f"{n} {a}" for a, n in sorted(r["actions"].items()))
    return [
        {
            "figure": "writes per apply (from app.log)",
            "value": f"{r['writes']} writes for {r['operations']} ops",
            "target": f"= ops + replaces = {expected}",
            "ok": ok,
            "detail": f"{acts}; writes by method {r['methods']}; {r['reads']} reads during "
            f"apply; statuses {r['statuses']}; plan afterwards "
            f"{'empty' if r['converged'] else 'NOT empty'}",
        }
    ]


def run(progress: Any = None) -> list[dict[str, Any]]:
    if progress:
        progress(f"writes per apply: {SIZE[0]} types x {SIZE[1]} fields ...")
    out = rows(measure())
    if progress:
        progress("writes per apply: the whole schema ...")
    return out + whole_rows(measure_whole())


def main() -> None:
    for row in rows(measure()) + whole_rows(measure_whole()):
        print(
            f"{row['figure']}: {row['value']} (target {row['target']}) "
            f"{'OK' if row['ok'] else 'FAILED'}\n  {row['detail']}"
        )


if __name__ == "__main__":
    main()
