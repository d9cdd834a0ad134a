"""Which decks' cards are already registered exactly as the catalog has them, so a sync can skip them.

:meth:`Store.sync_cards` re-reads and compares every card row (two seconds for 100,000 cards even when
nothing changed). Given each deck's digest (:attr:`Catalog.digests`: its file's content hash combined
with the loader's code fingerprint), the sync remembers, in the same transaction as the rows it wrote,
the digest and card count of every deck it registered (one ``quizapp_meta`` row, ``synced_decks``).
Next time, a deck with the same digest whose visible card count still matches is left alone. The
memory lives in the database, not in a cache file, because it describes the database: another machine
syncing a different version of a deck into a shared PostgreSQL collection changes the digest, and a
sync without digests (or one leaving a deck out) forgets the decks it did not vouch for.

The same sync also keeps, per digest, what listing that version of the deck shows (``deck_summaries``,
schema 7: id, title, card counts; :func:`remember_summaries`). A file whose digest the collection
knows need not be parsed to be listed (:func:`known`), and when the collection's cards are exactly that
version's (``in_sync``), the home screen's counts need no parse either: the cold-cache launch of a
large catalogue then costs hashing its files, not validating them. Keyed by digest, never by time, so
two devices syncing different versions of a deck into one collection each find their own version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.decks.model import Deck
from quizapp.core.storage import summaries
from quizapp.core.storage.summaries import META_KEY

if TYPE_CHECKING:
    from quizapp.core.decks.registry import KnownDeck

KEEP_VERSIONS = 8  # summaries kept per deck id (the newest first registered): old versions are forgotten
summaries.CHUNK = 500  # digests per IN (...) query


def _remembered(conn: Connection) -> dict[str, list[Any]]:
    value = conn.execute(sa.text("SELECT value FROM quizapp_meta WHERE key = :k"), {"k": META_KEY}).scalar()
    return summaries.parse_remembered(value)  # a damaged row only costs one full sync


def unchanged(conn: Connection, decks: Sequence[Deck], digests: Mapping[str, str] | None) -> set[str]:
    """Ids of the decks in ``decks`` whose cards need no sync (same digest, same visible card count)."""
    if not digests:
        return set()
    before = _remembered(conn)
    candidates = {d.id: len(d.cards) for d in decks
                  if digests.get(d.id) and before.get(d.id) == [digests[d.id], len(d.cards)]}
    if not candidates:
        return set()
    visible = _visible(conn)
    return {deck for deck, count in candidates.items() if visible.get(deck) == count}


def _visible(conn: Connection) -> dict[str, int]:
    return summaries.visible_counts(lambda sql, params: conn.execute(sa.text(sql), params).all())


def kept_in_sync(conn: Connection, kept: Mapping[str, str] | None) -> set[str]:
    """Ids of the ``kept`` decks (deck id -> digest, decks a sync leaves alone without being given them)
    whose cards are still registered as that digest's version: the last sync remembered that digest and
    the visible card count still matches."""
    if not kept:
        return set()
    before, visible = _remembered(conn), _visible(conn)
    found = set()
    for deck, digest in kept.items():
        entry = before.get(deck)
        if isinstance(entry, list) and len(entry) >= 2 and entry[0] == digest and visible.get(deck) == entry[1]:
            found.add(deck)
    return found


def remember(conn: Connection, decks: Sequence[Deck], digests: Mapping[str, str] | None,
             kept: Mapping[str, str] | None = None) -> None:
    """Record what this sync registered: exactly the decks given with a digest, and the ``kept`` decks
    still in sync (see :func:`kept_in_sync`); the others are forgotten."""
    entries: dict[str, list[Any]] = {}
    if kept:
        before = _remembered(conn)
        entries.update({deck: before[deck] for deck in kept_in_sync(conn, kept)})
    entries.update({d.id: [digests[d.id], len(d.cards)] for d in decks if digests and digests.get(d.id)})
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
    visible = _visible(conn)
    return all(visible.get(deck) == entry[1] for deck, entry in before.items())


def remember_summaries(conn: Connection, decks: Sequence[Deck], digests: Mapping[str, str] | None,
                       now: float) -> None:
    """Keep what listing each of ``decks`` shows under its digest (only new digests are written), and
    forget all but the :data:`KEEP_VERSIONS` newest versions of a deck that got a new one."""
    # Imported here: the store is opened by commands that never read a deck file (stats), which then
    # need not import the loader.
    from quizapp.core.decks.cache import DeckSummary

    mine = {digests[d.id]: d for d in decks if digests and digests.get(d.id)}
    if not mine:
        return
    have: set[str] = set()
    wanted = sorted(mine)
    for i in range(0, len(wanted), summaries.CHUNK):
        have.update(str(r[0]) for r in conn.execute(
            sa.text("SELECT digest FROM deck_summaries WHERE digest IN :d")
            .bindparams(sa.bindparam("d", expanding=True)), {"d": wanted[i : i + summaries.CHUNK]}))
    rows = []
    for digest, deck in mine.items():
        if digest not in have:
            summary = DeckSummary.of(deck)
            rows.append({"digest": digest, "deck": summary.id, "title": summary.title, "cards": summary.cards,
                         "executable": summary.executable, "seen_at": now})
    if not rows:
        return
    # ON CONFLICT DO NOTHING: two windows registering the same new version at once both succeed.
    conflict = " ON CONFLICT (digest) DO NOTHING"
    conn.execute(sa.text("INSERT INTO deck_summaries (digest, deck, title, cards, executable, seen_at)"
                         " VALUES (:digest, :deck, :title, :cards, :executable, :seen_at)" + conflict), rows)
    for deck_id in sorted({str(r["deck"]) for r in rows}):
        conn.execute(sa.text(
            "DELETE FROM deck_summaries WHERE deck = :deck AND digest NOT IN"
            " (SELECT digest FROM deck_summaries WHERE deck = :deck ORDER BY seen_at DESC, digest LIMIT :keep)"),
            {"deck": deck_id, "keep": KEEP_VERSIONS})


def known(conn: Connection, digests: Sequence[str]) -> dict[str, KnownDeck]:
    """What the collection remembers of the deck versions with these digests (digest -> summary);
    ``in_sync`` says the collection's cards of that deck are exactly that version's."""
    return summaries.known(lambda sql, params: conn.execute(sa.text(sql), params).all(), digests)
