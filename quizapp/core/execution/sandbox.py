"""Hardening applied to each card's child process, right after the worker forks it.

Layers, each independent so that a kernel lacking one still gets the others:

- process group of its own and ``PR_SET_PDEATHSIG``: the worker can SIGKILL everything the card
  started, and the card dies with the worker;
- rlimits: address space (relative to the size at fork), CPU time, file size, no core dumps;
- new, empty network and private mount namespaces (``isolate_worker``: need root or a user namespace), made
  once for the whole worker, so every card inherits it;
- all capabilities dropped (the worker may run as root, as it does in CI containers);
- Landlock (``landlock.py``): writes only inside the card's scratch folder (and ``/dev/null``), reads
  only of Python's library and packages, quizapp's package and system libraries (:func:`read_roots`),
  no TCP, no signals to processes outside the card, no abstract unix sockets outside it;
- seccomp (libseccomp via ``pyseccomp``): no new processes, no exec, no sockets (socketpair, connect
  and sendto included), no ptrace, no mounts/namespaces/kernel modules/bpf/io_uring, no raising
  rlimits back, no file metadata changes, no SysV IPC, no memfds, no inotify, no change of the
  parent-death signal;
- a second, tiny seccomp filter whose listener the worker holds: it counts the card's new threads.

Audit hooks are deliberately not used: Python's own docs say code can bypass them. Each function
returns what it could *not* enforce; together they give the list ``Engine.enforcement()`` reports.
A child is hardened in two steps: :func:`enter_early` right after the fork (it may then wait as a
spare), :func:`enter_late` once its job, and so its limits, are known.
This module runs in the worker (where torch is already imported) and in its children, never in the app.
"""

from __future__ import annotations

import ctypes
import errno
import math
import os
import resource
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from quizapp.core.execution import landlock

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_PTRACER = 0x59616D61
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
CLONE_THREAD = 0x00010000

# Largest file a card may write inside its scratch folder.
FILE_SIZE_LIMIT = 16 * 1024 * 1024

class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


@dataclass
class Hardening:
    """What the worker prepared once (seccomp filter, Landlock ABI), reused by every child it forks."""

    landlock_abi: int = 0
    seccomp_filter: object | None = None
    # The filter compiled to BPF once: loading it is one prctl, where libseccomp recompiles per load.
    seccomp_bpf: bytes | None = None
    # What a card may read (Landlock): Python, its packages, system libraries; see read_roots().
    read_roots: list[tuple[str, bool]] = field(default_factory=list)  # (path, is a folder)
    # The thread filter (see _build_thread_filter) and the seccomp syscall's number to load it with a
    # listener; None where user notifications are unavailable (threads then bounded only by memory).
    thread_bpf: bytes | None = None
    seccomp_syscall: int | None = None
    problems: list[str] = field(default_factory=list)  # preparation failures, reported once


def prepare() -> Hardening:
    """Build what every child needs, once, in the long-lived worker (building a filter costs ~1 ms)."""
    _import_pyseccomp()
    hardening = Hardening(landlock_abi=landlock.abi(), read_roots=read_roots())
    try:
        hardening.seccomp_filter = flt = _build_seccomp_filter()
        hardening.seccomp_bpf = _compile(flt) or None
    except Exception as exc:  # libseccomp missing or too old: say so, keep the other layers
        hardening.problems.append(
            f"seccomp unavailable ({exc.__class__.__name__}: {exc}): snippets could start programs, "
            "open sockets and ptrace")
        return hardening
    try:
        import pyseccomp as sc

        hardening.thread_bpf = _compile(_build_thread_filter()) or None
        hardening.seccomp_syscall = int(sc.resolve_syscall(sc.system_arch(), "seccomp"))
    except Exception:  # libseccomp without notifications: reported by the worker (no listener)
        hardening.thread_bpf = None
    return hardening


