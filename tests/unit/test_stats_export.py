"""CSV and JSON export: the review log and the cards, every documented column."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.export import tabular
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    s = Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=Settings(fuzz=False))
    deck = Deck(
        id="views",
        title="Views",
        cards=(
            Card(
                deck="views", id="v1", kind=Kind.SHAPE, prompt='What is "x", really?', ask="x", tags=("memory", "views")
            ),
            Card(deck="views", id="v2", kind=Kind.VALUE, prompt="Line one\nline two, with comma", ask="y"),
        ),
    )
    s.sync_cards([deck], NOW)
    s.record_review(("views", "v1"), Rating.AGAIN, answer="2, 3", correct=False, duration_s=4.25, now=NOW)
    s.record_review(
        ("views", "v1"),
        Rating.GOOD,
        answer="torch.Size([2, 3])",
        correct=True,
        duration_s=2,
        now=NOW + timedelta(minutes=1),
    )
    yield s
    s.close()


def test_csv_writes_the_review_log_and_the_cards(store, tmp_path):
    result = tabular.write_csv(store, tmp_path / "out" / "progress.csv")
    assert (result.reviews, result.cards) == (2, 2)
    reviews_file, cards_file = result.files
    assert cards_file.name == "progress-cards.csv"
    with open(reviews_file, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(tabular.REVIEW_FIELDS)
    assert [r["answer"] for r in rows] == ["2, 3", "torch.Size([2, 3])"]
    assert [r["rating_label"] for r in rows] == ["Again", "Good"]
    assert rows[0]["correct"] == "False" and rows[0]["duration_s"] == "4.250"
    assert rows[0]["reviewed_at"] == "2026-03-10T12:00:00.000+00:00"
    assert float(rows[1]["interval_days"]) > 0 and rows[1]["stability"] and rows[1]["difficulty"]
    with open(cards_file, newline="") as fh:
        cards = {r["card_id"]: r for r in csv.DictReader(fh)}
    assert cards["v1"]["reps"] == "2" and cards["v1"]["tags"] == "memory views" and cards["v1"]["state"] == "learning"
    assert cards["v2"]["prompt"] == "Line one\nline two, with comma" and cards["v2"]["state"] == "new"


def test_json_is_one_object_with_reviews_and_cards(store, tmp_path):
    result = tabular.write_json(store, tmp_path / "progress.json")
    data = json.loads(result.files[0].read_text())
    assert data["format"] == "quizapp-export" and data["version"] == tabular.EXPORT_VERSION == 2
    assert list(data) == ["format", "version", "learner", "reviews", "cards"]
    assert [r["rating"] for r in data["reviews"]] == [1, 3]
    assert set(data["reviews"][0]) == set(tabular.REVIEW_FIELDS)
    assert {c["card_id"] for c in data["cards"]} == {"v1", "v2"}
    assert data["cards"][0]["prompt"] == 'What is "x", really?'


def test_an_empty_collection_exports_valid_files(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    with Store.open(f"sqlite:///{tmp_path / 'e.sqlite3'}", settings=Settings()) as empty:
        data = json.loads(tabular.write_json(empty, tmp_path / "e.json").files[0].read_text())
        assert data["reviews"] == [] and data["cards"] == []
        assert tabular.write_csv(empty, tmp_path / "e.csv").reviews == 0


@pytest.mark.parametrize("portable", [False, True], ids=["sqlite-formatted", "python-formatted"])
def test_the_fast_csv_paths_parse_to_the_same_values_as_the_record_path(store, tmp_path, portable):
    from datetime import datetime as dt

    tricky = ['say "hi", then\nleave', "naïve ✓", "", "a,b", '"quoted"', "\\back\\slash"]
    for i, answer in enumerate(tricky):
        store.record_review(
            ("views", "v2"),
            Rating((i % 4) + 1),
            answer=answer,
            correct=None if i == 2 else i % 2 == 0,
            duration_s=1 / 3 + i,
            now=NOW + timedelta(hours=i, microseconds=123456),
        )
    fast_file = tmp_path / "fast.csv"
    with open(fast_file, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(tabular.REVIEW_FIELDS) + "\r\n")
        fh.writelines(tabular.review_csv_lines(store, portable=portable))
    slow_file = tmp_path / "slow.csv"
    with open(slow_file, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(tabular.REVIEW_FIELDS)
        writer.writerows(tabular.review_tuples(store))
    with open(fast_file, newline="", encoding="utf-8") as a, open(slow_file, newline="", encoding="utf-8") as b:
        fast, slow = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert len(fast) == len(slow) == 8
    for f, s in zip(fast, slow, strict=True):
        for name in tabular.REVIEW_FIELDS:
            if name == "reviewed_at":
                assert abs((dt.fromisoformat(f[name]) - dt.fromisoformat(s[name])).total_seconds()) <= 0.001
            elif name in ("duration_s", "interval_days", "stability", "difficulty", "scheduled_days") and s[name]:
                assert float(f[name]) == pytest.approx(float(s[name]), abs=5e-4)
            else:
                assert f[name] == s[name], name
