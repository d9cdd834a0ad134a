"""Checking what a card's child sent before anything of it is believed, and making its text safe to show.

A card's child runs hostile code, and that code can write whatever it likes on the child's result
pipe (it runs in the same process as the encoder, so no layout of file descriptors can keep it from
forging its own report). Everything it sends is therefore parsed here strictly and checked whole:

- size (``MAX_REPLY_BYTES``), nesting depth and node count are bounded before and while parsing;
- only JSON's own values are accepted: ``NaN``/``Infinity`` tokens and numbers that overflow to an
  infinite float (``1e999``) are refused, integers are bounded, ``true`` is not an integer;
- the outcome's fields have the types ``outcome.py`` documents, and its text fields are no longer
  than the child's own bounds (a forged report cannot smuggle 3 MB of "printed output" past them);
- every text field meant for people (display, printed output, messages, reprs, type names) has its
  control characters escaped (:func:`printable`), so no front end can send a card's escape sequence
  to a terminal. Data used for grading (``str`` values, dict keys) is kept exact.

The worker applies this to each child's report and the app applies it again to each worker message, so
a front end only ever sees checked, printable Outcomes. A forged report can therefore claim nothing a
card could not have made its ``ask`` return within the bounds.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# The largest report a child may send (the worker kills a child whose report grows past it).
MAX_REPLY_BYTES = 4 * 1024 * 1024
# Nesting of the whole document: the outcome (2) + 32 levels of values + up to 64 tensor dimensions.
MAX_REPLY_DEPTH = 128
# JSON nodes (values) in one document: the encoder's 10,000-item budget plus tensor elements, with room.
MAX_REPLY_NODES = 60_000
# Bounds matching the child's encoder (child.py); a little slack for its truncation notes.
MAX_TEXT = 20_000 + 64
MAX_NAME = 400
MAX_ERROR_TYPES = 64
MAX_INT_DIGITS = 300
# Characters after the output limit: "\n[output truncated: N more characters]".
OUTPUT_NOTE = 64

_NON_FINITE = ("nan", "inf", "-inf")


class ReplyError(ValueError):
    """The reply is not a well-formed, bounded outcome."""


def printable(text: str, *, multiline: bool = True) -> str:
    """``text`` with every control or invisible formatting character escaped (``\\x1b``, ``\\u202e``).

    Newlines and tabs stay when ``multiline``; carriage returns, escape sequences, bidi overrides and
    the like are shown as Python escapes, so text from a card can never drive a terminal.
    """
    if text.isprintable() and not multiline:
        return text
    out = []
    for ch in text:
        if ch.isprintable() or (multiline and ch in "\n\t"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def parse(data: bytes, *, extra_depth: int = 0) -> Any:
    """Parse one JSON document strictly (see the module docstring); raises ReplyError.

    ``extra_depth``: levels a wrapper adds around a report (the worker's message holds one).
    """
    if len(data) > MAX_REPLY_BYTES:
        raise ReplyError("the reply is too large")
    _check_nesting(data, MAX_REPLY_DEPTH + extra_depth)
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float,
                          parse_int=_bounded_int)
    except ReplyError:
        raise
    except (ValueError, RecursionError, UnicodeDecodeError, OverflowError) as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.__class__.__name__})") from None


def _check_nesting(data: bytes, limit: int) -> None:
    """Refuse documents nested deeper than ``limit`` before json (which recurses) sees them."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return  # cannot be too deep: the common case costs two counts
    # Strings removed (they may hold brackets), then only the brackets are walked: no recursion.
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        depth += 1 if byte in (0x5B, 0x7B) else -1
        if depth > limit:
            raise ReplyError(f"the reply is nested deeper than {limit} levels")


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _refuse_constant(name: str) -> Any:
    raise ReplyError(f"the reply holds {name}, which JSON does not have")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ReplyError(f"the reply holds a number too large for a float ({text[:20]})")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ReplyError("the reply holds an integer with too many digits")
    return int(text)


# Escaping makes text longer (one character can become ``\U0010ffff``): text that was checked and
# escaped once (the worker's messages, checked again by the app) is allowed this much more.
ESCAPED_GROWTH = 10


class _Budget:
    def __init__(self, scale: int = 1) -> None:
        self.nodes = MAX_REPLY_NODES
        self.scale = scale  # ESCAPED_GROWTH for text that was escaped already

    def take(self) -> None:
        self.nodes -= 1
        if self.nodes < 0:
            raise ReplyError(f"the reply holds more than {MAX_REPLY_NODES} values")


def _text(value: Any, limit: int, what: str, scale: int = 1) -> str:
    limit *= scale
    if not isinstance(value, str):
        raise ReplyError(f"{what} is not text")
    if len(value) > limit:
        raise ReplyError(f"{what} is longer than {limit} characters")
    return value


def _shown(value: Any, limit: int, what: str, *, multiline: bool = True, scale: int = 1) -> str:
    return printable(_text(value, limit, what, scale), multiline=multiline)


def _name(value: Any, what: str, budget: _Budget) -> str:
    """A one-line name (type, dtype, field): bounded and printable."""
    return _shown(value, MAX_NAME, what, multiline=False, scale=budget.scale)


def _optional_name(value: Any, what: str, scale: int = 1) -> str | None:
    return None if value is None else _shown(value, MAX_NAME, what, multiline=False, scale=scale)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReplyError(f"{what} is not an integer")
    return value


def _number(value: Any, what: str) -> float | int | str:
    """A float field: a finite number or one of the strings "nan", "inf", "-inf"."""
    if isinstance(value, str) and value in _NON_FINITE:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ReplyError(f"{what} is not a number")
    return _finite(value)


def _finite(number: int | float) -> int | float:
    # parse() already refuses non-finite floats; this also covers trees built without it.
    if isinstance(number, float) and not math.isfinite(number):
        raise ReplyError("the reply holds a non-finite number")
    return number


def _element(value: Any, budget: _Budget, depth: int) -> Any:
    """One entry of a tensor's nested ``values``: a list, bool, int, float, [re, im] or a name."""
    budget.take()
    if depth > MAX_REPLY_DEPTH:
        raise ReplyError("tensor values are nested too deep")
    if isinstance(value, list):
        return [_element(v, budget, depth + 1) for v in value]
    if isinstance(value, (bool, int, float)):
        return _finite(value)
    if isinstance(value, str):
        return value if value in _NON_FINITE else _name(value, "a tensor element", budget)
    raise ReplyError("a tensor element has an unknown type")


def value(tree: Any, budget: _Budget | None = None, depth: int = 0, *, escaped: bool = False) -> dict[str, Any]:
    """Check one encoded value (``outcome.py``'s tree) and return it with its display text escaped.

    Unknown ``"t"`` names (a kind's own encoder may add some) are accepted as bounded plain JSON whose
    text is escaped, so a new encoder needs no change here to be safe.
    """
    budget = budget or _Budget(ESCAPED_GROWTH if escaped else 1)
    budget.take()
    if depth > MAX_REPLY_DEPTH:
        raise ReplyError("the value is nested too deep")
    if not isinstance(tree, dict) or not isinstance(tree.get("t"), str):
        raise ReplyError("a value has no type tag")
    t = tree["t"]
    if t == "none":
        return {"t": "none"}
    if t == "bool":
        if not isinstance(tree.get("v"), bool):
            raise ReplyError("a bool value is not a bool")
        return {"t": "bool", "v": tree["v"]}
    if t == "int":
        return {"t": "int", "v": _int(tree.get("v"), "an int value")}
    if t == "float":
        return {"t": "float", "v": _number(tree.get("v"), "a float value")}
    if t == "complex":
        return {"t": "complex", "re": _number(tree.get("re"), "a complex value"),
                "im": _number(tree.get("im"), "a complex value")}
    if t == "str":
        return {"t": "str", "v": _text(tree.get("v"), MAX_TEXT, "a str value")}
    if t in ("dtype", "device"):
        return {"t": t, "v": _name(tree.get("v"), f"a {t} value", budget)}
    if t == "size":
        dims = tree.get("v")
        if not isinstance(dims, list) or len(dims) > MAX_REPLY_DEPTH:
            raise ReplyError("a size value is not a list of dimensions")
        return {"t": "size", "v": [_int(d, "a dimension") for d in dims]}
    if t == "tensor":
        return _tensor(tree, budget, depth)
    if t in ("tuple", "list"):
        items = tree.get("items")
        if not isinstance(items, list):
            raise ReplyError(f"a {t} value has no items")
        checked: dict[str, Any] = {"t": t, "items": [value(v, budget, depth + 1) for v in items]}
        if t == "tuple":
            fields = tree.get("fields")
            if fields is not None and not isinstance(fields, list):
                raise ReplyError("a tuple's fields are not a list")
            checked["name"] = _optional_name(tree.get("name"), "a tuple's name", budget.scale)
            checked["fields"] = (None if fields is None
                                 else [_name(f, "a field name", budget) for f in fields])
        return checked
    if t == "dict":
        pairs = tree.get("items")
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise ReplyError("a dict value's items are not pairs")
        return {"t": "dict", "items": [[value(k, budget, depth + 1), value(v, budget, depth + 1)] for k, v in pairs]}
    if t == "other":
        return {"t": "other", "type": _name(tree.get("type"), "a type name", budget),
                "repr": _shown(tree.get("repr"), MAX_TEXT, "a repr", scale=budget.scale)}
    plain: dict[str, Any] = _plain(tree, budget, depth)  # a dict in, so a dict out
    return plain


def _tensor(tree: dict[str, Any], budget: _Budget, depth: int) -> dict[str, Any]:
    shape = tree.get("shape")
    if not isinstance(shape, list) or len(shape) > MAX_REPLY_DEPTH:
        raise ReplyError("a tensor has no shape")
    values = tree.get("values")
    if values is not None and not isinstance(values, (list, bool, int, float, str)):
        raise ReplyError("a tensor's values are not a list")
    if not isinstance(tree.get("requires_grad"), bool):
        raise ReplyError("a tensor's requires_grad is not a bool")
    return {"t": "tensor", "dtype": _name(tree.get("dtype"), "a tensor's dtype", budget),
            "shape": [_int(d, "a dimension") for d in shape],
            "values": None if values is None else _element(values, budget, depth + 1),
            "requires_grad": tree["requires_grad"],
            "grad_fn": _optional_name(tree.get("grad_fn"), "a tensor's grad_fn", budget.scale)}


def _plain(data: Any, budget: _Budget, depth: int) -> Any:
    """Any bounded JSON, its strings escaped: for value types this module does not know."""
    budget.take()
    if depth > MAX_REPLY_DEPTH:
        raise ReplyError("the value is nested too deep")
    if isinstance(data, dict):
        return {_name(k, "a key", budget): _plain(v, budget, depth + 1)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v, budget, depth + 1) for v in data]
    if isinstance(data, str):
        return _shown(data, MAX_TEXT, "a text", scale=budget.scale)
    if data is None or isinstance(data, (bool, int, float)):
        return data if data is None else _finite(data)
    raise ReplyError("the value holds something JSON does not have")


