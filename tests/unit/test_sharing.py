"""The static screen for cards that may share a child with the next card of their deck (sharing.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.execution.sharing import may_share


def job(ask: str, setup: str | None = None) -> dict[str, object]:
    return {"setup": setup, "ask": ask, "kind": "value"}


@pytest.mark.parametrize(("setup", "ask"), [
    (None, "torch.zeros(2, 3).t().stride()"),
    ("x = torch.arange(6.0).view(2, 3)\ny = x[:, 1]", "y.is_contiguous()"),
    ("class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(2, 2)\n"
     "    def forward(self, x):\n        return self.l(x)\nm = M()", "m(torch.ones(1, 2)).shape"),
    ("x = torch.ones(3, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2", "y.requires_grad"),
    ("w = torch.zeros(3)\nw[0] = 1\nw.data = torch.ones(3)\np = {}\np['a'] = 1", "w"),
    ("t = torch.ones(2)\nfor i in range(3):\n    t += i", "[v for v in t.tolist()]"),
], ids=["expression", "locals", "module-subclass", "no-grad", "own-objects", "loop"])
def test_ordinary_cards_may_share(setup: str | None, ask: str) -> None:
    assert may_share(job(ask, setup))


@pytest.mark.parametrize(("setup", "ask"), [
    ("import math", "math.pi"),
    ("from torch import nn as n", "1"),
    ("torch.pi2 = 3", "1"),
    ("F.relu = abs", "1"),
    ("del torch.nn.functional.relu", "1"),
    ("torch.nn.Linear.forward = None", "1"),
    ("nn.Linear.extra += 1", "1"),
    (None, "setattr(torch, 'x', 1)"),
    (None, "open('notes.txt', 'w')"),
    (None, "torch.ones(1).__class__"),
    (None, "torch.compile(lambda x: x)"),
    (None, "torch.save(torch.ones(1), 'x.pt')"),
    (None, "torch.set_default_dtype(torch.float64)"),
    (None, "torch.set_printoptions(precision=1)"),
    (None, "torch.os.getcwd()"),
    ("global g\ng = 1", "g"),
    ("class A:\n    def __del__(self):\n        print('late')\na = A()", "1"),
    ("torch.zeros(3)[0] = 1", "1"),
    (None, "getattr(torch, 'zeros')(1)"),
    (None, "torch.ops.aten.add(torch.ones(1), 1)"),
    (None, "torch.jit.script(lambda x: x)"),
    (None, "1 +"),
    ("def f(:", "1"),
], ids=["import", "import-from", "assign-torch", "assign-F", "delete", "patch-class", "augassign-class",
        "setattr", "open", "dunder", "compile", "save", "default-dtype", "printoptions", "torch.os",
        "global", "finaliser", "item-of-a-call", "getattr", "ops", "jit", "syntax-ask", "syntax-setup"])
def test_cards_that_could_leave_a_trace_run_alone(setup: str | None, ask: str) -> None:
    assert not may_share(job(ask, setup))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=200)))
def test_any_text_gets_an_answer_and_never_an_exception(ask: str, setup: str | None) -> None:
    assert may_share(job(ask, setup)) in (True, False)


def test_deeply_nested_code_is_not_shared() -> None:
    assert not may_share(job("(" * 5000 + "1" + ")" * 5000))
