"""The strict deck loader: every validation rule, each with the exact line it reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quizapp.core.decks.loader import default_prompt, load_deck, parse_deck
from quizapp.core.decks.model import Deck, DeckLoadError, Kind

HEADER = "deck: demo\ntitle: Demo\ncards:\n"


def write(tmp_path: Path, text: str, name: str = "d.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(text: str) -> list[str]:
    """The problem lines for a deck given as (dedented) text, shown as 'd.yaml:LINE: message'."""
    with pytest.raises(DeckLoadError) as err:
        parse_deck(textwrap.dedent(text).lstrip("\n"), "d.yaml")
    return [str(p) for p in err.value.problems]


def load(text: str) -> Deck:
    return parse_deck(textwrap.dedent(text).lstrip("\n"), "d.yaml")


GOOD = """
deck: broadcasting-101
title: Broadcasting
description: |
  Shapes that meet.
tags: [shapes, basics]
concepts:
  trailing: |
    Shapes line up **from the right**.
cards:
  - id: trailing-dims
    kind: shape
    setup: |
      x = torch.zeros(5, 1, 4, 1)
      y = torch.zeros(3, 1, 1)
    ask: x + y
    expect: (5, 3, 4, 1)
    explain: The shorter shape is padded on the left.
    concept: trailing
    tags: [tricky]
  - id: norway
    kind: recall
    prompt: Does view ever copy?
    answer: no
  - id: list-expect
    kind: value
    ask: torch.arange(3)
    expect: [0, 1, 2]
  - id: number-expect
    kind: value
    ask: 1 + 2
    expect: 3
"""


def test_good_deck_loads_with_every_field(tmp_path: Path) -> None:
    deck = load_deck(write(tmp_path, GOOD))
    assert deck.id == "broadcasting-101"
    assert deck.title == "Broadcasting"
    assert deck.description == "Shapes that meet.\n"
    assert deck.tags == ("shapes", "basics")
    assert deck.concepts == {"trailing": "Shapes line up **from the right**.\n"}
    assert deck.source == tmp_path / "d.yaml"
    assert [c.id for c in deck.cards] == ["trailing-dims", "norway", "list-expect", "number-expect"]
    card = deck.cards[0]
    assert card.key == ("broadcasting-101", "trailing-dims")
    assert card.kind is Kind.SHAPE
    assert card.setup == "x = torch.zeros(5, 1, 4, 1)\ny = torch.zeros(3, 1, 1)\n"
    assert card.ask == "x + y"
    assert card.expect == "(5, 3, 4, 1)"
    assert card.prompt == "What is the shape of `x + y`?"
    assert card.concept == "trailing"
    assert card.tags == ("tricky",)
    assert card.line == 10
    assert card.field_lines["expect"] == 16
    assert card.code == "x = torch.zeros(5, 1, 4, 1)\ny = torch.zeros(3, 1, 1)\nx + y"


def test_text_fields_are_read_as_written_not_as_yaml_values() -> None:
    deck = load(GOOD)
    assert deck.card("norway").answer == "no"  # not False
    assert deck.card("list-expect").expect == "[0, 1, 2]"  # a flow list is taken as its text
    assert deck.card("number-expect").expect == "3"


@pytest.mark.parametrize(
    ("kind", "prompt"),
    [
        (Kind.SHAPE, "What is the shape of `x + y`?"),
        (Kind.STRIDE, "What are the strides of `x + y`?"),
        (Kind.DTYPE, "What is the dtype of `x + y`?"),
        (Kind.VALUE, "What does `x + y` evaluate to?"),
    ],
)
def test_default_prompt_from_kind_and_ask(kind: Kind, prompt: str) -> None:
    assert default_prompt(kind, "x + y") == prompt


def test_default_prompt_for_a_long_or_multiline_ask_stays_generic() -> None:
    assert default_prompt(Kind.SHAPE, "torch.cat(\n  [a, b],\n  dim=0)") == "What is the shape of the result?"
    assert default_prompt(Kind.VALUE, "f(" + "x, " * 40 + ")") == "What does the last expression evaluate to?"


def test_null_optional_values_are_absent_and_none_is_text() -> None:
    deck = load(HEADER + """\
  - {id: a, kind: value, ask: x, expect: null, explain: ~}
  - {id: b, kind: value, ask: x, expect: None}
