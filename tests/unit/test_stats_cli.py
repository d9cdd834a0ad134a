"""``quizapp stats`` and ``quizapp export`` through the real CLI, on the bundled decks."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from quizapp.cli.main import app
from quizapp.core.decks.registry import load_catalog
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    return tmp_path


@pytest.fixture
def reviewed(home):
    """Two reviews today on the first bundled card."""
    catalog = load_catalog()
    deck = next(iter(catalog.decks.values()))
    key = deck.cards[0].key
    now = datetime.now(UTC)
    with Store.open(settings=Settings()) as store:
        store.sync_cards(catalog.decks.values(), now)
        store.record_review(key, Rating.AGAIN, answer="(2, 3)", correct=False, duration_s=6, now=now)
        # A second later: the log is in time order, and reviews at the very same instant sort by their
        # random ids (the same order on every device), not by which was recorded first.
        store.record_review(key, Rating.GOOD, answer="(3, 2)", correct=True, duration_s=4,
                            now=now + timedelta(seconds=1))
    return catalog, key


def test_stats_json_is_one_object_with_the_documented_keys(reviewed):
    catalog, key = reviewed
    result = CliRunner().invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for name in ("reviews", "cards", "due_today", "retention", "streak_days", "decks"):
        assert name in data
    assert data["reviews"] == 2 and data["streak_days"] == 1
    assert data["cards"] == sum(len(d.cards) for d in catalog.decks.values())
    by_deck = {d["deck"]: d for d in data["decks"]}
    assert set(by_deck) == set(catalog.decks) and by_deck[key[0]]["reviews"] == 2


def test_stats_prints_a_readable_summary(reviewed):
    result = CliRunner().invoke(app, ["stats"])
    assert result.exit_code == 0, result.output
    assert "Reviews" in result.output and "2 in all, 2 today" in result.output and "Streak" in result.output


def test_export_csv_and_json(reviewed, home):
    _, key = reviewed
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--format", "csv", "-o", str(home / "p.csv")])
    assert result.exit_code == 0, result.output
    with open(home / "p.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["deck"], r["card_id"], r["answer"], r["rating_label"]) for r in rows] == [
        (key[0], key[1], "(2, 3)", "Again"),
        (key[0], key[1], "(3, 2)", "Good"),
    ]
    assert (home / "p-cards.csv").exists()
    result = runner.invoke(app, ["export", "--format", "json", "-o", str(home / "p.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((home / "p.json").read_text())
    assert len(data["reviews"]) == 2 and any(c["card_id"] == key[1] and c["reps"] == 2 for c in data["cards"])


def test_export_deck_arguments_are_for_apkg_only(home):
    result = CliRunner().invoke(app, ["export", "--format", "csv", "-o", str(home / "p.csv"), "broadcasting"])
    assert result.exit_code == 2 and "apkg" in result.output


@pytest.mark.slow  # runs the real worker through the CLI
def test_export_apkg_writes_an_anki_package_of_the_chosen_deck(home):
    import zipfile

    target = home / "deck.apkg"
    result = CliRunner().invoke(app, ["export", "--format", "apkg", "-o", str(target), "broadcasting"])
    assert result.exit_code == 0, result.output
    assert "notes in 1 deck" in result.output
    with zipfile.ZipFile(target) as package:
        assert any(name.startswith("collection.anki2") for name in package.namelist())
    unknown = CliRunner().invoke(app, ["export", "--format", "apkg", "-o", str(target), "no-such-deck"])
    assert unknown.exit_code == 2 and "no-such-deck" in unknown.output
