"""Every path quizapp reads or writes, in one place, so tests and users can redirect all of them.

``QUIZAPP_HOME`` (environment) moves everything; by default data lives in the platform's user data
dir. ``QUIZAPP_DB`` overrides the database URL (any SQLAlchemy URL). ``QUIZAPP_CACHE`` moves the
cache (rebuildable data, safe to delete: parsed decks).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "quizapp"


def home() -> Path:
    """The root of the user's quizapp data: decks, database, backups, settings."""
    env = os.environ.get("QUIZAPP_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def user_decks_dir() -> Path:
    """Where the user's own decks live (``quizapp deck new`` writes here)."""
    return home() / "decks"


def db_path() -> Path:
    return home() / "quizapp.sqlite3"


def db_url() -> str:
    """The database URL: ``QUIZAPP_DB`` when set, else SQLite in :func:`home`."""
    env = os.environ.get("QUIZAPP_DB")
    if env:
        return env
    return f"sqlite:///{db_path()}"


def backups_dir() -> Path:
    return home() / "backups"


def settings_path() -> Path:
    return home() / "settings.json"


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


def learner() -> str:
    """Who is studying: ``QUIZAPP_LEARNER`` (or ``--learner``), else the OS user name."""
    env = os.environ.get("QUIZAPP_LEARNER", "").strip()
    if env:
        return env
    import getpass

    try:
        return getpass.getuser() or "default"
    except (KeyError, OSError):  # no user name (a container without passwd entry)
        return "default"


def device_id() -> str:
    """This installation's id, stamped on every review it records (sync keys its file on it).

    Made once and kept in ``QUIZAPP_HOME/device-id``. A home that cannot be written gets an id
    derived from the host name, stable across runs."""
    import uuid

    path = home() / "device-id"
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
