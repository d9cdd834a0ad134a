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
# How long a shared child may take to import its deck's lazy modules before its first card.
PRELOAD_WAIT = 120.0
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
    job: dict[str, Any] | None = None  # the current job, kept to run it again in a fresh child if in doubt
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
    nonce: str = ""  # the current job's: its report must echo it (see child.run)
    jobs: int = 0  # jobs given so far; more than one only for a child shared by a deck (state_guard.py)
    shared: Any = None  # the (group, limits, modules) it runs cards for, when it may run several
    idle: bool = False  # shared, its last card answered and clean: waiting for the next of its deck
    threads_left: int = 0  # its thread budget when its current job was given
    doubted: bool = False  # its last card is to be run again in a fresh child (not answered here)
    preloading: bool = False  # importing its deck's lazy modules before its first card (not on its clock)

    @property
    def spare(self) -> bool:
        return self.job_fd is not None and self.jobs == 0

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
        """End every waiting spare and idle shared child (closing its job pipe ends it): they were
        forked before the worker changed (compiler set up, modules preloaded); new ones inherit it."""
        for proc in self.procs.values():
            if proc.spare or proc.idle:
                self.retire(proc)

    def retire(self, proc: Child) -> None:
        """Close a waiting child's job pipe: it exits (a spare or an idle shared child)."""
        if proc.job_fd is not None:
            os.close(proc.job_fd)
            proc.job_fd = None
        proc.idle = False

    def give(self, child: Child, job_id: Any, job: dict[str, Any], limits: Limits, *, share: Any = None) -> None:
        """Send a marked spare (or an idle shared child) its job; its clock starts now.

        ``share``: the (group, limits, modules to import first) of a job that may share its child with
        the next of its deck; the job pipe then stays open for it. Otherwise it is closed: its only job."""
        import json
        import secrets

        assert child.job_fd is not None
        child.job_id, child.job, child.limits, child.idle, child.answered = job_id, job, limits, False, False
        child.jobs += 1
        child.nonce = secrets.token_hex(8)
        child.shared = share if child.jobs == 1 else child.shared
        child.threads_left = child.threads.left if child.threads is not None else 0
        child.started = time.monotonic()
        child.deadline = child.started + limits.wall_seconds
        message = {"job": job, "limits": limits.to_dict(), "nonce": child.nonce, "share": child.shared is not None}
        if child.jobs == 1 and child.shared is not None and child.shared[2]:
            # Imported by the child before its first card; its "P" line then starts the card's clock.
            message["preload"] = list(child.shared[2])
            child.preloading = True
            child.deadline = child.started + PRELOAD_WAIT
        data = (json.dumps(message) + "\n").encode()
        try:
            view = memoryview(data)
            while view:  # blocking: the child is reading, so a long job cannot wedge the worker
                view = view[os.write(child.job_fd, view):]
        except OSError:
            pass  # the child died meanwhile; its exit is reported as this card's failure
        if child.shared is None:
            os.close(child.job_fd)
            child.job_fd = None

    def busy(self) -> int:
        """Children running a card or exiting (not spares, not idle shared ones)."""
        return sum(1 for p in self.procs.values() if not p.spare and not p.idle)

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
                if proc.data:  # a last report without its newline (or a card's scribbles)
                    self.answer_from_report(proc, bytes(proc.data), at_eof=True)
                    proc.data.clear()
                return
            proc.data += chunk
            if not proc.marked:
                self.take_marker(proc)
            while proc.marked and b"\n" in proc.data:
                line, _, rest = proc.data.partition(b"\n")
                proc.data = bytearray(rest)
                if line == b"P" and proc.preloading:  # its modules are in: the card's clock starts now
                    proc.preloading = False
                    proc.started = time.monotonic()
                    proc.deadline = proc.started + (proc.limits or Limits()).wall_seconds
                    continue
                self.answer_from_report(proc, bytes(line))
            if len(proc.data) > MAX_REPORT_BYTES:
                self.kill(proc, f"the outcome was larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB")
                proc.data.clear()

    def answer_from_report(self, proc: Child, line: bytes, *, at_eof: bool = False) -> None:
        """One report line from the child: answer for its card at once (the child may still be exiting),
        hand the card back to the queue (``requeue``) when it is in doubt, or keep the child for the
        next card of its deck when it says it is clean."""
        if not proc.running or proc.killed_for or proc.spare:
            if line.strip() and not proc.killed_for and (proc.idle or proc.answered):
                # Lines nobody asked for (a card writing on its own report pipe, to speak for the next
                # card): the child is not trusted with another card.
                self.kill(proc, "the card's process wrote more than its outcome")
            return
        seconds = time.monotonic() - proc.started
        report: Any
        try:
            report = reply.parse(line)
            if not isinstance(report, dict) or report.get("nonce") != proc.nonce:
                raise reply.ReplyError("the report is not the card's")
        except reply.ReplyError as exc:
            if isinstance(exc.__context__, ValueError) or "valid JSON" in str(exc):
                if not at_eof:  # a line that is not JSON: the card wrote on its own report pipe
                    self.kill(proc, "the card's process ended without a readable outcome")
                return  # incomplete or garbage at its exit: its exit status will say what happened
            report = None
            outcome = Outcome.failure(f"the card reported an unreadable outcome: {exc}", seconds=seconds)
        if report is None:
            self.finish(proc)
            self.answer(proc.job_id, dataclasses.replace(outcome, extra={"pid": proc.pid}))
            return
        if proc.shared is not None and report.get("doubt") is True:
            self.run_again(proc)  # it exits; the card runs again in a fresh child, whose outcome counts
            return
        if proc.job_id == PROBE_ID and isinstance(report.get("missing"), list):
            self.missing += [reply.printable(m[:400]) for m in report["missing"][:20] if isinstance(m, str)]
        limits = proc.limits or Limits()
        outcome = Outcome.from_report(report, seconds=seconds, output_bytes=limits.output_bytes)
        imported = preload.learned_names(report.get("imported"))  # names only, checked: a hint for next time
        job_id = proc.job_id
        threads_used = proc.threads is not None and proc.threads.left != proc.threads_left
        if proc.shared is not None and report.get("reusable") is True and not threads_used and not at_eof:
            proc.idle, proc.job_id, proc.deadline = True, None, float("inf")
        else:
            self.finish(proc)
        extra: dict[str, Any] = {"pid": proc.pid}
        if imported:
            extra["imported"] = imported
        self.answer(job_id, dataclasses.replace(outcome, extra={**outcome.extra, **extra}))

    def finish(self, proc: Child) -> None:
        """Its card is answered for and it gets no more (a shared child whose card left a trace)."""
        proc.answered = True
        if proc.job_fd is not None:
            os.close(proc.job_fd)
            proc.job_fd = None

    def run_again(self, proc: Child) -> None:
        """Take ``proc``'s card back (it is not answered here) and queue it first, for a fresh child."""
        if proc.job is not None and proc.limits is not None:
            self.requeue(proc.job_id, proc.job, proc.limits, proc.shared[2] if proc.shared else ())
        proc.doubted, proc.job_id, proc.deadline = True, None, float("inf")
        if proc.job_fd is not None:
            os.close(proc.job_fd)
            proc.job_fd = None

    def requeue(self, job_id: Any, job: dict[str, Any], limits: Limits,
                modules: tuple[str, ...]) -> None:  # see worker.Worker
        raise NotImplementedError

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
        if proc.shared is not None and proc.jobs > 1 and proc.killed_for is None:
            # A shared child that died by itself after other cards: whatever the cause, the card's
            # outcome is the one a fresh child gives.
            self.run_again(proc)
            return
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
