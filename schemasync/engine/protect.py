"""The protect list: destructive operations on protected objects are refused."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from schemasync.engine.match import problem
from schemasync.errors import Problem
from schemasync.model import TYPE_KIND, Manifest
from schemasync.plan import Operation


def protected_hits(ops: Sequence[Operation], protect: Iterable[str]) -> list[tuple[Operation, str]]:
    """Destructive operations on protected objects: `Type` protects the type and its fields."""
    wanted = set(protect)
    hits = []
    for op in ops:
        if not op.destructive:
            continue
        candidates = [op.address, op.address.split(".", 1)[0]]
        if op.kind == TYPE_KIND:  # deleting a type deletes its fields too
            candidates += sorted(p for p in wanted if p.startswith(op.address + "."))
        hit = next((c for c in candidates if c in wanted), None)
        if hit:
            hits.append((op, hit))
    return hits


def check_protected(
    ops: Sequence[Operation], protect: Iterable[str], manifest: Manifest
) -> list[Problem]:
    problems = []
    for op, hit in protected_hits(ops, protect):
        spec = manifest.type_named(op.address.split(".", 1)[0])
        problems.append(
            problem(
                spec.pos if spec else None,
                op.address,
                f"the plan would {op.action} {op.address}, which this environment protects "
                f"({hit!r} is in its protect list); nothing will be applied",
            )
        )
    return problems
