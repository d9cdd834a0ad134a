"""The bundled curriculum is its own regression test: every card runs and matches its ``expect``.

This is what ``quizapp deck check`` does for deck authors' CI; here it guards the decks we ship.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.core import locations
from quizapp.core.decks.model import Kind
from quizapp.core.decks.registry import load_catalog

# The topics issue 2 asks the curriculum to teach, by deck id (and issue 12: autograd).
REQUIRED_DECKS = {
    "broadcasting", "strides", "view-reshape", "creation", "dimensions", "indexing",
    "arithmetic", "modules", "torchscript", "cpp-api", "distributed", "autograd",
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(bundled=True, user=False)


@pytest.fixture(scope="module")
def check_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str]:
    env = dict(os.environ, QUIZAPP_HOME=str(tmp_path_factory.mktemp("home")))
    proc = subprocess.run(
        [sys.executable, "-m", "quizapp", "deck", "check", str(locations.bundled_decks_dir()), "--json"],
        capture_output=True, text=True, timeout=600, env=env,
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_deck_check_passes_on_every_bundled_card(check_report: tuple[int, dict, str]) -> None:
    code, report, stderr = check_report
    bad = [c for c in report["cards"] if c["status"] != "ok"]
    assert code == 0 and not bad, (stderr, bad[:5])
    assert report["summary"]["mismatch"] == 0 and report["summary"]["failed"] == 0


def test_no_bundled_card_is_skipped_on_the_release_ci_pins(check_report: tuple[int, dict, str]) -> None:
    # A card whose `torch` key excludes 2.13 would never be checked by this suite: every bundled
    # card must hold for the torch the quick start installs (other releases: scripts/check_torch_versions.py).
    from quizapp.core.decks.torchver import installed_torch_version, parse_installed

    version = installed_torch_version()
    if version is None or parse_installed(version)[:2] != (2, 13):
        pytest.skip(f"the suite pins torch 2.13; this is {version}")
    _, report, _ = check_report
    assert report["summary"]["skipped"] == 0, [c for c in report["cards"] if c["status"] == "skipped"]


def test_the_curriculum_is_complete(catalog) -> None:
    assert not catalog.problems, [str(p) for p in catalog.problems]
    assert set(catalog.decks) >= REQUIRED_DECKS
    cards = [c for d in catalog.decks.values() for c in d.cards]
    assert len(cards) >= 150
    for deck in catalog.decks.values():
        assert len(deck.cards) >= 5, f"{deck.id} has too few cards to teach its topic"
    for card in cards:
        if card.kind is Kind.RECALL:
            assert card.answer, card.key
        elif card.kind is Kind.WRITE:
            assert card.solution and card.explain and len(card.attempts) >= 3, card.key
        else:
            assert card.expect and card.explain, f"{card.key} needs both expect and explain"


def test_at_least_eight_cards_really_raise(check_report: tuple[int, dict, str], catalog) -> None:
    # Judged from what the code did, not from what the author wrote.
    _, report, _ = check_report
    executable = {c.key for d in catalog.decks.values() for c in d.cards if c.kind is not Kind.RECALL}
    raising = {
        (c["deck"], c["id"]) for c in report["cards"]
        if (c["deck"], c["id"]) in executable and c["actual"] and "Error" in c["actual"].split(":")[0]
    }
    assert len(raising) >= 8, raising


def test_the_notes_misconceptions_are_taught_not_repeated(check_report: tuple[int, dict, str]) -> None:
    # The seed notes claim unsqueeze(dim=1) of a (2, 3, 4) tensor is (2, 1, 3) and that
    # stack([t, t, t], dim=-1) stacks rows. Nothing we ship may claim either.
    _, report, _ = check_report
    for card in report["cards"]:
        assert card["expected"] is None or card["expected"].replace(" ", "") != "torch.Size([2,1,3])"


def test_the_readme_curriculum_tables_give_true_card_counts(catalog) -> None:
    # Rows look like "| `autograd` | Autograd | 68 | what it teaches |"; a count that drifts from the
    # deck is a false sentence in the README.
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| [^|]+ \| (\d+) \|", readme, flags=re.MULTILINE))
    assert "autograd" in rows
    assert {deck: int(n) for deck, n in rows.items()} == {
        deck: len(catalog.decks[deck].cards) for deck in rows if deck in catalog.decks}
