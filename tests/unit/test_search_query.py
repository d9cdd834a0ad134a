"""The browse screen's search language as a core unit (``quizapp.core.search_query``): examples, and
properties over arbitrary text (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.search_query import (
    FILTERS,
    MAX_DUE_DAYS,
    Query,
    QueryError,
    format_query,
    is_short_text,
    parse_query,
)
from quizapp.core.storage.catalogue import SEARCH_STATES


def test_filters_and_text() -> None:
    assert parse_query("view  deck:strides tag:t state:Review due:3 lapses:2") == Query(
        text="view", deck="strides", tag="t", state="review", due_days=3.0, lapses=2)
    assert parse_query("a:b plain") == Query(text="a:b plain")
    assert parse_query("") == Query()
    assert parse_query("DECK:x") == Query(deck="x")  # filter names in any case


@pytest.mark.parametrize("bad", ["state:soon", "due:x", "lapses:-1", "deck:", "due:nan", "due:inf",
                                 "due:1e300", "lapses:²", "lapses:1.5"])
def test_bad_filters_are_one_readable_line(bad: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(bad)
    assert str(caught.value) and "\n" not in str(caught.value)


def test_short_text_is_free_text_under_the_index_minimum() -> None:
    assert is_short_text("ab") and not is_short_text("abc")
    assert not is_short_text("deck:x")  # filters alone use ordinary indexes
    assert not is_short_text("state:nope")  # never runs


# Text built from the characters a search box sees, with filter-looking words and odd whitespace mixed in.
_words = st.one_of(
    st.text(min_size=0, max_size=12),
    st.builds(lambda name, value: f"{name}:{value}", st.sampled_from([*FILTERS, "Due", "STATE", "x"]),
              st.text(max_size=8)),
)
_raw = st.lists(_words, max_size=6).map(" ".join)


@given(_raw)
def test_parse_never_raises_anything_but_a_query_error(raw: str) -> None:
    try:
        query = parse_query(raw)
    except QueryError:
        return
    if query.due_days is not None:  # what the screen turns into a timedelta: always finite and bounded
        assert abs(query.due_days) <= MAX_DUE_DAYS
    assert query.lapses is None or query.lapses >= 0
    assert query.state is None or query.state in SEARCH_STATES


@given(_raw)
def test_a_parsed_query_round_trips_through_its_canonical_text(raw: str) -> None:
    try:
        query = parse_query(raw)
    except QueryError:
        return
    assert parse_query(format_query(query)) == query


# Queries as a user could type them: filter values without whitespace, text words that are not filters.
_value = st.text(st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs")), min_size=1, max_size=10)
_text_word = _value.filter(lambda w: w.partition(":")[0].lower() not in FILTERS or ":" not in w)
_queries = st.builds(
    Query,
    text=st.one_of(st.none(), st.lists(_text_word, min_size=1, max_size=4).map(" ".join)),
    deck=st.one_of(st.none(), _value),
    tag=st.one_of(st.none(), _value),
    state=st.one_of(st.none(), st.sampled_from(SEARCH_STATES)),
    due_days=st.one_of(st.none(), st.floats(-MAX_DUE_DAYS, MAX_DUE_DAYS, allow_nan=False)),
    lapses=st.one_of(st.none(), st.integers(0, 10_000)),
)


@given(_queries)
def test_every_query_survives_format_then_parse(query: Query) -> None:
    assert parse_query(format_query(query)) == query
