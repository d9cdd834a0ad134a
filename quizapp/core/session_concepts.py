"""Teaching concepts once: the concept note a study session shows before a new card.

:class:`Concept` is a deck's note as the study screen shows it; :class:`ConceptTeaching` is the part of
:class:`~quizapp.core.session.StudySession` that finds a card's note and shows it only while that concept
has never been shown (remembered in :mod:`quizapp.core.seen_concepts`) and the card is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quizapp.core.decks.model import Card
from quizapp.core.seen_concepts import SeenConcepts

if TYPE_CHECKING:  # only for annotations: importing them here would load the store at launch
    from quizapp.core.decks.registry import Catalog
    from quizapp.core.storage.store import Store


@dataclass(frozen=True)
class Concept:
    """A deck's concept note as the study screen shows it."""

    deck: str  # deck id
    name: str  # the concept's name in the deck (a slug such as ``trailing-rule``)
    title: str  # readable: "Trailing rule"
    deck_title: str
    text: str  # markdown


def concept_title(name: str) -> str:
    """``trailing-rule`` -> ``Trailing rule`` (decks name concepts with slugs)."""
    words = name.replace("_", " ").replace("-", " ").split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:] if words else name


class ConceptTeaching:
    """The session's concept notes (a mixin of :class:`~quizapp.core.session.StudySession`)."""

    catalog: Catalog
    store: Store
    seen: SeenConcepts

    def is_new(self, card: Card) -> bool:
        """True for a card never studied (its concept is shown first)."""
        info = self.store.card_info(card.key)
        return info is None or info.reps == 0

    def concept_text(self, card: Card) -> str | None:
        """The explanation of the card's concept, when its deck defines one."""
        concept = self.concept_of(card)
        return concept.text if concept is not None else None

    def concept_of(self, card: Card) -> Concept | None:
        """The card's concept note (title, deck, text), when its deck defines one."""
        if not card.concept:
            return None
        deck = self.catalog.decks.get(card.deck)
        if deck is None or card.concept not in deck.concepts:
            return None
        return Concept(deck.id, card.concept, concept_title(card.concept), deck.title, deck.concepts[card.concept])

    def concept_to_teach(self, card: Card) -> Concept | None:
        """The concept note to show before ``card``: only for a new card whose concept was never shown."""
        concept = self.concept_of(card)
        if concept is None or (concept.deck, concept.name) in self.seen or not self.is_new(card):
            return None
        return concept

    def mark_concept_seen(self, concept: Concept) -> None:
        """The note was shown: it is not shown again before other cards of that concept."""
        clock = getattr(self, "clock", None)
        self.seen.mark((concept.deck, concept.name), clock() if callable(clock) else None)
