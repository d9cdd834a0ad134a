"""``quizapp optimize``: counting usable history, scoring parameters, and a real fit in a child process."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS
from typer.testing import CliRunner

from quizapp.cli.main import app
from quizapp.core import settings as settings_mod
from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.scheduling import optimize as opt
from quizapp.core.settings import Settings
from quizapp.core.storage.store import ReviewInput, Store

DAY = 86400.0
START = datetime(2025, 1, 1, tzinfo=UTC)


def test_eligible_reviews_count_only_reviews_a_day_or_more_apart():
    log = [
        opt.LogEntry(1, 3, 0.0, 0),
        opt.LogEntry(1, 3, 600.0, 0),
        opt.LogEntry(1, 3, 2 * DAY, 0),
        opt.LogEntry(2, 1, 5 * DAY, 0),
        opt.LogEntry(2, 3, 5.5 * DAY, 0),
        opt.LogEntry(2, 3, 7 * DAY, 0),
    ]
    assert opt.eligible_reviews(log) == 2
    assert opt.eligible_reviews(reversed(log)) == 2  # order does not matter


def test_a_huge_log_is_sampled_as_whole_recent_card_histories():
    log = [opt.LogEntry(c, 3, c * 1000.0 + d * DAY, 0) for c in range(50) for d in range(10)]
    sample = opt.sample_for_fit(log, max_reviews=95)
    assert len(sample) == 90  # nine whole histories: a tenth would not fit
    assert {e.card for e in sample} == set(range(41, 50))  # the most recently reviewed cards
    assert opt.sample_for_fit(log, max_reviews=10_000) == log


def test_evaluate_scores_better_parameters_lower():
    # A learner who always remembers: parameters that predict high recall fit better than ones that do not.
    log = [opt.LogEntry(c, 3, c * 10.0 + d * DAY * 3, 0) for c in range(30) for d in range(6)]
    good = opt.evaluate(DEFAULT_PARAMETERS, log)
    forgetful = list(DEFAULT_PARAMETERS)
    forgetful[0:4] = [0.01, 0.01, 0.01, 0.01]  # tiny initial stability: predicts forgetting
    assert good.scored == 150
    assert good.log_loss < opt.evaluate(forgetful, log).log_loss


def _seed(store: Store, cards: int, reviews_per_card: int, seed: int = 1) -> None:
    deck = Deck(
        id="d",
        title="D",
        cards=tuple(Card(deck="d", id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x") for i in range(cards)),
    )
    store.sync_cards([deck], START)
    rng = random.Random(seed)
    items = []
    for i in range(cards):
        when = START + timedelta(hours=rng.random() * 240)
        gap = 1.0
        for _ in range(reviews_per_card):
            rating = (
                Rating.AGAIN
                if rng.random() < 0.15
                else rng.choice([Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.EASY])
            )
            items.append(ReviewInput(("d", f"c{i}"), rating, when, duration_s=4.0))
            gap = 1.0 if rating is Rating.AGAIN else gap * (2 + rng.random())
            when += timedelta(days=gap, minutes=rng.random() * 60)
    items.sort(key=lambda item: item.now)
    store.record_reviews(items)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    return tmp_path


def test_a_missing_optimizer_dependency_is_one_clear_line(home, monkeypatch):
    # Make the child process fail to import pandas, as on an install without "fsrs[optimizer]".
    blocker = home / "block"
    blocker.mkdir()
    (blocker / "pandas.py").write_text("raise ImportError('No module named pandas')\n")
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    with pytest.raises(opt.OptimizeError, match="pip install 'quizapp\\[optimizer\\]'"):
        opt.fit([opt.LogEntry(1, 3, 0.0, 0)])


def test_without_the_optimizer_extra_optimize_says_how_to_install_it_in_one_line(home, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pandas" else real(name, *a))
    assert opt.missing_optimizer() == "the optimizer needs pandas: install it with: pip install 'quizapp[optimizer]'"
    result = CliRunner().invoke(app, ["optimize", "--yes"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"quizapp: {opt.missing_optimizer()}"]


def test_with_the_optimizer_extra_installed_nothing_is_missing():
    pytest.importorskip("pandas")
    pytest.importorskip("tqdm")
    assert opt.missing_optimizer() is None


def test_too_little_history_says_how_much_more_is_needed(home):
    with Store.open(settings=Settings()) as store:
        _seed(store, cards=10, reviews_per_card=3)
    result = CliRunner().invoke(app, ["optimize", "--yes"])
    assert result.exit_code == 0, result.output
    assert "20 of the 512 reviews" in result.output and "492 more" in result.output
    assert settings_mod.load().fsrs_parameters is None


@pytest.mark.slow
@pytest.mark.slow  # fits FSRS in the optimizer's own child process (imports torch)
def test_optimize_fits_in_a_child_process_and_saves_on_yes(home):
    # fsrs's optimizer needs pandas and tqdm besides torch (the "fsrs[optimizer]" extra).
    pytest.importorskip("pandas", reason="fsrs's optimizer needs pandas: pip install 'fsrs[optimizer]'")
    pytest.importorskip("tqdm", reason="fsrs's optimizer needs tqdm: pip install 'fsrs[optimizer]'")
    with Store.open(settings=Settings()) as store:
        _seed(store, cards=80, reviews_per_card=9)
    result = CliRunner().invoke(app, ["optimize", "--yes"])
    assert result.exit_code == 0, result.output
    assert "log loss" in result.output and "Median memory stability" in result.output
    saved = settings_mod.load().fsrs_parameters
    assert saved is not None and len(saved) == 21 and tuple(saved) != tuple(DEFAULT_PARAMETERS)
