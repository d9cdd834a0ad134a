"""Property tests: any text gets a Verdict; every notation round-trips; a perturbed answer is rejected."""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.execution.outcome import Outcome
from quizapp.core.grading.verdict import Verdict, grade

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OUTCOMES = [
    Outcome(
        "ok",
        {"t": "tuple", "items": [{"t": "int", "v": 2}, {"t": "int", "v": 3}], "name": None, "fields": None},
        display="(2, 3)",
    ),
    Outcome("ok", {"t": "dtype", "v": "torch.int64"}, display="torch.int64"),
    Outcome(
        "ok",
        {
            "t": "tensor",
            "dtype": "torch.float32",
            "shape": [2, 2],
            "values": [[1.0, "nan"], [-0.0, 2.5]],
            "requires_grad": True,
            "grad_fn": "AddBackward0",
        },
        display="tensor(...)",
    ),
    Outcome(
        "ok",
        {
            "t": "tensor",
            "dtype": "torch.complex64",
            "shape": [1],
            "values": [[1.0, 2.0]],
            "requires_grad": False,
            "grad_fn": None,
        },
        display="tensor([1.+2.j])",
    ),
    Outcome(
        "ok",
        {
            "t": "tuple",
            "name": "torch.return_types.max",
            "fields": ["values", "indices"],
            "items": [{"t": "int", "v": 1}, {"t": "list", "items": [{"t": "str", "v": "a"}]}],
        },
    ),
    Outcome("ok", {"t": "dict", "items": [[{"t": "none"}, {"t": "size", "v": [1]}]]}),
    Outcome("ok", {"t": "other", "type": "x.Y", "repr": "Y()"}),
    Outcome("ok", {"t": "str", "v": "text"}),
    Outcome("ok", {"t": "complex", "re": "nan", "im": 1.0}),
    Outcome("raised", display="RuntimeError: no", error_type="RuntimeError", error_types=("RuntimeError",)),
    Outcome(
        "ok",
        {
            "t": "tensor",
            "dtype": "torch.int64",
            "shape": [200, 300],
            "values": None,
            "requires_grad": False,
            "grad_fn": None,
        },
        display="tensor([[0, 1, 2,  ..., 7, 8, 9],\n        ...,\n        [5, 6, 7,  ..., 1, 2, 3]])",
    ),
    Outcome(
        "ok",
        {"t": "tensor", "dtype": "torch.bool", "shape": [], "values": True, "requires_grad": False, "grad_fn": None},
        display="tensor(True)",
    ),
    Outcome.failure("time limit of 5 s exceeded"),
]
KINDS = ["shape", "stride", "dtype", "value", "recall", "nonsense"]
FRAGMENTS = [
    "tensor(",
    "torch.",
    "Size(",
    "[",
    "]",
    "(",
    ")",
    ",",
    "...",
    "nan",
    "-",
    "1",
    "2.5",
    "e-3",
    "j",
    "+",
    "dtype=",
    "torch.int8",
    "grad_fn=<",
    ">",
    "requires_grad=True",
    "size=",
    "x",
    " ",
    "\n",
    "'",
    "True",
    "error",
    "RuntimeError",
    ":",
    "=",
    "{",
    "}",
    "None",
    "return_types.aminmax",
    "min",
    "1e400",
    "0x1f",
    "9" * 400,
]


def assert_judged(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert "grader error" not in verdict.message  # the last-resort net in grade() was never needed
    assert verdict.readable or not verdict.correct


@SETTINGS
@given(text=st.text(max_size=80), kind=st.sampled_from(KINDS), outcome=st.sampled_from(OUTCOMES))
def test_any_text_gets_a_verdict(text: str, kind: str, outcome: Outcome) -> None:
    assert_judged(grade(kind, outcome, text))


@SETTINGS
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), max_size=25),
    kind=st.sampled_from(KINDS),
    outcome=st.sampled_from(OUTCOMES),
)
def test_answer_shaped_text_gets_a_verdict(parts: list[str], kind: str, outcome: Outcome) -> None:
    assert_judged(grade(kind, outcome, "".join(parts)))


# ------------------------------------------------------------------------------------------- shapes

SHAPES = st.lists(st.integers(0, 64), max_size=5).map(tuple)


