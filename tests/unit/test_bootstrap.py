"""The composition root (``quizapp.bootstrap.Root``): built once from given paths and settings, it never
looks at ``os.environ`` again, and everything it builds uses what it was given."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.bootstrap import Root
from quizapp.core import settings as settings_mod
from quizapp.core.settings import Settings


def test_a_root_for_paths_uses_only_what_it_was_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    root = Root.for_paths(home, learner="ann", settings=Settings(new_per_day=7))
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("QUIZAPP_HOME", str(elsewhere))
    monkeypatch.setenv("QUIZAPP_DB", f"sqlite:///{elsewhere / 'wrong.sqlite3'}")
    monkeypatch.setenv("QUIZAPP_LEARNER", "mallory")
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "1")

    with root.open_store(backups=False) as store:
        assert store.learner == "ann"
        assert store.settings.new_per_day == 7
        assert store.db_file is not None and store.db_file.parent == home
    assert not elsewhere.exists()  # no device id, database or backup folder there
    assert root.limits().wall_seconds == Settings().card_time_limit_seconds


def test_from_environment_reads_the_environment_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("QUIZAPP_HOME", str(home))
    monkeypatch.setenv("QUIZAPP_LEARNER", "ann")
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "5")
    root = Root.from_environment()
    monkeypatch.setenv("QUIZAPP_LEARNER", "mallory")  # too late: the root has read its environment
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "1")
    monkeypatch.setenv("QUIZAPP_DB", f"sqlite:///{tmp_path / 'wrong.sqlite3'}")
    assert root.paths.learner == "ann" and root.paths.home == home
    assert root.settings.new_per_day == 5
    with root.open_store(backups=False) as store:
        assert store.learner == "ann" and store.db_file == home / "quizapp.sqlite3"
    assert not (tmp_path / "wrong.sqlite3").exists()


def test_explicit_values_win_over_the_environment(tmp_path: Path) -> None:
    environ = {"QUIZAPP_HOME": str(tmp_path), "QUIZAPP_DB": "sqlite:///nope", "QUIZAPP_LEARNER": "env"}
    root = Root.from_environment(db=f"sqlite:///{tmp_path / 'given.sqlite3'}", learner="given", environ=environ)
    assert root.paths.db_url.endswith("given.sqlite3") and root.paths.learner == "given"
    assert Root.from_environment(environ=environ).paths.learner == "env"
    assert Root.from_environment(learner="  ", environ=environ).paths.learner == "env"  # blank is no name


def test_settings_are_loaded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path | None] = []
    real = settings_mod.load

    def counting(path: Path | None = None, **kw: object) -> Settings:
        calls.append(path)
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(settings_mod, "load", counting)
    root = Root.from_environment(environ={"QUIZAPP_HOME": str(tmp_path)})
    assert root.settings.new_per_day == Settings().new_per_day
    root.limits()
    with root.open_store(backups=False):
        pass
    assert calls == [tmp_path / "settings.json"]


def test_the_app_is_built_on_the_roots_settings_and_reports_saves(tmp_path: Path) -> None:
    from quizapp.core.decks.registry import Catalog

    root = Root.for_paths(tmp_path, settings=Settings(new_per_day=3))
    with root.open_store(backups=False) as store:
        app = root.make_app(store=store, engine=None, catalog=Catalog())
        assert app.settings.current is root.settings
        app.settings.save(new_per_day=9)
        assert root.settings.new_per_day == 9 and store.settings.new_per_day == 9
        assert settings_mod.load(tmp_path / "settings.json", env=False).new_per_day == 9
