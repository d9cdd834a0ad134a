"""The concept notes each learner has been shown (schema 8), so each is taught once, everywhere.

One row per (learner, deck, concept), made the first time the note is shown and never changed: two
windows marking the same concept at once both succeed (the second insert does nothing), and merging
the rows of several devices (``sync``) is a union that cannot conflict or lose a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import Connection

from quizapp.core.storage.catalogue import insert_new
from quizapp.core.storage.tables import concepts_seen

# Longest deck id, concept name or learner name kept (the columns' size); longer ones are not stored.
MAX_NAME = 200


class SeenRecord(NamedTuple):
    learner: str
    deck: str
    concept: str
    seen_at: float
    device: str


def seen(conn: Connection, learner: str) -> set[tuple[str, str]]:
    """Every (deck, concept) shown to ``learner``."""
    query = sa.select(concepts_seen.c.deck, concepts_seen.c.concept).where(concepts_seen.c.learner == learner)
    return {(str(deck), str(concept)) for deck, concept in conn.execute(query)}


def is_seen(conn: Connection, learner: str, deck: str, concept: str) -> bool:
    query = sa.select(sa.literal(1)).where(concepts_seen.c.learner == learner, concepts_seen.c.deck == deck,
                                           concepts_seen.c.concept == concept)
    return conn.execute(query).first() is not None


def mark(conn: Connection, record: SeenRecord) -> None:
    """One showing (a second one of the same note changes nothing)."""
    if _storable(record):
        conn.execute(insert_new(conn, concepts_seen), [record._asdict()])


def merge(conn: Connection, records: Iterable[SeenRecord]) -> int:
    """Add the records this collection lacks (the rest are left as they are); returns how many were new."""
    rows = [r._asdict() for r in records if _storable(r)]
    if not rows:
        return 0
    before = _count(conn)
    for start in range(0, len(rows), 1000):
        conn.execute(insert_new(conn, concepts_seen), rows[start:start + 1000])
    return _count(conn) - before


def records(conn: Connection) -> list[SeenRecord]:
    """Every learner's rows, for sync."""
    query = sa.select(concepts_seen.c.learner, concepts_seen.c.deck, concepts_seen.c.concept,
                      concepts_seen.c.seen_at, concepts_seen.c.device)
    return [SeenRecord(str(a), str(b), str(c), float(d), str(e)) for a, b, c, d, e in conn.execute(query)]


def _count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(concepts_seen)).scalar_one())


def _storable(record: SeenRecord) -> bool:
    return all(isinstance(v, str) and 0 < len(v) <= MAX_NAME for v in (record.learner, record.deck, record.concept)) \
        and isinstance(record.device, str) and len(record.device) <= 64