def _import_pyseccomp() -> None:
    """Import pyseccomp with a quicker ``find_library``: its import looks up libc and libseccomp, and
    ctypes does that by running ``ldconfig -p`` twice (~20 ms from the worker, before its first card).
    The libraries' usual sonames are tried first; anything else goes to ctypes' own search."""
    import ctypes.util

    if "pyseccomp" in sys.modules:
        return
    search = ctypes.util.find_library

    def quick(name: str) -> str | None:
        for soname in {"c": ("libc.so.6",), "seccomp": ("libseccomp.so.2",)}.get(name, ()):
            try:
                ctypes.CDLL(soname)
                return soname
            except OSError:
                pass
        return search(name)

    ctypes.util.find_library = quick
    try:
        import pyseccomp  # noqa: F401 - loaded now, used by the builders below
    except Exception:  # noqa: BLE001 - missing or broken: prepare() reports it where it builds the filter
        pass
    finally:
        ctypes.util.find_library = search


# Folders a card may read beneath, besides Python's own (sys.path, prefixes): system libraries and the
# kernel's views. Not /etc (it holds host secrets), not home folders, not the working directory.
SYSTEM_READ_FOLDERS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/sys")
# Single files a card may read: what the C library, Python and torch look up at run time.
SYSTEM_READ_FILES = ("/etc/localtime", "/etc/ld.so.cache", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
                     "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/filesystems",
                     "/proc/sys/vm/overcommit_memory", "/dev/urandom", "/dev/random", "/dev/zero")


def python_roots() -> list[str]:
    """The folders Python itself needs: its standard library, its extension modules, the folders its
    packages are installed in, and quizapp's own package folder (not the project around it)."""
    import site
    import sysconfig

    import quizapp

    roots = [sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")]
    roots += site.getsitepackages()
    libdir = sysconfig.get_config_var("LIBDIR")  # libpython, when Python lives outside /usr
    if libdir:
        roots.append(libdir)
    roots.append(os.path.dirname(quizapp.__file__))
    return sorted({os.path.realpath(r) for r in roots if r and os.path.isdir(r)})


def read_roots() -> list[tuple[str, bool]]:
    """Everything a card may read: Python's library and packages, system libraries, a few files.

    Not every sys.path entry: an editable install puts the whole project (``.git`` included) there,
    and PYTHONPATH may name a home folder. The worker starts with -P and a clean environment, so the
    caller's folder is not on sys.path either.
    """
    roots: dict[str, bool] = {}
    for entry in [*python_roots(), *SYSTEM_READ_FOLDERS, *SYSTEM_READ_FILES]:
        real = os.path.realpath(entry)
        if os.path.isdir(real):
            roots[real] = True
        elif os.path.isfile(real) or entry.startswith("/dev/"):
            roots[real] = False
    return sorted(roots.items())


def clean_import_path() -> None:
    """Keep on sys.path only folders under :func:`python_roots` (quizapp's own modules are found
    through its package, whatever folder it came from), so a card sees no other folder there."""
    allowed = python_roots()
    sys.path[:] = [p for p in sys.path if p and any(
        os.path.realpath(p) == root or os.path.realpath(p).startswith(root + os.sep) for root in allowed)]


def _build_seccomp_filter() -> object:
    import pyseccomp as sc

    flt = sc.SyscallFilter(defaction=sc.ALLOW)
    eperm = sc.ERRNO(errno.EPERM)

    def deny(name: str, action: int = eperm, *args: object) -> None:
        try:
            flt.add_rule(action, name, *args)
        except Exception:
            pass  # a syscall this architecture does not have (e.g. fork on aarch64) needs no rule

    # New processes: fork/vfork, and clone without CLONE_THREAD. Threads stay allowed (torch may use
    # them). clone3 passes its flags in memory seccomp cannot read, so it reports ENOSYS and glibc
    # falls back to clone, which the rule above can inspect.
    for name in ("fork", "vfork"):
        deny(name)
    deny("clone", eperm, sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    deny("clone3", sc.ERRNO(errno.ENOSYS))
    for name in ("execve", "execveat"):
        deny(name)
    # No sockets at all: besides the network, a unix socket could reach host daemons (docker, dbus).
    deny("socket", sc.ERRNO(errno.EACCES))
    # Other processes and the kernel itself.
    for name in ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
                 "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree",
                 "move_mount", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
                 "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
                 "io_uring_register", "kexec_load", "kexec_file_load", "init_module", "finit_module",
                 "delete_module", "reboot", "swapon", "swapoff", "keyctl", "add_key", "request_key",
                 "open_by_handle_at", "name_to_handle_at", "settimeofday", "clock_settime",
                 "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "acct", "quotactl",
                 "syslog", "iopl", "ioperm", "fanotify_init", "migrate_pages", "move_pages",
                 "process_madvise", "setrlimit", "mknod", "mknodat"):
        deny(name)
    # prlimit64 reads limits too (glibc's getrlimit uses it): refuse only when it sets one.
    deny("prlimit64", eperm, sc.Arg(2, sc.NE, 0))
    # File metadata: Landlock has no right for it and seccomp cannot see paths, so it is refused
    # everywhere, scratch included (no card needs chmod; shutil.copyfile works, shutil.copy does not).
    for name in METADATA_SYSCALLS:
        deny(name)
    # SysV IPC reaches other processes' segments and queues and outlives the card; memfds are memory
    # outside RLIMIT_AS. Both refused.
    for name in ("shmget", "shmat", "shmctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
                 "semget", "semop", "semtimedop", "semctl", "memfd_create", "memfd_secret"):
        deny(name)
    # No socket can be made (socket is refused above): socketpair too, and nothing may be addressed
    # by path (a datagram to any unix socket on the host needs only sendto).
    for name in ("socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg",
                 "sendmmsg"):
        deny(name)
    # The parent-death signal is what kills a card when its worker dies: it must stay as set. Nor may
    # a card let another process ptrace it (Yama's PR_SET_PTRACER).
    for option in (PR_SET_PDEATHSIG, PR_SET_PTRACER, PR_SET_DUMPABLE):
        deny("prctl", eperm, sc.Arg(0, sc.EQ, option))
    # Watching folders the card cannot list (inotify) tells it what other programs do there.
    for name in ("inotify_init", "inotify_init1", "inotify_add_watch"):
        deny(name)
    return flt


# Every syscall that changes a file's mode, owner, times or extended attributes.
METADATA_SYSCALLS = ("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                     "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
                     "setxattrat", "removexattr", "lremovexattr", "fremovexattr", "removexattrat")


def _build_thread_filter() -> object:
    """A filter that hands each new thread (clone with CLONE_THREAD) to the worker to approve.

    seccomp alone cannot count; with a user-notification listener the worker counts a card's threads
    from outside it (``supervisor.ThreadBudget``). clone3 is refused (ENOSYS) so glibc uses clone.
    """
    import pyseccomp as sc

    flt = sc.SyscallFilter(defaction=sc.ALLOW)
    flt.add_rule(sc.NOTIFY, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, CLONE_THREAD))
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    return flt


