"""Apply under rate limits: 120 operations against an emulator allowing 10 requests/s per key.

The emulator serves on 127.0.0.1 (real socket, real sleeping client, default settings). The
manifest is built to give exactly 120 operations (40 creates in 2 new types, 20 new fields in
existing types, 60 field updates; no replaces, so 120 writes). The run is `plan` (3 GETs) then
`apply` (120 writes), as `schemasync apply` does, and both phases are timed:

- with `RateLimit` headers: the client paces itself from `remaining`/`reset`, so it should
  never see a 429. The minimum is writes / rate = 12 s for the apply (123 requests / rate =
  12.3 s for plan + apply); the target is within 1.10x of it.
- without headers (429 + `Retry-After` only): it must still finish; the 429s are counted.

429s are counted by the emulator (`app.log`) and by the client (`stats.rate_limited`).

    python benchmarks/apply_ratelimit.py [--headers | --no-headers]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _org import KEY  # noqa: E402  (benchmarks/ is on sys.path)

RATE = (10, 1.0)  # requests per window (s), per key
OPERATIONS = 120
TARGET_FACTOR = 1.10
LIVE_TYPES, LIVE_FIELDS = 6, 10  # 60 live fields: each gets one update


def _manifest(store: Any) -> Any:
    """The org as it is, plus exactly 120 changes."""
    from _org import matching_document

    from schemasync.manifest_build import manifest_from_document

    doc = matching_document(store)
    updates = 60
    for i, t in enumerate(doc["custom_object_types"]):
        fields = t.setdefault("fields", [])
        for f in fields:
            if updates:
                f["description"] = f"updated: {f['name']}"
                updates -= 1
        if i < 5:  # 4 new fields in each of 5 types: 20 creates
            fields += [{"name": f"New field {n}", "type": "number"} for n in range(4)]
    for n in range(2):  # 2 new types with 19 fields each: 40 creates
        doc["custom_object_types"].append(
            {
                "name": f"New type {n}",
                "name_plural": f"New types {n}",
                "fields": [{"name": f"Field {i}", "type": "text"} for i in range(19)],
            }
        )
    return manifest_from_document(doc, "<benchmark>")


def measure(headers: bool) -> dict[str, Any]:
    from _org import build_store, read_live

    from schemasync.apply import apply_plan
    from schemasync.client import CloseClient
    from schemasync.diff import compute_plan
    from schemasync.emulator import EmulatorApp, serve

    store = build_store(LIVE_TYPES + 1, LIVE_FIELDS)  # 7 generated; 6 exist (index 4 is "new")
    manifest = _manifest(store)
    app = EmulatorApp(store, api_keys={KEY}, rate_limit=RATE, rate_limit_headers=headers)
    events: list[str] = []
    with (
        serve(app, host="127.0.0.1") as server,
        CloseClient(KEY, base_url=server.url, on_event=events.append) as client,
    ):
        time.sleep(RATE[1] + 0.1)  # start in a fresh window (nothing has used the key yet)
        t0 = time.perf_counter()
        plan = compute_plan(manifest, read_live(client))
        t1 = time.perf_counter()
        reads = client.stats.requests
        if len(plan.operations) != OPERATIONS or plan.summary()["replace"]:
            raise RuntimeError(f"expected {OPERATIONS} operations, got {plan.summary()}")
        report = apply_plan(plan, client)
        t2 = time.perf_counter()
        stats = dataclasses.asdict(client.stats)
    log = app.log
    ok_writes = sum(
        1
        for method, _p, status in log
        if method in ("POST", "PUT", "DELETE") and status is not None and 200 <= status < 300
    )
    return {
        "headers": headers,
        "operations": len(plan.operations),
        "ok": report.ok,
        "reads": reads,
        "requests": stats["requests"],
        "writes": ok_writes,
        "sent_writes": stats["writes"],
        "plan_s": t1 - t0,
        "apply_s": t2 - t1,
        "total_s": t2 - t0,
        "log_429": sum(1 for _m, _p, status in log if status == 429),
        "client_429": stats["rate_limited"],
        "paced": stats["paced"],
        "waited_s": stats["waited"],
        "log_requests": len(log),
    }


def rows(
    with_headers: dict[str, Any] | None, without: dict[str, Any] | None
) -> list[dict[str, Any]]:
    out = []
    rate = RATE[0] / RATE[1]
    if with_headers:
        r = with_headers
        minimum = r["writes"] / rate
        factor = r["apply_s"] / minimum
        total_min = r["requests"] / rate
        out.append(
            {
                "figure": "apply 120 ops at 10 req/s, RateLimit headers",
                "value": f"{r['apply_s']:.2f} s = {factor:.3f}x min, {r['log_429']} x 429",
                "target": f"<= {TARGET_FACTOR:.2f}x {minimum:.0f} s, 0 x 429",
                "ok": r["ok"]
                and factor <= TARGET_FACTOR
                and r["log_429"] == 0
                and r["client_429"] == 0,
                "detail": f"apply phase: {r['writes']} writes; plan before it: {r['reads']} reads "
                f"in {r['plan_s']:.2f} s; plan + apply {r['total_s']:.2f} s for "
                f"{r['requests']} requests = {r['total_s'] / total_min:.3f}x of "
                f"{total_min:.1f} s; client paced itself {r['paced']} times "
                f"({r['waited_s']:.2f} s waiting)",
            }
        )
    if without:
        r = without
        minimum = r["writes"] / rate
        out.append(
            {
                "figure": "apply 120 ops at 10 req/s, no headers (Retry-After)",
                "value": f"{r['apply_s']:.2f} s, {r['log_429']} x 429",
                "target": "completes; count 429s",
                "ok": r["ok"],
                "detail": f"= {r['apply_s'] / minimum:.3f}x of {minimum:.0f} s; {r['writes']} "
                f"writes succeeded ({r['sent_writes']} sent, the rest answered 429); "
                f"{r['reads']} reads before (plan {r['plan_s']:.2f} s); "
                f"plan + apply {r['total_s']:.2f} s; each 429 was answered by waiting "
                f"Retry-After ({r['waited_s']:.2f} s in all); client counted "
                f"{r['client_429']} x 429",
            }
        )
    return out


def run(progress: Any = None) -> list[dict[str, Any]]:
    if progress:
        progress("apply under rate limits: with RateLimit headers (~13 s) ...")
    a = measure(True)
    if progress:
        progress("apply under rate limits: without headers (~15 s) ...")
    b = measure(False)
    return rows(a, b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--headers", action="store_true", help="only the run with headers")
    group.add_argument("--no-headers", action="store_true", help="only the run without")
    args = ap.parse_args()
    a = None if args.no_headers else measure(True)
    b = None if args.headers else measure(False)
    for row in rows(a, b):
        print(
            f"{row['figure']}: {row['value']} (target {row['target']}) "
            f"{'OK' if row['ok'] else 'FAILED'}\n  {row['detail']}"
        )


if __name__ == "__main__":
    main()
