"""The kind registry and the write kind's static checks (program shape, forbid), without running code."""

from __future__ import annotations

import ast
import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core.decks.model import Kind
from quizapp.core.kinds import registry
from quizapp.core.kinds.forbid import entry_problem, forbidden_uses
from quizapp.core.kinds.program import ProgramError, parse_program
from quizapp.core.kinds.results import differences


def test_every_kind_is_registered_under_its_name() -> None:
    assert set(registry.names()) == {k.value for k in Kind}
    for kind in Kind:
        assert registry.get(kind).name == kind.value
        assert registry.get(kind.value) is registry.get(kind)
    with pytest.raises(KeyError):
        registry.get("nope")


def test_kinds_say_what_they_run_and_predict() -> None:
    assert [k for k in registry.names() if registry.get(k).predicts] == ["shape", "stride", "dtype", "value"]
    assert not registry.get("recall").runs_code
    write = registry.get("write")
    assert write.runs_code and not write.predicts and not write.fillable
    assert write.thinking_seconds > registry.get("value").thinking_seconds


def tree(code: str) -> ast.Module:
    return ast.parse(code)


@pytest.mark.parametrize(("code", "forbid", "found"), [
    ("torch.cumsum(x, 0)", ("torch.cumsum",), ["uses torch.cumsum (line 1)"]),
    ("x.cumsum(0)", ("torch.cumsum",), []),  # a dotted entry is that name only
    ("x.cumsum(0)", ("cumsum",), ["uses cumsum (line 1)"]),
    ("f = torch.cumsum\nf(x, 0)", ("torch.cumsum",), ["uses torch.cumsum (line 1)"]),
    ("import torch as t\nt.cumsum(x, 0)", ("torch.cumsum",), ["uses torch.cumsum (line 2)"]),
    ("from torch import cumsum as c\nc(x, 0)", ("torch.cumsum",),
     ["uses torch.cumsum (line 1)", "uses torch.cumsum (line 2)"]),
    ("torch.nn.functional.softmax(x, -1)", ("F.softmax",), ["uses F.softmax (line 1)"]),
    ("F.softmax(x, -1)", ("torch.nn.functional.softmax",), ["uses torch.nn.functional.softmax (line 1)"]),
    ("flip(x)", ("flip",), ["uses flip (line 1)"]),
    ("x.flip(0)", ("flip",), ["uses flip (line 1)"]),
    ("torch.flip(x, (0,))", ("flip",), ["uses flip (line 1)"]),
    ("'flip' + '# torch.cumsum'", ("flip", "torch.cumsum"), []),  # never by substring
    ("flipped = 1\nflipped", ("flip",), []),
    ("[i for i in x]", ("for",), ["uses a comprehension (a for loop) (line 1)"]),
    ("{i: 1 for i in x}", ("for",), ["uses a comprehension (a for loop) (line 1)"]),
    ("sum(i for i in x)", ("for",), ["uses a comprehension (a for loop) (line 1)"]),
    ("for i in x:\n    pass\nx", ("for",), ["uses a for loop (line 1)"]),
    ("while False:\n    pass\nx", ("while",), ["uses a while loop (line 1)"]),
    ("while False:\n    pass\nx", ("for",), []),
    ("getattr(torch, 'cum' + 'sum')(x, 0)", ("cumsum",), ["uses getattr (line 1)"]),
    ("torch.__dict__['cumsum'](x, 0)", ("flip",), [
        "uses __dict__ (reaching names through dunder attributes is not allowed here) (line 1)"]),
    ("eval('x')", ("flip",), ["uses eval (line 1)"]),
    ("getattr(x, 'flip')", (), []),  # a card that forbids nothing allows everything
])
def test_forbid_is_checked_on_the_syntax_tree(code: str, forbid: tuple[str, ...], found: list[str]) -> None:
    assert forbidden_uses(tree(code), forbid) == found


def test_forbid_entries_are_validated() -> None:
    assert entry_problem("torch.cumsum") is None
    assert entry_problem("for") is None
    assert entry_problem("flip") is None
    assert entry_problem("torch.") is not None
    assert entry_problem("x y") is not None


