"""The app's side of execution: start the warm worker, send it jobs, get Outcomes back.

This module never imports torch: the worker (``zygote.py``) does, in its own process. ``start()``
returns at once and the worker warms up (imports torch, ~1.5 s) in the background, so a front end can
show its first card meanwhile; ``run`` waits for it when needed.

Robustness: a worker that dies (it should not: it never runs deck code) fails the cards it was running
with a reason, and the next ``run`` starts a new one. If the app itself dies, the worker sees EOF on its
stdin (and gets PR_SET_PDEATHSIG) and SIGKILLs every card before exiting: nothing is left behind.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from typing import Any

from quizapp.core import locations
from quizapp.core.decks.model import Card
from quizapp.core.execution import preload
from quizapp.core.execution.learned import LearnedImports, card_of
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome
from quizapp.core.execution.process import WorkerProcess

# How long run() waits beyond a card's own wall limit before deciding the worker itself is stuck.
WORKER_GRACE_SECONDS = 60.0
# Worker start-ups that may fail in a row before the engine stops retrying and reports why.
MAX_START_FAILURES = 2
# How the worker starts: -P (no script or current folder on sys.path), -s (no user site-packages),
# -B (no .pyc writes). It imports the very quizapp the app runs: when that one is not what a clean
# interpreter finds (a source checkout on PYTHONPATH), its folder is put on sys.path explicitly.
_BOOTSTRAP = """import sys, importlib.util
found = importlib.util.find_spec("quizapp")
if found is None or found.origin != {origin!r}:
    sys.path.insert(0, {root!r})
from quizapp.core.execution.zygote import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass(frozen=True)
class Job:
    """One snippet to run: ``setup`` statements, then the ``ask`` expression, encoded for ``kind``.

    ``payload`` is the kind's own data for the worker (a write card's answer statements, run between
    ``setup`` and ``ask``); see quizapp/core/execution/encoders.py.
    """

    setup: str | None
    ask: str
    kind: str
    label: str = ""  # for messages and reports ("deck/card-id"); never sent to the worker
    payload: dict[str, Any] | None = field(default=None, hash=False)
    # Jobs with the same group (deck check: one deck's) may run one after another in one child when
    # their code allows it (sharing.py, state_guard.py); None: a fresh child, as in a study session.
    group: str | None = field(default=None, compare=False)
    # Modules the card imports lazily (named, declared or learned: preload.py): a child shared by such
    # cards imports them once before its first card; for a card in a fresh child the worker does.
    preload: tuple[str, ...] = field(default=(), compare=False)


def job_for(card: Card) -> Job:
    """The job that runs ``card`` (which must be executable, i.e. not ``recall``)."""
    if not card.executable or not card.ask:
        raise ValueError(f"card {card.deck}/{card.id} is a {card.kind.value} card: there is nothing to run")
    if card.parametric:  # its code still holds $placeholders
        raise ValueError(f"card {card.deck}/{card.id} has params: run a variant (params.instantiate) instead")
    return Job(setup=card.setup, ask=card.ask, kind=card.kind.value, label=f"{card.deck}/{card.id}")


def preload_soon(engine: Any, cards: Callable[[], Iterable[Card]]) -> threading.Thread | None:
    """Ask ``engine`` to preload what ``cards()`` need (``Engine.preload_cards``), in a thread of its own,
    so a front end's thread never waits for it; None for an engine that does not preload (a test double)."""
    ask = getattr(engine, "preload_cards", None)
    if not callable(ask):
        return None
    thread = threading.Thread(target=lambda: ask(cards()), name="quizapp-preload", daemon=True)
    thread.start()
    return thread


