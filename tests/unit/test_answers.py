"""parse_answer: every notation people write, read without executing anything."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from quizapp.core.grading.answer_text import AnswerError
from quizapp.core.grading.answer_types import (
    ELLIPSIS,
    Complex,
    Device,
    DType,
    Mapping,
    Named,
    Null,
    Number,
    Raises,
    Seq,
    Shape,
    Size,
    Tensor,
)
from quizapp.core.grading.answers import parse_answer
from quizapp.core.grading.dtypes import canonical_dtype, family

DOC = Path(__file__).resolve().parents[2] / "README.md"  # its section "How answers are written and matched"


@pytest.mark.parametrize(
    "text",
    [
        "(2, 3)",
        "[2, 3]",
        "2, 3",
        "2 3",
        "2x3",
        "2 x 3",
        "2\u00d73",
        "2X3",
        "2*3",
        "torch.Size([2, 3])",
        "Size([2,3])",
        " ( 2 ,3 ) ",
        "(2,3,)",
    ],
)
def test_shape_notations(text: str) -> None:
    assert parse_answer("shape", text) == Shape((2, 3))


@pytest.mark.parametrize("text", ["()", "[]", "torch.Size([])", "Size([])", "scalar", "torch.Size()"])
def test_zero_d_shapes(text: str) -> None:
    assert parse_answer("shape", text) == Shape(())


@pytest.mark.parametrize("text", ["7", "(7,)", "[7]", "torch.Size([7])"])
def test_one_d_shapes(text: str) -> None:
    assert parse_answer("stride", text) == Shape((7,))


@pytest.mark.parametrize("text", ["foo", "(2, -1)", "(2.5, 3)", "2x", "torch.Size(2, 3)", "(2, 'a')"])
def test_unreadable_shapes_have_a_hint(text: str) -> None:
    with pytest.raises(AnswerError) as info:
        parse_answer("shape", text)
    assert "(2, 3)" in info.value.hint


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("torch.float32", "torch.float32"),
        ("float32", "torch.float32"),
        ("torch.float", "torch.float32"),
        ("float", "torch.float32"),
        ("double", "torch.float64"),
        ("half", "torch.float16"),
        ("torch.bfloat16", "torch.bfloat16"),
        ("long", "torch.int64"),
        ("torch.int64", "torch.int64"),
        ("int", "torch.int32"),
        ("short", "torch.int16"),
        ("int8", "torch.int8"),
        ("uint8", "torch.uint8"),
        ("bool", "torch.bool"),
        ("cfloat", "torch.complex64"),
        ("cdouble", "torch.complex128"),
        ("chalf", "torch.complex32"),
        ("torch.uint32", "torch.uint32"),
        ("dtype=torch.int8", "torch.int8"),
        ("torch . long", "torch.int64"),
    ],
)
def test_dtype_aliases(text: str, name: str) -> None:
    answer = parse_answer("dtype", text)
    assert isinstance(answer, DType) and answer.name == name


def test_unknown_dtype_is_unreadable() -> None:
    with pytest.raises(AnswerError, match="not a dtype"):
        parse_answer("dtype", "float33")


def test_dtype_families() -> None:
    assert [family(d) for d in ("torch.bool", "torch.uint8", "torch.bfloat16", "torch.complex64")] == [
        "bool",
        "int",
        "float",
        "complex",
    ]
    assert canonical_dtype("torch.nope") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("error", Raises(None)),
        ("raises", Raises(None)),
        ("it raises", Raises(None)),
        ("Exception", Raises(None)),
        ("exception", Raises(None)),
        ("It raises an error.", Raises(None)),
        ("RuntimeError", Raises("RuntimeError")),
        ("raises IndexError", Raises("IndexError")),
        ("RuntimeError: shape mismatch", Raises("RuntimeError")),
        ("builtins.ValueError", Raises("ValueError")),
        ("torch.linalg.LinAlgError", Raises("_LinAlgError")),
        ("StopIteration", Raises("StopIteration")),
    ],
)
def test_raises_answers_for_every_kind(text: str, expected: Raises) -> None:
    for kind in ("shape", "stride", "dtype", "value"):
        assert parse_answer(kind, text) == expected


def test_numbers_keep_their_written_precision() -> None:
    third = parse_answer("value", "0.3333")
    assert isinstance(third, Number) and third.tolerance == pytest.approx(0.00005) and not third.integral
    assert parse_answer("value", "0.33").tolerance == pytest.approx(0.005)
    assert parse_answer("value", "1.2346e+03").tolerance == pytest.approx(0.05)
    assert parse_answer("value", "1e-3").tolerance == pytest.approx(0.0005)
    whole = parse_answer("value", "3")
    assert whole.integral and whole.value == 3 and whole.tolerance == pytest.approx(0.00005)
    assert not parse_answer("value", "3.").integral
    negative_zero = parse_answer("value", "-0.")
    assert negative_zero.value == 0 and math.copysign(1, negative_zero.value) == -1


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "math.nan", "torch.inf"])
def test_special_floats(text: str) -> None:
    answer = parse_answer("value", text)
    assert isinstance(answer, Number) and not math.isfinite(answer.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("True", True), ("true", True), ("yes", True), ("no", False), ("false", False), ("False", False)],
)
def test_booleans_as_words(text: str, value: bool) -> None:
    assert parse_answer("value", text) is value


def test_complex_numbers() -> None:
    z = parse_answer("value", "1.+1.j")
    assert isinstance(z, Complex) and (z.real.value, z.imag.value) == (1.0, 1.0)
    w = parse_answer("value", "-0.5-2j")
    assert (w.real.value, w.imag.value) == (-0.5, -2.0)
    assert parse_answer("value", "2j").imag.value == 2.0


def test_plain_literals() -> None:
    assert parse_answer("value", "None") == Null()
    assert parse_answer("value", "'abc'") == "abc"
    assert parse_answer("value", "[[1, 2], [3, 4]]").brackets == "list"
    assert isinstance(parse_answer("value", "{'a': 1}"), Mapping)
    assert parse_answer("value", "torch.int8") == DType("torch.int8", "torch.int8")
    assert parse_answer("value", "device(type='cpu')") == Device("cpu")


def test_tensor_prints() -> None:
    t = parse_answer("value", "tensor([ 0,  1, -4], dtype=torch.int8)")
    assert isinstance(t, Tensor) and t.dtype.name == "torch.int8" and [n.value for n in t.data] == [0, 1, -4]
    g = parse_answer("value", "tensor([[2., 2.],\n        [2., 2.]], grad_fn=<MulBackward0>)")
    assert g.grad_fn == "MulBackward0" and len(g.data) == 2
    r = parse_answer("value", "Parameter containing:\ntensor([1., 1.], requires_grad=True)")
    assert r.requires_grad is True
    assert parse_answer("value", "tensor(3.)").data.value == 3.0
    assert parse_answer("value", "tensor([], size=(0, 3))").size == (0, 3)
    summary = parse_answer("value", "tensor([0, 1, 2,  ..., 7, 8, 9])")
    assert summary.data[3] is ELLIPSIS


def test_sizes_tuples_and_named_tuples() -> None:
    assert parse_answer("value", "torch.Size([2, 3])") == Size((2, 3))
    pair = parse_answer("value", "(tensor([0.5000]), tensor([1.]))")
    assert isinstance(pair, Seq) and pair.brackets == "tuple" and len(pair.items) == 2
    named = parse_answer("value", "torch.return_types.aminmax(\nmin=tensor(-3),\nmax=tensor(5))")
    assert isinstance(named, Named) and named.fields == ("min", "max")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "1/3",
        "x",
        "lambda: 1",
        "[i for i in x]",
        "tensor([1], foo=1)",
        "tensor('a')",
        "b'x'",
        "{**a}",
        "1 if x else 2",
        "tensor([1, 2], dtype=3)",
        "f'{x}'",
        "'a' + 'b'",
        "[1, 2",
        "\x00",
    ],
)
def test_anything_else_is_unreadable_not_executed(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer("value", text)


def test_length_and_depth_caps() -> None:
    with pytest.raises(AnswerError, match="too long"):
        parse_answer("value", "1," * 200_000)
    with pytest.raises(AnswerError, match="nested"):
        parse_answer("value", "[" * 1000 + "]" * 1000)
    with pytest.raises(AnswerError, match="empty"):
        parse_answer("value", "   ")


def test_the_documented_shape_notations_parse_as_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    table = doc.split("**shape and stride** cards", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == 7
    expected = [(2, 3), (2, 3), (2, 3), (2, 3), (2, 3), (7,), ()]
    for row, dims in zip(rows, expected, strict=True):
        for written in re.findall(r"`([^`]+)`", row.split("|")[1]):
            assert parse_answer("shape", written) == Shape(dims), written


def test_the_documented_dtype_names_parse() -> None:
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("**dtype** cards:", 1)[1].split("The aliases are", 1)[0]
    names = [n for written in re.findall(r"`([^`]+)`", section) for n in written.split("/")]
    assert len(names) > 15
    for name in names:
        answer = parse_answer("dtype", name)
        assert isinstance(answer, DType), name