""")
    assert (deck.cards[0].expect, deck.cards[0].explain) == (None, None)
    assert deck.cards[1].expect == "None"


def test_given_prompt_wins_over_default() -> None:
    deck = load(HEADER + "  - {id: a, kind: dtype, ask: x, prompt: Which dtype?}\n")
    assert deck.cards[0].prompt == "Which dtype?"


def test_empty_cards_list_and_empty_cards_key_are_a_deck_without_cards() -> None:
    assert load("deck: a\ntitle: A\ncards: []\n").cards == ()
    assert load("deck: a\ntitle: A\ncards:\n# examples to come\n").cards == ()


# -- unknown, missing and mistyped keys ------------------------------------------------------------


def test_unknown_key_in_a_card_names_its_line_and_suggests() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: shape
    ask: x
    expcet: (2,)
""") == ["d.yaml:7: unknown key 'expcet' in card 'a' (did you mean 'expect'?)"]


def test_unknown_top_level_key_without_a_close_match_has_no_hint() -> None:
    assert problems("deck: a\ntitle: A\nauthor: me\ncards: []\n") == ["d.yaml:3: unknown key 'author'"]


def test_unknown_top_level_key_close_to_a_known_one() -> None:
    assert problems("deck: a\ntitel: A\ncards: []\n") == [
        "d.yaml:1: missing required key 'title' (shown in the deck list)",
        "d.yaml:2: unknown key 'titel' (did you mean 'title'?)",
    ]


def test_missing_top_level_keys() -> None:
    assert problems("description: hi\n") == [
        "d.yaml:1: missing required key 'deck' (the deck's id)",
        "d.yaml:1: missing required key 'title' (shown in the deck list)",
        "d.yaml:1: missing required key 'cards' (a list of cards; 'cards: []' for none yet)",
    ]


def test_missing_card_id_and_kind() -> None:
    assert problems(HEADER + "  - ask: x\n") == [
        "d.yaml:4: missing required key 'id' (unique within the deck)",
        "d.yaml:4: missing required key 'kind' (one of shape, stride, dtype, value, recall, write)",
    ]


def test_empty_required_value() -> None:
    assert problems("deck:\ntitle: A\ncards: []\n") == ["d.yaml:1: 'deck' is empty (the deck's id)"]


def test_wrong_types() -> None:
    assert problems("""\
deck: a
title: [not, text]
tags: one-tag
concepts: [a, b]
cards: {id: x}
""") == [
        "d.yaml:2: 'title' must be text, not a list",
        "d.yaml:3: 'tags' must be a list of text, e.g. [views, strides], not text",
        "d.yaml:4: 'concepts' must map each concept's name to its explanation, not a list",
        "d.yaml:5: 'cards' must be a list of cards, not a mapping",
    ]


def test_a_card_that_is_not_a_mapping() -> None:
    assert problems(HEADER + "  - just text\n  - [a, list]\n") == [
        "d.yaml:4: each card must be a mapping (id, kind, ...), not text",
        "d.yaml:5: each card must be a mapping (id, kind, ...), not a list",
    ]


def test_setup_must_be_text_and_a_block_expect_is_refused() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: shape
    setup: {x: 1}
    ask: x
    expect:
      - 2
      - 3
