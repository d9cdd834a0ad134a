"""The ``quizapp`` program's entry point: it starts ``deck check``'s worker before the CLI's imports.

A ``deck check`` spends most of its time waiting for the worker's ``import torch`` (~0.8 s); the
CLI's own imports and parsing (typer, pydantic, rich: ~0.1 s) overlap it only if the worker starts
first. So when the command line asks for ``deck check`` (not its help), the engine is started here,
from the environment alone (the worker depends on no option: ``--db`` and ``--learner`` are the
store's, ``--timeout`` is sent with each job), and the command adopts it (:func:`take_engine`). Any
problem here is left for the command to meet and report in its own words.
"""

from __future__ import annotations

import atexit
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizapp.core.execution.engine import Engine

_started: list[Engine] = []
# Top-level options that take a value (``--db URL``): their value is not a command word.
_VALUED = ("--db", "--learner")


def main() -> None:
    if wants_deck_check(sys.argv[1:]):
        _start()
    from quizapp.cli.main import main as run

    run()


def wants_deck_check(argv: list[str]) -> bool:
    """Whether ``argv`` runs ``deck check`` (and not only its help or the version)."""
    if any(a in ("--help", "-h", "--version") for a in argv):
        return False
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
            if len(words) == 2:
                break
    return words == ["deck", "check"]


def _start() -> None:
    try:
        from quizapp.bootstrap import Root

        _started.append(Root.from_environment().start_engine())
    except Exception:  # noqa: BLE001 - e.g. a broken settings file: the command says so itself
        return
    atexit.register(_close_unused)


def take_engine() -> Engine | None:
    """The engine started early for this run, once (None when there is none)."""
    return _started.pop() if _started else None


def _close_unused() -> None:
    for engine in _started:  # the command ended before it needed the worker (a usage error, say)
        engine.close()
    _started.clear()
