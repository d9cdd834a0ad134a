"""quizapp's log file, for bug reports: what ran, what went wrong, with tracebacks.

One file, ``quizapp.log`` in :func:`quizapp.core.locations.log_dir`, kept small by rotation. It records
the version, the platform, the command's name, warnings, errors and uncaught tracebacks; never an
answer, a card's code, the learner's name or a database password (:func:`redact` hides credentials in
URLs for anything that must name a database). ``verbose`` lowers the level to DEBUG and echoes records
to stderr.

Logging never breaks the app: a folder that cannot be written, or a disk that fills up later, costs one
warning line on stderr and the file is dropped; the app goes on.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

LOGGER = "quizapp"
FILE_NAME = "quizapp.log"
MAX_BYTES = 512 * 1024
BACKUPS = 2
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger(LOGGER)


@dataclass(frozen=True)
class LogSetup:
    """What :func:`setup` did: the file records go to (None: no file) and the warning, if any, shown."""

    path: Path | None
    warning: str | None = None


class _SafeFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file that, on its first failed write (disk full, file removed read-only), says so once
    on stderr and stops writing, instead of logging's default of a traceback on stderr per record."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        _warn(f"cannot write the log file {self.baseFilename}: logging to it stopped")
        log.removeHandler(self)
        try:
            self.close()
        except OSError:
            pass


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (a TUI may have replaced it meanwhile)."""

    def __init__(self) -> None:
        super().__init__()

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        pass  # stderr itself is gone: nothing better to do


def _warn(message: str) -> None:
    try:
        sys.stderr.write(f"quizapp: warning: {message}\n")
    except (OSError, ValueError):  # no stderr at all
        pass


def setup(folder: Path, *, verbose: bool = False) -> LogSetup:
    """Send the ``quizapp`` logger to ``folder/quizapp.log`` (and to stderr when ``verbose``).

    Calling it again replaces the handlers it added before (one CLI process, or tests, may call it
    more than once). Never raises."""
    reset()
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False  # the root logger (a library's basicConfig) must not print our records
    if verbose:
        echo = _StderrHandler()
        echo.setFormatter(logging.Formatter("quizapp: %(levelname)s: %(message)s"))
        log.addHandler(echo)
    path = folder / FILE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = _SafeFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        warning = f"cannot write the log file {path}: {exc.strerror or exc}"
        _warn(warning)
        return LogSetup(None, warning)
    handler.setFormatter(logging.Formatter(_FORMAT))
    log.addHandler(handler)
    return LogSetup(path)


def reset() -> None:
    """Remove (and close) every handler :func:`setup` added."""
    for handler in list(log.handlers):
        log.removeHandler(handler)
        try:
            handler.close()
        except OSError:
            pass


def log_file() -> Path | None:
    """The file records go to now, or None."""
    for handler in log.handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def describe_platform() -> str:
    """Version, Python and OS: the first line a bug report needs."""
    from quizapp import __version__

    # Not platform.platform(): it asks uname(1) for the processor, a subprocess on every start.
    return (f"quizapp {__version__}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()} {platform.machine()}")


_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]*@")


def redact(text: str) -> str:
    """``postgresql://ann:secret@host/db`` -> ``postgresql://ann:***@host/db`` (any URL in ``text``)."""
    return _CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", text)


__all__ = ["LOGGER", "LogSetup", "describe_platform", "log", "log_file", "redact", "reset", "setup"]
