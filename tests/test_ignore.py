"""`ignore:` (in the manifest, and per environment): live objects schemasync never lists,
touches or fails on. A legacy duplicate must not block plan, export, diff or promote."""

from __future__ import annotations

import json
from pathlib import Path

from tests.orgs import KEY, new_store
from tests.serving import assert_clean, run_cli, socket_org

MANIFEST = """version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
"""


def _legacy_twins(store) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Two live types named Legacy (the API does not refuse duplicate names)."""
    a = store.add("custom_object_types", name="Legacy", name_plural="Legacies")
    b = store.add("custom_object_types", name="Legacy", name_plural="Legacies")
    store.add("custom_fields", custom_object_type_id=a["id"], name="Old", type="text")
    return a["id"], b["id"]


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_an_ignored_duplicate_neither_blocks_nor_is_listed(tmp_path: Path) -> None:
    store = new_store()
    first, second = _legacy_twins(store)
    with socket_org(store) as org:
        plain = _write(tmp_path, "plain.yaml", MANIFEST)
        res = run_cli(["plan", plain, "--prune"], url=org.url)
        assert res.exit_code == 0  # duplicates that nothing matches are listed, not fatal
        assert res.stdout.count("custom_object_type Legacy") == 2
        ignoring = _write(tmp_path, "ignoring.yaml", MANIFEST + f"ignore: [{first}, Legacy]\n")
        res = run_cli(["plan", ignoring, "--prune", "--json"], url=org.url)
        assert res.exit_code == 0, res.stderr
        doc = json.loads(res.stdout)
        assert [op["address"] for op in doc["operations"]] == ["Account"]  # no delete
        assert doc["unmanaged"] == [] and doc["options"]["ignore"] == sorted([first, "Legacy"])
        assert_clean(res)


def test_a_manifest_ignore_by_id_keeps_the_twin_managed(tmp_path: Path) -> None:
    store = new_store()
    first, second = _legacy_twins(store)
    manifest = MANIFEST + "  - name: Legacy\n    name_plural: Old ones\nignore: [" + first + "]\n"
    with socket_org(store) as org:
        path = _write(tmp_path, "m.yaml", manifest)
        res = run_cli(["apply", path, "--auto-approve"], url=org.url)
        assert res.exit_code == 0, res.stderr
        assert store.records["custom_object_types"][second]["name_plural"] == "Old ones"
        assert store.records["custom_object_types"][first]["name_plural"] == "Legacies"
        again = run_cli(["plan", path, "--detailed-exitcode"], url=org.url)
        assert again.exit_code == 0, again.stdout


def test_a_saved_plan_leaves_out_what_it_ignored(tmp_path: Path) -> None:
    store = new_store()
    first, _ = _legacy_twins(store)
    with socket_org(store) as org:
        path = _write(tmp_path, "m.yaml", MANIFEST + f"ignore: [{first}]\n")
        saved = tmp_path / "plan.json"
        assert run_cli(["plan", path, "--out", str(saved)], url=org.url).exit_code == 0
        # the ignored object changes in Close meanwhile: the plan is still fresh
        store.records["custom_object_types"][first]["description"] = "edited by hand"
        res = run_cli(["apply", "--plan", str(saved)], url=org.url)
        assert res.exit_code == 0, res.stderr


def test_an_environment_ignore_lets_export_diff_and_promote_run(tmp_path: Path) -> None:
    staging_store = new_store(org_name="Staging")
    first, _ = _legacy_twins(staging_store)
    with socket_org(staging_store) as staging, socket_org(new_store(seed=9)) as production:
        config = _write(
            tmp_path,
            "schemasync.yaml",
            "version: 1\nenvironments:\n"
            f"  staging: {{api_url: '{staging.url}', api_key_env: K, ignore: [{first}]}}\n"
            f"  production: {{api_url: '{production.url}', api_key_env: K}}\n",
        )
        env = {"K": KEY}
        blocked = run_cli(["export", "--env", "production", "--config", config], env=env)
        assert blocked.exit_code == 0  # production has no duplicate
        res = run_cli(["export", "--env", "staging", "--config", config], env=env)
        assert res.exit_code == 0, res.stderr
        assert res.stdout.count("name: Legacy") == 1
        res = run_cli(
            ["promote", "--from", "staging", "--to", "production", "--apply", "--auto-approve"]
            + ["--config", config],
            env=env,
        )
        assert res.exit_code == 0, res.stderr
        res = run_cli(
            ["diff", "--from", "staging", "--to", "production", "--config", config], env=env
        )
        assert res.exit_code == 0, res.stdout + res.stderr
