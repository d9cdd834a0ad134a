"""Hardening applied to each card's child process, right after the worker forks it.

Layers, each independent so that a kernel lacking one still gets the others:

- process group of its own and ``PR_SET_PDEATHSIG``: the worker can SIGKILL everything the card
  started, and the card dies with the worker;
- rlimits: address space (relative to the size at fork), CPU time, file size, no core dumps;
- a new, empty network namespace (``unshare(CLONE_NEWNET)``: needs root or a user namespace), made
  once for the whole worker, so every card inherits it;
- all capabilities dropped (the worker may run as root, as it does in CI containers);
- Landlock: writes only inside the card's scratch folder (and ``/dev/null``), reads only of Python,
  its packages and system libraries (:func:`read_roots`), no TCP, no signals to processes outside the
  card, no abstract unix sockets outside it;
- seccomp (libseccomp via ``pyseccomp``): no new processes, no exec, no sockets, no ptrace, no
  mounts/namespaces/kernel modules/bpf/io_uring, no raising rlimits back.

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

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
CLONE_THREAD = 0x00010000

# Largest file a card may write inside its scratch folder.
FILE_SIZE_LIMIT = 16 * 1024 * 1024

# --- Landlock (uapi/linux/landlock.h); the syscall numbers are the same on every architecture.
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_WRITE_FILE = 1 << 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_REMOVE_DIR = 1 << 4
_FS_REMOVE_FILE = 1 << 5
_FS_MAKE_CHAR = 1 << 6
_FS_MAKE_DIR = 1 << 7
_FS_MAKE_REG = 1 << 8
_FS_MAKE_SOCK = 1 << 9
_FS_MAKE_FIFO = 1 << 10
_FS_MAKE_BLOCK = 1 << 11
_FS_MAKE_SYM = 1 << 12
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_NET_BIND_TCP = 1 << 0  # ABI 4
_NET_CONNECT_TCP = 1 << 1  # ABI 4
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1  # ABI 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is missing or disabled."""
    abi = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(abi), 0)


@dataclass
class Hardening:
    """What the worker prepared once (seccomp filter, Landlock ABI), reused by every child it forks."""

    landlock_abi: int = 0
    seccomp_filter: object | None = None
    # The filter compiled to BPF once: loading it is one prctl, where libseccomp recompiles per load.
    seccomp_bpf: bytes | None = None
    # What a card may read (Landlock): Python, its packages, system libraries; see read_roots().
    read_roots: list[tuple[str, bool]] = field(default_factory=list)  # (path, is a folder)
    problems: list[str] = field(default_factory=list)  # preparation failures, reported once


def prepare() -> Hardening:
    """Build what every child needs, once, in the long-lived worker (building a filter costs ~1 ms)."""
    hardening = Hardening(landlock_abi=landlock_abi(), read_roots=read_roots())
    try:
        hardening.seccomp_filter = flt = _build_seccomp_filter()
        with tempfile.TemporaryFile() as compiled:
            flt.export_bpf(compiled)  # type: ignore[attr-defined]
            compiled.seek(0)
            hardening.seccomp_bpf = compiled.read() or None
    except Exception as exc:  # libseccomp missing or too old: say so, keep the other layers
        hardening.problems.append(
            f"seccomp unavailable ({exc.__class__.__name__}: {exc}): snippets could start programs, "
            "open sockets and ptrace")
    return hardening


# Folders a card may read beneath, besides Python's own (sys.path, prefixes): system libraries and the
# kernel's views. Not /etc (it holds host secrets), not home folders, not the working directory.
SYSTEM_READ_FOLDERS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/sys")
# Single files a card may read: what the C library, Python and torch look up at run time.
SYSTEM_READ_FILES = ("/etc/localtime", "/etc/ld.so.cache", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
                     "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/filesystems",
                     "/proc/sys/vm/overcommit_memory", "/dev/urandom", "/dev/random", "/dev/zero")


def read_roots() -> list[tuple[str, bool]]:
    """Everything a card may read: Python's prefixes and import path, system libraries, a few files.

    The working directory is left out even when it is on sys.path (``python -m`` puts it there): it
    is usually the user's project, and quizapp's own modules are imported before any card runs.
    """
    cwd = os.path.realpath(os.getcwd())
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    roots: dict[str, bool] = {}
    for entry in [*sys.path, *prefixes, *SYSTEM_READ_FOLDERS, *SYSTEM_READ_FILES]:
        real = os.path.realpath(entry or ".")
        if real == cwd and entry not in SYSTEM_READ_FOLDERS and not any(
                real.startswith(prefix + os.sep) for prefix in prefixes):
            continue
        if os.path.isdir(real):
            roots[real] = True
        elif os.path.isfile(real) or entry.startswith("/dev/"):
            roots[real] = False
    return sorted(roots.items())


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
    return flt


