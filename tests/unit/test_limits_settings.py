"""The card limits a user sets (settings file or QUIZAPP_CARD_* variables) reach the engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.core.execution.limits import Limits, user_limits
from quizapp.core.settings import SettingsError


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    for name in list(os.environ):
        if name.startswith("QUIZAPP_CARD_"):
            monkeypatch.delenv(name)
    return tmp_path


def test_defaults_match_the_engines_defaults() -> None:
    assert user_limits() == Limits()


def test_the_settings_file_and_environment_set_the_limits(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "settings.json").write_text(json.dumps({"card_memory_mb": 512, "card_output_kb": 4}))
    monkeypatch.setenv("QUIZAPP_CARD_TIME_LIMIT_SECONDS", "0.5")
    assert user_limits() == Limits(wall_seconds=0.5, memory_mb=512, output_bytes=4096)
    # A command's --timeout wins over the setting.
    assert user_limits(2.0).wall_seconds == 2.0


@pytest.mark.parametrize("value", ["0", "-1", "soon", "100000"])
def test_an_unusable_time_limit_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("QUIZAPP_CARD_TIME_LIMIT_SECONDS", value)
    with pytest.raises(SettingsError, match="card_time_limit_seconds"):
        user_limits()


@pytest.mark.slow  # runs the real worker through the CLI
def test_deck_check_kills_a_card_at_the_users_time_limit(home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "slow.yaml"
    deck.write_text(
        "deck: slow\ntitle: Slow\ncards:\n"
        "  - id: sleeper\n    kind: value\n    setup: import time; time.sleep(30)\n    ask: 1\n"
    )
    env = dict(os.environ, QUIZAPP_HOME=str(home), QUIZAPP_CARD_TIME_LIMIT_SECONDS="1")
    proc = subprocess.run([sys.executable, "-m", "quizapp", "deck", "check", str(deck), "--json"],
                          capture_output=True, text=True, timeout=120, env=env)
    card = json.loads(proc.stdout)["cards"][0]
    assert proc.returncode == 1 and card["status"] == "failed"
    assert "1" in card["reason"] and "time" in card["reason"].lower()
