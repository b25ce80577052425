"""Apply request logs: the exact requests (method, path, JSON body) that `apply` sends, in
order, for a few scenarios against the in-process emulator. tests/cases/apply_logs/<name>.json
holds them, ids normalised to tokens in order of appearance; SCHEMASYNC_REGEN=1 rewrites the
files (review the diff before committing)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemasync.apply import apply_plan
from schemasync.client import CloseClient
from schemasync.diff import compute_plan
from schemasync.emulator import EmulatorApp, EmulatorTransport
from schemasync.flow import read_live
from tests.orgs import KEY, new_store
from tests.test_corpus import load_text

LOGS = Path(__file__).parent / "cases" / "apply_logs"
REGEN = os.environ.get("SCHEMASYNC_REGEN") == "1"
BASE = "/api/v1"
ID = re.compile(r"\b(cotype|cf|role|orga|user)_[0-9A-Za-z]{22}\b")


@dataclass
class Recorder(httpx.BaseTransport):
    """Sends to `inner` and keeps (method, path with query, JSON body) of every request."""

    inner: httpx.BaseTransport
    requests: list[dict[str, Any]] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(BASE)
        if request.url.query:
            path += "?" + request.url.query.decode()
        body = json.loads(request.content) if request.content else None
        self.requests.append({"method": request.method, "path": path, "body": body})
        return self.inner.handle_request(request)


def normalised(value: Any) -> Any:
    """`value` with every id replaced by `<prefix:n>`, n counting distinct ids in order."""
    seen: dict[str, str] = {}

    def token(m: re.Match[str]) -> str:
        prefix = m.group(1)
        if m.group(0) not in seen:
            n = sum(1 for v in seen.values() if v.startswith(f"<{prefix}:")) + 1
            seen[m.group(0)] = f"<{prefix}:{n}>"
        return seen[m.group(0)]

    return json.loads(ID.sub(token, json.dumps(value, ensure_ascii=False)))


START = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    editable_with_roles: [admin, Support]
    fields:
      - {name: Status, type: choices, choices: [Active, Cancelled], required: true}
      - {name: Owner, type: custom_object, references: Resource, back_reference_is_visible: true}
      - {name: Parent, type: custom_object, references: Account}
      - {name: Notes, type: text, editable_with_roles: [Account Managers]}
  - name: Resource
    name_plural: Resources
    api_create_only: true
    fields:
      - {name: Serial, type: text}
      - {name: Seats, type: number}
  - name: Legacy
    name_plural: Legacies
    fields:
      - {name: To Resource, type: custom_object, references: Resource}
      - {name: Memo, type: text}
"""

RENAMED = """\
version: 1
custom_object_types:
  - name: Client
    renamed_from: [Account]
    name_plural: Clients
    description: Renamed from Account
    editable_with_roles: [Support, admin]
    fields:
      - {name: Notes, type: text, editable_with_roles: [Account Managers, user]}
      - {name: State, renamed_from: [Status], type: choices, choices: [Cancelled, Active, New]}
      - {name: Owner, type: custom_object, references: Resource, back_reference_is_visible: true}
      - {name: Parent, type: custom_object, references: Client}
      - {name: Added, type: date}
  - name: Resource
    name_plural: Resources
    api_create_only: false
    fields:
      - {name: Seats, type: number, required: true}
      - {name: Serial, type: text}
  - name: Legacy
    name_plural: Legacies
    fields:
      - {name: To Resource, type: custom_object, references: Resource}
      - {name: Memo, type: text}
"""

# Resource and Legacy go (Legacy.To Resource must go before Resource can); Notes changes
# type (a replace) and moves first, so the reorder names the id the replace creates.
PRUNED = """\
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    editable_with_roles: [admin, Support]
    fields:
      - {name: Notes, type: number, editable_with_roles: [Account Managers]}
      - {name: Status, type: choices, choices: [Active, Cancelled], required: true}
      - {name: Parent, type: custom_object, references: Account}
"""

EMPTY = "version: 1\ncustom_object_types: []\n"


@dataclass(frozen=True)
class Scenario:
    start: str  # applied first (with prune and allow_replace), not recorded
    desired: str
    options: dict[str, Any]
    by_hand: bool = False  # an unmanaged field added in the org before planning


SCENARIOS = {
    "create-into-empty-org": Scenario(EMPTY, START, {}),
    "rename-update-reorder": Scenario(START, RENAMED, {}, by_hand=True),
    "prune-cross-references-and-replace": Scenario(
        START, PRUNED, {"prune": True, "allow_replace": True}
    ),
}


def run(scenario: Scenario) -> tuple[list[dict[str, Any]], int, int, bool]:
    """The requests apply sent; the plan's operations and replaces; whether it converged."""
    app = EmulatorApp(new_store(seed=7), api_keys={KEY})
    recorder = Recorder(EmulatorTransport(app))
    client = CloseClient(
        KEY, base_url=f"http://emulator.test{BASE}", transport=recorder, sleep=lambda _s: None
    )
    first = apply_plan(
        compute_plan(load_text(scenario.start), read_live(client), prune=True, allow_replace=True),
        client,
    )
    assert first.ok, first.render()
    if scenario.by_hand:
        account = next(t for t in app.store.types.values() if t["name"] == "Account")
        body = {"custom_object_type_id": account["id"], "name": "Mine", "type": "text"}
        client.post("/custom_field/custom_object_type/", body)
    desired = load_text(scenario.desired)
    plan = compute_plan(desired, read_live(client), **scenario.options)
    recorder.requests.clear()
    report = apply_plan(plan, client)
    assert report.ok, report.render()
    sent = list(recorder.requests)
    replaces = sum(op.action == "replace" for op in plan.operations)
    again = compute_plan(desired, read_live(client), **scenario.options)
    return sent, len(plan.operations), replaces, not again.has_changes


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_apply_log(name: str) -> None:
    sent, operations, replaces, converged = run(SCENARIOS[name])
    assert converged
    assert all(r["method"] in ("POST", "PUT", "DELETE") for r in sent), "apply read something"
    assert len(sent) == operations + replaces
    text = json.dumps(normalised(sent), indent=1, ensure_ascii=False) + "\n"
    path = LOGS / f"{name}.json"
    if REGEN:
        LOGS.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {path.name}: run with SCHEMASYNC_REGEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_normalised_counts_ids_per_prefix_in_order() -> None:
    a, b, c = ("cotype_" + ch * 22 for ch in "abc")
    r = "role_" + "r" * 22
    got = normalised([{"path": f"/x/{b}/", "body": {"ids": [a, r, b]}}, c])
    assert got == [
        {"path": "/x/<cotype:1>/", "body": {"ids": ["<cotype:2>", "<role:1>", "<cotype:1>"]}},
        "<cotype:3>",
    ]
