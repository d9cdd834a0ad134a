"""The worker sets up torch.compile / torch.export once, only when a card that names them arrives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quizapp.core.execution.compiler_warmup import uses_compiler
from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.limits import Limits


@pytest.mark.parametrize("setup, ask", [
    ("f = torch.compile(g, backend='eager')", "f(x)"),
    (None, "torch.export.export(m, (x,))"),
    ("import torch._dynamo", "1"),
    (None, "torch.cond(p, a, b, (x,))"),
])
def test_code_naming_the_compiler_is_recognised(setup: str | None, ask: str) -> None:
    assert uses_compiler({"setup": setup, "ask": ask, "kind": "value"})


@pytest.mark.parametrize("setup, ask", [
    (None, "torch.ones(2) + 1"),
    ("x = torch.compiled_with_cxx11_abi", "x"),  # a different name that merely starts alike
    ("", "torch.exp(torch.zeros(1))"),
])
def test_other_code_is_not(setup: str | None, ask: str) -> None:
    assert not uses_compiler({"setup": setup, "ask": ask, "kind": "value"})


@pytest.fixture(scope="module")
def fresh_engine(engine_factory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:  # noqa: ANN001
    # Its own worker: whether dynamo is loaded must not depend on what other tests ran before.
    home: Path = tmp_path_factory.mktemp("home")
    with engine_factory(home, Limits(wall_seconds=30)) as engine:
        yield engine


def test_warmed_once_for_compile_cards_and_never_for_others(fresh_engine: Engine) -> None:
    loaded = "'torch.' + '_dynamo' in sys.modules"  # spelt so that this job does not name dynamo
    plain = fresh_engine.run(Job("import sys", loaded, "value"))
    assert plain.ok and plain.value == {"t": "bool", "v": False}, plain.display  # nobody else pays

    setup = f"import sys\nwarm = {loaded}\nf = torch.compile(lambda x: x + 1, backend='eager')"
    compiled = fresh_engine.run(Job(setup, "(warm, f(torch.ones(1)).tolist())", "value"))
    assert compiled.ok, compiled.display
    assert compiled.display == "(True, [2.0])"  # the child was forked after the worker warmed up

    # The warm-up compiled in the worker and then reset dynamo: later cards see no trace of it.
    counters = "sum(sum(c.values()) for c in torch._dynamo.utils.counters.values())"
    after = fresh_engine.run(Job("import torch._dynamo.utils", counters, "value"))
    assert after.ok and after.value == {"t": "int", "v": 0}, after.display
