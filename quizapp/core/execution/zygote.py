"""The execution worker: imports torch once, warms it up, then forks one hardened child per card.

Started by ``Engine`` as ``python -m quizapp.core.execution.zygote --children N``. It never runs deck
code itself; each job is run by a fresh child (see ``child.py``), at most N at once.

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
import gc
import json
import os
import selectors
import shutil
import signal
import sys
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
# A probe job run at start-up: it warms the fork path and tells which sandbox layers work here.
PROBE_JOB = {"setup": "x = torch.arange(6.0).view(2, 3)", "ask": "x.t() @ x", "kind": "value"}


@dataclass
class Running:
    """One card's child, from fork to reaping."""

    job_id: Any
    pid: int
    pidfd: int
    result_fd: int | None
    scratch: Path
    limits: Limits
    started: float
    deadline: float
    data: bytearray = field(default_factory=bytearray)
    killed_for: str | None = None  # why the worker killed it (time limit, oversized outcome)


class Worker:
    def __init__(self, children: int, proto_in: int, proto_out: int) -> None:
        self.children = max(1, children)
        self.proto_in = proto_in
        self.proto_out = proto_out
        self.selector = selectors.DefaultSelector()
        self.queue: deque[tuple[Any, dict[str, Any], Limits]] = deque()
        self.running: dict[int, Running] = {}  # by pid
        self.inbox = bytearray()
        self.counter = 0
        self.pid = os.getpid()
        self.scratch_base = locations.ensure(locations.scratch_root()) / f"worker-{self.pid}"
        from quizapp.core.execution import sandbox

        self.hardening = sandbox.prepare()
        self.devnull = os.open(os.devnull, os.O_RDWR)
        # What the first child (the start-up probe) reported it could not enforce.
        self.hardening_checked = False
        self.missing: list[str] = []

    # --- messages to the app
    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[os.write(self.proto_out, view):]

    # --- children
    def start(self, job_id: Any, job: dict[str, Any], limits: Limits) -> None:
        self.counter += 1
        scratch = self.scratch_base / f"card-{self.counter}"
        scratch.mkdir(parents=True)
        read_fd, write_fd = os.pipe()
        inherited = [self.proto_in, self.proto_out, read_fd, self.selector.fileno()]
        for other in self.running.values():
            inherited.append(other.pidfd)
            if other.result_fd is not None:
                inherited.append(other.result_fd)
        pid = os.fork()
        if pid == 0:
            try:
                for fd in inherited:  # the child must not read jobs, forge results or see other cards
                    os.close(fd)
                for fd in (0, 1, 2):
                    os.dup2(self.devnull, fd)
                os.close(self.devnull)
                from quizapp.core.execution import child

                child.run(job, limits.to_dict(), result_fd=write_fd, scratch=scratch,
                          hardening=self.hardening, worker_pid=self.pid)
            finally:
                os._exit(71)
        os.close(write_fd)
        try:
            os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
        except OSError:
            pass
        pidfd = os.pidfd_open(pid)
        os.set_blocking(read_fd, False)
        now = time.monotonic()
        running = Running(job_id, pid, pidfd, read_fd, scratch, limits, now, now + limits.wall_seconds)
        self.running[pid] = running
        self.selector.register(read_fd, selectors.EVENT_READ, ("result", running))
        self.selector.register(pidfd, selectors.EVENT_READ, ("exit", running))

    def read_result(self, running: Running) -> None:
        assert running.result_fd is not None
        while True:
            try:
                chunk = os.read(running.result_fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.selector.unregister(running.result_fd)
                os.close(running.result_fd)
                running.result_fd = None
                return
            running.data += chunk
            if len(running.data) > MAX_REPORT_BYTES:
                self.kill(running, f"the outcome was larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB")
                running.data.clear()

    def kill(self, running: Running, why: str) -> None:
        if running.killed_for is None:
            running.killed_for = why
        for target in (lambda: os.killpg(running.pid, signal.SIGKILL), lambda: os.kill(running.pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass

    def reap(self, running: Running) -> Outcome:
        if running.result_fd is not None:  # the process is gone, so whatever it wrote is readable now
            self.read_result(running)
            if running.result_fd is not None:
                self.selector.unregister(running.result_fd)
                os.close(running.result_fd)
                running.result_fd = None
        self.selector.unregister(running.pidfd)
        os.close(running.pidfd)
        _, status = os.waitpid(running.pid, 0)
        try:
            os.killpg(running.pid, signal.SIGKILL)  # anything that escaped into the group (cannot, but cheap)
        except OSError:
            pass
        del self.running[running.pid]
        shutil.rmtree(running.scratch, ignore_errors=True)
        seconds = time.monotonic() - running.started
        if running.killed_for:
            return Outcome.failure(running.killed_for, seconds=seconds)
        if running.data:
            try:
                report = json.loads(bytes(running.data))
            except (ValueError, UnicodeDecodeError):
                report = None
            if isinstance(report, dict):
                if not self.hardening_checked:
                    self.missing = [m for m in report.get("missing", []) if isinstance(m, str)]
                    self.hardening_checked = True
                return Outcome.from_report(report, seconds=seconds)
        return Outcome.failure(_death_reason(status, running.limits), seconds=seconds)

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
                    self.send({"op": "result", "id": job_id,
                               "outcome": _as_message(Outcome.failure(f"malformed job: {exc}"))})
                    continue
                self.queue.append((job_id, clean, limits))
        return True

    def serve(self) -> None:
        os.set_blocking(self.proto_in, False)
        self.selector.register(self.proto_in, selectors.EVENT_READ, ("app", None))
        alive = True
        while alive or self.running:
            while alive and self.queue and len(self.running) < self.children:
                job_id, job, limits = self.queue.popleft()
                try:
                    self.start(job_id, job, limits)
                except OSError as exc:  # fork or pipe refused (e.g. out of memory): the card fails, we go on
                    self.send({"op": "result", "id": job_id,
                               "outcome": _as_message(Outcome.failure(f"could not start the card: {exc}"))})
            now = time.monotonic()
            timeout = min((r.deadline - now for r in self.running.values() if r.killed_for is None), default=None)
            events = self.selector.select(None if timeout is None else max(timeout, 0.0))
            for key, _ in events:
                what, running = key.data
                if what == "app":
                    try:
                        chunk = os.read(self.proto_in, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:  # the app is gone: nothing may outlive it
                        self.shutdown()
                        return
                    self.inbox += chunk
                    alive = self.handle_inbox()
                elif what == "result" and running.result_fd is not None:
                    self.read_result(running)
                elif what == "exit" and running.pid in self.running:
                    outcome = self.reap(running)
                    self.send({"op": "result", "id": running.job_id, "outcome": _as_message(outcome)})
            now = time.monotonic()
            for running in list(self.running.values()):
                if running.killed_for is None and now >= running.deadline:
                    self.kill(running, f"time limit of {running.limits.wall_seconds:g} s exceeded")
        self.shutdown()

    def shutdown(self) -> None:
        for running in list(self.running.values()):
            self.kill(running, "the worker stopped")
            try:
                os.waitpid(running.pid, 0)
            except ChildProcessError:
                pass
        shutil.rmtree(self.scratch_base, ignore_errors=True)

    def probe(self) -> list[str]:
        """Run one card synchronously through the normal path; return what it could not enforce."""
        self.start("probe", PROBE_JOB, Limits(wall_seconds=30.0))
        running = next(iter(self.running.values()))
        while running.pid in self.running:
            for key, _ in self.selector.select(1.0):
                what, r = key.data
                if what == "result" and r.result_fd is not None:
                    self.read_result(r)
                elif what == "exit" and r.pid in self.running:
                    outcome = self.reap(r)
                    if not outcome.ok:
                        return [f"the sandbox self-test failed: {outcome.reason or outcome.display}"]
            if time.monotonic() > running.deadline:
                self.kill(running, "the sandbox self-test timed out")
        return list(self.missing)


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
        _warm_up()
        _clean_stale_scratch()
        worker = Worker(args.children, proto_in=0, proto_out=proto_out)
        enforcement = worker.probe()
        gc.collect()
        gc.freeze()  # children then never touch (and copy) the warm objects' pages for GC
        worker.send({"op": "ready", "pid": os.getpid(), "enforcement": enforcement})
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
