"""Diff a manifest against the live org and produce the ordered plan (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar

from schemasync.errors import PlanError, Problem
from schemasync.live import FIELDS_PATH, TYPES_PATH, LiveField, LiveOrg, LiveType, gc_paused
from schemasync.model import (
    BUILTIN_ROLES,
    FIELD_KIND,
    TYPE_KIND,
    FieldSpec,
    Manifest,
    Pos,
    TypeSpec,
)
from schemasync.plan import Operation, Plan, Unmanaged, ref


class _Named(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


L = TypeVar("L", bound=_Named)
S = TypeVar("S", TypeSpec, FieldSpec)


def _some(ids: Iterable[str], limit: int = 5) -> str:
    """A few ids for a message; a damaged list can repeat one id thousands of times."""
    unique = sorted(set(ids))
    return ", ".join(unique[:limit]) + (f", ... ({len(unique)} ids)" if len(unique) > limit else "")


def _problem(pos: Pos | None, path: str, message: str) -> Problem:
    if pos is None:
        return Problem("<manifest>", 0, 0, path, message)
    return Problem(pos.file, pos.line, pos.col, path, message)


def _match(
    specs: Sequence[S], live: Sequence[L], what: str, prefix: str, problems: list[Problem]
) -> dict[str, L]:
    """Pair manifest objects with live ones: by name first, then by `renamed_from`.

    Returns spec name -> live object. Ambiguity is a problem, never a guess.
    """
    by_name: dict[str, list[L]] = {}
    for obj in live:
        by_name.setdefault(obj.name, []).append(obj)
    matched: dict[str, L] = {}
    claimed: set[str] = set()
    for spec in specs:
        found = by_name.get(spec.name, [])
        if len(found) > 1:
            ids = _some(o.id for o in found)
            problems.append(
                _problem(
                    spec.pos,
                    prefix + spec.name,
                    f"{len(found)} live {what}s are named {spec.name!r} ({ids}): rename or delete "
                    "all but one in Close; schemasync never guesses which one you mean",
                )
            )
        elif found:
            matched[spec.name] = found[0]
            claimed.add(found[0].id)
    for spec in specs:
        if spec.name in matched or not spec.renamed_from or spec.name in by_name:
            continue
        candidates = [o for old in spec.renamed_from for o in by_name.get(old, [])]
        taken = [o for o in candidates if o.id in claimed]
        if taken:
            problems.append(
                _problem(
                    spec.pos,
                    prefix + spec.name,
                    f"renamed_from {taken[0].name!r} cannot be honoured: that live {what} "
                    f"({taken[0].id}) is already matched by name to another {what} of the manifest",
                )
            )
        elif len(candidates) > 1:
            ids = ", ".join(f"{o.name!r} ({o.id})" for o in candidates)
            problems.append(
                _problem(
                    spec.pos,
                    prefix + spec.name,
                    f"renamed_from matches {len(candidates)} live {what}s: {ids}; keep one name in "
                    "renamed_from, or rename or delete the others in Close",
                )
            )
        elif candidates:
            matched[spec.name] = candidates[0]
            claimed.add(candidates[0].id)
    return matched


@dataclass
class _Ctx:
    manifest: Manifest
    live: LiveOrg
    prune: bool
    allow_replace: bool
    protect: frozenset[str]
    problems: list[Problem]
    type_ids: dict[str, str]  # manifest type name -> live id or placeholder
    matched_types: dict[str, LiveType]

    @cached_property
    def _role_ids_by_name(self) -> dict[str, list[str]]:
        by_name: dict[str, list[str]] = {}
        for r in self.live.roles:
            by_name.setdefault(r.name, []).append(r.id)
        return by_name

    @cached_property
    def _live_types_by_name(self) -> dict[str, list[LiveType]]:
        by_name: dict[str, list[LiveType]] = {}
        for lt in self.live.types:
            by_name.setdefault(lt.name, []).append(lt)
        return by_name

    @cached_property
    def _renamed_to(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for n, lt in self.matched_types.items():
            out.setdefault(lt.name, n)
        return out

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
                    _problem(
                        pos,
                        path,
                        f"{len(ids)} roles in this org are "
                        f"named {role!r} ({', '.join(sorted(ids))}): rename one in Close",
                    )
                )
            else:
                known = ", ".join(sorted({r.name for r in self.live.roles})) or "none"
                self.problems.append(
                    _problem(
                        pos,
                        path,
                        f"unknown role {role!r}: not a built-in keyword "
                        f"({', '.join(BUILTIN_ROLES)}) nor a role of this org (roles: {known})",
                    )
                )
        return out

    @cached_property
    def _role_names_by_id(self) -> dict[str, str]:
        return self.live.role_names()

    def role_names(self, values: Iterable[str]) -> list[str]:
        names = self._role_names_by_id
        return sorted(names.get(v, v) for v in values)

    def type_name_of(self, type_id: str | None) -> str | None:
        if type_id is None:
            return None
        for name, matched in self.matched_types.items():
            if matched.id == type_id:
                return name
        live = self.live.type_by_id(type_id)
        return live.name if live else type_id

    def reference_id(self, t: TypeSpec, f: FieldSpec) -> str | None:
        target = f.references
        if target is None:
            return None
        if target in self.type_ids:
            return self.type_ids[target]
        path = f"{t.name}.{f.name}.references"
        renamed = self._renamed_to.get(target)
        if renamed:
            self.problems.append(
                _problem(
                    f.pos,
                    path,
                    f"type {target!r} is renamed to "
                    f"{renamed!r} by this manifest: reference it by its new name",
                )
            )
            return None
        live = self._live_types_by_name.get(target, [])
        if len(live) == 1:
            if self.prune:
                self.problems.append(
                    _problem(
                        f.pos,
                        path,
                        f"references the live type {target!r}, "
                        "which is not in the manifest and would be deleted by --prune: declare it",
                    )
                )
            return live[0].id
        if live:
            ids = _some(lt.id for lt in live)
            self.problems.append(
                _problem(
                    f.pos,
                    path,
                    f"{len(live)} live types are named {target!r} ({ids}): rename one in Close",
                )
            )
        else:
            self.problems.append(
                _problem(f.pos, path, f"no type named {target!r} in the manifest or in the org")
            )
        return None


def _type_attrs(ctx: _Ctx, t: TypeSpec) -> dict[str, Any]:
    return {
        "name": t.name,
        "name_plural": t.name_plural,
        "description": t.description,
        "api_create_only": t.api_create_only,
        "editable_with_roles": ctx.role_ids(
            t.editable_with_roles, t.pos, f"{t.name}.editable_with_roles"
        ),
    }


def _field_body(ctx: _Ctx, t: TypeSpec, f: FieldSpec, type_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "custom_object_type_id": type_id,
        "name": f.name,
        "type": f.type,
        "required": f.required,
        "accepts_multiple_values": f.accepts_multiple_values,
        "description": f.description,
        "editable_with_roles": ctx.role_ids(
            f.editable_with_roles, f.pos, f"{t.name}.{f.name}.editable_with_roles"
        ),
    }
    if f.type == "choices":
        body["choices"] = list(f.choices or ())
    if f.type == "custom_object":
        body["referenced_custom_type_id"] = ctx.reference_id(t, f)
        body["back_reference_is_visible"] = f.back_reference_is_visible
    return body


def _created_changes(spec_attrs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"before": None, "after": v} for k, v in spec_attrs.items()}


def _field_view(f: FieldSpec) -> dict[str, Any]:
    """A field's attributes as the user wrote them (names, not ids), for `changes`."""
    d: dict[str, Any] = {"name": f.name, "type": f.type}
    if f.type == "choices":
        d["choices"] = list(f.choices or ())
    if f.type == "custom_object":
        d["references"] = f.references
        d["back_reference_is_visible"] = f.back_reference_is_visible
    d.update(
        required=f.required,
        accepts_multiple_values=f.accepts_multiple_values,
        description=f.description,
        editable_with_roles=sorted(f.editable_with_roles),
    )
    return d


