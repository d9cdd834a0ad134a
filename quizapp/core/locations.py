"""Every path quizapp reads or writes, in one place, so tests and users can redirect all of them.

``QUIZAPP_HOME`` (environment) moves everything; by default data lives in the platform's user data
dir. ``QUIZAPP_DB`` overrides the database URL (any SQLAlchemy URL). ``QUIZAPP_CACHE`` moves the
cache (rebuildable data, safe to delete: parsed decks). The log file goes to the platform's user log
dir (``QUIZAPP_HOME/logs`` when QUIZAPP_HOME is set).

Each function reads ``environ`` (default ``os.environ``) when called. The composition root
(:mod:`quizapp.bootstrap`) reads them once into a :class:`Paths` and passes that on, so what a command
uses is fixed when it starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "quizapp"


def home(environ: Mapping[str, str] | None = None) -> Path:
    """The root of the user's quizapp data: decks, database, backups, settings."""
    env = (os.environ if environ is None else environ).get("QUIZAPP_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def user_decks_dir() -> Path:
    """Where the user's own decks live (``quizapp deck new`` writes here)."""
    return home() / "decks"


def db_path(environ: Mapping[str, str] | None = None) -> Path:
    return home(environ) / "quizapp.sqlite3"


def db_url(environ: Mapping[str, str] | None = None) -> str:
    """The database URL: ``QUIZAPP_DB`` when set, else SQLite in :func:`home`."""
    env = (os.environ if environ is None else environ).get("QUIZAPP_DB")
    if env:
        return env
    return f"sqlite:///{db_path(environ)}"


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (``~`` expanded), or None for any other database."""
    prefix = "sqlite:///"
    return Path(url[len(prefix):]).expanduser() if url.startswith(prefix) else None


def backups_dir() -> Path:
    return home() / "backups"


def settings_path(environ: Mapping[str, str] | None = None) -> Path:
    return home(environ) / "settings.json"


def scratch_root() -> Path:
    """Parent of the per-card scratch folders the sandbox lets snippets write into."""
    return home() / "scratch"


def cache_dir() -> Path:
    """Rebuildable data (the parsed-deck cache): ``QUIZAPP_CACHE``, else ``QUIZAPP_HOME/cache`` when
    QUIZAPP_HOME is set (so a redirected home, as in tests, never touches the real cache), else the
    platform's user cache dir. Deleting it only costs time."""
    env = os.environ.get("QUIZAPP_CACHE")
    if env:
        return Path(env).expanduser()
    if os.environ.get("QUIZAPP_HOME"):
        return home() / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def log_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where ``quizapp.log`` is written: ``QUIZAPP_HOME/logs`` when QUIZAPP_HOME is set (a redirected
    home, as in tests, never writes the real log), else the platform's user log dir."""
    if (os.environ if environ is None else environ).get("QUIZAPP_HOME"):
        return home(environ) / "logs"
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def bundled_decks_dir() -> Path:
    """The decks shipped with quizapp.

    In a wheel they are packaged as ``quizapp/bundled_decks``; in a source checkout (editable install)
    they are the top-level ``decks/`` folder next to the package.
    """
    here = Path(__file__).resolve().parent.parent  # quizapp/
    packaged = here / "bundled_decks"
    if packaged.is_dir():
        return packaged
    return here.parent / "decks"


def ensure(path: Path) -> Path:
    """Create ``path`` (a folder) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path


def learner(environ: Mapping[str, str] | None = None) -> str:
    """Who is studying: ``QUIZAPP_LEARNER`` (or ``--learner``), else the OS user name."""
    env = (os.environ if environ is None else environ).get("QUIZAPP_LEARNER", "").strip()
    if env:
        return env
    import getpass

    try:
        return getpass.getuser() or "default"
    except (KeyError, OSError):  # no user name (a container without passwd entry)
        return "default"


def device_id(root: Path | None = None) -> str:
    """This installation's id, stamped on every review it records (sync keys its file on it).

    Made once and kept in ``device-id`` in ``root`` (default :func:`home`). A home that cannot be
    written gets an id derived from the host name, stable across runs."""
    import uuid

    path = (root if root is not None else home()) / "device-id"
    try:
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    except OSError:
        pass
    made = str(uuid.uuid4())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(".device-id.part")
        tmp.write_text(made + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return made
    except OSError:
        import socket

        return str(uuid.uuid5(uuid.NAMESPACE_DNS, socket.gethostname()))


@dataclass(frozen=True)
class Paths:
    """Where one run of quizapp reads and writes, fixed when it starts (see :mod:`quizapp.bootstrap`)."""

    home: Path
    db_url: str
    learner: str
    settings_path: Path
    log_dir: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, db: str | None = None,
                     learner_name: str | None = None) -> Paths:
        """Read ``environ`` once; an explicit ``db`` / ``learner_name`` (``--db``, ``--learner``) wins."""
        return cls(home=home(environ), db_url=db or db_url(environ),
                   learner=(learner_name or "").strip() or learner(environ),
                   settings_path=settings_path(environ), log_dir=log_dir(environ))

    @property
    def backups_dir(self) -> Path:
        return self.home / "backups"

    @property
    def user_decks_dir(self) -> Path:
        return self.home / "decks"
