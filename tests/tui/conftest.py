"""Fixtures for Pilot tests: a temp QUIZAPP_HOME, a small real deck, a real store, and a fake engine.

The fake engine stands in for the torch worker (Pilot tests must stay fast and torch-free): it answers
each job from a table of outcomes keyed by the job's ``ask``, exactly as the real engine would report
them. Everything else (catalog, store, grader, session) is real.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizapp.core.execution.outcome import Outcome
from quizapp.core.storage.store import Store

DECK = """\
deck: tiny
title: Tiny test deck
concepts:
  broadcasting: |
    Shapes are compared from the **right**; a dimension of size 1 stretches.
cards:
  - id: add-shapes
    kind: shape
    concept: broadcasting
    setup: |
      x = torch.zeros(2, 1)
      y = torch.zeros(3)
    ask: (x + y)
    explain: The 1 stretches to 3 and the missing dim becomes 2.
  - id: mean-dtype
    kind: dtype
    ask: torch.arange(3).float().mean()
    explain: float() gives float32, and mean keeps it.
  - id: define-stride
    kind: recall
    prompt: What is a stride?
    answer: How many elements to skip in memory to move one step along a dimension.
  - id: slow-card
    kind: value
    ask: sum(range(10))
"""

OUTCOMES = {
    "(x + y)": Outcome(status="ok", value={"t": "tuple", "items": [{"t": "int", "v": 2}, {"t": "int", "v": 3}],
                                           "name": None, "fields": None},
                       display="(2, 3)", stdout="", seconds=0.01),
    "torch.arange(3).float().mean()": Outcome(status="ok", value={"t": "dtype", "v": "torch.float32"},
                                              display="torch.float32", stdout="hello from the card\n"),
    "sum(range(10))": Outcome.failure("time limit of 5 s exceeded"),
}

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class FakeEngine:
    """Answers like the real Engine; ``gate`` (when set) holds every run until the test releases it."""

    def __init__(self) -> None:
        self.started = False
        self.closed = False
        self.jobs: list[object] = []
        self.gate: threading.Event | None = None

    def start(self) -> FakeEngine:
        self.started = True
        return self

    def run(self, job, limits=None) -> Outcome:  # noqa: ANN001
        self.jobs.append(job)
        if self.gate is not None:
            self.gate.wait(10)
        return OUTCOMES[job.ask]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
    return tmp_path / "home"


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(DECK)
    return path


class Clock:
    """A settable clock (the app reads time only through it)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def make_app(home: Path, deck_file: Path):  # noqa: ANN201
    """Build a QuizApp on the tiny deck with a real store; returns (app, store, engine).

    Built by the composition root, as ``quizapp`` builds it: the environment a test set up (say
    ``QUIZAPP_NEW_PER_DAY``) is read once, when the app is made."""
    from quizapp.bootstrap import Root

    made: list[Store] = []

    def build(*, study: bool = False, deck_ids=None, extra_decks=(), clock=None, engine=None):  # noqa: ANN001
        root = Root.from_environment(db=f"sqlite:///{home / 'test.sqlite3'}")
        loader = root.catalog_loader([deck_file, *extra_decks], bundled=False, user=False)
        store = root.open_store(backups=False, now=NOW)
        made.append(store)
        engine = engine or FakeEngine()
        catalog = loader()
        store.sync_cards(catalog.decks.values(), NOW)  # so a test can record reviews before launching
        app = root.make_app(catalog=catalog, store=store, engine=engine, deck_ids=deck_ids, study=study,
                            catalog_loader=loader, clock=clock or Clock())
        return app, store, engine

    yield build
    for store in made:
        store.close()
