"""``quizapp backup`` / ``restore`` / a damaged collection, through the real CLI (Typer's runner)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from quizapp.cli.main import app
from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage import backups
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    return tmp_path


def _reviewed_collection(reviews: int) -> None:
    with Store.open(settings=Settings()) as store:
        store.sync_cards(
            [Deck(id="d", title="D", cards=(Card(deck="d", id="c", kind=Kind.SHAPE, prompt="p", ask="x"),))], NOW
        )
        for i in range(reviews):
            store.record_review(("d", "c"), Rating.GOOD, now=NOW.replace(minute=i))


def test_backup_then_list_then_restore(home):
    runner = CliRunner()
    _reviewed_collection(1)
    made = runner.invoke(app, ["backup"])
    assert made.exit_code == 0, made.output
    name = made.output.strip().rsplit("/", 1)[-1]
    assert (home / "backups" / name).exists()

    _reviewed_collection(3)  # more reviews after the backup
    listed = runner.invoke(app, ["restore"])
    assert listed.exit_code == 0 and name in listed.output

    refused = runner.invoke(app, ["restore", name])
    assert refused.exit_code == 2 and "--yes" in refused.output

    done = runner.invoke(app, ["restore", name, "--yes"])
    assert done.exit_code == 0, done.output
    assert "previous collection is kept" in done.output
    with Store.open(settings=Settings()) as store:
        assert len(store.history(("d", "c"))) == 1
    assert any(b.reason == "pre-restore" for b in backups.list_backups(home / "backups"))


def test_restore_of_an_unknown_backup_is_one_line(home):
    result = CliRunner().invoke(app, ["restore", "nope.sqlite3", "--yes"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "quizapp restore" in result.output


def test_a_damaged_collection_is_one_line_pointing_at_restore(home):
    (home / "quizapp.sqlite3").write_bytes(os.urandom(4096))
    for command in (
        ["backup"],
        ["stats", "--json"],
        ["optimize"],
        ["export", "--format", "csv", "-o", str(home / "x.csv")],
    ):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.output.count("\n") == 1 and "quizapp restore" in result.output, (command, result.output)


def test_no_backups_yet(home):
    result = CliRunner().invoke(app, ["restore"])
    assert result.exit_code == 0 and "no backups" in result.output
