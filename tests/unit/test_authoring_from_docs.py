"""from-docs without torch: parsing docstrings into card candidates, and the keep/skip judgement."""

from __future__ import annotations

import pytest

from quizapp.core.authoring import from_docs
from quizapp.core.execution.outcome import Outcome

DOC = '''\
cumsum(input, dim, *, dtype=None) -> Tensor

Returns the cumulative sum of elements of :attr:`input` in the dimension
:attr:`dim`.

Example::

    >>> a = torch.tensor([1, 2, 3])
    >>> a.size()
    torch.Size([3])
    >>> torch.cumsum(a, dim=0)
    tensor([1, 3, 6])
    >>> a.add_(1)
    tensor([2, 3, 4])
    >>> print(a)
    tensor([2, 3, 4])
    >>> for i in range(2):
    ...     a = a * 2
    >>> torch.cumsum(torch.tensor([]), 0, out=3)
    Traceback (most recent call last):
      ...
    TypeError: cumsum() received an invalid combination of arguments
    >>> a  # doctest: +SKIP
    tensor([8, 12, 16])
    >>> a.sum()
    tensor(36)
'''


def test_examples_become_candidates_with_their_setup():
    found, skipped = from_docs.examples("torch.cumsum", DOC)
    by_number = {e.number: e for e in found}
    assert sorted(by_number) == [2, 3, 4, 7, 9]
    # a.size() only reads: it is not rerun as setup for what follows.
    assert by_number[3].setup == "a = torch.tensor([1, 2, 3])"
    assert by_number[3].want == "tensor([1, 3, 6])"
    # a.add_(1) changes `a`, and the loop too: both stay in the setup of later examples; the
    # raising example (7) and print() do not.
    assert by_number[9].setup == ("a = torch.tensor([1, 2, 3])\ntorch.cumsum(a, dim=0)\na.add_(1)\nprint(a)\n"
                                  "for i in range(2):\n    a = a * 2")
    assert by_number[7].raises == "TypeError"
    reasons = {s.number: s.reason for s in skipped}
    assert reasons == {5: "prints its output instead of returning it", 8: "marked +SKIP in the docs"}


def test_a_docstring_without_examples_gives_nothing():
    assert from_docs.examples("os.path.join", "Join two paths.") == ([], [])


def test_summary_skips_the_signature_and_plain_codes_roles():
    assert from_docs.summary("torch.cumsum", DOC) == (
        "Returns the cumulative sum of elements of `input` in the dimension `dim`.")


@pytest.mark.parametrize("source,pure", [
    ("x", True), ("x.shape", True), ("x[0] + 1", True), ("x.size()", True), ("torch.equal(a, b)", True),
    ("x.add_(1)", False), ("torch.manual_seed(3)", False), ("(y := 3)", False), ("x = 1", False),
])
def test_read_only_expressions(source, pure):
    assert from_docs._only_looks(source) is pure


def ok(display: str, value: dict) -> Outcome:
    return Outcome(status="ok", display=display, value=value)


EXAMPLE = from_docs.DocExample("torch.x", 1, None, "torch.tensor(3)", "tensor(3)")
THREE = ok("tensor(3)", {"t": "tensor", "dtype": "torch.int64", "shape": [], "values": 3,
                         "requires_grad": False, "grad_fn": None})
FOUR = ok("tensor(4)", {"t": "tensor", "dtype": "torch.int64", "shape": [], "values": 4,
                        "requires_grad": False, "grad_fn": None})


def test_judge_keeps_what_reproduces_twice():
    assert from_docs._judge(EXAMPLE, THREE, THREE) == ("tensor(3)", None)


def test_judge_skips_what_differs_between_runs_or_from_the_docs():
    assert from_docs._judge(EXAMPLE, THREE, FOUR)[1] == "gives a different outcome on a second run"
    assert "does not reproduce the printed output" in from_docs._judge(EXAMPLE, FOUR, FOUR)[1]
    assert from_docs._judge(EXAMPLE, Outcome.failure("time limit"), Outcome.failure("time limit"))[1] == \
        "did not run: time limit"


def test_judge_raising_examples():
    raising = from_docs.DocExample("torch.x", 2, None, "torch.x()", "Traceback ...", raises="RuntimeError")
    boom = Outcome(status="raised", display="RuntimeError: no", error_type="RuntimeError",
                   error_types=("RuntimeError", "Exception", "BaseException"), error_message="no")
    assert from_docs._judge(raising, boom, boom) == ("RuntimeError", None)
    assert "but it ran" in from_docs._judge(raising, THREE, THREE)[1]


def test_names_are_checked_before_they_reach_the_worker():
    with pytest.raises(ValueError):
        from_docs.docstring_job("torch.x; import os")
    job = from_docs.docstring_job("torch.nn.functional.pad")
    assert "'torch.nn.functional.pad'" in job.setup and job.kind == "value"


def test_the_docstring_comes_back_in_chunks():
    chunks = {"t": "list", "items": [{"t": "str", "v": "abc"}, {"t": "str", "v": "def"}]}
    assert from_docs.docstring_from(ok("['abc', 'def']", chunks)) == "abcdef"
    with pytest.raises(ValueError, match="cannot import it: ModuleNotFoundError"):
        from_docs.docstring_from(Outcome(status="raised", error_type="ModuleNotFoundError", error_message="x"))


def test_a_printed_3d_tensor_keeps_the_blank_lines_inside_it():
    doc = """Flip it.

    >>> x = torch.arange(8).view(2, 2, 2)
    >>> x
    tensor([[[ 0,  1],
             [ 2,  3]],

            [[ 4,  5],
             [ 6,  7]]])
    >>> x.sum()
    tensor(28)

    Unclosed on purpose:

    >>> x[0]
    tensor([[0, 1],

    That was not an output.
    """
    found, _ = from_docs.examples("torch.flip", doc)
    by_number = {e.number: e for e in found}
    assert by_number[2].want == ("tensor([[[ 0,  1],\n         [ 2,  3]],\n\n        [[ 4,  5],\n"
                                 "         [ 6,  7]]])")
    assert by_number[3].want == "tensor(28)"
    # An output that never closes is left as doctest read it (and will not reproduce).
    assert by_number[4].want == "tensor([[0, 1],"


def test_cli_refuses_an_existing_output_before_running_anything(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from quizapp.cli import authoring as cli
    from quizapp.cli.main import app

    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    monkeypatch.setattr(cli, "_engine", lambda timeout: pytest.fail("no engine should start"))
    existing = tmp_path / "mine.yaml"
    existing.write_text("my deck")
    result = CliRunner().invoke(app, ["deck", "from-docs", "torch.cumsum", "-o", str(existing)])
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert existing.read_text() == "my deck"
