"""PyTorch's own docstring examples: their printed output is a right answer, a changed one is wrong.

The examples (``>>> code`` and the output printed under it) are read from the docstrings of a set of
functions in a subprocess that imports torch, which also runs each one to keep only those that
reproduce (the printed text equals today's repr, whitespace aside) and use no random generator. The
code then runs through the real Engine, and the grader must accept the docs' printed output for that
Outcome and reject the same output with one number changed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.limits import Limits
from quizapp.core.grading.verdict import grade

NAMES = [
    "torch.cumsum",
    "torch.gather",
    "torch.stack",
    "torch.cat",
    "torch.arange",
    "torch.linspace",
    "torch.addcmul",
    "torch.flatten",
    "torch.transpose",
    "torch.aminmax",
    "torch.logspace",
    "torch.unique",
    "torch.repeat_interleave",
    "torch.searchsorted",
    "torch.tensor_split",
    "torch.atleast_2d",
    "torch.roll",
    "torch.squeeze",
    "torch.bucketize",
    "torch.diff",
    "torch.is_floating_point",
    "torch.chunk",
    "torch.split",
    "torch.equal",
    "torch.nan_to_num",
    "torch.meshgrid",
    "torch.nonzero",
    "torch.frexp",
    "torch.kron",
    "torch.isclose",
    "torch.result_type",
    "torch.can_cast",
    "torch.cartesian_prod",
    "torch.hstack",
    "torch.vstack",
    "torch.dstack",
    "torch.column_stack",
    "torch.argwhere",
    "torch.outer",
    "torch.promote_types",
    "torch.complex",
    "torch.heaviside",
    "torch.narrow",
    "torch.broadcast_shapes",
    "torch.Tensor.expand",
    "torch.block_diag",
    "torch.eye",
    "torch.tril",
    "torch.full",
    "torch.zeros",
    "torch.ones",
    "torch.view_as_real",
    "torch.count_nonzero",
    "torch.topk",
    "torch.sort",
]

# Runs in a subprocess (this process keeps away from torch, like the app): prints the kept examples as JSON.
EXTRACT = r"""
import ast, contextlib, doctest, inspect, io, json, re, sys
import torch

RANDOM = re.compile(r"\b(rand\w*|normal|bernoulli|multinomial|manual_seed|seed|empty\w*|dropout|poisson|"
                    r"\w+_\(|uniform|exponential|cauchy|geometric)\b")

def resolve(name):
    obj = torch
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj

kept = []
for name in sys.argv[1:]:
    namespace = {"torch": torch}
    setup = []
    for example in doctest.DocTestParser().get_examples(inspect.getdoc(resolve(name)) or ""):
        source, want = example.source.strip(), example.want.strip()
        try:
            ast.parse(source, mode="eval")
            expression = True
        except SyntaxError:
            expression = False
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                code = compile(source, "<doc>", "eval" if expression else "exec")
                result = eval(code, namespace)
            printed = repr(result) if expression else ""
        except Exception:
            break  # what follows depends on a step that does not run as written
        random = RANDOM.search(source) or any(RANDOM.search(s) for s in setup)
        if expression and want and not random and "".join(printed.split()) == "".join(want.split()):
            kept.append({"name": name, "setup": "\n".join(setup) or None, "ask": source, "want": want})
        setup.append(source)
print(json.dumps(kept))
"""

MIN_EXAMPLES = 60  # the set above gives well over a hundred with torch 2.x; far fewer means extraction broke
NUMBER_START = re.compile(r"(?<![A-Za-z_\d.<])\d")  # a digit starting a number (not in `int8`, `Backward0`)


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-c", EXTRACT, *NAMES],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout)
    assert len(found) >= MIN_EXAMPLES, f"only {len(found)} reproducible examples"
    return found


@pytest.fixture(scope="module")
def outcomes(examples: list[dict], tmp_path_factory: pytest.TempPathFactory) -> list:
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("QUIZAPP_HOME")
    os.environ["QUIZAPP_HOME"] = str(home)
    try:
        with Engine(Limits(wall_seconds=10), workers=2) as engine:
            engine.start()
            assert engine.wait_ready(120), engine.enforcement()
            return engine.run_many([Job(e["setup"], e["ask"], "value", e["name"]) for e in examples])
    finally:
        if old is None:
            os.environ.pop("QUIZAPP_HOME", None)
        else:
            os.environ["QUIZAPP_HOME"] = old


def changed(want: str) -> str | None:
    """The printed output with its first number's leading digit moved by 5 (or True/False flipped)."""
    match = NUMBER_START.search(want)
    if match is not None:
        i = match.start()
        return want[:i] + str((int(want[i]) + 5) % 10) + want[i + 1 :]
    for word, other in (("True", "False"), ("False", "True")):
        if word in want:
            return want.replace(word, other, 1)
    return None


