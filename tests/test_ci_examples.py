"""The CI examples in examples/ci/ and the pre-commit hook definition: they parse, and every
`schemasync …` command line in them names a real command with real flags (checked by letting
click parse it), so a rename in the CLI cannot silently break a team's pipeline."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml

from schemasync.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "examples" / "ci" / "github" / "schemasync.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

_OPERATOR = re.compile(r"^[();<>|&]+$")
_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "{"}


def _load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def github_scripts(doc: dict) -> Iterator[str]:
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            if "run" in step:
                yield step["run"]


def gitlab_scripts(doc: dict) -> Iterator[str]:
    for job in doc.values():
        if not isinstance(job, dict):
            continue
        for key in ("before_script", "script", "after_script"):
            value = job.get(key)
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                yield from value


def shell_lines(script: str) -> Iterator[str]:
    """Logical shell lines: continuations joined, heredoc bodies (Python, say) left out."""
    heredoc_end: str | None = None
    pending = ""
    for raw in script.splitlines():
        if heredoc_end is not None:
            if raw.strip() == heredoc_end:
                heredoc_end = None
            continue
        line = f"{pending} {raw.strip()}" if pending else raw
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1]
            continue
        pending = ""
        found = re.search(r"<<-?\s*(['\"]?)(\w+)\1", line)
        if found:
            heredoc_end = found.group(2)
        yield line
    assert not pending, "a line continuation at the end of a script"


def simple_commands(line: str) -> Iterator[list[str]]:
    """The simple commands of one shell line, as words (redirections dropped)."""
    line = re.sub(r"\$\{\{.*?\}\}", "GITHUB_EXPRESSION", line)  # ${{ … }} has spaces
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words: list[str] = []
    skip_target = False
    for token in lexer:
        if skip_target:
            skip_target = False
            continue
        if _OPERATOR.match(token):
            if "<" in token or ">" in token:  # a redirection: the next word is its target
                if words and words[-1].isdigit():  # the 2 of 2>
                    words.pop()
                skip_target = True
                continue
            if words:
                yield words
            words = []
            continue
        words.append(token)
    if words:
        yield words


def schemasync_invocations(scripts: Iterator[str]) -> list[list[str]]:
    """Each `schemasync ARGS` (or `python -m schemasync ARGS`) found, as ARGS."""
    found = []
    for script in scripts:
        for line in shell_lines(script):
            for words in simple_commands(line):
                while words and (words[0] in _KEYWORDS or re.match(r"^\w+=", words[0])):
                    words = words[1:]
                if words[:1] == ["schemasync"]:
                    found.append(words[1:])
                elif len(words) > 2 and words[1:3] == ["-m", "schemasync"]:
                    found.append(words[3:])
    return found


def check_invocation(args: list[str]) -> None:
    """Let click parse the arguments exactly as the real command would (nothing runs)."""
    assert args, "a bare `schemasync`"
    assert args[0] in cli.commands, f"no command {args[0]!r} in: schemasync {' '.join(args)}"
    command = cli.commands[args[0]]
    try:
        command.make_context(f"schemasync {args[0]}", list(args[1:]))
    except click.ClickException as e:
        pytest.fail(f"schemasync {' '.join(args)}: {e.format_message()}")


def _flags(invocations: list[list[str]], command: str) -> set[str]:
    return {
        a.split("=")[0]
        for args in invocations
        if args[0] == command
        for a in args
        if a.startswith("-")
    }


def test_the_scanner_sees_what_a_shell_would() -> None:
    script = (
        'code=0\nschemasync plan "$M" --format markdown \\\n  --out p.json > p.md 2>&1 '
        '|| code=$?\nif [ -n "$X" ]; then schemasync validate a b; fi\n'
        "python3 - <<'PY'\nschemasync frobnicate\nPY\nx=$(python -m schemasync schema)\n"
        "echo schemasync apply --bogus\n"
    )
    assert schemasync_invocations(iter([script])) == [
        ["plan", "$M", "--format", "markdown", "--out", "p.json"],
        ["validate", "a", "b"],
        ["schema"],
    ]
    with pytest.raises(pytest.fail.Exception):
        check_invocation(["plan", "x", "--formt", "markdown"])
    with pytest.raises(pytest.fail.Exception):
        check_invocation(["plan", "x", "--format", "html"])
    with pytest.raises(AssertionError):
        check_invocation(["frobnicate"])


def test_github_workflow() -> None:
    doc = _load(GITHUB)
    assert isinstance(doc, dict)
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push", "schedule"} <= set(on)
    assert {"plan", "apply", "drift"} <= set(doc["jobs"])
    for job in doc["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.search(r"@v\d+$", step["uses"]), step["uses"]
    scripts = list(github_scripts(doc))
    for script in scripts:  # the key reaches schemasync through env: only, never a command
        assert "secrets." not in script and "CLOSE_API_KEY" not in script
    assert "${{ secrets.CLOSE_API_KEY }}" in GITHUB.read_text(encoding="utf-8")
    check_pipeline(scripts)


def check_pipeline(scripts: list[str]) -> None:
    """Every schemasync command line parses; the pipeline validates, plans and applies a
    saved plan with a report."""
    invocations = schemasync_invocations(iter(scripts))
    for args in invocations:
        check_invocation(args)
    assert {"validate", "plan", "apply"} <= {args[0] for args in invocations}
    assert {"--format", "--out", "--detailed-exitcode"} <= _flags(invocations, "plan")
    assert {"--plan", "--report"} <= _flags(invocations, "apply")


def test_gitlab_pipeline() -> None:
    doc = _load(GITLAB)
    assert isinstance(doc, dict)
    jobs = {
        name: job
        for name, job in doc.items()
        if isinstance(job, dict) and not name.startswith(".") and "script" in job
    }
    assert {
        "schemasync-validate",
        "schemasync-plan",
        "schemasync-apply",
        "schemasync-drift",
    } <= set(jobs)
    for name, job in doc.items():
        if isinstance(job, dict) and "extends" in job:
            assert job["extends"] in doc, f"{name} extends an unknown {job['extends']}"
    for job in jobs.values():
        assert job["stage"] in doc["stages"]
    scripts = list(gitlab_scripts(doc))
    for script in scripts:
        assert "CLOSE_API_KEY" not in script
    check_pipeline(scripts)


def test_pre_commit_hooks() -> None:
    hooks = _load(HOOKS)
    assert isinstance(hooks, list)
    by_id = {hook["id"]: hook for hook in hooks}
    hook = by_id["schemasync-validate"]
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    assert files.search("schema/crm.yaml") and files.search("manifests/a/b.yml")
    assert not files.search("docs/mkdocs.yml") and not files.search("schema/readme.md")
    invocations = schemasync_invocations(iter([hook["entry"]]))
    assert invocations == [["validate"]]
    check_invocation([*invocations[0], "schema/crm.yaml", "schema/other.yaml"])


def test_ci_readme_names_what_to_set() -> None:
    text = (ROOT / "examples" / "ci" / "README.md").read_text(encoding="utf-8")
    for needle in (
        "CLOSE_API_KEY",
        "SCHEMASYNC_MANIFEST",
        "SCHEMASYNC_ENV",
        "SCHEMASYNC_GITLAB_TOKEN",
        ".github/workflows/schemasync.yml",
    ):
        assert needle in text, needle
