"""Safe YAML: bytes from a file -> a small tree of nodes that remember their line numbers.

Decks are files written by strangers, so nothing here ever constructs an object from a tag, and every
way a file can be hostile or broken ends as :class:`YamlError` carrying one-line :class:`Problem`s:

- too large (over :data:`MAX_BYTES`), empty, binary (a NUL byte), not UTF-8, not YAML at all;
- a tag other than YAML's plain data types (``!!python/object...``, ``!custom``): a problem, never a call;
- an alias bomb ("billion laughs"): YAML is *composed* (parsed into a node graph where an alias is just a
  second reference to its anchored node, so composing stays linear in the file size); then the size the
  graph would have with every alias expanded is computed once per distinct node (linear time), and past
  :data:`MAX_NODES` the file is refused. A recursive alias is caught by the same count. Only then is the
  graph walked into our tree (with its own node budget and depth limit), and nothing is ever constructed
  from a tag.

libyaml's C parser is used when PyYAML has it (it is ~10x faster than the pure-Python one and caps nesting
depth itself); the pure-Python composer is the fallback.

Scalars keep their *text* (``node.value``) and YAML's resolved type name (``node.type``): the loader
reads text fields as written (so ``answer: no`` stays ``"no"`` instead of becoming ``False``) and asks
for the typed value (:meth:`Scalar.typed`) only where types matter (parametric values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml import nodes as ynodes

from quizapp.core.decks.model import Problem

try:  # libyaml bindings: much faster; absent on some platforms
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024  # a deck of a thousand cards is ~300 KB; anything far larger is not a deck
MAX_NODES = 100_000  # nodes after alias expansion; a 200-card deck has ~3,000
MAX_DEPTH = 64  # a deck is ~5 levels deep

_CORE = "tag:yaml.org,2002:"
# The only tags a deck may carry, implicit (resolved from plain scalars) or written explicitly (``!!str``).
_SCALAR_TYPES = {f"{_CORE}{name}": name for name in ("str", "int", "float", "bool", "null", "timestamp")}
# YAML 1.1 also resolves a plain '=' to !!value and a plain '<<' to !!merge; outside a merge key both are
# just text.
_SCALAR_TYPES.update({f"{_CORE}value": "str", f"{_CORE}merge": "str"})
_MAP_TAG = f"{_CORE}map"
_SEQ_TAG = f"{_CORE}seq"
_MERGE_TAG = f"{_CORE}merge"


@dataclass(frozen=True, slots=True)
class Scalar:
    value: str  # the scalar's text as written (quotes and block indentation removed)
    type: str  # str, int, float, bool, null or timestamp: what YAML resolved it to
    line: int  # 1-based
    style: str | None = None  # None for plain, "'" or '"' for quoted, "|" or ">" for block scalars

    def typed(self) -> Any:
        """The Python value YAML gives this scalar (int, float, bool, None or str; timestamps stay text)."""
        if self.type in ("str", "timestamp"):
            return self.value
        tag = f"{_CORE}{self.type}"
        # Call the safe constructor for this one scalar tag directly (construct_object would cache the node).
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, ynodes.ScalarNode(tag, self.value))


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]
    line: int
    flow_text: str | None = None  # the source text of a flow sequence (``[2, 3]``), else None


@dataclass(frozen=True, slots=True)
class Map:
    # (key, value) in file order; keys are scalars (the walk rejects anything else)
    items: tuple[tuple[Scalar, Node], ...]
    line: int
    duplicates: tuple[Scalar, ...] = field(default=())  # repeated keys (YAML would silently keep the last)

    def get(self, key: str) -> Node | None:
        for k, v in self.items:
            if k.value == key:
                return v
        return None


Node = Scalar | Seq | Map

_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class YamlError(Exception):
    """The file cannot be read as a YAML data document; ``problems`` says why, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_tree(path: Path, display: str | None = None) -> tuple[Node, list[Problem]]:
    """Read ``path`` and return its YAML document as a tree, with the non-fatal problems found (a
    disallowed tag is reported and its node kept as plain data, so the rest of the file is still checked);
    raise :class:`YamlError` if the file is not a YAML document at all."""
    shown = display if display is not None else str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise YamlError([Problem(shown, "is a folder, not a deck file")]) from None
    except OSError as exc:
        raise YamlError([Problem(shown, f"cannot read: {exc.strerror or exc}")]) from None
    return parse_bytes(data, shown)


