"""The CI examples in examples/ci/ and the pre-commit hook definition: they parse, every
`schemasync …` command line in them names a real command with real flags (checked by letting
click parse it), they follow each platform's rules for production changes, and the linters
their users run (zizmor, check-jsonschema with the platforms' schemas) find nothing, offline.
Also: .ci/constraints-min.txt pins exactly the lower bounds pyproject.toml declares."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml

import schemasync
from schemasync.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "examples" / "ci" / "github" / "schemasync.yml"
GITHUB_APPLY = ROOT / "examples" / "ci" / "github" / "schemasync-apply.yml"
GITLAB = ROOT / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
# Every network request a linter tries goes to a closed port and fails: the tests are offline.
OFFLINE = {
    **{
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("no_proxy", "gh_token", "github_token", "zizmor_github_token")
    },
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "ZIZMOR_OFFLINE": "true",
}

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


def _jobs_with_key(doc: dict, secret: str) -> set[str]:
    """The jobs whose env: hands secrets.SECRET to the steps."""
    return {
        name
        for name, job in doc["jobs"].items()
        if any(f"secrets.{secret} " in str(v) + " " for v in (job.get("env") or {}).values())
    }


def _pinned_spec(doc: dict) -> str:
    spec = (
        doc["env"]["SCHEMASYNC_PIP_SPEC"]
        if "jobs" in doc
        else doc["variables"]["SCHEMASYNC_PIP_SPEC"]
    )
    # This project, by an exact version or commit: never a bare name (the package index's
    # `schemasync` is somebody else's MySQL tool).
    assert spec == f"close-schemasync=={schemasync.__version__}" or re.fullmatch(
        r"close-schemasync @ git\+https://\S+@[0-9a-f]{40}", spec
    ), spec
    return spec


def test_github_workflows() -> None:
    plans, applies = _load(GITHUB), _load(GITHUB_APPLY)
    assert isinstance(plans, dict) and isinstance(applies, dict)
    on = plans.get("on", plans.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "schedule"} <= set(on) and "push" not in on
    on_apply = applies.get("on", applies.get(True))
    assert set(on_apply) == {"push", "workflow_dispatch"}
    assert {"validate", "plan", "drift"} <= set(plans["jobs"])
    assert set(applies["jobs"]) == {"plan", "apply"}

    for doc in (plans, applies):
        _pinned_spec(doc)
        assert doc["permissions"] == {}  # each job asks for what it needs
        for job in doc["jobs"].values():
            for step in job["steps"]:
                if "uses" in step:  # pinned to a commit, as zizmor asks
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step
        for script in github_scripts(doc):  # keys reach schemasync through env: only
            assert "secrets." not in script and "CLOSE_API_KEY" not in script

    # Pull requests and drift checks read with the read-only key, never the production key.
    assert _jobs_with_key(plans, "CLOSE_API_KEY_PLAN") == {"plan", "drift"}
    assert not _jobs_with_key(plans, "CLOSE_API_KEY")
    assert "secrets.CLOSE_API_KEY }}" not in GITHUB.read_text(encoding="utf-8")
    # Forks get no secrets: their pull requests are validated, not planned.
    assert plans["jobs"]["plan"]["if"] == (
        "github.event.pull_request.head.repo.full_name == github.repository"
    )
    assert "secrets" not in str(plans["jobs"]["validate"])

    # The write key only in the apply job, which runs in the protected environment, on the
    # default branch, one at a time per environment, queued and never cancelled.
    assert _jobs_with_key(applies, "CLOSE_API_KEY") == {"apply"}
    apply = applies["jobs"]["apply"]
    assert apply["environment"] == "production" and apply["needs"] == "plan"
    assert applies["jobs"]["plan"]["if"] == (
        "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    )
    assert applies["concurrency"] == {
        "group": "schemasync-apply-production",
        "cancel-in-progress": False,
        "queue": "max",
    }
    apply_text = GITHUB_APPLY.read_text(encoding="utf-8")
    assert "No reviewed plan to compare with" in apply_text  # no artifact: plan, not fail

    scripts = [*github_scripts(plans), *github_scripts(applies)]
    check_pipeline(scripts)
    drift = schemasync_invocations(github_scripts({"jobs": {"d": plans["jobs"]["drift"]}}))
    assert any({"--detailed-exitcode", "--fail-on-unmanaged"} <= set(a) for a in drift), drift


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
    _pinned_spec(doc)
    scripts = list(gitlab_scripts(doc))
    for script in scripts:
        assert "CLOSE_API_KEY" not in script

    plan, apply, drift = (jobs[f"schemasync-{j}"] for j in ("plan", "apply", "drift"))
    # Merge requests plan the merge result with the read-only key.
    assert plan["variables"]["CLOSE_API_KEY"] == "$CLOSE_API_KEY_PLAN"
    assert drift["variables"]["CLOSE_API_KEY"] == "$CLOSE_API_KEY_PLAN"
    assert "merged_result" in plan["script"][0] and "merge --no-edit" in plan["script"][0]
    assert all("merge_request_event" in r["if"] for r in plan["rules"])
    # Applies: default branch only, protected environment, one at a time, never interrupted.
    assert all("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in r["if"] for r in apply["rules"])
    assert apply["environment"]["name"] == "production"
    assert apply["resource_group"] == "schemasync-production"
    assert apply["interruptible"] is False
    assert "CLOSE_API_KEY" not in str(apply.get("variables", {}))  # the protected variable
    check_pipeline(scripts)
    drifts = schemasync_invocations(iter(drift["script"]))
    assert any({"--detailed-exitcode", "--fail-on-unmanaged"} <= set(a) for a in drifts)


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is missing: install the test extras (pip install '.[test]')"
    return str(path)


def test_zizmor_finds_nothing_offline() -> None:
    res = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-config",
            "--format",
            "json",
            "--persona",
            "pedantic",
            str(GITHUB),
            str(GITHUB_APPLY),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=OFFLINE,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    findings = json.loads(res.stdout)
    assert findings == [], [(f["ident"], f["desc"]) for f in findings]


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-workflows", GITHUB),
        ("vendor.github-workflows", GITHUB_APPLY),
        ("vendor.gitlab-ci", GITLAB),
    ],
)
def test_the_platforms_schemas_accept_the_examples(schema: str, path: Path) -> None:
    res = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=OFFLINE,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_linters_catch_what_they_are_here_for(tmp_path: Path) -> None:
    # A secret in a pull-request job's script, an unpinned action, a misspelt key: each fails.
    bad = tmp_path / "bad.yml"
    bad.write_text(
        GITHUB.read_text(encoding="utf-8")
        .replace(
            'run: schemasync validate "$SCHEMASYNC_MANIFEST"',
            "run: echo ${{ github.event.pull_request.title }}",
        )
        .replace("permissions: {}", "permisions: {}")
    )
    zizmor = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-config", "--format", "json", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        env=OFFLINE,
        timeout=120,
    )
    assert "template-injection" in {f["ident"] for f in json.loads(zizmor.stdout)}
    schema = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        env=OFFLINE,
        timeout=120,
    )
    assert schema.returncode == 1 and "permisions" in schema.stdout


def test_pre_commit_hooks() -> None:
    hooks = _load(HOOKS)
    assert isinstance(hooks, list)
    by_id = {hook["id"]: hook for hook in hooks}
    # The default hook validates the README's layout, schema/ split over files, as one
    # manifest: file by file, a `references` to a type in another file would fail.
    default = by_id["schemasync-validate"]
    assert default["pass_filenames"] is False and default["args"] == ["schema/"]
    files = re.compile(default["files"])
    assert files.search("schema/crm.yaml") and files.search("schema/a/b.yml")
    assert not files.search("docs/mkdocs.yml") and not files.search("schema/readme.md")
    each = by_id["schemasync-validate-files"]
    assert each["pass_filenames"] is True and re.search(each["files"], "manifests/a.yaml")
    for hook in (default, each):
        assert hook["language"] == "python"
        invocations = schemasync_invocations(iter([hook["entry"]]))
        assert invocations == [["validate"]]
        check_invocation([*invocations[0], *hook.get("args", []), "a.yaml", "b.yaml"])


def test_ci_readme_names_what_to_set() -> None:
    text = (ROOT / "examples" / "ci" / "README.md").read_text(encoding="utf-8")
    for needle in (
        "CLOSE_API_KEY",
        "CLOSE_API_KEY_PLAN",
        "SCHEMASYNC_MANIFEST",
        "SCHEMASYNC_ENV",
        "SCHEMASYNC_GITLAB_TOKEN",
        ".github/workflows/schemasync.yml",
        ".github/workflows/schemasync-apply.yml",
        "close-schemasync==",
        "--fail-on-unmanaged",
        "merged results pipelines",
        "required reviewers",
        "queue: max",
    ):
        assert needle in text, needle


# -- dependencies ------------------------------------------------------------------------------


def _lower_bounds() -> dict[str, str]:
    """`name>=X` / `name==X` of pyproject.toml's dependencies and test extras, lower-cased."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("dependencies = [") : text.index("[project.scripts]")]
    found = re.findall(r'^\s*"([A-Za-z0-9_.-]+)(>=|==)([^",;\s]+)', block, re.M)
    return {name.lower(): version for name, _, version in found}


def test_the_minimum_constraints_pin_every_declared_lower_bound() -> None:
    pins = {}
    for line in (ROOT / ".ci" / "constraints-min.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    bounds = _lower_bounds()
    assert set(pins) == set(bounds)
    for name, version in bounds.items():  # 4.18 and 4.18.0 are the same minimum
        assert pins[name].split(".")[: len(version.split("."))] == version.split("."), name
    assert "deepdiff" not in bounds  # nothing imports it


def test_every_runtime_dependency_is_imported() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    runtime = text[text.index("dependencies = [") : text.index("[project.optional-dependencies]")]
    names = re.findall(r'^\s*"([A-Za-z0-9_.-]+)[><=]', runtime, re.M)
    modules = {"pyyaml": "yaml"}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "schemasync").rglob("*.py"))
    for name in names:
        module = modules.get(name.lower(), name.lower())
        assert re.search(rf"^\s*(import|from) {module}\b", source, re.M), name
