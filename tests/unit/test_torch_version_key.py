"""The ``torch`` key (an extension of the deck format): parsing, the loader, ``deck check``'s ``skipped``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.check import CheckReport, check_decks
from quizapp.core.decks.loader import parse_deck
from quizapp.core.decks.model import DeckLoadError
from quizapp.core.decks.torchver import installed_torch_version, parse_installed, parse_range

# -- the range syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "version", "holds"), [
    (">=2.4", "2.4.0", True),
    (">=2.4", "2.3.1", False),
    (">=2.4", "2.13.0+cpu", True),  # 13 > 4 as numbers, not as text
    (">2.4", "2.4.0", False),
    (">2.4", "2.4.1", True),
    ("<2.14", "2.13.9", True),
    ("<2.14", "2.14.0", False),
    ("<=2.1", "2.1.0", True),
    ("<=2.1", "2.1.2", False),  # 2.1 means 2.1.0 in an ordered comparison
    ("==2.1", "2.1.2+cu121", True),  # but == names the whole series
    ("==2.1", "2.10.0", False),
    ("==2.13.0", "2.13.0+cpu", True),
    ("!=2.2", "2.2.1", False),
    ("!=2.2", "2.3.0", True),
    (">=2.4, <2.14", "2.13.0", True),
    (">=2.4,<2.14", "2.14.1", False),
    (">=2.4,<2.14", "2.1.2", False),
    (">=2.14", "2.14.0a0+git123", True),  # a pre-release counts as its release
])
def test_a_range_holds_for_the_releases_it_names(spec: str, version: str, holds: bool) -> None:
    assert parse_range(spec).holds(version) is holds


@pytest.mark.parametrize("spec", ["", " ", "2.4", ">=", ">=two", "=>2.4", ">=2.4,", "~=2.4", ">=2.4.1.0",
                                  ">=2.4 or <2.1", "latest"])
def test_a_malformed_range_is_refused_with_a_reason(spec: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_range(spec)
    assert "\n" not in str(info.value) and str(info.value)


releases = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
operators = st.sampled_from([">=", ">", "<=", "<", "==", "!="])


@given(operators, releases, releases)
def test_ordered_operators_agree_with_tuple_order(op: str, bound: tuple[int, int, int],
                                                  version: tuple[int, int, int]) -> None:
    spec = op + ".".join(map(str, bound))
    expected = {">=": version >= bound, ">": version > bound, "<=": version <= bound, "<": version < bound,
                "==": version == bound, "!=": version != bound}[op]
    assert parse_range(spec).holds(".".join(map(str, version)) + "+cpu") is expected


@given(st.text(max_size=20))
def test_parsing_any_text_either_succeeds_or_raises_value_error(text: str) -> None:
    try:
        parsed = parse_range(text)
    except ValueError:
        return
    assert parse_range(str(parsed)) == parsed  # what it prints reads back the same


def test_installed_versions_are_read_without_their_local_part() -> None:
    assert parse_installed("2.13.0+cpu") == (2, 13, 0)
    assert parse_installed("2.1") == (2, 1, 0)
    with pytest.raises(ValueError):
        parse_installed("unknown")


# -- the loader ----------------------------------------------------------------------------------

DECK = textwrap.dedent("""\
    deck: versions
    title: Versions
    {deck_key}
    cards:
      - id: new-only
        kind: value
        torch: ">=2.4"
        ask: 1 + 1
        expect: "3"
      - id: everywhere
        kind: value
        ask: 1 + 1
        expect: "2"
      - id: fact
        kind: recall
        torch: "<2.14"
        prompt: A fact about older releases?
        answer: yes