def _compile(flt: object) -> bytes:
    with tempfile.TemporaryFile() as compiled:
        flt.export_bpf(compiled)  # type: ignore[attr-defined]
        compiled.seek(0)
        return compiled.read()


def isolate_worker() -> tuple[list[str], bool]:
    """Move the calling process (the worker, once) into new, empty network and mount namespaces.

    Every card forked afterwards inherits them for free (a namespace per card costs ~0.5 ms to make and
    more to tear down). The mount namespace is private, so the tmpfs scratch folders mounted in it
    (``scratch.py``) are invisible to the host. Root can do it directly; others through a user
    namespace where the kernel allows one. Returns (what could not be enforced, mounts possible).
    """
    if _libc.unshare(CLONE_NEWNET) == 0:
        return [], _private_mounts()
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) == 0:
        try:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        except OSError:
            pass  # the namespaces exist anyway; ids just show as the overflow id inside
        return [], _private_mounts(unshared=True)
    return (["no network namespace (needs root or unprivileged user namespaces): the network is blocked "
             "only by the seccomp socket filter"], False)


def _private_mounts(unshared: bool = False) -> bool:
    """A mount namespace of the worker's own, where nothing mounted propagates to the host."""
    if not unshared and _libc.unshare(CLONE_NEWNS) != 0:
        return False
    ms_rec, ms_private = 0x4000, 1 << 18
    return bool(_libc.mount(b"none", b"/", None, ms_rec | ms_private, None) == 0)


