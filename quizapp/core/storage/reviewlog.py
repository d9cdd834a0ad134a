"""The review log: appending reviews, undoing one by id, and rebuilding a card's state from its log.

The log is the source of truth. A card's state (``card_states``), the cached columns of each review
(``phase_before`` onwards) and the 15-minute buckets are caches of replaying it
(:mod:`quizapp.core.scheduling.replay`); every function here keeps them in step inside the caller's
write transaction. Concurrency: each function first locks the learner's state row of the card
(``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so a review
and an undo of the same card never interleave, and a review is deleted (and its bucket totals taken
away) only by the transaction whose DELETE removed it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.decks.model import CardKey
from quizapp.core.rating import Rating
from quizapp.core.scheduling import replay as replay_mod
from quizapp.core.scheduling.replay import LoggedRating, ReplayedReview
from quizapp.core.scheduling.state import Phase
from quizapp.core.settings import Settings
from quizapp.core.storage import buckets
from quizapp.core.storage.catalogue import state_row
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.records import ReviewEntry, ReviewResult
from quizapp.core.storage.rows import SCHEDULE_COLUMNS, RowLike, dt, same_schedule, state_columns, state_of, ts
from quizapp.core.storage.tables import card_states, cards, reviews

CACHED = ("phase_before", "scheduled_days", "interval_days", "stability", "difficulty", "phase_after", "made_leech")


@dataclass(frozen=True)
class ReviewInput:
    """One rating for :meth:`Store.record_reviews` (bulk import, benchmarks)."""

    key: CardKey
    rating: Rating
    now: datetime
    answer: str = ""
    correct: bool | None = None
    duration_s: float = 0.0
    review_id: str | None = None  # a UUID is made when None


def _cached_columns(done: ReplayedReview) -> dict[str, Any]:
    return {
        "phase_before": int(done.phase_before),
        "scheduled_days": done.scheduled_days,
        "interval_days": done.interval_days,
        "stability": done.state_after.stability,
        "difficulty": done.state_after.difficulty,
        "phase_after": int(done.state_after.phase),
        "made_leech": done.made_leech,
    }


def _logged(row: RowLike) -> LoggedRating:
    at = dt(row["reviewed_at"])
    assert at is not None
    return LoggedRating(str(row["id"]), at, Rating(row["rating"]), row["fixed_interval_days"])


def _newest(conn: Connection, learner: str, card: int) -> Any:
    return conn.execute(
        sa.select(reviews.c.id, reviews.c.reviewed_at)
        .where(reviews.c.learner == learner, reviews.c.card == card)
        .order_by(reviews.c.reviewed_at.desc(), reviews.c.id.desc())
        .limit(1)
    ).first()


def append(
    conn: Connection, settings: Settings, learner: str, device: str, item: ReviewInput, *, row: RowLike
) -> ReviewResult:
    """Append one review of the card in ``row`` (the learner's locked joined row) and update the caches."""
    at = dt(ts(item.now))  # the moment as the log stores it, so replay sees exactly the same time
    assert at is not None
    newest = _newest(conn, learner, row["id"])
    if item.review_id is None and newest is not None and ts(at) <= float(newest[1]):
        # A review made here now follows the card's newest one, also when the clock says otherwise (a clock
        # set back, two ratings within one tick of a coarse clock): equal instants would be ordered by their
        # random ids in a replay, which could put this rating before the one it answers.
        at = dt(float(newest[1]) + 1e-6)
        assert at is not None
    review_id = item.review_id or str(uuid.uuid4())
    logged = LoggedRating(review_id, at, Rating(item.rating))
    base = {
        "id": review_id, "device": device, "learner": learner, "card": row["id"], "reviewed_at": ts(at),
        "rating": int(item.rating), "answer": item.answer or "", "correct": item.correct,
        "duration_s": float(item.duration_s or 0.0), "fixed_interval_days": None, "shared": False,
    }
    if newest is None or replay_mod.order_key(logged) > (float(newest[1]), str(newest[0])):
        # The usual case: the newest review of the card, so one step from the stored state is the replay.
        done, leech = replay_mod.step(state_of(row), logged, settings, was_leech=bool(row["leech"]))
        review = {**base, **_cached_columns(done)}
        conn.execute(reviews.insert().values(review))
        changes: dict[str, Any] = state_columns(done.state_after)
        if done.made_leech:
            changes.update(leech=True, suspended=True)
        conn.execute(
            card_states.update()
            .where(card_states.c.learner == learner, card_states.c.card == row["id"])
            .values(changes)
        )
        deltas: buckets.Deltas = {}
        buckets.accumulate(deltas, review)
        buckets.add(conn, learner, deltas)
        interval = timedelta(days=done.interval_days)
        return ReviewResult(row_key(row), review_id, done.state_after, interval, done.made_leech)
    # Older than the card's newest review (another device's later review arrived first): replay.
    provisional = {**base, "phase_before": 0, "scheduled_days": 0.0, "interval_days": 0.0, "stability": None,
                   "difficulty": None, "phase_after": 0, "made_leech": False}
    conn.execute(reviews.insert().values(provisional))
    deltas = {}
    buckets.accumulate(deltas, provisional)
    buckets.add(conn, learner, deltas)
    result = replay_card(conn, settings, learner, row["id"])
    mine = next(r for r in result.reviews if r.review_id == review_id)
    return ReviewResult(row_key(row), review_id, mine.state_after, timedelta(days=mine.interval_days),
                        mine.made_leech)


def row_key(row: RowLike) -> CardKey:
    return (row["deck"], row["card_id"])


def replay_card(conn: Connection, settings: Settings, learner: str, card: int) -> replay_mod.Replay:
    """Recompute one card's state and its reviews' cached columns from its log (see :func:`replay_cards`)."""
    return replay_cards(conn, settings, learner, [card])[card]


def replay_cards(
    conn: Connection, settings: Settings, learner: str, card_ids: Iterable[int]
) -> dict[int, replay_mod.Replay]:
    """Recompute the cards' states and their reviews' cached columns from the log and write what changed
    (buckets adjusted by the difference), in a few statements for many cards. The caller holds the
    cards' state row locks."""
    ids = sorted(set(card_ids))
    logs: dict[int, list[dict[str, Any]]] = {c: [] for c in ids}
    stored: dict[int, RowLike] = {}
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        for r in conn.execute(
            sa.select(reviews).where(reviews.c.learner == learner, reviews.c.card.in_(part))
        ).mappings():
            logs[r["card"]].append(dict(r))
        for r in conn.execute(
            sa.select(card_states).where(card_states.c.learner == learner, card_states.c.card.in_(part))
        ).mappings():
            stored[r["card"]] = r
    deltas: buckets.Deltas = {}
    review_updates: list[dict[str, Any]] = []
    state_updates: list[dict[str, Any]] = []
    results: dict[int, replay_mod.Replay] = {}
    for card in ids:
        rows = logs[card]
        result = replay_mod.replay([_logged(r) for r in rows], settings)
        results[card] = result
        by_id = {str(r["id"]): r for r in rows}
        for done in result.reviews:
            old = by_id[done.review_id]
            new = _cached_columns(done)
            if any(old[c] != v for c, v in new.items()):
                buckets.accumulate(deltas, old, sign=-1)
                buckets.accumulate(deltas, {**old, **new})
                review_updates.append({"_id": done.review_id, **new})
        changes: dict[str, Any] = state_columns(result.state)
        row = stored.get(card)
        leech, suspended = result.leech, result.leech
        if row is not None:
            if bool(row["leech"]) == result.leech:
                leech, suspended = bool(row["leech"]), bool(row["suspended"])
            if bool(row["leech"]) == result.leech and same_schedule(row, changes):
                continue
        # A leech suspends the card; taking the leech away (its lapse undone) lifts that suspension.
        state_updates.append({"_card": card, **changes, "leech": leech, "suspended": suspended})
    if review_updates:
        conn.execute(
            reviews.update().where(reviews.c.id == sa.bindparam("_id")).values({c: sa.bindparam(c) for c in CACHED}),
            review_updates,
        )
    if state_updates:
        cols = (*SCHEDULE_COLUMNS, "leech", "suspended")
        conn.execute(
            card_states.update()
            .where(card_states.c.learner == learner, card_states.c.card == sa.bindparam("_card"))
            .values({c: sa.bindparam(c) for c in cols}),
            state_updates,
        )
    buckets.add(conn, learner, deltas)
    return results


def undo(conn: Connection, settings: Settings, learner: str, review_id: str) -> CardKey:
    """Delete the learner's review ``review_id`` if it is still its card's newest; replay the card."""
    found = conn.execute(sa.select(reviews.c.card, reviews.c.learner).where(reviews.c.id == review_id)).first()
    if found is None or found[1] != learner:
        raise StoreError(f"review {review_id} is not in the log (already undone?)")
    key_row = conn.execute(sa.select(cards.c.deck, cards.c.card_id).where(cards.c.id == found[0])).one()
    key = (key_row[0], key_row[1])
    state_row(conn, learner, key, lock=True)
    review = conn.execute(sa.select(reviews).where(reviews.c.id == review_id)).mappings().first()
    if review is None:  # undone by another window while we waited for the lock
        raise StoreError(f"review {review_id} is not in the log (already undone?)")
    if review["shared"]:
        raise StoreError("that review was already synced, so other devices keep it: it cannot be undone")
    newest = _newest(conn, learner, review["card"])
    if newest is not None and str(newest[0]) != review_id:
        raise StoreError(f"reviewed elsewhere since: {key[0]}/{key[1]} has a newer review, so this one stays")
    if conn.execute(reviews.delete().where(reviews.c.id == review_id)).rowcount != 1:
        raise StoreError(f"review {review_id} is not in the log (already undone?)")
    deltas: buckets.Deltas = {}
    buckets.accumulate(deltas, review, sign=-1)
    buckets.add(conn, learner, deltas)
    replay_card(conn, settings, learner, review["card"])
    return key


def newest_own(conn: Connection, learner: str, device: str) -> str | None:
    """The id of the newest review this device recorded for the learner (the deprecated undo_last)."""
    row = conn.execute(
        sa.select(reviews.c.id).where(reviews.c.learner == learner, reviews.c.device == device)
        .order_by(reviews.c.reviewed_at.desc(), reviews.c.id.desc()).limit(1)
    ).first()
    return None if row is None else str(row[0])


def history(conn: Connection, learner: str, key: CardKey) -> list[ReviewEntry]:
    q = (
        sa.select(reviews)
        .join(cards, reviews.c.card == cards.c.id)
        .where(cards.c.deck == key[0], cards.c.card_id == key[1], reviews.c.learner == learner)
        .order_by(reviews.c.reviewed_at, reviews.c.id)
    )
    out = []
    for r in conn.execute(q).mappings():
        at = dt(r["reviewed_at"])
        assert at is not None
        out.append(
            ReviewEntry(
                id=str(r["id"]), key=key, reviewed_at=at, rating=Rating(r["rating"]), answer=r["answer"],
                correct=r["correct"], duration_s=r["duration_s"], phase_before=Phase(r["phase_before"]),
                interval=timedelta(days=r["interval_days"]), stability=r["stability"], difficulty=r["difficulty"],
            )
        )
    return out


def mismatched_cards(conn: Connection, settings: Settings, learner: str) -> list[tuple[CardKey, str]]:
    """Cards whose stored state differs from replaying their log: (key, what differs)."""
    out = []
    logs: dict[int, list[LoggedRating]] = {}
    for r in conn.execute(sa.select(reviews.c.card, reviews.c.id, reviews.c.reviewed_at, reviews.c.rating,
                                    reviews.c.fixed_interval_days).where(reviews.c.learner == learner)).mappings():
        logs.setdefault(r["card"], []).append(_logged(r))
    q = sa.select(cards.c.deck, cards.c.card_id, card_states).join(cards, cards.c.id == card_states.c.card).where(
        card_states.c.learner == learner
    )
    for row in conn.execute(q).mappings():
        result = replay_mod.replay(logs.get(row["card"], []), settings)
        wanted = state_columns(result.state)
        if not same_schedule(row, wanted):
            diff = ", ".join(
                f"{c} {row[c]!r} (log says {wanted[c]!r})" for c in SCHEDULE_COLUMNS
                if not same_schedule({**wanted, c: row[c]}, wanted)
            )
            out.append(((row["deck"], row["card_id"]), diff))
    return out


def append_many(conn: Connection, settings: Settings, learner: str, device: str, chunk: list[ReviewInput]) -> None:
    """:func:`append` for many reviews at once (imports, benchmarks): same results, fewer round trips."""
    from quizapp.core.storage.catalogue import joined, joined_columns

    keys = {i.key for i in chunk}
    rows: dict[CardKey, dict[str, Any]] = {}
    for deck in {k[0] for k in keys}:
        ids = [k[1] for k in keys if k[0] == deck]
        for i in range(0, len(ids), 500):
            q = sa.select(*joined_columns()).select_from(joined(learner)).where(
                cards.c.deck == deck, cards.c.card_id.in_(ids[i : i + 500])
            )
            for r in conn.execute(q).mappings():
                rows[(r["deck"], r["card_id"])] = dict(r)
    newest: dict[int, tuple[float, str]] = {}
    pks = [r["id"] for r in rows.values()]
    for i in range(0, len(pks), 500):
        q = sa.select(reviews.c.card, sa.func.max(reviews.c.reviewed_at)).where(
            reviews.c.learner == learner, reviews.c.card.in_(pks[i : i + 500])
        ).group_by(reviews.c.card)
        for card, at in conn.execute(q):
            newest[card] = (float(at), "~")  # "~" sorts after any UUID: an equal time means replay
    out, touched, replay_later = [], set(), set()
    deltas: buckets.Deltas = {}
    for item in chunk:
        row = rows.get(item.key)
        if row is None:
            raise StoreError(f"no card {item.key[0]}/{item.key[1]} in the collection")
        at = dt(ts(item.now))
        assert at is not None
        review_id = item.review_id or str(uuid.uuid4())
        logged = LoggedRating(review_id, at, Rating(item.rating))
        review = {
            "id": review_id, "device": device, "learner": learner, "card": row["id"], "reviewed_at": ts(at),
            "rating": int(item.rating), "answer": item.answer or "", "correct": item.correct,
            "duration_s": float(item.duration_s or 0.0), "fixed_interval_days": None, "shared": False,
        }
        last = newest.get(row["id"])
        if row["id"] in replay_later or (last is not None and replay_mod.order_key(logged) <= last):
            replay_later.add(row["id"])
            review.update(phase_before=0, scheduled_days=0.0, interval_days=0.0, stability=None, difficulty=None,
                          phase_after=0, made_leech=False)
        else:
            done, leech = replay_mod.step(state_of(row), logged, settings, was_leech=bool(row["leech"]))
            review.update(_cached_columns(done))
            row.update(state_columns(done.state_after))
            if done.made_leech:
                row.update(leech=True, suspended=True)
            touched.add(item.key)
        newest[row["id"]] = replay_mod.order_key(logged)
        buckets.accumulate(deltas, review)
        out.append(review)
    conn.execute(reviews.insert(), out)
    buckets.add(conn, learner, deltas)
    cols = (*SCHEDULE_COLUMNS, "suspended", "leech")
    if touched:
        conn.execute(
            card_states.update()
            .where(card_states.c.learner == learner, card_states.c.card == sa.bindparam("_card"))
            .values({c: sa.bindparam(c) for c in cols}),
            [{"_card": rows[k]["id"], **{c: rows[k][c] for c in cols}} for k in touched],
        )
    if replay_later:
        replay_cards(conn, settings, learner, replay_later)
