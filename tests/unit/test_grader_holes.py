"""The grader's former holes, each closed by examples and a property test (issue 10, "a grader with no holes").

Classes of defect: `...` answers graded Correct; `...` hiding elements PyTorch prints in full; exception
class names that are not builtins and do not end in Error/Exception/Warning, and dotted names; `device=`
and `Parameter containing:` never checked; `0x3` for a torch.Size read as hexadecimal; numpy values not
compared as numbers; trailing comments on some kinds only; forms people write (`(4 3)`, `3 by 4`, `fp16`,
`shape (2, 3)`) and near-miss typos.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.execution.outcome import Outcome
from quizapp.core.grading.verdict import Verdict, grade
from quizapp.core.kinds.suggest import suggest_rating
from quizapp.core.rating import Rating

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IDENT = st.from_regex(r"[A-Z][A-Za-z0-9]{0,12}", fullmatch=True)


def tensor(values, shape, dtype="torch.float32", display="shown") -> Outcome:  # noqa: ANN001
    return Outcome("ok", {"t": "tensor", "dtype": dtype, "shape": list(shape), "values": values,
                          "requires_grad": False, "grad_fn": None}, display=display)


def nested(shape: tuple[int, ...], fill: float = 0.0):  # noqa: ANN201
    if not shape:
        return fill
    return [nested(shape[1:], fill) for _ in range(shape[0])]


def raised(name: str, *bases: str, display: str | None = None) -> Outcome:
    return Outcome("raised", display=display or f"{name}: boom", error_type=name,
                   error_types=(name, *bases, "Exception", "BaseException"), error_message="boom")


def is_right(kind: str, outcome: Outcome, answer: str) -> bool:
    verdict = grade(kind, outcome, answer)
    return verdict.readable and verdict.correct


# ------------------------------------------------------------------------------------------ ellipsis


def only_ellipsis(rank: int, draw) -> str:  # noqa: ANN001
    """An answer of the given rank whose every list holds only `...`."""
    if rank == 0:
        return "..."
    inner = only_ellipsis(rank - 1, draw)
    count = draw(st.integers(1, 3))
    return "[" + ", ".join([inner] * count) + "]" if rank > 1 else "[...]"


@SETTINGS
@given(st.data(), st.lists(st.integers(1, 40), min_size=1, max_size=3), st.booleans())
def test_an_answer_made_of_ellipses_is_never_correct(data, shape, wrapped) -> None:  # noqa: ANN001
    numel = math.prod(shape)
    outcome = tensor(nested(tuple(shape)) if numel <= 10_000 else None, shape)
    body = only_ellipsis(len(shape), data.draw)
    for answer in (f"tensor({body})" if wrapped else body, "tensor(...)"):
        assert not is_right("value", outcome, answer), answer


@SETTINGS
@given(st.lists(st.integers(2, 9), min_size=1, max_size=3), st.integers(0, 8))
def test_ellipsis_never_hides_elements_of_a_tensor_printed_in_full(shape, where) -> None:  # noqa: ANN001
    values = [float(i) for i in range(math.prod(shape))]
    rows = _reshape(values, shape)
    outcome = tensor(rows, shape)
    written = _with_ellipsis(rows, where)
    assert not is_right("value", outcome, written), written


def _reshape(values: list[float], shape: list[int]):  # noqa: ANN202
    if len(shape) == 1:
        return values
    step = len(values) // shape[0]
    return [_reshape(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _with_ellipsis(rows, where: int) -> str:  # noqa: ANN001
    """The full print, one run of the innermost elements replaced by `...`."""
    def show(x) -> str:  # noqa: ANN001
        if isinstance(x, list):
            if x and not isinstance(x[0], list):
                cut = where % len(x)
                items = [f"{v:.1f}" for v in x]
                items[cut] = "..."
                return "[" + ", ".join(items) + "]"
            return "[" + ", ".join(show(r) for r in x) + "]"
        return f"{x:.1f}"
    return f"tensor({show(rows)})"


def test_a_real_summarised_print_is_still_right() -> None:
    values = [float(i) for i in range(2000)]
    big = tensor(values, [2000])
    assert is_right("value", big, "tensor([0., 1., 2.,  ..., 1997., 1998., 1999.])")
    assert not is_right("value", big, "tensor([...])")
    assert is_right("value", big, "[0., ..., 1999.]")  # what it shows beside `...` is a prediction


# ------------------------------------------------------------------------------------------ exceptions


@SETTINGS
@given(IDENT, IDENT, st.sampled_from(["shape", "stride", "dtype", "value"]))
def test_any_class_name_of_what_it_raised_is_read(name, other, kind) -> None:  # noqa: ANN001
    outcome = raised(name)
    assert is_right(kind, outcome, name)
    assert is_right(kind, outcome, f"raises {name}: with a remark")
    if other != name and other not in ("Exception", "BaseException"):
        verdict = grade(kind, outcome, other)
        if verdict.readable:  # a readable other answer (e.g. a dtype word) is wrong, never right
            assert not verdict.correct


def test_custom_and_group_exceptions_and_dotted_names() -> None:
    assert is_right("value", raised("Oops"), "Oops")
    assert is_right("shape", raised("ExceptionGroup", "BaseExceptionGroup"), "ExceptionGroup")
    assert is_right("value", raised("Error", display="Error: boom"), "torch.jit.Error")
    assert not is_right("value", raised("RuntimeError"), "torch.RuntimeError")  # no such class: say so
    partly = grade("value", raised("Oops"), "Whoops")
    assert partly.readable and not partly.correct and partly.partial
    assert suggest_rating(partly, 3.0) is Rating.HARD
    assert not grade("value", raised("Oops"), "(2, 3)").partial  # a value when it raised: no credit
    typo = grade("shape", raised("RuntimeError"), "RuntimeEror")  # a typo is not another class
    assert not typo.readable and "did you mean 'RuntimeError'" in typo.message


@SETTINGS
@given(st.from_regex(r"[a-z]{1,6}(\.[a-z]{1,6}){1,2}", fullmatch=True), IDENT)
def test_dotted_names_as_python_prints_them(module, name) -> None:  # noqa: ANN001
    builtin = name in vars(__import__("builtins"))
    assert is_right("value", raised(name), f"{module}.{name}") is (not builtin)


# ------------------------------------------------------------------------------------------ annotations


@SETTINGS
@given(st.sampled_from(["cpu", "meta", "cuda:0", "cuda:1"]), st.sampled_from(["cpu", "meta", "cuda:0", "cuda:1"]))
def test_device_annotations_are_checked(real, written) -> None:  # noqa: ANN001
    suffix = "" if real == "cpu" else f", device='{real}'"
    outcome = tensor([1.0, 2.0], [2], display=f"tensor([1., 2.]{suffix})")
    assert is_right("value", outcome, f"tensor([1., 2.], device='{written}')") is (real == written)
    assert is_right("value", outcome, "tensor([1., 2.])")  # never required


def test_parameter_annotations_are_checked() -> None:
    param = tensor([1.0, 1.0], [2], display="Parameter containing:\ntensor([1., 1.], requires_grad=True)")
    param = Outcome("ok", {**param.value, "requires_grad": True}, display=param.display)
    plain = tensor([1.0, 1.0], [2], display="tensor([1., 1.])")
    answer = "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert is_right("value", param, answer) and is_right("value", param, "tensor([1., 1.])")
    verdict = grade("value", plain, "Parameter containing: tensor([1., 1.])")
    assert not verdict.correct and "not an nn.Parameter" in verdict.message
    pair = Outcome("ok", {"t": "list", "items": [param.value, param.value]},
                   display="[Parameter containing:\ntensor([1., 1.]), Parameter containing:\ntensor([1., 1.])]")
    assert is_right("value", pair, pair.display)


# ------------------------------------------------------------------------------------------ sizes, numpy


@SETTINGS
@given(st.lists(st.integers(0, 64), min_size=2, max_size=4))
def test_by_notation_for_a_size_is_never_hexadecimal(dims) -> None:  # noqa: ANN001
    size = Outcome("ok", {"t": "size", "v": dims}, display=f"torch.Size({dims})")
    assert is_right("value", size, "x".join(map(str, dims)))
    assert is_right("value", size, " by ".join(map(str, dims)))
    assert not is_right("value", size, "x".join(map(str, dims[::-1]))) or dims == dims[::-1]


@SETTINGS
@given(st.floats(-1e4, 1e4, allow_nan=False), st.sampled_from(["float32", "float64"]))
def test_numpy_scalars_compare_as_numbers(x, dtype) -> None:  # noqa: ANN001
    outcome = Outcome("ok", {"t": "other", "type": f"numpy.{dtype}", "repr": f"np.{dtype}({x!r})"},
                      display=f"np.{dtype}({x!r})")
    assert is_right("value", outcome, f"{x:.4f}")
    assert is_right("value", outcome, repr(x))
    assert not is_right("value", outcome, f"{x + 1:.4f}")


def test_numpy_arrays_compare_as_numbers() -> None:
    outcome = Outcome("ok", {"t": "other", "type": "numpy.ndarray", "repr": "array([1., 2.], dtype=float32)"},
                      display="array([1., 2.], dtype=float32)")
    for answer in ("[1, 2]", "array([1., 2.], dtype=float32)", "tensor([1., 2.])", "[1.0, 2.0]"):
        assert is_right("value", outcome, answer), answer
    assert not is_right("value", outcome, "[1, 3]")
    ints = Outcome("ok", {"t": "other", "type": "numpy.ndarray", "repr": "array([[1, 2],\n       [3, 4]])"})
    assert is_right("value", ints, "[[1, 2], [3, 4]]") and not is_right("value", ints, "[[1, 2], [3, 5]]")


# ------------------------------------------------------------------------------------------ comments, forms

RIGHT_ANSWERS = [
    ("shape", Outcome("ok", {"t": "tuple", "items": [{"t": "int", "v": 2}, {"t": "int", "v": 3}],
                             "name": None, "fields": None}, display="(2, 3)"), "(2, 3)"),
    ("stride", Outcome("ok", {"t": "tuple", "items": [{"t": "int", "v": 3}, {"t": "int", "v": 1}],
                              "name": None, "fields": None}, display="(3, 1)"), "3x1"),
    ("dtype", Outcome("ok", {"t": "dtype", "v": "torch.float16"}, display="torch.float16"), "half"),
    ("value", tensor([1.0, 2.0], [2], display="tensor([1., 2.])"), "tensor([1., 2.])"),
    ("value", raised("RuntimeError"), "RuntimeError"),
    ("shape", raised("RuntimeError"), "error"),
]


@SETTINGS
@given(st.sampled_from(RIGHT_ANSWERS), st.text(st.characters(blacklist_characters="'\"\n\r"), max_size=30))
def test_a_trailing_comment_never_changes_a_verdict(case, comment) -> None:  # noqa: ANN001
    kind, outcome, answer = case
    assert is_right(kind, outcome, f"{answer}  # {comment}")


@SETTINGS
@given(st.lists(st.integers(0, 99), min_size=1, max_size=4))
def test_the_shape_forms_people_write(dims) -> None:  # noqa: ANN001
    outcome = Outcome("ok", {"t": "tuple", "items": [{"t": "int", "v": d} for d in dims], "name": None,
                             "fields": None}, display=str(tuple(dims)))
    spaced = " ".join(map(str, dims))
    forms = [f"({spaced})", f"[{spaced}]", f"shape {tuple(dims)}", f"shape: {list(dims)}", f"size={tuple(dims)}"]
    if len(dims) > 1:
        forms.append(" by ".join(map(str, dims)))
    for form in forms:
        assert is_right("shape", outcome, form), form


def test_short_dtype_names() -> None:
    for written, real in (("f32", "torch.float32"), ("fp32", "torch.float32"), ("fp16", "torch.float16"),
                          ("bf16", "torch.bfloat16"), ("FP16", "torch.float16"), ("torch.bf16", "torch.bfloat16")):
        assert is_right("dtype", Outcome("ok", {"t": "dtype", "v": real}, display=real), written), written
    assert is_right("value", Outcome("ok", {"t": "dtype", "v": "torch.bfloat16"}), "bf16")


def test_near_misses_get_a_did_you_mean() -> None:
    outcome = tensor([1.0, 2.0], [2])
    for typo, meant in (("tensro([1., 2.])", "tensor"), ("flaot32", "float32"), ("Ture", "True")):
        verdict: Verdict = grade("value", outcome, typo)
        assert not verdict.readable and f"did you mean '{meant}'" in verdict.message, verdict.message
    dtype = grade("dtype", Outcome("ok", {"t": "dtype", "v": "torch.int64"}), "int46")
    assert "did you mean 'int64'" in dtype.message


def test_over_the_print_threshold_the_real_values_decide() -> None:
    real = 0.12345678
    big = tensor([real] * 1200, [1200])  # summarised by PyTorch, but its real elements are carried
    shown = ", ".join(["0.1235"] * 3)
    assert is_right("value", big, f"tensor([{shown},  ..., {shown}])")
    assert not is_right("value", big, f"tensor([0.1234, 0.1234, 0.1234, ..., {shown}])")
    assert is_right("value", big, f"tensor([0.123457, 0.1235, 0.1235, ..., {shown}])")  # more digits than printed
    assert not is_right("value", big, f"tensor([0.123450, 0.1235, 0.1235, ..., {shown}])")
