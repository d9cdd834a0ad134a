"""What runs inside one card's child process: harden, run the snippet, encode its outcome, report.

The worker forks this child per card, so the snippet starts from the warm worker's memory (torch
already imported) and every change it makes, monkeypatching torch or builtins included, dies with it.
Turning the result into text (``repr``) and into the JSON tree of ``outcome.py`` happens here, under
the card's limits: a ``__repr__`` that never returns is cut off by the wall-clock limit, not the app.
The only thing that leaves this process is one bounded JSON document on ``result_fd``.
"""

from __future__ import annotations

import builtins
import io
import json
import math
import os
import random
import select
import sys
from pathlib import Path
from typing import Any, NoReturn

import numpy
import torch
import torch.nn as nn
import torch.nn.functional as F

from quizapp.core.execution import encoders, preload, sandbox, state_guard

# Bounds on what a result may turn into; they keep the JSON small whatever the snippet returns.
MAX_TENSOR_ELEMENTS = 10_000  # larger tensors are encoded with "values": null (shape and dtype stay)
MAX_ITEMS = 10_000  # elements of lists/tuples/dicts, and tensor elements, in one outcome
MAX_DEPTH = 32
MAX_TEXT = 20_000  # characters of a display, repr or message
MAX_ERROR_MESSAGE = 4_000
MAX_NAME = 300  # characters of a class or field name (a card can make them as long as it likes)
MAX_ERROR_TYPES = 32  # classes listed from an exception's MRO

# A child that runs several cards of one deck (see state_guard.py) gets this much more address space
# and CPU time than one card would, and is given another card only while it has used less than that:
# every card it runs has at least what a fresh child would give it; a card that goes beyond what a
# fresh child allows is run again in a fresh one.
SHARED_MEMORY_SLACK_MB = 256
SHARED_CPU_SLACK = 2

# Messages with which torch and Python report that RLIMIT_AS refused an allocation.
_OUT_OF_MEMORY = ("DefaultCPUAllocator: can't allocate memory", "not enough memory", "Cannot allocate memory")

# Captured now, before any snippet can rebind them.
_dumps = json.dumps
_repr = repr
_isinstance = isinstance
_type = type
_write = os.write
_exit = os._exit
_modules = sys.modules


