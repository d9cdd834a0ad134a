"""Reading the stored deck summaries (schema 7) by digest: the one query behind ``Store.known_decks``.

Written against a bare ``query(sql, params) -> rows`` so that ``quizapp deck list`` on an SQLite
collection can run it through the standard library's ``sqlite3`` (read-only) instead of importing
SQLAlchemy and opening the Store: on a cold deck cache the lookup then costs milliseconds, not the
second those imports take. Plain SQL both drivers take as is (named ``:params``, no dialect features).
This module imports neither SQLAlchemy nor the deck loader.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.core.decks.registry import KnownDeck

META_KEY = "synced_decks"  # quizapp_meta row: deck id -> [digest, card count] of the last sync
CHUNK = 500  # digests per IN (...) query
Query = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

_SUMMARIES = "SELECT digest, deck, title, cards, executable FROM deck_summaries WHERE digest IN ({})"
_META = "SELECT value FROM quizapp_meta WHERE key = :k"
_VISIBLE = "SELECT deck, COUNT(*) FROM cards WHERE hidden = :no GROUP BY deck"


def parse_remembered(value: object) -> dict[str, list[Any]]:
    """The ``synced_decks`` row's value as a dict (a damaged row is empty: it only costs a full sync)."""
    try:
        found = json.loads(value) if isinstance(value, str) and value else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def visible_counts(query: Query) -> dict[str, int]:
    return {str(deck): int(count) for deck, count in query(_VISIBLE, {"no": False})}


def known(query: Query, digests: Sequence[str], *, sync_state: bool = True) -> dict[str, KnownDeck]:
    """digest -> what the collection keeps of that deck version; ``in_sync``: the collection's cards of
    the deck are that version's (the last sync remembered it, and its visible card count matches).
    ``sync_state=False`` (listing only needs the summaries) skips counting every card: all ``in_sync``
    are then False."""
    from quizapp.core.decks.registry import KnownDeck  # here: the store's import stays free of the loader

    wanted = sorted({d for d in digests if d})
    rows: list[Sequence[Any]] = []
    for start in range(0, len(wanted), CHUNK):
        names = {f"d{i}": d for i, d in enumerate(wanted[start : start + CHUNK])}
        rows += query(_SUMMARIES.format(", ".join(f":{n}" for n in names)), names)
    if not rows:
        return {}
    before: dict[str, list[Any]] = {}
    visible: dict[str, int] = {}
    if sync_state:
        meta = query(_META, {"k": META_KEY})
        before, visible = parse_remembered(meta[0][0] if meta else None), visible_counts(query)
    found = {}
    for digest, deck, title, cards, executable in rows:
        entry = before.get(deck)
        in_sync = isinstance(entry, list) and entry[:2] == [digest, cards] and visible.get(deck) == cards
        found[str(digest)] = KnownDeck(str(deck), str(title), int(cards), int(executable), in_sync)
    return found


def known_in_file(path: Path, digests: Sequence[str], *, sync_state: bool = True) -> dict[str, KnownDeck]:
    """:func:`known` on the SQLite collection at ``path``, opened read-only (nothing is created or
    written). Raises ``sqlite3.Error`` (no such file, not a quizapp collection, schema before 7)."""
    if not path.is_file():
        raise sqlite3.OperationalError(f"no collection at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
    try:
        return known(lambda sql, params: conn.execute(sql, params).fetchall(), digests, sync_state=sync_state)
    finally:
        conn.close()
