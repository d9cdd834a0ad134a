"""The execution worker: imports torch once, warms it up, then forks one hardened child per card.

Started by ``Engine`` (``engine.worker_command``: ``python -P -s -B``, a clean environment, in quizapp's
scratch folder) with ``--children N --scratch FOLDER``. It never runs deck code itself; each job is run
by a fresh child (see ``child.py``), at most N at once. Each child's report is checked whole
(``reply.py``) before the worker turns it into its own message; each child's threads are approved by
the worker (``supervisor.ThreadBudget``) and its scratch folder is a tmpfs with a quota (``scratch.py``).

Start-up, in order: cgroup and namespaces (before any thread exists), ``import torch`` and the
warm-up with the garbage collector off (an import makes hundreds of thousands of objects, and
collecting them as they come costs ~10% of the import; nothing there is garbage worth finding),
the declared preloads, then ``gc.freeze`` before the first fork (children never touch the warm
objects' pages for GC). The move of the worker's memory onto huge pages
(``warmup.collapse_into_huge_pages``), which makes later forks several times cheaper, waits for the
first pause (``worker.py``), so it never delays a deck check or the first card. Spares and
scheduling: ``worker.py``; a child's life: ``children.py`` and ``child.py``. The network namespace
is made once, for the worker, and inherited by every card.

Protocol, one JSON object per line. The app writes to the worker's stdin::

    {"op": "run", "id": 7, "job": {"setup": "...", "ask": "...", "kind": "shape", "payload": {...}},
     "limits": {"wall_seconds": 5.0, "memory_mb": 1024, "output_bytes": 65536}}

    {"op": "preload", "modules": ["torch.fx.experimental.symbolic_shapes", ...]}
    {"op": "quit"}

(``payload`` is optional and kind-specific: see ``encoders.py``; ``preload``: see ``preload.py``.)

and reads from its stdout (the worker points its own fd 1 at /dev/null first, so nothing torch or a
library prints can corrupt the stream)::

    {"op": "ready", "pid": 123, "enforcement": ["what the kernel could not enforce", ...],
     "cgroup": "/sys/fs/cgroup/.../quizapp-worker-123" | null}
    {"op": "result", "id": 7, "outcome": {...Outcome fields...}}   # outcome.extra: {"pid": ...,
                                                                   #  "imported": [module, ...]}
    {"op": "fatal", "message": "..."}          # the worker cannot work (e.g. torch fails to import)

EOF on stdin (the app exited or was killed) makes the worker SIGKILL every running card and exit.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
from pathlib import Path

from quizapp.core.execution import scratch, supervisor, warmup
from quizapp.core.execution.worker import Worker


def _pid_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quizapp-worker")
    parser.add_argument("--children", type=int, default=1)
    parser.add_argument("--scratch", type=Path, required=True, help="the folder card scratch folders go in")
    args = parser.parse_args(argv)
    # The protocol goes to a private copy of stdout; fd 1 itself goes to /dev/null, so stray prints
    # (from torch, a library, or a bug) can never corrupt the message stream.
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the worker's whole life
    parent = os.environ.get("QUIZAPP_WORKER_PARENT")
    if parent:
        from quizapp.core.execution.sandbox import PR_SET_PDEATHSIG, _libc

        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if str(os.getppid()) != parent:
            return 0  # the app died before the line above took effect
    worker = None
    try:
        from quizapp.core.execution.sandbox import clean_import_path, isolate_worker

        # Before any card is forked: everything the worker starts lives in its cgroup (when it can have one).
        cgroup = supervisor.enter_own_cgroup()
        missing, mounts = isolate_worker()  # before torch starts any thread
        if cgroup is None:
            missing.append("no cgroup v2 folder could be made: a card's lifetime rests on its parent-death "
                           "signal (which it cannot change) alone")
        args.scratch.mkdir(parents=True, exist_ok=True)  # fail fast, before the long import
        gc.disable()  # see the module docstring; enabled again once everything is frozen
        warmup.warm_up()
        clean_import_path()
        scratch.repair(args.scratch, _pid_alive)
        worker = Worker(args.children, proto_in=0, proto_out=proto_out, missing=missing,
                        scratch_root=args.scratch, mounts=mounts)
        gc.freeze()
        gc.enable()
        enforcement = worker.probe()
        worker.send({"op": "ready", "pid": os.getpid(), "enforcement": enforcement,
                     "cgroup": str(cgroup) if cgroup else None})
    except Exception as exc:  # noqa: BLE001 - tell the app in one line why there is no worker
        message = {"op": "fatal", "message": f"the execution worker could not start: {exc.__class__.__name__}: {exc}"}
        os.write(proto_out, (json.dumps(message) + "\n").encode())
        return 1
    try:
        worker.serve()
    except BrokenPipeError:  # the app is gone
        worker.shutdown()
    # Every card is reaped and every scratch folder removed: nothing is left for the interpreter's own
    # shutdown to do but tear down torch's hundreds of modules one by one (~0.1 s the app would wait for).
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
