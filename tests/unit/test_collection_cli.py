"""``quizapp sync`` / ``import`` / ``doctor`` / ``learners`` / ``report --class`` and ``--learner``,
through the real CLI (Typer's runner). Each "device" is its own QUIZAPP_HOME (its own device id)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from quizapp.cli.main import app
from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store
from quizapp.core.storage.tables import card_states

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DECK = Deck(id="d", title="D", cards=tuple(Card(deck="d", id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x")
                                           for i in range(3)))


@pytest.fixture
def device(tmp_path, monkeypatch):
    """Switch to device NAME: its own home (and so its own device id) and collection."""
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    monkeypatch.setenv("QUIZAPP_LEARNER", "ann")

    def use(name: str, reviews: int = 0, learner: str = "ann") -> None:
        monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / name))
        monkeypatch.setenv("QUIZAPP_LEARNER", learner)
        with Store.open(settings=Settings()) as store:
            store.sync_cards([DECK], NOW)
            for i in range(reviews):
                store.record_review(("d", f"c{i % 3}"), Rating.GOOD, now=NOW.replace(minute=i))

    return use


def _count() -> int:
    with Store.open(settings=Settings()) as store:
        return store.review_count()


def test_sync_through_a_folder_between_two_devices(device, tmp_path):
    runner = CliRunner()
    folder = str(tmp_path / "shared")
    device("laptop", reviews=2)
    first = runner.invoke(app, ["sync", folder])
    assert first.exit_code == 0, first.output
    assert "sent 2" in first.output
    device("desktop", reviews=3)
    second = runner.invoke(app, ["sync", folder])
    assert second.exit_code == 0 and "received 2" in second.output and "sent 3" in second.output
    assert _count() == 5
    device("laptop")
    runner.invoke(app, ["sync", folder])
    assert _count() == 5


def test_import_merges_a_json_export_once(device, tmp_path):
    runner = CliRunner()
    device("laptop", reviews=4)
    exported = tmp_path / "laptop.json"
    assert runner.invoke(app, ["export", "-f", "json", "-o", str(exported)]).exit_code == 0
    device("desktop", reviews=1)
    done = runner.invoke(app, ["import", str(exported)])
    assert done.exit_code == 0 and "imported 4 new review(s)" in done.output
    assert "imported 0 new" in runner.invoke(app, ["import", str(exported)]).output
    assert _count() == 5


def test_import_of_something_else_is_one_line(device, tmp_path):
    device("laptop")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    done = CliRunner().invoke(app, ["import", str(bad)])
    assert done.exit_code == 2 and "not a quizapp JSON export" in done.output and "Traceback" not in done.output


def test_doctor_reports_a_cache_that_differs_from_the_log_and_rebuilds_it(device):
    runner = CliRunner()
    device("laptop", reviews=3)
    healthy = runner.invoke(app, ["doctor"])
    assert healthy.exit_code == 0 and "integrity check: ok" in healthy.output
    assert "card states: 0 differ" in healthy.output
    with Store.open(settings=Settings()) as store:
        store.run_write(lambda conn: conn.execute(card_states.update().values(reps=42)))
    found = runner.invoke(app, ["doctor"])
    assert "card states: 3 differ" in found.output and "reps 42 (log says 1)" in found.output
    fixed = runner.invoke(app, ["doctor", "--rebuild"])
    assert "rebuilt from the review log" in fixed.output
    assert "card states: 0 differ" in runner.invoke(app, ["doctor"]).output


def test_learner_option_and_the_class_report(device, tmp_path):
    runner = CliRunner()
    device("school", reviews=3, learner="ann")
    device("school", reviews=2, learner="bob")
    listed = runner.invoke(app, ["--learner", "bob", "learners"])
    assert listed.exit_code == 0 and "* bob" in listed.output and "  ann" in listed.output
    stats = json.loads(runner.invoke(app, ["--learner", "ann", "stats", "--json"]).output)
    assert stats["reviews"] == 3
    out = tmp_path / "class.html"
    done = runner.invoke(app, ["report", "--class", "-o", str(out)])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert "Class report" in text and "ann" in text and "bob" in text and "2 learner(s)" in done.output
