"""The confirmation prompt, answered on a real terminal (a pseudo-terminal) by the test.

- Declining is not a failure (issue 13): exit 1 as documented, "apply cancelled; nothing was
  changed", and `result: declined` in the summary and the audit record.
- The answer may take a while (issue 12, item 6): `apply MANIFEST` reads the org again after
  it, right before the first write, and refuses when the org changed since the plan shown.
- `remove-duplicate` asks the same way.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemasync.client import CloseClient
from schemasync.live import TYPES_PATH
from tests.orgs import KEY
from tests.serving import SocketOrg, socket_org
from tests.test_safety_reports import ADDED, START, org_from, write

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0  # seconds for one run, whatever happens
PROMPT = "[y/N]: "


def on_terminal(
    org: SocketOrg, args: list[str], answer: bytes, before_answer: Callable[[], None] = lambda: None
) -> tuple[int, str]:
    """Run `schemasync ARGS` with a terminal for stdin, stdout and stderr; type `answer` at
    the prompt (after `before_answer`). Its exit code and everything it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSE_", "SCHEMASYNC_"))}
    env.update(CLOSE_API_KEY=KEY, CLOSE_API_URL=org.url, NO_COLOR="1", TERM="dumb")
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "schemasync", *args],
        cwd=ROOT,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + TIMEOUT
    answered = False
    try:
        while time.monotonic() < deadline:
            if not answered and PROMPT.encode() in output:
                before_answer()
                os.write(master, answer)
                answered = True
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                if proc.poll() is not None and answered:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    assert answered, f"no prompt:\n{text}"
    return code, text


@pytest.fixture
def org() -> Iterator[SocketOrg]:
    with socket_org(org_from(START)) as served:
        yield served


def test_declining_is_recorded_as_declined(org: SocketOrg, tmp_path: Path) -> None:
    """Before: `result: failed` (the same as an API error)."""
    manifest = write(tmp_path, ADDED)
    report = tmp_path / "report.json"
    code, out = on_terminal(org, ["apply", manifest, "--report", str(report)], b"n\n")
    assert code == 1, out
    assert "Apply these 1 operation(s) to " in out and "org 'Emulated Org'" in out
    assert "Summary: declined: nothing applied (1 operation(s) planned)" in out
    assert out.rstrip().splitlines()[-1] == "Error: apply cancelled; nothing was changed"
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["result"] == "declined"
    assert doc["error"] == "apply cancelled; nothing was changed"
    assert [op["address"] for op in doc["operations"]["not_attempted"]] == ["Project"]
    assert org.writes() == []


def test_end_of_input_at_the_prompt_declines_too(org: SocketOrg, tmp_path: Path) -> None:
    manifest = write(tmp_path, ADDED)
    code, out = on_terminal(org, ["apply", manifest], b"\x04")  # Ctrl-D
    assert code == 1, out
    assert "Summary: declined: " in out
    assert "Traceback" not in out and org.writes() == []


def test_yes_applies(org: SocketOrg, tmp_path: Path) -> None:
    manifest = write(tmp_path, ADDED)
    code, out = on_terminal(org, ["apply", manifest], b"y\n")
    assert code == 0, out
    assert "Summary: applied: 1 of 1 operation(s) applied (1 created)" in out
    assert org.names()["Project"] == 1


def test_an_org_changed_while_the_prompt_waited_is_refused(org: SocketOrg, tmp_path: Path) -> None:
    """Another apply creates Project while this one waits for its answer. Before: the yes sent
    the planned POST anyway, and the org held two types named Project."""
    manifest = write(tmp_path, ADDED)

    def another_apply() -> None:
        with CloseClient(KEY, base_url=org.url) as client:
            client.post(TYPES_PATH, {"name": "Project", "name_plural": "Projects"})

    code, out = on_terminal(org, ["apply", manifest], b"y\n", another_apply)
    assert code == 1, out
    assert out.rstrip().splitlines()[-1] == (
        "Error: the org changed after the plan above was made (another apply, or a change in "
        "Close?): nothing was applied; run apply again to plan against the org as it is now"
    )
    assert org.names()["Project"] == 1
    assert [m for m, _, _ in org.writes()] == ["POST"]  # the other apply's, none of this one's


@pytest.mark.parametrize(("answer", "removed"), [(b"y\n", True), (b"n\n", False)])
def test_remove_duplicate_asks_on_the_terminal(
    org: SocketOrg, answer: bytes, removed: bool
) -> None:
    with CloseClient(KEY, base_url=org.url) as client:
        extra = client.post(TYPES_PATH, {"name": "Account", "name_plural": "Accounts"})["id"]
    org.app.reset_log()
    code, out = on_terminal(org, ["remove-duplicate", extra], answer)
    assert f"Delete custom_object_type Account ({extra}) from " in out
    if removed:
        assert code == 0, out
        assert org.names()["Account"] == 1
        assert [m for m, _, _ in org.writes()] == ["DELETE"]
    else:
        assert code == 1, out
        assert out.rstrip().splitlines()[-1] == (
            "Error: remove-duplicate cancelled; nothing was removed"
        )
        assert org.names()["Account"] == 2 and org.writes() == []
