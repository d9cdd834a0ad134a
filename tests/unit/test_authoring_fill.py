"""``deck fill``: outcomes written into ``expect``, with the file's comments, order and layout intact.

The engine is replaced by a table of outcomes (what the worker would send back), so these tests are
about the file edits and decisions; tests/unit/test_authoring_engine.py runs the real engine.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.authoring import fill
from quizapp.core.decks.loader import load_deck
from quizapp.core.execution.outcome import Outcome


def shape(*dims: int) -> Outcome:
    return Outcome(status="ok", display=repr(tuple(dims)),
                   value={"t": "tuple", "items": [{"t": "int", "v": d} for d in dims], "name": None, "fields": None})


def int_tensor(rows: list[list[int]] | list[int], display: str) -> Outcome:
    shape_ = [len(rows), len(rows[0])] if rows and isinstance(rows[0], list) else [len(rows)]
    return Outcome(status="ok", display=display, value={"t": "tensor", "dtype": "torch.int64", "shape": shape_,
                                                        "values": rows, "requires_grad": False, "grad_fn": None})


def raised(name: str, message: str) -> Outcome:
    return Outcome(status="raised", display=f"{name}: {message}", error_type=name,
                   error_types=(name, "Exception", "BaseException"), error_message=message)


class TableEngine:
    """Answers each job from a table keyed by the job's label ("deck/card-id")."""

    def __init__(self, outcomes: dict[str, Outcome]):
        self.outcomes = outcomes
        self.asked: list[str] = []

    def run_many(self, jobs, on_result=None, limits=None):
        jobs = list(jobs)
        self.asked += [j.label for j in jobs]
        return [self.outcomes[j.label.split("/", 1)[1]] for j in jobs]


DECK = """\
# A deck with comments everywhere.
deck: demo   # the id
title: Demo

cards:
  # first: no expect yet
  - id: add
    kind: shape
    setup: |
      x = torch.ones(2, 1)   # a column
      y = torch.ones(3)
    ask: x + y
    explain: Broadcasting.

  # second: its expect is right, with a comment
  - id: right
    kind: shape
    ask: torch.zeros(4, 5)
    expect: (4, 5)   # keep me

  # third: a wrong expect
  - id: wrong
    kind: shape
    ask: torch.zeros(2, 3).t()
    expect: (2, 3)      # the author's guess

  # fourth: raises, ask is the last key, and this card's comment follows it
  - id: boom
    kind: value
    ask: torch.zeros(2, 3).t().view(6)

  # fifth: a multi-line value
  - id: grid
    kind: value
    ask: |
      torch.arange(6).view(2, 3)
    prompt: What is it?

  # sixth: the worker fails it
  - id: slow
    kind: value
    ask: sum(range(10**12))

  - id: param
    kind: shape
    params:
      n: [2, 3]
    ask: torch.zeros($n)

  - id: remember
    kind: recall
    prompt: Q?
    answer: A.
"""

OUTCOMES = {
    "add": shape(2, 3),
    "right": shape(4, 5),
    "wrong": shape(3, 2),
    "boom": raised("RuntimeError", "view size is not compatible with input tensor's size and stride"),
    "grid": int_tensor([[0, 1, 2], [3, 4, 5]], "tensor([[0, 1, 2],\n        [3, 4, 5]])"),
    "slow": Outcome.failure("time limit of 5 s exceeded"),
}


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(DECK, encoding="utf-8")
    return path


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "#" in line]


