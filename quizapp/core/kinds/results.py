"""Compare two encoded results (the tree of quizapp/core/execution/outcome.py): a write card's answer
against its reference solution.

This runs in the app's process on plain JSON data, so nothing the learner's code does (patching
``torch.equal``, an object whose ``__eq__`` always says yes) takes part in the comparison; the
reference result comes from a separate process that never ran the learner's code.

``exact``: same kind of value, same shape and dtype, equal elements (nan equals nan). ``close``: the
same, but floating-point elements within ``torch.allclose``'s defaults (|a - b| <= atol + rtol * |b|).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

RTOL, ATOL = 1e-5, 1e-8  # torch.allclose's defaults
MAX_SHOWN = 60  # characters of a value quoted in a message


def differences(wanted: dict[str, Any], got: dict[str, Any], compare: str = "exact") -> list[str]:
    """Why ``got`` is not ``wanted`` (empty: they match), most useful first."""
    return _diff(wanted, got, compare, "")


def _what(value: dict[str, Any]) -> str:
    t = value.get("t")
    if t == "tensor":
        return f"a {value.get('dtype')} tensor of shape {tuple(value.get('shape') or ())}"
    if t == "other":
        return f"a {value.get('type')}"
    return {"none": "None", "bool": "a bool", "int": "an int", "float": "a float", "complex": "a complex number",
            "str": "a str", "dtype": "a dtype", "device": "a device", "size": "a torch.Size", "tuple": "a tuple",
            "list": "a list", "dict": "a dict"}.get(str(t), f"a {t}")


def _at(where: str) -> str:
    return f" at {where}" if where else ""


def _diff(wanted: dict[str, Any], got: dict[str, Any], compare: str, where: str) -> list[str]:
    tw, tg = wanted.get("t"), got.get("t")
    if tw != tg:
        return [f"it returned {_what(got)}{_at(where)}, wanted {_what(wanted)}"]
    if tw == "tensor":
        return _tensor(wanted, got, compare, where)
    if tw in ("tuple", "list"):
        items_w, items_g = wanted.get("items") or [], got.get("items") or []
        if len(items_w) != len(items_g):
            return [f"it returned a {tw} of {len(items_g)} items{_at(where)}, wanted {len(items_w)}"]
        out: list[str] = []
        for i, (w, g) in enumerate(zip(items_w, items_g, strict=True)):
            out += _diff(w, g, compare, f"{where}[{i}]")
        return out
    if tw == "dict":
        keys_w = [str(k) for k, _ in wanted.get("items") or []]
        keys_g = [str(k) for k, _ in got.get("items") or []]
        if keys_w != keys_g:
            return [f"it returned a dict with other keys{_at(where)}"]
        out = []
        for (_, w), (_, g) in zip(wanted.get("items") or [], got.get("items") or [], strict=True):
            out += _diff(w, g, compare, where + "[...]")
        return out
    if tw == "float":
        if _same_number(wanted.get("v"), got.get("v"), compare == "close"):
            return []
        shown_g, shown_w = _pair(got.get("v"), wanted.get("v"))
        return [f"it returned {shown_g}{_at(where)}, wanted {shown_w}"]
    if tw == "complex":
        close = compare == "close"
        same_re = _same_number(wanted.get("re"), got.get("re"), close)
        if same_re and _same_number(wanted.get("im"), got.get("im"), close):
            return []
        return [f"it returned a different complex number{_at(where)}"]
    if tw == "other":
        if wanted.get("type") == got.get("type") and wanted.get("repr") == got.get("repr"):
            return []
        return [f"it returned {_short(str(got.get('repr')))}{_at(where)}, wanted {_short(str(wanted.get('repr')))}"]
    if wanted == got:
        return []
    shown_g = got.get("v", got)
    shown_w = wanted.get("v", wanted)
    return [f"it returned {_short(str(shown_g))}{_at(where)}, wanted {_short(str(shown_w))}"]


def _tensor(wanted: dict[str, Any], got: dict[str, Any], compare: str, where: str) -> list[str]:
    shape_w, shape_g = tuple(wanted.get("shape") or ()), tuple(got.get("shape") or ())
    out: list[str] = []
    if shape_w != shape_g:
        return [f"its shape is {shape_g}{_at(where)}, wanted {shape_w}"]
    if wanted.get("dtype") != got.get("dtype"):
        out.append(f"its dtype is {got.get('dtype')}{_at(where)}, wanted {wanted.get('dtype')}")
    values_w, values_g = wanted.get("values"), got.get("values")
    if values_w is None or values_g is None:
        out.append(f"the result{_at(where)} is too large to compare element by element")
        return out
    close = compare == "close"
    flat_w, flat_g = list(_flatten(values_w, ())), list(_flatten(values_g, ()))
    if len(flat_w) != len(flat_g):  # the same shape, but a ragged value list: say so rather than fail
        out.append(f"the result{_at(where)} holds {len(flat_g)} elements, wanted {len(flat_w)}")
        return out
    wrong = [(index, w, g) for (index, w), (_, g) in zip(flat_w, flat_g, strict=True) if not _same_element(w, g, close)]
    if wrong:
        index, w, g = wrong[0]
        shown_g, shown_w = _pair(g, w)
        if not shape_w:  # a 0-d tensor has one element and no index
            out.append(f"its value{_at(where)} is {shown_g}, wanted {shown_w}")
            return out
        spot = "[" + ", ".join(str(i) for i in index) + "]"
        more = f" ({len(wrong)} of {len(flat_w)} elements differ)" if len(wrong) > 1 else ""
        out.append(f"element {spot}{_at(where)} is {shown_g}, wanted {shown_w}{more}")
    return out


def _flatten(data: Any, index: tuple[int, ...]) -> Iterator[tuple[tuple[int, ...], Any]]:
    # A complex element is encoded as [re, im]: flattening treats it as one more dimension of two
    # real numbers, which compares it part by part.
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from _flatten(item, (*index, i))
    else:
        yield index, data


def _number(x: Any) -> float | None:
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (int, float)):
        return float(x)
    if x in ("nan", "inf", "-inf"):
        return float(x)
    return None


def _same_number(w: Any, g: Any, close: bool) -> bool:
    a, b = _number(g), _number(w)
    if a is None or b is None:
        return bool(w == g)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    if close:
        return abs(a - b) <= ATOL + RTOL * abs(b)
    return a == b


def _same_element(w: Any, g: Any, close: bool) -> bool:
    if type(w) is bool or type(g) is bool:
        return w is g if (type(w) is bool and type(g) is bool) else _same_number(w, g, False)
    return _same_number(w, g, close)


def _pair(got: Any, wanted: Any) -> tuple[str, str]:
    """Two numbers as short as they can be while still looking different (6 significant digits)."""
    if isinstance(got, float) and isinstance(wanted, float):
        short_g, short_w = f"{got:.6g}", f"{wanted:.6g}"
        if short_g != short_w:
            return short_g, short_w
    return _show(got), _show(wanted)


def _show(x: Any) -> str:
    return _short(str(x))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
