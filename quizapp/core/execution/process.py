"""One worker process as the app sees it: started in a clean environment, its messages read by a
thread, and the jobs it owes an answer to. ``engine.Engine`` owns one at a time (and replaces it).

Everything the worker sends is checked again here (``reply.parse``, ``Outcome.from_report``): the app
trusts no other process's bytes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core import locations
from quizapp.core.execution import preload, reply, supervisor
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome

if TYPE_CHECKING:
    from quizapp.core.execution.engine import Job

# The environment variables the worker (and so every card) inherits; everything else is dropped, every
# PYTHON* variable included (PYTHONPATH, PYTHONSTARTUP, PYTHONHOME...): the worker sets its own.
KEPT_ENV = ("PATH", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH", "QUIZAPP_DEBUG",
            "QUIZAPP_WORKER_PRELOAD")  # modules the user declares, imported by the worker at start (preload.py)
KEPT_ENV_PREFIXES = ("LC_",)

def _outcome_from_message(data: Any, limits: Limits) -> Outcome:
    """The Outcome in a worker's message, checked again (the app trusts no other process's bytes)."""
    if not isinstance(data, dict):
        return Outcome.failure("the execution worker sent an unreadable outcome")
    seconds = data.get("seconds")
    seconds = float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else 0.0
    outcome = Outcome.from_report(data, seconds=seconds, output_bytes=limits.output_bytes, escaped=True)
    extra = data.get("extra")
    kept: dict[str, Any] = {}
    pid = extra.get("pid") if isinstance(extra, dict) else None
    if isinstance(pid, int) and not isinstance(pid, bool):
        kept["pid"] = pid
    imported = preload.learned_names(extra.get("imported")) if isinstance(extra, dict) else []
    if imported:
        kept["imported"] = imported
    return dataclasses.replace(outcome, extra=kept) if kept else outcome


def _own_worker_cgroup(path: Any, worker_pid: int) -> str | None:
    """The cgroup folder a worker named, if it is really that worker's (the app writes cgroup.kill there)."""
    if not isinstance(path, str):
        return None
    folder = Path(path)
    parent = supervisor.own_cgroup()
    if parent is None or folder != parent / f"{supervisor.CGROUP_PREFIX}{worker_pid}":
        return None
    return str(folder)