def enter_early(hardening: Hardening, *, scratch: Path, worker_pid: int) -> list[str]:
    """Harden a freshly forked child before it knows its job (a spare waiting for work).

    Everything here is independent of the job's limits, so it is paid before the job arrives.
    Returns what could not be enforced.
    """
    missing: list[str] = []
    # Own process group, so the worker's SIGKILL reaches anything left of the card (the worker also
    # calls setpgid on it, closing the race).
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        missing.append("parent-death signal unavailable: a card could outlive a killed worker")
    if os.getppid() != worker_pid:  # the worker died before the line above took effect
        os._exit(70)
    os.chdir(scratch)
    os.environ["TMPDIR"] = str(scratch)
    os.environ["HOME"] = str(scratch)
    tempfile.tempdir = str(scratch)  # the worker may have cached "/tmp" already, which cards cannot write
    _drop_capabilities()
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        missing.append("no_new_privs refused: Landlock and seccomp cannot be applied")
        return missing
    missing += landlock.restrict(hardening.landlock_abi, scratch, hardening.read_roots)
    return missing


def load_thread_filter(hardening: Hardening) -> int | None:
    """Install the thread filter (after no_new_privs); returns its listener fd for the worker, or None."""
    if not hardening.thread_bpf or hardening.seccomp_syscall is None:
        return None
    buffer = ctypes.create_string_buffer(hardening.thread_bpf, len(hardening.thread_bpf))
    fprog = _SockFprog(len(hardening.thread_bpf) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    fd = _libc.syscall(hardening.seccomp_syscall, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                       ctypes.byref(fprog))
    return int(fd) if fd >= 0 else None


def enter_late(hardening: Hardening, *, memory_mb: int, wall_seconds: float, cpu_slack: int = 0) -> list[str]:
    """The job's limits, then seccomp (last: it forbids setting limits). Returns what is not enforced.

    ``cpu_slack``: CPU seconds beyond one card's, for a child that may run several (see child.py)."""
    missing = _apply_rlimits(memory_mb, wall_seconds, cpu_slack)
    if hardening.seccomp_bpf and _load_bpf(hardening.seccomp_bpf):
        return missing
    if hardening.seccomp_filter is not None:
        try:
            hardening.seccomp_filter.load()  # type: ignore[attr-defined]
        except Exception as exc:
            missing.append(f"seccomp filter could not be loaded ({exc}): snippets could start programs "
                           "and open sockets")
    else:
        missing += hardening.problems
    return missing


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _load_bpf(program: bytes) -> bool:
    """Install a compiled seccomp filter (needs no_new_privs, set in enter_early). True on success."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    return bool(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0)


def touch_limits() -> None:
    """Read the limits and sizes enter_late will set (no change): faults its pages in early."""
    with open("/proc/self/statm", "rb") as statm:
        statm.read()
    for name in ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_FSIZE", "RLIMIT_CPU"):
        res = getattr(resource, name)
        resource.setrlimit(res, resource.getrlimit(res))
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # already set: a no-op that warms the ctypes call path
    ctypes.create_string_buffer(8)


def cpu_limit(wall_seconds: float) -> int:
    """A card's CPU-time limit (RLIMIT_CPU): a backstop behind the worker's wall-clock SIGKILL."""
    return max(1, math.ceil(wall_seconds)) + 1


def _apply_rlimits(memory_mb: int, wall_seconds: float, cpu_slack: int = 0) -> list[str]:
    missing = []
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm", "rb") as statm:
        vsize = int(statm.read().split()[0]) * page
    cpu = cpu_limit(wall_seconds) + cpu_slack
    for name, soft, hard in (
        ("RLIMIT_AS", vsize + memory_mb * 1024 * 1024, None),
        ("RLIMIT_CORE", 0, 0),
        ("RLIMIT_FSIZE", FILE_SIZE_LIMIT, FILE_SIZE_LIMIT),
        ("RLIMIT_CPU", cpu, cpu + 1),
    ):
        try:
            res = getattr(resource, name)
            resource.setrlimit(res, (soft, soft if hard is None else hard))
        except (OSError, ValueError) as exc:
            missing.append(f"{name} could not be set ({exc})")
    # A write past RLIMIT_FSIZE should fail with an OSError in the snippet, not kill the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return missing


def _drop_capabilities() -> None:
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _libc.capset(ctypes.byref(header), data)
