"""The fast entry point answers --help, --version and `validate PATH...` exactly as the click
command line does, without importing click (or jsonschema, for a valid manifest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from schemasync import help_text
from schemasync.cli import cli
from schemasync.launcher import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "crm.yaml")
INVALID = sorted(str(p) for p in (ROOT / "tests" / "cases" / "invalid").glob("*/manifest.yaml"))


def launch(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def clicked(args: list[str]) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, args, catch_exceptions=False, prog_name="schemasync")
    return res.exit_code, res.stdout, res.stderr


def test_help_text_is_clicks() -> None:
    rendered = clicked(["--help"])[1]
    if os.environ.get("SCHEMASYNC_REGEN") == "1":
        Path(help_text.__file__).write_text(
            '"""`schemasync --help`, as click renders it; tests/test_launcher.py keeps it '
            'identical."""\n\nTOP_LEVEL_HELP = ' + repr(rendered) + "\n",
            encoding="utf-8",
        )
        help_text.TOP_LEVEL_HELP = rendered
    assert help_text.TOP_LEVEL_HELP == rendered, "run with SCHEMASYNC_REGEN=1"


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["--version"],
        ["validate", EXAMPLE],
        ["validate", EXAMPLE, INVALID[0]],
        *(["validate", p] for p in INVALID[:12]),
        ["validate", "does/not/exist.yaml"],
    ],
)
def test_same_output_as_click(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert launch(args, capsys) == clicked(args)


def test_everything_else_goes_to_click(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = launch(["validate", "--help"], capsys)
    assert code == 0 and "Usage: schemasync validate" in out
    assert launch(["--bogus"], capsys)[0] == 64


@pytest.mark.parametrize(
    "args,absent",
    [
        (["--help"], ["click", "yaml", "httpx", "jsonschema"]),
        (["--version"], ["click", "yaml", "httpx", "jsonschema"]),
        (["validate", EXAMPLE], ["click", "httpx", "jsonschema", "deepdiff"]),
    ],
)
def test_heavy_modules_are_not_imported(args: list[str], absent: list[str]) -> None:
    probe = (
        "import sys\nfrom schemasync.launcher import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {absent!r} if m in sys.modules))"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert res.stdout.strip().splitlines()[-1] == "[]", res.stdout
