"""Helpers that give tests a Close org to talk to: the emulator in-process or over a socket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from schemasync.apply import ApplyReport, apply_plan
from schemasync.client import CloseClient
from schemasync.diff import compute_plan
from schemasync.emulator import EmulatorApp, EmulatorTransport, Store
from schemasync.errors import PlanError, Problem
from schemasync.flow import LEGACY_READ, read_everything, read_live, reads_of
from schemasync.live import LiveOrg
from schemasync.manifest import load_manifest_text
from schemasync.model import Manifest
from schemasync.plan import Plan
from tests.builders import SpecManifest, as_model

KEY = "sk_test_SECRET_0123456789abcdef"
CUSTOM_ROLES = ("Account Managers", "Support")


def new_store(roles: tuple[str, ...] = CUSTOM_ROLES, **store_options: Any) -> Store:
    store = Store(**store_options)
    for name in roles:
        store.add_role(name)
    return store


@dataclass
class Org:
    """One emulated org and a client wired to it in-process (no sleeping on retries)."""

    store: Store
    app: EmulatorApp
    client: CloseClient

    def live(self, manifest: Manifest | SpecManifest | None = None) -> LiveOrg:
        """The org as a plan of `manifest` reads it (its sections' lists); without one, the
        custom-object lists and roles."""
        reads = reads_of(as_model(manifest)) if manifest is not None else LEGACY_READ
        return read_live(self.client, reads, {"org": {"id": self.store.organization_id}})

    def everything(self) -> LiveOrg:
        """Every section of the org, as export reads it."""
        return read_everything(self.client)

    def plan(self, manifest: Manifest | SpecManifest, **options: Any) -> Plan:
        return compute_plan(as_model(manifest), self.live(manifest), **options)

    def apply(self, manifest: Manifest | SpecManifest, **options: Any) -> ApplyReport:
        return apply_plan(self.plan(manifest, **options), self.client, sleep=lambda _s: None)


def in_process_org(store: Store | None = None, **app_options: Any) -> Org:
    store = store or new_store()
    app = EmulatorApp(store, api_keys={KEY}, **app_options)
    client = CloseClient(
        KEY,
        base_url="http://emulator.test/api/v1",
        transport=EmulatorTransport(app),
        sleep=lambda _s: None,
    )
    return Org(store, app, client)


def manifest_of(text: str) -> Manifest:
    """A manifest from YAML text, its problems named after `manifest.yaml`."""
    return load_manifest_text(text, "manifest.yaml")


def ops_of(plan: Plan) -> list[tuple[str, str]]:
    """A plan's operations as (action, address), in order."""
    return [(op.action, op.address) for op in plan.operations]


def plan_problems(org: Org, text: str, **options: Any) -> list[Problem]:
    """The problems that refuse a plan of the manifest `text` (it must be refused)."""
    with pytest.raises(PlanError) as info:
        org.plan(manifest_of(text), **options)
    return list(info.value.problems)
