"""``quizapp deck fill PATH``: write what the code really does into each card's ``expect``.

Every executable card is run through the engine. A card without ``expect`` gets one, written as a
user would answer (the outcome's display for shapes, strides, dtypes and values; the exception's class
name when it raises). With ``overwrite_mismatches``, an ``expect`` the grader says is wrong is replaced.

Layout is preserved byte for byte outside the changed lines. ruamel.yaml's round trip re-indents a file
whose sequences and mappings are indented differently (the common ``cards:\\n  - id:`` style), so it
is used only to *locate* keys (line and column); the edits are made on the text. The new text is then
parsed again and must load as a deck with exactly the intended ``expect`` values, or nothing is written.
Parametric cards are not filled: their ``expect`` needs placeholders, which only the author can write.
"""

from __future__ import annotations

import difflib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from quizapp.core.decks.model import Card, Deck

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from quizapp.core.execution.engine import Engine
    from quizapp.core.execution.outcome import Outcome

Action = Literal["filled", "replaced", "mismatch", "unchanged", "failed", "skipped"]


class FillError(Exception):
    """The file cannot be filled (it does not load, or it changed while quizapp was working on it)."""


@dataclass(frozen=True)
class CardResult:
    card_id: str
    action: Action
    old: str | None = None  # the expect before
    new: str | None = None  # the outcome as it would be written
    reason: str | None = None  # failed / skipped / mismatch: why


@dataclass
class FillPlan:
    path: Path
    original: str
    updated: str
    results: list[CardResult] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.updated != self.original

    def diff(self) -> str:
        """A unified diff of the file (empty when nothing changes)."""
        return "".join(difflib.unified_diff(
            self.original.splitlines(keepends=True), self.updated.splitlines(keepends=True),
            fromfile=f"{self.path} (before)", tofile=f"{self.path} (filled)"))

    def count(self, action: Action) -> int:
        return sum(1 for r in self.results if r.action == action)

    def summary(self) -> str:
        parts = [f"{self.count(a)} {a}" for a in ("filled", "replaced", "mismatch", "unchanged", "failed", "skipped")
                 if self.count(a)]
        return ", ".join(parts) or "no executable cards"


def answer_text(outcome: Outcome) -> str | None:
    """The outcome as an author writes it in ``expect``; ``None`` when there is no outcome (failed)."""
    if outcome.status == "ok":
        return outcome.display
    if outcome.status == "raised":
        return outcome.error_type or "error"
    return None


# --------------------------------------------------------------------------- text edits


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _value_end(lines: list[str], key_line: int, key_col: int) -> int:
    """The last line (0-based) of the value of the key at ``key_line``/``key_col``.

    A value goes on while lines are blank or indented deeper than its key (block scalars, folded plain
    scalars, nested collections); trailing blank lines are not part of it.
    """
    last = key_line
    for i in range(key_line + 1, len(lines)):
        text = lines[i]
        if not text.strip():
            continue
        if _indent(text) <= key_col:
            break
        last = i
    return last


def _block_safe(value: str) -> bool:
    """Whether ``value`` can be written as a literal block (``|``): printable text and line breaks only."""
    return all(ch == "\n" or (ch.isprintable() and ch not in "\u2028\u2029\ufeff") for ch in value)


def _dumped(value: str) -> list[str]:
    """``expect: value`` as ruamel.yaml writes it (quoted or escaped as YAML needs), at column 0."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    yaml = YAML()
    yaml.width = 1 << 20  # never fold a long line
    out = io.StringIO()
    # Text with control or line-separator characters is double-quoted, where YAML escapes them all
    # (other styles may write them raw, and some readers take U+0085 or U+2028 for line breaks).
    yaml.dump({"expect": value if _block_safe(value) else DoubleQuotedScalarString(value)}, out)
    lines = [line + "\n" for line in out.getvalue().split("\n")[:-1]]  # "\n" only: not str.splitlines
    if lines and lines[-1].strip() == "...":  # an explicit document end marker: not wanted mid-file
        lines.pop()
    return lines


def render_expect(value: str, col: int) -> list[str]:
    """The lines of ``expect: value`` at indentation ``col``: a literal block for a multi-line outcome
    (readable, as PyTorch prints it), else whatever scalar YAML needs to read the text back unchanged."""
    pad = " " * col
    if "\n" not in value.rstrip("\n") or not _block_safe(value):
        return [pad + line if line.strip() else line for line in _dumped(value)]
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    # YAML chomping: '-' strips the final line break, '' (clip) keeps one, '+' keeps them all.
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    indicator = "2" if body.startswith(" ") else ""  # a leading space would fool YAML's indent detection
    lines = [f"{pad}expect: |{indicator}{chomp}\n"]
    for text in body.split("\n"):
        lines.append(f"{pad}  {text}\n" if text else "\n")
    lines.extend("\n" for _ in range(trailing - 1))  # '+': the extra line breaks are content
    return lines


def _eol_comment_col(card_map: CommentedMap, key: str, line: int) -> int | None:
    """Where the end-of-line comment after ``key``'s value starts, when it is on ``line``."""
    items = card_map.ca.items.get(key)
    if not items or len(items) < 3 or items[2] is None:
        return None
    token = items[2]
    mark = getattr(token, "start_mark", None)
    if mark is None or mark.line != line or not token.value.lstrip().startswith("#"):
        return None
    column: int = mark.column  # ruamel's comment tokens are untyped
    return column


@dataclass(frozen=True)
class _Edit:
    start: int  # first line replaced (0-based)
    stop: int  # one past the last line replaced (start == stop: an insertion)
    lines: list[str]


