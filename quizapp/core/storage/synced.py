"""Which decks' cards are already registered exactly as the catalog has them, so a sync can skip them.

:meth:`Store.sync_cards` re-reads and compares every card row (two seconds for 100,000 cards even when
nothing changed). Given each deck's digest (:attr:`Catalog.digests`: its file's content hash combined
with the loader's code fingerprint), the sync remembers, in the same transaction as the rows it wrote,
the digest and card count of every deck it registered (one ``quizapp_meta`` row, ``synced_decks``).
Next time, a deck with the same digest whose visible card count still matches is left alone. The
memory lives in the database, not in a cache file, because it describes the database: another machine
syncing a different version of a deck into a shared PostgreSQL collection changes the digest, and a
sync without digests (or one leaving a deck out) forgets the decks it did not vouch for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.decks.model import Deck

META_KEY = "synced_decks"


def _remembered(conn: Connection) -> dict[str, list]:
    value = conn.execute(sa.text("SELECT value FROM quizapp_meta WHERE key = :k"), {"k": META_KEY}).scalar()
    try:
        found = json.loads(value) if value else {}
    except ValueError:  # a damaged row only costs one full sync
        return {}
    return found if isinstance(found, dict) else {}


def unchanged(conn: Connection, decks: Sequence[Deck], digests: Mapping[str, str] | None) -> set[str]:
    """Ids of the decks in ``decks`` whose cards need no sync (same digest, same visible card count)."""
    if not digests:
        return set()
    before = _remembered(conn)
    candidates = {d.id: len(d.cards) for d in decks
                  if digests.get(d.id) and before.get(d.id) == [digests[d.id], len(d.cards)]}
    if not candidates:
        return set()
    visible = dict(conn.execute(sa.text(
        "SELECT deck, COUNT(*) FROM cards WHERE hidden = :no GROUP BY deck"), {"no": False}).all())
    return {deck for deck, count in candidates.items() if visible.get(deck) == count}


def remember(conn: Connection, decks: Sequence[Deck], digests: Mapping[str, str] | None) -> None:
    """Record what this sync registered: exactly the decks given with a digest (the others are forgotten)."""
    entries = {d.id: [digests[d.id], len(d.cards)] for d in decks if digests and digests.get(d.id)}
    conn.execute(sa.text("DELETE FROM quizapp_meta WHERE key = :k"), {"k": META_KEY})
    if entries:
        conn.execute(sa.text("INSERT INTO quizapp_meta (key, value) VALUES (:k, :v)"),
                     {"k": META_KEY, "v": json.dumps(entries, sort_keys=True)})


def covers(conn: Connection, digests: Sequence[str]) -> bool:
    """True when the last sync registered exactly decks with these digests (one per deck file, from
    ``registry.source_digests``) and their visible cards are all still there: then loading the
    catalogue to sync it would change nothing, and a command that only reads progress can skip it."""
    if not digests or not all(digests):
        return False
    before = _remembered(conn)
    try:
        remembered = sorted(str(entry[0]) for entry in before.values())
    except (TypeError, IndexError, KeyError):
        return False
    if remembered != sorted(digests):
        return False
    visible = dict(conn.execute(sa.text(
        "SELECT deck, COUNT(*) FROM cards WHERE hidden = :no GROUP BY deck"), {"no": False}).all())
    return all(visible.get(deck) == entry[1] for deck, entry in before.items())
