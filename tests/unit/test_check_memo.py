"""deck check --watch runs only the cards whose code changed; the worker preloads what cards import lazily."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.core.check import OutcomeMemo, check_decks, preload_for
from quizapp.core.decks.loader import parse_deck
from quizapp.core.execution import preload
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome


def shape(*dims: int) -> Outcome:
    return Outcome(status="ok", value={"t": "tuple", "items": [{"t": "int", "v": d} for d in dims],
                                       "name": None, "fields": None},
                   display=f"({', '.join(map(str, dims))})", stdout="", seconds=0.01)


class CountingEngine:
    """Answers each shape card with the shape its ``ask`` names (``torch.zeros(2, 3)`` -> (2, 3))."""

    def __init__(self, fail: set[str] = frozenset()) -> None:
        self.ran: list[str] = []
        self.fail = set(fail)

    def run_many(self, jobs, on_result=None):  # noqa: ANN001, ANN201
        outcomes = []
        for position, job in enumerate(jobs):
            self.ran.append(job.ask)
            if job.ask in self.fail:
                outcome = Outcome.failure("time limit of 5 s exceeded")
            else:
                outcome = shape(*map(int, job.ask[len("torch.zeros("):-1].split(",")))
            outcomes.append(outcome)
            if on_result is not None:
                on_result(position, outcome)
        return outcomes


def deck(*cards: tuple[str, str, str]) -> object:
    body = "".join(f"  - id: {i}\n    kind: shape\n    ask: {ask}\n    expect: '{expect}'\n" for i, ask, expect in cards)
    return parse_deck(f"deck: d\ntitle: D\ncards:\n{body}")


def statuses(report) -> dict[str, str]:  # noqa: ANN001
    return {c.id: c.status for c in report.cards}


def test_only_changed_code_runs_again():
    engine, memo = CountingEngine(), OutcomeMemo()
    first = check_decks([deck(("a", "torch.zeros(2, 3)", "(2, 3)"), ("b", "torch.zeros(4, 1)", "(4, 1)"))],
                        engine, memo=memo)
    assert statuses(first) == {"a": "ok", "b": "ok"} and engine.ran == ["torch.zeros(2, 3)", "torch.zeros(4, 1)"]
    engine.ran.clear()
    second = check_decks([deck(("a", "torch.zeros(2, 3)", "(2, 3)"), ("b", "torch.zeros(5, 1)", "(4, 1)"))],
                         engine, memo=memo)
    assert engine.ran == ["torch.zeros(5, 1)"] and memo.reused == 1
    assert statuses(second) == {"a": "ok", "b": "mismatch"}


def test_an_edited_expect_is_judged_again_without_running():
    engine, memo = CountingEngine(), OutcomeMemo()
    check_decks([deck(("a", "torch.zeros(2, 3)", "(2, 3)"))], engine, memo=memo)
    engine.ran.clear()
    report = check_decks([deck(("a", "torch.zeros(2, 3)", "(3, 2)"))], engine, memo=memo)
    assert engine.ran == [] and statuses(report) == {"a": "mismatch"} and report.cards[0].actual == "(2, 3)"


def test_a_failed_card_is_always_run_again():
    engine, memo = CountingEngine(fail={"torch.zeros(2, 3)"}), OutcomeMemo()
    check_decks([deck(("a", "torch.zeros(2, 3)", "(2, 3)"))], engine, memo=memo)
    engine.fail.clear()
    report = check_decks([deck(("a", "torch.zeros(2, 3)", "(2, 3)"))], engine, memo=memo)
    assert engine.ran == ["torch.zeros(2, 3)"] * 2 and statuses(report) == {"a": "ok"}


def test_preload_is_chosen_from_the_cards_and_the_declaration(monkeypatch):
    monkeypatch.delenv(preload.ENV, raising=False)
    plain = deck(("a", "torch.zeros(2, 3)", "(2, 3)"))
    assert preload_for([plain]) == []  # cards that need nothing cost nothing
    lazy = parse_deck("deck: d\ntitle: D\ncards:\n  - id: b\n    kind: shape\n    ask: torch.broadcast_shapes((2, 1), (3,))\n")
    assert preload_for([plain, lazy]) == ["torch.fx.experimental.symbolic_shapes"]
    monkeypatch.setenv(preload.ENV, "json, not a module!,,colorsys")
    assert preload.declared() == ["json", "colorsys"]
    assert preload_for([plain]) == ["json", "colorsys"]
    monkeypatch.setenv(preload.ENV, "json,no_such_module_anywhere")
    assert preload.import_declared() == ["json"]


@pytest.mark.slow  # starts the real worker
def test_the_worker_imports_the_preloaded_modules(engine_factory, tmp_path: Path):
    from quizapp.core.execution.engine import Job

    probe = Job(setup=None, ask="'colorsys' in __import__('sys').modules", kind="value")
    with engine_factory(tmp_path / "a", Limits(wall_seconds=20)) as plain:
        assert plain.run(probe).display == "False"
    with engine_factory(tmp_path / "b", Limits(wall_seconds=20), env={preload.ENV: "colorsys"}) as preloaded:
        assert preloaded.run(probe).display == "True"
