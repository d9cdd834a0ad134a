"""The try-it pane's code split into a job: the last expression is shown, the rest is setup."""

from __future__ import annotations

import pytest

from quizapp.core.playground import job_for_code


def test_last_expression_is_the_ask() -> None:
    job = job_for_code("x = torch.zeros(2)\ny = x + 1\ny * 2")
    assert job.setup == "x = torch.zeros(2)\ny = x + 1" and job.ask == "y * 2" and job.kind == "value"


def test_a_multi_line_last_expression_and_statements_only() -> None:
    job = job_for_code("torch.cat([\n  torch.zeros(1),\n  torch.ones(1)])")
    assert job.setup is None and "torch.ones(1)" in job.ask
    job = job_for_code("x = 1\nprint(x)\nfor i in range(2):\n    pass")
    assert job.setup.endswith("pass") and job.ask == "None"


@pytest.mark.parametrize("code, message", [("x = (", "not valid Python"), ("", "no code"), ("x" * 30000, "too long")])
def test_bad_code_is_one_line(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        job_for_code(code)
