"""Environments and promotion: config parsing, target resolution, promote/diff between two
emulated orgs whose ids differ, protect lists, and the target named before every write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from schemasync.config import load_config, parse_config, resolve_target
from schemasync.emulator import Store
from schemasync.errors import ConfigError
from tests.orgs import KEY, new_store
from tests.serving import run_cli, socket_org

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "crm.yaml")
ENV = {"STAGING_KEY": KEY, "PROD_KEY": KEY, "CLOSE_API_URL": "", "CLOSE_API_KEY": ""}


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    """run_cli without a key or colour setting of its own: `env` says everything."""
    return run_cli(args, key=None, env={"NO_COLOR": None, **ENV, **(env or {})})


def _store(name: str, roles: tuple[str, ...]) -> Store:
    return new_store(roles, org_name=name)


@pytest.fixture
def orgs(tmp_path: Path):
    # Production has an extra role first, so its "Account Managers" id differs from staging's.
    staging = _store("Staging Org", ("Account Managers",))
    production = _store("Production Org", ("Interns", "Account Managers"))
    with socket_org(staging) as s, socket_org(production) as p:
        config = tmp_path / "schemasync.yaml"
        config.write_text(f"""
version: 1
environments:
  staging:
    api_url: {s.url}
    api_key_env: STAGING_KEY
  production:
    api_url: {p.url}
    api_key_env: PROD_KEY
    protect: [Account, Resource.Serial Number]
