"""``forbid``: what a write card's answer may not use, found on the parsed code, never by substring.

An entry is ``for`` or ``while`` (loops of every form: ``while`` forbids while loops, ``for`` forbids
for loops and comprehensions, which are loops too), a dotted name (``torch.cumsum``, ``F.softmax``:
that name wherever it is used, called or not, and also imported ``from torch import cumsum``), or a
bare name (``flip``: the name ``flip`` and any attribute ``.flip``, so both ``flip(x)`` and
``x.flip(0)``). ``F`` and ``nn`` mean ``torch.nn.functional`` and ``torch.nn`` on both sides, and
``import torch as t`` is followed.

A forbid list would be empty words if ``getattr(torch, "cum" + "sum")`` got round it, so on a card
that forbids anything the ways to reach a name by a string are forbidden too (:data:`ESCAPE_HATCHES`,
and every ``__dunder__`` attribute). What remains possible is stated in docs/deck-format.md: forbid
is a teaching aid, checked on the code as written.
"""

from __future__ import annotations

import ast
import re

LOOPS = ("for", "while")
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")  # used with fullmatch
ALIASES = {"F": "torch.nn.functional", "nn": "torch.nn"}  # what every card's namespace binds
ESCAPE_HATCHES = ("getattr", "setattr", "delattr", "eval", "exec", "compile", "__import__", "globals",
                  "locals", "vars", "importlib", "attrgetter", "methodcaller", "__builtins__", "builtins")


def entry_problem(entry: str) -> str | None:
    """Why ``entry`` cannot be a forbid entry (None: it can)."""
    if entry in LOOPS or DOTTED.fullmatch(entry):
        return None
    return f"forbid entry '{entry}' must be 'for', 'while', a name (flip) or a dotted name (torch.cumsum)"


def _canonical(dotted: str) -> str:
    head, _, rest = dotted.partition(".")
    if head in ALIASES:
        return ALIASES[head] + ("." + rest if rest else "")
    return dotted


class _Finder(ast.NodeVisitor):
    def __init__(self, forbid: tuple[str, ...]) -> None:
        self.loops = {e for e in forbid if e in LOOPS}
        names = [e for e in forbid if e not in LOOPS]
        self.dotted = {_canonical(e): e for e in names if "." in e}
        self.bare = {e for e in names if "." not in e}
        if forbid:
            self.bare |= set(ESCAPE_HATCHES)
        self.guard_dunders = bool(forbid)
        self.aliases: dict[str, str] = dict(ALIASES)
        self.found: list[str] = []

    def hit(self, what: str, node: ast.AST) -> None:
        line = getattr(node, "lineno", None)
        text = f"{what} (line {line})" if line else what
        if text not in self.found:
            self.found.append(text)

    def dotted_name(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])

    def check_dotted(self, name: str | None, node: ast.AST) -> None:
        if name is None:
            return
        for canonical, written in self.dotted.items():
            if name == canonical or name.startswith(canonical + "."):
                self.hit(f"uses {written}", node)

    # loops
    def visit_For(self, node: ast.For) -> None:
        if "for" in self.loops:
            self.hit("uses a for loop", node)
        self.generic_visit(node)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_While(self, node: ast.While) -> None:
        if "while" in self.loops:
            self.hit("uses a while loop", node)
        self.generic_visit(node)

    def _comprehension(self, node: ast.AST) -> None:
        if "for" in self.loops:
            self.hit("uses a comprehension (a for loop)", node)
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    # names
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.bare:
            self.hit(f"uses {node.id}", node)
        self.check_dotted(self.dotted_name(node), node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.bare:
            self.hit(f"uses {node.attr}", node)
        if self.guard_dunders and node.attr.startswith("__") and node.attr.endswith("__"):
            self.hit(f"uses {node.attr} (reaching names through dunder attributes is not allowed here)", node)
        self.check_dotted(self.dotted_name(node), node)
        # Visit only the object, so torch.nn.functional.softmax is reported once, not for each prefix.
        if not isinstance(node.value, (ast.Name, ast.Attribute)):
            self.visit(node.value)
        elif isinstance(node.value, ast.Attribute):
            self._visit_chain(node.value)
        elif node.value.id in self.bare:
            self.hit(f"uses {node.value.id}", node.value)

    def _visit_chain(self, node: ast.Attribute) -> None:
        """The inner links of an attribute chain: bare names and dunders, not dotted prefixes again."""
        if node.attr in self.bare:
            self.hit(f"uses {node.attr}", node)
        if self.guard_dunders and node.attr.startswith("__") and node.attr.endswith("__"):
            self.hit(f"uses {node.attr} (reaching names through dunder attributes is not allowed here)", node)
        inner = node.value
        if isinstance(inner, ast.Attribute):
            self._visit_chain(inner)
        elif isinstance(inner, ast.Name):
            if inner.id in self.bare:
                self.hit(f"uses {inner.id}", inner)
        else:
            self.visit(inner)

    # imports: follow aliases, and an imported name counts as a use
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            for part in alias.name.split("."):
                if part in self.bare:
                    self.hit(f"uses {part}", node)
            self.check_dotted(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            full = f"{module}.{alias.name}" if module else alias.name
            self.aliases[alias.asname or alias.name] = full
            if alias.name in self.bare:
                self.hit(f"uses {alias.name}", node)
            self.check_dotted(full, node)


def forbidden_uses(tree: ast.AST, forbid: tuple[str, ...]) -> list[str]:
    """What ``tree`` uses that ``forbid`` rules out, one phrase each ("uses torch.cumsum (line 2)")."""
    if not forbid:
        return []
    finder = _Finder(forbid)
    # Imports first, so an alias made on a later line still counts (import order does not matter here).
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            finder.visit(node)
    imports_seen = list(finder.found)
    finder.found = []
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            finder.visit(node)
    return list(dict.fromkeys(imports_seen + finder.found))
