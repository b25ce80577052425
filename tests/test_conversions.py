"""Type changes of lead, contact and opportunity fields convert the stored values in place:
the plan says so and needs --allow-replace; apply waits for Close to finish (progress on
stderr, a bounded wait); an interrupt or a timeout leaves a report that says the conversion is
still running. Over a real socket against the emulator, which converts over N reads."""

from __future__ import annotations

from pathlib import Path

from schemasync.apply import apply_plan
from schemasync.emulator import Behaviour
from tests.orgs import in_process_org, new_store
from tests.serving import assert_clean, run_cli, socket_org

NUMBER = "version: 1\nlead:\n  fields:\n    - {name: Score, type: number}\n"
TEXT = NUMBER.replace("type: number", "type: text")


def _org(reads: int):  # type: ignore[no-untyped-def]
    store = new_store(behaviour=Behaviour(conversion_reads=reads))
    store.add("lead_fields", name="Score", type="number")
    return store


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_conversion_is_refused_without_allow_replace(tmp_path: Path) -> None:
    with socket_org(_org(1)) as org:
        res = run_cli(["plan", _write(tmp_path, TEXT)], url=org.url)
        assert res.exit_code == 1
        assert "lead:Score: the field's values are converted to text in place" in res.stderr
        assert "--allow-replace" in res.stderr
        assert_clean(res)


def test_apply_waits_for_the_conversion_then_plan_is_empty(tmp_path: Path) -> None:
    with socket_org(_org(3)) as org:
        manifest = _write(tmp_path, TEXT)
        shown = run_cli(["plan", manifest, "--allow-replace"], url=org.url)
        assert "will be updated in place, converting its values" in shown.stdout
        assert (
            '"converts": true'
            in run_cli(["plan", manifest, "--allow-replace", "--json"], url=org.url).stdout
        )
        res = run_cli(["apply", manifest, "--allow-replace", "--auto-approve"], url=org.url)
        assert res.exit_code == 0, res.stderr
        assert "lead:Score: Close is converting its values to text" in res.stderr
        gets = [p for m, p, _ in org.app.log if m == "GET" and "/custom_field/lead/" in p]
        assert len(gets) >= 2  # it polled until `converting_to_type` was gone
        again = run_cli(["plan", manifest, "--detailed-exitcode"], url=org.url)
        assert again.exit_code == 0, again.stdout


def test_a_timeout_stops_the_apply_and_says_the_conversion_still_runs(tmp_path: Path) -> None:
    # two conversions: the second waits for the first
    store = _org(50)
    store.add("lead_fields", name="Size", type="text")
    with socket_org(store) as org:
        manifest = _write(tmp_path, TEXT + "    - {name: Size, type: number}\n")
        res = run_cli(
            ["apply", manifest, "--allow-replace", "--auto-approve"],
            url=org.url,
            env={"SCHEMASYNC_CONVERSION_TIMEOUT": "0"},
        )
        assert res.exit_code == 3, res.stderr  # one field converts: the org differs now
        assert "still being converted to" in res.stderr
        assert "Not attempted:" in res.stderr
        assert res.stderr.strip().splitlines()[-1].startswith("Error: apply stopped: ")
        assert_clean(res)


def test_a_last_conversion_still_running_is_said_but_not_an_error(tmp_path: Path) -> None:
    with socket_org(_org(50)) as org:
        res = run_cli(
            ["apply", _write(tmp_path, TEXT), "--allow-replace", "--auto-approve"],
            url=org.url,
            env={"SCHEMASYNC_CONVERSION_TIMEOUT": "0"},
        )
        assert res.exit_code == 0, res.stderr
        assert "Lead:Score's values were still being converted to text" in res.stderr


def test_a_bad_timeout_is_a_clear_error(tmp_path: Path) -> None:
    with socket_org(_org(1)) as org:
        res = run_cli(
            ["apply", _write(tmp_path, TEXT), "--allow-replace", "--auto-approve"],
            url=org.url,
            env={"SCHEMASYNC_CONVERSION_TIMEOUT": "soon"},
        )
        assert res.exit_code == 1
        assert "SCHEMASYNC_CONVERSION_TIMEOUT must be a number of seconds" in res.stderr


def test_an_interrupt_while_waiting_reports_the_running_conversion() -> None:
    from schemasync.manifest_build import manifest_from_document

    org = in_process_org(_org(50))
    doc = {"version": 1, "lead": {"fields": [{"name": "Score", "type": "text"}]}}
    plan = org.plan(manifest_from_document(doc), allow_replace=True)
    polls: list[int] = []

    def stop() -> bool:  # Ctrl-C arrives while apply waits for the conversion
        polls.append(1)
        return len(polls) > 2

    report = apply_plan(plan, org.client, should_stop=stop, sleep=lambda _s: None)
    assert report.stopped_by == "interrupt"
    assert [op.address for op in report.done] == ["lead:Score"]
    assert report.note is not None and "still being converted to text" in report.note
    assert "Still being converted" in report.render() or "still being converted" in report.render()
