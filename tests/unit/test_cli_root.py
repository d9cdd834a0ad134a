"""The root of the CLI: ``--db`` / ``--learner`` reach the store as arguments (os.environ untouched), help
without type names, shell completion, ``--verbose`` and the log file, and uncaught errors."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from quizapp.cli import collection
from quizapp.cli.main import app, main
from quizapp.core import logs
from quizapp.core.storage.store import Store


@pytest.fixture(autouse=True)
def _close_the_log() -> Iterator[None]:
    yield
    logs.reset()  # each test's log file is its own; nothing stays open between tests


def test_db_and_learner_reach_the_store_without_touching_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real_open = Store.open.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Store], url: str | None = None, **kw: Any) -> Store:
        seen.append({"url": url, "learner": kw.get("learner"), "env_db": os.environ.get("QUIZAPP_DB"),
                     "env_learner": os.environ.get("QUIZAPP_LEARNER")})
        return real_open(cls, url, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(Store, "open", classmethod(spy))
    db = tmp_path / "given.sqlite3"
    before = dict(os.environ)
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "--learner", "bob", "learners"])
    assert result.exit_code == 0, result.output
    assert "* bob" in result.output
    assert dict(os.environ) == before
    assert seen and all(s["url"] == f"sqlite:///{db}" and s["learner"] == "bob" for s in seen)
    assert all(s["env_db"] is None and s["env_learner"] is None for s in seen)  # not passed through env
    assert db.exists()


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, (*path, name))


# Typer's <bool>, <str>, <list[str]>, <int range>..., and Click's TEXT, INTEGER... (not prose such as
# "<decks folder>/<deck id>.yaml")
TYPE_NAMES = re.compile(r"<(?:bool|str|int|float|Path|datetime|list\[[^>]*\]|[a-z]+ range)>|\b(?:TEXT|INTEGER|FLOAT|BOOLEAN)\b")


@pytest.mark.parametrize("command", list(_commands(typer.main.get_command(app))), ids=" ".join)
def test_help_has_no_type_names(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    found = TYPE_NAMES.findall(result.output)
    assert not found, f"quizapp {' '.join(command)} --help shows type names {found}:\n{result.output}"


def test_help_names_values_for_people() -> None:
    shown = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    assert re.search(r"--db +URL", shown) and re.search(r"--learner +NAME", shown)
    export = CliRunner().invoke(app, ["export", "--help"], terminal_width=200).output
    assert "csv|json|apkg" in export and re.search(r"--output +-o +FILE", export)


def test_shell_completion_is_on() -> None:
    shown = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    assert "--install-completion" in shown and "--show-completion" in shown
    script = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert script.exit_code == 0 and "_quizapp_completion" in script.output


def test_report_sits_with_the_progress_commands() -> None:
    from quizapp.cli import progress

    assert hasattr(progress, "report")
    names = list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert names.index("report") == names.index("restore") + 1


# ------------------------------------------------------------------------------------------ logging


def test_the_log_file_records_the_run_but_not_the_learner(isolated_environment: Path) -> None:
    result = CliRunner().invoke(app, ["--learner", "secretive-sam", "learners"])
    assert result.exit_code == 0, result.output
    text = (isolated_environment / "logs" / "quizapp.log").read_text()
    assert "command: learners" in text and "Python" in text
    assert "secretive-sam" not in text
    assert "DEBUG" not in text  # not verbose: no detail


def test_verbose_raises_the_level_and_echoes_to_stderr(isolated_environment: Path) -> None:
    result = CliRunner().invoke(app, ["--verbose", "learners"])
    assert result.exit_code == 0, result.output
    assert "quizapp: DEBUG:" in result.stderr and "quizapp: INFO:" in result.stderr
    assert "DEBUG" in (isolated_environment / "logs" / "quizapp.log").read_text()
    assert logs.log.level == logging.DEBUG


def test_database_passwords_never_reach_the_log() -> None:
    assert logs.redact("db postgresql://ann:s3cret@host:5432/q and sqlite:///x") == \
        "db postgresql://ann:***@host:5432/q and sqlite:///x"
    assert "s3cret" not in logs.redact("mysql+pymysql://u:s3cret@h/d")


def test_a_log_folder_that_cannot_be_written_costs_one_warning(isolated_environment: Path) -> None:
    (isolated_environment / "logs").write_text("a file where the folder should be")
    result = CliRunner().invoke(app, ["learners"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "log file" in warnings[0]


def test_a_log_file_that_fails_later_stops_quietly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup = logs.setup(tmp_path)
    assert setup.path == tmp_path / "quizapp.log"
    handler = next(h for h in logs.log.handlers if isinstance(h, logging.FileHandler))

    class Full:
        def write(self, _text: str) -> None:
            raise OSError(28, "No space left on device")

        def flush(self) -> None:
            pass

        def close(self) -> None:
            pass

    handler.stream.close()
    handler.stream = Full()  # type: ignore[assignment]
    logs.log.error("first")
    logs.log.error("second")
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and "Traceback" not in err
    assert logs.log_file() is None


def test_an_uncaught_error_is_one_line_and_its_traceback_is_in_the_log(
        isolated_environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(**_kw: object) -> Store:
        raise RuntimeError("boom")

    monkeypatch.setattr(collection, "open_store", broken)
    monkeypatch.setattr(sys, "argv", ["quizapp", "learners"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "quizapp: error: RuntimeError: boom"
    log_file = isolated_environment / "logs" / "quizapp.log"
    assert str(log_file) in lines[1] and len(lines) == 2
    text = log_file.read_text()
    assert "Traceback" in text and "RuntimeError: boom" in text
