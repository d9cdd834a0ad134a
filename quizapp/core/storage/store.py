"""The Store: the one service every front end uses to read and change progress.

A thin facade: :class:`~quizapp.core.storage.store_core.StoreCore` (its base) opens the collection
(:mod:`opening`), holds who is studying (``learner``) and on which installation (``device``), and owns the
typed read and write transactions; the methods here run the functions of :mod:`catalogue`, :mod:`queue`,
:mod:`reviewlog`, :mod:`streams`, :mod:`merging` and :mod:`doctor` in them. Progress is keyed by
(deck id, card id) and kept per learner.

Every method that changes something runs in its own write transaction and has committed before it
returns. All datetimes are timezone-aware UTC and passed in by the caller (``now``).

Concurrency: two quizapp processes (two windows, or a class on one PostgreSQL server) can share one
collection. SQLite writes take the write lock up front (``BEGIN IMMEDIATE``); on PostgreSQL each write
locks the learner's row of the card it changes. Lock and busy errors are retried with backoff.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from quizapp.core.decks.model import CardKey, Deck
from quizapp.core.rating import Rating
from quizapp.core.scheduling import fsrs_bridge
from quizapp.core.scheduling.days import next_day_start
from quizapp.core.storage import buckets, catalogue, concepts, migrations, queue, reviewlog, streams, synced
from quizapp.core.storage.catalogue import SEARCH_STATES
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.records import CardInfo, DeckCounts, ReviewEntry, ReviewResult
from quizapp.core.storage.reviewlog import ReviewInput
from quizapp.core.storage.rows import state_of
from quizapp.core.storage.store_core import StoreCore

if TYPE_CHECKING:
    from quizapp.core.decks.registry import KnownDeck

__all__ = ["MATURE_DAYS", "SEARCH_STATES", "ReviewInput", "Store", "StoreError"]
MATURE_DAYS = migrations.MATURE_DAYS


class Store(StoreCore):
    """Progress storage. Create with :meth:`Store.open`; close with :meth:`close` (or use ``with``)."""

    # ----------------------------------------------------------------------------- cards

    def sync_cards(self, decks: Iterable[Deck], now: datetime, *, digests: Mapping[str, str] | None = None,
                   kept: Mapping[str, str] | None = None) -> None:
        """Register every card of ``decks`` (their order is the new-card order), refresh the stored text and
        tags, hide cards that are in none of them (history kept) and un-hide cards that came back.

        Pass the whole catalog: a card of a deck left out is hidden until a sync includes it again.
        ``digests`` (deck id -> digest, :attr:`Catalog.digests`): decks synced before with the same
        digest are skipped (see :mod:`quizapp.core.storage.synced`); ``kept`` decks (id -> digest) are left
        as they are without being given (see :func:`catalogue.sync_cards`)."""
        decks = list(decks)
        self._write(lambda conn: catalogue.sync_cards(conn, decks, now, digests=digests, kept=kept))

    def known_decks(self, digests: Sequence[str]) -> dict[str, KnownDeck]:
        """What the collection remembers of the deck versions with these digests (see :func:`synced.known`):
        enough to list them, and to show their counts when ``in_sync``, without parsing their files."""
        return self._read(lambda conn: synced.known(conn, digests))

    def cards_synced(self, digests: Sequence[str]) -> bool:
        """Whether the last digest-aware sync registered exactly the decks with these digests (so a
        sync now would change nothing): see :func:`synced.covers`."""
        return bool(self._read(lambda conn: synced.covers(conn, digests)))

    def deck_counts(self, deck_ids: Sequence[str] | None, now: datetime) -> dict[str, DeckCounts]:
        """New / learning / due counts per deck for today, with the daily limits applied to each deck."""
        return self._read(lambda conn: queue.deck_counts(conn, self.learner, self.settings, deck_ids, now))

    def due_queue(self, deck_ids: Sequence[str] | None, now: datetime) -> list[CardKey]:
        """The cards to study now, in order (see :mod:`quizapp.core.storage.queue`)."""
        return self._read(lambda conn: queue.due_queue(conn, self.learner, self.settings, deck_ids, now))

    def next_due(self, deck_ids: Sequence[str] | None, now: datetime) -> datetime | None:
        """When the next card becomes available after ``now`` (None when nothing ever will)."""
        return self._read(lambda conn: queue.next_due(conn, self.learner, self.settings, deck_ids, now))

    def preview(self, key: CardKey, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give (no fuzz), for the rating buttons' labels."""
        row = self._read(lambda conn: catalogue.state_row(conn, self.learner, key))
        return fsrs_bridge.preview(state_of(row), now, self.settings)

    def suspend(self, key: CardKey) -> None:
        """Keep the card out of every queue until it is unsuspended."""
        self._write(lambda conn: catalogue.set_flags(conn, self.learner, key, suspended=True))

    def unsuspend(self, key: CardKey) -> None:
        """Put a suspended card (a leech too; it keeps its leech tag) back into the queues."""
        self._write(lambda conn: catalogue.set_flags(conn, self.learner, key, suspended=False))

    def left_today(self, now: datetime) -> tuple[int, int]:
        """(new cards, reviews) the daily limits still allow today, across all decks."""
        return self._read(lambda conn: queue.left_today(conn, self.learner, self.settings, now))

    def bury(self, key: CardKey, now: datetime) -> datetime:
        """Hide the card until the next study day begins (see scheduling.days); returns that moment."""
        until = next_day_start(now, self.settings.day_starts_at_hour)
        self._write(lambda conn: catalogue.set_flags(conn, self.learner, key, buried_until=until.timestamp()))
        return until

    def unbury(self, key: CardKey) -> None:
        """Bring a buried card back into today's queue."""
        self._write(lambda conn: catalogue.set_flags(conn, self.learner, key, buried_until=None))

    def card_info(self, key: CardKey) -> CardInfo | None:
        return self._read(lambda conn: catalogue.get_info(conn, self.learner, key))

    def search(
        self,
        text: str | None = None,
        *,
        deck: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        due: datetime | None = None,
        lapses: int | None = None,
        include_hidden: bool = False,
        now: datetime | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[CardInfo]:
        """Cards matching every given filter, in deck order (``offset`` skips that many, for paging).

        ``text``: case-insensitive substring of the prompt, code or card id (through the full-text
        index, :mod:`quizapp.core.storage.fulltext`). ``tag``: a whole tag (``leech`` finds leeches; a
        deck's own tags count). ``state``: one of SEARCH_STATES. ``due``: due at or before this moment (new
        cards excluded). ``lapses``: at least this many lapses. ``now`` decides what is buried. Hidden cards
        (no longer in any deck) appear only with ``include_hidden`` or ``state="hidden"``.
        """
        return self._read(lambda conn: catalogue.search(
            conn, self.learner, text=text, deck=deck, tag=tag, state=state, due=due, lapses=lapses,
            include_hidden=include_hidden, now=now, limit=limit, offset=offset,
        ))

    def search_page(
        self,
        text: str | None = None,
        *,
        deck: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        due: datetime | None = None,
        lapses: int | None = None,
        include_hidden: bool = False,
        now: datetime | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> tuple[list[CardInfo], int]:
        """:meth:`search`'s page and :meth:`search_count`'s total together, in one pass over the matches
        (what Browse shows: a page and "200 of N"); the same filters, order and paging as :meth:`search`."""
        return self._read(lambda conn: catalogue.search_page(
            conn, self.learner, text=text, deck=deck, tag=tag, state=state, due=due, lapses=lapses,
            include_hidden=include_hidden, now=now, limit=limit, offset=offset,
        ))

    def search_count(
        self,
        text: str | None = None,
        *,
        deck: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        due: datetime | None = None,
        lapses: int | None = None,
        include_hidden: bool = False,
        now: datetime | None = None,
    ) -> int:
        """How many cards :meth:`search` with these filters would find without a limit."""
        return self._read(lambda conn: catalogue.search_count(
            conn, self.learner, text=text, deck=deck, tag=tag, state=state, due=due, lapses=lapses,
            include_hidden=include_hidden, now=now,
        ))

    # ----------------------------------------------------------------------------- reviews

    def record_review(
        self,
        key: CardKey,
        rating: Rating,
        *,
        answer: str = "",
        correct: bool | None = None,
        duration_s: float = 0.0,
        now: datetime,
    ) -> ReviewResult:
        """Schedule the card with ``rating`` and append the review to the log; committed before this returns.

        ``ReviewResult.review_id`` (a UUID) is what :meth:`undo_review` takes. When the card's lapses reach
        the leech threshold it is tagged ``leech`` and suspended, and ``ReviewResult.leech`` is True."""
        item = ReviewInput(key, Rating(rating), now, answer, correct, duration_s)

        def work(conn: Connection) -> ReviewResult:
            row = catalogue.state_row(conn, self.learner, key, lock=True)
            return reviewlog.append(conn, self.settings, self.learner, self.device, item, row=row)

        return self._write(work)

    def record_reviews(self, items: Iterable[ReviewInput], *, batch: int = 20000) -> int:
        """Record many reviews, in order, committing every ``batch`` reviews (imports and benchmarks).
        Each review is scheduled exactly as :meth:`record_review` would; only the round trips differ."""
        total = 0
        pending: list[ReviewInput] = []
        for item in items:
            pending.append(item)
            if len(pending) >= batch:
                total += self._append_chunk(pending)
                pending = []
        if pending:
            total += self._append_chunk(pending)
        return total

    def _append_chunk(self, chunk: list[ReviewInput]) -> int:
        # a method, not a lambda in the loop: the closure must hold this chunk, not the loop's variable
        self._write(lambda conn: reviewlog.append_many(conn, self.settings, self.learner, self.device, chunk))
        return len(chunk)

    def undo_review(self, review_id: str) -> CardKey:
        """Take back one review by id: it leaves the log and the card is replayed from the rest.

        Refuses (StoreError "reviewed elsewhere since ...") when the card has a newer review, e.g. made
        in another window, and when the review was already synced or exported."""
        return self._write(lambda conn: reviewlog.undo(conn, self.settings, self.learner, review_id))

    def undo_last(self) -> CardKey | None:
        """Deprecated: undo this device's newest review for this learner (use :meth:`undo_review`)."""

        def work(conn: Connection) -> CardKey | None:
            review_id = reviewlog.newest_own(conn, self.learner, self.device)
            return None if review_id is None else reviewlog.undo(conn, self.settings, self.learner, review_id)

        return self._write(work)

    def history(self, key: CardKey) -> list[ReviewEntry]:
        """Every review of the card by this learner, oldest first."""
        return self._read(lambda conn: reviewlog.history(conn, self.learner, key))

    # ----------------------------------------------------------------------------- stats, export

    def review_days(self, now: datetime) -> list[tuple[int, int, int, int, int, float]]:
        """This learner's reviews grouped by study day, oldest first: (day number since 1970-01-01,
        reviews, passed, mature reviews, mature passed, seconds spent), from the 15-minute totals, each
        placed with its own day's UTC offset."""
        del now  # every bucket carries its own offset now
        return self._read(lambda conn: buckets.review_days(conn, self.learner, self.settings.day_starts_at_hour))

    def iter_reviews(self, *, all_learners: bool = False) -> Iterator[streams.ReviewRecord]:
        """The review log (this learner's, or everyone's), oldest first, as typed records, streamed."""
        return streams.reviews_iter(self.engine, None if all_learners else self.learner, self.read_error)

    def iter_cards(self) -> Iterator[streams.CardRecord]:
        """Every card (hidden ones too) with this learner's state, in deck order, streamed."""
        return streams.cards_iter(self.engine, self.learner, self.read_error)

    def card_stat_rows(self) -> Iterator[streams.CardStatRow]:
        """One lean row per visible card for stats (times as epoch seconds), streamed."""
        return streams.card_stats(self.engine, self.learner, self.read_error)

    def card_stat_groups(self) -> Iterator[tuple[streams.CardStatRow, int]]:
        """:meth:`card_stat_rows` with new cards pre-counted by the database: (row, cards it stands for)."""
        return streams.card_stat_groups(self.engine, self.learner, self.read_error)

    def learners(self) -> list[str]:
        return self._read(catalogue.learner_names)

    # ----------------------------------------------------------------------------- log merging

    def merge_reviews(self, records: Iterable[streams.ReviewRecord], now: datetime | None = None) -> int:
        """Add reviews made elsewhere (sync, import): a union by id then a replay of each card they touch.
        Never conflicts, never drops a review, idempotent. Returns how many were new here."""
        from quizapp.core.storage import merging

        return merging.merge(self, records, (now or datetime.now(UTC)).timestamp())

    # --- concept notes shown (storage/concepts.py)
    def seen_concepts(self) -> set[tuple[str, str]]:
        """The (deck, concept) notes this learner has been shown, on any device or window."""
        return self._read(lambda conn: concepts.seen(conn, self.learner))

    def concept_seen(self, deck: str, concept: str) -> bool:
        return bool(self._read(lambda conn: concepts.is_seen(conn, self.learner, deck, concept)))

    def mark_concept_seen(self, deck: str, concept: str, now: datetime) -> None:
        """Remember that this learner was shown the note (the first showing wins; marking again is a no-op)."""
        record = concepts.SeenRecord(self.learner, deck, concept, now.timestamp(), self.device)
        self._write(lambda conn: concepts.mark(conn, record))

    def concept_records(self) -> list[concepts.SeenRecord]:
        """Every learner's shown notes, for sync."""
        return self._read(concepts.records)

    def merge_concepts(self, records: Iterable[concepts.SeenRecord]) -> int:
        """Add notes shown elsewhere (a union); returns how many were new here."""
        wanted = list(records)
        return self._write(lambda conn: concepts.merge(conn, wanted)) if wanted else 0

    def mark_shared(self, review_ids: Iterable[str]) -> None:
        """Record that these reviews left this collection (after which undo refuses them)."""
        from quizapp.core.storage import merging

        ids = list(review_ids)
        self._write(lambda conn: merging.mark_shared(conn, ids))
