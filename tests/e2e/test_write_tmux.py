"""End to end in a real terminal: a write card answered wrongly, then rightly, with the real engine.

tmux runs ``quizapp study DECK``; the test types code into the editor like a person (Enter between
lines, Ctrl+S to submit), reads the verdicts with ``capture-pane`` and checks the stored reviews.
"""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_study_tmux import TIMEOUT, Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

DECK = """\
deck: e2e-write
title: Writing end to end
cards:
  - id: running-total
    kind: write
    prompt: Return the running total of `x` without cumsum or loops.
    setup: x = torch.arange(1, $n + 1)
    params: {n: [3, 5]}
    solution: torch.tril(torch.ones($n, $n, dtype=x.dtype)) @ x
    forbid: [cumsum, for, while]
    explain: A lower-triangular matrix of ones adds up each prefix.
"""


def test_a_write_card_answered_wrongly_then_rightly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    deck = tmp_path / "e2e-write.yaml"
    deck.write_text(DECK)
    status = tmp_path / "status"
    command = (f"env QUIZAPP_HOME={shlex.quote(str(home))} TERM=xterm-256color "
               f"{shlex.quote(sys.executable)} -m quizapp study {shlex.quote(str(deck))}; "
               f"echo $? > {shlex.quote(str(status))}")
    term = Terminal(command)
    try:
        term.wait_for("Return the running total")
        term.wait_for("Ctrl+S: submit")
        # Wrong: right on no variant.
        term.type("y = x * 2")
        term.keys("Enter")
        term.type("y")
        term.keys("C-s")
        term.wait_for("Incorrect")
        screen = term.wait_for("Reference solution")
        assert "With n=3: element [0] is 2, wanted 1" in screen, screen
        term.keys("1")
        # The card comes back (its learning step is within the session's look-ahead), last try greyed.
        term.wait_for("Your last attempt (wrong):")
        term.type("m = torch.arange(len(x))[:, None] >= torch.arange(len(x))")
        term.keys("Enter")
        term.type("(m * x).sum(1)")
        term.keys("C-s")
        term.wait_for("Correct")
        term.keys("3")
        # Leave: Esc leaves the editor if the card is shown again, then the session; quit from home.
        deadline = time.monotonic() + TIMEOUT
        while "All decks" not in term.screen() and time.monotonic() < deadline:
            term.keys("Escape")
            time.sleep(0.5)
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
            "SELECT c.card_id, r.rating, r.answer, r.correct FROM reviews r JOIN cards c ON c.id = r.card"
            " ORDER BY r.reviewed_at, r.id"  # review ids are UUIDs: time is the order
        ).fetchall()
    assert stored == [
        ("running-total", 1, "y = x * 2\ny", 0),
        ("running-total", 3, "m = torch.arange(len(x))[:, None] >= torch.arange(len(x))\n(m * x).sum(1)", 1),
    ]
