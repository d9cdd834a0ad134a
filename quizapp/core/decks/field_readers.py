"""The deck loader's generic field readers: keys, text, required text and tags, each reporting its problems.

:class:`FieldReader` collects every problem of one file as ``path:line: message`` lines; the loader's
reader (and the kinds' ``read_extra``, which get it) build on these. The small helpers here word the
values and types that problems mention.
"""

from __future__ import annotations

import difflib

from quizapp.core.decks.model import Problem
from quizapp.core.decks.yamlsafe import Map, Node, Scalar, Seq


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def shown_value(value: str) -> str:
    one = " ".join(value.split())
    return one if len(one) <= 40 else one[:37] + "..."


def type_name(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    return {"int": "a number", "float": "a number", "bool": "true/false", "null": "nothing"}.get(node.type, "text")


def absent_or_empty(entry: tuple[Scalar, Node] | None) -> bool:
    """True when a key is missing or holds nothing/blank text (a wrong type is reported elsewhere)."""
    return entry is None or isinstance(entry[1], Scalar)


class FieldReader:
    """Collects one file's problems and reads its generic fields; the deck reader builds on it."""

    def __init__(self, display: str, problems: list[Problem]):
        self.display = display
        self.problems: list[Problem] = list(problems)  # the YAML layer's non-fatal ones (disallowed tags)

    def problem(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(self.display, message, line))

    def check_keys(self, mapping: Map, allowed: tuple[str, ...], where: str) -> dict[str, tuple[Scalar, Node]]:
        """The mapping's entries by key, reporting unknown and duplicate keys."""
        for dup in mapping.duplicates:
            self.problem(f"duplicate key '{shown_value(dup.value)}'{where}"
                         " (YAML would silently keep only the last one)", dup.line)
        found: dict[str, tuple[Scalar, Node]] = {}
        for key, value in mapping.items:
            if key.value not in allowed:
                self.problem(f"unknown key '{shown_value(key.value)}'{where}{did_you_mean(key.value, allowed)}",
                             key.line)
                continue
            found.setdefault(key.value, (key, value))
        return found

    def text(self, entry: tuple[Scalar, Node] | None, name: str, *, flow_ok: bool = False) -> str | None:
        """A text field: any scalar, read as written. Empty (``key:``) counts as absent."""
        if entry is None:
            return None
        _key, node = entry
        if isinstance(node, Scalar):
            if node.type == "null" and node.style is None:
                return None
            return node.value
        if flow_ok and isinstance(node, Seq) and node.flow_text is not None:
            return node.flow_text
        hint = " (quote it: write the answer as text, e.g. '[2, 3]')" if flow_ok else ""
        self.problem(f"'{name}' must be text, not {type_name(node)}{hint}", node.line)
        return None

    def required_text(self, entries: dict[str, tuple[Scalar, Node]], name: str, what: str,
                      line: int) -> str | None:
        entry = entries.get(name)
        if entry is None:
            self.problem(f"missing required key '{name}' ({what})", line)
            return None
        value = self.text(entry, name)
        if value is None and isinstance(entry[1], Scalar):
            self.problem(f"'{name}' is empty ({what})", entry[0].line)
        elif value is not None and not value.strip():
            self.problem(f"'{name}' is blank ({what})", entry[1].line)
            return None
        return value

    def tags(self, entry: tuple[Scalar, Node] | None) -> tuple[str, ...]:
        if entry is None:
            return ()
        _key, node = entry
        if isinstance(node, Scalar) and node.type == "null":
            return ()
        if not isinstance(node, Seq):
            self.problem(f"'tags' must be a list of text, e.g. [views, strides], not {type_name(node)}", node.line)
            return ()
        out: list[str] = []
        for item in node.items:
            if not isinstance(item, Scalar) or item.type == "null" or not item.value.strip():
                self.problem(f"each tag must be non-empty text, not {type_name(item)}", item.line)
            else:
                out.append(item.value.strip())
        return tuple(out)