def notations(dims: tuple[int, ...]) -> list[str]:
    inner = ", ".join(str(d) for d in dims)
    forms = [
        f"({inner}{',' if len(dims) == 1 else ''})",
        f"[{inner}]",
        f"torch.Size([{inner}])",
        f"Size([{inner.replace(' ', '')}])",
    ]
    if dims:
        forms += [
            inner,
            " ".join(str(d) for d in dims),
            "x".join(str(d) for d in dims),
            " x ".join(str(d) for d in dims),
            "\u00d7".join(str(d) for d in dims),
        ]
    return forms


def shape_outcome(dims: tuple[int, ...]) -> Outcome:
    return Outcome(
        "ok",
        {"t": "tuple", "items": [{"t": "int", "v": d} for d in dims], "name": None, "fields": None},
        display=repr(dims),
    )


@SETTINGS
@given(dims=SHAPES, kind=st.sampled_from(["shape", "stride"]), data=st.data())
def test_shapes_round_trip_and_perturbations_fail(dims: tuple[int, ...], kind: str, data: st.DataObject) -> None:
    outcome = shape_outcome(dims)
    for text in notations(dims):
        verdict = grade(kind, outcome, text)
        assert verdict.correct, (text, verdict.message)
    if dims:
        i = data.draw(st.integers(0, len(dims) - 1))
        changed = dims[:i] + (dims[i] + data.draw(st.integers(1, 5)),) + dims[i + 1 :]
        for text in notations(changed):
            verdict = grade(kind, outcome, text)
            assert verdict.readable and not verdict.correct and f"dim {i}" in verdict.message
    for text in notations(dims + (1,)):
        assert not grade(kind, outcome, text).correct


# ------------------------------------------------------------------------------------------ tensors


def float32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


@st.composite
def tensors(draw: st.DrawFn) -> tuple[str, list[int], object]:
    dtype = draw(st.sampled_from(["torch.float32", "torch.int64", "torch.int8", "torch.bool"]))
    shape = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    if dtype == "torch.float32":
        element = st.floats(-1000, 1000, allow_nan=False).map(float32)
    elif dtype == "torch.bool":
        element = st.booleans()
    else:
        element = st.integers(-128, 127)

    def build(dims: list[int]) -> object:
        if not dims:
            return draw(element)
        return [build(dims[1:]) for _ in range(dims[0])]

    return dtype, shape, build(shape)


def printed(values: object, dtype: str, style: str) -> str:
    def leaf(v: object) -> str:
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, float):
            return f"{v:.4f}" if style != "scientific" else f"{v:.4e}"
        return str(v)

    def nested(v: object) -> str:
        return "[" + ", ".join(nested(x) for x in v) + "]" if isinstance(v, list) else leaf(v)

    body = nested(values)
    if style == "list":
        return body
    suffix = f", dtype={dtype}" if style == "dtype" else ""
    return f"tensor({body}{suffix})"


def perturbed(values: object) -> object:
    """The same values with the first element changed beyond any printed precision."""
    if isinstance(values, list):
        return [perturbed(values[0]), *values[1:]]
    if isinstance(values, bool):
        return not values
    return values + 1


def tensor_outcome(dtype: str, shape: list[int], values: object) -> Outcome:
    return Outcome(
        "ok",
        {"t": "tensor", "dtype": dtype, "shape": shape, "values": values, "requires_grad": False, "grad_fn": None},
        display="tensor(...)",
    )


@SETTINGS
@given(tensor=tensors(), style=st.sampled_from(["print", "dtype", "list", "scientific"]))
def test_tensors_round_trip_and_perturbations_fail(tensor: tuple[str, list[int], object], style: str) -> None:
    dtype, shape, values = tensor
    outcome = tensor_outcome(dtype, shape, values)
    if style == "list" and not shape:
        style = "print"  # a bare number is a 0-d tensor's print without the tensor() around it
    text = printed(values, dtype, style)
    verdict = grade("value", outcome, text)
    assert verdict.correct, (text, verdict.message)
    wrong = grade("value", outcome, printed(perturbed(values), dtype, style))
    assert wrong.readable and not wrong.correct
    other = "torch.int16" if dtype != "torch.int16" else "torch.int32"
    assert not grade("value", outcome, printed(values, other, "dtype")).correct


@SETTINGS
@given(x=st.floats(-1e4, 1e4, allow_nan=False), decimals=st.integers(1, 8))
def test_numbers_match_to_the_decimals_written(x: float, decimals: int) -> None:
    outcome = Outcome("ok", {"t": "float", "v": x}, display=repr(x))
    assert grade("value", outcome, f"{x:.{decimals}f}").correct
    step = 10.0**-decimals
    assert not grade("value", outcome, f"{x + 3 * step:.{decimals}f}").correct
