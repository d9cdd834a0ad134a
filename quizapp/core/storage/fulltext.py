"""Full-text search of the card catalogue: an index over the cards' text, so Browse stays fast at 100k cards.

What a search means is unchanged: ``text`` matches a card whose prompt, code or card id contains it,
ignoring ASCII case (the ``LIKE`` semantics Browse always had; ``%`` and ``_`` now match themselves).
The index only finds the candidates quickly; the same exact condition then decides, so an indexed
search returns exactly what a scan would.

- SQLite: an FTS5 table with the trigram tokenizer (``cards_fts``), external-content over ``cards``
  (it stores only the index, not a second copy of the text), kept in sync by triggers on the card
  text columns, so every writer of ``cards`` (card sync, imports, a future migration's copy) keeps
  it current without calling anything here. Trigrams find any substring of 3 characters or more;
  shorter queries scan (they match most cards anyway, and a scan of those is what the answer costs).
- PostgreSQL: pg_trgm GIN indexes on ``lower(prompt)``, ``lower(code)`` and ``lower(card_id)``; the
  planner uses them for the very ``lower(col) LIKE '%text%'`` conditions the search already asks, so
  nothing else changes.
- Anywhere the index cannot be made (an SQLite built without FTS5, a server without pg_trgm or the
  right to create it) migration 6 still succeeds and search scans, as before: slower, never wrong.

Migration 6 (``migrations._v6_fulltext_index``, frozen DDL) made the index: it depends only on the
catalogue's text columns of ``cards`` (:data:`TEXT_COLUMNS`) and its ``id``; the names here must match it.
"""

from __future__ import annotations

import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

FTS_TABLE = "cards_fts"
MIN_INDEXED = 3  # trigram: shorter text cannot be looked up, only scanned
TEXT_COLUMNS = ("deck", "card_id", "prompt", "code", "tags")
SEARCHED_COLUMNS = ("card_id", "prompt", "code")  # what ``text`` matches (deck and tags have filters)
PG_INDEXES = {f"ix_cards_{c}_trgm": c for c in ("prompt", "code", "card_id")}
ESCAPE = "\\"

_available: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def fts_available(conn: Connection) -> bool:
    """Whether this SQLite database has the FTS5 index (looked up once per engine)."""
    engine = conn.engine
    found = _available.get(engine)
    if found is None:
        found = conn.dialect.name == "sqlite" and conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).first() is not None
        _available[engine] = found
    return found


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE with ``\\`` as the escape character: the text's own ``%`` and ``_`` are literal."""
    escaped = text.lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def match_query(text: str) -> str:
    """The FTS5 query for ``text`` as one phrase in the searched columns (quotes doubled, so any text is safe)."""
    phrase = text.replace('"', '""')
    return f'{{{" ".join(SEARCHED_COLUMNS)}}} : "{phrase}"'


def text_condition(conn: Connection, cards: sa.Table, text: str) -> Any:
    """The WHERE condition for "prompt, code or card id contains ``text``", through the index when it can."""
    pattern = like_pattern(text)
    if conn.dialect.name == "sqlite":
        # SQLite's LIKE already ignores ASCII case, exactly as its lower() folds it: lower() would only
        # cost a string copy per row and column.
        exact = sa.or_(*(cards.c[column].like(pattern, escape=ESCAPE) for column in SEARCHED_COLUMNS))
    else:
        exact = sa.or_(*(sa.func.lower(cards.c[column]).like(pattern, escape=ESCAPE) for column in SEARCHED_COLUMNS))
    if len(text) < MIN_INDEXED or not fts_available(conn):
        return exact
    candidates = sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_query").bindparams(
        fts_query=match_query(text)).columns(sa.column("rowid", sa.Integer))
    return sa.and_(cards.c.id.in_(candidates), exact)
