"""``deck check --watch``: a check on start and after each save, debounced, Ctrl-C ends it cleanly.

The loop's ``sleep`` is replaced by a script of what happens to the files between polls, so the tests
are exact and never wait on the clock.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from typer.testing import CliRunner

from quizapp.core.authoring import watch


class Script:
    """A stand-in for time.sleep: the n-th call runs the n-th action (then stops the loop with Ctrl-C)."""

    def __init__(self, *actions):
        self.actions = list(actions)
        self.calls = 0

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if not self.actions:
            raise KeyboardInterrupt
        action = self.actions.pop(0)
        if action is not None:
            action()


def save(path: Path, text: str):
    def action() -> None:
        path.write_text(text)
        # Make the change visible even on filesystems with coarse timestamps.
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    return action


def test_checks_at_start_and_once_per_settled_save(tmp_path):
    deck = tmp_path / "d.yaml"
    deck.write_text("one")
    runs = []
    out = io.StringIO()
    script = Script(
        None, None,                # two quiet polls: no check
        save(deck, "two"),         # a save ...
        save(deck, "two, still"),  # ... still being written during the debounce
        None,                      # settled: one check
        None,                      # quiet poll
        save(deck, "three"),       # another save
        None,                      # settled: a check
    )
    status = watch.watch([str(deck)], lambda: runs.append(deck.read_text()), out=out, clear=True, sleep=script)
    assert status == 0
    assert runs == ["one", "two, still", "three"]
    text = out.getvalue()
    assert text.count(watch.CLEAR_SCREEN) == 3
    assert text.endswith("stopped watching\n")
    assert f"watching {deck} for changes (Ctrl-C to stop)" in text


def test_a_new_file_in_a_watched_folder_triggers_a_check(tmp_path):
    (tmp_path / "a.yaml").write_text("a")
    (tmp_path / "notes.txt").write_text("not a deck")
    runs = []
    script = Script(save(tmp_path / "notes.txt", "changed"), None, save(tmp_path / "b.yml", "b"), None)
    watch.watch([str(tmp_path)], lambda: runs.append(1), out=io.StringIO(), sleep=script)
    assert len(runs) == 2  # start, then the new deck file; the .txt file is not watched


def test_a_deleted_file_is_a_change_too(tmp_path):
    deck = tmp_path / "d.yaml"
    deck.write_text("x")
    runs = []
    script = Script(deck.unlink, None)
    watch.watch([str(deck)], lambda: runs.append(deck.exists()), out=io.StringIO(), sleep=script)
    assert runs == [True, False]


def test_ctrl_c_during_a_check_ends_cleanly(tmp_path):
    def interrupted() -> None:
        raise KeyboardInterrupt

    out = io.StringIO()
    assert watch.watch([str(tmp_path)], interrupted, out=out, sleep=Script()) == 0
    assert "stopped watching" in out.getvalue()


def test_no_clearing_when_not_a_terminal(tmp_path):
    out = io.StringIO()
    watch.watch([str(tmp_path)], lambda: None, out=out, max_runs=1)
    assert watch.CLEAR_SCREEN not in out.getvalue()


def test_targets_are_the_paths_given_or_the_users_decks_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    (tmp_path / "x.yaml").write_text("x")
    assert watch.watch_targets([str(tmp_path / "x.yaml"), "broadcasting"]) == [str(tmp_path / "x.yaml")]
    assert watch.watch_targets(["broadcasting"]) == [str(tmp_path / "decks")]


def test_check_has_a_watch_flag(tmp_path, monkeypatch):
    """The CLI wiring: --watch runs the same check as `deck check`, in the loop, on one engine."""
    from types import SimpleNamespace

    from quizapp.cli import deck as deck_cli
    from quizapp.cli.main import app
    from quizapp.core.execution import engine as engine_mod

    class IdleEngine:  # no worker is needed: run_check is replaced below
        def __init__(self, *args):
            pass

        def start(self):  # started at once, while the preload list is in its environment
            return self

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.setattr(engine_mod, "Engine", IdleEngine)
    calls = []
    monkeypatch.setattr(deck_cli, "run_check", lambda paths, **kw: calls.append((list(paths), kw)) or 0)
    monkeypatch.setattr(watch, "time", SimpleNamespace(sleep=Script(save(tmp_path / "d.yaml", "y"), None)))
    (tmp_path / "d.yaml").write_text("x")
    result = CliRunner().invoke(app, ["deck", "check", "--watch", str(tmp_path / "d.yaml")])
    assert result.exit_code == 0, result.output
    assert [paths for paths, _ in calls] == [[str(tmp_path / "d.yaml")]] * 2
    engines = [kw["engine"] for _, kw in calls]
    assert isinstance(engines[0], IdleEngine) and engines[0] is engines[1]  # one engine serves every run
    assert "stopped watching" in result.output
