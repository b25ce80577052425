"""Plan CPU and memory: the work after the live state is read, at 1x, 4x and 16x the org, for
today's code and, side by side, for the code before the core rebuild (issue 14).

Each version runs in a worker process of its own (_cpu_worker.py, with PYTHONPATH set to that
version's tree and that tree's own _org.py): it builds the three synthetic orgs, reads each
once through the client (three list requests), keeps the slimmed responses, and then times
parse_live + compute_plan + render_text + render_json when asked. The rounds are interleaved
across sizes and versions (before 1x, 4x, 16x, after 1x, 4x, 16x, then after first, ...) so that
load from elsewhere on the machine hits them alike. Each repetition starts from a freshly
decoded copy of the responses, untimed, and drops it as soon as parse_live has read it, as the
CLI's `parse_live(client.read_schema(slim=SLIM))` does. Times are CPU time of the worker
(time.process_time; wall time is printed too), and the figure is the minimum over the
repetitions (the least-disturbed run; the median is printed too) -- see README.md.

"Before" is the tree of commit 8512894 ("Pin today's behaviour before the core rebuild"),
taken with `git archive` into a temporary directory (read-only for the repository), or any
tree given with --before PATH. Without git or that commit, only today's code is measured.
Both versions build the same orgs and manifests and must print the same text plan (checked:
the plans' sha256 are compared).

Memory: a fresh process (_cpu_worker.py's memory mode) does exactly the plan command's work
once for the 4x and 16x orgs, read over a socket from an emulator in this process (manifest,
read, parse, plan, both renderings) and reports its peak resident set (VmHWM): with the
manifest loaded from YAML files (as the CLI does; split into files of 50 types, since one file
of a big org passes the manifest's per-file limits) and built in memory by _org.build_manifest
(as this benchmark measured it before the rebuild); the code before the rebuild too, at 16x.
The workers also report the tracemalloc peak of the post-read phase alone.

Sizes: 1x = 200 types x 25 fields (5,000 fields), 4x = 400 x 50, 16x = 800 x 100 (80,000
fields): both the number of types and the fields per type grow, so a cost that is quadratic in
either shows.

    python benchmarks/plan_cpu.py [--reps N] [--before PATH | --before-commit REV | --no-before]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _org import KEY  # noqa: E402  (benchmarks/ is on sys.path)

SCALES = {1: (200, 25), 4: (400, 50), 16: (800, 100)}
TARGET_1X = 0.3  # seconds
TARGET_RATIO_16X = 18.0
TARGET_MB = 200.0
TARGET_VS_BEFORE = 1.5  # today's 1x within 1.5x of the code before the rebuild
BEFORE_COMMIT = "8512894"  # "Pin today's behaviour before the core rebuild"
ROOT = os.path.dirname(HERE)

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


# -- the workers: one per version ----------------------------------------------------------


def before_tree(commit: str, where: str) -> str:
    """The tree of `commit` of this checkout, extracted into `where` (git archive: nothing in
    the repository changes). Raises RuntimeError when git or the commit is missing."""
    import io
    import tarfile

    try:
        proc = subprocess.run(
            ["git", "-C", ROOT, "archive", "--format=tar", commit],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise RuntimeError(f"git archive {commit}: {e}") from None
    if proc.returncode != 0:
        raise RuntimeError(f"git archive {commit}: {proc.stderr.decode(errors='replace')[-200:]}")

    with tarfile.open(fileobj=io.BytesIO(proc.stdout), mode="r:") as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.12+, and security releases before
            tar.extractall(where, filter="data")
        else:
            tar.extractall(where)  # noqa: S202  (our own repository's archive)
    return where


class Worker:
    """A _cpu_worker.py process for one tree, talking JSON lines over its stdin/stdout."""

    def __init__(self, label: str, root: str, bench_dir: str, scales: dict[int, tuple[int, int]]):
        self.label = label
        env = dict(os.environ)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        specs = [f"{f}:{t}:{n}" for f, (t, n) in scales.items()]
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "_cpu_worker.py"), bench_dir, *specs],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=bench_dir,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise RuntimeError(f"{self.label} worker: no answer in {timeout:.0f} s") from None
        if line is None:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"{self.label} worker failed:\n{err[-2000:]}")
        return dict(json.loads(line))

    def ask(self, command: str, timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.receive(timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def measure_cpu(
    trees: dict[str, tuple[str, str]],
    scales: dict[int, tuple[int, int]],
    reps: int,
    say: Any,
    load_path: str | None = None,
) -> dict[str, dict[str, Any]]:
    """{label: {"ready": ..., "samples": {scale: {phase: [s]}}, "tracemalloc": MiB}} for the
    trees {label: (root for PYTHONPATH, benchmarks dir with its _org.py)}."""
    workers: dict[str, Worker] = {}
    out: dict[str, dict[str, Any]] = {}
    try:
        for label, (root, bench_dir) in trees.items():
            workers[label] = Worker(label, root, bench_dir, scales)
        for label, w in workers.items():
            say(f"plan cpu: {label}: building and reading the orgs ...")
            out[label] = {"ready": w.receive(timeout=900)["ready"]}
            out[label]["samples"] = {str(f): {p: [] for p in PHASES} for f in scales}
        order = list(workers)
        say(f"plan cpu: {reps} interleaved rounds of {', '.join(order)} ...")
        for r in range(reps):
            for label in order if r % 2 == 0 else order[::-1]:
                answer = workers[label].ask("round", timeout=600)["round"]
                for scale, times in answer.items():
                    for phase, value in times.items():
                        out[label]["samples"][scale][phase].append(value)
        for label, w in workers.items():
            out[label]["tracemalloc"] = w.ask("tracemalloc", timeout=600)["tracemalloc"]
            if load_path:
                out[label]["load"] = w.ask(f"load {load_path}", timeout=600)["load"]
    finally:
        for w in workers.values():
            w.close()
    return out


def write_manifest_files(n_types: int, n_fields: int, where: str, per_file: int = 50) -> int:
    """build_document(n_types, n_fields) as YAML files of `per_file` types each (one file of a
    big org would pass the manifest's per-file limits: 5 MB, 250,000 keys and values), as a
    user splits a big manifest; returns the number of files."""
    from _org import build_document

    from schemasync.export import dump_yaml

    types = build_document(n_types, n_fields)["custom_object_types"]
    os.makedirs(where, exist_ok=True)
    count = 0
    for i in range(0, len(types), per_file):
        part = {"version": 1, "custom_object_types": types[i : i + per_file]}
        with open(os.path.join(where, f"types-{i // per_file:03d}.yaml"), "w") as fh:
            fh.write(dump_yaml(part))
        count += 1
    return count


# -- the parent --------------------------------------------------------------------------


def _memory_child(root: str, bench_dir: str, url: str, source: str) -> dict[str, Any]:
    """_cpu_worker.py's memory mode for the tree at `root`, in a fresh process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "_cpu_worker.py"), "memory", bench_dir, url, source],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=bench_dir,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"plan_cpu memory child failed:\n{proc.stderr[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def measure_memory(
    scales: dict[int, tuple[int, int]], trees: dict[str, tuple[str, str]], say: Any
) -> dict[int, dict[str, dict[str, Any]]]:
    """Peak RSS of one plan in a fresh process, each scale but the smallest, the manifest
    loaded from YAML files and built in memory: {scale: {"yaml"|"built": {...}, "before
    yaml"|"before built": {...}}}; the code before the rebuild at the biggest scale only.
    The org is served by today's emulator (both versions read the same three lists)."""
    from _org import build_store

    from schemasync.emulator import EmulatorApp, serve

    out: dict[int, dict[str, dict[str, Any]]] = {}
    for factor in sorted(scales)[1:]:
        n_types, n_fields = scales[factor]
        say(f"plan cpu: peak memory of one plan of the {factor}x org in fresh processes ...")
        out[factor] = {}
        with tempfile.TemporaryDirectory(prefix="schemasync-bench-") as tmp:
            files = write_manifest_files(n_types, n_fields, tmp)
            app = EmulatorApp(build_store(n_types, n_fields), api_keys={KEY})
            with serve(app, host="127.0.0.1") as server:
                for label, (root, bench_dir) in trees.items():
                    if label != "today" and factor != max(scales):
                        continue
                    prefix = "" if label == "today" else f"{label} "
                    yaml_run = _memory_child(root, bench_dir, server.url, tmp)
                    out[factor][prefix + "yaml"] = {**yaml_run, "files": files}
                    out[factor][prefix + "built"] = _memory_child(
                        root, bench_dir, server.url, f"build:{n_types}:{n_fields}"
                    )
        del app
        gc.collect()
    return out