""") == [
        "d.yaml:6: 'setup' must be text, not a mapping",
        "d.yaml:9: 'expect' must be text, not a list (quote it: write the answer as text, e.g. '[2, 3]')",
    ]


def test_top_level_must_be_a_mapping() -> None:
    assert problems("- a\n- b\n") == [
        "d.yaml:1: the top level must be a mapping with 'deck', 'title' and 'cards', not a list"
    ]
    assert problems("just words\n") == [
        "d.yaml:1: the top level must be a mapping with 'deck', 'title' and 'cards', not text"
    ]


def test_duplicate_yaml_keys_are_reported() -> None:
    assert problems(HEADER + "  - id: a\n    kind: shape\n    ask: x\n    ask: y\n") == [
        "d.yaml:7: duplicate key 'ask' in card 'a' (YAML would silently keep only the last one)"
    ]


def test_bad_tag_entries() -> None:
    assert problems("deck: a\ntitle: A\ntags:\n  - ok\n  - {a: 1}\n  - ''\ncards: []\n") == [
        "d.yaml:5: each tag must be non-empty text, not a mapping",
        "d.yaml:6: each tag must be non-empty text, not text",
    ]


# -- ids, kinds, concepts ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Broadcasting", "my deck", "views_101", "-x", "déjà"])
def test_bad_deck_id(bad: str) -> None:
    [line] = problems(f"deck: '{bad}'\ntitle: A\ncards: []\n")
    assert line.startswith(f"d.yaml:1: deck id '{bad}' may hold only lowercase letters, digits and '-'")


def test_a_trailing_newline_does_not_sneak_into_a_deck_id() -> None:
    assert problems('deck: "abc\\n"\ntitle: A\ncards: []\n') == [
        "d.yaml:1: deck id 'abc' may hold only lowercase letters, digits and '-' (e.g. 'abc')"
    ]


def test_bad_deck_id_suggests_a_good_one() -> None:
    assert problems("deck: My Deck\ntitle: A\ncards: []\n") == [
        "d.yaml:1: deck id 'My Deck' may hold only lowercase letters, digits and '-' (e.g. 'my-deck')"
    ]


@pytest.mark.parametrize("good", ["a", "views-101", "2d-conv"])
def test_good_deck_ids(good: str) -> None:
    assert load(f"deck: {good}\ntitle: A\ncards: []\n").id == good


def test_unknown_kind_with_hint() -> None:
    assert problems(HEADER + "  - id: a\n    kind: shap\n    ask: x\n") == [
        ("d.yaml:5: unknown kind 'shap' in card 'a' (did you mean 'shape'?); kinds are shape, stride, dtype,"
        " value, recall, write")
    ]


def test_duplicate_card_ids_even_when_the_first_card_has_problems() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: shap
    ask: x
  - id: b
    kind: shape
    ask: x
  - id: a
    kind: shape
    ask: x
""") == [
        ("d.yaml:5: unknown kind 'shap' in card 'a' (did you mean 'shape'?); kinds are shape, stride, dtype,"
        " value, recall, write"),
        "d.yaml:10: duplicate card id 'a' (first used on line 4)",
    ]


def test_unknown_concept() -> None:
    assert problems("""\
deck: a
title: A
concepts:
  strides: How far to step.
cards:
  - id: a
    kind: recall
    prompt: q
    answer: a
    concept: stride
""") == [
        "d.yaml:10: unknown concept 'stride' in card 'a' (did you mean 'strides'?); the deck's concepts: strides"
    ]


def test_unknown_concept_in_a_deck_without_concepts() -> None:
    assert problems(HEADER + "  - {id: a, kind: recall, prompt: q, answer: a, concept: x}\n") == [
        "d.yaml:4: unknown concept 'x' in card 'a'; the deck defines none (add them under 'concepts' at the top level)"
    ]


def test_concept_without_text() -> None:
    assert problems("deck: a\ntitle: A\nconcepts:\n  views:\ncards: []\n") == [
        "d.yaml:4: concept 'views' has no explanation"
    ]


# -- kinds and the keys that apply to them -------------------------------------------------------


