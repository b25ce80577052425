"""Requests per plan, per section: what `schemasync plan` reads, at two sizes of each org.

Each case (see _sections.py: custom object types, activity types, lead/contact/opportunity
fields, shared fields with their placements, lead statuses and pipelines, and a whole org) is
an emulated org served on 127.0.0.1 and a manifest of the case's sections (the org exported,
with about 10% changed). The real command line runs in-process (click's CliRunner):
`schemasync plan MANIFEST --allow-replace --api-url URL`. The emulator's request log
(`app.log`) is the count, split into:

- `GET /me/`: the org record the plan carries (so a saved plan is refused on another org);
- list reads: each list the manifest's sections need, once, with the extra pages of the lists
  that page (`_limit=200`, following `has_more`: activity fields, shared fields, lead statuses);
- reorder confirmations: one `GET /custom_field_schema/{custom_object|activity}/{id}/` per
  custom object or activity type whose field order the plan changes (the order in the types'
  embedded `fields` is an assumption the API does not document, so it is confirmed first).

The count must stay the same as the org grows, except for the pages (and the confirmations,
which follow the number of reordered types in the manifest, not the org's size).

    python benchmarks/requests_per_plan.py [--small]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _sections import Case, cases  # noqa: E402  (benchmarks/ is on sys.path)

PAGE = 200
# The lists that page, and the emulator collection each one lists.
PAGED = {
    "/custom_field/activity/": "activity_fields",
    "/custom_field/shared/": "shared_fields",
    "/status/lead/": "lead_statuses",
}
CONFIRM = re.compile(r"^/custom_field_schema/(custom_object|activity)/[^/]+/$")
ORGANIZATION = re.compile(r"^/organization/[^/]+/$")


def _run_plan(case: Case) -> dict[str, Any]:
    """One `schemasync plan` of the case, through the real command line."""
    from _org import KEY
    from click.testing import CliRunner

    from schemasync.cli import cli
    from schemasync.emulator import EmulatorApp, serve
    from schemasync.export import dump_yaml

    store = case.build()
    sizes = {path: len(store.records[name]) for path, name in PAGED.items()}
    text = dump_yaml(case.manifest_document(store))
    app = EmulatorApp(store, api_keys={KEY})
    with tempfile.TemporaryDirectory(prefix="schemasync-bench-") as tmp:
        path = os.path.join(tmp, "manifest.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        cwd = os.getcwd()
        os.chdir(tmp)  # no schemasync.yaml of the checkout applies
        try:
            with serve(app, host="127.0.0.1") as server:
                app.reset_log()
                t0 = time.perf_counter()
                result = CliRunner().invoke(
                    cli,
                    ["plan", path, "--allow-replace", "--format", "json", "--api-url", server.url],
                    env={"CLOSE_API_KEY": KEY, "CLOSE_API_URL": None, "SCHEMASYNC_ENV": None},
                )
                seconds = time.perf_counter() - t0
        finally:
            os.chdir(cwd)
    log = list(app.log)
    output = result.output or ""
    operations = None
    if result.exit_code == 0:
        import json

        start = output.find("{")
        try:
            operations = len(json.loads(output[start:])["operations"])
        except (ValueError, KeyError):
            operations = None
    error = None
    if result.exit_code != 0:
        error = next(
            (line for line in output.splitlines() if line.startswith("Error")),
            output.strip().splitlines()[-1] if output.strip() else f"exit {result.exit_code}",
        )
    return _classify(case, log, seconds, operations, error, len(text), sizes)


def _classify(
    case: Case,
    log: list[tuple[str, str, int | None]],
    seconds: float,
    operations: int | None,
    error: str | None,
    manifest_bytes: int,
    sizes: dict[str, int],
) -> dict[str, Any]:
    me = confirm = other = 0
    pages: Counter[str] = Counter()
    for method, path, _status in log:
        if method != "GET":
            other += 1
        elif path == "/me/":
            me += 1
        elif CONFIRM.match(path):
            confirm += 1
        else:
            pages["/organization/{id}/" if ORGANIZATION.match(path) else path] += 1
    lists = len(pages)
    extra_pages = sum(n - 1 for n in pages.values())
    return {
        "case": case.name,
        "section": case.section,
        "size": case.size,
        "objects": case.objects,
        "total": len(log),
        "me": me,
        "lists": lists,
        "extra_pages": extra_pages,
        "pages": dict(pages),
        "expected_pages": {
            path: max(1, math.ceil(sizes[path] / PAGE)) for path in pages if path in PAGED
        },
        "listed": {path: sizes[path] for path in pages if path in PAGED},
        "confirm": confirm,
        "other": other,
        "operations": operations,
        "error": error,
        "seconds": seconds,
        "manifest_kb": manifest_bytes / 1024,
    }


def measure(small_only: bool = False, progress: Any = None) -> list[dict[str, Any]]:
    out = []
    for case in cases(big=not small_only):
        if progress:
            progress(f"requests per plan: {case.name} ...")
        out.append(_run_plan(case))
    return out


def _paged_ok(r: dict[str, Any]) -> bool:
    """Each list read once; a paged list in exactly the pages its length needs at 200."""
    return all(n == r["expected_pages"].get(path, 1) for path, n in r["pages"].items())


def rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_section: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_section.setdefault(r["section"], []).append(r)
    out = []
    for section, rs in by_section.items():
        failed = [r for r in rs if r["error"]]
        base = {(r["lists"], r["me"], r["other"]) for r in rs}
        constant = (
            not failed
            and len(base) == 1
            and all(_paged_ok(r) and r["other"] == 0 and r["me"] <= 1 for r in rs)
        )
        value = "; ".join(_short(r) for r in rs)
        detail = " | ".join(_detail(r) for r in rs)
        out.append(
            {
                "figure": f"requests per plan: {section}",
                "value": value,
                "target": "each list once (+ pages), constant",
                "ok": constant,
                "detail": detail,
            }
        )
    return out


def _short(r: dict[str, Any]) -> str:
    if r["error"]:
        return f"{r['size']}: ERROR"
    extra = []
    if r["extra_pages"]:
        extra.append(f"+{r['extra_pages']} pages")
    if r["confirm"]:
        extra.append(f"+{r['confirm']} confirm")
    return f"{r['size']}: {r['lists']} lists{''.join(' ' + e for e in extra)} + /me/ = {r['total']}"


def _detail(r: dict[str, Any]) -> str:
    if r["error"]:
        return f"{r['size']}: plan failed: {r['error']} (requests before: {r['pages']})"
    pages = ", ".join(
        f"{path} x{n}"
        + (f" ({r['listed'][path]:,} items in pages of {PAGE})" if path in PAGED else "")
        for path, n in r["pages"].items()
    )
    return (
        f"{r['size']} ({r['objects']:,} objects): {pages}; GET /me/ x{r['me']}; "
        f"{r['confirm']} reorder confirmations; {r['other']} writes; "
        f"{r['operations']} operations planned; CLI plan {r['seconds']:.2f} s wall "
        f"(manifest {r['manifest_kb']:.0f} KB)"
    )


def run(progress: Any = None) -> list[dict[str, Any]]:
    return rows(measure(progress=progress))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="the small size of each case only")
    args = ap.parse_args()
    for r in measure(args.small, progress=lambda m: print(m, file=sys.stderr)):
        print(f"{r['case']}:\n  {_short(r)}\n  {_detail(r)}")


if __name__ == "__main__":
    main()
