"""grade(): verdicts and messages, on hand-built Outcomes that follow outcome.py's schema exactly."""

from __future__ import annotations

import pytest

from quizapp.core.execution.outcome import Outcome
from quizapp.core.grading.verdict import Verdict, grade
from quizapp.core.kinds.suggest import easy_within, suggest_rating
from quizapp.core.rating import Rating


def ok(value: dict, display: str = "shown") -> Outcome:
    return Outcome(status="ok", value=value, display=display)


def tensor(values, shape, dtype="torch.float32", requires_grad=False, grad_fn=None, display="shown") -> Outcome:
    return ok(
        {
            "t": "tensor",
            "dtype": dtype,
            "shape": list(shape),
            "values": values,
            "requires_grad": requires_grad,
            "grad_fn": grad_fn,
        },
        display,
    )


def dims(*numbers: int) -> Outcome:
    return ok(
        {"t": "tuple", "items": [{"t": "int", "v": n} for n in numbers], "name": None, "fields": None},
        repr(tuple(numbers)),
    )


RAISED = Outcome(
    status="raised",
    display="RuntimeError: shape '[2, 3]' is invalid for input of size 5",
    error_type="RuntimeError",
    error_types=("RuntimeError", "Exception", "BaseException"),
    error_message="shape '[2, 3]' is invalid for input of size 5",
)
INDEX = Outcome(
    status="raised",
    display="IndexError: index 5 is out of bounds",
    error_type="IndexError",
    error_types=("IndexError", "LookupError", "Exception", "BaseException"),
    error_message="index 5 is out of bounds",
)
THIRDS = tensor([0.3333333432674408, 0.6666666865348816], [2])


def right(kind: str, outcome: Outcome, answer: str) -> Verdict:
    verdict = grade(kind, outcome, answer)
    assert verdict.readable and verdict.correct, (answer, verdict.message)
    return verdict


def wrong(kind: str, outcome: Outcome, answer: str) -> Verdict:
    verdict = grade(kind, outcome, answer)
    assert verdict.readable and not verdict.correct, (answer, verdict.message)
    return verdict


# ---------------------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    "answer",
    [
        "(2, 1, 3)",
        "[2,1,3]",
        "2, 1, 3",
        "2 1 3",
        "2x1x3",
        "2 x 1 x 3",
        "2\u00d71\u00d73",
        "torch.Size([2, 1, 3])",
        "Size([2,1,3])",
        "  ( 2,1, 3 )  ",
    ],
)
def test_shape_in_every_notation(answer: str) -> None:
    right("shape", dims(2, 1, 3), answer)


def test_shape_messages_name_the_dimension_or_rank() -> None:
    assert wrong("shape", dims(2, 4), "2x3").message == "dim 1: you said 3, it is 4"
    assert "2 dims" in wrong("shape", dims(2, 4), "2x4x1").message
    assert "1 dim (7,)" in wrong("shape", dims(7), "()").message


def test_zero_d_and_one_d() -> None:
    for answer in ("()", "[]", "torch.Size([])", "scalar"):
        right("shape", dims(), answer)
    for answer in ("7", "(7,)", "[7]"):
        right("stride", dims(7), answer)
    wrong("shape", dims(), "1")


# ---------------------------------------------------------------------------------------- dtypes


def test_dtype_aliases_and_messages() -> None:
    long = ok({"t": "dtype", "v": "torch.int64"}, "torch.int64")
    for answer in ("torch.int64", "int64", "long", "torch.long"):
        right("dtype", long, answer)
    message = wrong("dtype", long, "int").message
    assert "torch.int32 (torch.int)" in message and "torch.int64 (torch.long)" in message
    right("dtype", ok({"t": "dtype", "v": "torch.float32"}), "float")
    assert not grade("dtype", long, "float33").readable