def parse_bytes(data: bytes, display: str) -> tuple[Node, list[Problem]]:
    """Parse one YAML document from raw bytes (see the module docstring for every guard)."""
    if len(data) > MAX_BYTES:
        raise YamlError([Problem(display, f"file is too large for a deck (over {MAX_BYTES // (1024 * 1024)} MiB)")])
    if b"\x00" in data:
        raise YamlError([Problem(display, "binary file, not a YAML deck (it contains NUL bytes)")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError([Problem(display, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x})", line)]) from None
    return parse_text(text, display)


def parse_text(text: str, display: str) -> tuple[Node, list[Problem]]:
    if not _has_content(text):
        raise YamlError([Problem(display, "empty file: a deck needs at least 'deck', 'title' and 'cards'")])
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = _one_line(exc.problem or exc.context or "syntax error")
        if "another document" in what:
            what = "a deck file holds one document, but this one has a second ('---')"
        raise YamlError([Problem(display, f"not valid YAML: {what}", line)]) from None
    except yaml.reader.ReaderError as exc:  # control characters
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlError([Problem(display, f"not valid YAML: control character #x{char:02x} is not allowed"
                                          " (write it as an escape in a double-quoted string)", line)]) from None
    except yaml.YAMLError as exc:
        raise YamlError([Problem(display, f"not valid YAML: {_one_line(str(exc))}")]) from None
    except RecursionError:  # the pure-Python composer on absurd nesting
        raise YamlError([Problem(display, "not valid YAML: nested too deeply")]) from None
    if root is None:
        raise YamlError([Problem(display, "empty file: a deck needs at least 'deck', 'title' and 'cards'")])
    # Without an anchor ('&') there can be no alias, so the graph is a tree as large as the file: the walk's
    # own budget and depth limit bound it. Only a file with anchors needs the expansion count first.
    if "&" in text:
        _check_expanded_size(root, display)
    return _Walker(text, display).convert(root)


def _check_expanded_size(root: ynodes.Node, display: str) -> None:
    """Raise if expanding every alias would make more than :data:`MAX_NODES` nodes, or never end.

    The size of each distinct node is computed once (memoised by identity), so this is linear in the
    composed graph, however many times its aliases multiply it: a billion-laughs file fails in
    microseconds, before anything is built from it.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: ynodes.Node, depth: int) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if isinstance(node, ynodes.ScalarNode):
            return 1
        if depth > MAX_DEPTH:
            raise YamlError([Problem(display, f"nested too deeply (more than {MAX_DEPTH} levels)",
                                     node.start_mark.line + 1)])
        if key in on_path:
            raise YamlError([Problem(display, "recursive alias: a node that contains itself",
                                     node.start_mark.line + 1)])
        on_path.add(key)
        total = 1
        children = node.value if isinstance(node, ynodes.SequenceNode) else [c for kv in node.value for c in kv]
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                raise YamlError([Problem(display, f"too many nodes: expanding its aliases would make more than"
                                         f" {MAX_NODES:,} (an alias bomb?)", node.start_mark.line + 1)])
        on_path.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


def _has_content(text: str) -> bool:
    for raw in text.splitlines():
        s = raw.strip()
        if s and not s.startswith("#") and s not in ("---", "..."):
            return True
    return False


def _compose(text: str) -> ynodes.Node | None:
    """The single document's node graph (aliases are shared references: nothing is expanded yet)."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    return root


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _tag_shown(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


class _Walker:
    """Turns the composed graph into :data:`Node`s, expanding aliases under a node budget."""

    def __init__(self, text: str, display: str):
        self.text = text
        self.display = display
        self.budget = MAX_NODES
        self.problems: list[Problem] = []

    def convert(self, root: ynodes.Node) -> tuple[Node, list[Problem]]:
        tree = self._node(root, 0)
        return tree, self.problems

    def _fail(self, message: str, node: ynodes.Node) -> NoReturn:
        # Fatal problems (size, depth) stop the walk at once: the tree is useless anyway.
        raise YamlError([Problem(self.display, message, node.start_mark.line + 1)])

    def _node(self, node: ynodes.Node, depth: int) -> Node:
        # A second guard behind _check_expanded_size (which has already refused bombs and cycles when
        # there are anchors): a huge tree without anchors stops here.
        self.budget -= 1
        if self.budget < 0:
            self._fail(f"too many values for a deck (more than {MAX_NODES:,})", node)
        if depth > MAX_DEPTH:
            self._fail(f"nested too deeply (more than {MAX_DEPTH} levels)", node)
        line = node.start_mark.line + 1
        if isinstance(node, ynodes.ScalarNode):
            kind = _SCALAR_TYPES.get(node.tag)
            if kind is None:
                self.problems.append(Problem(self.display, f"tag '{_tag_shown(node.tag)}' is not allowed: "
                                             "decks hold plain data only", line))
                kind = "str"
            return Scalar(node.value, kind, line, node.style or None)  # libyaml says "" for plain
        if isinstance(node, ynodes.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.problems.append(Problem(self.display, f"tag '{_tag_shown(node.tag)}' is not allowed: "
                                             "decks hold plain data only", line))
            items = tuple(self._node(child, depth + 1) for child in node.value)
            flow = None
            if node.flow_style:
                flow = _one_line(self.text[node.start_mark.index:node.end_mark.index])
            return Seq(items, line, flow)
        if not isinstance(node, ynodes.MappingNode):
            # the composer makes only these three node types; anything else is a bug, reported as a problem
            self._fail(f"unexpected YAML node {type(node).__name__}", node)
        if node.tag != _MAP_TAG:
            self.problems.append(Problem(self.display, f"tag '{_tag_shown(node.tag)}' is not allowed: "
                                         "decks hold plain data only", line))
        return self._mapping(node, depth)

    def _mapping(self, node: ynodes.MappingNode, depth: int) -> Map:
        items: list[tuple[Scalar, Node]] = []
        merged: list[tuple[Scalar, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ynodes.ScalarNode) and key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_source(value_node, depth))
                continue
            key = self._node(key_node, depth + 1)
            if not isinstance(key, Scalar):
                self.problems.append(Problem(self.display, "a key must be plain text, not a list or mapping",
                                             key.line))
                continue
            items.append((key, self._node(value_node, depth + 1)))
        seen: set[str] = set()
        duplicates: list[Scalar] = []
        for key, _ in items:
            if key.value in seen:
                duplicates.append(key)
            seen.add(key.value)
        # '<<: *base' merge keys: explicit keys win over merged ones, as in YAML's merge spec.
        for key, value in merged:
            if key.value not in seen:
                items.append((key, value))
                seen.add(key.value)
        return Map(tuple(items), node.start_mark.line + 1, tuple(duplicates))

    def _merge_source(self, value_node: ynodes.Node, depth: int) -> list[tuple[Scalar, Node]]:
        sources = value_node.value if isinstance(value_node, ynodes.SequenceNode) else [value_node]
        out: list[tuple[Scalar, Node]] = []
        for source in sources:
            converted = self._node(source, depth + 1)
            if not isinstance(converted, Map):
                self.problems.append(Problem(self.display, "'<<' must merge a mapping (or a list of mappings)",
                                             converted.line))
                continue
            for key, value in converted.items:
                if all(key.value != k.value for k, _ in out):
                    out.append((key, value))
        return out
