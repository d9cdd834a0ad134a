"""Parametric cards: validation with lines, variants, sampling, instantiation, and deck check's plan."""

from __future__ import annotations

import random
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.decks import params as P
from quizapp.core.decks.loader import parse_deck
from quizapp.core.decks.model import Card, DeckLoadError, Kind

HEADER = "deck: demo\ntitle: Demo\ncards:\n"

PARAMETRIC = HEADER + """\
  - id: pad-left
    kind: shape
    params:
      n: [2, 3]
      m: [1, 4, 5]
    setup: |
      x = torch.zeros($n, 1)
      y = torch.zeros(${m})
    ask: x + y
    expect: ($n, $m)
    explain: A ($n, 1) tensor and a ($m,) one; costs $$0.
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DeckLoadError) as err:
        parse_deck(textwrap.dedent(text), "d.yaml")
    return [str(p) for p in err.value.problems]


def card_of(text: str) -> Card:
    return parse_deck(text, "d.yaml").cards[0]


def test_params_are_loaded_typed_in_order() -> None:
    card = card_of(PARAMETRIC)
    assert card.params == {"n": (2, 3), "m": (1, 4, 5)}
    assert card.parametric
    assert card.prompt == "What is the shape of `x + y`?"


def test_variants_are_every_combination_in_a_stable_order() -> None:
    card = card_of(PARAMETRIC)
    assert P.variants(card) == [
        {"n": 2, "m": 1}, {"n": 2, "m": 4}, {"n": 2, "m": 5},
        {"n": 3, "m": 1}, {"n": 3, "m": 4}, {"n": 3, "m": 5},
    ]
    assert P.count(card) == 6


def test_a_plain_card_has_one_empty_variant_and_instantiates_to_itself() -> None:
    card = card_of(HEADER + "  - {id: a, kind: value, ask: 1 + 1, explain: costs $5}\n")
    assert P.variants(card) == [{}]
    assert P.sample(card, random.Random(1)) == {}
    assert P.instantiate(card, {}) is card
    assert card.explain == "costs $5"  # no params: '$' is left alone
    assert not card.parametric


def test_instantiate_substitutes_every_templated_field_and_keeps_the_key() -> None:
    card = card_of(PARAMETRIC)
    variant = P.instantiate(card, {"n": 3, "m": 4})
    assert variant.setup == "x = torch.zeros(3, 1)\ny = torch.zeros(4)\n"
    assert variant.expect == "(3, 4)"
    assert variant.explain == "A (3, 1) tensor and a (4,) one; costs $0."
    assert variant.ask == "x + y"
    assert variant.key == card.key
    assert variant.bindings == {"n": 3, "m": 4}
    assert variant.params == card.params
    assert not variant.parametric


def test_the_default_prompt_follows_the_variant() -> None:
    card = card_of(HEADER + "  - {id: a, kind: shape, params: {n: [2, 3]}, ask: torch.zeros($n)}\n")
    assert card.prompt == "What is the shape of `torch.zeros($n)`?"
    assert P.instantiate(card, {"n": 3}).prompt == "What is the shape of `torch.zeros(3)`?"


def test_values_are_written_as_python_spells_them() -> None:
    card = card_of(HEADER + """\
  - id: a
    kind: value
    params: {f: [2.5], b: [true], s: [float32], i: [-1]}
    ask: (torch.$s, $f, $b, $i)
""")
    assert P.instantiate(card, {"f": 2.5, "b": True, "s": "float32", "i": -1}).ask == (
        "(torch.float32, 2.5, True, -1)"
    )


def test_instantiate_refuses_wrong_bindings_and_double_instantiation() -> None:
    card = card_of(PARAMETRIC)
    with pytest.raises(ValueError, match="missing"):
        P.instantiate(card, {"n": 2})
    with pytest.raises(ValueError, match="unknown"):
        P.instantiate(card, {"n": 2, "m": 1, "k": 0})
    variant = P.instantiate(card, {"n": 2, "m": 1})
    with pytest.raises(ValueError, match="already a variant"):
        P.instantiate(variant, {"n": 2, "m": 1})


def test_sample_draws_from_the_declared_values_reproducibly() -> None:
    card = card_of(PARAMETRIC)
    draws = [P.sample(card, random.Random(seed)) for seed in range(40)]
    assert all(d["n"] in (2, 3) and d["m"] in (1, 4, 5) for d in draws)
    assert len({(d["n"], d["m"]) for d in draws}) > 1
    assert draws == [P.sample(card, random.Random(seed)) for seed in range(40)]


def test_random_variant_is_an_instantiated_draw() -> None:
    card = card_of(PARAMETRIC)
    variant = P.random_variant(card, random.Random(7))
    assert variant.bindings == P.sample(card, random.Random(7))
    assert variant == P.instantiate(card, variant.bindings)
    assert P.random_variant(variant, random.Random(1)) is variant  # already a variant: kept
    plain = card_of(HEADER + "  - {id: a, kind: value, ask: 1}\n")
    assert P.random_variant(plain, random.Random(1)) is plain


# -- deck check's plan ---------------------------------------------------------------------------


def test_check_runs_all_variants_up_to_the_limit() -> None:
    card = card_of(PARAMETRIC)
    plan = P.check_bindings(card)
    assert plan.bindings == P.variants(card)
    assert not plan.sampled
    assert plan.describe() == "all 6 variants"
    cards, _ = P.check_variants(card)
    assert [c.bindings for c in cards] == P.variants(card)


def test_check_samples_a_seeded_subset_beyond_the_limit() -> None:
    values = ", ".join(str(i) for i in range(20))
    card = card_of(HEADER + f"""\
  - id: big
    kind: shape
    params: {{a: [{values}], b: [{values}]}}
    ask: torch.zeros($a, $b)
