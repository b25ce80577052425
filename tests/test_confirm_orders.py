"""A planned reorder of a custom object or activity type rests on the order of the `fields`
its list entry embeds, which the API does not document as the display order. The plan reads
the first reordered type's schema to confirm it: when it agrees, the other reorders are
trusted (reads stay constant); when it does not, every reordered type's schema is read and the
plan made again from them. The emulator can embed fields in another order (`by_id`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from schemasync.emulator import Behaviour
from tests.orgs import new_store
from tests.serving import assert_clean, run_cli, socket_org

TYPES = ("Alpha", "Beta", "Gamma")


def _manifest(order: tuple[str, ...]) -> str:
    lines = ["version: 1", "custom_object_types:"]
    for name in TYPES:
        lines += [f"  - name: {name}", f"    name_plural: {name}s", "    fields:"]
        lines += [f"      - {{name: {field}, type: text}}" for field in order]
    return "\n".join(lines) + "\n"


def _schema_gets(log: list[Any]) -> int:
    return sum(1 for method, path, _ in log if method == "GET" and "/custom_field_schema/" in path)


def _orders(store: Any) -> dict[str, list[str]]:
    snap = store.snapshot()
    names = {f["id"]: f["name"] for f in snap["custom_fields"]}
    return {t["name"]: [names[i] for i in t["field_order"]] for t in snap["custom_object_types"]}


@pytest.mark.parametrize("embedded", ["display", "by_id"])
def test_reorders_are_confirmed_once_and_right_either_way(tmp_path: Path, embedded: str) -> None:
    first, second = ("A", "B", "C", "D", "E"), ("E", "C", "A", "D", "B")
    # seeded: ids (and so the by_id order) are the same on every run
    store = new_store(behaviour=Behaviour(embedded_order=embedded), seed=11)  # type: ignore[arg-type]
    with socket_org(store) as org:
        path = tmp_path / "m.yaml"
        path.write_text(_manifest(first))
        assert run_cli(["apply", str(path), "--auto-approve"], url=org.url).exit_code == 0
        path.write_text(_manifest(second))
        org.app.log.clear()
        plan = run_cli(["plan", str(path), "--detailed-exitcode"], url=org.url)
        assert plan.exit_code == 2, plan.stderr
        assert plan.stdout.count("will get its fields reordered") == len(TYPES)
        # display order embedded: one confirmation; otherwise every reordered type is read
        assert _schema_gets(org.app.log) == (1 if embedded == "display" else len(TYPES))
        applied = run_cli(["apply", str(path), "--auto-approve"], url=org.url)
        assert applied.exit_code == 0, applied.stderr
        assert _orders(org.store) == {name: list(second) for name in TYPES}
        again = run_cli(["plan", str(path), "--detailed-exitcode"], url=org.url)
        assert again.exit_code == 0, again.stdout
        for result in (plan, applied, again):
            assert_clean(result)


def test_an_order_the_embedded_list_hides_is_still_set(tmp_path: Path) -> None:
    """The embedded list (sorted by id here) happens to match the manifest, while the display
    order does not: no reorder would be planned from it. The plan reads one type's schema even
    then, sees the difference, and sets the order."""
    store = new_store(behaviour=Behaviour(embedded_order="by_id"), seed=7)
    with socket_org(store) as org:
        path = tmp_path / "m.yaml"
        path.write_text(_manifest(("A", "B", "C", "D", "E")))
        assert run_cli(["apply", str(path), "--auto-approve"], url=org.url).exit_code == 0
        by_id = {name: [] for name in TYPES}  # type name -> field names in id order
        snap = org.store.snapshot()
        types = {t["id"]: t["name"] for t in snap["custom_object_types"]}
        for field in sorted(snap["custom_fields"], key=lambda f: f["id"]):
            by_id[types[field["custom_object_type_id"]]].append(field["name"])
        wanted = tuple(by_id["Alpha"])
        assert wanted != ("A", "B", "C", "D", "E")  # the seed makes the two orders differ
        path.write_text(_manifest(wanted))
        plan = run_cli(["plan", str(path), "--detailed-exitcode"], url=org.url)
        assert plan.exit_code == 2, plan.stdout
        assert "# Alpha will get its fields reordered" in plan.stdout
        applied = run_cli(["apply", str(path), "--auto-approve"], url=org.url)
        assert applied.exit_code == 0, applied.stderr
        assert _orders(org.store)["Alpha"] == list(wanted)
        again = run_cli(["plan", str(path), "--detailed-exitcode"], url=org.url)
        assert again.exit_code == 0, again.stdout
