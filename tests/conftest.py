"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schemasync.emulator import EmulatorApp, EmulatorServer, Store, serve

EMULATOR_API_KEY = "test-key"


@pytest.fixture
def emulator_app() -> EmulatorApp:
    """A fresh emulated org (built-in roles, no types) that accepts only EMULATOR_API_KEY."""
    return EmulatorApp(Store(org_name="Test Org"), api_keys={EMULATOR_API_KEY})


@pytest.fixture
def emulator_server(emulator_app: EmulatorApp) -> Iterator[EmulatorServer]:
    """``emulator_app`` served over a real socket on 127.0.0.1; ``.url`` ends in /api/v1."""
    with serve(emulator_app) as server:
        yield server