def measure(
    scales: dict[int, tuple[int, int]],
    reps: int,
    before: str | None = None,
    before_commit: str | None = BEFORE_COMMIT,
    memory: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """The figures for today's code and, when a tree is at hand, the code before the
    rebuild: `before` (a tree) or `before_commit` (extracted from this checkout's git)."""
    import schemasync

    say = progress or (lambda _m: None)
    today_root = os.path.dirname(os.path.dirname(os.path.abspath(schemasync.__file__)))
    trees = {"today": (today_root, HERE)}
    result: dict[str, Any] = {"scales": scales, "before_source": None, "before_error": None}
    with tempfile.TemporaryDirectory(prefix="schemasync-bench-before-") as tmp:
        if before is None and before_commit:
            try:
                before = before_tree(before_commit, os.path.join(tmp, "before"))
                result["before_source"] = f"commit {before_commit}"
            except RuntimeError as e:
                result["before_error"] = str(e)
        elif before is not None:
            result["before_source"] = before
        if before is not None:
            trees = {"before": (before, os.path.join(before, "benchmarks")), **trees}
        small = min(scales)
        write_manifest_files(*scales[small], os.path.join(tmp, "m"), per_file=scales[small][0])
        load_path = os.path.join(tmp, "m", "types-000.yaml")
        result["cpu"] = measure_cpu(trees, scales, reps, say, load_path=load_path)
        result["memory"] = measure_memory(scales, trees, say) if memory else {}
    return result


def _stats(samples: dict[str, list[float]]) -> tuple[dict[str, float], dict[str, float]]:
    return (
        {p: min(v) for p, v in samples.items()},
        {p: statistics.median(v) for p, v in samples.items()},
    )


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    scales = result["scales"]
    cpu = result["cpu"]
    today = cpu["today"]
    before = cpu.get("before")
    small, big = min(scales), max(scales)
    out = []
    t_min = {f: _stats(today["samples"][str(f)])[0] for f in scales}
    t_med = {f: _stats(today["samples"][str(f)])[1] for f in scales}
    b_min = {f: _stats(before["samples"][str(f)])[0] for f in scales} if before else {}
    b_med = {f: _stats(before["samples"][str(f)])[1] for f in scales} if before else {}
    for factor in sorted(scales):
        n_types, n_fields = scales[factor]
        ready = today["ready"][str(factor)]
        m, med = t_min[factor], t_med[factor]
        shape = f"{n_types} types x {n_fields} fields = {n_types * n_fields:,}"
        detail = (
            f"today, CPU min of {len(today['samples'][str(factor)]['total'])}: parse "
            f"{m['parse']:.3f} + plan {m['plan']:.3f} + text {m['text']:.3f} + json "
            f"{m['json']:.3f} s; median {med['total']:.3f} s; wall min {m['wall']:.3f} s; "
            f"{ready['operations']:,} operations, {ready['unmanaged']} unmanaged; read: "
            f"{ready['requests']} requests"
        )
        if before:
            bm, bmed = b_min[factor], b_med[factor]
            same = before["ready"][str(factor)]["text_sha256"] == ready["text_sha256"]
            detail += (
                f" | before: parse {bm['parse']:.3f} + plan {bm['plan']:.3f} + text "
                f"{bm['text']:.3f} + json {bm['json']:.3f} s; median {bmed['total']:.3f} s; "
                f"text plans {'identical' if same else 'DIFFER'}"
            )
        if factor == small:
            out.append(
                {
                    "figure": f"plan CPU after read, {factor}x ({shape})",
                    "value": f"{m['total']:.3f} s",
                    "target": f"<= {TARGET_1X} s",
                    "ok": m["total"] <= TARGET_1X,
                    "detail": detail,
                }
            )
        else:
            ratio = m["total"] / t_min[small]["total"]
            out.append(
                {
                    "figure": f"plan CPU after read, {factor}x ({shape})",
                    "value": f"{m['total']:.3f} s = {ratio:.1f}x",
                    "target": f"<= {TARGET_RATIO_16X:g}x" if factor == big else f"(~{factor}x)",
                    "ok": ratio <= TARGET_RATIO_16X if factor == big else None,
                    "detail": detail + f"; medians: {med['total'] / t_med[small]['total']:.1f}x",
                }
            )
    if before:
        for factor in sorted(scales):
            ratio = t_min[factor]["total"] / b_min[factor]["total"]
            med_ratio = t_med[factor]["total"] / b_med[factor]["total"]
            grow_b = b_min[factor]["total"] / b_min[small]["total"]
            same = (
                before["ready"][str(factor)]["text_sha256"]
                == today["ready"][str(factor)]["text_sha256"]
            )
            out.append(
                {
                    "figure": f"plan CPU {factor}x, today / before the rebuild",
                    "value": f"{t_min[factor]['total']:.3f} / {b_min[factor]['total']:.3f} s "
                    f"= {ratio:.2f}x",
                    "target": f"<= {TARGET_VS_BEFORE:g}x" if factor == small else "(info)",
                    "ok": (ratio <= TARGET_VS_BEFORE and same) if factor == small else None,
                    "detail": f"medians {t_med[factor]['total']:.3f} / "
                    f"{b_med[factor]['total']:.3f} s = {med_ratio:.2f}x; per phase (min) "
                    + ", ".join(
                        f"{p} {t_min[factor][p] / b_min[factor][p]:.2f}x"
                        for p in ("parse", "plan", "text", "json")
                        if b_min[factor][p] > 0
                    )
                    + (f"; before: {factor}x = {grow_b:.1f}x its 1x" if factor != small else "")
                    + f"; text plans {'identical' if same else 'DIFFER'}; before = "
                    f"{result['before_source']}",
                }
            )
    elif result.get("before_error"):
        out.append(
            {
                "figure": "plan CPU, today / before the rebuild",
                "value": "not measured",
                "target": f"<= {TARGET_VS_BEFORE:g}x at 1x",
                "ok": None,
                "detail": f"no tree before the rebuild: {result['before_error']}",
            }
        )
    if "load" in today:
        n_types, n_fields = scales[small]
        value = f"{today['load']:.3f} s"
        if before and "load" in before:
            value += f" (before the rebuild: {before['load']:.3f} s)"
        out.append(
            {
                "figure": f"manifest load, {small}x ({n_types * n_fields:,} fields, one YAML file)",
                "value": value,
                "target": "(info)",
                "ok": None,
                "detail": "CPU of load_manifest (YAML with positions, schema check, rules), min "
                "of 3; the plan command pays it before the read",
            }
        )
    peaks = f"{today['tracemalloc']:.0f} MB"
    if before:
        peaks += f" (before the rebuild: {before['tracemalloc']:.0f} MB)"
    out.append(
        {
            "figure": f"peak memory, {big}x, post-read phase (tracemalloc)",
            "value": peaks,
            "target": f"< {TARGET_MB:g} MB",
            "ok": today["tracemalloc"] < TARGET_MB,
            "detail": "Python allocations of parse + plan + render above what the process "
            "already held (the manifest and the decoded responses)",
        }
    )
    for factor, both in sorted(result["memory"].items(), key=lambda kv: -kv[0]):
        n_types, n_fields = scales[factor]
        main_row = factor == big
        for how, key in (("built in memory", "built"), ("loaded from YAML", "yaml")):
            mem = both[key]
            source = (
                f"loading the manifest ({mem['files']} YAML files)"
                if "files" in mem
                else "building the manifest (_org.build_manifest)"
            )
            out.append(
                {
                    "figure": f"peak RSS, {factor}x ({n_types * n_fields:,} fields), whole plan "
                    f"process (VmHWM), manifest {how}",
                    "value": f"{mem['peak_mb']:.0f} MB",
                    "target": f"< {TARGET_MB:g} MB" if main_row else "(info)",
                    "ok": mem["peak_mb"] < TARGET_MB if main_row else None,
                    "detail": f"interpreter and imports {mem['start_mb']:.0f} MB; + {source} "
                    f"{mem['after_manifest_mb']:.0f} MB (then {mem['manifest_mb']:.0f} MB "
                    f"resident for it); + reading the org (decoded responses) "
                    f"{mem['after_read_mb']:.0f} MB; + parse, plan, render {mem['peak_mb']:.0f} MB"
                    + _before_memory(both.get(f"before {key}")),
                }
            )
    return out


def _before_memory(mem: dict[str, Any] | None) -> str:
    if not mem:
        return ""
    return (
        f" | before the rebuild: {mem['peak_mb']:.0f} MB (manifest "
        f"{mem['after_manifest_mb']:.0f} MB, then {mem['manifest_mb']:.0f} MB resident; read "
        f"{mem['after_read_mb']:.0f} MB)"
    )


def run(reps: int = 7, progress: Any = None, before_commit: str | None = BEFORE_COMMIT) -> list:
    return rows(measure(SCALES, reps, before_commit=before_commit, progress=progress))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--before", metavar="PATH", help="a tree of the code before the rebuild")
    group.add_argument(
        "--before-commit",
        metavar="REV",
        default=BEFORE_COMMIT,
        help=f"take that tree from this commit of the checkout (default {BEFORE_COMMIT})",
    )
    group.add_argument("--no-before", action="store_true", help="today's code only")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak RSS children")
    args = ap.parse_args()
    result = measure(
        SCALES,
        args.reps,
        before=args.before,
        before_commit=None if args.no_before else args.before_commit,
        memory=not args.no_memory,
        progress=lambda m: print(m, file=sys.stderr),
    )
    for row in rows(result):
        print(f"{row['figure']}\n    {row['value']}  (target {row['target']})  {row['detail']}")


if __name__ == "__main__":
    main()
