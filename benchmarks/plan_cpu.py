"""Plan CPU and memory: the work after the live state is read, at 1x, 4x and 16x the org.

This process builds three synthetic orgs (see _org.py) and serves each from an emulator on
127.0.0.1. A child process plays the CLI: it builds each manifest, reads each org over its
socket with CloseClient (three requests per org), then times
parse_live + compute_plan + render_text + render_json, the sizes interleaved round after
round (1x, 4x, 16x, 1x, 4x, 16x, ...) so that load from elsewhere on the machine hits every
size alike. Each repetition starts from a freshly decoded copy of the (slimmed) responses,
untimed, and drops it as soon as parse_live has read it, as the CLI's
`parse_live(client.read_schema(slim=SLIM))` does. Times are CPU time of the child
(time.process_time; wall time is printed too), and the figure is the minimum over the
repetitions (the least-disturbed run; the median is printed too) -- see README.md.

Memory: a fresh child does exactly the plan command's work once for the 16x org (manifest,
read, parse, plan, both renderings) and reports its peak resident set (VmHWM); the timing child
also reports the tracemalloc peak of the post-read phase alone.

Sizes: 1x = 200 types x 25 fields (5,000 fields), 4x = 400 x 50, 16x = 800 x 100 (80,000
fields): both the number of types and the fields per type grow, so a cost that is quadratic in
either shows. (Types alone to 3200 x 25 is out of reach: the emulator's type list costs
types x fields and would outlast the client's read timeout.)

    python benchmarks/plan_cpu.py [--reps N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _org import KEY  # noqa: E402  (benchmarks/ is on sys.path)

SCALES = {1: (200, 25), 4: (400, 50), 16: (800, 100)}
TARGET_1X = 0.3  # seconds
TARGET_RATIO_16X = 18.0
TARGET_MB = 200.0

PHASES = ("parse", "plan", "text", "json", "total", "wall")


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MiB.

    Not ru_maxrss: on Linux a child started by fork/vfork + exec inherits the parent's
    high-water mark in ru_maxrss, so a child of a big parent would report the parent's size.
    VmHWM belongs to the child's own address space.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the child: plays the CLI ---------------------------------------------------------------


def _child_time(orgs: list[tuple[int, str, int, int]], reps: int) -> dict[str, Any]:
    from _org import build_manifest

    from schemasync.client import CloseClient
    from schemasync.diff import compute_plan
    from schemasync.live import SLIM, parse_live
    from schemasync.render import render_json, render_text

    loaded: dict[int, dict[str, Any]] = {}
    for factor, url, n_types, n_fields in orgs:
        with CloseClient(KEY, base_url=url) as client:
            t0 = time.perf_counter()
            raw = client.read_schema(slim=SLIM)
            read_s = time.perf_counter() - t0
            requests = client.stats.requests
        loaded[factor] = {
            "blob": json.dumps(raw).encode(),
            "manifest": build_manifest(n_types, n_fields),
            "types": n_types,
            "fields": n_types * n_fields,
            "requests": requests,
            "read_s": read_s,
        }
        del raw

    samples: dict[int, dict[str, list[float]]] = {f: {p: [] for p in PHASES} for f in loaded}
    out: dict[int, dict[str, Any]] = {f: {} for f in loaded}
    for _ in range(reps):
        for factor, org in loaded.items():
            fresh = json.loads(org["blob"])
            gc.collect()
            w0, t0 = time.perf_counter(), time.process_time()
            live = parse_live(fresh)
            del fresh
            t1 = time.process_time()
            plan = compute_plan(org["manifest"], live, allow_replace=True)
            t2 = time.process_time()
            text = render_text(plan)
            t3 = time.process_time()
            doc = render_json(plan)
            t4, w4 = time.process_time(), time.perf_counter()
            for name, value in zip(
                PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, w4 - w0), strict=True
            ):
                samples[factor][name].append(value)
            out[factor]["summary"] = plan.summary()
            out[factor]["unmanaged"] = len(plan.unmanaged)
            assert text and doc
            del live, plan, text, doc

    # tracemalloc (a separate, slower pass): Python allocations of the post-read phase alone,
    # above what the process already held.
    import tracemalloc

    big = max(loaded)
    fresh = json.loads(loaded[big]["blob"])
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    live = parse_live(fresh)
    del fresh
    plan = compute_plan(loaded[big]["manifest"], live, allow_replace=True)
    render_text(plan)
    render_json(plan)
    post_read_peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()

    for factor, org in loaded.items():
        out[factor].update(
            {
                "types": org["types"],
                "fields": org["fields"],
                "requests": org["requests"],
                "read_s": org["read_s"],
                "reps": reps,
                "min": {p: min(v) for p, v in samples[factor].items()},
                "median": {p: statistics.median(v) for p, v in samples[factor].items()},
            }
        )
    out[big]["post_read_peak_mb"] = post_read_peak
    return {str(k): v for k, v in out.items()}


def _child_memory(url: str, n_types: int, n_fields: int) -> dict[str, Any]:
    """Runs in a fresh child: exactly the plan command's work, once; then its peak RSS."""
    from _org import build_manifest

    from schemasync.client import CloseClient
    from schemasync.diff import compute_plan
    from schemasync.flow import read_live
    from schemasync.render import render_json, render_text

    start = _peak_rss_mb()
    manifest = build_manifest(n_types, n_fields)
    after_manifest = _peak_rss_mb()
    with CloseClient(KEY, base_url=url) as client:
        live = read_live(client)
    after_read = _peak_rss_mb()
    plan = compute_plan(manifest, live, allow_replace=True)
    render_text(plan)
    render_json(plan)
    return {
        "start_mb": start,
        "after_manifest_mb": after_manifest,
        "after_read_mb": after_read,
        "peak_mb": _peak_rss_mb(),
    }


