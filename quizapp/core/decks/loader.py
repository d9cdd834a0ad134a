"""The strict deck loader: a YAML file -> :class:`Deck`, or :class:`DeckLoadError` listing every problem.

The format is docs/deck-format.md (public: authors run ``quizapp deck check`` in their own CI),
extended compatibly with parametric cards (docs/deck-format.md). Strict means a typo never passes
silently: unknown keys, wrong types, keys that do not apply to a card's kind, code that is not Python.
Every problem is one ``path:line: message`` line, and all problems of a file are collected, not only the
first.

Text fields are read as written (``answer: no`` is the text "no", not YAML's ``False``; ``expect: 3`` is
"3"), because they are shown to people or parsed by the grader, never used as YAML values.
"""

from __future__ import annotations

import ast
import difflib
import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from quizapp.core.decks import params as P
from quizapp.core.decks import torchver
from quizapp.core.decks.model import Card, Deck, DeckLoadError, Kind, Problem
from quizapp.core.decks.yamlsafe import Map, Node, Scalar, Seq, YamlError, parse_bytes, read_tree
from quizapp.core.kinds import registry as kinds
from quizapp.core.kinds.base import CodeMode

DECK_KEYS = ("deck", "title", "description", "tags", "concepts", "torch", "cards")
COMMON_KEYS = ("id", "kind", "prompt", "explain", "tags", "concept", "torch")  # every kind; the rest is the kind's
CARD_KEYS = tuple(dict.fromkeys(("id", "kind", "setup", "ask", "expect", "prompt", "explain", "answer", "tags",
                                 "concept", "params", "torch") + kinds.all_keys()))
KIND_NAMES = kinds.names()
DECK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")  # used with fullmatch
TEXT_FIELDS = ("setup", "ask", "expect", "prompt", "explain", "answer", "solution")


def default_prompt(kind: Kind, ask: str) -> str:
    """The question an executable card asks when its author gave no ``prompt``."""
    return kinds.get(kind).default_prompt(ask) or ""


def display_path(path: Path) -> str:
    """How a file is named in problems: relative to the working folder when it is inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def load_deck(path: Path | str, *, bundled: bool = False, display: str | None = None) -> Deck:
    """Load and validate one deck file; raise :class:`DeckLoadError` with all its problems."""
    path = Path(path)
    shown = display if display is not None else display_path(path)
    try:
        tree, problems = read_tree(path, shown)
    except YamlError as exc:
        raise DeckLoadError(exc.problems) from None
    return _DeckReader(shown, path, bundled, problems).read(tree)


def parse_deck(data: bytes | str, display: str = "<deck>", *, source: Path | None = None) -> Deck:
    """Validate a deck given as bytes or text (what :func:`load_deck` does after reading the file)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    try:
        tree, problems = parse_bytes(data, display)
    except YamlError as exc:
        raise DeckLoadError(exc.problems) from None
    return _DeckReader(display, source, False, problems).read(tree)


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _shown_value(value: str) -> str:
    one = " ".join(value.split())
    return one if len(one) <= 40 else one[:37] + "..."


