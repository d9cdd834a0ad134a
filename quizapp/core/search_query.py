"""The card-search language of the browse screen: free text plus ``name:value`` filters.

``'view deck:strides state:review lapses:2 due:3'`` -> :class:`Query`. The filters map one-to-one onto
``Store.search`` (``due:N``: due within N days). An unknown ``name:`` word is searched as text, so a
search for ``a:b`` still finds the code ``a:b``. Kept in the core, apart from any screen, so a front end
other than the TUI (and the tests) can use the same language.

:func:`parse_query` raises only :class:`QueryError` (one line saying what a filter accepts);
:func:`format_query` writes a Query back in its canonical form, which parses to the same Query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from quizapp.core.storage.catalogue import SEARCH_STATES
from quizapp.core.storage.fulltext import MIN_INDEXED

FILTERS = ("deck", "tag", "state", "due", "lapses")
EXAMPLES = {"deck": "strides", "tag": "view", "state": "new", "due": "3", "lapses": "2"}
# A due window beyond this is "every card": bounding it keeps ``now + timedelta(days=...)`` finite.
MAX_DUE_DAYS = 36500.0


class QueryError(ValueError):
    """A filter the user typed cannot be used; the message says what is accepted."""


@dataclass(frozen=True)
class Query:
    text: str | None = None
    deck: str | None = None
    tag: str | None = None
    state: str | None = None
    due_days: float | None = None
    lapses: int | None = None


def parse_query(raw: str) -> Query:
    """``'view deck:strides due:3'`` -> Query. Unknown ``name:`` words are searched as text.

    Words are split on whitespace; the text is the non-filter words joined by single spaces. A filter
    given twice keeps its last value (the one typed most recently)."""
    words: list[str] = []
    deck = tag = state = None
    due_days: float | None = None
    lapses: int | None = None
    for word in raw.split():
        name, sep, value = word.partition(":")
        name = name.lower()
        if not sep or name not in FILTERS:
            words.append(word)
            continue
        if not value:
            raise QueryError(f"'{word}' needs a value, e.g. {name}:{EXAMPLES[name]}")
        if name == "state":
            if value.lower() not in SEARCH_STATES:
                raise QueryError(f"state:{value}? choose from {', '.join(SEARCH_STATES)}")
            state = value.lower()
        elif name == "due":
            due_days = _days(value)
        elif name == "lapses":
            # isascii: str.isdigit() accepts digits such as '²' that int() refuses
            if not (value.isascii() and value.isdigit()):
                raise QueryError(f"lapses:{value}? give a whole number, e.g. lapses:2 (at least 2 lapses)")
            lapses = int(value)
        elif name == "deck":
            deck = value
        else:
            tag = value
    return Query(text=" ".join(words) or None, deck=deck, tag=tag, state=state, due_days=due_days, lapses=lapses)


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        days = math.nan
    if not math.isfinite(days) or abs(days) > MAX_DUE_DAYS:
        raise QueryError(f"due:{value}? give a number of days, e.g. due:0 (due today) or due:7")
    return days


def format_query(query: Query) -> str:
    """The canonical text of ``query``: its free text, then its filters in :data:`FILTERS` order."""
    parts = [query.text] if query.text else []
    for name, value in (("deck", query.deck), ("tag", query.tag), ("state", query.state),
                        ("due", None if query.due_days is None else repr(query.due_days)),
                        ("lapses", None if query.lapses is None else str(query.lapses))):
        if value is not None:
            parts.append(f"{name}:{value}")
    return " ".join(parts)


def is_short_text(raw: str) -> bool:
    """Free text too short for the full-text index (a scan of every card); filters alone are not (they use
    ordinary indexes), and neither is a query that does not parse (it never runs)."""
    try:
        text = parse_query(raw).text
    except QueryError:
        return False
    return text is not None and len(text) < MIN_INDEXED


__all__ = ["EXAMPLES", "FILTERS", "Query", "QueryError", "format_query", "is_short_text", "parse_query"]