# -- the parent: serves the orgs ------------------------------------------------------------


def _run_child(args: list[str]) -> Any:
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", *args],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"plan_cpu child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(
    scales: dict[int, tuple[int, int]], reps: int, memory: bool = True, progress: Any = None
) -> dict[int, dict[str, Any]]:
    from _org import build_store

    from schemasync.emulator import EmulatorApp, serve

    say = progress or (lambda _m: None)
    apps = {}
    with contextlib.ExitStack() as stack:
        servers = {}
        for factor, (n_types, n_fields) in scales.items():
            say(f"plan cpu: building the {factor}x org ({n_types} types x {n_fields} fields)")
            apps[factor] = EmulatorApp(build_store(n_types, n_fields), api_keys={KEY})
            servers[factor] = stack.enter_context(serve(apps[factor], host="127.0.0.1"))
        say(f"plan cpu: reading the orgs over the socket, then {reps} interleaved rounds ...")
        spec = [
            f"{f}:{servers[f].url}:{n_types}:{n_fields}"
            for f, (n_types, n_fields) in scales.items()
        ]
        results = {int(k): v for k, v in _run_child(["time", str(reps), *spec]).items()}
        for factor, app in apps.items():
            results[factor]["log_requests"] = len(app.log)
        if memory:
            for factor in sorted(scales)[1:]:
                say(
                    f"plan cpu: peak memory of one plan of the {factor}x org in a fresh process ..."
                )
                n_types, n_fields = scales[factor]
                results[factor]["memory"] = _run_child(
                    ["memory", "1", f"{factor}:{servers[factor].url}:{n_types}:{n_fields}"]
                )
    return results


def rows(results: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    base = results[1]["min"]["total"]
    base_median = results[1]["median"]["total"]
    out = []
    for factor, r in sorted(results.items()):
        m, med = r["min"], r["median"]
        detail = (
            f"CPU min of {r['reps']}: parse {m['parse']:.3f} + plan {m['plan']:.3f} + "
            f"text {m['text']:.3f} + json {m['json']:.3f} s; median {med['total']:.3f} s "
            f"({med['total'] / base_median:.1f}x); wall min {m['wall']:.3f} s; "
            f"{r['fields']:,} fields, {sum(r['summary'].values()):,} operations, "
            f"{r['unmanaged']} unmanaged; read: {r['requests']} requests"
        )
        shape = f"{r['types']} types x {r['fields'] // r['types']} fields"
        if factor == 1:
            out.append(
                {
                    "figure": f"plan CPU after read, 1x ({shape})",
                    "value": f"{m['total']:.3f} s",
                    "target": f"<= {TARGET_1X} s",
                    "ok": m["total"] <= TARGET_1X,
                    "detail": detail,
                }
            )
        else:
            ratio = m["total"] / base
            out.append(
                {
                    "figure": f"plan CPU after read, {factor}x ({shape})",
                    "value": f"{m['total']:.3f} s = {ratio:.1f}x",
                    "target": f"<= {TARGET_RATIO_16X:g}x" if factor == 16 else f"(~{factor}x)",
                    "ok": ratio <= TARGET_RATIO_16X if factor == 16 else None,
                    "detail": detail,
                }
            )
    big = results[max(results)]
    out.append(
        {
            "figure": f"peak memory, {max(results)}x, post-read phase (tracemalloc)",
            "value": f"{big['post_read_peak_mb']:.0f} MB",
            "target": f"< {TARGET_MB:g} MB",
            "ok": big["post_read_peak_mb"] < TARGET_MB,
            "detail": "Python allocations of parse + plan + render above what the process "
            "already held (the manifest and the decoded responses)",
        }
    )
    for factor, r in sorted(results.items(), key=lambda kv: -kv[0]):
        mem = r.get("memory")
        if not mem:
            continue
        main_row = factor == max(results)
        out.append(
            {
                "figure": f"peak RSS, {factor}x ({r['fields']:,} fields), whole plan "
                f"process (VmHWM)",
                "value": f"{mem['peak_mb']:.0f} MB",
                "target": f"< {TARGET_MB:g} MB" if main_row else "(info)",
                "ok": mem["peak_mb"] < TARGET_MB if main_row else None,
                "detail": f"interpreter and imports {mem['start_mb']:.0f} MB; + manifest "
                f"{mem['after_manifest_mb']:.0f} MB; + reading the org "
                f"(decoded responses) {mem['after_read_mb']:.0f} MB; + parse, "
                f"plan, render {mem['peak_mb']:.0f} MB",
            }
        )
    return out


def run(reps: int = 7, progress: Any = None) -> list[dict[str, Any]]:
    return rows(measure(SCALES, reps, progress=progress))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, reps, *specs = args.child
        orgs = []
        for spec in specs:
            factor, rest = spec.split(":", 1)
            url, n_types, n_fields = rest.rsplit(":", 2)
            orgs.append((int(factor), url, int(n_types), int(n_fields)))
        if mode == "memory":
            _factor, url, n_types, n_fields = orgs[0]
            print(json.dumps(_child_memory(url, n_types, n_fields)))
        else:
            print(json.dumps(_child_time(orgs, int(reps))))
        return
    results = measure(SCALES, args.reps, progress=lambda m: print(m, file=sys.stderr))
    for row in rows(results):
        print(f"{row['figure']}\n    {row['value']}  (target {row['target']})  {row['detail']}")


if __name__ == "__main__":
    main()