def isolate_network() -> str | None:
    """Move the calling process (the worker, once) into a new, empty network namespace.

    Every card forked afterwards inherits it for free (a namespace per card costs ~0.5 ms to make and
    more to tear down). Root can do it directly; others through a user namespace where the kernel allows
    one. Returns what could not be enforced, or None.
    """
    if _libc.unshare(CLONE_NEWNET) == 0:
        return None
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        try:
            Path("/proc/self/setgroups").write_text("deny")
            Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
            Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        except OSError:
            pass  # the namespaces exist anyway; ids just show as the overflow id inside
        return None
    return ("no network namespace (needs root or unprivileged user namespaces): the network is blocked "
            "only by the seccomp socket filter")


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
    missing += _apply_landlock(hardening.landlock_abi, scratch, hardening.read_roots)
    return missing


def enter_late(hardening: Hardening, *, memory_mb: int, wall_seconds: float) -> list[str]:
    """The job's limits, then seccomp (last: it forbids setting limits). Returns what is not enforced."""
    missing = _apply_rlimits(memory_mb, wall_seconds)
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
    return _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


def touch_limits() -> None:
    """Read the limits and sizes enter_late will set (no change): faults its pages in early."""
    with open("/proc/self/statm", "rb") as statm:
        statm.read()
    for name in ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_FSIZE", "RLIMIT_CPU"):
        res = getattr(resource, name)
        resource.setrlimit(res, resource.getrlimit(res))
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # already set: a no-op that warms the ctypes call path
    ctypes.create_string_buffer(8)


def _apply_rlimits(memory_mb: int, wall_seconds: float) -> list[str]:
    missing = []
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm", "rb") as statm:
        vsize = int(statm.read().split()[0]) * page
    cpu = max(1, math.ceil(wall_seconds)) + 1
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


def _apply_landlock(abi: int, scratch: Path, readable: list[tuple[str, bool]]) -> list[str]:
    if abi < 1:
        return ["no Landlock in this kernel: cards can read any file the user can and write outside "
                "their scratch folder (capabilities are dropped, so root-only files are safe)"]
    write_rights = (_FS_WRITE_FILE | _FS_REMOVE_DIR | _FS_REMOVE_FILE | _FS_MAKE_CHAR | _FS_MAKE_DIR
                    | _FS_MAKE_REG | _FS_MAKE_SOCK | _FS_MAKE_FIFO | _FS_MAKE_BLOCK | _FS_MAKE_SYM)
    if abi >= 2:
        write_rights |= _FS_REFER
    if abi >= 3:
        write_rights |= _FS_TRUNCATE
    read_rights = _FS_READ_FILE | _FS_READ_DIR
    attr = _RulesetAttr(handled_access_fs=write_rights | read_rights)
    size = 8
    missing = []
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    else:
        missing.append(f"Landlock ABI {abi} < 6: a card could signal other processes of the same user")
    ruleset = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                            ctypes.c_uint32(0))
    if ruleset < 0:
        return [f"Landlock ruleset refused (errno {ctypes.get_errno()}): file access is not restricted"]
    try:
        file_rights = _FS_WRITE_FILE | _FS_READ_FILE | (_FS_TRUNCATE if abi >= 3 else 0)
        rules: list[tuple[str | Path, int]] = [(scratch, write_rights | read_rights), ("/dev/null", file_rights),
                                               ("/proc/self", read_rights)]
        rules += [(path, read_rights if folder else _FS_READ_FILE) for path, folder in readable]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # gone since the worker listed it: nothing to allow
            try:
                rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
                if _libc.syscall(_SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset),
                                 ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH), ctypes.byref(rule),
                                 ctypes.c_uint32(0)) != 0:
                    return [f"Landlock rule for {path} refused: file access is not restricted"]
            finally:
                os.close(fd)
        if _libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return ["Landlock could not be enforced: file access is not restricted"]
    finally:
        os.close(ruleset)
    return missing
