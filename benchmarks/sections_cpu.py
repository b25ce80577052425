"""Plan CPU and memory for every section: the orgs of requests_per_plan.py, two sizes each.

As plan_cpu.py does for custom object types: this process builds each org (_sections.py) and
serves it on 127.0.0.1; it writes each case's manifest as YAML. A child process plays the CLI:
it loads each manifest (`load_manifest`: YAML, schema and rules; its CPU is reported), reads
the lists the manifest's sections need over the socket (`read_raw` of `reads_of(manifest)`,
one `GET /me/` for the org id where lead statuses need it), then times parse_live +
compute_plan + render_text + render_json, the cases interleaved round after round, each round
from a freshly decoded copy of the responses. The figure is the minimum CPU time over the
rounds (time.process_time; the median is printed too).

Memory: for the bigger size of each section a fresh child does exactly the plan command's
work once (load the manifest, read, parse, plan, both renderings) and reports its peak
resident set (VmHWM).

    python benchmarks/sections_cpu.py [--reps N] [--small]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _org import KEY  # noqa: E402  (benchmarks/ is on sys.path)
from plan_cpu import PHASES, _peak_rss_mb  # noqa: E402

TARGET_MB = 200.0


# -- the child ----------------------------------------------------------------------------------


def _org_id(client: Any) -> str | None:
    orgs = client.me().get("organizations")
    return orgs[0].get("id") if isinstance(orgs, list) and orgs else None


def _child_time(cases: list[dict[str, str]], reps: int) -> dict[str, Any]:
    from _org import reads_of

    from schemasync.client import CloseClient
    from schemasync.diff import compute_plan
    from schemasync.live import parse_live
    from schemasync.live.read import read_raw
    from schemasync.manifest import load_manifest
    from schemasync.render import render_json, render_text

    loaded: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    for case in cases:
        name = case["name"]
        t0 = time.process_time()
        manifest = load_manifest(case["path"], allow_external_references=True)
        load_s = time.process_time() - t0
        groups = reads_of(manifest)
        with CloseClient(KEY, base_url=case["url"]) as client:
            org_id = _org_id(client) if "organization" in groups else None
            t0 = time.perf_counter()
            raw = read_raw(client, groups, org_id)
            read_s = time.perf_counter() - t0
            requests = client.stats.requests
        try:
            parse_live(json.loads(json.dumps(raw)))
        except Exception as e:  # noqa: BLE001  (reported as the case's figure)
            failed[name] = f"{type(e).__name__}: {e}"
            continue
        loaded[name] = {
            "blob": json.dumps(raw).encode(),
            "manifest": manifest,
            "load_s": load_s,
            "read_s": read_s,
            "requests": requests,
            "groups": groups,
        }
        del raw

    samples = {n: {p: [] for p in PHASES} for n in loaded}  # type: ignore[var-annotated]
    out: dict[str, Any] = {n: {} for n in loaded}
    for _ in range(reps):
        for name, org in loaded.items():
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
            for phase, value in zip(
                PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, w4 - w0), strict=True
            ):
                samples[name][phase].append(value)
            out[name]["operations"] = len(plan.operations)
            out[name]["unmanaged"] = len(plan.unmanaged)
            assert text and doc
            del live, plan, text, doc
    for name, org in loaded.items():
        out[name].update(
            {
                "load_s": org["load_s"],
                "read_s": org["read_s"],
                "requests": org["requests"],
                "groups": org["groups"],
                "reps": reps,
                "min": {p: min(v) for p, v in samples[name].items()},
                "median": {p: statistics.median(v) for p, v in samples[name].items()},
            }
        )
    for name, error in failed.items():
        out[name] = {"error": error}
    return out


def _child_memory(path: str, url: str) -> dict[str, Any]:
    """A fresh process doing the plan command's work once; its peak RSS at each step."""
    from _org import read_live, reads_of

    from schemasync.client import CloseClient
    from schemasync.diff import compute_plan
    from schemasync.manifest import load_manifest
    from schemasync.render import render_json, render_text

    start = _peak_rss_mb()
    manifest = load_manifest(path, allow_external_references=True)
    after_manifest = _peak_rss_mb()
    with CloseClient(KEY, base_url=url) as client:
        org = {"org": {"id": _org_id(client)}}
        live = read_live(client, reads_of(manifest), org)
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


# -- the parent ---------------------------------------------------------------------------------


