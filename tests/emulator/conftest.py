"""Fixtures of the emulator tests (``app`` and ``server`` come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from schemasync.emulator import EmulatorApp
from tests.emulator.helpers import make_client


@pytest.fixture
def client(app: EmulatorApp) -> Iterator[httpx.Client]:
    """An in-process client of ``app`` with the right key."""
    with make_client(app) as c:
        yield c
