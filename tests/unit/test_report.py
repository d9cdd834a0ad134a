"""The HTML progress report: self-contained, charts present, numbers equal to the stats module's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from quizapp.core import stats
from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.export import report
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class _Collect(HTMLParser):
    """Every start tag with its attributes, and whether the document nests properly."""

    VOID = {"meta", "br", "img", "hr", "input", "link", "line", "rect", "circle", "polyline"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def parse(document: str) -> _Collect:
    parser = _Collect()
    parser.feed(document)
    parser.close()
    return parser


def deck(deck_id: str, n: int) -> Deck:
    return Deck(id=deck_id, title=deck_id, cards=tuple(
        Card(deck=deck_id, id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x") for i in range(n)))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    s = Store.open(f"sqlite:///{tmp_path / 'c.sqlite3'}", settings=Settings(fuzz=False, day_starts_at_hour=0))
    yield s
    s.close()


@pytest.fixture
def studied(store):
    """A collection with reviews on several days, a failed review, and two decks."""
    store.sync_cards([deck("alpha", 3), deck("beta", 2)], NOW)
    store.record_review(("alpha", "c0"), Rating.GOOD, duration_s=12, correct=True, now=NOW - timedelta(days=3))
    store.record_review(("alpha", "c1"), Rating.AGAIN, duration_s=20, correct=False, now=NOW - timedelta(days=3))
    store.record_review(("alpha", "c1"), Rating.GOOD, duration_s=9, correct=True, now=NOW - timedelta(days=1))
    store.record_review(("alpha", "c2"), Rating.EASY, duration_s=4, correct=True, now=NOW)
    return store


def test_the_report_is_self_contained(studied):
    document = report.render_html(stats.compute(studied, NOW), generated=NOW)
    assert document.startswith("<!DOCTYPE html>")
    lowered = document.lower()
    # No URL of any kind, no script, nothing loaded from elsewhere.
    assert "http:" not in lowered and "https:" not in lowered and "//" not in re.sub(r"<style>.*?</style>", "",
                                                                                     lowered, flags=re.S)
    assert "<script" not in lowered and "<link" not in lowered and "src=" not in lowered and "url(" not in lowered
    parsed = parse(document)
    assert parsed.balanced and not parsed.stack


def test_charts_are_present_and_carry_the_stats_numbers(studied):
    result = stats.compute(studied, NOW)
    parsed = parse(report.render_html(result, generated=NOW))
    charts = {a["data-chart"] for tag, a in parsed.tags if tag == "svg"}
    assert charts == {"reviews-per-day", "pass-rate", "forecast"}

    # Reviews per day: one bar per day of the window; the days with reviews carry their counts.
    bars = [a for tag, a in parsed.tags if tag == "g" and "data-passed" in a]
    assert len(bars) == report.HISTORY_DAYS
    drawn = {a["data-label"]: (int(a["data-value"]), int(a["data-passed"])) for a in bars if a["data-value"] != "0"}
    expected = {d.date.strftime("%m-%d"): (d.reviews, d.passed) for d in result.per_day}
    assert drawn == expected == {"03-07": (2, 1), "03-09": (1, 1), "03-10": (1, 1)}
    assert sum(v for v, _ in drawn.values()) == result.reviews

    # Forecast: same numbers, same days.
    forecast = [(a["data-label"], int(a["data-value"])) for tag, a in parsed.tags
                if tag == "rect" and a.get("class") == "bar"]
    assert forecast == [(d.strftime("%m-%d"), n) for d, n in result.forecast]

    # Pass-rate points exist only for days with reviews.
    points = {a["data-label"]: float(a["data-value"]) for tag, a in parsed.tags if tag == "circle"}
    assert points == {"03-07": 0.5, "03-09": 1.0, "03-10": 1.0}


def test_tiles_and_deck_table_match_the_stats(studied):
    result = stats.compute(studied, NOW)
    document = report.render_html(result, generated=NOW)
    for key, value in (("reviews", result.reviews), ("cards", result.cards), ("due-today", result.due_today),
                       ("streak", result.streak_days)):
        assert re.search(rf'data-stat="{key}"><span class="n">{value}</span>', document), key
    parsed = parse(document)
    rows = {a["data-deck"] for tag, a in parsed.tags if tag == "tr" and "data-deck" in a}
    assert rows == {g.name for g in result.decks}
    mastery = [float(a["data-mastery"]) for tag, a in parsed.tags if tag == "td" and "data-mastery" in a]
    assert mastery == pytest.approx([g.mastery for g in result.decks], abs=1e-4)
    assert any(m > 0 for m in mastery)


def test_names_from_the_collection_are_escaped():
    hostile = stats.Stats(reviews=0, cards=1, due_today=0, retention=None, retention_reviews=0, streak_days=0,
                          reviews_today=0, seconds_today=0, seconds_total=0, new=1, learning=0, review=0, mature=0,
                          suspended=0, leeches=0, decks=[stats.GroupStats('<img src=x onerror="alert(1)">', cards=1)])
    document = report.render_html(hostile, generated=NOW, title="<script>")
    assert "<img" not in document and "<script>" not in document
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in document


def test_an_empty_collection_still_renders(store):
    document = report.render_html(stats.compute(store, NOW), generated=NOW)
    assert "n/a" in document and parse(document).balanced


def test_write_report_writes_the_file(studied, tmp_path):
    path = report.write_report(studied, tmp_path / "out" / "progress.html", NOW)
    text = path.read_text(encoding="utf-8")
    assert 'data-chart="reviews-per-day"' in text and not (tmp_path / "out" / "progress.html.tmp").exists()


@pytest.mark.parametrize("value,top", [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (51, 100), (200, 200)])
def test_axis_tops_are_round(value, top):
    assert report._nice_top(value) == top


def test_cli_report_writes_a_file_from_the_collection(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from quizapp.cli.main import app

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    out = tmp_path / "progress.html"
    result = CliRunner().invoke(app, ["report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    document = out.read_text(encoding="utf-8")
    # The bundled decks were registered, so the deck table lists them with their cards, all new.
    parsed = parse(document)
    decks = {a["data-deck"] for tag, a in parsed.tags if tag == "tr" and "data-deck" in a}
    assert "broadcasting" in decks


def test_cli_report_on_a_damaged_collection_is_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from quizapp.cli.main import app

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    (tmp_path / "quizapp.sqlite3").write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(app, ["report", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()
