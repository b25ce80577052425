"""The files schemasync writes and reads: atomic writes, saved plans, exports and their
schema modeline."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from schemasync.errors import PlanFileError, SchemaSyncError

if TYPE_CHECKING:
    from schemasync.live import LiveOrg
    from schemasync.plan import Plan


def write_file(path: str, text: str) -> None:
    """Write atomically, so an interrupted write never leaves half a plan or manifest."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise SchemaSyncError(f"cannot write {path}: {e.strerror or e}") from None


def read_plan_file(path: str) -> Plan:
    from schemasync.plan import Plan

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as e:
        raise PlanFileError(f"cannot read plan {path}: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise PlanFileError(f"{path} is not a schemasync plan (invalid JSON: {e})") from None
    from schemasync.plan import check_version
    from schemasync.plan_check import check_document

    check_version(doc)
    check_document(doc)
    return Plan.from_dict(doc)


def modeline(output: str | None) -> str | None:
    """A relative `$schema` path to the manifest's JSON Schema when the project has one: the
    nearest `manifest.schema.json` (as `schemasync schema > manifest.schema.json` writes it)
    or `schemas/manifest.schema.json`, beside the output or in a folder above it."""
    start = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    d = start
    while True:
        for candidate in (
            os.path.join(d, "manifest.schema.json"),
            os.path.join(d, "schemas", "manifest.schema.json"),
        ):
            if os.path.isfile(candidate):
                return os.path.relpath(candidate, start).replace(os.sep, "/")
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def export_text(live: LiveOrg, output: str | None, sections: Iterable[str] | None = None) -> str:
    from schemasync.export import dump_yaml, export_manifest

    return dump_yaml(export_manifest(live, sections), modeline(output))
