"""Getting the worker ready once, so every card forked from it starts warm and cheap.

:func:`warm_up` imports and exercises what cards commonly touch (in the worker, never in a card);
:func:`collapse_into_huge_pages` makes each fork and each card's exit cheaper. Neither runs deck code.
"""

from __future__ import annotations

_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25  # Linux 6.1+
_HUGE_PAGE = 2 * 1024 * 1024


def collapse_into_huge_pages() -> None:
    """Back the worker's big anonymous memory (~140 MB after ``import torch``) with 2 MB pages.

    Forking copies one page-table entry per page and a card's exit drops them all again: with 4 KB
    pages that is ~35,000 entries each way, most of a card's CPU cost. With huge pages it is ~70
    (measured here: fork 5.4 -> 1.3 ms, a card's own CPU 14 -> 10 ms). A card that writes into a
    huge page still only copies the 4 KB it touched. The worker runs it in its first pause (it takes
    ~0.1 s); on kernels without MADV_COLLAPSE it does nothing.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    try:
        with open("/proc/self/maps") as maps:
            regions = maps.read().splitlines()
    except OSError:
        return
    for line in regions:
        fields = line.split()
        name = fields[5] if len(fields) > 5 else ""
        if name not in ("", "[heap]") or not fields[1].startswith("rw"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        first, last = -(-start // _HUGE_PAGE) * _HUGE_PAGE, end // _HUGE_PAGE * _HUGE_PAGE
        if last - first < _HUGE_PAGE:
            continue
        if libc.madvise(first, last - first, _MADV_HUGEPAGE) == 0:
            libc.madvise(first, last - first, _MADV_COLLAPSE)


def warm_up() -> None:
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
    (y * 2).sum().backward()  # type: ignore[no-untyped-call]
    repr(y * 2)
    from quizapp.core.execution import (
        child,  # noqa: F401 - its imports, paid once
        preload,
    )

    preload.import_declared()  # what the cards of this run import lazily (see preload.py), paid once

    # Children seed again, but the first call of each pays for lazy set-up that belongs here.
    torch.manual_seed(0)
    random.seed(0)
    numpy.random.seed(0)