class BoundedOutput(io.TextIOBase):
    """Stands in for sys.stdout and sys.stderr: keeps the first ``limit`` bytes, counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            piece = text[:room]
            self.kept.append(piece)
            self.size += len(piece.encode("utf-8", "replace"))
            self.dropped += len(text) - len(piece)
        else:
            self.dropped += len(text)
        return len(text)

    def text(self) -> str:
        out = "".join(self.kept)
        if self.dropped:
            out += f"\n[output truncated: {self.dropped} more characters]"
        return out


def run(*, job_fd: int, result_fd: int, scratch: Path, hardening: sandbox.Hardening,
        worker_pid: int, prefault: bool = True) -> NoReturn:
    """The child's whole life. Never returns: the process ends with ``os._exit``.

    Hardened at once, it then waits (as a spare) for its job on ``job_fd``: one line of JSON,
    ``{"job": {...}, "limits": {...}, "nonce": "...", "share": bool}``, and answers with one line (the
    report, which echoes the nonce). ``share``: the job may share this process with later jobs of its
    deck (``sharing.py``); after such a job the child checks that the card left nothing behind
    (``state_guard.py``) and, if so, says ``"reusable": true`` and waits for the next line. Otherwise,
    or at EOF, it exits. ``prefault``: walk a card's path while waiting (see :func:`_prefault`); the
    worker turns it off for spares it forks for a queue of jobs.
    """
    lines = _Lines(job_fd)
    marked = False
    try:
        missing = sandbox.enter_early(hardening, scratch=scratch, worker_pid=worker_pid)
        # The thread filter's listener goes to the worker (it takes a copy with pidfd_getfd once it
        # has read this line, and only then sends the job); this process closes its own before any
        # card code runs, so a card can never answer its own thread requests.
        listener = sandbox.load_thread_filter(hardening)
        _write_all(result_fd, b"L-\n" if listener is None else b"L%d\n" % listener)
        marked = True
        if prefault and not select.select([job_fd], [], [], 0)[0]:  # a job already waiting gains nothing
            _prefault()
        message = lines.next()
        if listener is not None:
            os.close(listener)
    except BaseException as exc:  # noqa: BLE001 - the job it is given fails, saying why (no busy respawning)
        _fail_preparation(result_fd, lines, marked, exc)
    baseline: state_guard.State | None = None
    first = True
    streams = sys.stdout, sys.stderr  # each card's output replaces them; put back after it
    while message:
        nonce: Any = None
        reusable = False
        try:
            request = json.loads(message)
            job, limits, nonce = request["job"], request["limits"], request.get("nonce")
            share = request.get("share") is True
            memory_mb = int(limits["memory_mb"])
            if first:
                if share and request.get("preload"):
                    # Modules the deck's cards import lazily (preload.py), once for all of them, before
                    # the limits (they are not the cards' memory) and before the state is recorded.
                    preload.import_modules(preload.valid_names(request["preload"]), freeze=True)
                    _write_all(result_fd, b"P\n")  # the worker starts the card's clock now
                missing += sandbox.enter_late(hardening, memory_mb=memory_mb + (SHARED_MEMORY_SLACK_MB if share else 0),
                                              wall_seconds=float(limits["wall_seconds"]),
                                              cpu_slack=SHARED_CPU_SLACK if share else 0)
                if share:
                    baseline = state_guard.snapshot()
            card_cpu = state_guard.cpu_seconds()
            before = set(_modules)
            report = _run_snippet(job, memory_mb, int(limits["output_bytes"]))
            sys.stdout, sys.stderr = streams
            report["missing"] = missing
            report["imported"] = _imported_since(before)
            report["nonce"] = nonce
            if share and baseline is not None:
                # A card that may have left a trace, or that came near a limit a fresh child would have
                # set lower, ends this process: the next card gets a fresh one. One that failed, or went
                # past a fresh child's limits, is run again in a fresh child (its outcome there is the one).
                verdict = state_guard.judge(baseline, failed=report.get("status") == "failed",
                                            memory_mb=memory_mb, card_cpu=state_guard.cpu_seconds() - card_cpu,
                                            cpu_limit=sandbox.cpu_limit(float(limits["wall_seconds"])),
                                            cpu_slack=SHARED_CPU_SLACK, memory_slack_mb=SHARED_MEMORY_SLACK_MB)
                reusable = verdict == state_guard.REUSE
                report["doubt"] = verdict == state_guard.DOUBT
            report["reusable"] = reusable
            data = _dumps(report, allow_nan=False).encode("utf-8")
        except BaseException as exc:  # noqa: BLE001 - the report itself failed; say so in plain data
            why = f"the outcome could not be reported ({_type(exc).__name__})"
            data = _dumps({"status": "failed", "reason": why, "nonce": nonce}).encode()
            reusable = False
        _write_all(result_fd, data + b"\n")
        if not reusable:
            break
        first = False
        try:
            message = lines.next()
        except BaseException:  # noqa: BLE001
            break
    # Close before exiting: the worker answers on EOF, and a process's files are closed only after its
    # (large, torch-sized) address space has been torn down.
    try:
        os.close(result_fd)
    except OSError:
        pass
    _exit(0)


def _fail_preparation(result_fd: int, lines: _Lines, marked: bool, exc: BaseException) -> NoReturn:
    """Hardening failed: answer the job this spare is given with the reason, then exit."""
    try:
        if not marked:
            _write_all(result_fd, b"L-\n")
        request = json.loads(lines.next() or b"{}")
        nonce = request.get("nonce") if isinstance(request, dict) else None
        why = f"the card's process could not be prepared ({_type(exc).__name__}: {_safe_str(exc, 300)})"
        _write_all(result_fd, _dumps({"status": "failed", "reason": why, "nonce": nonce}).encode() + b"\n")
    finally:
        _exit(70)


class _Lines:
    """Reads the worker's job lines from a pipe; ``next()`` is b"" at EOF."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def next(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return b""  # EOF: the worker has no (more) jobs for this child
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line


