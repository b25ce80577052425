"""The API key never shows: every command, on success and failure paths, with `--json`, `--out`,
`--report`, SCHEMASYNC_DEBUG=1 and DEBUG logging, is run with recognisable keys; neither a key
nor its Basic-auth encoding may appear on stdout, stderr, in any file written or any log record.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import schemasync.flow
import schemasync.live
from schemasync.emulator import EmulatorTransport, run_emulator
from tests.serving import SocketOrg, fast_clients, run_cli, socket_org
from tests.test_faults import AFTER, BEFORE

KEY = "sk_LEAKCANARY_5f0c2b9e7a1d43c8b6e2"
WRONG = "sk_WRONGCANARY_9d8c7b6a5f4e3d2c"
OTHER = "sk_OTHERCANARY_0a1b2c3d4e5f6a7b"  # the second org's key, for promote and diff


def encodings(key: str) -> list[str]:
    basic = base64.b64encode(f"{key}:".encode()).decode()
    return [key, basic, basic.rstrip("="), base64.b64encode(key.encode()).decode().rstrip("=")]


SECRETS = [s for k in (KEY, WRONG, OTHER) for s in encodings(k)] + ["CANARY"]


@contextmanager
def fresh_process() -> Iterator[None]:
    """Forget the secrets earlier in-process runs taught the CLI to redact, as a new process
    would: otherwise one run's redaction list could hide the next run's leak."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(schemasync.flow, "_SECRETS", set())
        yield


class Outputs:
    """Everything a user or a log collector could see, labelled by the command that made it."""

    def __init__(self, tmp: Path, caplog: pytest.LogCaptureFixture) -> None:
        self.tmp, self.caplog = tmp, caplog
        self.seen: list[tuple[str, str]] = []
        self.codes: dict[str, int] = {}

    def run(
        self,
        label: str,
        args: list[str],
        *,
        url: str | None,
        key: str | None = KEY,
        env: dict[str, str] | None = None,
        flag_key: bool = False,
    ) -> int:
        if flag_key and key is not None:
            args = [*args, "--api-key", key]
            key = None
        with fresh_process():
            result = run_cli(args, url=url, key=key, env=env)
        self.seen += [(f"{label}: stdout", result.stdout), (f"{label}: stderr", result.stderr)]
        self.codes[label] = result.exit_code
        return result.exit_code

    def check(self) -> None:
        texts = list(self.seen)
        for path in sorted(self.tmp.rglob("*")):
            if path.is_file():
                texts.append((f"file {path.name}", path.read_bytes().decode("utf-8", "replace")))
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in self.caplog.records:
            texts.append((f"log {record.name}", formatter.format(record)))
        assert len(texts) > 20
        leaks = [(label, secret) for label, text in texts for secret in SECRETS if secret in text]
        assert not leaks, leaks