# ---------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("kind", ["shape", "stride", "dtype", "value"])
def test_predicting_the_error(kind: str) -> None:
    for answer in (
        "error",
        "raises",
        "it raises",
        "exception",
        "RuntimeError",
        "Exception",
        "RuntimeError: whatever message",
    ):
        assert "it raised RuntimeError: shape '[2, 3]'" in right(kind, RAISED, answer).message
    right(kind, INDEX, "LookupError")  # a base class in error_types counts
    partly = wrong(kind, RAISED, "IndexError")
    assert "you said IndexError, but it raised RuntimeError" in partly.message
    assert partly.partial and suggest_rating(partly, 3.0) is Rating.HARD  # right that it raises: partial credit
    assert not wrong(kind, RAISED, "(2, 3)" if kind != "dtype" else "float32").partial
    assert "write RuntimeError" in wrong(kind, RAISED, "torch.RuntimeError").message


def test_a_value_when_it_raised_and_an_error_when_it_ran() -> None:
    assert wrong("shape", RAISED, "(2, 3)").message.startswith("it raised RuntimeError: shape")
    assert wrong("shape", dims(2, 3), "error").message == "you predicted an error, but it ran and gave (2, 3)"
    assert not grade("shape", RAISED, "two by three").readable  # unreadable stays unreadable


def test_failed_outcome_is_readable_and_not_correct() -> None:
    failed = Outcome.failure("time limit of 5 s exceeded")
    verdict = grade("value", failed, "3")
    assert verdict.readable and not verdict.correct
    assert verdict.message == "this card could not be run: time limit of 5 s exceeded"


# ---------------------------------------------------------------------------------------- numbers


def test_precision_is_what_was_written() -> None:
    third = ok({"t": "float", "v": 1 / 3}, "0.3333333333333333")
    for answer in ("0.3333", "0.33", "0.333333", "3.3333e-01", ".3333"):
        right("value", third, answer)
    assert "off by" in wrong("value", third, "0.3334").message
    wrong("value", third, "0.34")
    wrong("value", third, "0")


def test_whole_numbers_and_ints() -> None:
    three = ok({"t": "float", "v": 3.0}, "3.0")
    for answer in ("3", "3.", "3.0", "3.0000", "tensor(3.)"[7:9] + "0"):
        right("value", three, answer)
    wrong("value", ok({"t": "float", "v": 3.2}), "3")
    int_three = ok({"t": "int", "v": 3}, "3")
    right("value", int_three, "3")
    assert "floating-point" in wrong("value", int_three, "3.0").message
    assert "bool" in wrong("value", int_three, "True").message
    wrong("value", ok({"t": "bool", "v": True}), "1")


def test_special_values() -> None:
    right("value", ok({"t": "float", "v": "nan"}), "nan")
    right("value", ok({"t": "float", "v": "-inf"}), "-inf")
    wrong("value", ok({"t": "float", "v": "inf"}), "-inf")
    wrong("value", ok({"t": "float", "v": "nan"}), "0")
    right("value", ok({"t": "float", "v": 0.0}), "-0.")
    right("value", ok({"t": "float", "v": -0.0}), "0")
    z = ok({"t": "complex", "re": 1.0, "im": 1.0}, "(1+1j)")
    for answer in ("1.+1.j", "(1+1j)", "1+1j"):
        right("value", z, answer)
    wrong("value", z, "1-1j")


def test_booleans_as_words() -> None:
    yes = ok({"t": "bool", "v": True}, "True")
    for answer in ("True", "true", "yes", " YES "):
        right("value", yes, answer)
    assert wrong("value", yes, "no").message == "you said False, it is True"


# ---------------------------------------------------------------------------------------- tensors


def test_tensors_as_printed_and_as_lists() -> None:
    for answer in (
        "tensor([0.3333, 0.6667])",
        "[0.3333, 0.6667]",
        "(0.33, 0.67)",
        "tensor([0.3333,0.6667])",
        "tensor([0.3333, 0.6667], dtype=torch.float32)",
        "tensor([0.3333, 0.6667], dtype=float32)",
    ):
        right("value", THIRDS, answer)
    assert (
        wrong("value", THIRDS, "[0.3333, 0.6]").message == "element [1]: you said 0.6, it is 0.666667 (off by 0.0667)"
    )
    assert (
        wrong("value", THIRDS, "tensor([0.3333, 0.6667], dtype=torch.float64)").message
        == "dtype: you said torch.float64, it is torch.float32"
    )


