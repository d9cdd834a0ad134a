"""Conversions between table rows and domain objects: times, states, tags. No queries here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, overload

from quizapp.core.scheduling.days import require_utc
from quizapp.core.scheduling.state import CardState, Phase
from quizapp.core.storage.records import CardInfo

# A row read by column name: SQLAlchemy's RowMapping (whose keys it types as names *or* column objects,
# so it is no Mapping[str, Any]) or a plain dict built in code.
RowLike = Mapping[Any, Any]

# The card_states columns a replay of the card's reviews determines.
SCHEDULE_COLUMNS = ("phase", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


# Overloads so a caller passing a value (not None) gets a value back, with no assert to narrow it.
@overload
def ts(moment: datetime) -> float: ...
@overload
def ts(moment: datetime | None) -> float | None: ...
def ts(moment: datetime | None) -> float | None:
    return None if moment is None else require_utc(moment).timestamp()


@overload
def dt(stamp: float) -> datetime: ...
@overload
def dt(stamp: float | None) -> datetime | None: ...
def dt(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, tz=UTC)


def state_of(row: RowLike) -> CardState:
    return CardState(
        phase=Phase(row["phase"]),
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=dt(row["due"]),
        last_review=dt(row["last_review"]),
        reps=row["reps"],
        lapses=row["lapses"],
    )


def state_columns(state: CardState) -> dict[str, Any]:
    return {
        "phase": int(state.phase),
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": ts(state.due),
        "last_review": ts(state.last_review),
        "reps": state.reps,
        "lapses": state.lapses,
    }


def tags_column(tags: Iterable[str]) -> str:
    unique = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    return f" {' '.join(unique)} " if unique else ""


def tags_tuple(column: str, leech: bool) -> tuple[str, ...]:
    tags = tuple(column.split())
    return tags + ("leech",) if leech and "leech" not in tags else tags


def card_info(row: RowLike) -> CardInfo:
    """A joined cards + card_states row as a CardInfo."""
    return CardInfo(
        key=(row["deck"], row["card_id"]),
        state=state_of(row),
        kind=row["kind"],
        prompt=row["prompt"],
        code=row["code"],
        tags=tags_tuple(row["tags"], bool(row["leech"])),
        position=row["position"],
        hidden=bool(row["hidden"]),
        suspended=bool(row["suspended"]),
        leech=bool(row["leech"]),
        buried_until=dt(row["buried_until"]),
        added_at=dt(row["added_at"]) or datetime.fromtimestamp(0, tz=UTC),
    )


def same_schedule(stored: RowLike, replayed: RowLike) -> bool:
    """Stored and replayed scheduling columns agree: times to 2 ms and memory values to 1e-9 relative
    (a datetime's round trip through an epoch float can move it by a microsecond)."""
    for column in SCHEDULE_COLUMNS:
        a, b = stored[column], replayed[column]
        if a is None or b is None:
            if not (a is None and b is None):
                return False
        elif column in ("due", "last_review"):
            if abs(float(a) - float(b)) > 0.002:
                return False
        elif column in ("stability", "difficulty"):
            if abs(float(a) - float(b)) > 1e-9 * max(1.0, abs(float(b))):
                return False
        elif a != b:
            return False
    return True
