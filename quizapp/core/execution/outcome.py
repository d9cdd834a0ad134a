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

The worker builds every ``Outcome`` with :meth:`Outcome.from_report`, which checks the whole of what
the card's child sent (a hostile snippet controls that child: types, sizes, depth, numbers) and
escapes the control characters of its text (``reply.py``); the app checks the worker's messages again.
A kind's own encoder may add value types: ``reply.value`` accepts an unknown ``"t"`` as bounded plain
JSON with its strings escaped.
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
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        data = dict(data)
        data["error_types"] = tuple(data.get("error_types") or ())
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_report(cls, report: Any, *, seconds: float, output_bytes: int = 65536,
                    escaped: bool = False) -> Outcome:
        """Build an Outcome from what a card's child (or the worker) sent, trusting nothing about it.

        The whole report is checked and its text made printable by ``reply.outcome_fields``; anything
        malformed, oversized or non-finite makes the card ``failed`` with a one-line reason.
        ``output_bytes``: the card's output limit (the default is ``Limits().output_bytes``).
        """
        from quizapp.core.execution import reply

        try:
            fields = reply.outcome_fields(report, output_bytes=output_bytes, escaped=escaped)
        except reply.ReplyError as exc:
            return cls.failure(f"the card reported an unreadable outcome: {exc}", seconds=seconds)
        return cls(seconds=seconds, **fields)

    @classmethod
    def failure(cls, reason: str, *, stdout: str = "", seconds: float = 0.0) -> Outcome:
        return cls(status="failed", display=reason, reason=reason, stdout=stdout, seconds=seconds)
