"""Safety promises the core keeps on every input (issue: "Safety promises hold on every input"),
each reproduced over a real socket against the emulator:

- protect follows the live object: renames, names with dots, typos in the protect list;
- a saved plan cannot be made to do something else: edited methods, paths, bodies, kinds,
  digests, a plan made for another org;
- names never collide: placeholders of `A.B`/`C` and `A`/`B.C` stay apart, and a value that
  reads like a placeholder is sent as written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemasync.emulator import Store
from tests.orgs import KEY, new_store
from tests.serving import SocketOrg, assert_clean, run_cli, socket_org

ACCOUNT = """version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Status, type: choices, choices: [Active, Cancelled]}
      - {name: Notes, type: text}
"""


def _config(tmp_path: Path, org: SocketOrg, protect: list[str], name: str = "prod") -> str:
    config = tmp_path / "schemasync.yaml"
    entries = ", ".join(json.dumps(p) for p in protect)
    config.write_text(
        f"version: 1\nenvironments:\n  {name}:\n    api_url: {json.dumps(org.url)}\n"
        f"    api_key_env: PROD_KEY\n    protect: [{entries}]\n",
        encoding="utf-8",
    )
    return str(config)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _apply(org: SocketOrg, manifest: str, *extra: str) -> None:
    res = run_cli(["apply", manifest, "--auto-approve", "--prune", *extra], url=org.url)
    assert res.exit_code == 0, res.stderr


def _env_run(args: list[str], config: str) -> Any:
    return run_cli([*args, "--env", "prod", "--config", config], env={"PROD_KEY": KEY})


# -- protect follows the live object -------------------------------------------------------


def test_renaming_a_protected_type_does_not_unprotect_its_fields(tmp_path: Path) -> None:
    with socket_org() as org:
        _apply(org, _write(tmp_path, "a.yaml", ACCOUNT))
        writes = len(org.writes())
        renamed = ACCOUNT.replace(
            "  - name: Account\n", "  - name: Client\n    renamed_from: [Account]\n"
        ).replace("      - {name: Notes, type: text}\n", "")
        config = _config(tmp_path, org, ["Account"])
        manifest = _write(tmp_path, "renamed.yaml", renamed)
        res = _env_run(["plan", manifest, "--prune"], config)
        assert res.exit_code == 1, res.stdout
        assert (
            "Client.Notes: the plan would delete Client.Notes, which this environment protects "
            "('Account' is in its protect list)" in res.stderr
        )
        # the same plan made without the environment, saved, and applied to it
        saved = tmp_path / "plan.json"
        made = run_cli(["plan", manifest, "--prune", "--out", str(saved)], url=org.url)
        assert made.exit_code == 0, made.stderr
        res = _env_run(["apply", "--plan", str(saved)], config)
        assert res.exit_code == 1
        assert "which environment 'prod'" in res.stderr and "('Account'" in res.stderr
        assert len(org.writes()) == writes  # nothing was written


def test_a_type_named_with_a_dot_protects_its_fields(tmp_path: Path) -> None:
    dotted = ACCOUNT.replace("name: Account\n", "name: Acme.Corp\n")
    with socket_org() as org:
        _apply(org, _write(tmp_path, "a.yaml", dotted))
        writes = len(org.writes())
        changed = _write(
            tmp_path, "b.yaml", dotted.replace("Notes, type: text", "Notes, type: number")
        )
        config = _config(tmp_path, org, ["Acme.Corp"])
        res = _env_run(["plan", changed, "--allow-replace"], config)
        assert res.exit_code == 1
        assert "would replace Acme.Corp.Notes" in res.stderr and "('Acme.Corp'" in res.stderr
        assert len(org.writes()) == writes


def test_a_protect_entry_that_names_nothing_is_an_error(tmp_path: Path) -> None:
    with socket_org() as org:
        _apply(org, _write(tmp_path, "a.yaml", ACCOUNT))
        config = _config(tmp_path, org, ["Acount"])
        res = _env_run(["plan", _write(tmp_path, "b.yaml", ACCOUNT)], config)
        assert res.exit_code == 1
        assert "Acount: this protect entry names nothing in the org" in res.stderr
        assert_clean(res)


def test_a_protect_entry_may_name_what_the_plan_creates(tmp_path: Path) -> None:
    with socket_org() as org:  # an empty production org: the first apply creates Account
        config = _config(tmp_path, org, ["Account", "Account.Status"])
        res = _env_run(["apply", _write(tmp_path, "a.yaml", ACCOUNT), "--auto-approve"], config)
        assert res.exit_code == 0, res.stderr


# -- a saved plan can only do what a plan can do -------------------------------------------


def _saved(tmp_path: Path, org: SocketOrg, manifest: str, *flags: str) -> Path:
    saved = tmp_path / "plan.json"
    res = run_cli(["plan", manifest, "--out", str(saved), *flags], url=org.url)
    assert res.exit_code == 0, res.stderr
    return saved


def _edit(saved: Path, change: Any) -> None:
    doc = json.loads(saved.read_text())
    change(doc)
    saved.write_text(json.dumps(doc))


def _refused(org: SocketOrg, saved: Path, *needles: str) -> None:
    writes = len(org.writes())
    res = run_cli(["apply", "--plan", str(saved)], url=org.url)
    assert res.exit_code == 1, res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr
    assert len(org.writes()) == writes, "a refused plan wrote to the org"
    assert_clean(res)


def _one_update(tmp_path: Path, org: SocketOrg) -> Path:
    _apply(org, _write(tmp_path, "a.yaml", ACCOUNT))
    changed = ACCOUNT.replace("Notes, type: text", "Notes, type: text, description: hi")
    return _saved(tmp_path, org, _write(tmp_path, "b.yaml", changed))


def test_an_update_that_became_a_delete_is_refused(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)
        type_id = next(iter(org.store.types))

        def to_delete(doc: dict[str, Any]) -> None:
            op = doc["operations"][0]
            op.update(method="DELETE", path=f"/custom_object_type/{type_id}/", body=None)
            doc.pop("digest")  # even without a digest to give it away

        _edit(saved, to_delete)
        _refused(org, saved, "the file says DELETE", "an update of a custom_field is PUT")
        assert type_id in org.store.types


def test_a_request_outside_the_schema_endpoints_is_refused(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)

        def to_lead(doc: dict[str, Any]) -> None:
            doc["operations"][0].update(method="DELETE", path="/lead/lead_abc/", body=None)
            doc.pop("digest")

        _edit(saved, to_lead)
        _refused(org, saved, "/lead/lead_abc/")


def test_an_edited_plan_no_longer_matches_its_digest(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)
        _edit(saved, lambda doc: doc["operations"][0]["body"].update(description="other"))
        _refused(org, saved, "do not match its digest", "the file was changed")


def test_a_body_key_the_api_does_not_take_is_refused(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)

        def add_key(doc: dict[str, Any]) -> None:
            doc["operations"][0]["body"]["custom_object_type_id"] = "cotype_other"
            doc.pop("digest")

        _edit(saved, add_key)
        _refused(org, saved, "keys the API does not take here: custom_object_type_id")


def test_an_unknown_kind_or_a_foreign_id_is_refused(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)
        _edit(saved, lambda doc: (doc["operations"][0].update(kind="lead"), doc.pop("digest")))
        _refused(org, saved, "not a valid schemasync plan")  # the schema's kind enum
        saved = _one_update(tmp_path, org)

        def foreign(doc: dict[str, Any]) -> None:
            op = doc["operations"][0]
            op.update(id="cf_elsewhere", path="/custom_field/custom_object_type/cf_elsewhere/")
            doc.pop("digest")

        _edit(saved, foreign)
        _refused(org, saved, "cf_elsewhere is not a live field of this org")


def test_a_damaged_plan_document_is_refused_clearly(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)
        _edit(saved, lambda doc: doc.update(operations=[{"action": 1}]))
        _refused(org, saved, "not a valid schemasync plan", "operations/0")


def test_a_plan_made_for_another_org_is_refused_with_both_named(tmp_path: Path) -> None:
    with socket_org(new_store(org_name="Staging")) as staging:
        staging_store = staging.store.snapshot()
        saved = _one_update(tmp_path, staging)
        # production: the same schema (same ids, so the fingerprint matches), another org
        org = dict(staging_store["organization"], id="orga_production", name="Production")
        state = dict(staging_store, organization=org)
        with socket_org(Store.from_state(state)) as production:
            res = run_cli(["apply", "--plan", str(saved)], url=production.url)
            assert res.exit_code == 1
            assert "this plan was made for org 'Staging'" in res.stderr
            assert "is org 'Production' (orga_production)" in res.stderr
            assert not production.writes()


def test_the_digest_is_shown_where_a_reviewer_looks(tmp_path: Path) -> None:
    with socket_org() as org:
        saved = _one_update(tmp_path, org)
        digest = json.loads(saved.read_text())["digest"]
        text = run_cli(["plan", str(tmp_path / "b.yaml")], url=org.url).stdout
        markdown = run_cli(["plan", str(tmp_path / "b.yaml"), "--format", "markdown"], url=org.url)
        assert f"Operations digest: {digest}" in text
        assert f"operations digest: <code>{digest}</code>" in markdown.stdout
        report = tmp_path / "report.json"
        applied = run_cli(["apply", "--plan", str(saved), "--report", str(report)], url=org.url)
        assert applied.exit_code == 0, applied.stderr
        assert f"  digest: {digest}" in applied.stderr  # the apply's summary
        assert json.loads(report.read_text())["plan_digest"] == digest


# -- names never collide -------------------------------------------------------------------

COLLIDING = """version: 1
custom_object_types:
  - name: A.B
    name_plural: ABs
    fields:
      - {name: C, type: text, description: "in A.B"}
  - name: A
    name_plural: As
    fields:
      - {name: B.C, type: text, description: "in A"}
      - {name: Ref, type: custom_object, references: A.B}
      - name: Literal
        type: text
        description: "${custom_object_type:A}"
