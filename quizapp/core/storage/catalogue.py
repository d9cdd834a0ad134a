"""The card catalogue (which cards exist, their text and order) and each learner's row per card.

Functions of a connection: the :class:`~quizapp.core.storage.store.Store` runs them in its read or
write transactions.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from quizapp.core.decks.model import CardKey, Deck
from quizapp.core.scheduling.state import Phase
from quizapp.core.storage import fulltext, synced
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.records import CardInfo
from quizapp.core.storage.rows import card_info, tags_column, ts
from quizapp.core.storage.tables import card_states, cards, learners

SEARCH_STATES = ("new", "learning", "review", "relearning", "suspended", "buried", "leech", "hidden")
_NEW_STATE = {
    "suspended": False, "leech": False, "buried_until": None, "phase": int(Phase.NEW), "step": None,
    "stability": None, "difficulty": None, "due": None, "last_review": None, "reps": 0, "lapses": 0,
}


def joined(learner: str) -> Any:
    """cards joined with the learner's card_states (every card has one per learner)."""
    return cards.join(card_states, sa.and_(card_states.c.card == cards.c.id, card_states.c.learner == learner))


def joined_columns() -> list[Any]:
    return [*cards.c, *[c for c in card_states.c if c.name not in ("card", "learner")]]


def insert_new(conn: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: two windows registering the same learner at once both succeed."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing()


def catalogue_lock(conn: Connection) -> None:
    """Serialise changes to the card catalogue between PostgreSQL clients (two windows registering the
    same new cards at once); SQLite's write lock already does."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262002)"))


def ensure_learner(conn: Connection, learner: str, now: float | None = None) -> bool:
    """Register ``learner`` with a fresh state for every card; False if they were known already."""
    if conn.execute(sa.select(learners.c.name).where(learners.c.name == learner)).first() is not None:
        return False
    catalogue_lock(conn)
    conn.execute(insert_new(conn, learners).values(name=learner, added_at=now if now is not None else time.time()))
    ids = [r[0] for r in conn.execute(sa.select(cards.c.id))]
    for i in range(0, len(ids), 5000):
        conn.execute(insert_new(conn, card_states),
                     [{"learner": learner, "card": c, **_NEW_STATE} for c in ids[i : i + 5000]])
    return True


def learner_names(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(sa.select(learners.c.name).order_by(learners.c.name))]


def _add_states(conn: Connection, card_ids: list[int]) -> None:
    names = learner_names(conn)
    rows = [{"learner": n, "card": c, **_NEW_STATE} for n in names for c in card_ids]
    for i in range(0, len(rows), 5000):
        conn.execute(card_states.insert(), rows[i : i + 5000])


def card_pk(conn: Connection, key: CardKey, *, create_hidden: bool = False, now: float = 0.0) -> int:
    """The catalogue id of ``key``. With ``create_hidden`` an unknown card (a review merged from a device
    with decks this one lacks) gets a hidden row, so its reviews are kept and shown once the deck loads."""
    row = conn.execute(sa.select(cards.c.id).where(cards.c.deck == key[0], cards.c.card_id == key[1])).first()
    if row is not None:
        return int(row[0])
    if not create_hidden:
        raise StoreError(f"no card {key[0]}/{key[1]} in the collection")
    catalogue_lock(conn)
    row = conn.execute(sa.select(cards.c.id).where(cards.c.deck == key[0], cards.c.card_id == key[1])).first()
    if row is not None:  # registered by another client while we waited for the lock
        return int(row[0])
    inserted = conn.execute(
        cards.insert().values(deck=key[0], card_id=key[1], position=0, hidden=True, added_at=now, kind="",
                              prompt="", code="", tags="")
    ).inserted_primary_key
    assert inserted is not None  # an INSERT of one row always reports its key
    pk = inserted[0]
    _add_states(conn, [int(pk)])
    return int(pk)


def sync_cards(conn: Connection, decks: Iterable[Deck], now: datetime, *,
               digests: Mapping[str, str] | None = None, kept: Mapping[str, str] | None = None) -> None:
    """Register every card of ``decks`` (their order is the new-card order), refresh the stored text and
    tags (the deck's own tags included), hide cards in none of them (history kept), un-hide returns.

    ``digests``: decks registered before with the same digest are left alone (:mod:`synced`). Only the
    catalogue is compared, never a learner's progress: every learner has a state row per card from the
    moment either exists (:func:`ensure_learner`, :func:`_add_states`), so a skipped deck lacks nothing.

    ``kept`` (deck id -> digest): decks of the catalogue not given here (served unparsed from their
    stored summaries while the cache is cold) whose rows are left exactly as they are, neither hidden
    nor updated; they stay remembered as synced only while still in step with that digest."""
    now_ts = ts(now)
    decks = list(decks)
    catalogue_lock(conn)  # before reading what was synced, so two clients cannot both skip on stale rows
    skip = synced.unchanged(conn, decks, digests) | set(kept or ())
    wanted: dict[CardKey, dict[str, Any]] = {}
    for deck in (d for d in decks if d.id not in skip):
        deck_tags = tuple(getattr(deck, "tags", ()) or ())
        for position, card in enumerate(deck.cards):
            wanted[card.key] = {
                "position": position,
                "kind": card.kind.value if hasattr(card.kind, "value") else str(card.kind),
                "prompt": card.prompt or "",
                "code": card.code or "",
                "tags": tags_column((*card.tags, *deck_tags)),
            }
    columns = ("position", "kind", "prompt", "code", "tags")
    existing = conn.execute(sa.select(cards.c.id, cards.c.deck, cards.c.card_id, cards.c.hidden,
                                      *[cards.c[c] for c in columns])
                            .where(cards.c.deck.not_in(skip) if skip else sa.true())).mappings().all()
    updates, hides = [], []
    for row in existing:
        values = wanted.pop((row["deck"], row["card_id"]), None)
        if values is None:
            if not row["hidden"]:
                hides.append({"_id": row["id"]})
            continue
        if row["hidden"] or any(row[k] != v for k, v in values.items()):
            updates.append({"_id": row["id"], "hidden": False, **values})
    if updates:
        conn.execute(
            cards.update().where(cards.c.id == sa.bindparam("_id"))
            .values({k: sa.bindparam(k) for k in ("hidden", *columns)}),
            updates,
        )
    if hides:
        conn.execute(cards.update().where(cards.c.id == sa.bindparam("_id")).values(hidden=True), hides)
    if wanted:
        conn.execute(
            cards.insert(),
            [{"deck": k[0], "card_id": k[1], "added_at": now_ts, "hidden": False, **v} for k, v in wanted.items()],
        )
        keys = set(wanted)
        new_ids = [
            r[0] for r in conn.execute(sa.select(cards.c.id, cards.c.deck, cards.c.card_id).where(
                cards.c.deck.in_({k[0] for k in keys})))
            if (r[1], r[2]) in keys
        ]
        _add_states(conn, new_ids)
    synced.remember(conn, decks, digests, kept)
    synced.remember_summaries(conn, decks, digests, now.timestamp())


def state_row(conn: Connection, learner: str, key: CardKey, *, lock: bool = False) -> RowMapping:
    """The learner's joined row for ``key`` (``lock``: FOR UPDATE of the learner's state row on PostgreSQL)."""
    q = sa.select(*joined_columns()).select_from(joined(learner)).where(cards.c.deck == key[0],
                                                                       cards.c.card_id == key[1])
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update(of=card_states)
    row = conn.execute(q).mappings().first()
    if row is None:
        raise StoreError(f"no card {key[0]}/{key[1]} in the collection")
    return row


def get_info(conn: Connection, learner: str, key: CardKey) -> CardInfo | None:
    q = sa.select(*joined_columns()).select_from(joined(learner)).where(cards.c.deck == key[0],
                                                                       cards.c.card_id == key[1])
    row = conn.execute(q).mappings().first()
    return card_info(row) if row else None


def set_flags(conn: Connection, learner: str, key: CardKey, **values: Any) -> None:
    pk = card_pk(conn, key)
    done = conn.execute(
        card_states.update().where(card_states.c.learner == learner, card_states.c.card == pk).values(**values)
    )
    if done.rowcount == 0:
        raise StoreError(f"no card {key[0]}/{key[1]} in the collection")


def _search_conditions(
    conn: Connection,
    *,
    text: str | None,
    deck: str | None,
    tag: str | None,
    state: str | None,
    due: datetime | None,
    lapses: int | None,
    include_hidden: bool,
    now: datetime | None,
) -> list[Any]:
    """The WHERE conditions of a search over :func:`joined` (see :meth:`Store.search`)."""
    conds: list[Any] = []
    if text:
        conds.append(fulltext.text_condition(conn, cards, text))
    if deck:
        conds.append(cards.c.deck == deck)
    if tag:
        whole = cards.c.tags.like(f"% {tag.strip()} %")
        conds.append(sa.or_(whole, card_states.c.leech == sa.true()) if tag.strip() == "leech" else whole)
    if state:
        if state not in SEARCH_STATES:
            raise StoreError(f"unknown state {state!r}; choose from {', '.join(SEARCH_STATES)}")
        now_ts = ts(now) if now else time.time()
        conds.append(
            {
                "new": card_states.c.phase == int(Phase.NEW),
                "learning": card_states.c.phase == int(Phase.LEARNING),
                "review": card_states.c.phase == int(Phase.REVIEW),
                "relearning": card_states.c.phase == int(Phase.RELEARNING),
                "suspended": card_states.c.suspended == sa.true(),
                "buried": card_states.c.buried_until > now_ts,
                "leech": card_states.c.leech == sa.true(),
                "hidden": cards.c.hidden == sa.true(),
            }[state]
        )
    if due is not None:
        conds.append(sa.and_(card_states.c.phase != int(Phase.NEW), card_states.c.due <= ts(due)))
    if lapses is not None:
        conds.append(card_states.c.lapses >= lapses)
    if not include_hidden and state != "hidden":
        conds.append(cards.c.hidden == sa.false())
    return conds


# Search order: deck order, the id only breaking ties (a hidden card keeps its old position), so that
# pages never overlap or skip and a page's rows come back in the order its ids were chosen in.
_SEARCH_ORDER = (cards.c.deck, cards.c.position, cards.c.id)


def search(conn: Connection, learner: str, *, limit: int, offset: int = 0, **filters: Any) -> list[CardInfo]:
    """See :meth:`Store.search` (``filters`` are :func:`_search_conditions`' keywords)."""
    q = (
        sa.select(*joined_columns()).select_from(joined(learner)).where(*_search_conditions(conn, **filters))
        .order_by(*_SEARCH_ORDER).limit(limit).offset(max(0, offset))
    )
    return [card_info(r) for r in conn.execute(q).mappings()]


def _window_functions(conn: Connection) -> bool:
    """``count(*) OVER ()``: PostgreSQL, and SQLite from 3.25 (2018); older SQLite counts separately."""
    return conn.dialect.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 25)


def search_page(conn: Connection, learner: str, *, limit: int, offset: int = 0,
                **filters: Any) -> tuple[list[CardInfo], int]:
    """See :meth:`Store.search_page`: one pass finds the matches, counts them and picks the page.

    A search and a separate count each find every match again (the index lookup, then each candidate's
    card and state row): at 100k cards that is most of a search's time, twice. Here the window count is
    taken over the same matches the page is chosen from, and the page's ids are chosen (and sorted)
    before the wide rows are read, so only the page's rows carry their text through the sort.
    """
    offset = max(0, offset)
    if not _window_functions(conn):
        found = search(conn, learner, limit=limit, offset=offset, **filters)
        # A short page is the last one, so it tells the total; a full or empty one (past the end) does not.
        ends = len(found) < limit and (found or offset == 0)
        return found, offset + len(found) if ends else search_count(conn, learner, **filters)
    page = (
        sa.select(cards.c.id.label("id"), sa.func.count().over().label("total"))
        .select_from(joined(learner)).where(*_search_conditions(conn, **filters))
        .order_by(*_SEARCH_ORDER).limit(limit).offset(offset).subquery("page")
    )
    q = (sa.select(*joined_columns(), page.c.total).select_from(joined(learner).join(page, page.c.id == cards.c.id))
         .order_by(*_SEARCH_ORDER))
    rows = conn.execute(q).mappings().all()
    if not rows:  # past the last match (or none): the window had no row to count on
        return [], search_count(conn, learner, **filters) if offset > 0 else 0
    return [card_info(r) for r in rows], int(rows[0]["total"])


def search_count(conn: Connection, learner: str, **filters: Any) -> int:
    """How many cards :func:`search` with these filters finds without a limit."""
    q = sa.select(sa.func.count()).select_from(joined(learner)).where(*_search_conditions(conn, **filters))
    return int(conn.execute(q).scalar_one())
