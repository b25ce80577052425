"""Writes per apply: exactly one write per operation (a replace is two: DELETE, then POST).

A 60 types x 10 fields org is planned with --prune and --allow-replace against a manifest with
every kind of change (creates, updates, renames, replaces, reorders, deletes of fields and of
types), then applied. The emulator's request log (`app.log`) is the count: the writes it
received during apply must equal operations + replaces, and apply sends no reads at all. A
second plan afterwards must be empty (the writes did what the plan said).

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
    from _org import KEY, build_manifest, build_store, in_process_client

    from schemasync.apply import apply_plan
    from schemasync.diff import compute_plan
    from schemasync.emulator import EmulatorApp
    from schemasync.flow import read_live

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
    return rows(measure())


def main() -> None:
    r = measure()
    for row in rows(r):
        print(
            f"{row['figure']}: {row['value']} (target {row['target']}) "
            f"{'OK' if row['ok'] else 'FAILED'}\n  {row['detail']}"
        )


if __name__ == "__main__":
    main()
