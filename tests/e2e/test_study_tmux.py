"""End to end in a real terminal: tmux runs ``quizapp study DECK`` with the real engine, grader and store.

The test types like a person (a concept note once across two cards of it, a right answer, the try-it
pane running an edited snippet, a pasted multi-line tensor print, "I don't know", a bury undone, a
recall card revealed, quit), reading the screen with ``capture-pane``, then checks in the database
that every review was stored.
"""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

DECK = """\
deck: e2e
title: End to end
concepts:
  stretching: |
    NOTE-MARKER: a size-1 dimension stretches to match the other shape.
cards:
  - id: shape-add
    kind: shape
    concept: stretching
    setup: |
      x = torch.zeros(2, 1)
    ask: x + torch.zeros(3)
  - id: shape-mul
    kind: shape
    concept: stretching
    setup: |
      x = torch.zeros(2, 1)
    ask: x * torch.zeros(4)
  - id: pasted
    kind: value
    ask: torch.tensor([[11, 22, 33], [14, 25, 36]])
  - id: dtype-mean
    kind: dtype
    ask: torch.arange(3).float().mean()
    explain: float() gives float32 and mean keeps it.
  - id: what-stride
    kind: recall
    prompt: What is a stride?
    answer: How many elements to skip to step along a dimension.
"""

TIMEOUT = 60.0  # generous: the worker imports torch while other test runs share the two cores


class Terminal:
    """A session of its own tmux server (``-S``: its own socket, so tests running side by side never
    race to start or share one; removed by :meth:`kill`) with no configuration file (``-f /dev/null``:
    not the developer's)."""

    def __init__(self, command: str) -> None:
        self.name = f"quizapp-e2e-{uuid.uuid4().hex[:8]}"
        self.socket = Path(tempfile.gettempdir()) / f"{self.name}.sock"
        self.tmux = ["tmux", "-S", str(self.socket), "-f", "/dev/null"]
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", command],
                       check=True)
        subprocess.run([*self.tmux, "set-option", "-t", self.name, "remain-on-exit", "on"], check=True)

    def screen(self) -> str:
        proc = subprocess.run([*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return proc.stdout

    def alive(self) -> bool:
        return subprocess.run([*self.tmux, "has-session", "-t", self.name], capture_output=True).returncode == 0

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)

    def paste(self, text: str) -> None:
        """Paste as a terminal does (bracketed paste, which the app asks for), newlines and all."""
        buffer = f"e2e-{uuid.uuid4().hex[:6]}"
        subprocess.run([*self.tmux, "set-buffer", "-b", buffer, text], check=True)
        subprocess.run([*self.tmux, "paste-buffer", "-p", "-d", "-b", buffer, "-t", self.name], check=True)

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
        self.socket.unlink(missing_ok=True)


def test_study_in_a_real_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    deck = tmp_path / "e2e.yaml"
    deck.write_text(DECK)
    # Textual draws on stderr, so it is not redirected; the exit status (non-zero after a crash) goes to
    # a file, since the terminal may be cleared when the app leaves its alternate screen.
    status = tmp_path / "status"
    command = (f"env QUIZAPP_HOME={shlex.quote(str(home))} TERM=xterm-256color "
               f"{shlex.quote(sys.executable)} -m quizapp study {shlex.quote(str(deck))}; "
               f"echo $? > {shlex.quote(str(status))}")
    term = Terminal(command)
    try:
        # A new card of a concept never seen: its note first, once.
        term.wait_for("NOTE-MARKER")
        term.keys("Enter")
        term.wait_for("What is the shape of")
        term.type("2x3")
        term.keys("Enter")
        screen = term.wait_for("Correct")
        assert "(2, 3)" in screen and "Again ·" in screen
        term.keys("3")
        # The next new card of the same concept: straight to its question, no note again.
        screen = term.wait_for("x * torch.zeros(4)")
        assert "NOTE-MARKER" not in screen
        term.type("2x4")
        term.keys("Enter")
        term.wait_for("Correct")
        # Try it: edit the snippet and run it in the sandbox, twice; nothing is recorded.
        term.keys("t")
        term.wait_for("Try it: edit the code")
        term.type("print('EDITED-' + 'RUN')")
        term.keys("Enter")  # a new line in the editor, above the snippet
        term.keys("C-r")
        screen = term.wait_for("EDITED-RUN")
        assert "(2, 4)" in screen or "tensor(" in screen
        term.keys("Escape")
        term.wait_for("Again ·")
        term.keys("3")
        # A pasted multi-line tensor print, as PyTorch prints it.
        term.wait_for("What does")
        term.paste("tensor([[11, 22, 33],\n        [14, 25, 36]])")
        term.wait_for("[14, 25, 36]])")
        term.keys("Enter")
        screen = term.wait_for("Correct")
        term.keys("3")
        # I don't know: the outcome, and Again recorded.
        term.wait_for("What is the dtype of")
        term.type("?")
        term.keys("Enter")
        screen = term.wait_for("Not known: recorded as Again")
        assert "torch.float32" in screen
        term.keys("Enter")
        # Bury the recall card, then undo the bury: it comes back.
        term.wait_for("What is a stride?")
        term.keys("C-b")
        term.wait_for("Buried what-stride")
        term.keys("C-z")
        term.wait_for("Unburied e2e/what-stride")
        term.wait_for("What is a stride?")
        term.keys("Space")
        term.wait_for("How many elements to skip")
        term.keys("4")
        # Cards in learning come back within the learn-ahead window; leave, then quit from home.
        term.wait_for("What is the")
        term.keys("Escape")
        term.wait_for("All decks")
        term.keys("q")
        deadline = time.monotonic() + TIMEOUT
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        screen = term.screen()
    finally:
        term.kill()
    assert status.exists(), f"quizapp did not exit; the screen shows:\n{screen}"
    assert status.read_text().strip() == "0"

    with sqlite3.connect(home / "quizapp.sqlite3") as db:
        stored = db.execute(
            "SELECT c.card_id, r.rating, r.answer, r.correct FROM reviews r JOIN cards c ON c.id = r.card ORDER BY r.reviewed_at, r.id"
        ).fetchall()
    assert stored == [
        ("shape-add", 3, "2x3", 1),
        ("shape-mul", 3, "2x4", 1),
        ("pasted", 3, "tensor([[11, 22, 33], [14, 25, 36]])", 1),
        ("dtype-mean", 1, "?", 0),
        ("what-stride", 4, "", None),
    ]
    with sqlite3.connect(home / "quizapp.sqlite3") as db:
        [(buried,)] = db.execute("SELECT s.buried_until FROM card_states s JOIN cards c ON c.id = s.card WHERE c.card_id = 'what-stride'").fetchall()
    assert buried is None  # the bury was undone
    with sqlite3.connect(home / "quizapp.sqlite3") as db:
        seen = {row[0] for row in db.execute("SELECT concept FROM concepts_seen")}
    assert "stretching" in seen
