"""The bundled puzzle deck (decks/puzzles.yaml): write cards that teach composing primitives."""

from __future__ import annotations

from quizapp.core import locations
from quizapp.core.decks.loader import load_deck
from quizapp.core.decks.model import Kind


def test_every_puzzle_forbids_the_one_call_answer_generalises_and_has_attempts() -> None:
    deck = load_deck(locations.bundled_decks_dir() / "puzzles.yaml")
    assert len(deck.cards) >= 30
    for card in deck.cards:
        assert card.kind is Kind.WRITE, card.id
        assert card.forbid and card.params and card.explain, card.id
        assert len(card.attempts) >= 3, card.id
        verdicts = {a.correct for a in card.attempts}
        assert verdicts == {True, False}, f"{card.id}: wants a wrong attempt and a second right solution"
        assert all(a.code.strip() != (card.solution or "").strip() for a in card.attempts), card.id
