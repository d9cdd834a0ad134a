"""reply.py: a card's report is parsed strictly and checked whole; its text is made printable."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.execution import reply
from quizapp.core.execution.outcome import Outcome


@given(st.text())
def test_printable_leaves_no_control_character_and_is_idempotent(text: str) -> None:
    shown = reply.printable(text)
    assert all(ch.isprintable() or ch in "\n\t" for ch in shown)
    assert reply.printable(shown) == shown
    assert "\n" not in reply.printable(text, multiline=False) and "\t" not in reply.printable(text, multiline=False)


def test_printable_keeps_ordinary_text() -> None:
    assert reply.printable("tensor([1., 2.])\n  ünïcode ✓") == "tensor([1., 2.])\n  ünïcode ✓"
    assert reply.printable("\x1b[2J\r\u202e\x9b") == "\\x1b[2J\\x0d\\u202e\\x9b"


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_parse_raises_only_reply_errors_on_any_bytes(data: bytes) -> None:
    try:
        reply.parse(data)
    except reply.ReplyError:
        pass


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=30)


@given(JSON)
def test_parse_reads_what_json_writes(value: object) -> None:
    assert reply.parse(json.dumps(value).encode()) == value


@pytest.mark.parametrize("data", [b"NaN", b"[Infinity]", b"-Infinity", b"1e999", b"[" * 200 + b"]" * 200,
                                  b"1" * 400, b'{"a": ' * 150 + b"1" + b"}" * 150, b"\xff\xfe", b"[1,"])
def test_parse_refuses_what_json_does_not_have_or_is_too_big(data: bytes) -> None:
    with pytest.raises(reply.ReplyError):
        reply.parse(data)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"display": "[" * 10_000 + '\\"' + "{" * 10_000})
    assert reply.parse(text.encode())["display"].startswith("[[[")


def test_whole_reports_are_checked() -> None:
    ok = {"status": "ok", "display": "x\x1b[2J", "stdout": "hi\x07\n",
          "value": {"t": "other", "type": "T\x1b", "repr": "\x1b]0;t\x07"}}
    outcome = Outcome.from_report(ok, seconds=0.1, output_bytes=100)
    assert outcome.ok and outcome.display == "x\\x1b[2J" and outcome.stdout == "hi\\x07\n"
    assert outcome.value == {"t": "other", "type": "T\\x1b", "repr": "\\x1b]0;t\\x07"}
    too_much = dict(ok, stdout="p" * 1000)
    assert Outcome.from_report(too_much, seconds=0, output_bytes=100).failed
    assert Outcome.from_report(dict(ok, value={"t": "int", "v": True}), seconds=0).failed
    assert Outcome.from_report(dict(ok, value={"t": "float", "v": float("inf")}), seconds=0).failed
    assert Outcome.from_report(dict(ok, value={"t": "float", "v": "inf"}), seconds=0).ok
    # A value type of a kind's own encoder is accepted as bounded JSON with its text escaped.
    custom = Outcome.from_report(dict(ok, value={"t": "graph", "nodes": ["a\x1b"], "n": 2}), seconds=0)
    assert custom.ok and custom.value == {"t": "graph", "nodes": ["a\\x1b"], "n": 2}


def test_an_escaped_outcome_passes_the_second_check_unchanged() -> None:
    first = Outcome.from_report({"status": "raised", "error_type": "E", "error_types": ["E", "Exception"],
                                 "error_message": "\x00" * 4000, "display": "E: " + "\x00" * 4000}, seconds=0)
    again = Outcome.from_report(json.loads(first.to_json()), seconds=0, escaped=True)
    assert again == first and "\\x00" in again.error_message


def test_a_wrapper_may_add_its_own_levels() -> None:
    deepest = b"[" * reply.MAX_REPLY_DEPTH + b"]" * reply.MAX_REPLY_DEPTH
    assert reply.parse(deepest) is not None
    wrapped = b'{"outcome": ' + deepest + b"}"
    with pytest.raises(reply.ReplyError):
        reply.parse(wrapped)
    assert reply.parse(wrapped, extra_depth=2)["outcome"]
