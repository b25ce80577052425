"""Module sizes: no module of the package over 400 lines except cli.py and client.py (issue 14).

Counts the physical lines of every `schemasync/**/*.py` (what `wc -l` counts) and prints the
modules over the limit, the biggest first.

    python benchmarks/module_sizes.py
"""

from __future__ import annotations

import os
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 400
EXEMPT = ("schemasync/cli.py", "schemasync/client.py")


def sizes(root: str = ROOT) -> dict[str, int]:
    """{path relative to root: lines} for every module of the package."""
    out: dict[str, int] = {}
    package = os.path.join(root, "schemasync")
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, "rb") as fh:
                    out[os.path.relpath(path, root).replace(os.sep, "/")] = fh.read().count(b"\n")
    return out


def rows(found: dict[str, int]) -> list[dict[str, Any]]:
    over = sorted(((n, p) for p, n in found.items() if n > LIMIT and p not in EXEMPT), reverse=True)
    exempt = ", ".join(f"{p.split('/')[-1]} {found[p]}" for p in EXEMPT if p in found)
    biggest = sorted(((n, p) for p, n in found.items() if p not in EXEMPT), reverse=True)[:5]
    return [
        {
            "figure": f"modules over {LIMIT} lines (except cli.py, client.py)",
            "value": ", ".join(f"{p} {n}" for n, p in over) or "none",
            "target": "none",
            "ok": not over,
            "detail": f"{len(found)} modules, {sum(found.values()):,} lines; exempt: {exempt}; "
            f"biggest others: {', '.join(f'{p} {n}' for n, p in biggest)}",
        }
    ]


def run(progress: Any = None) -> list[dict[str, Any]]:
    if progress:
        progress("module sizes ...")
    return rows(sizes())


def main() -> None:
    found = sizes()
    over = {p: n for p, n in found.items() if n > LIMIT}
    for path, n in sorted(over.items(), key=lambda kv: -kv[1]):
        note = " (exempt)" if path in EXEMPT else ""
        print(f"{n:6d}  {path}{note}")
    if not [p for p in over if p not in EXEMPT]:
        print(f"no module over {LIMIT} lines except {', '.join(EXEMPT)}: target met")
    else:
        print(f"target not met: modules over {LIMIT} lines besides {', '.join(EXEMPT)}")


if __name__ == "__main__":
    main()
