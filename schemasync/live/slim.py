"""Decode list responses keeping only what a plan reads (a json.loads object_pairs_hook)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PairsHook = Callable[[list[tuple[str, Any]]], dict[str, Any]]

_ENVELOPE = frozenset({"data", "has_more"})


@dataclass(frozen=True)
class Slim:
    """What of a list response's objects to keep while its JSON is decoded.

    A big org's lists carry dates, users and org ids on every object, and the types list
    embeds a summary of every field: about half of what they decode to is never read.
    `hook()` is a `json.loads` object_pairs_hook that builds each object with only `keys`
    (null values dropped too: the parser reads every key with .get(), so null and missing
    read alike), cuts the objects in a `nested` key's list down to their own keys, and keeps
    one str per distinct value of the `shared` keys (ids and kinds that repeat on every
    field). A nested item that is a shared field's entry (`is_shared: true`) also keeps the
    `nested_shared` keys. Anything else, wrong types included, passes through for the parser
    to judge.
    """

    keys: frozenset[str]
    nested: Mapping[str, frozenset[str]] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()
    # Keys a nested item keeps besides `nested`'s when it is a shared field's entry.
    nested_shared: frozenset[str] = frozenset()

    def hook(self) -> PairsHook:
        # The hook builds nested objects before their parent, with the same key set: the
        # nested keys must pass it too (the parent then cuts its nested lists down).
        keys = self.keys | _ENVELOPE | self.nested_shared
        for inner_keys in self.nested.values():
            keys = keys | inner_keys
        nested, shared, more = self.nested, self.shared, self.nested_shared
        seen: dict[str, str] = {}

        def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            out = {}
            for key, value in pairs:
                if value is None or key not in keys:
                    continue
                if key in nested and type(value) is list:
                    inner = nested[key]
                    value = [
                        {
                            k: v
                            for k, v in item.items()
                            if k in inner or (k in more and item.get("is_shared") is True)
                        }
                        if type(item) is dict
                        else item
                        for item in value
                    ]
                elif key in shared and type(value) is str:
                    value = seen.setdefault(value, value)
                out[key] = value
            return out

        return build
