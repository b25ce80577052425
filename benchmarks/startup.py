"""Start-up: `schemasync --help` against a bare `python -c pass`, and `schemasync validate
examples/crm.yaml` against `python -c "import yaml"` (PyYAML's own import is the floor of any
command that reads YAML), each within 2x (issue 13); and which modules each command imports.

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

Imports are read from `python -X importtime`: the heavy packages (httpx, jsonschema, click,
...) and the parts of schemasync a command should not need (validate of a valid file needs no
HTTP client, no engine, no click, no jsonschema).

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
# What `validate` of a valid manifest must not import: the network, the command line, the
# planner, the JSON Schema validator (only an invalid file needs its messages).
NOT_FOR_VALIDATE = (
    "httpx",
    "httpcore",
    "click",
    "jsonschema",
    "deepdiff",
    "schemasync.client",
    "schemasync.cli",
    "schemasync.flow",
    "schemasync.engine",
    "schemasync.diff",
    "schemasync.apply",
    "schemasync.live",
    "schemasync.render",
    "schemasync.plan",
    "schemasync.emulator",
    "schemasync.export",
)


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


def imported(py: str, args: list[str], cache: str) -> dict[str, tuple[float, float]]:
    """Every module `python -X importtime -m schemasync ARGS` imports, with its (self,
    cumulative) import time in ms, as importtime reports them (inflated by its own overhead)."""
    proc = subprocess.run(
        [py, "-X", "importtime", "-m", "schemasync", *args],
        cwd=ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=60,
    )
    out: dict[str, tuple[float, float]] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if cumulative.isdigit() and own.isdigit() and name:
            out[name] = (int(own) / 1000, int(cumulative) / 1000)
    return out


def _tops(mods: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Top-level packages with their cumulative time (the package's own line covers its
    submodules)."""
    return {name: cum for name, (_own, cum) in mods.items() if "." not in name}


def _unneeded(mods: dict[str, tuple[float, float]]) -> list[str]:
    return sorted(
        {
            prefix
            for prefix in NOT_FOR_VALIDATE
            for name in mods
            if name == prefix or name.startswith(prefix + ".")
        }
    )


def _biggest(mods: dict[str, tuple[float, float]], n: int = 8) -> str:
    """The modules with the most own import time, outside PyYAML (which validate needs)."""
    rest = [(own, name) for name, (own, _cum) in mods.items() if not name.startswith("yaml")]
    rest.sort(reverse=True)
    return ", ".join(f"{name} {own:.1f}" for own, name in rest[:n])


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
    floor = t["python -c 'import yaml'"]
    rows = []
    for label, script_key, module_key, mod_key, against, against_name in (
        (
            "start-up: schemasync --help",
            "schemasync --help",
            "python -m schemasync --help",
            "--help",
            base,
            "python -c pass",
        ),
        (
            "start-up: schemasync validate examples/crm.yaml",
            "schemasync validate",
            "python -m schemasync validate",
            "validate",
            floor,
            "import yaml",
        ),
    ):
        ratio = t[script_key] / against
        tops = _tops(mods[mod_key])
        heavy = [f"{m} {tops[m]:.0f} ms" for m in HEAVY if m in tops]
        rows.append(
            {
                "figure": label,
                "value": f"{t[script_key] * 1000:.0f} ms = {ratio:.2f}x",
                "target": f"<= {TARGET:g}x of {against_name} ({against * 1000:.0f} ms)",
                "ok": ratio <= TARGET,
                "detail": f"{t[script_key] / base:.2f}x of python -c pass "
                f"({base * 1000:.0f} ms); python -m schemasync: "
                f"{t[module_key] * 1000:.0f} ms; median of {reps}; heavy imports "
                f"(importtime, cumulative): {', '.join(heavy) or 'none'}",
            }
        )
    rows.append(
        {
            "figure": "start-up floor: python -c 'import yaml'",
            "value": f"{floor * 1000:.0f} ms = {floor / base:.2f}x of python -c pass",
            "target": "",
            "ok": None,
            "detail": "PyYAML's import alone, which validate cannot do without",
        }
    )
    help_heavy = [
        m
        for m in ("httpx", "jsonschema", "deepdiff", "yaml", "click")
        if m in _tops(mods["--help"])
    ]
    unneeded = _unneeded(mods["validate"])
    rows.append(
        {
            "figure": "imports only where needed",
            "value": f"--help: {', '.join(help_heavy) or 'none'}; validate: "
            f"{', '.join(unneeded) or 'nothing it does not need'}",
            "target": "--help: no httpx/jsonschema/yaml/click; validate: no network, cli, "
            "engine, jsonschema",
            "ok": not help_heavy and not unneeded,
            "detail": f"validate imports {len(mods['validate'])} modules; most own time (ms, "
            f"importtime) outside yaml: {_biggest(mods['validate'])}; --help imports "
            f"{len(mods['--help'])} modules",
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