def _imported_since(before: set[str]) -> list[str]:
    """The modules this card's run imported that the worker could preload for it next time.

    Only where each new import entered (a module whose package was already loaded, or a new top-level
    package): importing those in the worker brings in the rest. Names only, a few at most; the worker
    and the app check them again (``preload.learned_names``), since the card controls this process.
    """
    try:
        entries = []
        for name in _modules.keys() - before:
            parent = name.rpartition(".")[0] if _isinstance(name, str) else None
            if parent == "" or parent in before:
                entries.append(name)
        return preload.learned_names(sorted(entries, key=lambda n: (n.count("."), n)))
    except BaseException:  # noqa: BLE001 - a card that replaced sys.modules: no hint, still a report
        return []


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = _write(fd, view)
        except OSError:
            return
        view = view[written:]


def _prefault() -> None:
    """Walk the path a card takes, on our own dummy data, while this spare waits for its job.

    Right after a fork every page is shared with the worker, and the first write to each (Python
    writes reference counts everywhere) costs a copy-on-write fault: a few hundred microseconds per
    step of a card. Paying them here, before the job arrives, takes them off the user's clock. Only
    quizapp's own code runs, and everything a card can observe (seeds, namespace) is reset per card.
    """
    out = BoundedOutput(64)
    out.write("warm")
    sandbox.touch_limits()
    value = torch.ones(2, 3).t()
    for kind in encoders.ENCODERS:
        _dumps(_outcome(kind, value))
    _dumps(_raised(RuntimeError("warm"), 0, out))
    torch.default_generator.manual_seed(0)
    random.seed(0)
    numpy.random.seed(0)


def _run_snippet(job: dict[str, Any], memory_mb: int, output_bytes: int) -> dict[str, Any]:
    out = BoundedOutput(output_bytes)
    sys.stdout = sys.stderr = out
    # The CPU generator directly: torch.manual_seed also queues CUDA/MPS/XPU seeding (~1.5 ms) for
    # devices a card can never use here.
    torch.default_generator.manual_seed(0)
    random.seed(0)
    numpy.random.seed(0)
    namespace: dict[str, Any] = {"torch": torch, "nn": nn, "F": F, "__name__": "__card__"}
    kind = job["kind"]
    saved_builtins = dict(builtins.__dict__)
    try:
        if job.get("setup"):
            exec(compile(job["setup"], "<setup>", "exec"), namespace)
        result = eval(compile(job["ask"], "<ask>", "eval"), namespace)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are outcomes too
        _restore(builtins.__dict__, saved_builtins)
        return _raised(exc, memory_mb, out)
    # A snippet that rebinds builtins (len = None) must not break the encoding of its own result.
    _restore(builtins.__dict__, saved_builtins)
    try:
        return _outcome(kind, result) | {"stdout": out.text()}
    except _NoOutcome as why:
        return {"status": "failed", "reason": str(why), "stdout": out.text()}
    except BaseException as exc:  # noqa: BLE001 - e.g. a __repr__ that raises or runs out of memory
        if _is_out_of_memory(exc):
            return {"status": "failed", "reason": f"memory limit of {memory_mb} MB exceeded",
                    "stdout": out.text()}
        return {"status": "failed", "stdout": out.text(),
                "reason": f"the result could not be shown: {_type(exc).__name__}: {_safe_str(exc, 300)}"}


def _restore(live: dict[str, Any], saved: dict[str, Any]) -> None:
    live.clear()
    live.update(saved)


_NoOutcome = encoders.NoOutcome  # the result cannot give the kind's outcome (e.g. an int has no shape)


def _outcome(kind: str, result: Any) -> dict[str, Any]:
    """The card result (a Python object) -> the encoded report, by the kind's encoder (encoders.py)."""
    return encoders.encode(kind, result, value=lambda v: Encoder().encode(v, 0), show=lambda v: _clip(_repr(v)))


def _raised(exc: BaseException, memory_mb: int, out: BoundedOutput) -> dict[str, Any]:
    if _is_out_of_memory(exc):
        return {"status": "failed", "reason": f"memory limit of {memory_mb} MB exceeded", "stdout": out.text()}
    cls = _type(exc)
    name = _clip(str(cls.__name__), MAX_NAME)
    message = _safe_str(exc, MAX_ERROR_MESSAGE)
    return {
        "status": "raised",
        "error_type": name,
        "error_types": [_clip(str(c.__name__), MAX_NAME) for c in cls.__mro__ if c is not object][:MAX_ERROR_TYPES],
        "error_message": message,
        "display": f"{name}: {message}" if message else name,
        "stdout": out.text(),
    }