def default_children() -> int:
    """Cards run at once: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def worker_command(children: int) -> list[str]:
    """How the worker is started: this interpreter, isolated from the caller's folder and environment
    (see _BOOTSTRAP), its scratch folder, and how many cards at once."""
    import quizapp

    origin = os.path.realpath(quizapp.__file__)
    bootstrap = _BOOTSTRAP.format(origin=origin, root=os.path.dirname(os.path.dirname(origin)))
    return [sys.executable, "-P", "-s", "-B", "-c", bootstrap, "--children", str(children),
            "--scratch", str(locations.scratch_root())]


class Engine:
    """Runs jobs in the warm, sandboxed worker. Thread-safe; use as a context manager or call close()."""

    def __init__(self, limits: Limits | None = None, workers: int | None = None, *,
                 learned: LearnedImports | None = None) -> None:
        self.limits = limits or Limits()
        # What cards imported in earlier runs (preload.py): read when first asked, saved by close().
        self.learned = learned or LearnedImports()
        self._preloads: dict[str, None] = {}  # every module asked for: a new worker is asked again
        # ``workers``: how many cards may run at once (children of the one warm worker process).
        self.workers = workers or default_children()
        self._worker: WorkerProcess | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._start_failures = 0
        self._last_failure: str | None = None
        self._closed = False

    # --- life cycle
    def start(self) -> Engine:
        """Start the worker in the background (returns at once); harmless when already started."""
        self._current()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the worker is warm. False on timeout or when it could not start."""
        worker = self._current()
        if worker is None:
            return False
        return worker.ready.wait(timeout) and not worker.dead.is_set()

    def enforcement(self) -> list[str]:
        """What this kernel could not enforce, one sentence each (empty: every sandbox layer is active).

        Blocks until the worker is ready (call it from a thread in a UI). A worker that could not start
        runs nothing, so nothing is unenforced: its reason comes with each card's failed Outcome.
        """
        worker = self._current()
        if worker is None:
            return []
        worker.ready.wait()
        return list(worker.enforcement)

    def preload(self, modules: Iterable[str]) -> None:
        """Have the worker import ``modules`` once, before the jobs submitted after this call
        (``preload.py``); returns at once. Modules asked for before are not asked for again."""
        new = [m for m in preload.valid_names(list(modules)) if m not in self._preloads]
        if not new:
            return
        self._preloads.update(dict.fromkeys(new))
        worker = self._current()
        if worker is not None:
            worker.send_op({"op": "preload", "modules": new})

    def preload_cards(self, cards: Iterable[Card]) -> list[str]:
        """Preload what ``cards`` need: named in their code (and declared), or learned from earlier runs.

        Returns the modules asked for (none: nothing is sent, and the cards cost nothing more).
        """
        wanted = dict.fromkeys(module for card in cards for module in self.modules_for_card(card))
        if wanted:
            self.preload(wanted)
        return list(wanted)

    def modules_for_card(self, card: Card) -> list[str]:
        """What ``card`` imports lazily: named in its code (or declared), or learned from earlier runs."""
        wanted = dict.fromkeys(preload.modules_for((card.setup, card.ask)))
        wanted.update(dict.fromkeys(self.learned.modules_for([f"{card.deck}/{card.id}"])))
        return list(wanted)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
        self.learned.save()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten engine must not leave a worker behind
        try:
            if self._worker is not None:
                self._worker.stop()
        except Exception:
            pass

    # --- running
    def submit(self, job: Job, limits: Limits | None = None) -> Future[Outcome]:
        """Queue ``job``; the future resolves to its Outcome (never to an exception)."""
        future: Future[Outcome] = Future()
        limits = limits or self.limits
        for _attempt in range(2):  # a worker that died since the last job is replaced once, here
            worker = self._current()
            if worker is None:
                future.set_result(Outcome.failure(self._unavailable_reason()))
                return future
            if worker.send(next(self._ids), job, limits, future):
                if job.label:
                    future.add_done_callback(lambda done: self._learn(job.label, done.result()))
                return future
            worker.dead.wait(5)
        future.set_result(Outcome.failure("the execution worker could not be (re)started"))
        return future

    def run(self, job: Job, limits: Limits | None = None) -> Outcome:
        """Run one job and return its Outcome. Blocks; safe to call from several threads at once."""
        limits = limits or self.limits
        future = self.submit(job, limits)
        # The worker enforces the card's limit itself; this wait only guards against a stuck worker
        # (it also covers warm-up and cards queued ahead of this one).
        try:
            return future.result(timeout=limits.wall_seconds + WORKER_GRACE_SECONDS)
        except TimeoutError:
            self._replace_stuck_worker()
            return Outcome.failure("the execution worker stopped responding; it has been restarted")

    def run_many(self, jobs: Iterable[Job], on_result: Callable[[int, Outcome], Any] | None = None,
                 limits: Limits | None = None) -> list[Outcome]:
        """Run jobs in parallel (up to ``workers`` at once); outcomes in the order of ``jobs``.

        ``on_result(index, outcome)`` is called in the calling thread as each job finishes.
        """
        futures = [self.submit(job, limits) for job in jobs]
        index = {id(f): i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            if on_result is not None:
                on_result(index[id(future)], future.result())
        return [f.result() for f in futures]

    # --- internals
    def _learn(self, label: str, outcome: Outcome) -> None:
        imported = outcome.extra.get("imported")
        if imported:
            self.learned.record(card_of(label), imported)

    def _current(self) -> WorkerProcess | None:
        with self._lock:
            if self._closed:
                return None  # callers answer "closed" (a late run() from a UI thread must not raise)
            worker = self._worker
            if worker is not None and worker.dead.is_set():
                if worker.warmed:
                    self._start_failures = 0
                else:  # it never got ready: counted, so a broken install is not retried forever
                    self._start_failures += 1
                    self._last_failure = worker.fatal
                worker.stop()  # already dead: this only reaps it and closes its pipes
                self._worker = worker = None
            if worker is None:
                if self._start_failures >= MAX_START_FAILURES:
                    return None
                try:
                    worker = self._worker = WorkerProcess(worker_command(self.workers))
                    if self._preloads:  # a replacement worker: the preloads asked of the last one
                        worker.send_op({"op": "preload", "modules": list(self._preloads)})
                except OSError as exc:  # the interpreter cannot be run (permissions, no memory)
                    self._start_failures = MAX_START_FAILURES
                    self._last_failure = f"the execution worker could not start: {exc}"
                    return None
            return worker

    def _unavailable_reason(self) -> str:
        if self._closed:
            return "the execution engine is closed"
        return self._last_failure or "the execution worker could not start (QUIZAPP_DEBUG=1 shows why)"

    def _replace_stuck_worker(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.process.kill()
            worker.stop()

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id (for tests and diagnostics); None before start."""
        worker = self._worker
        return worker.process.pid if worker is not None else None