def _note(
    body: dict[str, Any], changes: dict[str, dict[str, Any]], key: str, before: Any, after: Any
) -> None:
    if before != after:
        body[key] = after
        changes[key] = {"before": before, "after": after}


def _note_roles(
    ctx: _Ctx,
    body: dict[str, Any],
    changes: dict[str, dict[str, Any]],
    live_roles: tuple[str, ...],
    want_ids: list[str],
    spec_roles: tuple[str, ...],
) -> None:
    if set(live_roles) != set(want_ids):
        body["editable_with_roles"] = want_ids
        changes["editable_with_roles"] = {
            "before": ctx.role_names(live_roles),
            "after": sorted(spec_roles),
        }


def _compare_type(ctx: _Ctx, t: TypeSpec, lt: LiveType) -> Operation | None:
    want = _type_attrs(ctx, t)
    body: dict[str, Any] = {}
    changes: dict[str, dict[str, Any]] = {}
    for key in ("name", "name_plural", "description", "api_create_only"):
        _note(body, changes, key, getattr(lt, key), want[key])
    _note_roles(
        ctx,
        body,
        changes,
        lt.editable_with_roles,
        want["editable_with_roles"],
        t.editable_with_roles,
    )
    if not body:
        return None
    return Operation(
        "update", TYPE_KIND, t.name, "PUT", f"{TYPES_PATH}{lt.id}/", body, changes, id=lt.id
    )