def test_missing_expects_are_filled_and_everything_else_is_kept(deck_file):
    engine = TableEngine(OUTCOMES)
    plan = fill.plan_fill(deck_file, engine)
    actions = {r.card_id: r.action for r in plan.results}
    assert actions == {"add": "filled", "right": "unchanged", "wrong": "mismatch", "boom": "filled",
                       "grid": "filled", "slow": "failed", "param": "skipped"}
    assert "param" not in " ".join(engine.asked)  # parametric cards are not even run
    assert plan.original == DECK and deck_file.read_text() == DECK  # planning writes nothing

    # Only added lines: every original line survives, in order (comments, layout, the wrong expect).
    added = [line for line in difflib.ndiff(DECK.splitlines(), plan.updated.splitlines()) if line[:1] in "+-"]
    assert all(line.startswith("+ ") for line in added)
    assert [line[2:] for line in added] == [
        "    expect: (2, 3)",
        "    expect: RuntimeError",
        "    expect: |-",
        "      tensor([[0, 1, 2],",
        "              [3, 4, 5]])",
    ]
    assert comments(plan.updated) == comments(DECK)

    # The new expect sits right under its ask, before the next card's comment.
    assert "ask: torch.zeros(2, 3).t().view(6)\n    expect: RuntimeError\n\n  # fifth" in plan.updated
    assert "      torch.arange(6).view(2, 3)\n    expect: |-\n" in plan.updated

    fill.write_plan(plan)
    deck = load_deck(deck_file)
    assert deck.card("add").expect == "(2, 3)"
    assert deck.card("boom").expect == "RuntimeError"
    assert deck.card("grid").expect == "tensor([[0, 1, 2],\n        [3, 4, 5]])"
    assert deck.card("wrong").expect == "(2, 3)" and deck.card("slow").expect is None


def test_the_diff_shows_exactly_the_new_lines(deck_file):
    plan = fill.plan_fill(deck_file, TableEngine(OUTCOMES))
    diff = plan.diff()
    assert diff.startswith(f"--- {deck_file} (before)\n+++ {deck_file} (filled)\n")
    plus = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    minus = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert minus == [] and len(plus) == 5
    assert re.search(r"^@@ -\d+,\d+ \+\d+,\d+ @@", diff, flags=re.M)


