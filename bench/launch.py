"""Launch to first card: ``quizapp study DECK`` in a real terminal (tmux) against a bare ``import torch``.

The app must show its first card without waiting for torch (the worker warms in the background), so
the goal is launch-to-first-card <= 0.8x the time of ``python -c "import torch"``, measured in the
same run, interleaved, medians of several runs.

How: tmux starts the command in an 80x24 pane and ``capture-pane`` is polled every 10 ms until the
card's question is on screen (the whole path a user waits for: Python start, CLI, deck loading,
database, Textual's first paint). The bench also reports, for information, how long after launch the
first answer is graded (that one does wait for the worker's torch import).
"""

from __future__ import annotations

import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

DECK = """\
deck: bench-launch
title: Launch benchmark
cards:
  - id: first
    kind: shape
    ask: torch.zeros(2, 3)
"""
QUESTION = "What is the shape of"
GOAL = 0.8
POLL = 0.01


def _import_torch_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


def _screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def _wait(name: str, text: str, started: float, timeout: float = 60.0) -> float:
    while time.perf_counter() - started < timeout:
        if text in _screen(name):
            return time.perf_counter() - started
        time.sleep(POLL)
    raise RuntimeError(f"{text!r} did not appear within {timeout:.0f} s:\n{_screen(name)}")


def _launch_seconds(home: Path, deck: Path, *, grade: bool) -> tuple[float, float | None]:
    """(seconds to the first card on screen, seconds to its verdict or None)."""
    name = f"quizapp-bench-{uuid.uuid4().hex[:8]}"
    command = (f"env QUIZAPP_HOME={shlex.quote(str(home))} TERM=xterm-256color "
               f"{shlex.quote(sys.executable)} -m quizapp study {shlex.quote(str(deck))}")
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", command], check=True)
    try:
        first = _wait(name, QUESTION, started)
        verdict = None
        if grade:
            subprocess.run(["tmux", "send-keys", "-t", name, "-l", "2x3"], check=True)
            subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], check=True)
            verdict = _wait(name, "Correct", started)
        return first, verdict
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        time.sleep(0.3)  # let the killed app's worker go before the next measurement


def run(small: bool = False) -> str:
    if shutil.which("tmux") is None:
        return "## Launch to first card\n\nSkipped: tmux is not installed.\n"
    runs = 3 if small else 7
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-launch-") as tmp:
        home, deck = Path(tmp) / "home", Path(tmp) / "deck.yaml"
        deck.write_text(DECK)
        _launch_seconds(home, deck, grade=False)  # creates the database; caches bytecode
        _import_torch_seconds()
        torch_times, first_times, verdict_times = [], [], []
        for i in range(runs):  # interleaved, so load from elsewhere hits both alike
            torch_times.append(_import_torch_seconds())
            first, verdict = _launch_seconds(home, deck, grade=i % 2 == 0)
            first_times.append(first)
            if verdict is not None:
                verdict_times.append(verdict)
    base = statistics.median(torch_times)
    first = statistics.median(first_times)
    ratio = first / base
    verdict = statistics.median(verdict_times)
    verdict_line = f"| launch to first verdict (waits for the worker's torch) | {verdict:.2f} s | {verdict / base:.2f}x | - |"
    return "\n".join([
        "## Launch to first card",
        "",
        f"Medians of {runs} interleaved runs; `quizapp study` in an 80x24 tmux pane, polled every "
        f"{POLL * 1000:.0f} ms.",
        "",
        "| measure | time | vs `import torch` | goal |",
        "| --- | --- | --- | --- |",
        f"| baseline: `python -c \"import torch\"` | {base:.2f} s | 1.00x | |",
        f"| launch to first card on screen | {first:.2f} s | {ratio:.2f}x | <= {GOAL}x "
        f"{'(met)' if ratio <= GOAL else '(NOT met)'} |",
        verdict_line,
        "",
    ])


if __name__ == "__main__":
    print(run(small="--small" in sys.argv[1:]))
