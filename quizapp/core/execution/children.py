"""The worker's children: fork a hardened spare, give it a job, read its report, reap it.

Every card runs in a fresh child forked from the warm worker (see ``child.py`` for its side). A child
is first a *spare*: forked ahead of time and hardened (``sandbox.enter_early``), it writes one line
naming its thread-filter listener and blocks on its job pipe. Once that line is read (the worker has
taken the listener with ``pidfd_getfd``) the spare is *marked* and may be given a job. The worker
answers as soon as a card's report is complete (the card closes its pipe before exiting) and reaps the
process just after, so the teardown of its address space is not on the user's clock.

:class:`Children` holds this bookkeeping; the loop that drives it is ``worker.Worker``.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.core.execution import preload, reply, scratch, supervisor
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome

# Largest outcome document a child may send; more than this and the card fails (the child's own
# bounds keep honest results far below it).
MAX_REPORT_BYTES = reply.MAX_REPLY_BYTES
# How long a fresh spare may take to hand over its thread-filter listener before it is killed.
MARKER_WAIT = 30.0
# The probe job's id (its outcome is kept by the worker, never sent to the app).
PROBE_ID = "probe"


@dataclass
class Child:
    """A forked child: first a hardened spare waiting for a job, then a running card, until reaped."""

    pid: int
    pidfd: int | None  # readable when the process exits; None on kernels without pidfd_open (< 5.3)
    job_fd: int | None  # write end of its job pipe; None once the job is sent
    result_fd: int | None  # read end of its result pipe; None after EOF
    scratch: Path
    born: float = 0.0
    job_id: Any = None
    limits: Limits | None = None
    started: float = 0.0
    deadline: float = float("inf")
    data: bytearray = field(default_factory=bytearray)
    killed_for: str | None = None  # why the worker killed it (time limit, oversized outcome)
    answered: bool = False  # its outcome has been sent (at EOF on its result pipe, before reaping)
    # The first line a spare writes names its thread-filter listener ("L5" or "L-"); until it has been
    # read (and the listener taken) the spare is not given a job.
    marked: bool = False
    threads: supervisor.ThreadBudget | None = None

    @property
    def spare(self) -> bool:
        return self.job_fd is not None

    @property
    def running(self) -> bool:
        """Given a job and not yet answered for."""
        return self.job_id is not None and not self.answered


class Children:
    """The children of one worker: spares and running cards, by pid. ``worker.Worker`` drives it."""

    def __init__(self, *, scratch_root: Path, mounts: bool, proto_out: int) -> None:
        import selectors

        from quizapp.core.execution import sandbox

        # Descriptors open before the worker made any of its own (torch's, the runtime's): children
        # keep those; everything the worker opens later (pipes, pidfds, listeners) they close.
        self.inherited_ok = _open_fds() - {proto_out}
        self.selector = selectors.DefaultSelector()
        self.procs: dict[int, Child] = {}
        self.counter = 0
        self.pid = os.getpid()
        self.scratch = scratch.Scratch(scratch_root / f"worker-{self.pid}", mounts=mounts)
        self.hardening = sandbox.prepare()
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.missing: list[str] = []  # what the worker could not enforce
        self.thread_bound = False  # a listener was taken: threads are counted

    def answer(self, job_id: Any, outcome: Outcome) -> None:  # the worker sends it to the app
        raise NotImplementedError

    # --- forking
    def fork_spare(self, *, prefault: bool = True) -> Child:
        """Fork and register one spare. ``prefault``: let it walk a card's path while it waits (worth it
        only when it will wait: a spare forked for a queue of jobs is given one at once)."""
        import selectors

        self.counter += 1
        folder = self.scratch.make(f"card-{self.counter}")
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # out of memory or processes: leave nothing half-made behind
            for fd in (job_read, job_write, result_read, result_write):
                os.close(fd)
            self.scratch.remove(folder)
            raise
        if pid == 0:
            try:
                for fd in (0, 1, 2):
                    os.dup2(self.devnull, fd)
                # A card must not read jobs, write the worker's messages, see other cards' pipes or
                # answer their thread requests: every descriptor the worker made is closed.
                keep = self.inherited_ok | {0, 1, 2, job_read, result_write}
                for fd in _open_fds() - keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                from quizapp.core.execution import child

                child.run(job_fd=job_read, result_fd=result_write, scratch=folder,
                          hardening=self.hardening, worker_pid=self.pid, prefault=prefault)
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
        proc = Child(pid, pidfd, job_write, result_read, folder, born=time.monotonic())
        self.procs[pid] = proc
        self.selector.register(result_read, selectors.EVENT_READ, ("result", proc))
        if pidfd is not None:
            self.selector.register(pidfd, selectors.EVENT_READ, ("exit", proc))
        return proc

    def retire_spares(self) -> None:
        """End every waiting spare (closing its job pipe ends it): they were forked before the worker
        changed (compiler set up, modules preloaded), and new ones inherit the change."""
        for proc in self.procs.values():
            if proc.spare and proc.job_fd is not None:
                os.close(proc.job_fd)
                proc.job_fd = None

    def give(self, spare: Child, job_id: Any, job: dict[str, Any], limits: Limits) -> None:
        """Send a marked spare its job; its clock starts now."""
        import json

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

    def ready_spare(self) -> Child | None:
        return next((p for p in self.procs.values() if p.spare and p.marked), None)

    # --- reading
    def take_marker(self, proc: Child) -> None:
        """Read the spare's first line ("L<fd>" or "L-") and take its listener with pidfd_getfd."""
        import selectors

        line, newline, rest = proc.data.partition(b"\n")
        if not newline:
            return
        proc.marked = True
        proc.data = bytearray(rest)
        number = line[1:].decode("ascii", "replace")
        if line[:1] == b"L" and number.isdigit() and proc.pidfd is not None:
            listener = supervisor.take_fd(proc.pidfd, int(number))
            if listener is not None:
                self.thread_bound = True
                proc.threads = supervisor.ThreadBudget(listener)
                self.selector.register(listener, selectors.EVENT_READ, ("threads", proc))

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
            if not proc.marked:
                self.take_marker(proc)
            if len(proc.data) > MAX_REPORT_BYTES:
                self.kill(proc, f"the outcome was larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB")
                proc.data.clear()

    def answer_from_report(self, proc: Child) -> None:
        """At EOF: answer at once when the child sent a complete report (it is still exiting)."""
        if proc.answered or proc.killed_for or proc.spare or not proc.data:
            return
        seconds = time.monotonic() - proc.started
        imported: list[str] = []
        try:
            report = reply.parse(bytes(proc.data))
        except reply.ReplyError as exc:
            if isinstance(exc.__context__, ValueError) or "valid JSON" in str(exc):
                return  # incomplete or garbage: its exit status will say what happened
            outcome = Outcome.failure(f"the card reported an unreadable outcome: {exc}", seconds=seconds)
        else:
            if proc.job_id == PROBE_ID and isinstance(report, dict) and isinstance(report.get("missing"), list):
                self.missing += [reply.printable(m[:400]) for m in report["missing"][:20] if isinstance(m, str)]
            limits = proc.limits or Limits()
            outcome = Outcome.from_report(report, seconds=seconds, output_bytes=limits.output_bytes)
            if isinstance(report, dict):  # names only, checked: a hint for the next run's preload
                imported = preload.learned_names(report.get("imported"))
        proc.answered = True
        extra: dict[str, Any] = {"pid": proc.pid}
        if imported:
            extra["imported"] = imported
        self.answer(proc.job_id, dataclasses.replace(outcome, extra={**outcome.extra, **extra}))

    # --- ending
    def kill(self, proc: Child, why: str) -> None:
        if proc.killed_for is None:
            proc.killed_for = why
        for signal_to in (os.killpg, os.kill):  # the group first: anything the card left behind
            try:
                signal_to(proc.pid, signal.SIGKILL)
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
        if proc.threads is not None:
            if proc.threads.listening:
                self.selector.unregister(proc.threads.listener)
            proc.threads.close()
            proc.threads = None
        if status is None:
            # Before reaping, while the zombie still holds the id: anything left in its process group
            # (there cannot be: cards cannot fork; but it is cheap, and after reaping the id is free).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            _, status = os.waitpid(proc.pid, 0)
        del self.procs[proc.pid]
        self.scratch.remove(proc.scratch)
        if proc.job_id is None or proc.answered:
            return  # a spare that died unused, or a card already answered at EOF
        seconds = time.monotonic() - proc.started
        reason = proc.killed_for or death_reason(status, proc.limits or Limits())
        outcome = Outcome.failure(reason, seconds=seconds)
        self.answer(proc.job_id, dataclasses.replace(outcome, extra={"pid": proc.pid}))

    def shutdown(self) -> None:
        for proc in list(self.procs.values()):
            self.kill(proc, "the worker stopped")
            try:
                os.waitpid(proc.pid, 0)
            except ChildProcessError:
                pass
        self.scratch.remove_all()


def death_reason(status: int, limits: Limits) -> str:
    """Why a card's process ended without a report, from its wait status."""
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


def _open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd") if name.isdigit()}