def test_mismatches_are_replaced_only_when_asked_and_keep_their_comment(deck_file):
    plan = fill.plan_fill(deck_file, TableEngine(OUTCOMES), overwrite_mismatches=True)
    assert {r.card_id: r.action for r in plan.results}["wrong"] == "replaced"
    assert "    expect: (3, 2)      # the author's guess\n" in plan.updated
    assert "    expect: (4, 5)   # keep me\n" in plan.updated  # a right expect is never touched
    removed = [line for line in plan.diff().splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == ["-    expect: (2, 3)      # the author's guess"]
    fill.write_plan(plan)
    assert load_deck(deck_file).card("wrong").expect == "(3, 2)"


def test_nothing_to_fill_leaves_the_text_identical(tmp_path):
    path = tmp_path / "done.yaml"
    path.write_text("deck: done\ntitle: Done\ncards:\n- id: a\n  kind: shape\n  ask: torch.zeros(4, 5)\n"
                    "  expect: 4x5\n", encoding="utf-8")
    plan = fill.plan_fill(path, TableEngine({"a": shape(4, 5)}))
    assert not plan.changed and plan.diff() == "" and plan.summary() == "1 unchanged"


def test_values_yaml_would_misread_are_quoted(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("deck: q\ntitle: Q\ncards:\n"
                    "- id: lst\n  kind: value\n  ask: '[1, 2]'\n"
                    "- id: truth\n  kind: value\n  ask: 1 < 2\n"
                    "- id: colon\n  kind: value\n  ask: \"'a: b'\"\n", encoding="utf-8")
    outcomes = {
        "lst": Outcome(status="ok", display="[1, 2]",
                       value={"t": "list", "items": [{"t": "int", "v": 1}, {"t": "int", "v": 2}]}),
        "truth": Outcome(status="ok", display="True", value={"t": "bool", "v": True}),
        "colon": Outcome(status="ok", display="'a: b'", value={"t": "str", "v": "a: b"}),
    }
    plan = fill.plan_fill(path, TableEngine(outcomes))
    assert plan.count("filled") == 3
    fill.write_plan(plan)
    deck = load_deck(path)
    assert [c.expect for c in deck.cards] == ["[1, 2]", "True", "'a: b'"]


def test_a_file_changed_meanwhile_is_not_overwritten(deck_file):
    plan = fill.plan_fill(deck_file, TableEngine(OUTCOMES))
    deck_file.write_text(DECK + "\n# edited in the editor\n", encoding="utf-8")
    with pytest.raises(fill.FillError, match="changed while"):
        fill.write_plan(plan)
    assert deck_file.read_text().endswith("# edited in the editor\n")


def test_a_broken_deck_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("deck: bad\ntitle: Bad\ncards:\n- id: a\n  kind: shape\n  ask: x\n  expcet: 3\n")
    with pytest.raises(fill.FillError, match=r"bad.yaml:7: .*expcet"):
        fill.plan_fill(path, TableEngine({}))


@pytest.mark.parametrize("value,col,lines", [
    ("(2, 3)", 4, ["    expect: (2, 3)\n"]),
    ("a\nb", 2, ["  expect: |-\n", "    a\n", "    b\n"]),
    (" a\nb", 0, ["expect: |2-\n", "   a\n", "  b\n"]),
    ("a\n\nb", 0, ["expect: |-\n", "  a\n", "\n", "  b\n"]),
])
def test_render_expect(value, col, lines):
    assert fill.render_expect(value, col) == lines


def test_answer_text():
    assert fill.answer_text(shape(2, 3)) == "(2, 3)"
    assert fill.answer_text(raised("IndexError", "out of range")) == "IndexError"
    assert fill.answer_text(Outcome.failure("worker died")) is None


def test_windows_line_endings_are_kept(tmp_path):
    path = tmp_path / "crlf.yaml"
    body = "deck: w\r\ntitle: W\r\ncards:\r\n  - id: a\r\n    kind: shape\r\n    ask: torch.zeros(4, 5)\r\n"
    path.write_bytes(body.encode())
    plan = fill.plan_fill(path, TableEngine({"a": shape(4, 5)}))
    assert plan.updated == body + "    expect: (4, 5)\r\n"
    fill.write_plan(plan)
    assert path.read_bytes() == (body + "    expect: (4, 5)\r\n").encode()


def test_a_card_whose_first_key_is_ask(tmp_path):
    path = tmp_path / "first.yaml"
    path.write_text("deck: f\ntitle: F\ncards:\n  - ask: torch.zeros(4, 5)\n    id: a\n    kind: shape\n")
    plan = fill.plan_fill(path, TableEngine({"a": shape(4, 5)}))
    assert plan.updated == ("deck: f\ntitle: F\ncards:\n  - ask: torch.zeros(4, 5)\n    expect: (4, 5)\n"
                            "    id: a\n    kind: shape\n")


def test_a_replaced_expect_keeps_its_comment_with_windows_line_endings(tmp_path):
    path = tmp_path / "crlf.yaml"
    body = "deck: w\r\ntitle: W\r\ncards:\r\n  - id: a\r\n    kind: shape\r\n    ask: torch.zeros(4, 5)\r\n"
    path.write_bytes((body + "    expect: (5, 4)  # guess\r\n").encode())
    plan = fill.plan_fill(path, TableEngine({"a": shape(4, 5)}), overwrite_mismatches=True)
    assert plan.updated == body + "    expect: (4, 5)  # guess\r\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(lambda t: t.strip()))
def test_any_outcome_text_reads_back_unchanged(text):
    """Whatever the outcome's text, the written `expect` loads back as exactly that text."""
    from quizapp.core.decks.loader import parse_deck

    head = "deck: p\ntitle: P\ncards:\n  - id: a\n    kind: value\n    ask: '1'\n"
    deck = parse_deck(head + "".join(fill.render_expect(text, 4)) + "    explain: after\n", "p.yaml")
    assert deck.cards[0].expect == text
    assert deck.cards[0].explain == "after"


@pytest.mark.parametrize("text,line", [("0\x85", 'expect: "0\\N"\n'), ("a\u2028b", 'expect: "a\\Lb"\n'),
                                       ("a\tb", 'expect: "a\\tb"\n'), ("x: y", "expect: 'x: y'\n")])
def test_control_and_separator_characters_are_escaped(text, line):
    assert fill.render_expect(text, 0) == [line]
