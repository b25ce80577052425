"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schemasync.emulator import EmulatorApp, EmulatorServer, Store, serve
from tests.orgs import KEY


@pytest.fixture
def app() -> EmulatorApp:
    """A fresh emulated org "Test Org" (built-in roles, no types) that accepts only KEY."""
    return EmulatorApp(Store(org_name="Test Org"), api_keys={KEY})


@pytest.fixture
def server(app: EmulatorApp) -> Iterator[EmulatorServer]:
    """``app`` served over a real socket on 127.0.0.1; ``.url`` ends in /api/v1."""
    with serve(app) as served:
        yield served
