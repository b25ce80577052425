"""The plan as a value: operations, unmanaged objects, and the versioned JSON document."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from schemasync.errors import PlanFileError

FORMAT_VERSION = "1.1"
ACTIONS = ("create", "update", "replace", "delete", "reorder")


def check_version(d: Any) -> None:
    """A plan document of a format this version reads (any 1.x), or PlanFileError."""
    if not isinstance(d, dict):
        raise PlanFileError("not a schemasync plan: expected a JSON object")
    version = d.get("format_version")
    if not isinstance(version, str) or not version.split(".")[0].isdigit():
        raise PlanFileError("not a schemasync plan: no format_version")
    major = FORMAT_VERSION.split(".")[0]
    if version.split(".")[0] != major:
        shown = version if len(version) <= 20 else version[:17] + "..."
        raise PlanFileError(
            f"plan format_version {shown} is not supported by this schemasync "
            f"(it reads {major}.x): make the plan again with this version"
        )


@dataclass(frozen=True, slots=True)
class Operation:
    action: str
    kind: str
    address: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The live id this operation acts on (update/delete/replace/reorder of an existing object).
    id: str | None = None
    # For create/replace: the placeholder this operation's new id fills in.
    defines: str | None = None
    # For replace: the DELETE sent before the POST.
    delete_path: str | None = None
    # Why a replace or delete destroys data, in words.
    reason: str | None = None
    # An update that converts the stored values of a field to another type (Close does it in
    # place; values that do not convert are lost): apply waits until it has finished.
    converts: bool = False

    @property
    def destructive(self) -> bool:
        return self.action in ("replace", "delete") or self.converts

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "action": self.action,
            "kind": self.kind,
            "address": self.address,
            "method": self.method,
            "path": self.path,
            "body": self.body,
            "changes": self.changes,
        }
        if self.id is not None:
            d["id"] = self.id
        if self.defines is not None:
            d["defines"] = self.defines
        if self.delete_path is not None:
            d["delete"] = {"method": "DELETE", "path": self.delete_path}
        if self.reason is not None:
            d["reason"] = self.reason
        if self.converts:
            d["converts"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Operation:
        delete = d.get("delete") or {}
        return cls(
            action=d["action"],
            kind=d["kind"],
            address=d["address"],
            method=d["method"],
            path=d["path"],
            body=d.get("body"),
            changes=d.get("changes") or {},
            id=d.get("id"),
            defines=d.get("defines"),
            delete_path=delete.get("path"),
            reason=d.get("reason"),
            converts=d.get("converts") is True,
        )


@dataclass(frozen=True, slots=True)
class Unmanaged:
    kind: str
    address: str
    id: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "address": self.address, "id": self.id, "detail": self.detail}


def digest_of(operations: tuple[Operation, ...]) -> str:
    """sha256 of the operations exactly as the plan document holds them: a reviewer who
    approves a digest approves one exact content."""
    text = json.dumps(
        [op.to_dict() for op in operations],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Plan:
    operations: tuple[Operation, ...]
    unmanaged: tuple[Unmanaged, ...]
    fingerprint: str
    options: dict[str, Any] = field(default_factory=dict)
    # Where the plan was made: {"api_url": ..., "org": {"id", "name"} or None}.
    target: dict[str, Any] | None = None
    # What the plan leaves alone and why (an archived type the org does not list).
    notes: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        return bool(self.operations)

    @cached_property
    def digest(self) -> str:
        """Computed once: the operations of a (frozen) plan never change."""
        return digest_of(self.operations)

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for op in self.operations:
            counts[op.action] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "fingerprint": self.fingerprint,
            "digest": self.digest,
        }
        if self.target is not None:
            d["target"] = self.target
        d |= {
            "options": dict(sorted(self.options.items())),
            "summary": self.summary(),
            "operations": [op.to_dict() for op in self.operations],
            "unmanaged": [u.to_dict() for u in self.unmanaged],
        }
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_dict(cls, d: Any) -> Plan:
        """Read a saved plan document; anything unreadable is a PlanFileError."""
        check_version(d)
        try:
            ops = tuple(Operation.from_dict(o) for o in d["operations"])
            unmanaged = tuple(Unmanaged(**u) for u in d.get("unmanaged") or [])
            fingerprint = d["fingerprint"]
            options = dict(d.get("options") or {})
            target = d.get("target")
            notes = tuple(str(n) for n in d.get("notes") or [])
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            raise PlanFileError(f"the plan file is damaged or incomplete ({e!r})") from None
        for op in ops:
            if op.action not in ACTIONS or op.method not in ("POST", "PUT", "DELETE"):
                raise PlanFileError(f"the plan file has an unknown operation at {op.address}")
            if not isinstance(op.path, str) or not op.path.startswith("/"):
                raise PlanFileError(f"the plan file has a bad path at {op.address}")
        if not isinstance(fingerprint, str):
            raise PlanFileError("the plan file has no fingerprint")
        plan = cls(
            ops,
            unmanaged,
            fingerprint,
            options,
            target if isinstance(target, dict) else None,
            notes,
        )
        recorded = d.get("digest")
        if recorded is not None and recorded != plan.digest:
            raise PlanFileError(
                f"the plan's operations do not match its digest ({recorded}): the file was "
                "changed after it was made; make the plan again (nothing was applied)"
            )
        return plan