# Identifiers only: a keyword such as `if` or `in` is not a name a forbid list can hold.
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda n: not keyword.iskeyword(n))


@given(NAMES, NAMES)
def test_a_name_only_in_a_string_or_comment_is_never_forbidden(name: str, other: str) -> None:
    code = f"{other}_v = '{name}'  # {name}\n{other}_v"
    assert forbidden_uses(tree(code), (name,)) in ([], [f"uses {name} (line 1)"] if f"{other}_v" == name else [])


@given(NAMES)
def test_a_name_used_as_call_or_attribute_is_always_forbidden(name: str) -> None:
    for code in (f"{name}(x)", f"x.{name}(0)", f"torch.{name}"):
        assert forbidden_uses(tree(code), (name,)), code


def test_a_program_splits_at_its_last_expression() -> None:
    program = parse_program("y = x * 2\nz = y + 1; z.sum()\n")
    assert program.body == "y = x * 2\nz = y + 1; "
    assert program.result == "z.sum()"
    assert parse_program("x + 1").body == ""
    assert parse_program("s = 'é'; s").result == "s"  # offsets count characters, not UTF-8 bytes


@pytest.mark.parametrize(("code", "message"), [
    ("", "there is no code"),
    ("# only a comment", "only comments"),
    ("x +", "syntax error (line 1)"),
    ("y = 1\nz = 2", "the last line (line 2) must be an expression"),
    ("return 1\nx", "syntax error (line 1): 'return' outside function"),
    ("y = 1\n*y", "syntax error (line 2): can't use starred expression here"),
    ("(" * 100 + ")" * 100, "nests brackets"),
    ("x" * 30_000, "longer than"),
])
def test_a_program_that_cannot_give_a_result_is_refused(code: str, message: str) -> None:
    with pytest.raises(ProgramError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_program(code)


@given(st.text(max_size=200))
def test_parse_program_never_fails_otherwise(text: str) -> None:
    try:
        program = parse_program(text)
    except ProgramError:
        return
    ast.parse(program.result, mode="eval")
    ast.parse(program.body or "pass", mode="exec")


def tensor(values, dtype="torch.int64", shape=None):  # noqa: ANN001, ANN201
    if shape is None:
        shape = [len(values)] if isinstance(values, list) else []
    return {"t": "tensor", "dtype": dtype, "shape": shape, "values": values, "requires_grad": False, "grad_fn": None}


def test_results_compare_shape_dtype_and_the_first_differing_element() -> None:
    want = tensor([1, 3, 6])
    assert differences(want, tensor([1, 3, 6])) == []
    assert differences(want, tensor([1, 3])) == ["its shape is (2,), wanted (3,)"]
    assert differences(want, tensor([1.0, 3.0, 6.0], "torch.float32")) == [
        "its dtype is torch.float32, wanted torch.int64"]
    assert differences(want, tensor([1, 4, 7])) == ["element [1] is 4, wanted 3 (2 of 3 elements differ)"]
    assert differences(tensor(5, shape=[]), tensor(6, shape=[])) == ["its value is 6, wanted 5"]
    assert differences(want, {"t": "list", "items": []}) == [
        "it returned a list, wanted a torch.int64 tensor of shape (3,)"]


def test_close_allows_rounding_exact_does_not() -> None:
    want, got = tensor([1.0, 2.0], "torch.float32"), tensor([1.0 + 1e-7, 2.0], "torch.float32")
    assert differences(want, got, "close") == []
    assert differences(want, got, "exact") == ["element [0] is 1.0000001, wanted 1.0"]
    assert differences(want, tensor([1.1, 2.0], "torch.float32"), "close") == ["element [0] is 1.1, wanted 1"]
    assert differences(tensor(["nan"], "torch.float32"), tensor(["nan"], "torch.float32")) == []


def test_an_object_claiming_equality_is_not_a_tensor() -> None:
    forged = {"t": "other", "type": "Liar", "repr": "tensor([1, 3, 6])"}
    assert differences(tensor([1, 3, 6]), forged) == ["it returned a Liar, wanted a torch.int64 tensor of shape (3,)"]
