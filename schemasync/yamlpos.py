"""Position-tracking YAML reader: YAML 1.2 core types, every value located, every input handled.

`read_yaml_file` turns one file into a tree of `Node`s (or problems, never another exception).
It works from libyaml's event stream rather than PyYAML's composer because the composer recurses
once per nesting level (a deeply nested file would overflow the stack) and resolves scalars
with YAML 1.1 rules (`yes` → True, `2024-01-01` → date), which a manifest must not do.
The tree is built iteratively, so nesting depth and alias expansion are bounded by explicit
limits instead of by the interpreter.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Callable
from typing import Any

import yaml

from schemasync.errors import Problem

try:  # the C parser is ~10x faster; the pure-Python one gives the same events
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

MAX_BYTES = 5 * 1024 * 1024  # a real org's manifest is a few KB; this bounds time and memory
MAX_DEPTH = 64  # a manifest nests 6 levels deep
# Keys and values, aliases expanded. Bounds the time taken by any file under MAX_BYTES
# ("billion laughs" alias bombs, lists of a million tiny items) to a few seconds, while a large
# real org (50 types of 100 fields) needs about 40,000.
MAX_NODES = 250_000

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null")}
_MAP_TAG, _SEQ_TAG = f"{_CORE}map", f"{_CORE}seq"
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = re.compile(r"~|null|Null|NULL|")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_MAYBE_NOT_STR = set("0123456789+-.~tTfFnN") | {""}  # first characters of non-strings
_NO_KEYS: dict[str, Node] = {}  # shared by every non-mapping node, never written to
# Characters YAML forbids in a stream (c-printable's complement); found up front so a binary
# file gets one clear problem with its position.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Node:
    """One YAML value and where it starts (1-based).

    value is a dict[str, Node] for a mapping (with `keys` holding the key nodes), a list[Node]
    for a sequence, else a str, int, float, bool or None. `source` is the text of an unquoted
    scalar that resolved to a non-string, so a caller expecting a string can take it as written.
    """

    __slots__ = ("value", "file", "line", "col", "source", "keys", "size")

    def __init__(self, value: Any, file: str, line: int, col: int, source: str | None = None):
        self.value = value
        self.file = file
        self.line = line
        self.col = col
        self.source = source
        self.keys: dict[str, Node] = {} if type(value) is dict else _NO_KEYS
        self.size = 1  # number of values below and including this one, aliases expanded

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def problem(self, path: str, message: str) -> Problem:
        return Problem(self.file, self.line, self.col, path, message)

    def __repr__(self) -> str:
        return f"Node({self.value!r} at {self.where()})"


def to_plain(node: Node) -> Any:
    """The node's value as plain dicts, lists and scalars (what JSON Schema validates)."""
    if node.is_map:
        return {k: to_plain(v) for k, v in node.value.items()}
    if node.is_seq:
        return [to_plain(v) for v in node.value]
    return node.value


class _Stop(Exception):
    """Reading this file cannot go on; the problem is already recorded."""


