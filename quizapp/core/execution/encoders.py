"""The worker's half of each card kind: what a job runs, and how its result becomes the encoded outcome.

Runs inside the worker and the card's child (torch is imported there; this module imports it only
inside the encoders, so importing it costs the worker nothing extra). The parent's half of each kind
is in ``quizapp/core/kinds/``.

- :func:`runnable_job` turns a job as the app sent it into the ``setup`` / ``ask`` / ``kind`` the child
  runs. A ``write`` job carries the learner's (or the solution's) statements in its payload,
  ``{"answer": "..."}``; they run after the card's setup, in the same namespace, and ``ask`` is the
  program's last expression.
- :func:`encode` turns the ``ask`` result into the report for ``kind`` (see ``outcome.py``), raising
  :class:`NoOutcome` when the result cannot give the kind's outcome (an int has no shape).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ValueEncoder = Callable[[Any], dict[str, Any]]  # the child's bounded tree encoder (child.Encoder)
Shower = Callable[[Any], str]  # the child's bounded repr


class NoOutcome(Exception):
    """The card's code ran but its result cannot give the kind's outcome."""


def runnable_job(job: dict[str, Any]) -> dict[str, Any]:
    """The child's job for ``job`` as received; raises KeyError/TypeError/ValueError when malformed."""
    kind = str(job["kind"])
    setup = job.get("setup") or None
    if setup is not None and not isinstance(setup, str):
        raise TypeError("setup must be text")
    payload = job.get("payload")
    if kind == "write":
        if not isinstance(payload, dict) or not isinstance(payload.get("answer", ""), str):
            raise ValueError("a write job needs a payload with the answer's statements")
        body = payload.get("answer") or ""
        if body.strip():
            setup = (setup.rstrip("\n") + "\n" if setup else "") + body
    return {"setup": setup, "ask": str(job["ask"]), "kind": kind}


def _type_name(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    qualname = getattr(cls, "__qualname__", cls.__name__)
    return qualname if module == "builtins" else f"{module}.{qualname}"


def _dims(kind: str) -> Callable[[Any, ValueEncoder, Shower], dict[str, Any]]:
    def encode_dims(result: Any, value: ValueEncoder, show: Shower) -> dict[str, Any]:
        if not hasattr(result, "shape"):
            raise NoOutcome(f"the `ask` result is a {_type_name(result)}, which has no {kind}")
        dims = tuple(int(d) for d in (result.shape if kind == "shape" else result.stride()))
        return {"status": "ok", "display": show(dims),
                "value": {"t": "tuple", "items": [{"t": "int", "v": d} for d in dims], "name": None, "fields": None}}

    return encode_dims


def _dtype(result: Any, value: ValueEncoder, show: Shower) -> dict[str, Any]:
    import torch

    dtype = getattr(result, "dtype", None)
    if not isinstance(dtype, torch.dtype):
        raise NoOutcome(f"the `ask` result is a {_type_name(result)}, which has no dtype")
    return {"status": "ok", "display": str(dtype), "value": {"t": "dtype", "v": str(dtype)}}


def _value(result: Any, value: ValueEncoder, show: Shower) -> dict[str, Any]:
    encoded = value(result)
    return {"status": "ok", "display": show(result), "value": encoded}


# A write card's result is compared as a whole value with its reference's, in the app.
ENCODERS: dict[str, Callable[[Any, ValueEncoder, Shower], dict[str, Any]]] = {
    "shape": _dims("shape"), "stride": _dims("stride"), "dtype": _dtype, "value": _value, "write": _value,
}


def encode(kind: str, result: Any, *, value: ValueEncoder, show: Shower) -> dict[str, Any]:
    """The report for ``result`` of a card of ``kind`` (``value`` and ``show`` are the child's encoders)."""
    encoder = ENCODERS.get(kind)
    if encoder is None:
        raise NoOutcome(f"unknown kind {kind!r}")
    return encoder(result, value, show)
