"""Display orders: what an owner's list will look like after the other operations ran, and
the complete list that sets the manifest's order.

The server appends what an apply creates; so the predicted order is the kept children in live
order, then the new ones in creation order. When it differs from the manifest's, one request
sets the complete list: the manifest's children in its order, each child the manifest does not
name right after the child it follows today (first if it is first).
"""

from __future__ import annotations

from collections.abc import Sequence


def predicted(live_order: Sequence[str], kept: dict[str, str], new: Sequence[str]) -> list[str]:
    """Names in the order the owner will show them: kept children (live id -> name) in live
    order, then the new ones (names) in creation order."""
    return [kept[i] for i in live_order if i in kept] + list(new)


def complete(
    live_order: Sequence[str], wanted: Sequence[str], ids: dict[str, str], kept: dict[str, str]
) -> list[str]:
    """The complete id list for the manifest's order (`wanted`, names -> `ids`), with every
    live id the manifest does not name placed after the managed child it follows today."""
    managed = set(kept)
    front: list[str] = []
    after: dict[str, list[str]] = {}
    previous: str | None = None
    for i in live_order:
        if i in managed:
            previous = kept[i]
        elif previous is None:
            front.append(i)
        else:
            after.setdefault(previous, []).append(i)
    out = list(front)
    placed = set(front)
    for name in wanted:
        out.append(ids[name])
        for i in after.get(name, ()):
            out.append(i)
            placed.add(i)
    # children that followed one the plan replaces or removes: at the end, in live order
    out += [i for lst in after.values() for i in lst if i not in placed]
    return out
