"""Names in the manifest to ids in the target org, and ids back to names for `changes`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from schemasync.engine.match import problem
from schemasync.errors import Problem
from schemasync.kinds import BY_NAME
from schemasync.kinds.fields import BUILTIN_ROLES
from schemasync.live import LiveState
from schemasync.model import Obj, Pos
from schemasync.util import few, plural


class Resolver:
    """Roles and references of one plan. `planned` holds, per referenced kind, the id each
    manifest object will have (live id, or the placeholder of its create); `matched` the
    live object each manifest object was paired with."""

    def __init__(
        self,
        live: LiveState,
        problems: list[Problem],
        pruned: set[str],
    ) -> None:
        self.live = live
        # kinds whose live objects the manifest does not name are deleted by this plan
        self.pruned = pruned
        self.problems = problems
        self.planned: dict[str, dict[str, str]] = {}
        self.matched: dict[str, dict[str, Obj]] = {}
        # kind -> names of the manifest's archived types the org does not list (never created)
        self.unlisted_archived: dict[str, set[str]] = {}
        # (id of a manifest object, attribute) whose reference could not be resolved: a
        # problem says why, and no replace is suggested for it
        self.unresolved: set[tuple[int, str]] = set()

    @cached_property
    def _role_ids_by_name(self) -> dict[str, list[str]]:
        by_name: dict[str, list[str]] = {}
        for r in self.live.roles:
            by_name.setdefault(r.name, []).append(r.id)
        return by_name

    @cached_property
    def _role_names_by_id(self) -> dict[str, str]:
        return self.live.role_names()

    def role_ids(self, roles: Iterable[str], pos: Pos | None, path: str) -> list[str]:
        by_name = self._role_ids_by_name
        out = []
        for role in roles:
            if role in BUILTIN_ROLES:
                out.append(role)
                continue
            ids = by_name.get(role, [])
            if len(ids) == 1:
                out.append(ids[0])
            elif ids:
                self.problems.append(
                    problem(
                        pos,
                        path,
                        f"{len(ids)} roles in this org are "
                        f"named {role!r} ({', '.join(sorted(ids))}): rename one in Close",
                    )
                )
            else:
                known = ", ".join(sorted({r.name for r in self.live.roles})) or "none"
                self.problems.append(
                    problem(
                        pos,
                        path,
                        f"unknown role {role!r}: not a built-in keyword "
                        f"({', '.join(BUILTIN_ROLES)}) nor a role of this org (roles: {known})",
                    )
                )
        return out

    def role_names(self, values: Iterable[str]) -> list[str]:
        names = self._role_names_by_id
        return sorted(names.get(v, v) for v in values)

    @cached_property
    def _live_by_name(self) -> dict[str, dict[str, list[Obj]]]:
        out: dict[str, dict[str, list[Obj]]] = {}
        for kind_name in self.planned:
            by_name: dict[str, list[Obj]] = out.setdefault(kind_name, {})
            for obj in self.live.top(kind_name):
                by_name.setdefault(obj.name, []).append(obj)
        return out

    @cached_property
    def _renamed_to(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for kind_name, matched in self.matched.items():
            names = out.setdefault(kind_name, {})
            for name, obj in matched.items():
                names.setdefault(obj.name, name)
        return out

    def reference_id(
        self, target: str | None, kind_name: str, pos: Pos | None, path: str
    ) -> str | None:
        """The id (or placeholder) a reference to `target` of kind `kind_name` is sent as."""
        if target is None:
            return None
        planned = self.planned.get(kind_name, {})
        if target in planned:
            return planned[target]
        noun = BY_NAME[kind_name].noun
        renamed = self._renamed_to.get(kind_name, {}).get(target)
        if renamed:
            self.problems.append(
                problem(
                    pos,
                    path,
                    f"{noun} {target!r} is renamed to "
                    f"{renamed!r} by this manifest: reference it by its new name",
                )
            )
            return None
        live = self._live_by_name.get(kind_name, {}).get(target, [])
        if len(live) == 1:
            if kind_name in self.pruned:
                self.problems.append(
                    problem(
                        pos,
                        path,
                        f"references the live {noun} {target!r}, "
                        "which is not in the manifest and would be deleted by --prune: declare it",
                    )
                )
            return live[0].id
        if live:
            ids = few(o.id or "" for o in live)
            self.problems.append(
                problem(
                    pos,
                    path,
                    f"{len(live)} live {plural(noun)} are named {target!r} ({ids}): "
                    "rename one in Close",
                )
            )
        elif target in self.unlisted_archived.get(kind_name, ()):
            self.problems.append(
                problem(
                    pos,
                    path,
                    f"references {noun} {target!r}, which is archived in the manifest and not "
                    "in the org: a plan never creates an archived type (Close may leave "
                    "archived types out of its lists); create it with `archived: false` "
                    "first, then archive it",
                )
            )
        else:
            self.problems.append(
                problem(pos, path, f"no {noun} named {target!r} in the manifest or in the org")
            )
        return None

    def reference_name(self, object_id: str | None, kind_name: str) -> str | None:
        """The manifest name of a referenced live object, else its live name, else its id."""
        if object_id is None:
            return None
        for name, matched in self.matched.get(kind_name, {}).items():
            if matched.id == object_id:
                return name
        live = self.live.by_id(object_id)
        return live.name if live is not None else object_id
