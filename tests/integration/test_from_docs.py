"""``deck from-docs`` on real torch functions, through the real engine and grader.

One Engine serves the module. The expectations name examples by their position in PyTorch 2.13's
docstrings; the assertions are about what a person would check: reproducible examples become cards
whose expect is what the code gives, random ones are skipped, and the deck passes `deck check`.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from quizapp.core.authoring import from_docs
from quizapp.core.check import check_decks
from quizapp.core.decks.loader import load_deck
from quizapp.core.execution.engine import Job
from quizapp.core.grading.verdict import grade

NAMES = ["torch.gather", "torch.arange", "torch.is_nonzero", "torch.cumsum", "torch.Tensor.expand",
         "torch.nn.functional.one_hot", "torch.no_such_function"]



@pytest.fixture(scope="module")
def built(engine):
    return from_docs.build(NAMES, engine)


def test_reproducible_examples_are_kept_with_expect_from_execution(built, engine):
    kept = {k.card_id: k for k in built.kept}
    assert {"torch-arange-1", "torch-arange-2", "torch-gather-2", "torch-tensor-expand-3"} <= set(kept)
    assert kept["torch-arange-1"].expect == "tensor([0, 1, 2, 3, 4])"
    assert kept["torch-gather-2"].example.setup == "t = torch.tensor([[1, 2], [3, 4]])"
    for card in kept.values():
        # expect is what running gives, and the docs' printed output is a right answer for it too.
        outcome = engine.run(Job(card.example.setup, card.example.ask, "value"))
        assert (outcome.display if outcome.ok else outcome.error_type) == card.expect
        if not card.example.raises:
            assert grade("value", outcome, card.example.want).correct, card.card_id


def test_examples_the_docs_show_raising_become_it_raises_cards(built):
    raising = [k for k in built.kept if k.example.name == "torch.is_nonzero" and k.example.raises]
    assert raising and all(k.expect == "RuntimeError" for k in raising)
    for k in built.kept:
        # A raising example never lands in a later example's setup.
        assert "torch.tensor([1, 3, 5])" not in (k.example.setup or "") or k.example.raises


def test_random_and_broken_names_are_skipped_with_a_reason(built):
    by_name = {}
    for s in built.skipped:
        by_name.setdefault(s.name, []).append(s)
    # cumsum's docs print a randn draw from the docs author's machine.
    assert not [k for k in built.kept if k.example.name == "torch.cumsum" and "randn" in (k.example.setup or "")]
    assert any("does not reproduce" in s.reason for s in by_name["torch.cumsum"])
    (missing,) = by_name["torch.no_such_function"]
    assert missing.number is None and "cannot import" in missing.reason and "AttributeError" in missing.reason


def test_the_written_deck_loads_and_passes_deck_check(built, engine, tmp_path):
    path = from_docs.write_deck(built, tmp_path / "docs.yaml")
    deck = load_deck(path)
    assert len(deck.cards) == len(built.kept)
    text = path.read_text()
    assert "from the documentation of `torch.gather`" in text and text.startswith("# Made by `quizapp deck from-docs")
    report = check_decks([deck], engine)
    assert report.exit_code == 0, [(c.label, c.status, c.reason) for c in report.cards if c.status != "ok"]
    with pytest.raises(from_docs.DeckFileExists):
        from_docs.write_deck(built, path)


def test_cli_writes_the_deck_and_reports_kept_and_skipped(tmp_path, monkeypatch):
    from quizapp.cli.main import app

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["deck", "from-docs", "torch.arange", "torch.cumsum"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "decks" / "docs-arange-cumsum.yaml"
    assert written.is_file() and f"wrote {written}" in result.stdout
    assert "kept     torch-arange-1" in result.stdout and "skipped  torch.cumsum example" in result.stdout
    again = runner.invoke(app, ["deck", "from-docs", "torch.arange", "torch.cumsum"])
    assert again.exit_code == 2 and "already exists" in again.stderr
    bad = runner.invoke(app, ["deck", "from-docs", "torch.arange; import os"])
    assert bad.exit_code == 2 and "not a dotted Python name" in bad.stderr and "Traceback" not in bad.output