def manifest(tmp: Path, name: str, text: str) -> str:
    path = tmp / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def echoing_transport(how: str) -> httpx.MockTransport:
    """A server that repeats the credentials it was sent back in its answers."""

    def handle(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization", "")
        echo = f"{auth} {KEY} {base64.b64decode(auth.split()[-1]).decode()}"
        if how == "500":
            return httpx.Response(500, text=f"<html><body>{echo}</body></html>")
        if how == "400":
            return httpx.Response(400, json={"error": echo, "field-errors": {"name": echo}})
        if how == "401":
            return httpx.Response(401, json={"error": f"Unauthorized: {echo}"})
        return httpx.Response(200, text=f"not json {echo}")  # 200 that does not parse

    return httpx.MockTransport(handle)


@contextmanager
def two_orgs() -> Iterator[tuple[SocketOrg, SocketOrg]]:
    with socket_org(api_keys={KEY}) as a, socket_org(api_keys={OTHER}) as b:
        yield a, b


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("key_from", ["env", "flag"])
def test_no_command_ever_shows_the_key(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    debug: bool,
    key_from: str,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: schemasync, httpx, httpcore
    caplog.set_level(logging.DEBUG, logger="schemasync")
    if debug:
        monkeypatch.setenv("SCHEMASYNC_DEBUG", "1")
    env = {"SCHEMASYNC_DEBUG": "1"} if debug else {}
    out = Outputs(tmp_path, caplog)
    flag = key_from == "flag"
    before, after = manifest(tmp_path, "before", BEFORE), manifest(tmp_path, "after", AFTER)
    bad = manifest(tmp_path, "bad", "version: 1\ncustom_object_types:\n  - name: A\n")
    plan1, plan2 = str(tmp_path / "plan1.json"), str(tmp_path / "plan2.json")
    report = [str(tmp_path / f"report{i}.json") for i in range(5)]
    flags = ["--prune", "--allow-replace"]
    apply_after = ["apply", after, "--auto-approve", *flags]

    def check(code: int, label: str, *args: str, url: str | None = None, **kw: Any) -> None:
        kw.setdefault("flag_key", flag)
        kw.setdefault("env", env)
        assert out.run(label, list(args), url=url, **kw) == code, (label, out.seen[-1][1])

    with fast_clients(monkeypatch), two_orgs() as (org, other):
        url = org.url
        check(0, "validate", "validate", before, key=None)
        check(1, "validate bad", "validate", bad, key=None)
        check(0, "plan", "plan", before, url=url)
        check(0, "plan --json", "plan", before, "--json", url=url)
        check(0, "plan --markdown", "plan", before, "--format", "markdown", url=url)
        check(2, "plan --out", "plan", before, "--out", plan1, "--detailed-exitcode", url=url)
        check(0, "apply --plan", "apply", "--plan", plan1, "--report", report[1], url=url)
        check(0, "plan --out 2", "plan", after, "--out", plan2, *flags, url=url)
        check(0, "apply, no changes", "apply", before, "--auto-approve", url=url)
        org.app.faults.add(method="PUT", path="/custom_field/", action="503", times=None)
        check(3, "apply partway", *apply_after, "--report", report[2], url=url)
        org.app.faults.clear()
        check(1, "apply --plan stale", "apply", "--plan", plan2, "--report", report[3], url=url)
        check(1, "apply no tty", "apply", after, *flags, url=url)
        check(1, "apply bad manifest", "apply", bad, "--auto-approve", url=url)
        check(1, "plan bad manifest", "plan", bad, url=url)
        check(0, "export", "export", url=url)
        check(0, "export -o", "export", "-o", str(tmp_path / "export.yaml"), url=url)
        org.app.faults.add(method="GET", path="/custom_object_type/", action="500", times=None)
        check(1, "plan 500", "plan", after, url=url)
        check(1, "export 500", "export", url=url)
        org.app.faults.clear()
        org.app.faults.add(method="DELETE", path="", action="drop", times=None)
        check(3, "apply dropped", *apply_after, url=url)
        org.app.faults.clear()
        check(1, "plan wrong key", "plan", after, url=url, key=WRONG)
        check(1, "apply wrong key", "apply", after, "--auto-approve", url=url, key=WRONG)
        check(1, "export wrong key", "export", url=url, key=WRONG)
        check(1, "no key", "plan", after, url=url, key=None, flag_key=False)

        # Promotion between two orgs whose keys come from variables named in the config.
        config = tmp_path / "schemasync.yaml"
        config.write_text(
            f"version: 1\nenvironments:\n"
            f"  staging: {{api_url: '{org.url}', api_key_env: STAGING_KEY}}\n"
            f"  prod: {{api_url: '{other.url}', api_key_env: PROD_KEY}}\n"
        )
        conf = ["--config", str(config)]
        keys = {"env": {"STAGING_KEY": KEY, "PROD_KEY": OTHER, **env}, "key": None}
        check(0, "plan --env", "plan", after, "--env", "staging", *conf, **keys)
        check(2, "diff", "diff", "--from", "staging", "--to", "prod", *conf, **keys)
        promote = ["promote", "--from", "staging", "--to", "prod", "--apply", "--auto-approve"]
        promoted = ["--json", "--out", str(tmp_path / "promote.json"), *conf]
        check(0, "promote", *promote, *promoted, **keys)
        check(0, "diff again", "diff", "--from", "staging", "--to", "prod", *conf, **keys)
        unset = {"env": {"STAGING_KEY": KEY, **env}, "key": None}
        check(1, "env key unset", "plan", after, "--env", "prod", *conf, **unset)

    # Servers that echo the credentials back in errors and bodies.
    for how in ("500", "400", "401", "200"):
        with pytest.MonkeyPatch.context() as mp, fast_clients(mp, transport=echoing_transport(how)):
            echo = "http://echo.test/api/v1"
            check(1, f"echo {how} plan", "plan", after, url=echo)
            check(1, f"echo {how} apply", "apply", after, "--auto-approve", url=echo)
            check(1, f"echo {how} export", "export", url=echo)

    # A bug deep inside, with the key in its message: "internal error", traceback if debug.
    def boom(_raw: Any) -> Any:
        raise RuntimeError(f"boom {KEY} {encodings(KEY)[1]}")

    with pytest.MonkeyPatch.context() as mp, socket_org(api_keys={KEY}) as org:
        mp.setattr(schemasync.live, "parse_live", boom)
        check(1, "internal error", "plan", after, url=org.url)
    assert "internal error" in out.seen[-1][1]
    assert ("Traceback" in out.seen[-1][1]) == debug

    assert all(Path(r).exists() for r in report[1:4]) and (tmp_path / "promote.json").exists()
    out.check()


def test_the_emulator_never_prints_its_key() -> None:
    stream, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(
        target=run_emulator, args=(0, None, KEY, None, stream), kwargs={"stop": stop}
    )
    thread.start()
    deadline = time.monotonic() + 10
    while "Press Ctrl-C" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(10)
    text = stream.getvalue()
    assert "Press Ctrl-C" in text and "Emulator stopped." in text
    assert not [s for s in SECRETS if s in text]


def test_a_key_pasted_as_api_key_env_is_not_printed(tmp_path: Path) -> None:
    config = tmp_path / "schemasync.yaml"
    config.write_text(f"version: 1\nenvironments:\n  prod: {{api_key_env: {KEY}}}\n")
    with fresh_process():
        result = run_cli(["plan", "m.yaml", "--env", "prod", "--config", str(config)], key=None)
    assert result.exit_code == 1
    assert KEY not in result.output


def test_in_process_client_events_and_errors_hide_the_key(caplog: pytest.LogCaptureFixture) -> None:
    """The client's own events (retries, waits, adoptions) and errors, without the CLI."""
    from schemasync.client import CloseClient
    from schemasync.emulator import EmulatorApp, Store
    from schemasync.errors import ApiError

    caplog.set_level(logging.DEBUG)
    app = EmulatorApp(Store(), api_keys={KEY})
    for action in ("503", "drop", "commit_then_drop", "429"):
        app.faults.add(method=None, path="", action=action)
    events: list[str] = []
    errors: list[str] = []
    say: Callable[[str], None] = events.append
    client = CloseClient(
        KEY,
        base_url="http://emulator.test/api/v1",
        transport=EmulatorTransport(app),
        sleep=lambda _s: None,
        on_event=say,
    )
    calls: list[Callable[[], Any]] = [
        lambda: client.create(
            "/custom_object_type/", {"name": "A", "name_plural": "As"}, reconcile=lambda: None
        ),
        lambda: client.get("/nope/"),
        lambda: client.put("/custom_object_type/x/", {}),
    ]
    for call in calls:
        try:
            call()
        except ApiError as e:
            errors.append(f"{e} {e!r}")
    texts = events + errors + [r.getMessage() for r in caplog.records] + [repr(client)]
    assert events and len(errors) == 3
    assert not [(t, s) for t in texts for s in SECRETS if s in t]


def test_a_key_with_surrounding_whitespace_is_redacted_as_sent() -> None:
    """The client strips the key it sends; the CLI's redaction list holds that same form."""
    from schemasync.config import Target

    with fresh_process():
        client = schemasync.flow.connect(Target("http://127.0.0.1:9/api/v1", f" {KEY}\n"), print)
        client.close()
        basic = base64.b64encode(f"{KEY}:".encode()).decode()
        text = schemasync.flow.redact(f"key {KEY} header Basic {basic}")
    assert KEY not in text and basic not in text
