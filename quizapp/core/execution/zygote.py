"""The execution worker: imports torch once, warms it up, then forks one hardened child per card.

Started by ``Engine`` as ``python -m quizapp.core.execution.zygote --children N``. It never runs deck
code itself; each job is run by a fresh child (see ``child.py``), at most N at once.

Latency: forking a process that has imported torch costs a few ms (page tables for ~150 MB), so the
worker keeps N *spares*: children forked ahead of time and already hardened (``sandbox.enter_early``)
that block on a pipe until a job arrives; the card then only pays for its limits and seccomp
(``sandbox.enter_late``) and the snippet itself. The worker answers as soon as a card's report is
complete (the card closes its pipe before exiting) and reaps the process just after, so the
teardown of its address space is not on the user's clock either. The network namespace is made once,
for the worker, and inherited by every card.

Protocol, one JSON object per line. The app writes to the worker's stdin::

    {"op": "run", "id": 7, "job": {"setup": "...", "ask": "...", "kind": "shape"},
     "limits": {"wall_seconds": 5.0, "memory_mb": 1024, "output_bytes": 65536}}

and reads from its stdout (the worker points its own fd 1 at /dev/null first, so nothing torch or a
library prints can corrupt the stream)::

    {"op": "ready", "pid": 123, "enforcement": ["what the kernel could not enforce", ...]}
    {"op": "result", "id": 7, "outcome": {...Outcome fields...}}
    {"op": "fatal", "message": "..."}          # the worker cannot work (e.g. torch fails to import)

EOF on stdin (the app exited or was killed) makes the worker SIGKILL every running card and exit.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import selectors
import shutil
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.core import locations
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome

# Largest outcome document a child may send; more than this and the card fails (the child's own
# bounds keep honest results far below it).
MAX_REPORT_BYTES = 4 * 1024 * 1024
# A spare is forked only after the worker has been idle this long, one per pause: a job that arrives
# right after an answer (the next card of a check) should not wait behind a fork.
SPARE_GRACE = 0.001
# Without pidfds (Linux < 5.3), how often running cards are checked for having exited.
POLL_INTERVAL = 0.005
# A probe job run at start-up: it warms the fork path and tells which sandbox layers work here.
PROBE_ID = "probe"
PROBE_JOB = {"setup": "x = torch.arange(6.0).view(2, 3)", "ask": "x.t() @ x", "kind": "value"}


@dataclass
class Child:
    """A forked child: first a hardened spare waiting for a job, then a running card, until reaped."""

    pid: int
    pidfd: int | None  # readable when the process exits; None on kernels without pidfd_open (< 5.3)
    job_fd: int | None  # write end of its job pipe; None once the job is sent
    result_fd: int | None  # read end of its result pipe; None after EOF
    scratch: Path
    job_id: Any = None
    limits: Limits | None = None
    started: float = 0.0
    deadline: float = float("inf")
    data: bytearray = field(default_factory=bytearray)
    killed_for: str | None = None  # why the worker killed it (time limit, oversized outcome)
    answered: bool = False  # its outcome has been sent (at EOF on its result pipe, before reaping)

    @property
    def spare(self) -> bool:
        return self.job_fd is not None


class Worker:
    """Owns the children: keeps ``children`` hardened spares ready and at most ``children`` cards running."""

    def __init__(self, children: int, proto_in: int, proto_out: int, missing: list[str]) -> None:
        from quizapp.core.execution import sandbox

        self.children = max(1, children)
        self.proto_in = proto_in
        self.proto_out = proto_out
        self.selector = selectors.DefaultSelector()
        self.queue: deque[tuple[Any, dict[str, Any], Limits]] = deque()
        self.procs: dict[int, Child] = {}  # by pid: spares and running cards
        self.inbox = bytearray()
        self.counter = 0
        self.pid = os.getpid()
        self.scratch_base = locations.ensure(locations.scratch_root()) / f"worker-{self.pid}"
        self.hardening = sandbox.prepare()
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.missing = list(missing)  # what the worker itself could not enforce (network namespace)
        self.probe_outcome: Outcome | None = None

    # --- messages to the app
    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[os.write(self.proto_out, view):]

    def answer(self, job_id: Any, outcome: Outcome) -> None:
        if job_id == PROBE_ID:
            self.probe_outcome = outcome
        else:
            self.send({"op": "result", "id": job_id, "outcome": _as_message(outcome)})

    # --- children
    def fork_spare(self) -> Child:
        self.counter += 1
        scratch = self.scratch_base / f"card-{self.counter}"
        scratch.mkdir(parents=True)
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        inherited = [self.proto_in, self.proto_out, job_write, result_read, self.selector.fileno()]
        for other in self.procs.values():
            inherited += [fd for fd in (other.pidfd, other.job_fd, other.result_fd) if fd is not None]
        try:
            pid = os.fork()
        except OSError:  # out of memory or processes: leave nothing half-made behind
            for fd in (job_read, job_write, result_read, result_write):
                os.close(fd)
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        if pid == 0:
            try:
                for fd in inherited:  # a card must not read jobs, forge results or see other cards
                    os.close(fd)
                for fd in (0, 1, 2):
                    os.dup2(self.devnull, fd)
                os.close(self.devnull)
                from quizapp.core.execution import child

                child.run(job_fd=job_read, result_fd=result_write, scratch=scratch,
                          hardening=self.hardening, worker_pid=self.pid)
            finally:
                os._exit(71)
        os.close(job_read)
        os.close(result_write)
        try:
            os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
        except OSError:
            pass
        try:
            pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):  # Linux < 5.3: exits are found by polling instead
            pidfd = None
        os.set_blocking(result_read, False)
        proc = Child(pid, pidfd, job_write, result_read, scratch)
        self.procs[pid] = proc
        self.selector.register(result_read, selectors.EVENT_READ, ("result", proc))
        if pidfd is not None:
            self.selector.register(pidfd, selectors.EVENT_READ, ("exit", proc))
        return proc

    def dispatch(self, job_id: Any, job: dict[str, Any], limits: Limits) -> None:
        spare = next((p for p in self.procs.values() if p.spare), None) or self.fork_spare()
        assert spare.job_fd is not None
        spare.job_id, spare.limits = job_id, limits
        spare.started = time.monotonic()
        spare.deadline = spare.started + limits.wall_seconds
        data = json.dumps({"job": job, "limits": limits.to_dict()}).encode()
        try:
            view = memoryview(data)
            while view:  # blocking: the spare is reading, so a long job cannot wedge the worker
                view = view[os.write(spare.job_fd, view):]
        except OSError:
            pass  # the spare died meanwhile; its exit is reported as this card's failure
        os.close(spare.job_fd)
        spare.job_fd = None

    def busy(self) -> int:
        return sum(1 for p in self.procs.values() if not p.spare)

    def spares(self) -> int:
        return sum(1 for p in self.procs.values() if p.spare)

    def read_result(self, proc: Child) -> None:
        assert proc.result_fd is not None
        while True:
            try:
                chunk = os.read(proc.result_fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.selector.unregister(proc.result_fd)
                os.close(proc.result_fd)
                proc.result_fd = None
                self.answer_from_report(proc)
                return
            proc.data += chunk
            if len(proc.data) > MAX_REPORT_BYTES:
                self.kill(proc, f"the outcome was larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB")
                proc.data.clear()

    def answer_from_report(self, proc: Child) -> None:
        """At EOF: answer at once when the child sent a complete report (it is still exiting)."""
        if proc.answered or proc.killed_for or proc.spare or not proc.data:
            return
        try:
            report = json.loads(bytes(proc.data))
        except (ValueError, UnicodeDecodeError):
            return  # incomplete: its exit status will say what happened
        if not isinstance(report, dict):
            return
        missing = report.get("missing")
        if proc.job_id == PROBE_ID and isinstance(missing, list):
            self.missing += [m for m in missing if isinstance(m, str)]
        proc.answered = True
        outcome = Outcome.from_report(report, seconds=time.monotonic() - proc.started)
        self.answer(proc.job_id, _with_pid(outcome, proc.pid))

    def kill(self, proc: Child, why: str) -> None:
        if proc.killed_for is None:
            proc.killed_for = why
        for target in (lambda: os.killpg(proc.pid, signal.SIGKILL), lambda: os.kill(proc.pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass

    def reap(self, proc: Child, status: int | None = None) -> None:
        """Collect an exited child (``status`` given when it was already waited for) and answer for it."""
        if proc.result_fd is not None:  # the process is gone, so whatever it wrote is readable now
            self.read_result(proc)
            if proc.result_fd is not None:
                self.selector.unregister(proc.result_fd)
                os.close(proc.result_fd)
                proc.result_fd = None
        if proc.job_fd is not None:
            os.close(proc.job_fd)
            proc.job_fd = None
        if proc.pidfd is not None:
            self.selector.unregister(proc.pidfd)
            os.close(proc.pidfd)
        if status is None:
            # Before reaping, while the zombie still holds the id: anything left in its process group
            # (there cannot be: cards cannot fork; but it is cheap, and after reaping the id is free).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            _, status = os.waitpid(proc.pid, 0)
        del self.procs[proc.pid]
        shutil.rmtree(proc.scratch, ignore_errors=True)
        if proc.job_id is None or proc.answered:
            return  # a spare that died unused, or a card already answered at EOF
        seconds = time.monotonic() - proc.started
        reason = proc.killed_for or _death_reason(status, proc.limits or Limits())
        self.answer(proc.job_id, _with_pid(Outcome.failure(reason, seconds=seconds), proc.pid))

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
            if op == "run":
                job_id = message.get("id")
                try:
                    job = message["job"]
                    clean = {"setup": job.get("setup") or None, "ask": str(job["ask"]), "kind": str(job["kind"])}
                    limits = Limits.from_dict(message.get("limits") or {})
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    self.answer(job_id, Outcome.failure(f"malformed job: {exc}"))
                    continue
                self.queue.append((job_id, clean, limits))
        return True

    def step(self, accepting: bool) -> bool:
        """One turn of the loop: start queued cards, keep spares ready, wait, handle what happened.

        Returns False when the app has gone (EOF) or asked to quit.
        """
        alive = True
        while self.queue and self.busy() < self.children:
            job_id, job, limits = self.queue.popleft()
            try:
                self.dispatch(job_id, job, limits)
            except OSError as exc:  # fork or pipe refused (e.g. out of memory): the card fails, we go on
                self.answer(job_id, Outcome.failure(f"could not start the card: {exc}"))
        now = time.monotonic()
        timeout = min((p.deadline - now for p in self.procs.values() if p.killed_for is None), default=None)
        if timeout is not None and timeout > 1e6:
            timeout = None
        # Forking blocks the worker for a few ms, so spares are made only while no card runs (a card
        # whose answer is out counts as done), and only after SPARE_GRACE of quiet.
        refill = accepting and self.spares() < self.children and not any(
            p.job_id is not None and not p.answered for p in self.procs.values())
        if refill:  # fork a spare only once nothing has happened for a moment (see SPARE_GRACE)
            timeout = SPARE_GRACE if timeout is None else min(timeout, SPARE_GRACE)
        polled = [p for p in self.procs.values() if p.pidfd is None and not p.spare]
        if polled:
            timeout = POLL_INTERVAL if timeout is None else min(timeout, POLL_INTERVAL)
        events = self.selector.select(None if timeout is None else max(timeout, 0.0))
        if refill and not events:
            try:
                self.fork_spare()
            except OSError:
                pass  # no spare now; dispatch forks one when a job needs it
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
            elif what == "exit" and proc.pid in self.procs:
                self.reap(proc)
        for proc in polled:
            if proc.pid in self.procs:
                pid, status = os.waitpid(proc.pid, os.WNOHANG)
                if pid:
                    self.reap(proc, status)
        now = time.monotonic()
        for proc in list(self.procs.values()):
            if proc.killed_for is None and now >= proc.deadline:
                self.kill(proc, f"time limit of {proc.limits.wall_seconds:g} s exceeded" if proc.limits else "killed")
        return alive

    def serve(self) -> None:
        os.set_blocking(self.proto_in, False)
        self.selector.register(self.proto_in, selectors.EVENT_READ, ("app", None))
        while self.step(accepting=True):
            pass
        self.shutdown()

    def shutdown(self) -> None:
        for proc in list(self.procs.values()):
            self.kill(proc, "the worker stopped")
            try:
                os.waitpid(proc.pid, 0)
            except ChildProcessError:
                pass
        shutil.rmtree(self.scratch_base, ignore_errors=True)

    def probe(self) -> list[str]:
        """Run one card through the normal path; return what this machine could not enforce."""
        self.queue.append((PROBE_ID, PROBE_JOB, Limits(wall_seconds=30.0)))
        while self.probe_outcome is None:
            self.step(accepting=False)
        if not self.probe_outcome.ok:
            self.missing.append("the sandbox self-test failed: "
                                f"{self.probe_outcome.reason or self.probe_outcome.display}")
        return list(dict.fromkeys(self.missing))


def _with_pid(outcome: Outcome, pid: int) -> Outcome:
    return dataclasses.replace(outcome, extra={**outcome.extra, "pid": pid})


def _as_message(outcome: Outcome) -> dict[str, Any]:
    data = dict(outcome.__dict__)
    data["error_types"] = list(outcome.error_types)
    return data


def _death_reason(status: int, limits: Limits) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return f"CPU time limit exceeded (wall limit {limits.wall_seconds:g} s)"
        if sig == signal.SIGKILL:
            return "the card's process was killed (SIGKILL), perhaps by the system for using too much memory"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"the card's process crashed ({name})"
    code = os.waitstatus_to_exitcode(status)
    if code == 0:  # it wrote something, but not a report we can read (a snippet scribbling on its pipe)
        return "the card's process ended without a readable outcome"
    return f"the card's process exited (code {code}) before reporting an outcome"


def _clean_stale_scratch() -> None:
    """Remove scratch folders of workers that died without cleaning up (e.g. SIGKILL)."""
    root = locations.scratch_root()
    if not root.is_dir():
        return
    for entry in root.glob("worker-*"):
        try:
            pid = int(entry.name.split("-", 1)[1])
        except ValueError:
            continue
        if not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25  # Linux 6.1+
_HUGE_PAGE = 2 * 1024 * 1024


def _collapse_into_huge_pages() -> None:
    """Back the worker's big anonymous memory (~140 MB after ``import torch``) with 2 MB pages.

    Forking copies one page-table entry per page and a card's exit drops them all again: with 4 KB
    pages that is ~35,000 entries each way, most of a card's CPU cost. With huge pages it is ~70
    (measured here: fork 5.4 -> 1.3 ms, a card's own CPU 14 -> 10 ms). A card that writes into a
    huge page still only copies the 4 KB it touched. Runs in a background thread after the worker is
    ready (it takes a few hundred ms); on kernels without MADV_COLLAPSE it does nothing.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    try:
        with open("/proc/self/maps") as maps:
            regions = maps.read().splitlines()
    except OSError:
        return
    for line in regions:
        fields = line.split()
        name = fields[5] if len(fields) > 5 else ""
        if name not in ("", "[heap]") or not fields[1].startswith("rw"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        first, last = -(-start // _HUGE_PAGE) * _HUGE_PAGE, end // _HUGE_PAGE * _HUGE_PAGE
        if last - first < _HUGE_PAGE:
            continue
        if libc.madvise(first, last - first, _MADV_HUGEPAGE) == 0:
            libc.madvise(first, last - first, _MADV_COLLAPSE)


def _warm_up() -> None:
    """Import and exercise what cards commonly touch, once, so each forked child starts warm."""
    import random

    import numpy.random  # numpy loads its random module lazily: ~10 ms a card if the children did it
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    # One thread before any op: forking after a multi-threaded OpenMP op can hang the child (libgomp).
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    x = torch.randn(4, 3)
    repr(x @ x.t())
    repr(torch.arange(6).view(2, 3).t().contiguous().stride())
    repr(torch.zeros(2, dtype=torch.int8))
    repr(torch.tensor([1 + 1j]))
    repr(torch.aminmax(torch.tensor([1, 2])))
    repr(F.relu(nn.Linear(3, 2)(x)))
    repr(F.interpolate(torch.randn(1, 1, 4), scale_factor=2))
    repr(torch.einsum("ij,jk->ik", x, x.t()).cumsum(0))
    y = torch.ones(2, requires_grad=True)
    (y * 2).sum().backward()
    repr(y * 2)
    from quizapp.core.execution import child  # noqa: F401 - its imports, paid once
    from quizapp.core.execution import preload

    preload.import_declared()  # what the cards of this run import lazily (see preload.py), paid once

    # Children seed again, but the first call of each pays for lazy set-up that belongs here.
    torch.manual_seed(0)
    random.seed(0)
    numpy.random.seed(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quizapp-worker")
    parser.add_argument("--children", type=int, default=1)
    args = parser.parse_args(argv)
    # The protocol goes to a private copy of stdout; fd 1 itself goes to /dev/null, so stray prints
    # (from torch, a library, or a bug) can never corrupt the message stream.
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")
    parent = os.environ.get("QUIZAPP_WORKER_PARENT")
    if parent:
        from quizapp.core.execution.sandbox import PR_SET_PDEATHSIG, _libc

        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if str(os.getppid()) != parent:
            return 0  # the app died before the line above took effect
    worker = None
    try:
        from quizapp.core.execution.sandbox import isolate_network

        no_network_namespace = isolate_network()  # before torch starts any thread
        locations.ensure(locations.scratch_root())  # fail fast, before the long import, if it cannot be made
        _warm_up()
        _clean_stale_scratch()
        worker = Worker(args.children, proto_in=0, proto_out=proto_out,
                        missing=[no_network_namespace] if no_network_namespace else [])
        enforcement = worker.probe()
        gc.collect()
        gc.freeze()  # children then never touch (and copy) the warm objects' pages for GC
        worker.send({"op": "ready", "pid": os.getpid(), "enforcement": enforcement})
        threading.Thread(target=_collapse_into_huge_pages, name="huge-pages", daemon=True).start()
    except Exception as exc:  # noqa: BLE001 - tell the app in one line why there is no worker
        message = {"op": "fatal", "message": f"the execution worker could not start: {exc.__class__.__name__}: {exc}"}
        os.write(proto_out, (json.dumps(message) + "\n").encode())
        return 1
    try:
        worker.serve()
    except BrokenPipeError:  # the app is gone
        worker.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
