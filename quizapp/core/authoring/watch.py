"""``quizapp deck check --watch``: re-run a check every time a deck file is saved.

Polling modification times needs no extra dependency and works the same on every filesystem and
editor (editors save by rewriting, renaming or truncating; all of them change the mtime or size).
A change is acted on once the files have been still for ``debounce`` seconds, so an editor that writes
in several steps triggers one check, not three. Both waits are short (20 ms: a ``stat`` of a few files
costs microseconds) so that, with only the changed cards run again, the result of a save is on screen
within 0.2 s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

DECK_SUFFIXES = (".yaml", ".yml")
CLEAR_SCREEN = "\033[2J\033[H"

Snapshot = dict[Path, tuple[int, int] | None]


def watched_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to watch: each file given, and the deck files directly inside each folder given.

    A folder is listed again on every poll (see :func:`snapshot`), so a new deck file in it is noticed.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in DECK_SUFFIXES and p.is_file()))
        else:
            files.append(path)  # even when missing: its appearance is a change
    return files


def snapshot(paths: Iterable[str | Path]) -> Snapshot:
    """(mtime in ns, size) of every watched file; ``None`` for one that does not exist (yet)."""
    state: Snapshot = {}
    for path in watched_files(paths):
        try:
            st = path.stat()
        except OSError:
            state[path] = None
        else:
            state[path] = (st.st_mtime_ns, st.st_size)
    return state


def watch(paths: list[str], run: Callable[[], object], *, interval: float = 0.02, debounce: float = 0.02,
          clear: bool | None = None, out: TextIO | None = None, sleep: Callable[[float], None] | None = None,
          max_runs: int | None = None) -> int:
    """Run ``run()`` now and after every change to ``paths``, until Ctrl-C (or ``max_runs`` runs).

    ``clear`` (default: when ``out`` is a terminal) clears the screen before each run. Returns 0: leaving
    a watch with Ctrl-C is the normal way out, not an error.
    """
    out = out or sys.stdout
    sleep = sleep or time.sleep
    if clear is None:
        clear = out.isatty()
    shown = ", ".join(str(p) for p in paths) or "."
    runs = 0
    try:
        last = snapshot(paths)
        while True:
            if clear:
                out.write(CLEAR_SCREEN)
            out.write(f"[{datetime.now().strftime('%H:%M:%S')}] checking {shown}\n")
            out.flush()
            run()
            runs += 1
            out.write(f"\nwatching {shown} for changes (Ctrl-C to stop)\n")
            out.flush()
            if max_runs is not None and runs >= max_runs:
                return 0
            last = _wait_for_change(paths, last, interval=interval, debounce=debounce, sleep=sleep)
    except KeyboardInterrupt:
        out.write("\nstopped watching\n")
        out.flush()
        return 0


def _wait_for_change(paths: list[str], last: Snapshot, *, interval: float, debounce: float,
                     sleep: Callable[[float], None]) -> Snapshot:
    """Block until the files differ from ``last`` and then stay unchanged for ``debounce`` seconds."""
    while True:
        sleep(interval)
        current = snapshot(paths)
        if current == last:
            continue
        while True:  # settle: wait until a poll sees the same state twice
            sleep(debounce)
            settled = snapshot(paths)
            if settled == current:
                return settled
            current = settled


def watch_targets(names: Iterable[str]) -> list[str]:
    """What ``deck check --watch NAME...`` watches: the names that are files or folders; with none (deck
    ids only, or no names at all), the user's decks folder."""
    from quizapp.core import locations

    found = [n for n in names if Path(n).expanduser().exists()]
    return found or [str(locations.user_decks_dir())]


def watch_check(names: list[str], run_check: Callable[[], object], **options: object) -> int:
    """The ``deck check --watch`` loop: ``run_check`` now and on every save of the decks in ``names``."""
    return watch(watch_targets(names), run_check, **options)  # type: ignore[arg-type]