def test_printed_output_is_accepted(examples: list[dict], outcomes: list) -> None:
    problems = []
    for example, outcome in zip(examples, outcomes, strict=True):
        assert outcome.ok, f"{example['name']}: {example['ask']} -> {outcome.display}"
        verdict = grade("value", outcome, example["want"])
        if not verdict.correct:
            problems.append(f"{example['name']}: {example['ask']}\n  printed {example['want']!r}\n  {verdict.message}")
    assert not problems, "\n".join(problems)


def test_changed_output_is_rejected(examples: list[dict], outcomes: list) -> None:
    problems = []
    checked = 0
    for example, outcome in zip(examples, outcomes, strict=True):
        wrong = changed(example["want"])
        if wrong is None:
            continue
        checked += 1
        verdict = grade("value", outcome, wrong)
        if verdict.correct or not verdict.readable:
            problems.append(
                f"{example['name']}: {example['ask']}\n  changed to {wrong!r}: "
                f"{'accepted' if verdict.correct else verdict.message}"
            )
    assert checked >= MIN_EXAMPLES
    assert not problems, "\n".join(problems)


# What the app shows as the outcome (Outcome.display, PyTorch's own print) must always be a right answer.
DISPLAYED = [
    ("value", None, "torch.arange(10000.).reshape(100, 100) / 7"),  # summarised rows and columns, values carried
    ("value", None, "torch.arange(2000)"),
    ("value", None, "torch.ones(300, 300, dtype=torch.float64)"),  # too big to carry values: shape is checked
    ("value", None, "torch.tensor([1e-3, 1e5, -2.5])"),
    ("value", None, "torch.tensor([[1+1j, 2-0.5j]])"),
    ("value", None, "torch.tensor([float('nan'), -0.0, float('inf')], dtype=torch.float16)"),
    ("value", None, "torch.tensor([1, 2], dtype=torch.uint8) > 1"),
    ("value", "x = torch.ones(2, requires_grad=True)", "x * 3"),
    ("value", None, "torch.nn.Parameter(torch.zeros(2))"),
    ("value", None, "torch.zeros(0, 3, dtype=torch.int16)"),
    ("value", None, "torch.tensor([3, 1, 2]).sort()"),
    ("value", None, "torch.tensor([[1.5, 2], [3, 4]]).max(dim=1)"),
    ("value", None, "torch.zeros(2, 3).shape"),
    ("value", None, "torch.zeros(2, 3).stride()"),
    ("value", None, "torch.zeros(2, 3).dtype"),
    ("value", None, "torch.zeros(2).device"),
    ("value", None, "torch.arange(6).tolist()"),
    ("value", None, "{'a': torch.tensor(1.5), 'b': None}"),
    ("value", None, "torch.tensor(7) // 2"),
    ("value", None, "torch.tensor(2.5).item()"),
    ("value", None, "(1/3, 'text', True)"),
    ("value", None, "torch.nn.Linear(2, 3)"),
    ("value", None, "torch.tensor([[0, 2.0]]).to_sparse()"),  # prints the parser does not read: exact copy
    ("value", None, "torch.quantize_per_tensor(torch.tensor([1.0, 2.0]), 0.1, 0, torch.qint8)"),
    ("shape", None, "torch.zeros(2, 1, 3)"),
    ("shape", None, "torch.tensor(5.)"),
    ("stride", None, "torch.zeros(2, 3, 4).transpose(0, 2)"),
    ("dtype", None, "torch.tensor([1, 2]) / 2"),
    ("value", None, "torch.zeros(2) + torch.zeros(3)"),  # raises
]


def test_the_engines_own_display_is_a_right_answer(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("QUIZAPP_HOME")
    os.environ["QUIZAPP_HOME"] = str(home)
    try:
        with Engine(Limits(wall_seconds=10), workers=2) as engine:
            engine.start()
            assert engine.wait_ready(120), engine.enforcement()
            outcomes = engine.run_many([Job(setup, ask, kind) for kind, setup, ask in DISPLAYED])
    finally:
        if old is None:
            os.environ.pop("QUIZAPP_HOME", None)
        else:
            os.environ["QUIZAPP_HOME"] = old
    problems = []
    for (kind, _, ask), outcome in zip(DISPLAYED, outcomes, strict=True):
        assert not outcome.failed, f"{ask}: {outcome.reason}"
        shown = outcome.display if outcome.ok else outcome.error_type
        verdict = grade(kind, outcome, shown)
        if not verdict.correct:
            problems.append(f"{ask}: {shown[:300]!r}\n  {verdict.message}")
        wrong = changed(shown) if outcome.ok else "ValueError"
        if wrong is not None and grade(kind, outcome, wrong).correct:
            problems.append(f"{ask}: changed to {wrong[:300]!r} and still accepted")
    assert not problems, "\n".join(problems)
