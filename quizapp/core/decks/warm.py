"""Refilling the parsed-deck cache in a child process, so parsing never competes with a front end.

Parsing is pure Python: done in a thread of the TUI (a minute for a cold 100,000-card catalogue), it
holds the interpreter lock most of the time and every keystroke waits for it (Browse took seconds to
answer meanwhile). The decks the collection already summarised (see ``registry.DeckIndex``) are
instead parsed here, in ``python -m quizapp.core.decks.warm``, at a lower priority, on the other
core; the front end then loads them from the cache. Best effort: if the child cannot run or dies,
the caller's own load parses whatever the cache still lacks, as it always did.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from quizapp.core.decks.cache import cached_summary, load_deck_cached
from quizapp.core.decks.model import DeckLoadError


def fill_cache(files: Sequence[tuple[Path, bool]], on_progress: Callable[[int, int], None] | None = None) -> bool:
    """Parse ``files`` ((path, is_bundled)) into the deck cache in a child process; True when it finished.

    Files the cache already has are left out (no child at all when it has every one: the usual launch).
    ``on_progress(done, total)`` follows the child's progress. Blocks: call it from a background thread."""
    files = [(path, bundled) for path, bundled in files if cached_summary(path, bundled=bundled)[0] is None]
    if not files:
        return True
    args = [f"{'b' if bundled else 'u'}:{path}" for path, bundled in files]
    try:
        child = subprocess.Popen([sys.executable, "-m", "quizapp.core.decks.warm", *args], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return False
    assert child.stdout is not None
    with child:
        for line in child.stdout:
            done, _, total = line.partition("/")
            if on_progress is not None and done.strip().isdigit() and total.strip().isdigit():
                on_progress(int(done), int(total))
    return child.returncode == 0


def main(args: Sequence[str]) -> int:
    parent = os.getppid()
    try:
        os.nice(10)  # the front end that started us comes first
    except OSError:
        pass
    for done, arg in enumerate(args, start=1):
        if os.getppid() != parent:
            return 1  # the front end quit: nobody needs the rest now (its next launch will)
        kind, _, path = arg.partition(":")
        try:
            load_deck_cached(Path(path), bundled=kind == "b")
        except DeckLoadError:
            pass  # the caller's own load reports it
        print(f"{done}/{len(args)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