""")
        yield s, p, str(config)


def test_config_file_is_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None) is None
    with pytest.raises(ConfigError, match="cannot read config missing.yaml"):
        load_config("missing.yaml")
    (tmp_path / "schemasync.yaml").write_text("environments:\n  a: {}\n")
    config = load_config(None)
    assert config is not None and config.environment("a").api_key_env == "CLOSE_API_KEY"


def test_config_refuses_keys_and_unknown_settings() -> None:
    with pytest.raises(ConfigError, match="API keys never live in the config file"):
        parse_config("environments:\n  prod:\n    api_key: sk_live_123\n", "c.yaml")
    with pytest.raises(ConfigError, match=r"environments\.prod\.api_urll: unknown setting"):
        parse_config("environments:\n  prod:\n    api_urll: x\n", "c.yaml")
    with pytest.raises(ConfigError, match="NAME of an environment variable"):
        parse_config("environments:\n  prod:\n    api_key_env: 'sk live 123!'\n", "c.yaml")
    with pytest.raises(ConfigError, match="c.yaml:2:1: YAML syntax error"):
        parse_config("environments: [\n", "c.yaml")
    with pytest.raises(ConfigError, match="protect"):
        parse_config("environments:\n  prod:\n    protect: Account\n", "c.yaml")


def test_duplicate_keys_in_the_config_are_an_error() -> None:
    # The second `production` would silently win in PyYAML: one typo from a prod mix-up.
    text = (
        "version: 1\nenvironments:\n  production:\n    api_key_env: PROD_KEY\n"
        "    api_key_env: STAGING_KEY\n  production: {api_key_env: OTHER_KEY}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "schemasync.yaml")
    assert str(info.value).splitlines() == [
        'schemasync.yaml:5:5: environments.production: duplicate key "api_key_env" '
        "(first at line 4, column 5)",
        'schemasync.yaml:6:3: environments: duplicate key "production" (first at line 3, column 3)',
    ]


def test_config_values_are_yaml_1_2() -> None:
    # As in manifests: `yes` is a string, so `prune: yes` is refused instead of read as true.
    with pytest.raises(ConfigError, match=r"environments\.a\.prune: expected true or false"):
        parse_config("environments:\n  a: {prune: yes}\n", "c.yaml")


def test_the_target_knows_where_its_key_and_url_came_from() -> None:
    config = parse_config(
        "environments:\n  prod: {api_url: 'https://p.example/api/v1', api_key_env: PROD_KEY}\n",
        "conf/schemasync.yaml",
    )
    environ = {"PROD_KEY": KEY, "CLOSE_API_KEY": KEY, "CLOSE_API_URL": "https://x.example"}
    t = resolve_target(
        env_name="prod", config=config, flag_url=None, flag_key=None, environ=environ
    )
    assert (t.key_source, t.url_source) == (
        "PROD_KEY",
        "api_url of environment 'prod' in conf/schemasync.yaml",
    )
    t = resolve_target(
        env_name="prod", config=config, flag_url="http://f.example", flag_key=KEY, environ=environ
    )
    assert (t.key_source, t.url_source) == ("--api-key", "--api-url")
    t = resolve_target(env_name=None, config=None, flag_url=None, flag_key=None, environ=environ)
    assert (t.key_source, t.url_source) == ("CLOSE_API_KEY", "CLOSE_API_URL")
    t = resolve_target(env_name=None, config=None, flag_url=None, flag_key=None, environ={})
    assert t.url_source == "CLOSE_API_URL or --api-url"


def test_a_bad_url_in_the_config_names_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "schemasync.yaml"
    config.write_text("environments:\n  prod: {api_url: 'api.close.com/api/v1'}\n")
    res = run(["export", "--env", "prod", "--config", str(config)], {"CLOSE_API_KEY": KEY})
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: api_url of environment 'prod' in {config}: 'api.close.com/api/v1' has no "
        "scheme: start it with https://; expected an API URL like https://api.close.com/api/v1\n"
    )


def test_a_rejected_key_names_the_variable_it_came_from(orgs) -> None:
    _, _, config = orgs
    res = run(
        ["export", "--env", "staging", "--config", config], {"STAGING_KEY": "sk_wrong_0123456789"}
    )
    assert res.exit_code == 1
    assert res.stderr.rstrip().endswith("(the API key was rejected: check STAGING_KEY)")
    assert "sk_wrong_0123456789" not in res.stderr


def test_target_resolution_precedence() -> None:
    config = parse_config(
        "environments:\n  prod:\n    api_url: https://prod.example/api/v1\n"
        "    api_key_env: PROD_KEY\n    prune: true\n",
        "c.yaml",
    )
    environ = {
        "CLOSE_API_URL": "http://left-over-from-another-shell",
        "PROD_KEY": "k1",
        "CLOSE_API_KEY": "k0",
    }
    t = resolve_target(
        env_name="prod", config=config, flag_url=None, flag_key=None, environ=environ
    )
    assert (t.api_url, t.api_key, t.prune) == ("https://prod.example/api/v1", "k1", True)
    t = resolve_target(
        env_name="prod", config=config, flag_url="http://flag", flag_key="k2", environ=environ
    )
    assert (t.api_url, t.api_key) == ("http://flag", "k2")
    t = resolve_target(env_name="prod", config=config, flag_url="http://flag/", flag_key="k2")
    assert t.api_url == "http://flag"  # a trailing slash goes, with --env as without
    t = resolve_target(env_name=None, config=config, flag_url=None, flag_key=None, environ=environ)
    assert (t.api_url, t.api_key, t.prune) == ("http://left-over-from-another-shell", "k0", False)
    with pytest.raises(ConfigError, match=r"\$PROD_KEY, which is not set"):
        resolve_target(env_name="prod", config=config, flag_url=None, flag_key=None, environ={})
    with pytest.raises(ConfigError, match="no environment named 'stage'"):
        resolve_target(env_name="stage", config=config, flag_url=None, flag_key=None)
    with pytest.raises(ConfigError, match="no config file"):
        resolve_target(env_name="prod", config=None, flag_url=None, flag_key=None)


def test_promote_staging_to_production(orgs) -> None:
    s, p, config = orgs
    assert (
        run(["apply", EXAMPLE, "--auto-approve", "--env", "staging", "--config", config]).exit_code
        == 0
    )

    res = run(["diff", "--from", "staging", "--to", "production", "--config", config])
    assert res.exit_code == 2 and "49 to create" in res.stdout
    assert not p.writes()

    res = run(
        [
            "promote",
            "--from",
            "staging",
            "--to",
            "production",
            "--apply",
            "--auto-approve",
            "--config",
            config,
        ]
    )
    assert res.exit_code == 0, res.stderr
    target_line = next(line for line in res.stderr.splitlines() if line.startswith("Target:"))
    assert "environment 'production'" in target_line and "'Production Org'" in target_line
    assert res.stderr.index("Target:") < res.stderr.index("[1/")  # named before any write

    assert (
        run(["diff", "--from", "staging", "--to", "production", "--config", config]).exit_code == 0
    )
    exports = [
        run(["export", "--env", e, "--config", config]).stdout for e in ("staging", "production")
    ]
    assert exports[0] == exports[1]
    # ...and the ids really differ between the orgs
    prod_role = next(
        r["id"] for r in p.store.snapshot()["roles"] if r["name"] == "Account Managers"
    )
    stag_role = next(
        r["id"] for r in s.store.snapshot()["roles"] if r["name"] == "Account Managers"
    )
    assert prod_role != stag_role
    prod_types = {t["id"] for t in p.store.snapshot()["custom_object_types"]}
    assert not prod_types & {t["id"] for t in s.store.snapshot()["custom_object_types"]}
    account = next(t for t in p.store.snapshot()["custom_object_types"] if t["name"] == "Account")
    assert account["editable_with_roles"] == ["admin", prod_role] or set(
        account["editable_with_roles"]
    ) == {"admin", prod_role}


def test_promote_equals_export_then_plan(orgs, tmp_path: Path) -> None:
    s, p, config = orgs
    assert (
        run(["apply", EXAMPLE, "--auto-approve", "--env", "staging", "--config", config]).exit_code
        == 0
    )
    promoted = json.loads(
        run(
            ["promote", "--from", "staging", "--to", "production", "--json", "--config", config]
        ).stdout
    )
    exported = tmp_path / "staging.yaml"
    assert (
        run(["export", "--env", "staging", "--config", config, "-o", str(exported)]).exit_code == 0
    )
    planned = json.loads(
        run(["plan", str(exported), "--json", "--env", "production", "--config", config]).stdout
    )
    assert promoted == planned
    assert not p.writes()


def test_role_missing_in_destination_is_an_error_before_any_write(tmp_path: Path) -> None:
    with (
        socket_org(_store("Staging", ("Account Managers",))) as s,
        socket_org(_store("Production", ())) as p,
    ):
        config = tmp_path / "c.yaml"
        config.write_text(
            f"environments:\n  a: {{api_url: '{s.url}', api_key_env: STAGING_KEY}}"
            f"\n  b: {{api_url: '{p.url}', api_key_env: PROD_KEY}}\n"
        )
        assert (
            run(
                ["apply", EXAMPLE, "--auto-approve", "--env", "a", "--config", str(config)]
            ).exit_code
            == 0
        )
        res = run(
            [
                "promote",
                "--from",
                "a",
                "--to",
                "b",
                "--apply",
                "--auto-approve",
                "--config",
                str(config),
            ]
        )
        assert res.exit_code == 1
        assert "unknown role 'Account Managers'" in res.stderr
        assert not p.writes()


def test_protected_objects_are_never_destroyed(orgs, tmp_path: Path) -> None:
    s, p, config = orgs
    assert (
        run(
            ["apply", EXAMPLE, "--auto-approve", "--env", "production", "--config", config]
        ).exit_code
        == 0
    )
    writes = len(p.writes())
    # Empty, with every section that references a type managed (a type is never deleted
    # while a field outside the plan's reach references it).
    empty = tmp_path / "empty.yaml"
    empty.write_text(
        "version: 1\ncustom_object_types: []\ncustom_activity_types: []\nshared_fields: []\n"
        "lead: {fields: []}\ncontact: {fields: []}\nopportunity: {fields: []}\n"
    )
    res = run(
        [
            "apply",
            str(empty),
            "--prune",
            "--auto-approve",
            "--env",
            "production",
            "--config",
            config,
        ]
    )
    assert res.exit_code == 1
    assert "which this environment protects ('Account'" in res.stderr
    assert len(p.writes()) == writes

    # a replace of a protected field is refused too
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        Path(EXAMPLE)
        .read_text()
        .replace(
            "      - name: Serial Number\n        type: text",
            "      - name: Serial Number\n        type: number",
        )
    )
    res = run(["plan", str(changed), "--allow-replace", "--env", "production", "--config", config])
    assert res.exit_code == 1 and "Resource.Serial Number" in res.stderr

    # a plan made by URL (no environment) is still checked when applied to production
    saved = tmp_path / "plan.json"
    assert (
        run(
            ["plan", str(empty), "--prune", "--out", str(saved)],
            {"CLOSE_API_URL": p.url, "CLOSE_API_KEY": KEY},
        ).exit_code
        == 0
    )
    res = run(["apply", "--plan", str(saved), "--env", "production", "--config", config])
    assert res.exit_code == 1 and "protects" in res.stderr
    assert len(p.writes()) == writes


def test_environment_defaults_apply(orgs, tmp_path: Path) -> None:
    s, p, config = orgs
    Path(config).write_text(
        Path(config)
        .read_text()
        .replace(
            "    api_key_env: STAGING_KEY\n", "    api_key_env: STAGING_KEY\n    prune: true\n"
        )
    )
    assert (
        run(["apply", EXAMPLE, "--auto-approve", "--env", "staging", "--config", config]).exit_code
        == 0
    )
    only = tmp_path / "only.yaml"
    only.write_text("version: 1\ncontact:\n  fields: []\n")
    res = run(["plan", str(only), "--env", "staging", "--config", config])
    assert "will be DELETED" in res.stdout  # prune came from the environment


def test_diff_and_promote_speak_of_two_orgs_and_agree_on_extra_objects(
    orgs, tmp_path: Path
) -> None:
    s, p, config = orgs
    where = ["--config", config]
    for env in ("staging", "production"):
        assert run(["apply", EXAMPLE, "--auto-approve", "--env", env, *where]).exit_code == 0
    diff = ["diff", "--from", "staging", "--to", "production", *where]
    promote = ["promote", "--from", "staging", "--to", "production", *where]

    same = run(diff)
    assert same.exit_code == 0
    assert same.stdout == "No differences: production matches staging.\n"
    assert run(promote).stdout == "No changes: production already matches staging.\n"
    md = run([*diff, "--format", "markdown"]).stdout
    assert "**No differences:** production matches staging." in md
    assert "manifest" not in md

    # An extra type in production: promote leaves it (no --prune), so diff lists it as
    # unmanaged, not as a deletion, and the orgs still differ (exit 2).
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        Path(EXAMPLE)
        .read_text()
        .replace(
            "custom_object_types:\n",
            "custom_object_types:\n  - {name: Legacy, name_plural: Legacies}\n",
            1,
        )
    )
    assert (
        run(["apply", str(extra), "--auto-approve", "--env", "production", *where]).exit_code == 0
    )
    writes = len(p.writes())
    differs = run(diff)
    assert differs.exit_code == 2, differs.stderr
    assert "DELETED" not in differs.stdout
    assert (
        "Unmanaged: only in production, not in staging; promote leaves them "
        "(--prune would delete them):\n  custom_object_type Legacy (" in differs.stdout
    )
    assert differs.stdout.endswith(
        "No changes to make: production has everything staging has, and the objects above "
        "that it has not.\n"
    )
    promoted = run(promote)
    assert promoted.exit_code == 0 and "DELETED" not in promoted.stdout
    assert "Unmanaged: in production but not in staging; left untouched" in promoted.stdout
    assert "manifest" not in differs.stdout + promoted.stdout

    pruned = run([*diff, "--prune"])  # what `promote --prune` would do
    assert pruned.exit_code == 2
    assert "# Legacy will be DELETED" in pruned.stdout
    assert (
        json.loads(run([*diff, "--prune", "--json"]).stdout)["operations"]
        == json.loads(run([*promote, "--prune", "--json"]).stdout)["operations"]
    )
    assert len(p.writes()) == writes  # neither command wrote
