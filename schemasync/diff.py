"""Compatibility: the planner moved to schemasync.engine (kept for callers of diff.compute_plan)."""

from schemasync.engine.planner import compute_plan
from schemasync.engine.protect import check_protected, protected_hits

__all__ = ["check_protected", "compute_plan", "protected_hits"]