def _run_child(args: list[str]) -> Any:
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["child failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(reps: int, small_only: bool = False, progress: Any = None) -> dict[str, Any]:
    from _sections import cases

    from schemasync.emulator import EmulatorApp, serve
    from schemasync.export import dump_yaml

    say = progress or (lambda _m: None)
    chosen = cases(big=not small_only)
    with (
        tempfile.TemporaryDirectory(prefix="schemasync-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        specs: list[dict[str, str]] = []
        meta: dict[str, dict[str, Any]] = {}
        for i, case in enumerate(chosen):
            say(f"sections cpu: building {case.name} ...")
            store = case.build()
            path = os.path.join(tmp, f"case{i}.yaml")
            text = dump_yaml(case.manifest_document(store))
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            server = stack.enter_context(
                serve(EmulatorApp(store, api_keys={KEY}), host="127.0.0.1")
            )
            specs.append({"name": case.name, "path": path, "url": server.url})
            meta[case.name] = {
                "section": case.section,
                "size": case.size,
                "objects": case.objects,
                "manifest_kb": len(text) / 1024,
            }
        say(f"sections cpu: reading the orgs over the socket, then {reps} interleaved rounds ...")
        results = _run_child(["time", str(reps), json.dumps(specs)])
        if "error" in results and len(results) == 1:
            raise RuntimeError(f"sections_cpu child failed: {results['error']}")
        biggest: dict[str, dict[str, str]] = {}
        for spec in specs:  # the last (bigger) case of each section
            biggest[meta[spec["name"]]["section"]] = spec
        for spec in biggest.values():
            if "error" in results.get(spec["name"], {}):
                continue
            say(f"sections cpu: peak memory of one plan of {spec['name']} ...")
            results[spec["name"]]["memory"] = _run_child(["memory", "1", json.dumps([spec])])
    for name, r in results.items():
        r.update(meta[name])
    return results


def rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    by_section: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, r in results.items():
        by_section.setdefault(r["section"], []).append((name, r))
    out = []
    for section, rs in by_section.items():
        values, details = [], []
        for _name, r in rs:
            if "error" in r:
                values.append(f"{r['size']}: ERROR")
                details.append(f"{r['size']}: {r['error']}")
                continue
            m, med = r["min"], r["median"]
            values.append(f"{r['size']}: {m['total']:.3f} s")
            details.append(
                f"{r['size']}: parse {m['parse']:.3f} + plan {m['plan']:.3f} + text "
                f"{m['text']:.3f} + json {m['json']:.3f} s (median {med['total']:.3f}); "
                f"{r['operations']:,} ops, {r['unmanaged']} unmanaged; manifest load "
                f"{r['load_s']:.3f} s CPU ({r['manifest_kb']:.0f} KB of YAML); read "
                f"{r['requests']} requests in {r['read_s']:.2f} s wall"
            )
        ok_rs = [r for _n, r in rs if "error" not in r]
        if len(ok_rs) >= 2:
            a, b = ok_rs[0], ok_rs[-1]
            grow = b["objects"] / a["objects"]
            took = b["min"]["total"] / a["min"]["total"]
            values.append(f"{took:.1f}x time for {grow:.1f}x objects")
        out.append(
            {
                "figure": f"plan CPU after read: {section}",
                "value": "; ".join(values),
                "target": "<= 0.3 s at the issue's size",
                "ok": bool(ok_rs) and len(ok_rs) == len(rs) and ok_rs[-1]["min"]["total"] <= 0.3,
                "detail": " | ".join(details),
            }
        )
        mem = next((r.get("memory") for r in reversed(ok_rs) if r.get("memory")), None)
        if mem and "error" not in mem:
            big = next(r for r in reversed(ok_rs) if r.get("memory"))
            out.append(
                {
                    "figure": f"peak RSS, plan of {section}, {big['size']} (VmHWM)",
                    "value": f"{mem['peak_mb']:.0f} MB",
                    "target": f"< {TARGET_MB:g} MB",
                    "ok": mem["peak_mb"] < TARGET_MB,
                    "detail": f"interpreter and imports {mem['start_mb']:.0f} MB; + manifest "
                    f"{mem['after_manifest_mb']:.0f} MB; + read {mem['after_read_mb']:.0f} "
                    f"MB; + parse, plan, render {mem['peak_mb']:.0f} MB",
                }
            )
    return out


def run(reps: int = 7, progress: Any = None) -> list[dict[str, Any]]:
    return rows(measure(reps, progress=progress))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--small", action="store_true", help="the small size of each case only")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, reps, spec = args.child
        cases = json.loads(spec)
        if mode == "memory":
            print(json.dumps(_child_memory(cases[0]["path"], cases[0]["url"])))
        else:
            print(json.dumps(_child_time(cases, int(reps))))
        return
    results = measure(args.reps, args.small, progress=lambda m: print(m, file=sys.stderr))
    for row in rows(results):
        print(f"{row['figure']}\n    {row['value']}  (target {row['target']})\n    {row['detail']}")


if __name__ == "__main__":
    main()
