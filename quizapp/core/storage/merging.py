"""Merging reviews made elsewhere into a collection: a union of the logs by review id, then a replay.

Merging never conflicts (two reviews with different ids are both kept; the same id is the same
review), never drops a review, and is idempotent (merging the same records again adds nothing). Each
card a merge touches is replayed from its whole log, so the result is the state one device making all
the reviews would have reached. Unknown cards (a deck this device lacks) get a hidden catalogue row,
so their reviews are kept and count as soon as the deck is loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.storage import buckets, catalogue, reviewlog
from quizapp.core.storage.streams import ReviewRecord
from quizapp.core.storage.tables import card_states, cards, reviews

if TYPE_CHECKING:
    from quizapp.core.storage.store import Store

CARDS_PER_TRANSACTION = 2000


def _existing(conn: Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), 900):
        found.update(str(r[0]) for r in conn.execute(sa.select(reviews.c.id).where(reviews.c.id.in_(ids[i : i + 900]))))
    return found


def _lock_states(conn: Connection, learner: str, card_ids: list[int]) -> None:
    """Lock the learner's state rows of these cards (PostgreSQL; SQLite's write lock covers it), in card
    order so two merges never deadlock. Every writer of a card's log takes this lock first."""
    if conn.dialect.name != "postgresql":
        return
    for i in range(0, len(card_ids), 500):
        conn.execute(
            sa.select(card_states.c.card)
            .where(card_states.c.learner == learner, card_states.c.card.in_(card_ids[i : i + 500]))
            .order_by(card_states.c.card)
            .with_for_update()
        ).all()


def _merge_learner(store: Store, learner: str, records: list[ReviewRecord], now: float) -> int:
    """Merge one learner's records (at most a few thousand cards' worth) in one transaction."""

    def work(conn: Connection) -> int:
        catalogue.ensure_learner(conn, learner, now)
        pks = {
            (r[1], r[2]): int(r[0]) for r in conn.execute(sa.select(cards.c.id, cards.c.deck, cards.c.card_id))
        }
        for record in records:
            key = (record.deck, record.card_id)
            if key not in pks:
                pks[key] = catalogue.card_pk(conn, key, create_hidden=True, now=now)
        touched = sorted({pks[(r.deck, r.card_id)] for r in records})
        _lock_states(conn, learner, touched)
        # Checked again under the locks: what another writer added meanwhile is not added twice.
        known = _existing(conn, [r.review_id for r in records])
        rows: list[dict[str, object]] = [
            {
                "id": r.review_id, "device": r.device, "learner": learner, "card": pks[(r.deck, r.card_id)],
                "reviewed_at": float(r.reviewed_at), "rating": int(r.rating), "answer": r.answer or "",
                "correct": r.correct, "duration_s": float(r.duration_s or 0.0),
                "fixed_interval_days": r.fixed_interval_days, "shared": True, "phase_before": 0,
                "scheduled_days": 0.0, "interval_days": 0.0, "stability": None, "difficulty": None,
                "phase_after": 0, "made_leech": False,
            }
            for r in records
            if r.review_id not in known
        ]
        if not rows:
            return 0
        for i in range(0, len(rows), 5000):
            conn.execute(reviews.insert(), rows[i : i + 5000])
        deltas: buckets.Deltas = {}
        for row in rows:
            buckets.accumulate(deltas, row)  # provisional totals; the replay corrects them
        buckets.add(conn, learner, deltas)
        reviewlog.replay_cards(conn, store.settings, learner, {int(str(row["card"])) for row in rows})
        return len(rows)

    return store.run_write(work)


def merge(store: Store, records: Iterable[ReviewRecord], now: float) -> int:
    """Merge ``records`` into ``store``'s collection (all learners they name). Returns reviews added."""
    by_learner: dict[str, dict[tuple[str, str], list[ReviewRecord]]] = defaultdict(lambda: defaultdict(list))
    seen: set[str] = set()
    for record in records:
        if record.review_id not in seen:
            seen.add(record.review_id)
            by_learner[record.learner][(record.deck, record.card_id)].append(record)
    # Skip what is here already without taking any lock (the common re-sync).
    known = store.run_read(lambda conn: _existing(conn, list(seen)))
    added = 0
    for learner in sorted(by_learner):
        todo = sorted(
            (key, group) for key, group in by_learner[learner].items() if any(r.review_id not in known for r in group)
        )
        for i in range(0, len(todo), CARDS_PER_TRANSACTION):
            chunk = [r for _, group in todo[i : i + CARDS_PER_TRANSACTION] for r in group]
            added += _merge_learner(store, learner, chunk, now)
    return added


def mark_shared(conn: Connection, ids: list[str]) -> None:
    for i in range(0, len(ids), 900):
        conn.execute(reviews.update().where(reviews.c.id.in_(ids[i : i + 900])).values(shared=True))

