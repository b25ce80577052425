"""The Markdown plan (`plan --format markdown`): golden files from the plan cases, the size
bound that keeps a huge plan inside one pull-request comment, escaping, determinism.

tests/cases/markdown/<case>.md is rendered from tests/cases/plan/<case>/ (the cases whose plan
succeeds); SCHEMASYNC_REGEN=1 rewrites them; review the diff before committing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from schemasync.errors import PlanError
from schemasync.plan import Operation, Plan, Unmanaged
from schemasync.render_markdown import render_markdown
from tests.test_plan_cases import case_plan

PLAN_CASES = Path(__file__).parent / "cases" / "plan"
GOLDEN = Path(__file__).parent / "cases" / "markdown"
REGEN = os.environ.get("SCHEMASYNC_REGEN") == "1"
COMMENT_LIMIT = 60_000  # GitHub's is 65,536 characters; leave room for a header and footer


def _case_plan(case: str, monkeypatch: pytest.MonkeyPatch) -> Plan | None:
    folder = PLAN_CASES / case
    monkeypatch.chdir(folder)
    try:
        return case_plan(folder)
    except PlanError:
        return None


@pytest.mark.parametrize("case", sorted(p.name for p in PLAN_CASES.iterdir() if p.is_dir()))
def test_markdown_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    golden = GOLDEN / f"{case}.md"
    plan = _case_plan(case, monkeypatch)
    if plan is None:  # the case is a plan error: nothing to render
        if REGEN:
            golden.unlink(missing_ok=True)
        assert not golden.exists(), f"{golden.name} is stale: the case is now a plan error"
        return
    actual = render_markdown(plan)
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}: run with SCHEMASYNC_REGEN=1"
    assert actual == golden.read_text(encoding="utf-8")
    assert render_markdown(plan) == actual  # deterministic
    assert plan.fingerprint in actual


def test_every_golden_file_has_a_plan_case() -> None:
    for md in GOLDEN.glob("*.md"):
        assert (PLAN_CASES / md.stem).is_dir(), f"{md.name} has no plan case"


def _field_op(i: int, action: str) -> Operation:
    address = f"Type{i // 20}.Field {i}"
    if action == "delete":
        return Operation(
            "delete",
            "custom_field",
            address,
            "DELETE",
            f"/custom_field/custom_object_type/cf_{i}/",
            changes={"name": {"before": f"Field {i}", "after": None}},
            id=f"cf_{i}",
            reason=f"deleting the field destroys its values on every Type{i // 20}",
        )
    if action == "update":
        return Operation(
            "update",
            "custom_field",
            address,
            "PUT",
            f"/custom_field/custom_object_type/cf_{i}/",
            body={"choices": [f"c{n}" for n in range(300)]},
            id=f"cf_{i}",
            changes={
                "choices": {
                    "before": [f"c{n}" for n in range(200)],
                    "after": [f"c{n}" for n in range(300)],
                },
                "description": {"before": "x" * 2000, "after": "y" * 2000},
            },
        )
    return Operation(
        "create",
        "custom_field",
        address,
        "POST",
        "/custom_field/custom_object_type/",
        body={"name": f"Field {i}", "type": "text"},
        changes={
            "name": {"before": None, "after": f"Field {i}"},
            "type": {"before": None, "after": "text"},
            "description": {"before": None, "after": "d" * 500},
        },
        defines="${custom_field:" + address + "}",
    )


def _big_plan(n: int = 1000) -> Plan:
    actions = ("create", "update", "delete")
    ops = tuple(_field_op(i, actions[i % 3]) for i in range(n))
    unmanaged = tuple(
        Unmanaged("custom_field", f"Other.F{i}", f"cf_o{i}", "type text") for i in range(500)
    )
    return Plan(ops, unmanaged, "sha256:" + "0" * 64, {"prune": True, "allow_replace": False})


def test_a_thousand_operations_fit_one_comment() -> None:
    plan = _big_plan(1000)
    text = render_markdown(plan)
    assert len(text) < COMMENT_LIMIT, len(text)
    assert "Plan: 334 to create, 333 to update, 333 to delete." in text
    assert "… and 950 more operation(s)" in text
    assert "… and 283 more destructive operation(s)" in text  # 333 deletes, 50 shown
    assert "… and 450 more unmanaged object(s)" in text
    assert plan.fingerprint in text
    assert render_markdown(plan) == text
    # A smaller cap still bounds it; a larger one may not fit, but stays well-formed.
    assert len(render_markdown(plan, max_operations=10)) < len(text)
    assert text.count("<details>") == text.count("</details>")


def test_very_long_names_still_fit_one_comment() -> None:
    ops = tuple(
        Operation(
            "delete",
            "custom_object_type",
            f"{i:04d}" + "N" * 3000,
            "DELETE",
            f"/x/{i}/",
            id=f"cotype_{i}",
            reason="R" * 3000,
            changes={"name": {"before": "N" * 3000, "after": None}},
        )
        for i in range(1000)
    )
    text = render_markdown(Plan(ops, (), "sha256:1", {}), title="T" * 5000)
    assert len(text) < COMMENT_LIMIT, len(text)
    assert "1000 operations destroy data" in text and "more destructive operation(s)" in text


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]


def test_destructive_operations_come_first_and_loud() -> None:
    plan = _big_plan(9)  # create, update, delete, create, ...
    text = render_markdown(plan)
    caution = text.index("[!CAUTION]")
    table = text.index("| # |")
    assert caution < table
    assert "⚠️ **3 operations destroy data.**" in text
    assert "deleting the field destroys its values" in text
    rows = _table_rows(text)[1:]  # without the header
    actions = [row.split(" | ")[2] for row in rows]
    assert actions[:3] == ["**DELETE**"] * 3
    assert set(actions[3:]) == {"create", "update"}
    steps = [int(row.split(" | ")[0].strip("| ")) for row in rows]
    assert steps[:3] == [3, 6, 9]  # each keeps its apply step
    first_details = text.index("<details>")
    assert "delete" in text[first_details : text.index("</summary>", first_details)]


def test_names_are_escaped() -> None:
    nasty = "A|B `x` <script>alert(1)</script> *y* [z](http://e)"
    op = Operation(
        "update",
        "custom_field",
        f"T.{nasty}",
        "PUT",
        "/custom_field/x/",
        body={"description": "```"},
        id="cf_1",
        changes={"description": {"before": "```", "after": "````not a fence"}},
    )
    delete = Operation(
        "delete",
        "custom_object_type",
        nasty,
        "DELETE",
        "/x/",
        changes={"name": {"before": nasty, "after": None}},
        id="cotype_1",
        reason=f"destroys every {nasty} object",
    )
    plan = Plan((op, delete), (Unmanaged("custom_field", nasty, "cf_2", nasty),), "sha256:<fp>", {})
    text = render_markdown(plan, title=f"plan for {nasty}")
    # Outside code blocks (whose content is shown verbatim, never rendered) no raw HTML.
    prose = re.sub(r"^(`{3,})diff\n.*?^\1$", "", text, flags=re.S | re.M)
    assert "diff" not in prose.replace("attribute diff", "")
    assert "<script>" not in prose and "&lt;script&gt;" in prose
    assert "sha256:&lt;fp&gt;" in text
    for row in _table_rows(text):
        # Every row has exactly the header's 6 cells: no name adds an unescaped pipe.
        assert len(re.split(r"(?<!\\)\|", row)) == 8, row
    assert "A\\|B \\`x\\`" in text
    # A value holding backticks cannot close the code fence of its diff.
    assert "`````diff" in text


def test_no_changes() -> None:
    text = render_markdown(Plan((), (), "sha256:abc", {"prune": False}), title="staging")
    assert text.startswith("### staging\n")
    assert "**No changes.** The org matches the manifest." in text
    assert "| # |" not in text and "<details>" not in text
    assert "sha256:abc" in text
