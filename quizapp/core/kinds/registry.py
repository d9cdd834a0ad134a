"""Every card kind by name. Adding a kind: a module here with a ``KIND``, its name in :data:`_MODULES`
and in ``Kind`` (quizapp/core/decks/model.py), and its worker encoder in quizapp/core/execution/encoders.py.
"""

from __future__ import annotations

import importlib
from typing import Any

from quizapp.core.kinds.base import CardKind

# name -> module under quizapp.core.kinds; imported on first use (the write kind pulls in ast helpers
# a front end that never meets a write card need not load).
_MODULES = {"shape": "shape", "stride": "stride", "dtype": "dtype", "value": "value", "recall": "recall",
            "write": "write"}
_LOADED: dict[str, CardKind] = {}


def names() -> tuple[str, ...]:
    """Every kind's name, in the order the docs list them."""
    return tuple(_MODULES)


def get(kind: Any) -> CardKind:
    """The kind named ``kind`` (a name or a ``Kind``); ``KeyError`` for an unknown one."""
    name = str(getattr(kind, "value", kind))
    found = _LOADED.get(name)
    if found is None:
        module = _MODULES[name]  # KeyError: unknown kind
        found = _LOADED[name] = importlib.import_module(f"quizapp.core.kinds.{module}").KIND
    return found


def of(card: Any) -> CardKind:
    """The kind of ``card``."""
    return get(card.kind)


def all_keys() -> tuple[str, ...]:
    """Every card key some kind reads, in a stable order (for the loader's unknown-key check)."""
    seen: dict[str, None] = {}
    for name in names():
        for key in get(name).keys:
            seen.setdefault(key, None)
    return tuple(seen)