""")


def test_the_loader_reads_a_card_key_and_leaves_other_cards_unbounded() -> None:
    deck = parse_deck(DECK.format(deck_key=""))
    new_only, everywhere, fact = deck.cards
    assert str(new_only.torch) == ">=2.4" and everywhere.torch is None and str(fact.torch) == "<2.14"
    assert deck.torch is None


def test_a_deck_key_applies_to_every_card_and_a_card_key_narrows_it() -> None:
    deck = parse_deck(DECK.format(deck_key='torch: ">=2.2"'))
    new_only, everywhere, fact = deck.cards
    assert str(deck.torch) == ">=2.2" and str(everywhere.torch) == ">=2.2"
    assert new_only.torch is not None and not new_only.torch.holds("2.3.0") and new_only.torch.holds("2.4.0")
    assert fact.torch is not None and fact.torch.holds("2.2.0") and not fact.torch.holds("2.1.2")


def test_a_bad_key_is_one_problem_naming_its_line() -> None:
    text = DECK.format(deck_key="").replace('torch: ">=2.4"', "torch: 2.4")
    with pytest.raises(DeckLoadError) as info:
        parse_deck(text, "x.yaml")
    [problem] = info.value.problems
    assert problem.line == 7 and "'torch' in card 'new-only'" in problem.message and "2.4" in problem.message


def test_a_list_is_not_a_range() -> None:
    with pytest.raises(DeckLoadError) as info:
        parse_deck(DECK.format(deck_key="torch: ['>=2.1']"), "x.yaml")
    assert [p.line for p in info.value.problems] == [3]


# -- deck check ----------------------------------------------------------------------------------


class RecordingEngine:
    """Stands in for the engine: records the jobs it is asked to run and runs none of them."""

    def __init__(self) -> None:
        self.jobs: list = []

    def run_many(self, jobs, on_result=None):  # noqa: ANN001, ANN201
        self.jobs += list(jobs)


def _check(deck_key: str, version: str | None) -> tuple[CheckReport, RecordingEngine]:
    deck = parse_deck(DECK.format(deck_key=deck_key))
    engine = RecordingEngine()
    only_excluded = type(deck)(id=deck.id, title=deck.title, cards=(deck.cards[0], deck.cards[2]))
    return check_decks([only_excluded], engine, torch_version=version), engine  # type: ignore[arg-type]


def test_a_card_outside_its_range_is_skipped_never_run_and_never_ok() -> None:
    report, engine = _check("", "2.1.2")
    assert [c.status for c in report.cards] == ["skipped", "ok"]  # the recall card holds for <2.14
    assert engine.jobs == []  # new-only's wrong expect ("3") was never judged
    skipped = report.cards[0]
    assert skipped.reason == "holds for torch >=2.4; this is torch 2.1.2" and skipped.actual is None
    assert report.exit_code == 0


def test_a_recall_card_outside_its_range_is_skipped_too() -> None:
    report, engine = _check("", "2.14.1")
    assert len(engine.jobs) == 1  # new-only holds for 2.14.1 and is run (this engine never answers)
    [recall] = [c for c in report.cards if c.id == "fact"]
    assert recall.status == "skipped" and recall.reason == "holds for torch <2.14; this is torch 2.14.1"


def test_without_torch_every_bounded_card_is_skipped() -> None:
    report, engine = _check("", None)
    assert {c.status for c in report.cards} == {"skipped"} and engine.jobs == []
    assert "no torch is installed" in (report.cards[0].reason or "")


def test_the_json_summary_gains_a_skipped_count_and_keeps_the_contract() -> None:
    report, _ = _check("", "2.1.2")
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {"cards", "summary"}
    assert {"ok", "mismatch", "failed", "seconds"} <= set(data["summary"])
    assert data["summary"]["skipped"] == 1 and data["summary"]["ok"] == 1
    assert data["cards"][0] == {"deck": "versions", "id": "new-only", "kind": "value", "status": "skipped",
                                "expected": "3", "actual": None,
                                "reason": "holds for torch >=2.4; this is torch 2.1.2"}


def test_the_default_compares_with_the_installed_torch() -> None:
    installed = installed_torch_version()
    assert installed is not None  # the test environment holds torch
    deck = parse_deck(DECK.format(deck_key="").replace('">=2.4"', f'"=={installed.split("+")[0]}"')
                      .replace('"<2.14"', '"<2.0"'))
    report = check_decks([type(deck)(id=deck.id, title=deck.title, cards=(deck.cards[2],))],
                         RecordingEngine())  # type: ignore[arg-type]
    assert report.cards[0].status == "skipped" and installed in (report.cards[0].reason or "")


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_reports_skipped_cards_in_json_and_for_people(tmp_path: Path) -> None:
    # new-only expects 3 for 1 + 1: run, it would be a mismatch; excluded, it is skipped and the exit is 0.
    path = tmp_path / "versions.yaml"
    path.write_text(DECK.format(deck_key="").replace('">=2.4"', '"<2.0"'))
    env = dict(os.environ, QUIZAPP_HOME=str(tmp_path / "home"))
    run = [sys.executable, "-m", "quizapp", "deck", "check", str(path)]
    proc = subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [c["status"] for c in data["cards"]] == ["skipped", "ok", "ok"]
    assert data["summary"]["skipped"] == 1 and data["summary"]["ok"] == 2
    people = subprocess.run(run, capture_output=True, text=True, timeout=300, env=env)
    assert people.returncode == 0
    assert "SKIPPED versions/new-only: holds for torch <2.0" in people.stdout and "skipped" in people.stdout
