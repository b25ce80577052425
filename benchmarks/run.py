"""Run every schemasync benchmark and print the figures as one table.

    python benchmarks/run.py                 # everything (about 4 minutes)
    python benchmarks/run.py --only startup,requests
    python benchmarks/run.py --skip apply    # the two rate-limited applies take ~30 s
    python benchmarks/run.py --no-before     # plan CPU of today's code only

Sections: requests (requests per plan, per section), sections (plan CPU and memory per
section), plan (plan CPU and memory of custom object types at 1x/4x/16x, today and before the
core rebuild), writes (writes per apply), apply (apply under rate limits), startup (start-up
time and imports), modules (module sizes). Each also runs alone: `python
benchmarks/<module>.py`. Everything talks to the emulator on 127.0.0.1 only and stops by
itself. The exit status is 0 when every figure meets its target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import apply_ratelimit  # noqa: E402
import module_sizes  # noqa: E402
import plan_cpu  # noqa: E402
import requests_per_plan  # noqa: E402
import sections_cpu  # noqa: E402
import startup  # noqa: E402
import writes_per_apply  # noqa: E402

SECTIONS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "requests": requests_per_plan.run,
    "sections": sections_cpu.run,
    "plan": plan_cpu.run,
    "writes": writes_per_apply.run,
    "apply": apply_ratelimit.run,
    "startup": startup.run,
    "modules": module_sizes.run,
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {load}"
    )


def _status(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def table(rows: list[dict[str, Any]]) -> str:
    headers = ("Figure", "Result", "Target", "Met")
    cells = [(r["figure"], r["value"], r["target"], _status(r["ok"])) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*c) for c in cells]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    ap.add_argument("--skip", default="", help="comma-separated sections to leave out")
    ap.add_argument(
        "--reps",
        type=int,
        default=None,
        help="repetitions for plan (default 9), sections (7) and startup (40)",
    )
    ap.add_argument(
        "--no-before",
        action="store_true",
        help="plan: measure today's code only, not the code before the core rebuild",
    )
    args = ap.parse_args()
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    chosen = [s for s in chosen if s not in args.skip.split(",")]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s): {', '.join(unknown)}")

    def progress(message: str) -> None:
        print(f"  .. {message}", file=sys.stderr, flush=True)

    print(f"schemasync benchmarks, {datetime.date.today().isoformat()}")
    print(f"machine: {machine()}")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=startup.ROOT,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "schemasync"],
            capture_output=True,
            text=True,
            cwd=startup.ROOT,
            timeout=10,
        ).stdout.strip()
        print(f"code: {commit or '?'}{' + uncommitted changes' if dirty else ''}")
    except (OSError, subprocess.SubprocessError):
        pass
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name in chosen:
        t0 = time.perf_counter()
        if name == "plan":
            rows += plan_cpu.run(
                reps=args.reps or 9,
                progress=progress,
                before_commit=None if args.no_before else plan_cpu.BEFORE_COMMIT,
            )
        elif name == "sections":
            rows += sections_cpu.run(reps=args.reps or 7, progress=progress)
        elif name == "startup":
            rows += startup.run(reps=args.reps or 40, progress=progress)
        else:
            rows += SECTIONS[name](progress=progress)
        progress(f"{name} done in {time.perf_counter() - t0:.0f} s")
    print()
    print(table(rows))
    print()
    print("Details:")
    for r in rows:
        print(f"- {r['figure']}: {r['detail']}")
    missed = [r["figure"] for r in rows if r["ok"] is False]
    targets = [r for r in rows if r["ok"] is not None]
    print()
    print(
        f"{len(targets) - len(missed)} of {len(targets)} targets met (rows marked '-' are "
        f"informative); {time.perf_counter() - started:.0f} s; load average now "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    if missed:
        print("Short of target: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