def _position(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


Describe = Callable[[Node, tuple[Any, ...]], str]


def dotted(root: Node, data_path: tuple[Any, ...]) -> str:
    """The default way to show a data path: `a.b[0].c`."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in data_path).lstrip(".")


def read_yaml_file(path: str, describe: Describe = dotted) -> tuple[Node | None, list[Problem]]:
    """Read one YAML file; problems name it as `path` exactly as given.

    `describe(root, data_path)` turns the data path of a problem inside the document (a tuple of
    keys and indexes) into the `path` shown to the user.
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None, [Problem(path, 0, 0, "", "not a regular file")]
        if st.st_size > MAX_BYTES:
            return None, [_too_large(path, st.st_size)]
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None, [Problem(path, 0, 0, "", "no such file or directory")]
    except OSError as e:
        return None, [Problem(path, 0, 0, "", f"cannot read the file: {e.strerror or e}")]
    if len(data) > MAX_BYTES:  # it grew between stat and read
        return None, [_too_large(path, len(data))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start].decode("utf-8-sig", "replace")
        line, col = _position(before, len(before))
        bad = data[e.start]
        return None, [Problem(path, line, col, "", f"not UTF-8 text (byte 0x{bad:02x})")]
    return parse_yaml(text, path, describe)


def _too_large(path: str, size: int) -> Problem:
    limit = MAX_BYTES / 2**20
    return Problem(
        path, 0, 0, "", f"file is too large ({size / 2**20:.1f} MB; the limit is {limit:g} MB)"
    )


def parse_yaml(
    text: str, file: str, describe: Describe = dotted
) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document; the root is None when the stream holds no document."""
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, col = _position(text, bad.start())
        char = f"U+{ord(bad.group()):04X}"
        message = f"character {char} is not allowed in YAML (is this a binary file?)"
        return None, [Problem(file, line, col, "", message)]
    builder = _Builder(text, file)
    try:
        try:
            builder.run()
        except yaml.MarkedYAMLError as e:
            if _Loader is yaml.SafeLoader or "maximum nesting depth" not in str(e.problem):
                raise
            # Newer libyaml (PyYAML 6.0.2+ wheels) has a nesting limit of its own (1000
            # levels) and, scanning ahead, can hit it before this reader sees the 65th level.
            # The pure-Python parser gives the same events without that limit, so the problem
            # and its position are MAX_DEPTH's, whatever libyaml the wheel was built with.
            builder = _Builder(text, file, yaml.SafeLoader)
            builder.run()
    except _Stop:
        return None, builder.problems
    except yaml.MarkedYAMLError as e:
        return None, [*builder.problems, _syntax_problem(e, text, file)]
    except yaml.YAMLError as e:  # a reader error without a mark
        position = getattr(e, "position", None)
        line, col = _position(text, position) if isinstance(position, int) else (0, 0)
        reason = getattr(e, "reason", None) or e
        return None, [*builder.problems, Problem(file, line, col, "", f"YAML error: {reason}")]
    root = builder.root
    if root is None:
        return None, builder.problems
    located = [node.problem(describe(root, path), msg) for path, node, msg in builder.located]
    return root, builder.problems + located


def _syntax_problem(e: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    if mark and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message = "YAML syntax error: a tab is not allowed here (YAML indents with spaces)"
        return Problem(file, line, col, "", message)
    message = f"YAML syntax error: {e.problem or e.context}"
    if e.context and e.problem and e.context_mark:
        message += f" ({e.context} at line {e.context_mark.line + 1})"
    return Problem(file, line, col, "", message)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _resolve(text: str) -> tuple[str, Any]:
    """YAML 1.2 core schema resolution of an untagged plain scalar: (kind, value)."""
    if _NULL.fullmatch(text):
        return "null", None
    if text in _BOOLS:
        return "bool", _BOOLS[text]
    if _INT.fullmatch(text):
        try:
            return "int", int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)
        except ValueError:  # more digits than Python converts: not a number anyone means
            return "str", text
    if _FLOAT.fullmatch(text):
        return "float", float(text)
    if _INF.fullmatch(text):
        return "float", -math.inf if text[0] == "-" else math.inf
    if _NAN.fullmatch(text):
        return "float", math.nan
    return "str", text


_BAD_KEY = Node(None, "", 0, 0)  # marks a mapping entry whose value is to be dropped


class _Frame:
    __slots__ = ("node", "key", "anchor")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.key: Node | None = None
        self.anchor = anchor


class _Builder:
    """Builds the Node tree from parser events with an explicit stack."""

    def __init__(self, text: str, file: str, loader: type | None = None) -> None:
        self.text = text
        self.file = file
        self.loader = loader or _Loader
        self.problems: list[Problem] = []  # fatal ones: the tree is not kept
        self.located: list[tuple[tuple[Any, ...], Node, str]] = []  # (data path, node, message)
        self.root: Node | None = None
        self.anchors: dict[str, Node] = {}
        self.stack: list[_Frame] = []
        self.total = 0

    def run(self) -> None:
        loader = self.loader(self.text)
        documents = 0
        try:
            while loader.check_event():
                event = loader.get_event()
                kind = type(event)  # exact types: these are hot loops over every value
                if kind is yaml.ScalarEvent:
                    self._attach(self._scalar(event), event)
                elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    self._open(event)
                elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                    frame = self.stack.pop()
                    if frame.anchor is not None:
                        self.anchors[frame.anchor] = frame.node
                    self._attach(frame.node, event)
                elif kind is yaml.AliasEvent:
                    self._attach(self._alias(event), event)
                elif kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        self._fail(
                            event,
                            "a manifest file holds one YAML document; another one starts here",
                        )
        finally:
            loader.dispose()

    def _node(self, event: Any, value: Any, source: str | None = None) -> Node:
        mark = event.start_mark
        return Node(value, self.file, mark.line + 1, mark.column + 1, source)

    def _here(self) -> tuple[Any, ...]:
        """Data path of the value being read (of the mapping, while a key is being read)."""
        path: list[Any] = []
        for frame in self.stack:
            if frame.node.is_seq:
                path.append(len(frame.node.value))
            elif frame.key is None or frame.key is _BAD_KEY:
                break
            else:
                path.append(frame.key.value)
        return tuple(path)

    def _note(self, node: Node, message: str) -> None:
        self.located.append((self._here(), node, message))

    def _fail(self, event: Any, message: str) -> None:
        self.problems.append(self._node(event, None).problem("", message))
        raise _Stop

    def _unsupported(self, event: Any, tag: str) -> None:
        self._note(
            self._node(event, None),
            (
                f"unsupported tag {_tag_name(tag)} (only the YAML core tags !!str, !!int, "
                "!!float, !!bool, !!null, !!map and !!seq are allowed)"
            ),
        )

    def _scalar(self, event: yaml.ScalarEvent) -> Node:
        text, tag = event.value, event.tag
        if tag is None and event.implicit[0]:  # plain and untagged: resolve by the core schema
            if text[:1] not in _MAYBE_NOT_STR:
                return self._node(event, text)
            kind, value = _resolve(text)
            return self._node(event, value, None if kind == "str" else text)
        if tag is None or tag in ("!", f"{_CORE}str"):
            return self._node(event, text)
        if tag in _SCALAR_TAGS:
            kind, value = _resolve(text)
            if kind == tag[len(_CORE) :] or (kind == "int" and tag.endswith("float")):
                return self._node(event, float(value) if tag.endswith("float") else value)
            self._note(self._node(event, None), f"{text!r} is not a valid {_tag_name(tag)}")
        else:
            self._unsupported(event, tag)
        return self._node(event, text)

    def _alias(self, event: Any) -> Node:
        node = self.anchors.get(event.anchor)
        if node is not None:
            self.total += node.size - 1  # _attach counts the one
            return node
        if any(frame.anchor == event.anchor for frame in self.stack):
            self._fail(event, f"alias *{event.anchor} refers to a value that contains it")
        self._note(
            self._node(event, None),
            f"alias *{event.anchor} refers to no anchor (&{event.anchor}) defined before it",
        )
        return self._node(event, None)

    def _open(self, event: Any) -> None:
        if len(self.stack) >= MAX_DEPTH:
            self._fail(event, f"values are nested too deeply (more than {MAX_DEPTH} levels)")
        is_map = isinstance(event, yaml.MappingStartEvent)
        tag = event.tag
        if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
            self._unsupported(event, tag)
        self.stack.append(_Frame(self._node(event, {} if is_map else []), event.anchor))

    def _attach(self, node: Node, event: Any) -> None:
        """Put a finished node into its parent (or make it the root)."""
        self.total += 1
        if self.total > MAX_NODES:
            self._fail(
                event,
                f"the document is too large: more than {MAX_NODES} keys and "
                "values (aliases expanded)",
            )
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.ScalarEvent) and anchor is not None:
            self.anchors[anchor] = node
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        parent = frame.node
        parent.size += node.size
        if type(parent.value) is list:
            parent.value.append(node)
        elif frame.key is None:
            frame.key = self._key(parent, node)
        else:
            if frame.key is not _BAD_KEY:
                parent.keys[frame.key.value] = frame.key
                parent.value[frame.key.value] = node
            frame.key = None

    def _key(self, parent: Node, key: Node) -> Node:
        if key.is_map or key.is_seq:
            self._note(
                key, f"a mapping key must be a string, not a {'mapping' if key.is_map else 'list'}"
            )
            return _BAD_KEY
        # Keys are names: take the text as written (`1: x` and `true: x` have keys "1", "true").
        text = key.source if key.source is not None else key.value
        text = "null" if text is None else str(text)
        first = parent.keys.get(text)
        if first is not None:
            where = f"line {first.line}, column {first.col}"
            self._note(key, f'duplicate key "{text}" (first at {where})')
            return _BAD_KEY
        return Node(text, key.file, key.line, key.col)
