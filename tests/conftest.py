"""Fixtures shared by every test layer."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizapp.core.execution.engine import Engine
from quizapp.core.execution.limits import Limits


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own ``QUIZAPP_HOME`` and none of the developer's other ``QUIZAPP_*`` settings
    (an exported ``QUIZAPP_NEW_PER_DAY=1`` once failed a dozen tests). ``QUIZAPP_TEST_*`` variables are
    the test suite's own configuration (e.g. the PostgreSQL URL CI provides) and are kept. The platform
    cache, config and data dirs are moved too, so nothing outside the test's folders is read or written."""
    for name in list(os.environ):
        if name.startswith("QUIZAPP_") and not name.startswith("QUIZAPP_TEST_"):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("quizapp-home")
    monkeypatch.setenv("QUIZAPP_HOME", str(home))
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / "xdg" / sub))
    yield home


@pytest.fixture(autouse=True)
def _isolated_deck_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                         isolated_environment: Path) -> None:
    """The parsed-deck cache never touches the developer's cache dir: one throwaway folder per test run
    (shared by the tests, as one user's launches share it; tests of the cache itself use their own)."""
    monkeypatch.setenv("QUIZAPP_CACHE", str(tmp_path_factory.getbasetemp() / "deck-cache"))


@contextlib.contextmanager
def running_engine(home: Path, limits: Limits, *, env: dict[str, str] | None = None,
                   wait: bool = True) -> Iterator[Engine]:
    """A started Engine whose scratch folders live under ``home``; ``env`` is set while it runs
    (the worker inherits it at start), and everything is put back afterwards."""
    changes = {"QUIZAPP_HOME": str(home), **(env or {})}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    engine = Engine(limits, workers=2)
    engine.start()
    try:
        if wait:
            assert engine.wait_ready(120), engine.enforcement()
        yield engine
    finally:
        engine.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def engine_factory():  # noqa: ANN201
    """:func:`running_engine`, for modules that need their own limits or environment."""
    return running_engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One warm engine per test module (10 s per card: generous on a busy machine)."""
    with running_engine(tmp_path_factory.mktemp("home"), Limits(wall_seconds=10)) as eng:
        yield eng


# Fixtures that start the real sandboxed worker (torch imported in a separate process): a test that
# asks for one is slow by nature, and `-m "not slow"` (make fast) leaves it out.
_WORKER_FIXTURES = {"engine", "engine_factory"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _WORKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