def _type_name(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    return {"int": "a number", "float": "a number", "bool": "true/false", "null": "nothing"}.get(node.type, "text")


class _DeckReader:
    def __init__(self, display: str, source: Path | None, bundled: bool, problems: list[Problem]):
        self.display = display
        self.source = source
        self.bundled = bundled
        self.problems: list[Problem] = list(problems)  # the YAML layer's non-fatal ones (disallowed tags)

    def problem(self, message: str, line: int | None) -> None:
        self.problems.append(Problem(self.display, message, line))

    # -- generic field readers -------------------------------------------------------------------

    def check_keys(self, mapping: Map, allowed: tuple[str, ...], where: str) -> dict[str, tuple[Scalar, Node]]:
        """The mapping's entries by key, reporting unknown and duplicate keys."""
        for dup in mapping.duplicates:
            self.problem(f"duplicate key '{_shown_value(dup.value)}'{where}"
                         " (YAML would silently keep only the last one)", dup.line)
        found: dict[str, tuple[Scalar, Node]] = {}
        for key, value in mapping.items:
            if key.value not in allowed:
                self.problem(f"unknown key '{_shown_value(key.value)}'{where}{_did_you_mean(key.value, allowed)}",
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
        self.problem(f"'{name}' must be text, not {_type_name(node)}{hint}", node.line)
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
            self.problem(f"'tags' must be a list of text, e.g. [views, strides], not {_type_name(node)}", node.line)
            return ()
        out: list[str] = []
        for item in node.items:
            if not isinstance(item, Scalar) or item.type == "null" or not item.value.strip():
                self.problem(f"each tag must be non-empty text, not {_type_name(item)}", item.line)
            else:
                out.append(item.value.strip())
        return tuple(out)

    # -- the deck ------------------------------------------------------------------------------

    def read(self, tree: Node) -> Deck:
        if not isinstance(tree, Map):
            self.problem(f"the top level must be a mapping with 'deck', 'title' and 'cards', not {_type_name(tree)}",
                         tree.line)
            raise DeckLoadError(self.problems)
        entries = self.check_keys(tree, DECK_KEYS, "")
        deck_id = self.required_text(entries, "deck", "the deck's id", tree.line)
        if deck_id is not None and not DECK_ID.fullmatch(deck_id):
            suggestion = re.sub(r"[^a-z0-9]+", "-", deck_id.lower()).strip("-") or "my-deck"
            self.problem(f"deck id '{_shown_value(deck_id)}' may hold only lowercase letters, digits and '-'"
                         f" (e.g. '{suggestion}')", entries["deck"][1].line)
        title = self.required_text(entries, "title", "shown in the deck list", tree.line)
        description = self.text(entries.get("description"), "description")
        tags = self.tags(entries.get("tags"))
        concepts = self.concepts(entries.get("concepts"))
        deck_torch = self.torch_range(entries.get("torch"), "")
        cards: list[Card] = []
        cards_entry = entries.get("cards")
        if cards_entry is None:
            self.problem("missing required key 'cards' (a list of cards; 'cards: []' for none yet)", tree.line)
        else:
            cards = self.cards(cards_entry[1], deck_id or "", concepts, deck_torch)
        if self.problems:
            self.problems.sort(key=lambda p: p.line or 0)
            raise DeckLoadError(self.problems)
        assert deck_id is not None and title is not None
        return Deck(id=deck_id, title=title, cards=tuple(cards), description=description, tags=tags,
                    concepts=concepts, torch=deck_torch, source=self.source, bundled=self.bundled)

    def concepts(self, entry: tuple[Scalar, Node] | None) -> dict[str, str]:
        if entry is None:
            return {}
        _key, node = entry
        if isinstance(node, Scalar) and node.type == "null":
            return {}
        if not isinstance(node, Map):
            self.problem(f"'concepts' must map each concept's name to its explanation, not {_type_name(node)}",
                         node.line)
            return {}
        for dup in node.duplicates:
            self.problem(f"duplicate concept '{_shown_value(dup.value)}'", dup.line)
        out: dict[str, str] = {}
        for name, value in node.items:
            text = self.text((name, value), f"concepts: {_shown_value(name.value)}")
            if text is None or not text.strip():
                if isinstance(value, Scalar):
                    self.problem(f"concept '{_shown_value(name.value)}' has no explanation", name.line)
                continue
            out.setdefault(name.value, text)
        return out

    def cards(self, node: Node, deck_id: str, concepts: dict[str, str],
              deck_torch: torchver.TorchRange | None = None) -> list[Card]:
        if isinstance(node, Scalar) and node.type == "null":
            return []
        if not isinstance(node, Seq):
            self.problem(f"'cards' must be a list of cards, not {_type_name(node)}", node.line)
            return []
        cards: list[Card] = []
        first_line: dict[str, int] = {}
        for item in node.items:
            # Duplicates are found on the raw ids, so a card with other problems still claims its id.
            id_node = item.get("id") if isinstance(item, Map) else None
            card_id = id_node.value.strip() if isinstance(id_node, Scalar) and id_node.type != "null" else None
            if card_id and card_id in first_line:
                assert id_node is not None
                self.problem(f"duplicate card id '{_shown_value(card_id)}' (first used on line"
                             f" {first_line[card_id]})", id_node.line)
            elif card_id:
                first_line[card_id] = id_node.line if id_node is not None else item.line
            card = self.card(item, deck_id, concepts, deck_torch)
            if card is not None:
                cards.append(card)
        return cards

    # -- one card ------------------------------------------------------------------------------

    def card(self, node: Node, deck_id: str, concepts: dict[str, str],
             deck_torch: torchver.TorchRange | None = None) -> Card | None:
        if not isinstance(node, Map):
            self.problem(f"each card must be a mapping (id, kind, ...), not {_type_name(node)}", node.line)
            return None
        before = len(self.problems)
        id_node = node.get("id")
        label = f" '{_shown_value(id_node.value)}'" if isinstance(id_node, Scalar) and id_node.value.strip() else ""
        where = f" in card{label}" if label else ""
        entries = self.check_keys(node, CARD_KEYS, where)
        field_lines = {name: key.line for name, (key, _) in entries.items()}
        card_id = self.required_text(entries, "id", "unique within the deck", node.line)
        if card_id is not None and "\n" in card_id.strip():
            self.problem("'id' must be one line", entries["id"][1].line)
        kind = self.kind(entries, node.line, where)
        plugin = kinds.get(kind) if kind is not None else None

        if plugin is not None:
            for name in CARD_KEYS:
                if name in entries and name not in COMMON_KEYS and name not in plugin.keys:
                    self.problem(f"'{name}' does not apply to kind '{plugin.name}'{where} ({plugin.not_applicable})",
                                 entries[name][0].line)

        texts = {name: self.text(entries.get(name), name, flow_ok=(name == "expect")) for name in TEXT_FIELDS}
        for name in TEXT_FIELDS:
            text = texts[name]
            if name != "expect" and text is not None and not text.strip():
                texts[name] = None
        tags = self.tags(entries.get("tags"))
        concept = self.concept(entries.get("concept"), concepts, where)
        torch_range = torchver.both(deck_torch, self.torch_range(entries.get("torch"), where))
        params: dict[str, tuple[Any, ...]] | None = None
        declared: set[str] = set()
        if plugin is not None and "params" in plugin.keys:
            params, declared = self.params(entries.get("params"), where)
        extra: dict[str, Any] = {}

        if plugin is not None:
            for name, phrase in plugin.required.items():
                if texts.get(name) is None and _absent_or_empty(entries.get(name)):
                    self.problem(f"{plugin.name} card{label} needs {phrase}",
                                 entries[name][0].line if name in entries else node.line)
            extra = plugin.read_extra(self, entries, where)
            if plugin.code_fields:
                placeholders_ok = True
                if params is not None:
                    count = len(self.problems)
                    self.check_placeholders(params, declared, entries, texts, where)
                    placeholders_ok = len(self.problems) == count and set(params) == declared
                if placeholders_ok:
                    self.check_python(entries, texts, params or {}, where, plugin.code_fields)

        if len(self.problems) > before or card_id is None or kind is None or plugin is None:
            return None
        prompt = texts["prompt"]
        if prompt is None:
            prompt = plugin.default_prompt(texts["ask"]) or ""
        return Card(deck=deck_id, id=card_id.strip(), kind=kind, prompt=prompt, setup=texts["setup"],
                    ask=texts["ask"], expect=texts["expect"], explain=texts["explain"], answer=texts["answer"],
                    tags=tags, concept=concept, params=params, torch=torch_range, source=self.source, line=node.line,
                    field_lines=field_lines, solution=texts["solution"], **extra)

    def torch_range(self, entry: tuple[Scalar, Node] | None, where: str) -> torchver.TorchRange | None:
        """The ``torch`` key (an extension: the torch releases the claims hold for), or None."""
        text = self.text(entry, "torch")
        if text is None or entry is None:
            return None
        try:
            return torchver.parse_range(text)
        except ValueError as exc:
            self.problem(f"'torch'{where} {exc} (e.g. torch: \">=2.4\" or \">=2.4,<2.14\")", entry[1].line)
            return None

    def kind(self, entries: dict[str, tuple[Scalar, Node]], line: int, where: str) -> Kind | None:
        name = self.required_text(entries, "kind", "one of " + ", ".join(KIND_NAMES), line)
        if name is None:
            return None
        try:
            return Kind(name.strip())
        except ValueError:
            self.problem(f"unknown kind '{_shown_value(name)}'{where}{_did_you_mean(name.strip(), KIND_NAMES)};"
                         f" kinds are {', '.join(KIND_NAMES)}", entries["kind"][1].line)
            return None

    def concept(self, entry: tuple[Scalar, Node] | None, concepts: dict[str, str], where: str) -> str | None:
        name = self.text(entry, "concept")
        if name is None or entry is None:
            return None
        name = name.strip()
        if name not in concepts:
            known = (f"the deck's concepts: {', '.join(concepts)}" if concepts
                     else "the deck defines none (add them under 'concepts' at the top level)")
            self.problem(f"unknown concept '{_shown_value(name)}'{where}{_did_you_mean(name, list(concepts))};"
                         f" {known}", entry[1].line)
        return name

    # -- parametric cards ------------------------------------------------------------------------

    def params(self, entry: tuple[Scalar, Node] | None,
               where: str) -> tuple[dict[str, tuple[Any, ...]] | None, set[str]]:
        """The card's valid params, and every name it declares (valid or not)."""
        if entry is None:
            return None, set()
        key, node = entry
        if not isinstance(node, Map):
            self.problem(f"'params' must map each name to a list of values, e.g. {{n: [2, 3]}}{where}", node.line)
            return None, set()
        declared = {name.value for name, _ in node.items}
        for dup in node.duplicates:
            self.problem(f"duplicate param '{_shown_value(dup.value)}'{where}", dup.line)
        out: dict[str, tuple[Any, ...]] = {}
        for name, values in node.items:
            if not P.NAME_PATTERN.fullmatch(name.value):
                self.problem(f"param name '{_shown_value(name.value)}'{where} must be an identifier"
                             " (letters, digits, '_')", name.line)
                continue
            if not isinstance(values, Seq):
                self.problem(f"param '{name.value}'{where} must be a list of values, e.g. [2, 3, 4]", values.line)
                continue
            if not values.items:
                self.problem(f"param '{name.value}'{where} has an empty list of values", values.line)
                continue
            typed: list[Any] = []
            for item in values.items:
                value = self.param_value(item, name.value, where)
                if value is not None:
                    typed.append(value)
            if len(typed) == len(values.items):
                out.setdefault(name.value, tuple(typed))
        if not node.items:
            self.problem(f"'params' is empty{where}", node.line)
        total = 1
        for choices in out.values():
            total *= len(choices)
        if total > P.MAX_VARIANTS:
            self.problem(f"params{where} make {total:,} combinations, more than the limit of {P.MAX_VARIANTS:,}",
                         key.line)
        return out, declared

    def param_value(self, item: Node, name: str, where: str) -> Any:
        if not isinstance(item, Scalar) or item.type == "null":
            self.problem(f"param '{name}'{where}: values must be numbers, text or true/false, not {_type_name(item)}",
                         item.line)
            return None
        try:
            value = item.typed()
        except (ValueError, TypeError, ArithmeticError):  # an explicit tag on text it cannot hold: !!int abc
            self.problem(f"param '{name}'{where}: cannot read value '{_shown_value(item.value)}'", item.line)
            return None
        if not isinstance(value, P.SCALAR_TYPES):
            self.problem(f"param '{name}'{where}: values must be numbers, text or true/false", item.line)
            return None
        return value

    def check_placeholders(self, params: dict[str, tuple[Any, ...]], declared: set[str],
                           entries: dict[str, tuple[Scalar, Node]], texts: dict[str, str | None],
                           where: str) -> None:
        used: set[str] = set()
        for name in P.TEMPLATED_FIELDS:
            text = texts.get(name)
            if text is None:
                continue
            line = entries[name][1].line if name in entries else None
            for ph in P.placeholders(text):
                if ph.name is None:
                    self.problem(f"invalid placeholder '{ph.text.strip()}' in '{name}'{where}"
                                 " (write $name or ${name}; '$$' for a literal '$')", line)
                elif ph.name not in declared:
                    known = ", ".join(sorted(declared)) or "none"
                    self.problem(f"unknown placeholder '{ph.text}' in '{name}'{where}"
                                 f"{_did_you_mean(ph.name, sorted(declared))}; params: {known}", line)
                else:
                    used.add(ph.name)
        params_map = entries["params"][1]
        assert isinstance(params_map, Map)
        for key, _ in params_map.items:
            if key.value in params and key.value not in used:
                self.problem(f"param '{key.value}'{where} is never used (write ${key.value} in setup, ask,"
                             " prompt, explain or expect)", key.line)

    # -- code ----------------------------------------------------------------------------------

    def check_python(self, entries: dict[str, tuple[Scalar, Node]], texts: dict[str, str | None],
                     params: dict[str, tuple[Any, ...]], where: str, modes: Mapping[str, CodeMode]) -> None:
        """Each code field must parse in its kind's mode (for every param value): ``setup`` statements,
        ``ask`` one expression, a ``solution`` statements ending in an expression."""
        for bindings in P.spanning_bindings(params):
            suffix = "" if not bindings else " with " + ", ".join(f"{k}={P.value_text(v)}" for k, v in bindings.items())
            ok = True
            for name, mode in modes.items():
                text = texts[name]
                if text is None:
                    continue
                code = P.substitute(text, bindings) if bindings else text
                error = _python_error(code, mode)
                if error is not None:
                    message, offset = error
                    if not params and "$" in code:
                        message += " ('$name' placeholders need 'params')"
                    self.problem(f"'{name}'{where}{suffix} {message}", _code_line(entries[name][1], offset))
                    ok = False
            if not ok:
                return  # one bad variant is enough to show


def _absent_or_empty(entry: tuple[Scalar, Node] | None) -> bool:
    """True when a key is missing or holds nothing/blank text (a wrong type is reported elsewhere)."""
    return entry is None or isinstance(entry[1], Scalar)


@functools.lru_cache(maxsize=4096)  # reloading the catalog (after an edit) re-checks the same code
def _python_error(code: str, mode: CodeMode) -> tuple[str, int] | None:
    """None when ``code`` parses in ``mode``, else (message, 1-based line within the code)."""
    if mode == "program":
        from quizapp.core.kinds.program import ProgramError, parse_program

        try:
            parse_program(code)
            return None
        except ProgramError as exc:
            found = re.search(r"\(line (\d+)", str(exc))
            return f"is not a program ending in an expression: {exc}", int(found.group(1)) if found else 1
    try:
        ast.parse(code, mode=mode)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        first = exc
    if mode == "eval":
        try:
            ast.parse(code, mode="exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        else:
            return "must be one Python expression (put statements in 'setup')", 1
    if isinstance(first, SyntaxError):
        lineno = first.lineno or 1
        return f"is not valid Python: {first.msg} (line {lineno} of the code)", lineno
    if isinstance(first, ValueError):
        return f"is not valid Python: {first}", 1
    return "is not valid Python: nested too deeply", 1


def _code_line(node: Node, code_line: int) -> int:
    """The file line of line ``code_line`` of a code field (block scalars start on the next line)."""
    if isinstance(node, Scalar) and node.style in ("|", ">"):
        return node.line + code_line
    return node.line + code_line - 1 if isinstance(node, Scalar) and node.style is None else node.line

