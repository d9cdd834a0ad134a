"""The ``quizapp`` program's entry point: it starts ``deck check``'s worker before the CLI's imports.

A ``deck check`` spends most of its time waiting for the worker's ``import torch`` (~0.8 s); the
CLI's own imports and parsing (typer, pydantic, rich: ~0.1 s) overlap it only if the worker starts
first. So when the command line asks for ``deck check`` (not its help), the engine is started here,
from the environment alone (the worker depends on no option: ``--db`` and ``--learner`` are the
store's, ``--timeout`` is sent with each job), and the command adopts it (:func:`take_engine`). Any
problem here is left for the command to meet and report in its own words. Such a run also ends
without the interpreter's module teardown (:func:`_exit_now`), once its output is flushed.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from quizapp.core.execution.engine import Engine

_started: list[Engine] = []
# Top-level options that take a value (``--db URL``): their value is not a command word.
_VALUED = ("--db", "--learner")


def main() -> None:
    early = wants_deck_check(sys.argv[1:]) and _start()
    from quizapp.cli.main import main as run

    if not early:
        run()
        return
    try:
        run()
        code: object = 0
    except SystemExit as done:
        code = done.code
    _exit_now(code)


def _exit_now(code: object) -> NoReturn:
    """End a deck check without the interpreter's own shutdown (~40 ms of module teardown after the
    report is out): everything it wrote is flushed and its engine is closed by then."""
    import logging

    _close_unused()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # SystemExit("message"): printed, status 1, as the interpreter would
        sys.stderr.write(f"{code}\n")
        sys.stderr.flush()
        status = 1
    os._exit(status)


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


def _start() -> bool:
    """Start the engine with the default limits (the command sets the user's before any job): the
    settings are not even read here, so nothing but the engine's own modules is imported first."""
    try:
        from quizapp.core.execution.engine import Engine

        _started.append(Engine().start())
    except Exception:  # noqa: BLE001 - the command starts its own and reports any problem itself
        return False
    atexit.register(_close_unused)
    return True


def take_engine() -> Engine | None:
    """The engine started early for this run, once (None when there is none)."""
    return _started.pop() if _started else None


def _close_unused() -> None:
    for engine in _started:  # the command ended before it needed the worker (a usage error, say)
        engine.close()
    _started.clear()