def test_integer_and_bool_tensors() -> None:
    int8 = tensor([0, 1, -4], [3], "torch.int8")
    for answer in ("tensor([ 0,  1, -4], dtype=torch.int8)", "[0, 1, -4]", "tensor([0, 1, -4])"):
        right("value", int8, answer)
    assert "torch.int8 tensor, whose elements are integers" in wrong("value", int8, "tensor([0., 1., -4.])").message
    right("value", tensor([1.0, 2.0], [2]), "tensor([1, 2])")  # integers for a float tensor of whole numbers
    flags = tensor([True, False], [2], "torch.bool")
    right("value", flags, "tensor([ True, False])")
    assert "True/False" in wrong("value", flags, "[1, 0]").message


def test_shape_and_element_messages_for_matrices() -> None:
    matrix = tensor([[1, 2, 3], [4, 5, 6]], [2, 3], "torch.int64")
    right("value", matrix, "tensor([[1, 2, 3],\n        [4, 5, 6]])")
    assert wrong("value", matrix, "[[1, 2], [4, 5]]").message == "shape: dim 1: you said 2, it is 3"
    assert "1 dim" in wrong("value", matrix, "[1, 2, 3, 4, 5, 6]").message
    assert wrong("value", matrix, "[[1, 2, 3], [4, 5, 7]]").message == "element [1, 2]: you said 7, it is 6 (off by 1)"
    assert "different lengths" in wrong("value", matrix, "[[1, 2, 3], [4, 5]]").message
    many = wrong("value", matrix, "[[0, 0, 0], [0, 0, 0]]")
    assert "(6 elements differ in all)" in many.message


def test_zero_d_tensors_and_scalars() -> None:
    three = tensor(3.0, [], display="tensor(3.)")
    for answer in ("tensor(3.)", "3", "3.", "tensor(3.0000)"):
        right("value", three, answer)
    assert "shape (1,)" in wrong("value", tensor([3.0], [1]), "3.").message


def test_autograd_annotations_are_checked_when_written() -> None:
    grad = tensor([[2.0, 2.0]], [1, 2], requires_grad=True, grad_fn="MulBackward0")
    for answer in (
        "tensor([[2., 2.]], grad_fn=<MulBackward0>)",
        "tensor([[2., 2.]])",
        "[[2, 2]]",
        "tensor([[2., 2.]], requires_grad=True)",
    ):
        right("value", grad, answer)
    assert (
        "grad_fn: you said AddBackward0, it is MulBackward0"
        in wrong("value", grad, "tensor([[2., 2.]], grad_fn=<AddBackward0>)").message
    )
    leaf = tensor([1.0], [1])
    assert "requires_grad" in wrong("value", leaf, "tensor([1.], requires_grad=True)").message


def test_special_elements_and_complex_tensors() -> None:
    special = tensor([-0.0, "nan", "inf"], [3])
    right("value", special, "tensor([-0., nan, inf])")
    right("value", special, "[0, nan, inf]")
    wrong("value", special, "[0, 0, inf]")
    z = tensor([[1.0, 1.0], [2.0, 0.0]], [2], "torch.complex64")
    right("value", z, "tensor([1.+1.j, 2.+0.j])")
    right("value", z, "[1+1j, 2]")
    wrong("value", z, "tensor([1.+1.j, 2.+1.j])")


def test_summarised_prints_match_the_shown_elements() -> None:
    values = [float(i) for i in range(2000)]
    big = tensor(values, [2000])
    printed = "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"
    right("value", big, printed)
    wrong("value", big, printed.replace("1.9980e+03", "1.9950e+03"))
    wrong("value", big, "tensor([0., 1., ..., 1999., 2000.])")
    assert "PyTorch prints this tensor in full" in wrong("value", tensor([1.0, 2.0], [2]), "[1., ..., 2.]").message
    long = tensor([float(i) for i in range(1200)], [2, 600])
    for empty in ("tensor([...])", "[[...], [...]]", "tensor(...)", "tensor([[...], ..., [...]])"):
        assert "shows no elements" in wrong("value", long, empty).message, empty


