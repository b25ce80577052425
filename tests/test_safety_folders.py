"""A directory manifest reads what the user wrote (issue 12, item 5).

Before: sub-folders and `*.YAML` files were skipped without a word, so `plan --prune` planned
to delete every type declared there. Now a directory is read with its sub-directories, in the
order of the files' relative paths, `.yaml`/`.yml` in any case; hidden files and folders are
left out; the environments file and every other file are named in a warning on stderr (never
on stdout); a symbolic link back to a folder already read is not followed twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemasync.manifest import load_manifest
from tests.serving import assert_clean, fast_clients, run_cli, socket_org
from tests.test_safety_reports import org_from

ROOT = Path(__file__).resolve().parent.parent

FLAT = """\
version: 1
custom_object_types:
  - {name: Account, name_plural: Accounts, fields: [{name: Seats, type: number}]}
  - {name: Project, name_plural: Projects}
  - {name: Ticket, name_plural: Tickets}
"""
ENVIRONMENTS = """\
environments:
  staging: {api_url: "http://127.0.0.1:9/api/v1", api_key_env: STAGING_KEY}
"""


def one_type(name: str, plural: str) -> str:
    return f"version: 1\ncustom_object_types:\n  - {{name: {name}, name_plural: {plural}}}\n"


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    """A manifest split over folders, as a team would grow it, with files that are not part
    of it: a README, the environments file, an editor backup and a .git folder."""
    root = tmp_path / "schema"
    (root / "more" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "account.yaml").write_text(
        "version: 1\ncustom_object_types:\n  - name: Account\n    name_plural: Accounts\n"
        "    fields: [{name: Seats, type: number}]\n",
        encoding="utf-8",
    )
    (root / "more" / "Project.YAML").write_text(one_type("Project", "Projects"), encoding="utf-8")
    (root / "more" / "deeper" / "ticket.Yml").write_text(
        one_type("Ticket", "Tickets"), encoding="utf-8"
    )
    (root / "README.md").write_text("# Our schema\n", encoding="utf-8")
    (root / "schemasync.yaml").write_text(ENVIRONMENTS, encoding="utf-8")
    (root / ".account.yaml.swp").write_text("not: [yaml", encoding="utf-8")
    (root / ".backup.yaml").write_text("not: [yaml", encoding="utf-8")
    (root / ".git" / "config.yaml").write_text("not: [yaml", encoding="utf-8")
    return root


def warnings_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Warning: ")]


def expected_warnings(root: Path) -> list[str]:
    return [
        f"Warning: {root / 'README.md'}: skipped (not a *.yaml or *.yml file)",
        f"Warning: {root / 'schemasync.yaml'}: skipped (the environments file is not part of "
        "the manifest)",
    ]


def test_validate_reads_sub_folders_and_names_the_files_it_skips(schema: Path) -> None:
    result = run_cli(["validate", str(schema)], key=None)
    assert_clean(result)
    assert result.exit_code == 0, result.stderr
    assert "is valid: 3 type(s), 1 field(s) in 3 file(s)." in result.stderr
    assert warnings_of(result.stderr) == expected_warnings(schema)
    assert ".backup" not in result.stderr and ".git" not in result.stderr
    assert result.stdout == ""


def test_files_are_read_in_the_order_of_their_relative_paths(tmp_path: Path) -> None:
    for rel in ("b/c.yaml", "b.yaml", "a/z/y.yml", "A.YAML", "a.yaml"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        name = rel.replace("/", "_").replace(".", "_")
        path.write_text(one_type(f"T_{name}", f"Ts_{name}"), encoding="utf-8")
    m = load_manifest(str(tmp_path))
    rels = [os.path.relpath(s, tmp_path).replace(os.sep, "/") for s in m.sources]
    assert rels == ["A.YAML", "a.yaml", "a/z/y.yml", "b.yaml", "b/c.yaml"]  # plain string order
    assert not [w for w in m.warnings if "skipped" in w]  # every file was read


def test_plan_prune_keeps_the_types_declared_in_sub_folders(
    schema: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: `plan --prune` planned to delete Project and Ticket (their files were not read)."""
    with fast_clients(monkeypatch), socket_org(org_from(FLAT)) as org:
        result = run_cli(["plan", str(schema), "--prune", "--detailed-exitcode"], url=org.url)
        assert_clean(result)
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "No changes" in result.stdout
        assert "Warning" not in result.stdout  # stdout stays the plan alone
        assert warnings_of(result.stderr) == expected_warnings(schema)


def test_apply_names_the_files_it_skips_on_stderr(
    schema: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fast_clients(monkeypatch), socket_org(org_from(FLAT)) as org:
        result = run_cli(["apply", str(schema), "--prune", "--auto-approve"], url=org.url)
        assert_clean(result)
        assert result.exit_code == 0, result.stderr
        assert "No changes" in result.stdout and "Warning" not in result.stdout
        assert warnings_of(result.stderr) == expected_warnings(schema)
        assert org.writes() == []


def test_a_folder_with_no_manifest_file_names_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "schemasync.yml").write_text(ENVIRONMENTS, encoding="utf-8")
    result = run_cli(["validate", str(tmp_path)], key=None)
    assert result.exit_code == 1
    assert (
        f"{tmp_path}: no *.yaml or *.yml files in this directory or its sub-directories "
        "(skipped: notes.txt, schemasync.yml)"
    ) in result.stderr


def test_a_symlink_loop_is_read_once_and_named(schema: Path) -> None:
    """`validate` in its own process, bounded in time: a loop must not hang it. A real folder
    is read where it is; a link to it is the one skipped, whatever the names' order."""
    (schema / "more" / "back").symlink_to(schema, target_is_directory=True)
    (schema / "again").symlink_to(schema / "more", target_is_directory=True)
    (schema / "gone.yaml").symlink_to(schema / "missing.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSE_", "SCHEMASYNC_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "schemasync", "validate", str(schema)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "is valid: 3 type(s), 1 field(s) in 3 file(s)." in proc.stderr
    assert sorted(warnings_of(proc.stderr)) == sorted(
        [
            *expected_warnings(schema),
            f"Warning: {schema / 'again'}: skipped (a link to a folder that is read already)",
            f"Warning: {schema / 'more' / 'back'}: skipped (a link to a folder that is read "
            "already)",
            f"Warning: {schema / 'gone.yaml'}: skipped (not a regular file)",
        ]
    )