"""


def test_dotted_names_get_their_own_placeholders_and_ids(tmp_path: Path) -> None:
    with socket_org() as org:
        _apply(org, _write(tmp_path, "a.yaml", COLLIDING))
        snap = org.store.snapshot()
        types = {t["name"]: t["id"] for t in snap["custom_object_types"]}
        fields = {(f["custom_object_type_id"], f["name"]): f for f in snap["custom_fields"]}
        assert fields[(types["A.B"], "C")]["description"] == "in A.B"
        assert fields[(types["A"], "B.C")]["description"] == "in A"
        assert fields[(types["A"], "Ref")]["referenced_custom_type_id"] == types["A.B"]
        # free text that reads like a placeholder is sent as written
        assert fields[(types["A"], "Literal")]["description"] == "${custom_object_type:A}"
        again = run_cli(["plan", str(tmp_path / "a.yaml"), "--detailed-exitcode"], url=org.url)
        assert again.exit_code == 0, again.stdout


def test_the_plan_schema_knows_every_kind() -> None:
    from schemasync.kinds import KINDS
    from schemasync.manifest import load_schema

    kinds = load_schema("plan.schema.json")["$defs"]["kind"]["enum"]
    assert sorted(kinds) == sorted(k.name for k in KINDS)


def test_a_field_named_like_a_live_placement_is_not_a_second_field() -> None:
    """Issue 17: a manifest field with the name of a shared field placed on the same object
    (and a placement named like one of the object's own fields) would give the object two
    fields of one name: the plan says what it is instead of creating a duplicate."""
    from schemasync.errors import PlanError
    from schemasync.manifest import load_manifest_text
    from tests.orgs import in_process_org

    org = in_process_org()
    owner = org.store.add("shared_fields", name="Owner", type="user")
    org.store.add("shared_fields", name="Notes", type="text")
    account = org.store.add("custom_object_types", name="Account", name_plural="Accounts")
    on_account = {"custom_object_type_id": account["id"]}
    org.store.associate(owner["id"], object_type="lead")
    org.store.associate(owner["id"], object_type="custom_object_type", **on_account)
    org.store.add("custom_fields", on_account, name="Notes", type="text")
    manifest = load_manifest_text(
        "version: 1\n"
        "custom_object_types:\n"
        "  - name: Account\n"
        "    name_plural: Accounts\n"
        "    fields:\n"
        "      - {name: Owner, type: user}\n"
        "      - shared: Notes\n"
        "lead:\n"
        "  fields:\n"
        "    - {name: Owner, type: user}\n",
        "m.yaml",
    )
    try:
        org.plan(manifest)
    except PlanError as e:
        text = str(e)
    else:
        raise AssertionError("the plan made a second field of one name")
    assert "m.yaml:6:9: Account.Owner: the org has the shared field 'Owner' placed here" in text
    assert "declare it as `shared: Owner`" in text
    assert "m.yaml:10:7: lead:Owner: the org has the shared field 'Owner' placed here" in text
    assert "m.yaml:7:9: Account.Notes: the org has a field 'Notes' of this object's own" in text
    assert "3 plan problems found" in text
