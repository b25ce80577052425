"""A plan-CPU worker for plan_cpu.py: one process per version of schemasync.

    python _cpu_worker.py BENCHMARKS_DIR SCALE:TYPES:FIELDS ...
    python _cpu_worker.py memory BENCHMARKS_DIR URL SOURCE

It runs with PYTHONPATH set to the tree under test and imports that tree's own `_org.py` from
BENCHMARKS_DIR (the synthetic orgs of every version build the same org and manifest), so it
uses only what every version of schemasync since the slim read has: `CloseClient.read_schema`,
`live.SLIM`, `live.parse_live`, `diff.compute_plan`, `render.render_text/render_json`.

It builds each org, reads it once through the client (in-process transport), keeps the
(slimmed) responses as JSON bytes and drops the emulator, then prints one JSON line
`{"ready": {...}}` and answers commands on stdin, one JSON line each:

The text plans are compared without their last "Operations digest: ..." line (printed since
the rebuild).

    round        one timed plan of every scale, in order: {"round": {scale: {phase: s}}}
    load PATH    CPU of load_manifest(PATH), min of 3: {"load": s}
    tracemalloc  the post-read Python allocation peak of the biggest scale, in MiB
    quit         exit

A round times parse_live + compute_plan + render_text + render_json from a freshly decoded
copy of the responses (decoded untimed, dropped once parse_live has read it), in CPU seconds
(time.process_time), as the CLI's `parse_live(client.read_schema(slim=SLIM))` does.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys
import time
from typing import Any

PHASES = ("parse", "plan", "text", "json", "total", "wall")


def _load(scales: list[tuple[str, int, int]]) -> dict[str, dict[str, Any]]:
    from _org import KEY, build_manifest, build_store, in_process_client

    from schemasync.emulator import EmulatorApp
    from schemasync.live import SLIM

    loaded: dict[str, dict[str, Any]] = {}
    for scale, n_types, n_fields in scales:
        app = EmulatorApp(build_store(n_types, n_fields), api_keys={KEY})
        with in_process_client(app) as client:
            raw = client.read_schema(slim=SLIM)
            requests = client.stats.requests
        loaded[scale] = {
            "blob": json.dumps(raw).encode(),
            "manifest": build_manifest(n_types, n_fields),
            "types": n_types,
            "fields": n_types * n_fields,
            "requests": requests,
        }
        del raw, app, client
        gc.collect()
    return loaded


def _one(org: dict[str, Any]) -> tuple[dict[str, float], Any, str]:
    from schemasync.diff import compute_plan
    from schemasync.live import parse_live
    from schemasync.render import render_json, render_text

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
    assert doc
    times = dict(zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, w4 - w0), strict=True))
    return times, plan, text


def _load_time(path: str, reps: int = 3) -> float:
    """CPU seconds of load_manifest(path) (YAML, schema, rules), the minimum of `reps`."""
    from schemasync.manifest import load_manifest

    best = float("inf")
    for _ in range(reps):
        gc.collect()
        t0 = time.process_time()
        load_manifest(path, allow_external_references=True)
        best = min(best, time.process_time() - t0)
    return best


def _comparable(text: str) -> str:
    """The text plan without the "Operations digest" line that later versions print last."""
    return "".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("Operations digest:")
    )


def _tracemalloc(org: dict[str, Any]) -> float:
    import tracemalloc

    from schemasync.diff import compute_plan
    from schemasync.live import parse_live
    from schemasync.render import render_json, render_text

    fresh = json.loads(org["blob"])
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    live = parse_live(fresh)
    del fresh
    plan = compute_plan(org["manifest"], live, allow_replace=True)
    render_text(plan)
    render_json(plan)
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    return peak


def _status_mb(key: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process, in MiB; 0 where /proc is missing. Not
    ru_maxrss: a child started by fork/vfork + exec inherits its parent's high-water mark."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _memory(url: str, source: str) -> dict[str, float]:
    """The plan command's work, once, in this fresh process: the manifest (`source`: a
    directory of YAML files, loaded as the CLI loads it, or "build:TYPES:FIELDS", built in
    memory by this tree's _org.build_manifest), the org read over the socket at `url`, parse,
    plan, both renderings; the peak resident set after each step."""
    from _org import KEY, build_manifest

    from schemasync.client import CloseClient
    from schemasync.diff import compute_plan
    from schemasync.live import SLIM, parse_live
    from schemasync.manifest import load_manifest
    from schemasync.render import render_json, render_text

    start = _status_mb("VmHWM")
    if source.startswith("build:"):
        _, n_types, n_fields = source.split(":")
        manifest = build_manifest(int(n_types), int(n_fields))
    else:
        manifest = load_manifest(source, allow_external_references=True)
    gc.collect()
    after_manifest = _status_mb("VmHWM")
    manifest_mb = _status_mb("VmRSS") - start
    with CloseClient(KEY, base_url=url) as client:
        live = parse_live(client.read_schema(slim=SLIM))
    after_read = _status_mb("VmHWM")
    plan = compute_plan(manifest, live, allow_replace=True)
    render_text(plan)
    render_json(plan)
    return {
        "start_mb": start,
        "after_manifest_mb": after_manifest,
        "manifest_mb": manifest_mb,
        "after_read_mb": after_read,
        "peak_mb": _status_mb("VmHWM"),
    }


def main() -> None:
    if sys.argv[1] == "memory":
        bench_dir, url, source = sys.argv[2:]
        sys.path.insert(0, bench_dir)
        print(json.dumps(_memory(url, source)))
        return
    bench_dir, *specs = sys.argv[1:]
    sys.path.insert(0, bench_dir)
    scales = []
    for spec in specs:
        scale, n_types, n_fields = spec.split(":")
        scales.append((scale, int(n_types), int(n_fields)))
    loaded = _load(scales)
    import schemasync

    ready: dict[str, Any] = {"module": schemasync.__file__}
    for scale, org in loaded.items():
        _times, plan, text = _one(org)  # a first, untimed plan: the text to compare
        ready[scale] = {
            "types": org["types"],
            "fields": org["fields"],
            "requests": org["requests"],
            "operations": len(plan.operations),
            "summary": plan.summary(),
            "unmanaged": len(plan.unmanaged),
            "text_sha256": hashlib.sha256(_comparable(text).encode()).hexdigest(),
        }
        del plan, text
    print(json.dumps({"ready": ready}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "round":
            out = {}
            for scale, org in loaded.items():
                out[scale] = _one(org)[0]
            print(json.dumps({"round": out}), flush=True)
        elif command.startswith("load "):
            print(json.dumps({"load": _load_time(command[5:])}), flush=True)
        elif command == "tracemalloc":
            biggest = max(loaded, key=lambda s: loaded[s]["fields"])
            print(json.dumps({"tracemalloc": _tracemalloc(loaded[biggest])}), flush=True)
        else:
            break


if __name__ == "__main__":
    main()
