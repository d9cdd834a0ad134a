"""Whether a card left anything behind that the next card of its deck could see (runs in a child).

``deck check`` gives a child several cards of one deck in a row when each passes the static screen of
``sharing.py``: a fresh fork per card costs ~10 ms of CPU here (copy-on-write faults, tmpfs, exit), ten
times a small card's own time. It is only worth it if a card cannot tell that it is not the first, so
after every card the child compares a fingerprint of everything a card could change and a later card
could observe (below) with the one taken before the first card, and it keeps going only when they are
equal, nothing was written to the scratch folder, no thread was started and no warning was shown
(torch's C++ code warns once per process, so a later card would not see the same warning). Anything
else ends the process: the next card gets a fresh child, exactly as in a study session.

A card that failed, or went beyond what a fresh child would have allowed it (the memory and CPU limits
of a shared child are a little higher, so that every card in it has at least a fresh child's), is
run again in a fresh child, whose outcome is the one reported.

This is a check of honest cards, not a wall: a card written to defeat it can influence what
``deck check`` reports for later cards *of its own deck*. It cannot reach other decks, study sessions
(every study card runs in its own fresh child) or the host: every process is hardened the same way.
"""

from __future__ import annotations

import builtins
import gc
import os
import resource
import signal
import sys
import threading
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy
import torch

REUSE, RETIRE, DOUBT = "reuse", "retire", "doubt"
_MB = 1024 * 1024

# Namespaces whose bindings a card could change for the next one (by assignment, or through an alias
# the static screen cannot follow): compared by the identity of every value.
_MODULES: tuple[ModuleType, ...] = (
    torch, torch.nn, torch.nn.functional, torch.nn.init, torch.nn.utils, torch.nn.modules.module,
    torch.linalg, torch.fft, torch.special, torch.autograd, torch.autograd.graph, torch.random,
    torch.optim, torch.utils, torch.utils.data, torch.testing, torch.overrides, torch.types,
    torch._tensor_str, torch.functional, torch.serialization, numpy, numpy.random, builtins, sys, os,
    warnings, gc, signal, threading,
)
_shown_warnings = [0]  # warnings shown in this process, counted by _counting_showwarning


def _classes() -> list[type]:
    """torch's classes a card touches most (Tensor, Module and every layer, optimisers, autograd)."""
    found: dict[int, type] = {}
    for module in (torch, torch.nn, torch.optim, torch.autograd):
        for value in vars(module).values():
            if isinstance(value, type) and getattr(value, "__module__", "").startswith("torch"):
                found[id(value)] = value
    for cls in (torch.Tensor, torch.nn.Module, torch.nn.Parameter, torch.Size, torch.autograd.Function):
        found[id(cls)] = cls
    return list(found.values())


_CLASSES = _classes()


def _flag(read: Any, *args: Any) -> Any:
    try:
        return read(*args)
    except Exception:  # noqa: BLE001 - a flag this torch release does not have
        return None


def _flags() -> tuple[Any, ...]:
    """torch's process-wide switches (defaults, modes, print options, backends, global hooks)."""
    backends = torch.backends
    return (
        torch.get_default_dtype(), torch.is_grad_enabled(), torch.is_inference_mode_enabled(),
        torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.get_num_threads(), torch.get_num_interop_threads(), torch.is_anomaly_enabled(),
        _flag(torch.is_anomaly_check_nan_enabled), torch.get_float32_matmul_precision(),
        _flag(lambda: str(torch.get_default_device())), _flag(torch.is_autocast_enabled, "cpu"),
        _flag(lambda: torch._C._len_torch_function_stack()), _flag(lambda: torch._C._len_torch_dispatch_stack()),
        _flag(lambda: torch._C._is_torch_function_enabled()), _flag(lambda: torch._C._get_tracing_state()),
        _flag(lambda: torch._C._is_multithreading_enabled()),
        _flag(lambda: torch._C._autograd._top_saved_tensors_default_hooks(False)),
        tuple(vars(torch._tensor_str.PRINT_OPTS).items()),
        backends.mkldnn.enabled, backends.cudnn.enabled, backends.cudnn.benchmark, backends.cudnn.deterministic,
        _flag(lambda: backends.opt_einsum.enabled), _flag(lambda: backends.opt_einsum.strategy),
    )


