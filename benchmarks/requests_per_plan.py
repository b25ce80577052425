"""Requests per plan: the same three list requests whatever the size of the org.

For each size, an emulated org (see _org.py) is planned against through the real client, with
the emulator in-process (the count does not depend on the transport; the CPU benchmark uses a
real socket). Requests are counted twice: by the client (`client.stats`) and by the emulator's
request log (`app.log`), which must agree.

    python benchmarks/requests_per_plan.py
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SIZES = [(5, 4), (50, 10), (200, 25), (500, 40)]
EXPECTED = 3  # GET types, GET fields, GET roles


def count(n_types: int, n_fields: int) -> dict[str, Any]:
    from _org import KEY, build_manifest, build_store, in_process_client

    from schemasync.diff import compute_plan
    from schemasync.emulator import EmulatorApp
    from schemasync.flow import read_live

    app = EmulatorApp(build_store(n_types, n_fields), api_keys={KEY})
    manifest = build_manifest(n_types, n_fields)
    with in_process_client(app) as client:
        t0 = time.perf_counter()
        plan = compute_plan(manifest, read_live(client), allow_replace=True)
        seconds = time.perf_counter() - t0
        stats = client.stats
    paths = Counter(f"{method} {path}" for method, path, _status in app.log)
    return {
        "types": n_types,
        "fields": n_types * n_fields,
        "client": stats.requests,
        "log": len(app.log),
        "by_method": dict(stats.by_method),
        "paths": dict(paths),
        "operations": len(plan.operations),
        "seconds": seconds,
    }


def rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = {r["client"] for r in results} | {r["log"] for r in results}
    constant = counts == {EXPECTED}
    sizes = ", ".join(f"{r['types']}x{r['fields'] // r['types']}={r['client']}" for r in results)
    paths = sorted(results[-1]["paths"])
    return [
        {
            "figure": "requests per plan (types x fields = requests)",
            "value": sizes,
            "target": f"= {EXPECTED} at every size",
            "ok": constant,
            "detail": f"client.stats and app.log agree; {', '.join(paths)}",
        }
    ]


def run(progress: Any = None) -> list[dict[str, Any]]:
    results = []
    for n_types, n_fields in SIZES:
        if progress:
            progress(f"requests per plan: {n_types} types x {n_fields} fields ...")
        results.append(count(n_types, n_fields))
    return rows(results)


def main() -> None:
    for n_types, n_fields in SIZES:
        r = count(n_types, n_fields)
        print(
            f"{n_types:>4} types x {n_fields:>3} fields ({r['fields']:>6,} fields): "
            f"client {r['client']} requests, emulator log {r['log']}, "
            f"{r['operations']:,} operations planned  {r['paths']}"
        )


if __name__ == "__main__":
    main()