def _compare_field(
    ctx: _Ctx, t: TypeSpec, f: FieldSpec, lf: LiveField, type_id: str
) -> Operation | None:
    """Return ("replace" | "update", op) for a matched field, or None when it is in sync."""
    address = f"{t.name}.{f.name}"
    want = _field_body(ctx, t, f, type_id)
    changes: dict[str, dict[str, Any]] = {}
    body: dict[str, Any] = {}

    immutable = []
    if lf.type != f.type:
        immutable.append("type")
        changes["type"] = {"before": lf.type, "after": f.type}
    elif f.type == "custom_object" and lf.referenced_type_id != want["referenced_custom_type_id"]:
        immutable.append("references")
        changes["references"] = {
            "before": ctx.type_name_of(lf.referenced_type_id),
            "after": f.references,
        }
    for key in ("name", "required", "accepts_multiple_values", "description"):
        _note(body, changes, key, getattr(lf, key), want[key])
    _note_roles(
        ctx,
        body,
        changes,
        lf.editable_with_roles,
        want["editable_with_roles"],
        f.editable_with_roles,
    )
    if f.type == "choices" and not immutable:
        _note(body, changes, "choices", list(lf.choices or ()), want["choices"])
    if f.type == "custom_object" and not immutable:
        _note(
            body,
            changes,
            "back_reference_is_visible",
            lf.back_reference_is_visible,
            want["back_reference_is_visible"],
        )
    if immutable:
        what = " and ".join(immutable)
        reason = (
            f"a field's {what} cannot change in place: the field is deleted and created "
            f"again, which destroys its values on every {t.name} and gives it a new id"
        )
        if not ctx.allow_replace:
            ctx.problems.append(
                _problem(
                    f.pos,
                    address,
                    f"{reason}; re-run with "
                    "--allow-replace to plan this replace, or keep the old " + what,
                )
            )
        full_changes = _created_changes(_field_view(f))
        full_changes.update(changes)
        return Operation(
            "replace",
            FIELD_KIND,
            address,
            "POST",
            FIELDS_PATH,
            want,
            full_changes,
            id=lf.id,
            defines=ref(FIELD_KIND, address),
            delete_path=f"{FIELDS_PATH}{lf.id}/",
            reason=reason,
        )
    if not body:
        return None
    return Operation(
        "update", FIELD_KIND, address, "PUT", f"{FIELDS_PATH}{lf.id}/", body, changes, id=lf.id
    )


@dataclass
class _Stages:
    create_types: list[Operation]
    update_types: list[Operation]
    write_fields: list[Operation]
    update_fields: list[Operation]
    reorders: list[Operation]
    delete_fields: list[Operation]
    delete_types: list[Operation]

    def ordered(self) -> tuple[Operation, ...]:
        return (
            *self.create_types,
            *self.update_types,
            *self.write_fields,
            *self.update_fields,
            *self.reorders,
            *self.delete_fields,
            *self.delete_types,
        )


