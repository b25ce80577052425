"""Typed builders for test manifests: TypeSpec / FieldSpec (what the model held before it was
generic), and `SpecManifest`, which becomes a model Manifest through a plain document."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from schemasync.manifest_build import manifest_from_document
from schemasync.model import Manifest, Pos


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    choices: tuple[str, ...] | None = None
    required: bool = False
    accepts_multiple_values: bool = False
    description: str | None = None
    editable_with_roles: tuple[str, ...] = ()
    references: str | None = None
    back_reference_is_visible: bool = False
    renamed_from: tuple[str, ...] = ()
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TypeSpec:
    name: str
    name_plural: str
    description: str | None = None
    api_create_only: bool = False
    editable_with_roles: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    pos: Pos | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SpecManifest:
    """A manifest of typed specs; `model()` is the Manifest the planner takes."""

    types: tuple[TypeSpec, ...] = ()
    sources: tuple[str, ...] = ()

    def document(self, *, defaults: bool = False) -> dict[str, Any]:
        return document(self, defaults=defaults)

    def model(self) -> Manifest:
        return manifest_from_document(self.document(), *(self.sources[:1] or ("<specs>",)))


def document(m: SpecManifest, *, defaults: bool = False) -> dict[str, Any]:
    """The manifest document that loads back as `m`: every attribute that is set, and with
    `defaults` also those at their default value (false, empty lists)."""

    def plain(spec: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(spec):
            value = getattr(spec, f.name)
            if f.name == "pos" or value is None or (value == f.default and not defaults):
                continue
            if f.name == "fields":
                out[f.name] = [plain(v) for v in value]
            else:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    return {"version": 1, "custom_object_types": [plain(t) for t in m.types]}


def as_model(m: SpecManifest | Manifest) -> Manifest:
    return m.model() if isinstance(m, SpecManifest) else m


def canonical(m: Manifest | SpecManifest) -> list[Any]:
    """A manifest's objects as plain nested data (model objects compare by identity)."""

    def obj(o: Any) -> dict[str, Any]:
        return {
            "kind": o.kind.name,
            "values": o.values,
            "renamed_from": o.renamed_from,
            "children": {k: [obj(c) for c in v] for k, v in sorted(o.children.items())},
        }

    model = as_model(m)
    return [[k, [obj(o) for o in objs]] for k, objs in sorted(model.objects.items())]
