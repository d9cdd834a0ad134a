"""The worker's loop: read the app's messages, start queued cards on ready spares, answer, keep spares.

Scheduling, which decides latency in a study session and throughput in ``deck check``:

- *interactive* (nothing queued): spares are forked only after ``SPARE_GRACE`` of quiet and while no
  card runs (a fork blocks the worker for a few ms), and each spare walks a card's path while it waits
  (``child._prefault``), so the next card pays only for itself;
- *batch* (jobs queued, as when ``deck check`` sends a whole deck): spares are forked at once, up to
  one per core beyond the running cards, without prefaulting (the walk costs CPU a busy machine does
  not have to spare, and a spare given a job at once gains nothing from it). A job goes only to a
  spare that has finished hardening (it said so with its marker line): the worker never waits for a
  particular child, so reading reports, reaping and forking overlap with the cards running;
- *shared* (jobs with a group, as ``deck check`` sends them: one per deck): a job whose code passes
  ``sharing.may_share`` goes to an idle child that ran the same deck's last card cleanly
  (``state_guard.py``), else to a spare; a deck gets as many such children as its queued jobs are
  worth, and jobs may start out of order meanwhile. A child shared by cards that import modules lazily
  imports them before its first card (the job's ``preload``), beside the other cards.

Preloading (``{"op": "preload", "modules": [...]}``, see ``preload.py``): the worker imports the modules
between jobs, in message order (so before the jobs sent after it), then retires its spares so the next
cards inherit them. Nothing is imported for a message naming only modules already loaded.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

from quizapp.core.execution import compiler_warmup, encoders, preload, sharing, warmup
from quizapp.core.execution.children import MARKER_WAIT, MAX_REPORT_BYTES, PROBE_ID, Child, Children
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome

# A spare is forked only after the worker has been idle this long, one per pause: a job that arrives
# right after an answer (the next card of a session) should not wait behind a fork.
SPARE_GRACE = 0.001
# Seconds of quiet (nothing queued or running) before the worker moves its memory onto huge pages.
COLLAPSE_AFTER_QUIET = 0.3
# Queued jobs the scheduler looks through for one that can start now (see start_queued).
SCAN = 256
# Queued jobs of one deck that warrant another shared child: forking one costs a few ms, one that must
# import modules first (a preload: sympy, for torch.broadcast_shapes) a few hundred.
CARDS_PER_CHILD = 4
CARDS_PER_PRELOADING_CHILD = 40
# Without pidfds (Linux < 5.3), how often running cards are checked for having exited.
POLL_INTERVAL = 0.005
# A probe job run at start-up: it warms the fork path and tells which sandbox layers work here.
PROBE_JOB = {"setup": "x = torch.arange(6.0).view(2, 3)", "ask": "x.t() @ x", "kind": "value"}


class Worker(Children):
    """Keeps hardened spares ready and at most ``children`` cards running; talks to the app."""

    def __init__(self, children: int, proto_in: int, proto_out: int, missing: list[str], *,
                 scratch_root: Path, mounts: bool) -> None:
        super().__init__(scratch_root=scratch_root, mounts=mounts, proto_out=proto_out)
        self.children = max(1, children)
        self.proto_in = proto_in
        self.proto_out = proto_out
        # (job id, job, limits, share): share is the (group, limits, modules to import first) of a job
        # that may share a child with the next cards of its deck (sharing.py), None for one that runs
        # in a fresh child.
        # A job id of None marks a preload to do when it comes first: {"preload": [...]}.
        self.queue: deque[tuple[Any, dict[str, Any], Limits, Any]] = deque()
        self.waiting: Counter[Any] = Counter()  # queued jobs per share
        self.inbox = bytearray()
        self.missing = list(missing)  # what the worker itself could not enforce (network namespace)
        self.probe_outcome: Outcome | None = None
        self.compiler_warm = False  # see compiler_warmup: done once, for the first card that needs it
        self.preloaded: list[str] = []  # modules imported for the app's preload messages
        self.collapsed = False  # memory moved onto huge pages (warmup.py), in the first pause
        self.quiet_since: float | None = None  # since when nothing is queued or running

    # --- messages to the app
    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        if len(data) > MAX_REPORT_BYTES and message.get("op") == "result":
            # Escaping can make a report longer than the app reads: the card fails instead of being lost.
            failure = Outcome.failure(f"the outcome was larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB "
                                      "once shown as text")
            data = (json.dumps({**message, "outcome": as_message(failure)}) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[os.write(self.proto_out, view):]

    def answer(self, job_id: Any, outcome: Outcome) -> None:
        if job_id == PROBE_ID:
            self.probe_outcome = outcome
            return
        try:
            self.send({"op": "result", "id": job_id, "outcome": as_message(outcome)})
        except (ValueError, TypeError) as exc:  # never a reason to stop the worker: the card fails
            self.send({"op": "result", "id": job_id,
                       "outcome": as_message(Outcome.failure(f"the outcome could not be sent ({exc})"))})

    # --- preparing the worker itself
    def warm_compiler(self) -> None:
        """Set up torch.compile/torch.export here, then retire the spares forked without it.

        Takes seconds, once per worker; a card already running meanwhile is killed at its deadline
        only when this returns (its outcome is the same: the time limit was exceeded).
        """
        self.compiler_warm = True
        compiler_warmup.warm()
        self.retire_spares()

    def preload(self, names: Any) -> None:
        """Import the modules the app named (a preload message), once; new spares inherit them."""
        import sys

        wanted = [m for m in preload.valid_names(names) if m not in self.preloaded]
        self.preloaded += wanted
        before = len(sys.modules)
        preload.import_modules([m for m in wanted if m not in sys.modules], freeze=True)
        if len(sys.modules) != before:  # something new was loaded: spares forked before lack it
            self.collapsed = False  # the new modules' memory too, in the next pause: cheaper forks
            self.retire_spares()

    # --- the loop
    def handle_inbox(self) -> bool:
        """Parse complete lines from the app. Returns False when the app asked the worker to quit."""
        while b"\n" in self.inbox:
            line, _, rest = self.inbox.partition(b"\n")
            self.inbox = bytearray(rest)
            try:
                message = json.loads(line)
                op = message.get("op")
            except (ValueError, AttributeError):
                continue
            if op == "quit":
                return False
            if op == "preload":
                self.preload(message.get("modules"))
            elif op == "run":
                job_id = message.get("id")
                try:
                    job = message["job"]
                    clean = encoders.runnable_job(job)
                    limits = Limits.from_dict(message.get("limits") or {})
                    group = message.get("group")
                    wanted = tuple(preload.valid_names(message.get("preload") or []))
                    share = ((str(group), limits, wanted) if isinstance(group, str) and sharing.may_share(clean)
                             else None)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    self.answer(job_id, Outcome.failure(f"malformed job: {exc}"))
                    continue
                if wanted and share is None:
                    # A card that runs alone: the worker imports what it needs (spares forked before are
                    # retired), as a preload message would.
                    self.queue.append((None, {"preload": list(wanted)}, limits, None))
                self.queue.append((job_id, clean, limits, share))
                if share is not None:
                    self.waiting[share] += 1
        return True

    def requeue(self, job_id: Any, job: dict[str, Any], limits: Limits, modules: tuple[str, ...]) -> None:
        """A card a shared child was in doubt about: first in the queue, for a fresh child (the modules
        its shared child imported first are imported by the worker)."""
        self.queue.appendleft((job_id, job, limits, None))
        if modules:
            self.queue.appendleft((None, {"preload": list(modules)}, limits, None))

    def start_queued(self) -> None:
        """Give queued jobs to idle shared children of their deck, or to ready spares, while fewer than
        ``children`` cards run; then end the idle children no queued job can use.

        Jobs may start out of order: a job whose deck already has as many shared children as its
        queued jobs warrant (``_children_wanted``) waits for one of them, and the next job goes on."""
        index = 0
        while index < min(len(self.queue), SCAN) and self.busy() < self.children:
            job_id, job, limits, share = self.queue[index]
            if job_id is None:  # a preload before the jobs behind it: only once those ahead have started
                if index:
                    break
                self.queue.popleft()
                self.preload(job.get("preload"))
                continue
            if not self.compiler_warm and compiler_warmup.uses_compiler(job):
                self.warm_compiler()  # before the card's clock starts: the set-up is not the card's time
            child = self.idle_for(share)
            if child is None and share is not None and self.sharing(share) >= self._children_wanted(share):
                index += 1
                continue
            child = child or self.ready_spare()
            if child is None:
                if self.spares() == 0:
                    try:
                        self.fork_spare(prefault=False)
                    except OSError as exc:  # fork or pipe refused (e.g. out of memory): the card fails
                        del self.queue[index]
                        self._unqueued(share)
                        self.answer(job_id, Outcome.failure(f"could not start the card: {exc}"))
                        continue
                break  # the spare's marker line wakes the loop
            del self.queue[index]
            self._unqueued(share)
            self.give(child, job_id, job, limits, share=share)
        for proc in self.procs.values():
            if proc.idle and not self.waiting[proc.shared]:
                self.retire(proc)

    def _unqueued(self, share: Any) -> None:
        if share is not None:
            self.waiting[share] -= 1
            if self.waiting[share] <= 0:
                del self.waiting[share]

    def sharing(self, share: Any) -> int:
        """Children running (or waiting for) cards of ``share``."""
        return sum(1 for p in self.procs.values() if p.shared == share and not p.answered and not p.doubted)

    def _children_wanted(self, share: Any) -> int:
        """How many children a deck's queued jobs are worth: a child that must first import modules
        (share[2]) costs a few hundred ms, one that need not a few ms."""
        per_child = CARDS_PER_PRELOADING_CHILD if share[2] else CARDS_PER_CHILD
        return max(1, min(self.children, -(-(self.waiting[share]) // per_child)))

    def idle_for(self, share: Any) -> Child | None:
        """An idle shared child that ran cards of the same deck under the same limits."""
        if share is None:
            return None
        return next((p for p in self.procs.values() if p.idle and p.shared == share), None)

    def step(self, accepting: bool) -> bool:
        """One turn of the loop: start queued cards, keep spares ready, wait, handle what happened.

        Returns False when the app has gone (EOF) or asked to quit.
        """
        alive = True
        self.start_queued()
        if self.queue and accepting:
            # Batch: a spare per core beyond the running cards, hardening while they run.
            while self.spares() < min(self.children, len(self.queue)):
                try:
                    self.fork_spare(prefault=False)
                except OSError:
                    break
        now = time.monotonic()
        quiet = accepting and not self.queue and not any(p.running for p in self.procs.values())
        self.quiet_since = (self.quiet_since or now) if quiet else None
        if quiet and not self.collapsed and now - (self.quiet_since or now) >= COLLAPSE_AFTER_QUIET:
            # Huge pages make each later fork and exit cheaper; the move takes ~0.1 s, so it waits for a
            # pause (a learner thinking), never delaying a queue of cards (a deck check) or the first card.
            self.collapsed = True
            warmup.collapse_into_huge_pages()
            now = time.monotonic()
        timeout = min([p.deadline - now for p in self.procs.values() if p.killed_for is None]
                      + [p.born + MARKER_WAIT - now for p in self.procs.values() if p.spare and not p.marked],
                      default=None)
        if timeout is not None and timeout > 1e6:
            timeout = None
        # Interactive: spares are made only while no card runs (a card whose answer is out counts as
        # done), and only after SPARE_GRACE of quiet.
        refill = accepting and not self.queue and self.spares() < self.children and not any(
            p.running for p in self.procs.values())
        if refill:
            timeout = SPARE_GRACE if timeout is None else min(timeout, SPARE_GRACE)
        if quiet and not self.collapsed and self.quiet_since is not None:
            due = max(self.quiet_since + COLLAPSE_AFTER_QUIET - now, 0.0)
            timeout = due if timeout is None else min(timeout, due)
        polled = [p for p in self.procs.values() if p.pidfd is None and not p.spare]
        if polled:
            timeout = POLL_INTERVAL if timeout is None else min(timeout, POLL_INTERVAL)
        events = self.selector.select(None if timeout is None else max(timeout, 0.0))
        if refill and not events:
            try:
                self.fork_spare(prefault=True)
            except OSError:
                pass  # no spare now; a job forks one when it needs it
        for key, _ in events:
            what, proc = key.data
            if what == "app":
                try:
                    chunk = os.read(self.proto_in, 65536)
                except BlockingIOError:
                    continue
                if not chunk:  # the app is gone: nothing may outlive it
                    return False
                self.inbox += chunk
                alive = self.handle_inbox() and alive
            elif what == "result" and proc.result_fd is not None:
                self.read_result(proc)
            elif what == "threads" and proc.threads is not None and proc.threads.listening:
                if not proc.threads.answer_one() and proc.result_fd is None:
                    # Its report is in and it is exiting: the listener stays readable until the exit is
                    # reaped, so stop watching it (a thread it still asked for would wait, unanswered).
                    self.selector.unregister(proc.threads.listener)
                    proc.threads.listening = False
            elif what == "exit" and proc.pid in self.procs:
                self.reap(proc)
        for proc in polled:
            if proc.pid in self.procs:
                pid, status = os.waitpid(proc.pid, os.WNOHANG)
                if pid:
                    self.reap(proc, status)
        self.enforce_deadlines()
        return alive

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for proc in list(self.procs.values()):
            if proc.killed_for is None and now >= proc.deadline:
                self.kill(proc, f"time limit of {proc.limits.wall_seconds:g} s exceeded" if proc.limits else "killed")
            elif proc.spare and not proc.marked and proc.killed_for is None and now >= proc.born + MARKER_WAIT:
                self.kill(proc, "the spare never finished hardening")  # reaped as a spare: nobody waits for it

    def serve(self) -> None:
        import selectors

        os.set_blocking(self.proto_in, False)
        self.selector.register(self.proto_in, selectors.EVENT_READ, ("app", None))
        while self.step(accepting=True):
            pass
        self.shutdown()

    def probe(self) -> list[str]:
        """Run one card through the normal path; return what this machine could not enforce."""
        self.queue.append((PROBE_ID, PROBE_JOB, Limits(wall_seconds=30.0), None))
        while self.probe_outcome is None:
            self.step(accepting=False)
        if not self.probe_outcome.ok:
            self.missing.append("the sandbox self-test failed: "
                                f"{self.probe_outcome.reason or self.probe_outcome.display}")
        if not self.thread_bound:
            self.missing.append("no seccomp user notifications (Linux 5.6+ with pidfd_getfd and libseccomp "
                                "2.5): a card's threads are bounded only by its memory limit")
        self.missing += self.scratch.missing
        return list(dict.fromkeys(self.missing))


def as_message(outcome: Outcome) -> dict[str, Any]:
    data = dict(outcome.__dict__)
    data["error_types"] = list(outcome.error_types)
    return data


__all__ = ["Child", "Worker", "as_message"]