def test_recall_needs_answer_and_prompt() -> None:
    assert problems(HEADER + "  - id: a\n    kind: recall\n") == [
        "d.yaml:4: recall card 'a' needs an 'answer' (the back of the card)",
        "d.yaml:4: recall card 'a' needs a 'prompt' (the question)",
    ]


def test_executable_kinds_need_ask() -> None:
    assert problems(HEADER + "  - id: a\n    kind: stride\n    setup: x = 1\n") == [
        "d.yaml:4: stride card 'a' needs 'ask' (the Python expression whose outcome is predicted)"
    ]


def test_keys_that_do_not_apply_to_the_kind() -> None:
    assert problems(HEADER + """\
  - id: r
    kind: recall
    prompt: q
    answer: a
    setup: x = 1
    expect: '3'
  - id: v
    kind: value
    ask: 1
    answer: '1'
""") == [
        "d.yaml:8: 'setup' does not apply to kind 'recall' in card 'r' (recall cards run no code)",
        "d.yaml:9: 'expect' does not apply to kind 'recall' in card 'r' (recall cards run no code)",
        ("d.yaml:13: 'answer' does not apply to kind 'value' in card 'v' (only recall cards have an 'answer';"
        " executable cards are graded by running 'ask')"),
    ]


# -- Python -------------------------------------------------------------------------------------


def test_setup_syntax_error_points_at_the_line_inside_a_block() -> None:
    assert problems(HEADER + """\
  - id: a
    kind: shape
    setup: |
      x = torch.zeros(2)
      y = (x +
    ask: y
""") == [
        "d.yaml:8: 'setup' in card 'a' is not valid Python: '(' was never closed (line 2 of the code)"
    ]


def test_ask_must_be_one_expression() -> None:
    assert problems(HEADER + "  - id: a\n    kind: value\n    ask: 'x = 1'\n") == [
        "d.yaml:6: 'ask' in card 'a' must be one Python expression (put statements in 'setup')"
    ]
    assert problems(HEADER + "  - id: a\n    kind: value\n    ask: x +\n") == [
        "d.yaml:6: 'ask' in card 'a' is not valid Python: invalid syntax (line 1 of the code)"
    ]


def test_placeholders_without_params_get_a_hint() -> None:
    [line] = problems(HEADER + "  - id: a\n    kind: value\n    ask: $n + 1\n")
    assert line.startswith("d.yaml:6: 'ask' in card 'a' is not valid Python")
    assert line.endswith("('$name' placeholders need 'params')")


def test_null_bytes_in_code_are_a_problem_not_a_crash() -> None:
    [line] = problems(HEADER + '  - id: a\n    kind: value\n    ask: "1\\0"\n')
    assert line.startswith("d.yaml:6: 'ask' in card 'a' is not valid Python")


def test_all_problems_of_a_file_are_collected_in_line_order() -> None:
    lines = problems("""\
deck: Bad
title: A
cards:
  - id: a
    kind: shap
  - id: b
    kind: recall
    prompt: q
    answer: a
    expcet: 1
""")
    assert [line.split(":")[1] for line in lines] == ["1", "5", "10"]


def test_load_deck_names_the_file_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "deck: a\ntitle: A\ncards: [1]\n", "x.yaml")
    with pytest.raises(DeckLoadError) as err:
        load_deck(path, display="decks/x.yaml")
    assert str(err.value) == "decks/x.yaml:3: each card must be a mapping (id, kind, ...), not a number"


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(DeckLoadError) as err:
        load_deck(tmp_path / "nope.yaml", display="nope.yaml")
    assert [str(p) for p in err.value.problems] == [
        "nope.yaml: cannot read: No such file or directory"
    ]


def test_bundled_flag_is_kept(tmp_path: Path) -> None:
    assert load_deck(write(tmp_path, "deck: a\ntitle: A\ncards: []\n"), bundled=True).bundled