def test_tensor_too_big_to_carry_values_checks_shape() -> None:
    huge = tensor(None, [200, 200])
    right("value", huge, "tensor([[0., 0., ..., 0., 0.], [0., 0., ..., 0., 0.], ..., [0., 0., ..., 0., 0.]])")
    wrong("value", huge, "tensor([1., 2., ..., 3.])")
    right("value", tensor([], [0, 3]), "tensor([], size=(0, 3))")
    wrong("value", tensor([], [0, 3]), "tensor([], size=(0, 4))")


# ---------------------------------------------------------------------------------------- containers


def test_sizes_tuples_named_tuples() -> None:
    size = ok({"t": "size", "v": [2, 3]}, "torch.Size([2, 3])")
    for answer in ("torch.Size([2, 3])", "(2, 3)", "[2, 3]", "2x3"):
        right("value", size, answer)
    assert wrong("value", size, "torch.Size([2, 4])").message == "dim 1: you said 4, it is 3"
    pair = ok(
        {
            "t": "tuple",
            "name": None,
            "fields": None,
            "items": [
                {
                    "t": "tensor",
                    "dtype": "torch.float32",
                    "shape": [1],
                    "values": [0.5],
                    "requires_grad": False,
                    "grad_fn": None,
                },
                {
                    "t": "tensor",
                    "dtype": "torch.float32",
                    "shape": [1],
                    "values": [1.0],
                    "requires_grad": False,
                    "grad_fn": None,
                },
            ],
        }
    )
    right("value", pair, "(tensor([0.5000]), tensor([1.]))")
    assert wrong("value", pair, "(tensor([0.5000]), tensor([2.]))").message.startswith("item 1: element [0]")
    assert "2 items" in wrong("value", pair, "(tensor([0.5]),)").message
    aminmax = ok(
        {
            "t": "tuple",
            "name": "torch.return_types.aminmax",
            "fields": ["min", "max"],
            "items": [
                {
                    "t": "tensor",
                    "dtype": "torch.int64",
                    "shape": [],
                    "values": -3,
                    "requires_grad": False,
                    "grad_fn": None,
                },
                {
                    "t": "tensor",
                    "dtype": "torch.int64",
                    "shape": [],
                    "values": 5,
                    "requires_grad": False,
                    "grad_fn": None,
                },
            ],
        }
    )
    for answer in (
        "torch.return_types.aminmax(min=tensor(-3), max=tensor(5))",
        "torch.return_types.aminmax(\nmin=tensor(-3),\nmax=tensor(5))",
        "(tensor(-3), tensor(5))",
        "(-3, 5)",
    ):
        right("value", aminmax, answer)
    assert wrong("value", aminmax, "torch.return_types.aminmax(min=tensor(-3), max=tensor(4))").message.startswith(
        "max:"
    )
    assert "fields" in wrong("value", aminmax, "torch.return_types.aminmax(max=tensor(5), min=tensor(-3))").message
    wrong("value", aminmax, "torch.return_types.max(min=tensor(-3), max=tensor(5))")


def test_lists_dicts_strings_none_dtypes() -> None:
    right("value", ok({"t": "list", "items": [{"t": "int", "v": 1}, {"t": "int", "v": 3}]}), "[1, 3]")
    mapping = ok({"t": "dict", "items": [[{"t": "str", "v": "a"}, {"t": "int", "v": 1}]]})
    right("value", mapping, "{'a': 1}")
    wrong("value", mapping, "{'a': 2}")
    wrong("value", mapping, "{'b': 1}")
    text = ok({"t": "str", "v": "hello world"}, "'hello world'")
    for answer in ("'hello world'", '"hello world"', "hello world"):
        right("value", text, answer)
    wrong("value", text, "'hello'")
    right("value", ok({"t": "none"}, "None"), "None")
    wrong("value", ok({"t": "none"}, "None"), "0")
    right("value", ok({"t": "dtype", "v": "torch.float32"}), "torch.float")
    right("value", ok({"t": "device", "v": "cpu"}), "device(type='cpu')")
    other = ok({"t": "other", "type": "torch.nn.Linear", "repr": "Linear(in_features=2, out_features=3, bias=True)"})
    right("value", other, "Linear(in_features=2, out_features=3, bias=True)")
    wrong("value", other, "Linear(in_features=3, out_features=2, bias=True)")


