"""The write kind end to end in the core: loading, grading by execution, deck check, fill and the Anki export."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quizapp.core.check import check_decks
from quizapp.core.decks.loader import parse_deck
from quizapp.core.decks.model import DeckLoadError
from quizapp.core.execution.limits import Limits
from quizapp.core.kinds import registry

HEADER = "deck: d\ntitle: D\ncards:\n"
CARD = """\
  - id: running
    kind: write
    prompt: Return the running total of `x` without cumsum or loops.
    setup: x = torch.arange(1, $n + 1)
    params: {n: [2, 4]}
    solution: (x[None, :] * (torch.arange($n)[:, None] >= torch.arange($n))).sum(1)
    forbid: [cumsum, for]
"""


def deck(cards: str):  # noqa: ANN201
    return parse_deck(HEADER + textwrap.dedent(cards))


def problems(cards: str) -> list[str]:
    with pytest.raises(DeckLoadError) as info:
        parse_deck(HEADER + cards, "d.yaml")
    return [str(p) for p in info.value.problems]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, engine_factory):  # noqa: ANN001
    with engine_factory(tmp_path_factory.mktemp("home"), Limits(wall_seconds=2)) as eng:
        yield eng


# --- loading


def test_a_write_card_loads_with_its_fields() -> None:
    card = deck(CARD + "    compare: close\n    attempts:\n      - {code: x.cumsum(0), correct: false}\n").cards[0]
    assert card.solution.startswith("(x[None, :]")
    assert card.forbid == ("cumsum", "for")
    assert card.compare == "close"
    assert [(a.code, a.correct) for a in card.attempts] == [("x.cumsum(0)", False)]
    assert card.prompt.startswith("Return the running total")


def test_write_card_problems_are_one_line_each() -> None:
    found = problems(
        "  - id: w\n    kind: write\n    ask: x\n    forbid: [torch., 3]\n    compare: loose\n"
        "    attempts:\n      - code: x\n      - {code: x, correct: maybe, why: 1}\n")
    assert found == [
        "d.yaml:4: write card 'w' needs a 'prompt' (what to write)",
        "d.yaml:4: write card 'w' needs a 'solution' (the reference answer: an expression, or statements ending in one)",
        "d.yaml:6: 'ask' does not apply to kind 'write' in card 'w' (write cards are graded by running the"
        " learner's code against 'solution')",
        "d.yaml:7: forbid entry 'torch.' must be 'for', 'while', a name (flip) or a dotted name (torch.cumsum) in card 'w'",
        "d.yaml:7: forbid entry '3' must be 'for', 'while', a name (flip) or a dotted name (torch.cumsum) in card 'w'",
        "d.yaml:8: 'compare' in card 'w' must be 'exact' or 'close', not 'loose'",
        "d.yaml:10: an attempt in card 'w' needs 'correct: true' or 'correct: false'",
        "d.yaml:11: unknown key 'why' in an attempt in card 'w'",
        "d.yaml:11: an attempt in card 'w' needs 'correct: true' or 'correct: false'",
    ]


def test_a_solution_must_end_in_an_expression() -> None:
    found = problems("  - id: w\n    kind: write\n    prompt: p\n    solution: |\n      y = 1\n")
    assert found == ["d.yaml:8: 'solution' in card 'w' is not a program ending in an expression: the last line"
                     " (line 1) must be an expression, the result (it is an assignment)"]


def test_write_keys_do_not_apply_to_other_kinds() -> None:
    found = problems("  - id: v\n    kind: value\n    ask: x\n    solution: x\n")
    assert found == ["d.yaml:7: 'solution' does not apply to kind 'value' in card 'v' (only recall cards have an"
                     " 'answer'; executable cards are graded by running 'ask')"]


# --- grading


def grade(engine, answer: str, cards: str = CARD):  # noqa: ANN001, ANN201
    card = deck(cards).cards[0]
    return registry.of(card).evaluate(card, answer, engine)


def test_a_right_answer_is_right_on_every_variant(engine) -> None:  # noqa: ANN001
    outcome, verdict = grade(engine, "y = torch.tril(torch.ones(len(x), len(x), dtype=x.dtype))\ny @ x")
    assert verdict.correct and verdict.readable
    assert outcome.ok and outcome.display == "n=4:\ntensor([ 1,  3,  6, 10])"  # the last variant, named


def test_an_answer_right_on_one_variant_only_is_wrong_and_the_variant_is_named(engine) -> None:  # noqa: ANN001
    _, verdict = grade(engine, "torch.tensor([1, 3])")
    assert not verdict.correct
    assert verdict.message == "with n=4: its shape is (2,), wanted (4,)"


def test_a_wrong_value_names_the_first_differing_element(engine) -> None:  # noqa: ANN001
    outcome, verdict = grade(engine, "x * 2")
    assert verdict.message == "with n=2: element [0] is 2, wanted 1 (2 of 2 elements differ)"
    assert outcome.display == "tensor([2, 4])"


def test_a_syntax_error_is_wrong_and_nothing_runs(engine) -> None:  # noqa: ANN001
    outcome, verdict = grade(engine, "x +\n")
    assert not verdict.correct and verdict.readable
    assert verdict.message == "your code cannot run: syntax error (line 1): invalid syntax"
    assert outcome.display == "(not run)"


def test_a_forbidden_name_is_wrong_and_says_which(engine) -> None:  # noqa: ANN001
    _, verdict = grade(engine, "y = x\ny.cumsum(0)")
    assert verdict.message == "your code uses cumsum (line 2), which this card forbids"


def test_an_exception_is_wrong_not_a_failed_card(engine) -> None:  # noqa: ANN001
    outcome, verdict = grade(engine, "x.view(3, 3)")
    assert not outcome.failed
    assert verdict.message.startswith("with n=2, your code raised RuntimeError: shape '[3, 3]' is invalid")


def test_a_time_out_is_wrong_not_a_failed_card(engine) -> None:  # noqa: ANN001
    outcome, verdict = grade(engine, "import time\ntime.sleep(30)\nx")
    assert not outcome.failed and not verdict.correct
    assert verdict.message == "with n=2, your code did not finish: time limit of 2 s exceeded"


def test_a_broken_solution_fails_the_card(engine) -> None:  # noqa: ANN001
    broken = CARD.replace("solution: (x[None", "solution: undefined_name + (x[None")
    outcome, verdict = grade(engine, "x", broken)
    assert outcome.failed and not verdict.correct
    assert outcome.reason.startswith("the card's solution (n=2) did not run: NameError")


def test_close_accepts_rounding_that_exact_rejects(engine) -> None:  # noqa: ANN001
    cards = ("  - id: c\n    kind: write\n    prompt: p\n    setup: x = torch.linspace(0, 1, 7)\n"
             "    solution: x / 3\n    compare: {mode}\n")
    assert not grade(engine, "x * (1 / 3)", cards.format(mode="exact"))[1].correct
    assert grade(engine, "x * (1 / 3)", cards.format(mode="close"))[1].correct


def test_setup_names_are_the_inputs_and_printing_is_captured(engine) -> None:  # noqa: ANN001
    outcome, verdict = grade(engine, "print('hi')\nx.sum()", CARD.replace("params: {n: [2, 4]}", "params: {n: [3]}")
                             .replace("forbid: [cumsum, for]", ""))
    assert outcome.stdout == "hi\n" and not verdict.correct


# --- deck check, fill, export

CHECKED = CARD + """\
    attempts:
      - code: x.cumsum(0)
        correct: false
      - code: torch.tril(torch.ones(len(x), len(x), dtype=x.dtype)) @ x
        correct: true
