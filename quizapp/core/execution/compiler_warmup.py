"""Setting torch.compile and torch.export up in the worker, once, for the cards that use them.

The first `torch.compile` or `torch.export` in a process imports and initialises TorchDynamo, FX and
the export machinery (thousands of modules, sympy and networkx among them). A forked card child
would pay that on every such card, 2-4 s on a busy machine, close to the default 5 s limit. The
worker does it once instead, but only when the first card that needs it arrives, so start-up and
all other cards cost exactly what they did.
"""

from __future__ import annotations

import re
from typing import Any

# Code that names one of these gets the compiler stack warmed in the worker first (an optimisation
# only: a card that reaches the compiler some other way still runs, paying the set-up itself).
_COMPILER_NAMES = re.compile(r"\btorch\.(compile|compiler|export|_dynamo|cond)\b")


def uses_compiler(job: dict[str, Any]) -> bool:
    """Whether a job's code names torch.compile, torch.export, dynamo or torch.cond."""
    code = f"{job.get('setup') or ''}\n{job.get('ask') or ''}"
    return _COMPILER_NAMES.search(code) is not None


def warm() -> None:
    """Run torch.compile (backend="eager") and torch.export once, on quizapp's own tiny module.

    ``torch._dynamo.reset()`` then drops what was compiled, so children start with empty caches.
    A release that lacks a piece (``torch.cond`` is recent) just warms up less.
    """
    import torch
    import torch.nn as nn

    class _Warm(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            result: torch.Tensor = torch.cond(x.sum() > 0, lambda t: t + 1, lambda t: t - 1, (x,))
            return result

    try:
        torch.compile(lambda t: t.sin() + 1, backend="eager")(torch.zeros(2))
        torch.export.export(_Warm(), (torch.ones(2),)).module()(torch.ones(2))
    except Exception:  # noqa: BLE001 - warming is an optimisation; a card still runs without it
        pass
    finally:
        try:
            torch._dynamo.reset()
            torch._dynamo.utils.counters.clear()  # reset() keeps the counters a card might read
        except Exception:  # noqa: BLE001
            pass
