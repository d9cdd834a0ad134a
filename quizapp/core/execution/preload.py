"""Modules the worker imports once, before forking cards, because the cards about to run need them.

Some torch calls import a large module the first time they run: ``torch.broadcast_shapes`` pulls in
``torch.fx.experimental.symbolic_shapes`` and with it sympy and mpmath (about 500 modules, 0.4-1.5 s).
Every card runs in a fresh child forked from the worker, so each such card would pay that again.
Imported in the worker instead, it is paid once and every child inherits it.

Preloading is chosen per run, so cards that need none of it pay nothing (the worker's warm-up is on
the launch path of every session):

- *declared*: ``QUIZAPP_WORKER_PRELOAD`` names modules (comma-separated), e.g. for a deck that uses a
  library the table below does not know;
- *known*: :data:`LAZY_IMPORTS` maps a name in a card's code to the module its first call imports
  (found by running every bundled card in a fresh fork and listing what each one imported);
- *learned*: each card's child reports where the imports its run made entered (``child._imported_since``);
  the app remembers them per card (``learned.py``) and asks for them the next time that card runs.

The app decides (``deck check`` for the cards it is about to run, a study session for its decks'
cards) and sends the list to the worker in a ``preload`` message, before the jobs that need it; the
worker imports each module once, ignoring any that fails to import (the card that needs it then
reports the error itself, as it would have), and its next spares inherit them. Nothing is sent when
nothing is needed. ``QUIZAPP_WORKER_PRELOAD`` is also read by the worker itself, at start-up.

A learned name comes from a card's process, which the card controls: only dotted names under
:data:`LEARNABLE` packages are accepted (their import has no side effects beyond loading), never a
``__main__``, a few per card (:data:`MAX_LEARNED`).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable
from typing import Any

ENV = "QUIZAPP_WORKER_PRELOAD"
# A name in a card's setup or ask -> the module its first call imports lazily.
LAZY_IMPORTS = {
    "broadcast_shapes": "torch.fx.experimental.symbolic_shapes",
}
# Top-level packages a learned name may be under.
LEARNABLE = frozenset({"torch", "sympy", "mpmath", "numpy", "scipy", "networkx", "functorch", "einops",
                       "opt_einsum"})
MAX_LEARNED = 16  # names one card's run may teach
MAX_PRELOAD = 64  # names one preload message may carry
MAX_NAME = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def modules_for(codes: Iterable[str | None]) -> list[str]:
    """The modules worth preloading for snippets ``codes`` (each a card's setup or ask), plus the declared ones."""
    wanted: dict[str, None] = dict.fromkeys(declared())
    for code in codes:
        if not code:
            continue
        for name, module in LAZY_IMPORTS.items():  # a substring test first: most code names none of them
            if name in code and name in _NAME.findall(code):
                wanted[module] = None
    return list(wanted)


def declared(value: str | None = None) -> list[str]:
    """The module names in ``QUIZAPP_WORKER_PRELOAD`` (or ``value``); anything not a dotted name is dropped."""
    raw = os.environ.get(ENV, "") if value is None else value
    return [m for m in (part.strip() for part in raw.split(",")) if m and _MODULE.fullmatch(m)]


def valid_names(names: Any, limit: int = MAX_PRELOAD) -> list[str]:
    """The dotted module names in ``names`` (anything else dropped), at most ``limit``, in order, once each."""
    if not isinstance(names, list):
        return []
    found: dict[str, None] = {}
    for name in names:
        if isinstance(name, str) and len(name) <= MAX_NAME and _MODULE.fullmatch(name) \
                and "__main__" not in name.split("."):
            found[name] = None
            if len(found) >= limit:
                break
    return list(found)


def learned_names(names: Any) -> list[str]:
    """What a card's report may teach: valid names under :data:`LEARNABLE` packages, at most MAX_LEARNED."""
    valid = valid_names(names, limit=MAX_PRELOAD)
    return [n for n in valid if n.partition(".")[0] in LEARNABLE][:MAX_LEARNED]


def import_modules(modules: Iterable[str], *, freeze: bool = False) -> list[str]:
    """In the worker: import each module (failures ignored); returns those that are loaded now.

    The garbage collector is off meanwhile (an import makes many objects and no garbage worth a
    collection); with ``freeze`` the new objects join the frozen generation, as at start-up.
    """
    import gc
    import sys

    done = []
    before = len(sys.modules)
    enabled = gc.isenabled()
    gc.disable()
    try:
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - a module that cannot load is the card's problem, not the worker's
                continue
            done.append(module)
    finally:
        if freeze and len(sys.modules) != before:
            gc.freeze()
        if enabled:
            gc.enable()
    return done


def import_declared() -> list[str]:
    """In the worker: import every module named in the environment; returns those that imported."""
    return import_modules(declared())
