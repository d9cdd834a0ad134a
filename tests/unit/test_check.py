"""``deck check``: statuses, the report's JSON shape, exit codes, and the CLI's output contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quizapp.core.check import CardCheck, CheckReport, check_decks
from quizapp.core.decks.loader import parse_deck
from quizapp.core.decks.model import Problem
from quizapp.core.execution.engine import Engine
from quizapp.core.execution.limits import Limits

DECK = """
deck: demo
title: Demo
cards:
  - id: transpose
    kind: shape
    setup: x = torch.ones(2, 3)
    ask: x.t()
  - id: no-expect
    kind: value
    ask: torch.arange(3) * 2
  - id: raises
    kind: value
    setup: x = torch.ones(2, 3).t()
    ask: x.view(6)
  - id: hangs
    kind: value
    setup: |
      while True:
          pass
    ask: "1"
  - id: rank
    kind: recall
    prompt: What is a rank?
    answer: the index of a process in the group
  - id: ones
    kind: shape
    params: {n: [2, 3]}
    ask: torch.ones($n, 1) + torch.ones(1, $n)
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def engine(home: Path, engine_factory):  # noqa: ANN001
    with engine_factory(home, Limits(wall_seconds=1.5), wait=False) as eng:
        yield eng


@pytest.fixture(scope="module")
def report(engine: Engine) -> CheckReport:
    progress: list[tuple[str, int, int]] = []
    result = check_decks([parse_deck(DECK, "demo.yaml")], engine,
                         on_result=lambda c, done, total: progress.append((c.label, done, total)))
    assert [p[1] for p in progress] == list(range(1, 8)) and {p[2] for p in progress} == {7}
    return result


def by_label(report: CheckReport) -> dict[str, CardCheck]:
    return {c.label: c for c in report.cards}


def test_every_card_and_variant_is_reported_in_deck_order(report: CheckReport) -> None:
    assert [c.label for c in report.cards] == [
        "demo/transpose", "demo/no-expect", "demo/raises", "demo/hangs", "demo/rank",
        "demo/ones [n=2]", "demo/ones [n=3]"]


def test_statuses(report: CheckReport) -> None:
    cards = by_label(report)
    assert cards["demo/transpose"].status == "ok" and cards["demo/transpose"].actual == "(3, 2)"
    assert cards["demo/no-expect"].status == "ok" and cards["demo/no-expect"].actual == "tensor([0, 2, 4])"
    # A card without expect that raises still ran: ok, and the exception is its outcome.
    assert cards["demo/raises"].status == "ok"
    assert cards["demo/raises"].actual.startswith("RuntimeError: view size is not compatible")
    hangs = cards["demo/hangs"]
    assert hangs.status == "failed" and hangs.reason == "time limit of 1.5 s exceeded" and hangs.actual is None
    rank = cards["demo/rank"]
    assert rank.status == "ok" and rank.actual is None and rank.seconds == 0
    assert cards["demo/ones [n=3]"].actual == "(3, 3)"


def test_json_shape_matches_the_contract(report: CheckReport) -> None:
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {"cards", "summary"}
    assert data["summary"]["ok"] == 6 and data["summary"]["mismatch"] == 0 and data["summary"]["failed"] == 1
    assert isinstance(data["summary"]["seconds"], float)
    first = data["cards"][0]
    assert first == {"deck": "demo", "id": "transpose", "kind": "shape", "status": "ok",
                     "expected": None, "actual": "(3, 2)", "reason": None}
    assert data["cards"][5]["variant"] == {"n": 2}


def test_exit_codes() -> None:
    ok = CardCheck("d", "a", "shape", "ok", None, "(1,)", None)
    bad = CardCheck("d", "b", "shape", "failed", None, None, "time limit of 5 s exceeded")
    assert CheckReport([ok]).exit_code == 0
    assert CheckReport([]).exit_code == 0
    assert CheckReport([ok, bad]).exit_code == 1
    assert CheckReport([ok], problems=[Problem("x.yaml", "broken", 3)]).exit_code == 2


def test_slowest_lists_cards_that_ran(report: CheckReport) -> None:
    slowest = report.slowest(3)
    assert slowest[0].label == "demo/hangs"
    assert all(c.kind != "recall" for c in slowest)


