"""Learned preloading: a card's child says what its run imported, the app remembers it per card, and the
next run has the worker import the union once, before the cards; cards that need nothing cost nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizapp.core.decks.loader import parse_deck
from quizapp.core.execution import preload
from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.learned import MAX_CARDS, LearnedImports, card_of, read
from quizapp.core.execution.limits import Limits


def cards(*asks: str) -> list:  # noqa: ANN001
    body = "".join(f"  - id: c{i}\n    kind: value\n    ask: {ask}\n" for i, ask in enumerate(asks))
    return list(parse_deck(f"deck: d\ntitle: D\ncards:\n{body}").cards)


# --- what a report may teach

def test_learned_names_accept_only_modules_of_known_packages():
    assert preload.learned_names(["sympy", "torch.fx.experimental.symbolic_shapes", "mpmath"]) == [
        "sympy", "torch.fx.experimental.symbolic_shapes", "mpmath"]
    # From a card's process, which the card controls: anything odd is dropped.
    assert preload.learned_names("sympy") == []
    assert preload.learned_names([1, None, "os", "antigravity", "sympy.__main__", "torch;rm", "x" * 300,
                                  "sympy", "sympy"]) == ["sympy"]
    assert len(preload.learned_names([f"torch.m{i}" for i in range(100)])) == preload.MAX_LEARNED


def test_the_child_reports_where_new_imports_entered(monkeypatch):
    from quizapp.core.execution import child

    before = {"torch", "torch.fx", "torch.fx.experimental", "json"}
    loaded = dict.fromkeys(before | {"sympy", "sympy.core", "sympy.core.basic", "mpmath",
                                     "torch.fx.experimental.symbolic_shapes", "colorsys", "antigravity"})
    monkeypatch.setattr(child, "_modules", loaded)
    # Entry points only (sympy.core came with sympy), learnable packages only (not colorsys).
    assert child._imported_since(before) == ["mpmath", "sympy", "torch.fx.experimental.symbolic_shapes"]
    monkeypatch.setattr(child, "_modules", dict.fromkeys(before))
    assert child._imported_since(before) == []  # nothing new: nothing to learn

    class Hostile(dict):
        def keys(self):  # noqa: ANN201 - a card replaced sys.modules with something that raises
            raise RuntimeError("no")

    monkeypatch.setattr(child, "_modules", Hostile())
    assert child._imported_since(before) == []


# --- the memo

def test_the_memo_remembers_per_card_and_unions(tmp_path: Path):
    path = tmp_path / "learned.json"
    memo = LearnedImports(path)
    memo.record("d/a", ["sympy", "mpmath"])
    memo.record("d/b", ["torch.fx.experimental.symbolic_shapes", "sympy"])
    memo.record("d/c", [])  # nothing imported: no entry
    memo.record("d/a", ["antigravity"])  # checked again here: not learnable, no change
    memo.save()
    again = LearnedImports(path)
    assert again.modules_for(["d/a", "d/b"]) == ["sympy", "mpmath", "torch.fx.experimental.symbolic_shapes"]
    assert again.modules_for(["d/c", "d/unknown"]) == []
    assert json.loads(path.read_text())["version"] == 1


def test_a_report_without_imports_keeps_what_was_learned(tmp_path: Path):
    memo = LearnedImports(tmp_path / "learned.json")
    memo.record("d/a", ["sympy"])
    memo.record("d/a", [])  # preloaded this time, so the card imported nothing itself
    assert memo.modules_for(["d/a"]) == ["sympy"]


@pytest.mark.parametrize("text", ["not json", "[]", '{"version": 99, "cards": {"d/a": ["sympy"]}}',
                                  '{"version": 1, "cards": {"d/a": "sympy", "d/b": ["os", 3]}}'])
def test_an_unreadable_memo_counts_as_empty(tmp_path: Path, text: str):
    path = tmp_path / "learned.json"
    path.write_text(text)
    assert read(path) == {}
    memo = LearnedImports(path)
    memo.record("d/a", ["sympy"])
    memo.save()  # and is replaced by a good one
    assert read(path) == {"d/a": ["sympy"]}


def test_the_memo_is_bounded_and_saving_never_raises(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("quizapp.core.execution.learned.MAX_CARDS", 3)
    memo = LearnedImports(tmp_path / "learned.json")
    for i in range(5):
        memo.record(f"d/{i}", ["sympy"])
    assert memo.modules_for([f"d/{i}" for i in range(5)]) == ["sympy"]
    assert len(memo._load()) == 3 and memo.modules_for(["d/0", "d/1"]) == []  # the oldest made room
    (tmp_path / "file").write_text("x")
    LearnedImports(tmp_path / "file" / "learned.json").save()  # nothing changed: nothing written
    broken = LearnedImports(tmp_path / "file" / "learned.json")
    broken.record("d/a", ["sympy"])
    broken.save()  # a folder that cannot be made: costs speed only
    assert MAX_CARDS >= 1000


def test_a_jobs_label_names_its_card():
    assert card_of("d/a") == "d/a"
    assert card_of("d/a (solution)") == "d/a"


# --- what is asked of the worker

class Recording(Engine):
    """An Engine that records what it would send to its worker (no worker is started)."""

    def __init__(self, learned: LearnedImports) -> None:
        super().__init__(learned=learned)
        self.sent: list[list[str]] = []

    def preload(self, modules):  # noqa: ANN001, ANN201
        self.sent.append(list(modules))


def test_cards_that_need_nothing_ask_for_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(preload.ENV, raising=False)
    engine = Recording(LearnedImports(tmp_path / "learned.json"))
    assert engine.preload_cards(cards("torch.zeros(2)", "torch.ones(3).sum()")) == []
    assert engine.sent == []


def test_named_and_learned_modules_are_asked_for_once(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(preload.ENV, raising=False)
    memo = LearnedImports(tmp_path / "learned.json")
    memo.record("d/c1", ["scipy.special"])
    engine = Recording(memo)
    wanted = engine.preload_cards(cards("torch.broadcast_shapes((2, 1), (3,))", "torch.zeros(2)"))
    assert wanted == ["torch.fx.experimental.symbolic_shapes", "scipy.special"]
    assert engine.sent == [wanted]


def test_check_asks_only_engines_that_preload():
    from quizapp.core.check import preload_cards

    assert preload_cards(object(), cards("torch.broadcast_shapes((2, 1), (3,))")) == []


# --- end to end, through a real worker

def test_a_run_teaches_the_next_one(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    path = tmp_path / "learned.json"
    learns = Job(setup="import numpy.polynomial", ask="1", kind="value", label="d/poly")
    probe = Job(setup=None, ask="'numpy.polynomial' in __import__('sys').modules", kind="value")
    with Engine(Limits(wall_seconds=20), workers=1, learned=LearnedImports(path)) as engine:
        assert engine.run(probe).display == "False"  # not preloaded: a card imports it itself
        outcome = engine.run(learns)
        assert outcome.ok and "numpy.polynomial" in outcome.extra["imported"]
    assert "numpy.polynomial" in read(path)["d/poly"]  # saved when the engine closed
    with Engine(Limits(wall_seconds=20), workers=1, learned=LearnedImports(path)) as engine:
        assert "numpy.polynomial" in engine.learned.modules_for(["d/poly"])
        engine.preload(engine.learned.modules_for(["d/poly"]))
        assert engine.run(probe).display == "True"  # the worker imported it once, before the card
        assert "imported" not in engine.run(learns).extra  # nothing new to learn


def test_a_thread_listener_with_nothing_pending_says_so():
    """The worker stops watching the listener of a card that is exiting (it stays readable until the
    card is reaped, and watching it would spin the worker's loop): answer_one tells it there was nothing."""
    import os

    from quizapp.core.execution.supervisor import ThreadBudget

    read_end, write_end = os.pipe()
    budget = ThreadBudget(read_end)
    try:
        assert budget.answer_one() is False and budget.listening
    finally:
        budget.close()
        os.close(write_end)
