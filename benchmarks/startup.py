"""Start-up: `schemasync --help` and `schemasync validate examples/crm.yaml` against a bare
`python -c pass` of the same interpreter, and which heavy modules each command imports.

Measured as installed, not in the development venv: the checkout's venv has an editable
install, whose import hook loads with every interpreter (`python -c pass` included) and adds
about 17 ms to each, which made both the base and the ratios look better than a user's. So a
throwaway venv is made (`venv`, no pip) holding a copy of the package laid out as
`pip install .` lays it out (schemasync/ with schemas/ as schemasync/schemas), the
dependencies reached through a one-line .pth to this interpreter's site-packages, and the
console script pip wrote for this venv (its body, with the throwaway venv's shebang).

Every command runs many times, interleaved (so a burst of load elsewhere hits all of them
alike); the figure is the median wall time. `python -c "import yaml"` is timed too: validate
cannot start faster than the YAML library it parses with.

Bytecode: every process gets PYTHONPYCACHEPREFIX=<a temp dir> and no PYTHONDONTWRITEBYTECODE,
and a few warm-up runs fill that cache first, so each command starts from compiled bytecode as
it does after `pip install` (which compiles). Nothing is written into the repository.

Heavy modules are read from `python -X importtime`.

    python benchmarks/startup.py [--reps N]
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join("examples", "crm.yaml")
HEAVY = (
    "httpx",
    "httpcore",
    "jsonschema",
    "referencing",
    "rpds",
    "attrs",
    "deepdiff",
    "yaml",
    "click",
)
TARGET = 2.0


def installed_copy(where: str) -> tuple[str, str]:
    """The throwaway install described above; returns (its python, its console script)."""
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(where)
    python = os.path.join(where, "bin", "python")
    site_dir = glob.glob(os.path.join(where, "lib", "python*", "site-packages"))[0]
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(
        os.path.join(ROOT, "schemasync"), os.path.join(site_dir, "schemasync"), ignore=ignore
    )
    shutil.copytree(
        os.path.join(ROOT, "schemas"),
        os.path.join(site_dir, "schemasync", "schemas"),
        ignore=ignore,
    )
    deps = [p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)]
    with open(os.path.join(site_dir, "schemasync-bench-deps.pth"), "w") as f:
        f.write("\n".join(deps) + "\n")
    script = os.path.join(where, "bin", "schemasync")
    with open(os.path.join(os.path.dirname(sys.executable), "schemasync")) as f:
        body = f.read().split("\n", 1)[1]  # pip's script for this venv, minus its shebang
    with open(script, "w") as f:
        f.write(f"#!{python}\n{body}")
    os.chmod(script, 0o755)
    return python, script


def commands(py: str, script: str) -> dict[str, list[str]]:
    return {
        "python -c pass": [py, "-c", "pass"],
        "schemasync --help": [script, "--help"],
        "python -m schemasync --help": [py, "-m", "schemasync", "--help"],
        "schemasync validate": [script, "validate", EXAMPLE],
        "python -m schemasync validate": [py, "-m", "schemasync", "validate", EXAMPLE],
        "python -c 'import yaml'": [py, "-c", "import yaml"],
    }


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def time_commands(reps: int, cache: str, py: str, script: str) -> dict[str, float]:
    env = _env(cache)
    cmds = commands(py, script)
    for argv in cmds.values():  # warm-up: fill the bytecode cache, check that it works
        for _ in range(2):
            proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv} failed: {proc.stderr.decode()[-500:]}")
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(reps):
        for name, argv in cmds.items():
            samples[name].append(_timed(argv, env))
    return {name: statistics.median(v) for name, v in samples.items()}


def _timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run. Not subprocess.run(timeout=...): waiting with a timeout polls
    with sleeps of up to 50 ms, which would be measured too; a timer kills a stuck run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        proc.wait()
    finally:
        watchdog.cancel()
    return time.perf_counter() - t0


def imported(py: str, args: list[str], cache: str) -> dict[str, float]:
    """Top-level packages imported by `python -X importtime -m schemasync ARGS`, with their
    cumulative import time in ms (as importtime reports it: inflated by its own overhead)."""
    proc = subprocess.run(
        [py, "-X", "importtime", "-m", "schemasync", *args],
        cwd=ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=60,
    )
    out: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if cumulative.isdigit() and name and not name.startswith(" "):
            top = name.split(".")[0]
            if top == name:  # the package itself: its cumulative time covers its submodules
                out[top] = max(out.get(top, 0.0), int(cumulative) / 1000)
    return out


def run(reps: int = 40, progress: Any = None) -> list[dict[str, Any]]:
    tmp = tempfile.mkdtemp(prefix="schemasync-bench-startup-")
    cache = os.path.join(tmp, "pycache")
    try:
        py, script = installed_copy(os.path.join(tmp, "venv"))
        if progress:
            progress(f"start-up: {reps} interleaved runs of each command, as installed ...")
        t = time_commands(reps, cache, py, script)
        mods = {
            "--help": imported(py, ["--help"], cache),
            "validate": imported(py, ["validate", EXAMPLE], cache),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = t["python -c pass"]
    rows = []
    for label, script_key, module_key, mod_key in (
        (
            "start-up: schemasync --help",
            "schemasync --help",
            "python -m schemasync --help",
            "--help",
        ),
        (
            "start-up: schemasync validate examples/crm.yaml",
            "schemasync validate",
            "python -m schemasync validate",
            "validate",
        ),
    ):
        ratio = t[script_key] / base
        heavy = [f"{m} {mods[mod_key][m]:.0f} ms" for m in HEAVY if m in mods[mod_key]]
        rows.append(
            {
                "figure": label,
                "value": f"{t[script_key] * 1000:.0f} ms = {ratio:.2f}x",
                "target": f"<= {TARGET:g}x of {base * 1000:.0f} ms",
                "ok": ratio <= TARGET,
                "detail": f"python -m schemasync: {t[module_key] * 1000:.0f} ms = "
                f"{t[module_key] / base:.2f}x; median of {reps}; heavy imports "
                f"(importtime, cumulative): {', '.join(heavy) or 'none'}",
            }
        )
    yaml_time = t["python -c 'import yaml'"]
    rows.append(
        {
            "figure": "start-up floor: python -c 'import yaml'",
            "value": f"{yaml_time * 1000:.0f} ms = {yaml_time / base:.2f}x",
            "target": "",
            "ok": None,
            "detail": "PyYAML's import alone, which validate cannot do without; validate = "
            f"{t['schemasync validate'] / yaml_time:.2f}x of it",
        }
    )
    help_heavy = [m for m in ("httpx", "jsonschema", "deepdiff", "yaml") if m in mods["--help"]]
    val_heavy = [m for m in ("httpx", "jsonschema", "deepdiff", "click") if m in mods["validate"]]
    rows.append(
        {
            "figure": "heavy imports only where needed",
            "value": f"--help: {', '.join(help_heavy) or 'none'}; validate: "
            f"{', '.join(val_heavy) or 'yaml only'}",
            "target": "--help none; validate (a valid file) only yaml",
            "ok": not help_heavy and not val_heavy,
            "detail": "validate imports jsonschema only to explain an invalid manifest; "
            "see benchmarks/README.md",
        }
    )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=40)
    args = ap.parse_args()
    for row in run(args.reps, progress=lambda m: print(m, file=sys.stderr)):
        if row["ok"] is None:  # a figure for context, with no target
            print(f"{row['figure']}: {row['value']}\n  {row['detail']}")
            continue
        print(
            f"{row['figure']}: {row['value']} (target {row['target']}) "
            f"{'OK' if row['ok'] else 'SHORT'}\n  {row['detail']}"
        )


if __name__ == "__main__":
    main()