def _is_out_of_memory(exc: BaseException) -> bool:
    if _isinstance(exc, MemoryError):
        return True
    return _isinstance(exc, RuntimeError) and any(m in _safe_str(exc, 2000) for m in _OUT_OF_MEMORY)


def _safe_str(exc: BaseException, limit: int) -> str:
    try:
        return _clip(str(exc), limit)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        return "(the exception's message could not be shown)"


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters]"


def _type_name(value: Any) -> str:
    cls = _type(value)
    module = getattr(cls, "__module__", "") or ""
    qualname = getattr(cls, "__qualname__", cls.__name__)
    return _clip(str(qualname if module == "builtins" else f"{module}.{qualname}"), MAX_NAME)


def _float(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


class Encoder:
    """Turns a result into the JSON tree described in ``outcome.py``, within MAX_ITEMS and MAX_DEPTH."""

    def __init__(self) -> None:
        self.budget = MAX_ITEMS

    def encode(self, value: Any, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH or self.budget <= 0:
            return self._other(value)
        self.budget -= 1
        if value is None:
            return {"t": "none"}
        if _isinstance(value, bool):
            return {"t": "bool", "v": bool(value)}
        if _isinstance(value, int):
            if abs(value) < 10**300:  # also keeps clear of int->str's digit limit
                return {"t": "int", "v": int(value)}
            return self._other(value)
        if _isinstance(value, float):
            return {"t": "float", "v": _float(float(value))}
        if _isinstance(value, complex):
            return {"t": "complex", "re": _float(value.real), "im": _float(value.imag)}
        if _isinstance(value, str):
            return {"t": "str", "v": _clip(str(value))}
        if _isinstance(value, torch.dtype):
            return {"t": "dtype", "v": str(value)}
        if _isinstance(value, torch.device):
            return {"t": "device", "v": str(value)}
        if _isinstance(value, torch.Size):
            return {"t": "size", "v": [int(d) for d in value]}
        if _isinstance(value, torch.Tensor):
            return self._tensor(value)
        if _isinstance(value, tuple):
            cls = _type(value)
            fields = getattr(cls, "_fields", None) or getattr(cls, "__match_args__", None)
            named = cls is not tuple
            return {"t": "tuple", "items": [self.encode(v, depth + 1) for v in value],
                    "name": _type_name(value) if named else None,
                    "fields": [_clip(str(f), MAX_NAME) for f in fields][:MAX_ITEMS] if named and fields else None}
        if _isinstance(value, list):
            return {"t": "list", "items": [self.encode(v, depth + 1) for v in value]}
        if _isinstance(value, dict):
            return {"t": "dict", "items": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                          for k, v in value.items()]}
        return self._other(value)

    def _other(self, value: Any) -> dict[str, Any]:
        try:
            text = _clip(_repr(value))
        except Exception as exc:  # noqa: BLE001
            text = f"<unprintable {_type_name(value)}: {_type(exc).__name__}>"
        return {"t": "other", "type": _type_name(value), "repr": text}

    def _tensor(self, tensor: torch.Tensor) -> dict[str, Any]:
        values = None
        numel = tensor.numel()
        if numel <= min(MAX_TENSOR_ELEMENTS, self.budget) and tensor.layout == torch.strided \
                and not tensor.is_quantized and tensor.device.type == "cpu":
            self.budget -= numel
            values = _elements(tensor.detach().resolve_conj().resolve_neg().tolist())
        grad_fn = tensor.grad_fn
        return {"t": "tensor", "dtype": str(tensor.dtype), "shape": [int(d) for d in tensor.shape],
                "values": values, "requires_grad": bool(tensor.requires_grad),
                "grad_fn": _clip(_type(grad_fn).__name__, MAX_NAME) if grad_fn is not None else None}


def _elements(data: Any) -> Any:
    if _isinstance(data, list):
        return [_elements(x) for x in data]
    if _isinstance(data, bool) or _isinstance(data, int):
        return data
    if _isinstance(data, float):
        return _float(data)
    if _isinstance(data, complex):
        return [_float(data.real), _float(data.imag)]
    return str(data)