""")
    plan = P.check_bindings(card)
    assert plan.total == 400 and len(plan.bindings) == P.CHECK_LIMIT and plan.sampled
    assert plan.describe() == "a seeded sample of 50 of 400 variants"
    every = P.variants(card)
    positions = [every.index(b) for b in plan.bindings]
    assert positions == sorted(set(positions))  # distinct, in variants() order
    assert P.check_bindings(card).bindings == plan.bindings  # reproducible
    assert P.check_bindings(card, seed=1).bindings != plan.bindings


def test_a_plain_card_is_checked_once() -> None:
    card = card_of(HEADER + "  - {id: a, kind: value, ask: 1}\n")
    cards, plan = P.check_variants(card)
    assert cards == [card] and plan.describe() == "all 1 variant"


# -- validation ----------------------------------------------------------------------------------


def test_unknown_placeholder_and_unused_param() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: shape
    params:
      n: [2, 3]
      size: [4]
    setup: x = torch.zeros($n)
    ask: x.view($nn)
""") == [
        "d.yaml:8: param 'size' in card 'a' is never used (write $size in setup, ask, prompt, explain or expect)",
        "d.yaml:10: unknown placeholder '$nn' in 'ask' in card 'a' (did you mean 'n'?); params: n, size",
    ]


def test_invalid_placeholder() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: value
    params: {n: [1]}
    ask: $n
    explain: costs $5
""") == [
        "d.yaml:8: invalid placeholder '$5' in 'explain' in card 'a' (write $name or ${name}; '$$' for a literal '$')"
    ]


def test_bad_values() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: value
    params:
      e: []
      l: [[1, 2]]
      m: [{a: 1}]
      z: [~]
      s: 3
      2x: [1]
    ask: ($e, $l, $m, $z, $s)
""") == [
        "d.yaml:7: param 'e' in card 'a' has an empty list of values",
        "d.yaml:8: param 'l' in card 'a': values must be numbers, text or true/false, not a list",
        "d.yaml:9: param 'm' in card 'a': values must be numbers, text or true/false, not a mapping",
        "d.yaml:10: param 'z' in card 'a': values must be numbers, text or true/false, not nothing",
        "d.yaml:11: param 's' in card 'a' must be a list of values, e.g. [2, 3, 4]",
        "d.yaml:12: param name '2x' in card 'a' must be an identifier (letters, digits, '_')",
    ]


def test_params_must_be_a_mapping_and_not_empty() -> None:
    assert problems(HEADER + "  - id: a\n    kind: value\n    params: [1, 2]\n    ask: 1\n") == [
        "d.yaml:6: 'params' must map each name to a list of values, e.g. {n: [2, 3]} in card 'a'"
    ]
    assert problems(HEADER + "  - id: a\n    kind: value\n    params: {}\n    ask: 1\n") == [
        "d.yaml:6: 'params' is empty in card 'a'"
    ]


def test_too_many_combinations() -> None:
    values = ", ".join(str(i) for i in range(11))
    assert problems(HEADER + f"""\
  - id: a
    kind: value
    params: {{a: [{values}], b: [{values}], c: [{values}]}}
    ask: $a + $b + $c
""") == ["d.yaml:6: params in card 'a' make 1,331 combinations, more than the limit of 1,000"]


def test_params_do_not_apply_to_recall() -> None:
    assert problems(HEADER + "  - {id: a, kind: recall, prompt: q $n, answer: a, params: {n: [1]}}\n") == [
        "d.yaml:4: 'params' does not apply to kind 'recall' in card 'a' (recall cards run no code)"
    ]


def test_every_value_is_checked_as_python() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: value
    params: {op: ['+', '*', 'not']}
    ask: 2 $op 3
""") == [
        "d.yaml:7: 'ask' in card 'a' with op=not is not valid Python: invalid syntax (line 1 of the code)"
    ]


# -- properties ----------------------------------------------------------------------------------

_names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
_literal = st.text(st.characters(blacklist_characters="$", blacklist_categories=("Cs",)), max_size=8)
_values = st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6))


@settings(max_examples=200, deadline=None)
@given(bindings=st.dictionaries(_names, _values, min_size=1, max_size=4), data=st.data())
def test_substitution_is_concatenation_of_literals_and_values(bindings: dict, data: st.DataObject) -> None:
    names = sorted(bindings)
    pieces = data.draw(st.lists(st.one_of(_literal, st.sampled_from(names).map(lambda n: ("name", n))),
                                max_size=10))
    template, expected = "", ""
    for piece in pieces:
        if isinstance(piece, tuple):
            template += "${" + piece[1] + "}"
            expected += P.value_text(bindings[piece[1]])
        else:
            template += piece
            expected += piece
    assert P.substitute(template, bindings) == expected
    assert [ph.name for ph in P.placeholders(template)] == [p[1] for p in pieces if isinstance(p, tuple)]


@settings(max_examples=100, deadline=None)
@given(params=st.dictionaries(_names, st.lists(st.integers(0, 9), min_size=1, max_size=4, unique=True).map(tuple),
                              min_size=1, max_size=4))
def test_variants_count_and_instantiation_property(params: dict) -> None:
    ask = " + ".join(f"${name}" for name in params)
    card = Card(deck="d", id="c", kind=Kind.VALUE, prompt="q", ask=ask, params=params)
    every = P.variants(card)
    assert len(every) == P.count(card)
    assert len({tuple(sorted(v.items())) for v in every}) == len(every)  # all distinct
    for bindings in every[:5]:
        variant = P.instantiate(card, bindings)
        assert "$" not in (variant.ask or "")
        assert variant.key == card.key
    plan = P.check_bindings(card, limit=3)
    assert len(plan.bindings) == min(3, len(every))
    assert all(b in every for b in plan.bindings)
