"""Fuzzing the loader: any input at all gives a Deck or a DeckLoadError with one-line problems, never
another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.decks.loader import CARD_KEYS, DECK_KEYS, KIND_NAMES, parse_deck
from quizapp.core.decks.model import Deck, DeckLoadError

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes | str) -> None:
    try:
        deck = parse_deck(data, "f.yaml")
    except DeckLoadError as err:
        assert err.problems, "a DeckLoadError must carry at least one problem"
        for problem in err.problems:
            text = str(problem)
            assert text.startswith("f.yaml")
            assert "\n" not in text, text
            assert "Traceback" not in text
    else:
        assert isinstance(deck, Deck)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check(data)


# YAML-ish text: the format's own keys and kinds, YAML punctuation, anchors, tags, code fragments.
_tokens = st.sampled_from(
    list(DECK_KEYS) + list(CARD_KEYS) + list(KIND_NAMES) + [
        ":", ": ", "- ", "\n", "\n  ", "\n    ", "\n  - ", "[", "]", "{", "}", ",", "'", '"', "|", ">", "#",
        "&a ", "*a", "<<: ", "!!python/object:os.system ", "!x ", "!!str ", "~", "null", "true", "no", "3",
        "2.5", "---", "...", "$n", "${n}", "$$", "params", "[2, 3]", "x + y", "torch.zeros(2)", "x =", "(",
        "\t", "\\", "%YAML 1.1\n", "?", "é", "\x85", "\ufeff", "=", "<<", "!!int ", "0x1F", "1e3", "\r\n",
    ]
)


@FUZZ
@given(st.lists(_tokens, max_size=60).map("".join))
def test_yamlish_text(text: str) -> None:
    check(text)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                    st.sampled_from(KIND_NAMES), st.sampled_from(["x + y", "x = 1", "$n", "torch.zeros($n)"]))
_values = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(CARD_KEYS + DECK_KEYS), st.text(max_size=6)), inner, max_size=5),
), max_leaves=25)


def _dump(value: object) -> str:
    import json

    return json.dumps(value)  # JSON is YAML: structured, well-formed documents of any shape


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cards=st.lists(st.dictionaries(st.sampled_from(CARD_KEYS), _values, max_size=8), max_size=4),
    top=st.dictionaries(st.sampled_from(DECK_KEYS), _values, max_size=4),
)
def test_structured_decks_of_any_shape(cards: list, top: dict) -> None:
    document = {"deck": "d", "title": "T", **top, "cards": cards}
    check(_dump(document))


_param_names = st.sampled_from(["n", "m", "dtype", "_x", "2x", "n-m", ""])
_param_values = st.one_of(st.lists(_scalar, max_size=4), _scalar, st.dictionaries(st.text(max_size=3), _scalar,
                                                                                 max_size=2))
_code = st.lists(st.sampled_from(["$n", "${m}", "$$", "$", "${", "$dtype", "torch.zeros(", ")", "x", " + ", "\n",
                                  "=", "1", "'", "torch.$dtype", "$_x", "$2"]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(_param_names, _param_values, max_size=4), setup=_code, ask=_code,
       explain=_code, kind=st.sampled_from(KIND_NAMES))
def test_parametric_cards_of_any_shape(params: dict, setup: str, ask: str, explain: str, kind: str) -> None:
    card = {"id": "c", "kind": kind, "params": params, "setup": setup, "ask": ask, "explain": explain,
            "prompt": "p", "answer": "a"}
    check(_dump({"deck": "d", "title": "T", "cards": [card]}))
