"""Settings: defaults, JSON round trip, environment overrides, clear errors."""

from __future__ import annotations

import json

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.core import settings as settings_mod
from quizapp.core.settings import Settings, SettingsError


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    for name in ("NEW_PER_DAY", "FUZZ", "LEARNING_STEPS_MINUTES", "DESIRED_RETENTION"):
        monkeypatch.delenv(f"QUIZAPP_{name}", raising=False)
    return tmp_path


def test_defaults_without_a_file():
    s = settings_mod.load()
    assert s.desired_retention == 0.9 and s.leech_threshold == 8 and s.fuzz is True
    assert s.learning_steps_minutes == (1.0, 10.0) and s.fsrs_parameters is None


def test_save_and_load_round_trip(home):
    s = settings_mod.updated(
        Settings(), new_per_day=7, theme="textual-light", fsrs_parameters=tuple(DEFAULT_PARAMETERS)
    )
    path = settings_mod.save(s)
    assert path == home / "settings.json"
    assert settings_mod.load() == s
    assert json.loads(path.read_text())["new_per_day"] == 7


def test_environment_overrides_the_file(monkeypatch):
    settings_mod.save(Settings(new_per_day=7))
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "3")
    monkeypatch.setenv("QUIZAPP_FUZZ", "off")
    monkeypatch.setenv("QUIZAPP_LEARNING_STEPS_MINUTES", "2, 20")
    s = settings_mod.load()
    assert (s.new_per_day, s.fuzz, s.learning_steps_minutes) == (3, False, (2.0, 20.0))


def test_unknown_keys_are_ignored_and_missing_keys_default(home):
    (home / "settings.json").write_text(json.dumps({"new_per_day": 4, "from_a_newer_version": 1}))
    assert settings_mod.load() == Settings(new_per_day=4)


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("{not json", "not readable settings"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"new_per_day": "lots"}), "new_per_day"),
        (json.dumps({"desired_retention": 1.5}), "between 0.7 and 0.99"),
        (json.dumps({"fuzz": "maybe"}), "fuzz"),
        (json.dumps({"fsrs_parameters": [1.0] * 21}), "fsrs_parameters"),
    ],
)
def test_bad_files_are_one_clear_line(home, content, fragment):
    (home / "settings.json").write_text(content)
    with pytest.raises(SettingsError) as err:
        settings_mod.load()
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_updated_validates():
    with pytest.raises(SettingsError, match="leech_threshold"):
        settings_mod.updated(Settings(), leech_threshold=0)


def test_keymap_and_answer_time_cap(home, monkeypatch):
    monkeypatch.delenv("QUIZAPP_KEYMAP", raising=False)
    assert Settings().answer_time_cap_seconds == 60.0 and Settings().keymap == ()
    (home / "settings.json").write_text(json.dumps({"keymap": {"undo": "ctrl+z,u", "bury": "x"},
                                                    "answer_time_cap_seconds": 30}))
    s = settings_mod.load()
    assert dict(s.keymap) == {"undo": "ctrl+z,u", "bury": "x"} and s.answer_time_cap_seconds == 30.0
    hash(s)  # settings stay hashable (the scheduler is cached by them)
    settings_mod.save(s)
    assert json.loads((home / "settings.json").read_text())["keymap"] == {"bury": "x", "undo": "ctrl+z,u"}
    monkeypatch.setenv("QUIZAPP_KEYMAP", "rate-again=j;undo=u")
    assert dict(settings_mod.load().keymap) == {"rate-again": "j", "undo": "u"}
    for bad in ({"keymap": ["undo"]}, {"keymap": {"undo": 3}}, {"answer_time_cap_seconds": 0}):
        monkeypatch.delenv("QUIZAPP_KEYMAP", raising=False)
        (home / "settings.json").write_text(json.dumps(bad))
        with pytest.raises(SettingsError, match="keymap|answer_time_cap_seconds"):
            settings_mod.load()
