"""The strict deck loader: a YAML file -> :class:`Deck`, or :class:`DeckLoadError` listing every problem.

The format is docs/deck-format.md (public: authors run ``quizapp deck check`` in their own CI),
extended compatibly with parametric cards (docs/deck-format.md). Strict means a typo never passes
silently: unknown keys, wrong types, keys that do not apply to a card's kind, code that is not Python.
Every problem is one ``path:line: message`` line, and all problems of a file are collected, not only the
first.

The generic field readers are in :mod:`~quizapp.core.decks.field_readers`, the ``params`` key and its
placeholders in :mod:`~quizapp.core.decks.param_fields`, the code fields' syntax check in
:mod:`~quizapp.core.decks.code_fields`; this module reads the deck and its cards.

Text fields are read as written (``answer: no`` is the text "no", not YAML's ``False``; ``expect: 3`` is
"3"), because they are shown to people or parsed by the grader, never used as YAML values.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from quizapp.core.decks import torchver
from quizapp.core.decks.code_fields import CodeFieldsChecker
from quizapp.core.decks.field_readers import absent_or_empty, did_you_mean, shown_value, type_name
from quizapp.core.decks.model import Card, Deck, DeckLoadError, Kind, Problem
from quizapp.core.decks.param_fields import ParamFieldsReader
from quizapp.core.decks.yamlsafe import Map, Node, Scalar, Seq, YamlError, parse_bytes, read_tree
from quizapp.core.kinds import registry as kinds

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


class _DeckReader(ParamFieldsReader, CodeFieldsChecker):
    """Reads one deck's tree: the generic fields, params and code checks come from its bases."""

    def __init__(self, display: str, source: Path | None, bundled: bool, problems: list[Problem]):
        super().__init__(display, problems)
        self.source = source
        self.bundled = bundled

    # -- the deck ------------------------------------------------------------------------------

    def read(self, tree: Node) -> Deck:
        if not isinstance(tree, Map):
            self.problem(f"the top level must be a mapping with 'deck', 'title' and 'cards', not {type_name(tree)}",
                         tree.line)
            raise DeckLoadError(self.problems)
        entries = self.check_keys(tree, DECK_KEYS, "")
        deck_id = self.required_text(entries, "deck", "the deck's id", tree.line)
        if deck_id is not None and not DECK_ID.fullmatch(deck_id):
            suggestion = re.sub(r"[^a-z0-9]+", "-", deck_id.lower()).strip("-") or "my-deck"
            self.problem(f"deck id '{shown_value(deck_id)}' may hold only lowercase letters, digits and '-'"
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
            self.problem(f"'concepts' must map each concept's name to its explanation, not {type_name(node)}",
                         node.line)
            return {}
        for dup in node.duplicates:
            self.problem(f"duplicate concept '{shown_value(dup.value)}'", dup.line)
        out: dict[str, str] = {}
        for name, value in node.items:
            text = self.text((name, value), f"concepts: {shown_value(name.value)}")
            if text is None or not text.strip():
                if isinstance(value, Scalar):
                    self.problem(f"concept '{shown_value(name.value)}' has no explanation", name.line)
                continue
            out.setdefault(name.value, text)
        return out

    def cards(self, node: Node, deck_id: str, concepts: dict[str, str],
              deck_torch: torchver.TorchRange | None = None) -> list[Card]:
        if isinstance(node, Scalar) and node.type == "null":
            return []
        if not isinstance(node, Seq):
            self.problem(f"'cards' must be a list of cards, not {type_name(node)}", node.line)
            return []
        cards: list[Card] = []
        first_line: dict[str, int] = {}
        for item in node.items:
            # Duplicates are found on the raw ids, so a card with other problems still claims its id.
            id_node = item.get("id") if isinstance(item, Map) else None
            card_id = id_node.value.strip() if isinstance(id_node, Scalar) and id_node.type != "null" else None
            if card_id and card_id in first_line:
                assert id_node is not None
                self.problem(f"duplicate card id '{shown_value(card_id)}' (first used on line"
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
            self.problem(f"each card must be a mapping (id, kind, ...), not {type_name(node)}", node.line)
            return None
        before = len(self.problems)
        id_node = node.get("id")
        label = f" '{shown_value(id_node.value)}'" if isinstance(id_node, Scalar) and id_node.value.strip() else ""
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
                if texts.get(name) is None and absent_or_empty(entries.get(name)):
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
            self.problem(f"unknown kind '{shown_value(name)}'{where}{did_you_mean(name.strip(), KIND_NAMES)};"
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
            self.problem(f"unknown concept '{shown_value(name)}'{where}{did_you_mean(name, list(concepts))};"
                         f" {known}", entry[1].line)
        return name