def test_list_result_is_not_a_tensor() -> None:
    listed = ok({"t": "list", "items": [{"t": "int", "v": 1}]}, "[1]")
    assert "it is a list" in wrong("value", listed, "tensor([1])").message


def test_unreadable_answers_have_a_hint_per_kind() -> None:
    for kind, example in (("shape", "2x3"), ("stride", "(3, 1)"), ("dtype", "torch.float32"), ("value", "tensor(")):
        verdict = grade(kind, dims(1), "@@@")
        assert not verdict.readable and not verdict.correct
        assert verdict.message.startswith("'@@@' is not") and example in verdict.message


def test_verdict_fields() -> None:
    verdict = grade("value", THIRDS, "[0.3333, 0.6667]")
    assert (verdict.actual, verdict.answer, verdict.kind) == ("shown", "[0.3333, 0.6667]", "value")
    assert grade("value", RAISED, "3").actual.startswith("RuntimeError")
    assert "rate yourself" in grade("recall", ok({"t": "none"}), "anything").message


# ---------------------------------------------------------------------------------------- ratings


def test_suggested_ratings() -> None:
    correct = grade("shape", dims(2, 3), "2x3")
    assert suggest_rating(correct, 2.0) is Rating.EASY
    assert suggest_rating(correct, 60.0) is Rating.GOOD
    assert suggest_rating(grade("shape", dims(2, 3), "2x4"), 1.0) is Rating.AGAIN
    assert suggest_rating(grade("shape", dims(2, 3), "??"), 1.0) is Rating.AGAIN
    assert suggest_rating(correct, float("nan")) is Rating.GOOD


def test_quick_means_relative_to_kind_and_length() -> None:
    assert easy_within("dtype", "long") < easy_within("stride", "long")
    long_answer = "tensor([[1, 2, 3], [4, 5, 6]])"
    assert easy_within("value", long_answer) > easy_within("value", "3")
    verdict = grade("value", tensor([[1, 2, 3], [4, 5, 6]], [2, 3], "torch.int64"), long_answer)
    assert suggest_rating(verdict, easy_within("value", long_answer) - 0.5) is Rating.EASY
    assert suggest_rating(verdict, easy_within("value", long_answer) + 0.5) is Rating.GOOD


def test_shape_notations_for_size_and_int_tuple_values() -> None:
    for outcome in (ok({"t": "size", "v": [2, 3]}), dims(2, 3)):
        right("value", outcome, "2x3")
        assert wrong("value", outcome, "2x4").message == "dim 1: you said 4, it is 3"


def test_huge_numbers_are_judged_not_crashed() -> None:
    wrong("value", ok({"t": "float", "v": 1.5}), "1" * 400)
    wrong("value", tensor([1.5], [1]), "[" + "9" * 400 + "]")
    wrong("value", ok({"t": "int", "v": 3}), "1e400")


def test_tensor_too_big_to_carry_values_is_compared_with_its_print() -> None:
    printed = (
        "tensor([[   0.0000,    0.1429,    0.2857,  ...,   14.1429],\n"
        "        [  14.2857,   14.4286,   14.5714,  ...,   28.4286],\n"
        "        ...,\n"
        "        [1414.2858, 1414.4286, 1414.5714,  ..., 1428.4286]])"
    )
    big = tensor(None, [100, 100], display=printed)
    right("value", big, printed)
    right("value", big, "tensor([[0., 0.1429, ..., 14.1429], ..., [1414.2858, ..., 1428.4286]])")
    assert "element [0, 1]: you said 0.2429" in wrong("value", big, printed.replace("0.1429", "0.2429")).message
    assert "element [-1, -1]" in wrong("value", big, printed.replace("1428.4286", "1428.5")).message
    assert "shape" in wrong("value", big, "tensor([0., 0.1429, ..., 14.1429])").message


def test_a_copy_of_an_unparsed_print_is_right() -> None:
    printed = "tensor(indices=tensor([[0, 2]]),\n       values=tensor([1., 2.]),\n       size=(3,), nnz=2, layout=torch.sparse_coo)"
    sparse = tensor(None, [3], display=printed)
    right("value", sparse, printed)
    assert not grade("value", sparse, printed.replace("nnz=2", "nnz=3")).readable
