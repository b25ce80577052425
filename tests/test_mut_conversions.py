"""Waiting for Close to convert a field's values (schemasync/conversions.py): the cases
mutation testing found untested. How often the field is polled (a back-off from half a second
to ten), that the last sleep never overshoots the timeout, a timeout of exactly the time
waited, the full stop messages, an answer that is not an object, and which values of
SCHEMASYNC_CONVERSION_TIMEOUT are accepted."""

from __future__ import annotations

from typing import Any

import pytest

from schemasync.conversions import CONVERSION_TIMEOUT, conversion_wait, wait_for_conversion
from schemasync.errors import ConfigError
from schemasync.plan import Operation

PATH = "/custom_field/lead/cf_1/"


def _op() -> Operation:
    return Operation(
        action="update",
        kind="lead_field",
        address="lead:Score",
        method="PUT",
        path=PATH,
        body={"type": "text"},
        converts=True,
    )


class _Field:
    """A field that shows `converting_to_type` for the first `reads` GETs."""

    def __init__(self, reads: int, answer: Any = None) -> None:
        self.left = reads
        self.answer = answer
        self.gets: list[str] = []

    def get(self, path: str) -> Any:
        self.gets.append(path)
        if self.answer is not None:
            return self.answer
        if self.left > 0:
            self.left -= 1
            return {"id": "cf_1", "converting_to_type": "text"}
        return {"id": "cf_1", "type": "text"}


class _Time:
    """A clock that only moves when apply sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _wait(
    field: _Field, t: _Time, timeout: float, stop: bool = False
) -> tuple[str | None, list[str]]:
    said: list[str] = []
    why = wait_for_conversion(field, _op(), said.append, lambda: stop, timeout, t.sleep, t.clock)
    return why, said


def test_the_field_is_polled_with_a_back_off_from_half_a_second_to_ten() -> None:
    field, t = _Field(reads=8), _Time()
    why, said = _wait(field, t, timeout=900)
    assert why is None
    assert t.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert field.gets == [PATH] * 9
    assert said[0] == "  lead:Score: Close is converting its values to text (0 s)"
    assert said[-1] == "  lead:Score: Close is converting its values to text (36 s)"  # 35.5 s


def test_the_last_sleep_stops_at_the_timeout_and_the_timeout_itself_counts() -> None:
    """Waited 0.5+1+2 = 3.5 s of a 5 s timeout: the next sleep is 1.5 s, not 4 s; at exactly
    5 s it gives up (it does not poll once more)."""
    field, t = _Field(reads=100), _Time()
    why, _ = _wait(field, t, timeout=5)
    assert t.sleeps == [0.5, 1.0, 2.0, 1.5]
    assert len(field.gets) == 5
    assert why == (
        "lead:Score's values were still being converted to text after 5 s "
        "(SCHEMASYNC_CONVERSION_TIMEOUT): wait until Close finishes, then run "
        "`schemasync plan` and apply again"
    )


def test_a_zero_timeout_never_sleeps() -> None:
    field, t = _Field(reads=100), _Time()
    why, said = _wait(field, t, timeout=0)
    assert t.sleeps == []
    assert said == []
    assert why is not None and "after 0 s" in why


def test_an_interrupt_stops_the_wait_with_what_to_do() -> None:
    field, t = _Field(reads=100), _Time()
    why, _ = _wait(field, t, timeout=900, stop=True)
    assert t.sleeps == []
    assert why == (
        "lead:Score's values are still being converted to text by Close: wait until it "
        "finishes, then run `schemasync plan`"
    )


@pytest.mark.parametrize("answer", [[{"converting_to_type": "text"}], "converting"])
def test_an_answer_that_is_not_an_object_ends_the_wait(answer: Any) -> None:
    field, t = _Field(reads=0, answer=answer), _Time()
    why, _ = _wait(field, t, timeout=900)
    assert why is None
    assert t.sleeps == []


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("", CONVERSION_TIMEOUT), ("  ", CONVERSION_TIMEOUT), ("0", 0.0), (" 12.5 ", 12.5)],
)
def test_the_conversion_timeout_setting(
    raw: str, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMASYNC_CONVERSION_TIMEOUT", raw)
    assert conversion_wait() == seconds


def test_the_default_conversion_timeout_is_fifteen_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SCHEMASYNC_CONVERSION_TIMEOUT", raising=False)
    assert conversion_wait() == 900.0


@pytest.mark.parametrize("raw", ["soon", "-1", "-0.5", "inf", "nan", "1e400"])
def test_a_bad_conversion_timeout_says_what_to_write(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMASYNC_CONVERSION_TIMEOUT", raw)
    with pytest.raises(ConfigError) as caught:
        conversion_wait()
    assert str(caught.value) == (
        "SCHEMASYNC_CONVERSION_TIMEOUT must be a number of seconds (like 900)"
    )
