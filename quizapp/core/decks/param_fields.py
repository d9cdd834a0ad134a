"""Reading a parametric card's ``params`` key and checking its ``$name`` placeholders (docs/deck-format.md).

:class:`ParamFieldsReader` is the part of the loader's reader that turns ``params: {n: [2, 3]}`` into typed
value lists, enforces the variant limit, and reports placeholders that name no param and params no
placeholder uses.
"""

from __future__ import annotations

from typing import Any

from quizapp.core.decks import params as P
from quizapp.core.decks.field_readers import FieldReader, did_you_mean, shown_value, type_name
from quizapp.core.decks.yamlsafe import Map, Node, Scalar, Seq


class ParamFieldsReader(FieldReader):
    """The reader's ``params`` key and placeholder checks (a mixin of the loader's deck reader)."""

    def params(self, entry: tuple[Scalar, Node] | None,
               where: str) -> tuple[dict[str, tuple[Any, ...]] | None, set[str]]:
        """The card's valid params, and every name it declares (valid or not)."""
        if entry is None:
            return None, set()
        key, node = entry
        if not isinstance(node, Map):
            self.problem(f"'params' must map each name to a list of values, e.g. {{n: [2, 3]}}{where}", node.line)
            return None, set()
        declared = {name.value for name, _ in node.items}
        for dup in node.duplicates:
            self.problem(f"duplicate param '{shown_value(dup.value)}'{where}", dup.line)
        out: dict[str, tuple[Any, ...]] = {}
        for name, values in node.items:
            if not P.NAME_PATTERN.fullmatch(name.value):
                self.problem(f"param name '{shown_value(name.value)}'{where} must be an identifier"
                             " (letters, digits, '_')", name.line)
                continue
            if not isinstance(values, Seq):
                self.problem(f"param '{name.value}'{where} must be a list of values, e.g. [2, 3, 4]", values.line)
                continue
            if not values.items:
                self.problem(f"param '{name.value}'{where} has an empty list of values", values.line)
                continue
            typed: list[Any] = []
            for item in values.items:
                value = self.param_value(item, name.value, where)
                if value is not None:
                    typed.append(value)
            if len(typed) == len(values.items):
                out.setdefault(name.value, tuple(typed))
        if not node.items:
            self.problem(f"'params' is empty{where}", node.line)
        total = 1
        for choices in out.values():
            total *= len(choices)
        if total > P.MAX_VARIANTS:
            self.problem(f"params{where} make {total:,} combinations, more than the limit of {P.MAX_VARIANTS:,}",
                         key.line)
        return out, declared

    def param_value(self, item: Node, name: str, where: str) -> Any:
        if not isinstance(item, Scalar) or item.type == "null":
            self.problem(f"param '{name}'{where}: values must be numbers, text or true/false, not {type_name(item)}",
                         item.line)
            return None
        try:
            value = item.typed()
        except (ValueError, TypeError, ArithmeticError):  # an explicit tag on text it cannot hold: !!int abc
            self.problem(f"param '{name}'{where}: cannot read value '{shown_value(item.value)}'", item.line)
            return None
        if not isinstance(value, P.SCALAR_TYPES):
            self.problem(f"param '{name}'{where}: values must be numbers, text or true/false", item.line)
            return None
        return value

    def check_placeholders(self, params: dict[str, tuple[Any, ...]], declared: set[str],
                           entries: dict[str, tuple[Scalar, Node]], texts: dict[str, str | None],
                           where: str) -> None:
        used: set[str] = set()
        for name in P.TEMPLATED_FIELDS:
            text = texts.get(name)
            if text is None:
                continue
            line = entries[name][1].line if name in entries else None
            for ph in P.placeholders(text):
                if ph.name is None:
                    self.problem(f"invalid placeholder '{ph.text.strip()}' in '{name}'{where}"
                                 " (write $name or ${name}; '$$' for a literal '$')", line)
                elif ph.name not in declared:
                    known = ", ".join(sorted(declared)) or "none"
                    self.problem(f"unknown placeholder '{ph.text}' in '{name}'{where}"
                                 f"{did_you_mean(ph.name, sorted(declared))}; params: {known}", line)
                else:
                    used.add(ph.name)
        params_map = entries["params"][1]
        assert isinstance(params_map, Map)
        for key, _ in params_map.items:
            if key.value in params and key.value not in used:
                self.problem(f"param '{key.value}'{where} is never used (write ${key.value} in setup, ask,"
                             " prompt, explain or expect)", key.line)
