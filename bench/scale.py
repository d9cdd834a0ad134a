"""Scale: the same commands on catalogues of ~300 (the bundled decks), +10,000 and +100,000 cards.

For each size, in one run: launch to first screen and launch to a usable home screen (``quizapp`` in
an 80x24 tmux pane, polled every 10 ms: first the header, then the "All decks" row with its counts,
which the collection's deck summaries fill before the catalogue has loaded),
``quizapp stats``, ``quizapp deck list``, and Browse keystroke-to-results (a word typed into the
search box until its match count is on screen, once the background load is over). Each with a cold deck cache (deleted first: the
state after an upgrade or a cleared cache; the database already holds the cards) and a warm one.
Goal: at 100k every figure within 2x of the ~300-card one, first screen within 1.2x.
Generated decks: bench/catalogue.py, 2,000 cards per file.

``python -m bench scale [--small]`` (small: +10k only).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.catalogue import write_catalogue

POLL = 0.01
FIRST_SCREEN = "learn PyTorch"  # the header's subtitle: the first paint
# The table's first row with its four numbers (the footer's "a All decks" key has none): loaded.
USABLE = re.compile(r"All decks\s+\d+\s+\d+\s+\d+\s+\d+")
QUERY = "masked_fill"
LOADING = "Loading decks"  # the home screen's progress row, shown while the catalogue loads
GOAL_RATIO, GOAL_FIRST = 2.0, 1.2


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "QUIZAPP_HOME": str(home), "QUIZAPP_CACHE": str(home / "cache"), "TERM": "xterm-256color"}


def _screen(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def _wait(name: str, text: str | re.Pattern[str], started: float, timeout: float = 300.0) -> float:
    while time.perf_counter() - started < timeout:
        screen = _screen(name)
        if (text.search(screen) if isinstance(text, re.Pattern) else text in screen):
            return time.perf_counter() - started
        time.sleep(POLL)
    raise RuntimeError(f"{text!r} did not appear within {timeout:.0f} s:\n{_screen(name)}")


def _wait_gone(name: str, text: str, started: float, timeout: float = 300.0) -> float:
    while time.perf_counter() - started < timeout:
        if text not in _screen(name):
            return time.perf_counter() - started
        time.sleep(POLL)
    raise RuntimeError(f"{text!r} still on screen after {timeout:.0f} s:\n{_screen(name)}")


def _expected_subtitle(home: Path, query: str) -> str:
    from quizapp.core.storage.store import Store
    from quizapp.tui.screens.browse import PAGE

    with Store.open(f"sqlite:///{home / 'quizapp.sqlite3'}", backups=False) as store:
        total = store.search_count(query)
    return f"{PAGE:,} of {total:,}" if total > PAGE else f"{total:,} card{'s' if total != 1 else ''}"


def _launch(home: Path, *, browse: str | None = None) -> tuple[float, float, float | None]:
    """(first screen, usable home, Browse keystroke-to-results or None), in seconds."""
    name = f"quizapp-scale-{uuid.uuid4().hex[:8]}"
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in _env(home).items() if k.startswith("QUIZAPP_") or k == "TERM")
    command = f"env {env} {shlex.quote(sys.executable)} -m quizapp"
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", command], check=True)
    try:
        first = _wait(name, FIRST_SCREEN, started)
        usable = _wait(name, USABLE, started)
        typed = None
        if browse is not None:
            # The home is usable from the collection's summaries before the decks are loaded; Browse is
            # timed once that background load is over (while it runs, it competes for the interpreter).
            _wait_gone(name, LOADING, started)
            subprocess.run(["tmux", "send-keys", "-t", name, "b"], check=True)
            _wait(name, "search:", time.perf_counter())  # the (empty) search box's placeholder
            time.sleep(0.5)  # the first (empty) search lands
            sent = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", name, "-l", QUERY], check=True)
            typed = _wait(name, browse, sent)
        return first, usable, typed
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        time.sleep(0.3)


def _command(home: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "quizapp", *args], env=_env(home), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _fill_cache(home: Path) -> None:
    """Parse every deck into the deck cache (``deck list`` no longer does: it answers from the collection)."""
    subprocess.run([sys.executable, "-c", "from quizapp.core.decks.registry import load_catalog; load_catalog()"],
                   env=_env(home), check=True)


def _clear_cache(home: Path) -> None:
    shutil.rmtree(home / "cache", ignore_errors=True)


def _measure(home: Path, runs: int) -> dict[str, float]:
    figures: dict[str, list[float]] = {}

    def add(key: str, value: float | None) -> None:
        if value is not None:
            figures.setdefault(key, []).append(value)

    expected = _expected_subtitle(home, QUERY)
    for _run in range(runs):
        _clear_cache(home)
        first, usable, _ = _launch(home)
        add("first screen, cold", first)
        add("usable home, cold", usable)
        _clear_cache(home)
        add("deck list, cold", _command(home, "deck", "list"))
        _clear_cache(home)
        add("stats, cold", _command(home, "stats"))
        _fill_cache(home)  # neither stats nor deck list needs the cache, so neither filled it
        first, usable, typed = _launch(home, browse=expected)
        add("first screen, warm", first)
        add("usable home, warm", usable)
        add("Browse keystroke to results", typed)
        add("deck list, warm", _command(home, "deck", "list"))
        add("stats, warm", _command(home, "stats"))
    return {k: statistics.median(v) for k, v in figures.items()}


def _prepare(root: Path, cards: int) -> Path:
    home = root / f"home-{cards}"
    if cards:
        write_catalogue(home / "decks", cards, max(1, cards // 2000))
    _command(home, "deck", "list")  # creates nothing but caches; then the database with every card:
    _command(home, "stats")
    return home


def run(small: bool = False) -> str:
    if shutil.which("tmux") is None:
        return "## Scale\n\nSkipped: tmux is not installed.\n"
    sizes = (0, 10_000) if small else (0, 10_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-scale-") as tmp:
        homes = {n: _prepare(Path(tmp), n) for n in sizes}
        results = {n: _measure(homes[n], 1 if n >= 100_000 else 2) for n in sizes}
    base = results[0]
    rows = []
    for key in base:
        cells = []
        for n in sizes:
            value = results[n].get(key)
            ratio = value / base[key] if value and base[key] else float("nan")
            cells.append(f"{value:.2f} s" + ("" if n == 0 else f" ({ratio:.2f}x)"))
        top = results[sizes[-1]].get(key, float("nan")) / base[key]
        goal = GOAL_FIRST if key.startswith("first screen") else GOAL_RATIO
        rows.append(f"| {key} | {' | '.join(cells)} | <= {goal}x {'(met)' if top <= goal else '(NOT met)'} |")
    header = " | ".join(["~300 (bundled)"] + [f"+{n:,}" for n in sizes[1:]])
    return "\n".join([
        "## Scale: ~300 vs +10,000 vs +100,000 cards",
        "",
        "Medians (two runs; one at 100k); ratios against the ~300-card figure of the same run. Cold: the deck "
        "cache deleted just before (the database already holds the cards).",
        "",
        f"| measure | {header} | goal at the largest |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | --- |",
        *rows,
        "",
    ])


if __name__ == "__main__":
    print(run(small="--small" in sys.argv[1:]))