def test_expect_is_judged_by_the_grader(engine: Engine) -> None:
    pytest.importorskip("quizapp.core.grading.verdict")
    deck = parse_deck("""
deck: judged
title: Judged
cards:
  - {id: right, kind: shape, ask: "torch.ones(2, 3).t()", expect: "3x2"}
  - {id: wrong, kind: shape, ask: "torch.ones(2, 3).t()", expect: "(2, 3)"}
  - {id: raises-right, kind: value, ask: "torch.ones(2, 3).t().view(6)", expect: "RuntimeError"}
  - {id: raises-wrong, kind: value, ask: "torch.ones(2, 3).view(6).sum()", expect: "raises"}
""", "judged.yaml")
    cards = by_label(check_decks([deck], engine))
    assert cards["judged/right"].status == "ok" and cards["judged/right"].reason is None
    wrong = cards["judged/wrong"]
    assert wrong.status == "mismatch" and wrong.expected == "(2, 3)" and wrong.actual == "(3, 2)" and wrong.reason
    assert cards["judged/raises-right"].status == "ok"
    assert cards["judged/raises-wrong"].status == "mismatch"


# --- the command line, as a user (or CI) runs it

def quizapp(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QUIZAPP_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "quizapp", *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_json_and_exit_status_1_for_a_failed_card(home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "demo.yaml"
    deck.write_text(DECK)
    proc = quizapp(home, "deck", "check", str(deck), "--json", "--timeout", "1")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"]["failed"] == 1 and data["summary"]["ok"] == 6
    assert [c["status"] for c in data["cards"]].count("failed") == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_exit_0_and_a_summary_for_people(home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "fine.yaml"
    deck.write_text(textwrap.dedent("""
        deck: fine
        title: Fine
        cards:
          - {id: a, kind: dtype, ask: "torch.arange(3)"}
          - {id: b, kind: recall, prompt: "world size?", answer: "number of processes"}
    """))
    proc = quizapp(home, "deck", "check", str(deck))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok" in proc.stdout and "slowest cards" in proc.stdout and "fine/a" in proc.stdout


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_broken_deck_exits_2_with_one_line_per_problem(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("deck: broken\ntitle: Broken\ncards:\n  - id: a\n    kind: shape\n    ask: x\n    expcet: (1,)\n")
    proc = quizapp(home, "deck", "check", str(broken), "--json")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken.yaml:7:" in lines[0] and "expcet" in lines[0]
    assert json.loads(proc.stdout)["cards"] == []
    missing = quizapp(home, "deck", "check", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr


def test_cli_deck_list(home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "demo.yaml"
    deck.write_text(DECK)
    proc = quizapp(home, "deck", "list", str(deck), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {d["deck"]: d for d in json.loads(proc.stdout)["decks"]}
    assert rows["demo"]["cards"] == 6 and rows["demo"]["recall"] == 1 and rows["demo"]["executable"] == 5


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_shows_each_mismatch_with_expected_actual_and_why(home: Path, tmp_path: Path) -> None:
    pytest.importorskip("quizapp.core.grading.verdict")
    deck = tmp_path / "wrong.yaml"
    deck.write_text(textwrap.dedent("""
        deck: wrong
        title: Wrong
        cards:
          - id: transpose
            kind: shape
            setup: x = torch.ones(2, 3)
            ask: x.t()
            expect: (2, 3)
    """))
    proc = quizapp(home, "deck", "check", str(deck))
    assert proc.returncode == 1
    out = proc.stdout
    assert "MISMATCH wrong/transpose" in out and "wrong.yaml:5" in out
    assert "expected: (2, 3)" in out and "actual:   (3, 2)" in out and "why:" in out
    data = json.loads(quizapp(home, "deck", "check", str(deck), "--json").stdout)
    card = data["cards"][0]
    assert card["status"] == "mismatch" and card["expected"] == "(2, 3)" and card["actual"] == "(3, 2)"
    assert card["reason"] and data["summary"]["mismatch"] == 1


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_unknown_deck_id_and_broken_deck_in_list(home: Path, tmp_path: Path) -> None:
    unknown = quizapp(home, "deck", "check", "no-such-deck")
    assert unknown.returncode == 2
    lines = unknown.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("no-such-deck: no deck with this id")
    broken = tmp_path / "broken.yaml"
    broken.write_text("deck: broken\ncards: []\n")
    listed = quizapp(home, "deck", "list", str(broken))
    assert listed.returncode == 2 and "broken.yaml" in listed.stderr and "title" in listed.stderr
    assert "Traceback" not in listed.stderr
