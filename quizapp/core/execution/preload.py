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
  (found by running every bundled card in a fresh fork and listing what each one imported).

The parent decides (``deck check`` looks at the cards it is about to run) and passes the list in the
environment; the worker imports each module after its warm-up, ignoring any that fails to import (the
card that needs it then reports the error itself, as it would have).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable

ENV = "QUIZAPP_WORKER_PRELOAD"
# A name in a card's setup or ask -> the module its first call imports lazily.
LAZY_IMPORTS = {
    "broadcast_shapes": "torch.fx.experimental.symbolic_shapes",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def modules_for(codes: Iterable[str | None]) -> list[str]:
    """The modules worth preloading for snippets ``codes`` (each a card's setup or ask), plus the declared ones."""
    wanted: dict[str, None] = dict.fromkeys(declared())
    for code in codes:
        if code:
            for name in set(_NAME.findall(code)) & LAZY_IMPORTS.keys():
                wanted[LAZY_IMPORTS[name]] = None
    return list(wanted)


def declared(value: str | None = None) -> list[str]:
    """The module names in ``QUIZAPP_WORKER_PRELOAD`` (or ``value``); anything not a dotted name is dropped."""
    raw = os.environ.get(ENV, "") if value is None else value
    return [m for m in (part.strip() for part in raw.split(",")) if m and _MODULE.fullmatch(m)]


def import_declared() -> list[str]:
    """In the worker: import every module named in the environment; returns those that imported."""
    done = []
    for module in declared():
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a module that cannot load is the card's problem, not the worker's
            continue
        done.append(module)
    return done