def outcome_fields(report: Any, *, output_bytes: int, escaped: bool = False) -> dict[str, Any]:
    """Check a whole report (the child's) or outcome (the worker's) and return its checked fields.

    The result holds only the Outcome fields a report may set: status, value, display, error_type,
    error_types, error_message, stdout, reason. ``escaped``: the text was checked and escaped before
    (a worker's message), so it may be longer by the escapes. Raises ReplyError when anything is off.
    """
    scale = ESCAPED_GROWTH if escaped else 1
    if not isinstance(report, dict):
        raise ReplyError("the reply is not an object")
    status = report.get("status")
    if status not in ("ok", "raised", "failed"):
        raise ReplyError("the reply has no valid status")
    def text(key: str, limit: int, *, multiline: bool = True) -> str:
        # A field of the wrong type is dropped (as if absent); one that is too long fails the report.
        found = report.get(key)
        return _shown(found, limit, key, multiline=multiline, scale=scale) if isinstance(found, str) else ""

    # The child keeps ``output_bytes`` bytes (each at least one character) and adds a short note.
    fields: dict[str, Any] = {"status": status, "stdout": text("stdout", output_bytes + OUTPUT_NOTE)}
    if status == "failed":
        reason = text("reason", MAX_TEXT) or "the card failed"
        return fields | {"reason": reason, "display": reason}
    fields["display"] = text("display", MAX_TEXT)
    if status == "ok":
        fields["value"] = value(report.get("value"), escaped=escaped)
        return fields
    error_types = report.get("error_types")
    if not isinstance(error_types, list):
        error_types = []
    if len(error_types) > MAX_ERROR_TYPES:
        raise ReplyError("the exception's classes are not a short list")
    fields["error_type"] = text("error_type", MAX_NAME, multiline=False) or None
    fields["error_types"] = tuple(_shown(t, MAX_NAME, "an exception class", multiline=False, scale=scale)
                                  for t in error_types if isinstance(t, str))
    fields["error_message"] = text("error_message", MAX_TEXT)
    return fields
