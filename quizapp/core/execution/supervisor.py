"""What is enforced on a card from outside it, by the worker and the app: its threads and its lifetime.

Threads. seccomp cannot count, and ``RLIMIT_NPROC`` does not apply to root, so each card's thread
filter (``sandbox._build_thread_filter``) sends every new thread to the worker as a seccomp user
notification; the worker, holding the listener, allows at most ``THREADS_PER_CARD`` per card and
answers EAGAIN after that (Python raises "can't start new thread"). The card never holds the listener:
the worker takes a copy with ``pidfd_getfd`` before it sends the job, and the card closes its own
before any of its code runs.

Lifetime. Every card has ``PR_SET_PDEATHSIG`` (SIGKILL), which seccomp keeps it from changing, so it
dies with its worker; the worker dies with the app (parent-death signal and EOF on its stdin). Where a
cgroup v2 folder can be made, the worker moves itself into one of its own at start; when the worker is
gone, the app kills whatever is left in it with ``cgroup.kill``, and a new worker removes the cgroups of
dead ones. This module imports nothing heavy: the app uses it too.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import struct
from pathlib import Path

# Threads a card may start over its life (torch's own pools are one thread here).
THREADS_PER_CARD = 64

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_SYS_PIDFD_GETFD = 438  # the same number on every architecture
_NOTIF_SIZE = 80  # struct seccomp_notif: id, pid, flags, seccomp_data (nr, arch, ip, args[6])
_RESP = struct.Struct("=QqiI")  # struct seccomp_notif_resp: id, val, error, flags
_CONTINUE = 1  # SECCOMP_USER_NOTIF_FLAG_CONTINUE
_EAGAIN = 11


def _iowr(nr: int, size: int) -> int:
    return (3 << 30) | (size << 16) | (ord("!") << 8) | nr


_NOTIF_RECV = _iowr(0, _NOTIF_SIZE)
_NOTIF_SEND = _iowr(1, _RESP.size)


def take_fd(pidfd: int, fd: int) -> int | None:
    """A copy of another process's file descriptor (``pidfd_getfd``, Linux 5.6), or None."""
    got = _libc.syscall(_SYS_PIDFD_GETFD, ctypes.c_int(pidfd), ctypes.c_int(fd), ctypes.c_uint(0))
    return int(got) if got >= 0 else None


class ThreadBudget:
    """The worker's side of one card's thread filter: answers each new thread yes or no."""

    def __init__(self, listener: int, limit: int = THREADS_PER_CARD) -> None:
        self.listener = listener
        self.left = limit
        self.listening = True  # the worker's selector watches it

    def answer_one(self) -> bool:
        """Answer one pending notification (call when the listener is readable); never raises.

        False when there was none: the card is gone (its listener then stays readable until it is
        reaped), or the thread asking was killed meanwhile.
        """
        request = bytearray(_NOTIF_SIZE)
        try:
            fcntl.ioctl(self.listener, _NOTIF_RECV, request)
        except OSError:
            return False
        (notification_id,) = struct.unpack_from("=Q", request)
        if self.left > 0:
            self.left -= 1
            response = _RESP.pack(notification_id, 0, 0, _CONTINUE)
        else:
            response = _RESP.pack(notification_id, 0, -_EAGAIN, 0)
        try:
            fcntl.ioctl(self.listener, _NOTIF_SEND, response)
        except OSError:
            pass
        return True

    def close(self) -> None:
        try:
            os.close(self.listener)
        except OSError:
            pass


# --- cgroups

CGROUP_PREFIX = "quizapp-worker-"


def _cgroup2_mount() -> Path | None:
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        left, _, right = line.partition(" - ")
        if right.split(" ", 1)[0] == "cgroup2":
            return Path(left.split()[4])
    return None


def own_cgroup() -> Path | None:
    """The folder of this process's cgroup v2, or None without one (cgroup v1 only, no /sys/fs/cgroup)."""
    mount = _cgroup2_mount()
    if mount is None:
        return None
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return mount / line[3:].lstrip("/")
    except OSError:
        pass
    return None


def enter_own_cgroup() -> Path | None:
    """Move this process (the worker, before it forks any card) into a new cgroup of its own.

    Returns its folder, or None where none can be made (no cgroup v2, no permission, no cgroup.kill).
    """
    parent = own_cgroup()
    if parent is None:
        return None
    remove_stale(parent)
    folder = parent / f"{CGROUP_PREFIX}{os.getpid()}"
    try:
        folder.mkdir()
    except OSError:
        return None
    try:
        if not (folder / "cgroup.kill").exists():
            raise OSError("no cgroup.kill (Linux < 5.14)")
        (folder / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        _rmdir(folder)
        return None
    return folder


def kill(folder: Path) -> None:
    """SIGKILL everything in a worker's cgroup and remove it; never raises."""
    try:
        (folder / "cgroup.kill").write_text("1")
    except OSError:
        return
    _rmdir(folder)


def remove_stale(parent: Path) -> None:
    """Kill and remove the cgroups of workers that are gone."""
    try:
        names = [p.name for p in parent.iterdir() if p.name.startswith(CGROUP_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(CGROUP_PREFIX):]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            kill(parent / name)


def _rmdir(folder: Path) -> None:
    # A cgroup can only be removed once its processes are gone; cgroup.kill is asynchronous.
    for _ in range(200):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            import time

            time.sleep(0.005)
