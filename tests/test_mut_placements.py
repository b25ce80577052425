"""Placements of shared fields (schemasync/engine/placements.py): a new field and a placement
of one name on the same object, which mutation testing found untested. Either would give the
object two fields of one name: the plan refuses, saying which to declare."""

from __future__ import annotations

from schemasync.emulator import Store
from schemasync.errors import Problem
from tests.orgs import in_process_org, new_store, plan_problems


def _problems(store: Store, text: str) -> list[Problem]:
    return plan_problems(in_process_org(store), text)


def test_placing_a_shared_field_where_the_object_has_its_own_field_of_that_name() -> None:
    store = new_store()
    store.add("shared_fields", name="Tier", type="text")
    store.add("lead_fields", name="Source", type="text")
    own = store.add("lead_fields", name="Tier", type="text")
    problems = _problems(
        store,
        """version: 1
shared_fields:
  - {name: Tier, type: text}
lead:
  fields:
    - {name: Source, type: text}
    - shared: Tier
""",
    )
    assert [str(p) for p in problems] == [
        f"manifest.yaml:7:7: lead:Tier: the org has a field 'Tier' of this object's own "
        f"({own['id']}), not a placement of the shared field: delete or rename that field "
        "first (or declare it as `name: Tier`), then place the shared field"
    ]


def test_a_new_field_named_like_a_shared_field_placed_on_the_type() -> None:
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add("custom_fields", custom_object_type_id=account["id"], name="Notes", type="text")
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(
        tier["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    problems = _problems(
        store,
        """version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Notes, type: text}
      - {name: Tier, type: text}
""",
    )
    assert [str(p) for p in problems] == [
        f"manifest.yaml:7:9: Account.Tier: the org has the shared field 'Tier' placed here "
        f"({tier['id']}), not a field of this object's own: declare it as `shared: Tier`, or "
        "give this field another name"
    ]