"""


def test_deck_check_grades_the_solution_and_every_attempt(engine) -> None:  # noqa: ANN001
    report = check_decks([deck(CHECKED)], engine)
    assert [c.to_json() for c in report.cards] == [
        {"deck": "d", "id": "running", "kind": "write", "status": "ok", "expected": None,
         "actual": "solution and 2 attempts graded as stated", "reason": None}]


def test_an_attempt_graded_otherwise_is_a_mismatch_naming_it(engine) -> None:  # noqa: ANN001
    wrong = CHECKED.replace("correct: true", "correct: false").replace("code: x.cumsum(0)\n        correct: false",
                                                                        "code: x.cumsum(0)\n        correct: true")
    check = check_decks([deck(wrong)], engine).cards[0]
    assert check.status == "mismatch"
    assert check.expected == "attempt 1 (line 12): right"
    assert check.actual == ("attempt 1 (line 12): graded wrong (your code uses cumsum (line 1), which this card"
                            " forbids)")


def test_a_solution_that_uses_a_forbidden_name_is_a_mismatch(engine) -> None:  # noqa: ANN001
    cheating = CARD.replace("solution: (x[None, :]", "solution: x.cumsum(0) + 0 * (x[None, :]")
    check = check_decks([deck(cheating)], engine).cards[0]
    assert (check.status, check.expected) == ("mismatch", "solution: right")


def test_a_solution_that_cannot_run_is_failed(engine) -> None:  # noqa: ANN001
    hangs = CARD.replace("setup: x = torch.arange(1, $n + 1)", "setup: |\n      x = torch.arange(1, $n + 1)\n"
                         "      while True: pass")
    check = check_decks([deck(hangs)], engine).cards[0]
    assert check.status == "failed"
    assert check.reason == "the card's solution (n=2) did not run: time limit of 2 s exceeded"


def test_deck_fill_leaves_write_cards_alone(tmp_path: Path, engine) -> None:  # noqa: ANN001
    from quizapp.core.authoring import fill

    path = tmp_path / "d.yaml"
    path.write_text(HEADER + CHECKED + "  - id: v\n    kind: value\n    ask: 1 + 1\n")
    plan = fill.plan_fill(path, engine)
    assert [r.card_id for r in plan.results] == ["v"]
    assert "expect: '2'" in plan.updated or "expect: 2" in plan.updated
    assert plan.updated.startswith(HEADER + CHECKED)


def test_the_anki_export_shows_the_prompt_in_front_and_the_solution_behind(tmp_path: Path) -> None:
    from quizapp.core.export import apkg
    from tests.unit.test_apkg import read_package, text_of

    result = apkg.write_apkg([deck(CHECKED)], tmp_path / "x.apkg", run=False)
    notes, _ = read_package(result.path)
    assert text_of(notes[0]["Question"]).strip() == "Return the running total of x without cumsum or loops."
    assert text_of(notes[0]["Code"]).strip() == "x = torch.arange(1, 2 + 1)"  # the first variant
    assert text_of(notes[0]["Outcome"]).strip() == (
        "(x[None, :] * (torch.arange(2)[:, None] >= torch.arange(2))).sum(1)")