def _edit_for(lines: list[str], card_map: CommentedMap, value: str) -> _Edit:
    """The text edit that sets ``expect: value`` in one card's mapping."""
    lc = card_map.lc
    if "expect" in card_map:
        key_line, key_col = lc.key("expect")
        end = _value_end(lines, key_line, key_col)
        new = render_expect(value, key_col)
        comment_col = _eol_comment_col(card_map, "expect", key_line)
        if comment_col is not None and end == key_line and len(new) == 1:
            old_line = lines[key_line].rstrip("\r\n")
            value_part = new[0].rstrip("\n")
            gap = max(comment_col - len(value_part), 1)
            new = [value_part + " " * gap + old_line[comment_col:] + "\n"]
        return _Edit(key_line, end + 1, new)
    key_line, key_col = lc.key("ask")
    end = _value_end(lines, key_line, key_col)
    return _Edit(end + 1, end + 1, render_expect(value, key_col))


def apply_edits(text: str, edits: list[_Edit]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"  # new lines end the way the file's lines do
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline  # so an insertion after the last line starts on a line of its own
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        lines[edit.start:edit.stop] = [line[:-1] + newline if line.endswith("\n") else line for line in edit.lines]
    return "".join(lines)


# --------------------------------------------------------------------------- the plan


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as f:  # keep "\r\n" as it is in the file
        return f.read()


def _load(text: str, path: Path) -> Deck:
    from quizapp.core.decks.loader import display_path, parse_deck

    return parse_deck(text, display_path(path), source=path)


def plan_fill(path: Path | str, engine: Engine, *, overwrite_mismatches: bool = False) -> FillPlan:
    """Run the deck's cards and work out the new file text (nothing is written here)."""
    from ruamel.yaml import YAML

    from quizapp.core.decks.model import DeckLoadError
    from quizapp.core.execution.engine import job_for
    from quizapp.core.grading.verdict import grade
    from quizapp.core.kinds import registry as kinds

    path = Path(path)
    try:
        original = _read(path)
    except UnicodeDecodeError:
        raise FillError(f"{path}: not a text file (UTF-8)") from None
    try:
        deck = _load(original, path)
    except DeckLoadError as exc:
        raise FillError(str(exc)) from None
    document = YAML().load(original)
    maps = {str(m.get("id")): m for m in document.get("cards") or [] if hasattr(m, "lc")}

    results: list[CardResult] = []
    runnable: list[Card] = []
    for card in deck.cards:
        if not kinds.of(card).fillable:  # recall and write cards have no `expect` to fill
            continue
        if card.params:
            results.append(CardResult(card.id, "skipped", card.expect, None,
                                      "parametric card: write its `expect` with placeholders yourself"))
        elif maps.get(card.id) is None or maps[card.id].fa.flow_style():
            results.append(CardResult(card.id, "skipped", card.expect, None,
                                      "card written in flow style ({...}); fill it by hand"))
        else:
            runnable.append(card)
    outcomes = engine.run_many([job_for(c) for c in runnable]) if runnable else []

    lines = original.splitlines(keepends=True)
    edits: list[_Edit] = []
    intended: dict[str, str] = {}
    for card, outcome in zip(runnable, outcomes, strict=True):
        text = answer_text(outcome)
        if text is None:
            results.append(CardResult(card.id, "failed", card.expect, None, outcome.reason or outcome.display))
            continue
        if not grade(card.kind.value, outcome, text).correct:
            # The outcome's own text does not read back as a right answer (the grader cannot parse this
            # kind of value): writing it would create a mismatch, so leave the card to its author.
            results.append(CardResult(card.id, "skipped", card.expect, text,
                                      "its outcome cannot be written as an answer the grader reads back"))
            continue
        if card.expect is None:
            action: Action = "filled"
        else:
            verdict = grade(card.kind.value, outcome, card.expect)
            if verdict.correct:
                results.append(CardResult(card.id, "unchanged", card.expect, text))
                continue
            if not overwrite_mismatches:
                results.append(CardResult(card.id, "mismatch", card.expect, text, verdict.message))
                continue
            action = "replaced"
        edits.append(_edit_for(lines, maps[card.id], text))
        intended[card.id] = text
        results.append(CardResult(card.id, action, card.expect, text))

    updated = apply_edits(original, edits) if edits else original
    if edits:
        _verify(updated, path, intended)
    order = {c.id: i for i, c in enumerate(deck.cards)}
    results.sort(key=lambda r: order.get(r.card_id, 0))
    return FillPlan(path, original, updated, results)


def _verify(updated: str, path: Path, intended: dict[str, str]) -> None:
    """The new text must load as a deck whose changed cards hold exactly the intended ``expect``."""
    from quizapp.core.decks.model import DeckLoadError

    try:
        deck = _load(updated, path)
    except DeckLoadError as exc:
        raise FillError(f"{path}: filling would break the file, so nothing was written ({exc.problems[0]})") from None
    for card_id, text in intended.items():
        card = deck.card(card_id)
        if card is None or card.expect != text:
            raise FillError(f"{path}: could not write `expect` of card {card_id!r} safely; nothing was written")


def write_plan(plan: FillPlan) -> None:
    """Write the filled file, atomically, unless it changed on disk since the plan was made."""
    current = _read(plan.path)
    if current != plan.original:
        raise FillError(f"{plan.path} changed while its cards ran; run `deck fill` again")
    tmp = plan.path.with_name(f".{plan.path.name}.fill-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="") as f:  # newline="": write line ends as they are
        f.write(plan.updated)
    try:
        os.chmod(tmp, plan.path.stat().st_mode & 0o7777)
    except OSError:
        pass  # the mode is a nicety; the content is what matters
    tmp.replace(plan.path)
