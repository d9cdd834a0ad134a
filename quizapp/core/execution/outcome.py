"""What running a card produced, as plain JSON-able data.

The worker process (which has torch) encodes the result into the tree below; the parent (which never
imports torch) grades and displays from it. Nothing here is ever unpickled: a hostile snippet controls
the child, so only bounded JSON crosses the boundary.

Encoded values (``Outcome.value``), by ``"t"``:

    {"t": "none"}
    {"t": "bool", "v": true}
    {"t": "int", "v": 3}
    {"t": "float", "v": 2.5}                     # also "nan", "inf", "-inf" as strings
    {"t": "complex", "re": 1.0, "im": -1.0}      # re/im may be "nan"/"inf"/"-inf"
    {"t": "str", "v": "..."}
    {"t": "dtype", "v": "torch.float32"}
    {"t": "device", "v": "cpu"}
    {"t": "size", "v": [2, 3]}                   # torch.Size
    {"t": "tensor", "dtype": "torch.float32", "shape": [2, 3],
     "values": [[...], ...] | null,              # nested lists; null when numel > the bound
     "requires_grad": false, "grad_fn": "AddBackward0" | null}
        # tensor element encoding: bool -> bool, int -> int, float -> float or "nan"/"inf"/"-inf",
        # complex -> [re, im]
    {"t": "tuple", "items": [...], "name": "torch.return_types.aminmax" | null,
     "fields": ["min", "max"] | null}            # tuples and named tuples
    {"t": "list", "items": [...]}
    {"t": "dict", "items": [[key, value], ...]}
    {"t": "other", "type": "module.QualName", "repr": "..."}

For kind ``shape`` and ``stride`` the value is a ``tuple`` of ``int``; for ``dtype`` it is a ``dtype``.

Bounds: a tensor with more than 10,000 elements (or past the outcome's 10,000-item budget) has
``"values": null``; nesting deeper than 32 levels, an ``int`` of 300 digits or more, and anything
else becomes ``"other"``; ``str`` values, ``display`` and ``repr`` are cut at 20,000 characters.

The worker builds every ``Outcome`` with :meth:`Outcome.from_report`, which checks the types of what
the card's child sent (a hostile snippet controls that child) before anything reaches the app.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "raised", "failed"]


@dataclass(frozen=True)
class Outcome:
    status: Status
    # ok: the encoded outcome (see module docstring)
    value: dict[str, Any] | None = None
    # What a user is shown: "(2, 3)", "tensor([1., 2.])", "RuntimeError: ...", or the failure reason
    display: str = ""
    # raised: the exception's class name, the names of its classes (MRO), and message
    error_type: str | None = None
    error_types: tuple[str, ...] = ()
    error_message: str | None = None
    # Everything the snippet printed (stdout and stderr interleaved), truncated to the output limit
    stdout: str = ""
    # failed: why there is no outcome ("time limit of 5 s exceeded", "memory limit ...", "worker died ...")
    reason: str | None = None
    seconds: float = 0.0
    # Diagnostics, never needed for grading: {"pid": the card's process id} when it ran in the worker
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def raised(self) -> bool:
        return self.status == "raised"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_json(self) -> str:
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Outcome":
        data = dict(data)
        data["error_types"] = tuple(data.get("error_types") or ())
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> "Outcome":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_report(cls, report: Any, *, seconds: float) -> "Outcome":
        """Build an Outcome from the JSON a card's child wrote, trusting nothing about its shape."""
        if not isinstance(report, dict):
            return cls.failure("the card reported an unreadable outcome", seconds=seconds)
        status = report.get("status")
        if status not in ("ok", "raised", "failed"):
            return cls.failure("the card reported an unreadable outcome", seconds=seconds)
        stdout = _text(report.get("stdout"))
        if status == "failed":
            return cls.failure(_text(report.get("reason")) or "the card failed", stdout=stdout, seconds=seconds)
        value = report.get("value")
        if status == "ok" and not (isinstance(value, dict) and isinstance(value.get("t"), str)):
            return cls.failure("the card reported an unreadable outcome", stdout=stdout, seconds=seconds)
        error_types = report.get("error_types")
        return cls(
            status=status,
            value=value if status == "ok" else None,
            display=_text(report.get("display")),
            error_type=_text(report.get("error_type")) or None if status == "raised" else None,
            error_types=tuple(_text(t) for t in error_types) if isinstance(error_types, list) else (),
            error_message=_text(report.get("error_message")) if status == "raised" else None,
            stdout=stdout,
            seconds=seconds,
        )

    @classmethod
    def failure(cls, reason: str, *, stdout: str = "", seconds: float = 0.0) -> "Outcome":
        return cls(status="failed", display=reason, reason=reason, stdout=stdout, seconds=seconds)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