def _plan_type_fields(
    ctx: _Ctx, t: TypeSpec, lt: LiveType | None, st: _Stages, unmanaged: list[Unmanaged]
) -> None:
    type_id = ctx.type_ids[t.name]
    live_fields = lt.fields if lt else ()
    matched = _match(t.fields, live_fields, "field", f"{t.name}.", ctx.problems)
    # Order the fields will have once the other operations ran: kept live fields in live
    # order, then new fields appended in creation order (the server appends them).
    appended: list[str] = []
    id_or_ref: dict[str, str] = {}
    for f in t.fields:
        address = f"{t.name}.{f.name}"
        lf = matched.get(f.name)
        if lf is None:
            body = _field_body(ctx, t, f, type_id)
            st.write_fields.append(
                Operation(
                    "create",
                    FIELD_KIND,
                    address,
                    "POST",
                    FIELDS_PATH,
                    body,
                    _created_changes(_field_view(f)),
                    defines=ref(FIELD_KIND, address),
                )
            )
            appended.append(f.name)
            id_or_ref[f.name] = ref(FIELD_KIND, address)
            continue
        op = _compare_field(ctx, t, f, lf, type_id)
        id_or_ref[f.name] = lf.id
        if op is not None and op.action == "replace":
            st.write_fields.append(op)
            appended.append(f.name)
            id_or_ref[f.name] = ref(FIELD_KIND, address)
        elif op is not None:
            st.update_fields.append(op)
    spec_by_live = {lf.id: name for name, lf in matched.items()}
    moved = set(appended)
    kept = [
        spec_by_live[lf.id]
        for lf in live_fields
        if lf.id in spec_by_live and spec_by_live[lf.id] not in moved
    ]
    unmanaged_kept = []
    for lf in live_fields:
        if lf.id in spec_by_live:
            continue
        address = f"{t.name}.{lf.name}"
        if ctx.prune:
            st.delete_fields.append(_delete_field(address, lf, t.name))
        else:
            unmanaged.append(Unmanaged(FIELD_KIND, address, lf.id, f"type {lf.type}"))
            unmanaged_kept.append(lf.id)
    wanted = [f.name for f in t.fields]
    predicted = kept + appended
    if lt is not None and predicted != wanted:
        body = {
            "fields": [{"id": id_or_ref[n]} for n in wanted] + [{"id": i} for i in unmanaged_kept]
        }
        st.reorders.append(
            Operation(
                "reorder",
                TYPE_KIND,
                t.name,
                "PUT",
                f"/custom_field_schema/custom_object/{lt.id}/",
                body,
                {"order": {"before": predicted, "after": wanted}},
                id=lt.id,
            )
        )


def _delete_field(address: str, lf: LiveField, type_name: str) -> Operation:
    return Operation(
        "delete",
        FIELD_KIND,
        address,
        "DELETE",
        f"{FIELDS_PATH}{lf.id}/",
        None,
        {"name": {"before": lf.name, "after": None}},
        id=lf.id,
        reason=f"deleting the field destroys its values on every {type_name}",
    )


