"""``quizapp study`` / bare ``quizapp``: bad input is one line and exit status 2, before the TUI starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizapp.cli.main import app


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    return tmp_path / "home"


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def test_unknown_deck_is_one_line() -> None:
    result = run("study", "nosuchdeck")
    assert result.exit_code == 2
    assert "nosuchdeck: no deck with this id" in result.output and "Traceback" not in result.output


def test_broken_deck_file_is_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("deck: b\ntitle: B\ncards:\n  - id: a\n    kind: shap\n    ask: x\n")
    result = run("study", str(bad))
    assert result.exit_code == 2
    assert "bad.yaml:5: unknown kind 'shap'" in result.output


def test_damaged_database_is_one_line(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "quizapp.sqlite3").write_text("garbage")
    for args in (("study",), ()):
        result = run(*args)
        assert result.exit_code == 2
        assert "is not a readable quizapp database" in result.output


def test_unreadable_settings_is_one_line(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "settings.json").write_text('{"theme": 3}')
    result = run()
    assert result.exit_code == 2
    assert "settings.json: setting theme has an unreadable value 3" in result.output
