"""``quizapp export --format apkg``: the decks as an Anki package, for review on a phone.

Anki cannot run code, so every card is exported in *recall* form: the front holds the question and
the code, the back the outcome and the explanation. The outcome comes from running the card through
the engine when it can (what the code really does, never the author's claim), else from the card's
``expect``. A parametric card is exported as its first variant (Anki shows the same text every time).
A ``write`` card shows its prompt (and setup) on the front and the reference solution on the back.

Stable ids make a re-export update the same notes in Anki instead of duplicating them: the model id is a
constant, each deck id and note guid is derived from quizapp's own (deck id, card id).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core.decks import params as P
from quizapp.core.decks.model import Card, CardKey, Deck
from quizapp.core.kinds import registry as kinds

if TYPE_CHECKING:
    from quizapp.core.execution.engine import Engine
    from quizapp.core.execution.outcome import Outcome

MODEL_ID = 1_607_392_319  # fixed forever: Anki matches notes to their note type by this id
MODEL_NAME = "quizapp (recall)"
FIELDS = ("Question", "Code", "Outcome", "Explanation", "Concept", "Source")

CSS = """
.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left; color: #1d2330;
        background: #fff; }
.nightMode .card, .card.nightMode { color: #e6e9ef; background: #171a21; }
pre { background: rgba(127, 127, 127, 0.12); padding: 0.6em; border-radius: 6px; overflow-x: auto;
      font-size: 15px; white-space: pre-wrap; }
pre.python { background: #f6f8fa; color: #1d2330; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }
.label { font-size: 13px; opacity: 0.7; text-transform: uppercase; letter-spacing: 0.05em; }
.source { font-size: 12px; opacity: 0.6; margin-top: 1.5em; }
"""

FRONT = """<div class="question">{{Question}}</div>
{{#Code}}<div class="code">{{Code}}</div>{{/Code}}"""

BACK = """{{FrontSide}}
<hr id="answer">
<div class="label">Outcome</div>
<div class="outcome">{{Outcome}}</div>
{{#Explanation}}<div class="label">Why</div><div class="explanation">{{Explanation}}</div>{{/Explanation}}
{{#Concept}}<div class="label">Concept</div><div class="concept">{{Concept}}</div>{{/Concept}}
<div class="source">{{Source}}</div>"""


@dataclass(frozen=True)
class ApkgResult:
    path: Path
    notes: int
    decks: int
    ran: int  # notes whose outcome came from running the code
    from_expect: int  # notes whose outcome is the author's expect (the run failed or was not asked for)
    without_outcome: int  # executable cards that could not run and have no expect

    def __str__(self) -> str:
        text = f"{self.notes} notes in {self.decks} deck{'s' if self.decks != 1 else ''}"
        if self.from_expect:
            text += f"; {self.from_expect} outcomes taken from `expect`"
        if self.without_outcome:
            text += f"; {self.without_outcome} cards could not run and have no `expect`"
        return text


def _stable_int(*parts: str) -> int:
    """A positive 31-bit id from text: the same text always gives the same id (Anki ids are ints)."""
    # NUL separates the parts (ids and names never hold one); changing it would change every note's id
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return 1 << 30 | int.from_bytes(digest[:4], "big") >> 2


def _markdown() -> Callable[[str], str]:
    # markdown-it-py ships with rich (a Typer dependency). Raw HTML in a deck is escaped, not passed
    # through: decks are written by strangers, and Anki renders whatever HTML it is given.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    return md.render


def code_html(code: str) -> str:
    return f"<pre><code>{html.escape(code)}</code></pre>"


def python_html(code: str) -> str:
    """Python code, syntax highlighted with inline styles (Anki has no stylesheet for pygments' classes).

    The colours suit a light background, so the code block keeps one in Anki's night mode too (CSS)."""
    from pygments import highlight  # a dependency of rich, like markdown-it-py
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    body = highlight(code, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=True, style="friendly"))
    return f'<pre class="python"><code>{body.rstrip(chr(10))}</code></pre>'


def outcome_text(outcome: Outcome) -> str | None:
    """The outcome as a user would read it; ``None`` when the card produced none (it failed)."""
    if outcome.status == "ok":
        return outcome.display
    if outcome.status == "raised":
        message = (outcome.error_message or "").strip()
        return f"raises {outcome.error_type}" + (f": {message}" if message else "")
    return None


def exported_card(card: Card) -> Card:
    """What Anki gets for ``card``: a parametric card's first variant, any other card as it is."""
    if card.params and card.bindings is None:
        return P.instantiate(card, P.variants(card)[0])
    return card


def run_outcomes(cards: Sequence[Card], engine: Engine) -> dict[CardKey, Outcome]:
    """Run every executable card once through ``engine``; outcomes by card key."""
    from quizapp.core.execution.engine import job_for

    runnable = [c for c in cards if kinds.of(c).predicts]
    results = engine.run_many([job_for(c) for c in runnable])
    return {c.key: o for c, o in zip(runnable, results, strict=True)}


def write_apkg(decks: Iterable[Deck], path: Path | str, *, run: bool = True, engine: Engine | None = None,
               outcomes: dict[CardKey, Outcome] | None = None) -> ApkgResult:
    """Write ``decks`` as one Anki package at ``path`` (one Anki deck per quizapp deck).

    Outcomes: given ``outcomes`` are used as they are; else, with ``run``, the cards are run through
    ``engine`` (one is started and closed here when none is given); a card whose run failed, or every
    card when ``run`` is false, shows its ``expect``.
    """
    import genanki

    decks = list(decks)
    cards = [exported_card(c) for d in decks for c in d.cards]
    if outcomes is None:
        outcomes = {}
        if run and any(kinds.of(c).predicts for c in cards):
            if engine is None:
                from quizapp.core.execution.engine import Engine as EngineClass

                with EngineClass() as own:
                    outcomes = run_outcomes(cards, own)
            else:
                outcomes = run_outcomes(cards, engine)

    render = _markdown()
    model = genanki.Model(
        MODEL_ID, MODEL_NAME, fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Recall", "qfmt": FRONT, "afmt": BACK}], css=CSS)
    package_decks = []
    ran = from_expect = without = 0
    by_deck: dict[str, list[Card]] = {}
    for card in cards:
        by_deck.setdefault(card.deck, []).append(card)
    for deck in decks:
        anki_deck = genanki.Deck(_stable_int("quizapp-deck", deck.id), f"quizapp::{deck.title}",
                                 description=html.escape(deck.description or ""))
        for card in by_deck.get(deck.id, []):
            kind = kinds.of(card)
            if kind.predicts:
                shown = None
                outcome = outcomes.get(card.key)
                if outcome is not None:
                    shown = outcome_text(outcome)
                if shown is not None:
                    ran += 1
                elif card.expect is not None:
                    shown = card.expect
                    from_expect += 1
                else:
                    reason = outcome.reason if outcome is not None and outcome.reason else "not run"
                    shown = f"(could not run: {reason})"
                    without += 1
                back = code_html(shown)
                code = python_html(card.code)
            elif kind.runs_code:  # write: the learner writes the code; the back is the reference solution
                back = python_html(kind.shown_answer(card, None) or "")
                code = python_html(card.setup) if card.setup else ""
            else:
                back = render(card.answer or "")
                code = ""
            source = html.escape(f"{deck.id} / {card.id}")
            note = genanki.Note(
                model=model,
                fields=[render(card.prompt or ""), code, back, render(card.explain or ""),
                        render(deck.concepts.get(card.concept, "")) if card.concept else "", source],
                guid=genanki.guid_for("quizapp", card.deck, card.id),
                tags=[t.replace(" ", "_") for t in (*deck.tags, *card.tags)],
            )
            anki_deck.add_note(note)
        package_decks.append(anki_deck)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    genanki.Package(package_decks).write_to_file(str(tmp))
    tmp.replace(path)  # never leave half a package under the real name
    return ApkgResult(path, len(cards), len(decks), ran, from_expect, without)