class WorkerProcess:
    """One worker process, its reader thread and the jobs it owes an answer to."""

    def __init__(self, command: list[str]) -> None:
        # Only what Python, torch and quizapp need: tokens and passwords in the app's environment
        # (QUIZAPP_DB may hold one) must not be readable by a card, which could print them.
        env = {k: v for k, v in os.environ.items() if k in KEPT_ENV or k.startswith(KEPT_ENV_PREFIXES)}
        # It runs in a folder quizapp owns (never the caller's, which may be a stranger's deck repository).
        workdir = locations.ensure(locations.scratch_root())
        # One thread everywhere: forking after a multi-threaded OpenMP op can hang the child, and
        # cards are tiny; parallelism comes from running several cards at once instead.
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1",
                   HOME=str(workdir), TMPDIR=str(workdir),
                   # malloc asks for huge pages as torch's import allocates (glibc 2.35+, THP in madvise
                   # mode): the worker's later move onto huge pages (warmup.py) has ~5x less to do.
                   GLIBC_TUNABLES="glibc.malloc.hugetlb=1")
        # PR_SET_PDEATHSIG fires when the *thread* that forked the worker exits, so only ask for it
        # when that thread is the main thread; EOF on stdin covers the other cases.
        if threading.current_thread() is threading.main_thread():
            env["QUIZAPP_WORKER_PARENT"] = str(os.getpid())
        else:
            env.pop("QUIZAPP_WORKER_PARENT", None)
        debug = bool(os.environ.get("QUIZAPP_DEBUG"))
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
            env=env, cwd=workdir, start_new_session=True,  # no controlling terminal; ^C is the app's
        )
        self.cgroup: str | None = None  # the worker's own cgroup (it says which): killed when it is gone
        self.ready = threading.Event()
        self.dead = threading.Event()
        self.enforcement: list[str] = []
        self.fatal: str | None = None
        self.warmed = False  # True once the worker said it is ready
        self.stopping = False  # stop() was called: its end is not a failure
        self.pending: dict[int, tuple[Future[Outcome], Limits]] = {}
        self.lock = threading.Lock()  # guards pending
        self.write_lock = threading.Lock()  # one message at a time on the worker's stdin
        self.reader = threading.Thread(target=self._read, name="quizapp-engine-reader", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                message = reply.parse(line, extra_depth=2)  # {"op": ..., "outcome": {report}}
            except reply.ReplyError:
                continue
            if not isinstance(message, dict):
                continue
            op = message.get("op")
            if op == "result":
                job_id = message.get("id")
                with self.lock:
                    entry = self.pending.pop(job_id, None) if isinstance(job_id, int) else None
                if entry is not None and not entry[0].done():
                    entry[0].set_result(_outcome_from_message(message.get("outcome"), entry[1]))
            elif op == "ready":
                self.enforcement = [reply.printable(str(m)) for m in message.get("enforcement") or []]
                self.cgroup = _own_worker_cgroup(message.get("cgroup"), self.process.pid)
                self.warmed = True
                self.ready.set()
            elif op == "fatal":
                self.fatal = reply.printable(str(message.get("message") or "the execution worker could not start"))
        code = self.process.wait()
        if self.cgroup:  # whatever the worker left (it should be nothing: its cards die with it)
            supervisor.kill(Path(self.cgroup))
        if self.stopping:
            reason = "the execution engine was closed before this card finished"
        else:
            reason = self.fatal or (f"the execution worker stopped unexpectedly (exit code {code}); "
                                    "it is restarted for the next card")
        self.dead.set()
        self.ready.set()  # nobody waits for a worker that will never be ready
        with self.lock:
            orphans, self.pending = [f for f, _ in self.pending.values()], {}
        for future in orphans:
            if not future.done():
                future.set_result(Outcome.failure(reason))

    def send_op(self, message: dict[str, Any]) -> bool:
        """Write one message that needs no answer (``preload``); False when the worker is gone."""
        return self._write(message)

    def _write(self, message: dict[str, Any]) -> bool:
        """One JSON line to the worker's stdin, whole (under ``write_lock``); False when the pipe is gone."""
        data = (json.dumps(message) + "\n").encode()
        with self.write_lock:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return False
        return True

    def send(self, job_id: int, job: Job, limits: Limits, future: Future[Outcome]) -> bool:
        """Queue ``job`` on this worker; False when the worker is gone (the caller retries on a new one)."""
        sent: dict[str, Any] = {"setup": job.setup, "ask": job.ask, "kind": job.kind}
        if job.payload is not None:
            sent["payload"] = job.payload
        message: dict[str, Any] = {"op": "run", "id": job_id, "job": sent, "limits": limits.to_dict()}
        if job.group is not None:
            message["group"] = job.group
        if job.preload:
            message["preload"] = list(job.preload)
        with self.lock:
            if self.dead.is_set():
                return False
            self.pending[job_id] = (future, limits)
        # Written outside self.lock: a write can block while the worker's answers fill their pipe, and
        # the reader thread needs self.lock to hand those answers out (holding it here could deadlock).
        if not self._write(message):
            with self.lock:
                self.pending.pop(job_id, None)
            return False
        return True

    def stop(self) -> None:
        self.stopping = True
        if not self.ready.is_set():  # still importing torch: nothing to wind down, do not wait for it
            self.process.kill()
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()  # EOF: the worker kills its cards and exits
        except OSError:
            pass
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=3)
        if self.process.stdout is not None:
            self.process.stdout.close()
