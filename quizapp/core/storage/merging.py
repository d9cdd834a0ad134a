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
from quizapp.core.storage.tables import reviews

if TYPE_CHECKING:
    from quizapp.core.storage.store import Store

CARDS_PER_TRANSACTION = 500


def _existing(conn: Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), 900):
        found.update(str(r[0]) for r in conn.execute(sa.select(reviews.c.id).where(reviews.c.id.in_(ids[i : i + 900]))))
    return found


def _insert_ignoring_duplicates(conn: Connection, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Insert the rows whose id is not in the log yet; returns those actually inserted."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    done = []
    for row in rows:
        stmt = insert(reviews).values(row).on_conflict_do_nothing(index_elements=[reviews.c.id])
        # RETURNING says whether this statement inserted the row (rowcount is not reliable across drivers).
        if conn.execute(stmt.returning(reviews.c.id)).first() is not None:
            done.append(row)
    return done


def _merge_cards(store: Store, group: list[tuple[tuple[str, str, str], list[ReviewRecord]]], now: float) -> int:
    def work(conn: Connection) -> int:
        added = 0
        for (learner, deck, card_id), records in group:
            catalogue.ensure_learner(conn, learner, now)
            pk = catalogue.card_pk(conn, (deck, card_id), create_hidden=True, now=now)
            catalogue.state_row(conn, learner, (deck, card_id), lock=True)
            fresh = [r for r in records if r.review_id not in _existing(conn, [r.review_id for r in records])]
            rows: list[dict[str, object]] = [
                {
                    "id": r.review_id, "device": r.device, "learner": learner, "card": pk,
                    "reviewed_at": float(r.reviewed_at), "rating": int(r.rating), "answer": r.answer or "",
                    "correct": r.correct, "duration_s": float(r.duration_s or 0.0),
                    "fixed_interval_days": r.fixed_interval_days, "shared": True, "phase_before": 0,
                    "scheduled_days": 0.0, "interval_days": 0.0, "stability": None, "difficulty": None,
                    "phase_after": 0, "made_leech": False,
                }
                for r in fresh
            ]
            inserted = _insert_ignoring_duplicates(conn, rows)
            if not inserted:
                continue
            deltas: buckets.Deltas = {}
            for row in inserted:
                buckets.accumulate(deltas, row)  # provisional totals; the replay corrects them
            buckets.add(conn, learner, deltas)
            reviewlog.replay_card(conn, store.settings, learner, pk)
            added += len(inserted)
        return added

    return store.run_write(work)


def merge(store: Store, records: Iterable[ReviewRecord], now: float) -> int:
    """Merge ``records`` into ``store``'s collection (all learners they name). Returns reviews added."""
    by_card: dict[tuple[str, str, str], dict[str, ReviewRecord]] = defaultdict(dict)
    for record in records:
        by_card[(record.learner, record.deck, record.card_id)][record.review_id] = record
    # Skip cards whose reviews are all here already without taking any lock (the common re-sync).
    ids = [rid for group in by_card.values() for rid in group]
    known = store.run_read(lambda conn: _existing(conn, ids))
    todo = sorted(
        (key, list(group.values())) for key, group in by_card.items() if any(rid not in known for rid in group)
    )
    added = 0
    for i in range(0, len(todo), CARDS_PER_TRANSACTION):
        added += _merge_cards(store, todo[i : i + CARDS_PER_TRANSACTION], now)
    return added


def mark_shared(conn: Connection, ids: list[str]) -> None:
    for i in range(0, len(ids), 900):
        conn.execute(reviews.update().where(reviews.c.id.in_(ids[i : i + 900])).values(shared=True))