@gc_paused()
def compute_plan(
    manifest: Manifest,
    live: LiveOrg,
    *,
    prune: bool = False,
    allow_replace: bool = False,
    protect: Iterable[str] = (),
) -> Plan:
    """The operations that make `live` match `manifest`, in dependency order.

    Raises PlanError listing every problem at once (unknown references or roles, ambiguous
    live names, replaces without allow_replace, protected objects a plan would destroy).
    """
    problems: list[Problem] = []
    matched_types = _match(manifest.types, live.types, "type", "", problems)
    type_ids = {
        t.name: (matched_types[t.name].id if t.name in matched_types else ref(TYPE_KIND, t.name))
        for t in manifest.types
    }
    ctx = _Ctx(
        manifest, live, prune, allow_replace, frozenset(protect), problems, type_ids, matched_types
    )
    st = _Stages([], [], [], [], [], [], [])
    unmanaged: list[Unmanaged] = []
    for t in sorted(manifest.types, key=lambda t: t.name):
        lt = matched_types.get(t.name)
        if lt is None:
            attrs = _type_attrs(ctx, t)
            shown = dict(attrs, editable_with_roles=sorted(t.editable_with_roles))
            st.create_types.append(
                Operation(
                    "create",
                    TYPE_KIND,
                    t.name,
                    "POST",
                    TYPES_PATH,
                    attrs,
                    _created_changes(shown),
                    defines=ref(TYPE_KIND, t.name),
                )
            )
        else:
            op = _compare_type(ctx, t, lt)
            if op:
                st.update_types.append(op)
        _plan_type_fields(ctx, t, lt, st, unmanaged)

    managed_ids = {lt.id for lt in matched_types.values()}
    pruned = [lt for lt in live.types if lt.id not in managed_ids]
    if prune:
        _plan_type_deletes(pruned, live, st)
    else:
        for lt in pruned:
            n = len(lt.fields)
            unmanaged.append(
                Unmanaged(TYPE_KIND, lt.name, lt.id, f"{n} field{'' if n == 1 else 's'}")
            )
    ops = st.ordered()
    _check_protected(ops, ctx)
    if problems:
        raise PlanError(problems)
    return Plan(
        operations=ops,
        unmanaged=tuple(sorted(unmanaged, key=lambda u: (u.kind != TYPE_KIND, u.address, u.id))),
        fingerprint=live.fingerprint(),
        options={"prune": prune, "allow_replace": allow_replace},
    )


def _plan_type_deletes(pruned: list[LiveType], live: LiveOrg, st: _Stages) -> None:
    doomed = {lt.id for lt in pruned}
    already = {op.id for op in (*st.delete_fields, *st.write_fields) if op.id}
    extra = []
    # The API refuses to delete a type that another type's field references: delete those
    # fields first (fields of the doomed type itself go with it).
    for lt in live.types:
        for lf in lt.fields:
            if (
                lf.referenced_type_id in doomed
                and lf.referenced_type_id != lt.id
                and lf.id not in already
            ):
                extra.append(_delete_field(f"{lt.name}.{lf.name}", lf, lt.name))
                already.add(lf.id)
    st.delete_fields.extend(extra)
    st.delete_fields.sort(key=lambda op: (op.address, op.id or ""))
    for lt in sorted(pruned, key=lambda lt: (lt.name, lt.id)):
        n = len(lt.fields)
        st.delete_types.append(
            Operation(
                "delete",
                TYPE_KIND,
                lt.name,
                "DELETE",
                f"{TYPES_PATH}{lt.id}/",
                None,
                {"name": {"before": lt.name, "after": None}},
                id=lt.id,
                reason=f"deleting the type destroys every {lt.name} object and its "
                f"{n} field{'' if n == 1 else 's'}",
            )
        )


def protected_hits(ops: Sequence[Operation], protect: Iterable[str]) -> list[tuple[Operation, str]]:
    """Destructive operations on protected objects: `Type` protects the type and its fields."""
    wanted = set(protect)
    hits = []
    for op in ops:
        if not op.destructive:
            continue
        candidates = [op.address, op.address.split(".", 1)[0]]
        if op.kind == TYPE_KIND:  # deleting a type deletes its fields too
            candidates += sorted(p for p in wanted if p.startswith(op.address + "."))
        hit = next((c for c in candidates if c in wanted), None)
        if hit:
            hits.append((op, hit))
    return hits


def _check_protected(ops: Sequence[Operation], ctx: _Ctx) -> None:
    for op, hit in protected_hits(ops, ctx.protect):
        spec = ctx.manifest.type_named(op.address.split(".", 1)[0])
        ctx.problems.append(
            _problem(
                spec.pos if spec else None,
                op.address,
                f"the plan would {op.action} {op.address}, which this environment protects "
                f"({hit!r} is in its protect list); nothing will be applied",
            )
        )