def _interpreter() -> tuple[Any, ...]:
    """Python's own process-wide state: hooks, paths, filters, environment, folder, threads, signals."""
    return (
        sys.getrecursionlimit(), sys.gettrace(), sys.getprofile(), tuple(sys.path), tuple(sys.meta_path),
        tuple(sys.path_hooks), sys.displayhook, sys.excepthook, sys.unraisablehook, sys.breakpointhook,
        len(sys.modules), tuple(warnings.filters), warnings.showwarning, gc.isenabled(),
        gc.get_threshold(), tuple(gc.callbacks), os.getcwd(), tuple(os.listdir(".")), threading.active_count(),
        len(os.listdir("/proc/self/task")),
        tuple(signal.getsignal(s) for s in _SIGNALS),
        tuple(bool(signal.getitimer(t)[0]) for t in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)),
        _shown_warnings[0],
    )


_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCHLD,
            signal.SIGPIPE, signal.SIGXFSZ, signal.SIGSEGV, signal.SIGFPE)


def _namespaces() -> list[Any]:
    """Every binding of the namespaces and classes above (module dicts, class dicts, os.environ)."""
    return [*(vars(m) for m in _MODULES), *(cls.__dict__ for cls in _CLASSES), os.environ._data]  # type: ignore[attr-defined]


def _equal(live: Any, saved: dict[str, Any]) -> bool:
    """``live`` still binds the very same values as ``saved`` (identity first: the common case is one
    C-level comparison; a changed value compared with ``==`` may be anything, so any error is a change)."""
    try:
        return bool(live == saved)
    except Exception:  # noqa: BLE001
        return False


@dataclass(frozen=True)
class State:
    """The child before its first card: switches, interpreter state, namespace copies, its size."""

    flags: tuple[Any, ...]
    interpreter: tuple[Any, ...]
    namespaces: list[dict[Any, Any]]
    vsize: int

    def unchanged(self) -> bool:
        """Whether the process is, as far as a later card could observe, as it was then."""
        return (self.interpreter == _interpreter() and self.flags == _flags()
                and all(_equal(live, saved) for live, saved in zip(_namespaces(), self.namespaces, strict=True)))


def snapshot() -> State:
    """The state to compare every later card's with; also starts counting shown warnings."""
    if warnings.showwarning is not _counting_showwarning:
        _counting_showwarning.original = warnings.showwarning  # type: ignore[attr-defined]
        warnings.showwarning = _counting_showwarning
    return State(_flags(), _interpreter(), [dict(n) for n in _namespaces()], _memory()[1])


def _counting_showwarning(*args: Any, **kwargs: Any) -> Any:
    _shown_warnings[0] += 1
    return _counting_showwarning.original(*args, **kwargs)  # type: ignore[attr-defined]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _memory() -> tuple[int, int]:
    """(peak, current) address-space size of this process, in bytes (VmPeak and VmSize)."""
    peak = size = 0
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmPeak:"):
                peak = int(line.split()[1]) * 1024
            elif line.startswith(b"VmSize:"):
                size = int(line.split()[1]) * 1024
    return peak, size


def judge(baseline: State, *, failed: bool, memory_mb: int, memory_slack_mb: int, card_cpu: float,
          cpu_limit: float, cpu_slack: float) -> str:
    """After a card: REUSE (give this child the next card), RETIRE (it ends; the card's outcome
    stands) or DOUBT (it ends and the card runs again in a fresh child)."""
    peak, size = _memory()
    if failed or peak > baseline.vsize + memory_mb * _MB or card_cpu > cpu_limit:
        return DOUBT
    if not baseline.unchanged():
        return RETIRE
    # The next card must have at least a fresh child's room: its limits are the slack above one card's.
    if cpu_seconds() >= cpu_slack or size - baseline.vsize > memory_slack_mb * _MB:
        return RETIRE
    return REUSE
