"""``quizapp deck from-docs torch.cumsum torch.gather ...``: a deck from the examples in docstrings.

PyTorch's docstrings print their outputs (``>>> torch.arange(4).cumsum(0)`` then ``tensor([0, 1, 3,
6])``), which makes each example a ready ``value`` card. The app's process never imports torch, so the
docstring itself is read inside the engine (a job whose ``ask`` returns it). The examples are parsed
here with the standard library's doctest parser, and an example is kept only when

- it is one expression with printed output (or a printed traceback: then it becomes an "it raises" card),
- running it (after the docstring's earlier statements, its ``setup``) reproduces the printed output,
  as judged by the grader, and
- a second run gives the same outcome (the engine seeds every run to 0, so this catches what depends
  on time, addresses or the environment rather than the random generators).

Random examples (``torch.randn`` and friends) print whatever the docs author's generator gave, so they
are skipped with the reason. Every kept card's ``expect`` is the outcome of the run, never the doc text.
"""

from __future__ import annotations

import ast
import doctest
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from quizapp.core.authoring.new import slug

if TYPE_CHECKING:
    from quizapp.core.execution.engine import Engine, Job
    from quizapp.core.execution.outcome import Outcome

DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
DOC_CHUNK = 8000  # the engine clips one string at 20,000 characters; a docstring comes back in chunks
EXPLAIN_SUMMARY_CHARS = 400
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`")  # reST roles such as :attr:`input`, :func:`~torch.x`

# Resolves a dotted name the way `python -c "import a.b; a.b.c"` would: the longest importable module
# prefix, then attributes. Runs in the worker (it may import torch submodules); the name is checked
# against DOTTED_NAME before it is pasted in.
_RESOLVE = """\
import importlib, inspect
_parts = {name!r}.split(".")
for _i in range(len(_parts), 0, -1):
    try:
        _obj = importlib.import_module(".".join(_parts[:_i]))
    except ImportError:
        if _i == 1:
            raise
        continue
    for _attr in _parts[_i:]:
        _obj = getattr(_obj, _attr)
    break
_doc = inspect.getdoc(_obj) or ""
"""
_ASK = f"[_doc[_i:_i + {DOC_CHUNK}] for _i in range(0, len(_doc), {DOC_CHUNK})]"


@dataclass(frozen=True)
class DocExample:
    """One ``>>>`` example that may become a card."""

    name: str  # the documented object, e.g. "torch.cumsum"
    number: int  # 1-based, among the docstring's examples
    setup: str | None  # the docstring's earlier examples, run first
    ask: str
    want: str  # the printed output
    raises: str | None = None  # for a printed traceback: the exception's class name


@dataclass(frozen=True)
class Kept:
    card_id: str
    example: DocExample
    expect: str


@dataclass(frozen=True)
class Skipped:
    name: str
    number: int | None  # None: the whole object (not importable, no docstring, no examples)
    ask: str | None
    reason: str

    def __str__(self) -> str:
        where = self.name if self.number is None else f"{self.name} example {self.number}"
        shown = f" `{one_line(self.ask)}`" if self.ask else ""
        return f"{where}{shown}: {self.reason}"


@dataclass
class FromDocsResult:
    deck_id: str
    title: str | None  # None: made from the names that gave cards
    names: list[str]
    kept: list[Kept] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    summaries: dict[str, str] = field(default_factory=dict)  # name -> first sentence(s) of its docstring


def one_line(text: str, width: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 3] + "..."


# --------------------------------------------------------------------------- docstrings


def docstring_job(name: str) -> Job:
    from quizapp.core.execution.engine import Job

    if not DOTTED_NAME.match(name):
        raise ValueError(f"{name!r} is not a dotted Python name (like torch.cumsum)")
    return Job(setup=_RESOLVE.format(name=name), ask=_ASK, kind="value", label=f"docstring of {name}")


def docstring_from(outcome: Outcome) -> str:
    """The docstring text a :func:`docstring_job` returned (raises ValueError saying why there is none)."""
    if outcome.status == "raised":
        raise ValueError(f"cannot import it: {outcome.error_type}: {outcome.error_message}")
    if outcome.status != "ok":
        raise ValueError(f"could not read its docstring: {outcome.reason}")
    value = outcome.value or {}
    items = value.get("items") if value.get("t") == "list" else None
    if items is None or any(i.get("t") != "str" for i in items):
        raise ValueError("could not read its docstring")
    return "".join(i["v"] for i in items)


def summary(name: str, doc: str) -> str:
    """The first descriptive paragraph of a docstring, reST roles turned into plain code spans.

    PyTorch's docstrings open with the signature (``cumsum(input, dim, ...) -> Tensor``): skipped.
    """
    short = name.rsplit(".", 1)[-1]
    for paragraph in re.split(r"\n\s*\n", doc.strip()):
        text = " ".join(paragraph.split())
        if not text or text.startswith((f"{short}(", ">>>", "..")) or re.match(r"^[\w.]+\(.*\)\s*(->.*)?$", text):
            continue
        text = _ROLE.sub(r"`\1`", text)
        if len(text) > EXPLAIN_SUMMARY_CHARS:
            text = text[: EXPLAIN_SUMMARY_CHARS].rsplit(" ", 1)[0] + " ..."
        return text
    return ""


# Methods that only read a tensor: an earlier example calling nothing else cannot change what later
# examples see, so it is left out of their setup (keeps the setup short and to the point).
_READ_ONLY_CALLS = {"size", "stride", "dim", "numel", "is_contiguous", "storage_offset", "data_ptr", "equal",
                    "allclose", "type", "element_size", "nelement"}


def _only_looks(source: str) -> bool:
    """True for an expression that evaluates without side effects (names, attributes, indexing,
    arithmetic, and the read-only calls above)."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if called not in _READ_ONLY_CALLS:
                return False
    return True


def _unclosed(text: str) -> int:
    """How many brackets ``text`` opens and leaves open (a rough count: good enough for printed tensors)."""
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def _whole_output(lines: list[str], ex: doctest.Example) -> str:
    """The example's printed output, including what follows a blank line inside it.

    doctest ends an output at the first blank line (it wants ``<BLANKLINE>``), but PyTorch prints a
    3-d tensor with blank lines between its matrices and its docs show them as they are. While the
    output leaves a bracket open, the lines after it (same indentation, up to the next ``>>>``) belong
    to it too.
    """
    want = ex.want
    if _unclosed(want) <= 0:
        return want
    i = ex.lineno + ex.source.count("\n") + want.count("\n")  # the line after doctest's output
    collected = want
    while i < len(lines) and _unclosed(collected) > 0:
        line = lines[i]
        if line.strip().startswith(">>>") or (line.strip() and len(line) - len(line.lstrip()) < ex.indent):
            break
        collected += line[ex.indent:] + "\n"
        i += 1
    return collected if _unclosed(collected) == 0 else want


def examples(name: str, doc: str) -> tuple[list[DocExample], list[Skipped]]:
    """The card candidates among a docstring's ``>>>`` examples, and the examples set aside at once."""
    try:
        parsed = doctest.DocTestParser().get_examples(doc, name)
    except ValueError as exc:  # inconsistent indentation in the docstring
        return [], [Skipped(name, None, None, f"its examples cannot be parsed ({exc})")]
    lines = doc.splitlines()
    found: list[DocExample] = []
    skipped: list[Skipped] = []
    earlier: list[str] = []
    for number, ex in enumerate(parsed, start=1):
        source = ex.source.rstrip("\n")
        setup = "\n".join(earlier) or None
        # An example the docs show raising is not rerun before later ones: it would raise in their
        # setup and turn every later example into an "it raises" card.
        if ex.exc_msg is None and not _only_looks(source):
            earlier.append(source)
        if not ex.want.strip():
            continue  # a statement: it only sets up the examples after it
        if ex.options.get(doctest.SKIP):
            skipped.append(Skipped(name, number, source, "marked +SKIP in the docs"))
            continue
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            skipped.append(Skipped(name, number, source, "not a single expression"))
            continue
        if isinstance(tree.body, ast.Call) and isinstance(tree.body.func, ast.Name) and tree.body.func.id == "print":
            skipped.append(Skipped(name, number, source, "prints its output instead of returning it"))
            continue
        raises = None
        if ex.exc_msg is not None:
            raises = ex.exc_msg.split(":", 1)[0].strip().rsplit(".", 1)[-1] or None
        want = _whole_output(lines, ex) if raises is None else ex.want
        found.append(DocExample(name, number, setup, source, want.rstrip("\n"), raises))
    return found, skipped


# --------------------------------------------------------------------------- building the deck


def _example_job(example: DocExample) -> Job:
    from quizapp.core.execution.engine import Job

    return Job(setup=example.setup, ask=example.ask, kind="value", label=f"{example.name} example {example.number}")


def _judge(example: DocExample, first: Outcome, second: Outcome) -> tuple[str | None, str | None]:
    """(expect, None) for an example worth keeping, else (None, why not)."""
    from quizapp.core.grading.verdict import grade

    if first.status == "failed":
        return None, f"did not run: {first.reason}"
    if first.display != second.display or first.status != second.status or first.value != second.value:
        return None, "gives a different outcome on a second run"
    if example.raises is not None:
        if first.status != "raised":
            return None, f"the docs show {example.raises}, but it ran and gave {one_line(first.display)}"
        if example.raises not in first.error_types and example.raises != first.error_type:
            return None, f"the docs show {example.raises}, but it raised {first.error_type}"
        return first.error_type or "error", None
    if first.status == "raised":
        return None, f"raises {first.error_type}: {one_line(first.error_message or '')}"
    verdict = grade("value", first, example.want)
    if not verdict.correct:
        why = verdict.message if verdict.readable else "the printed output could not be read"
        return None, f"does not reproduce the printed output ({one_line(why, 80)})"
    if not grade("value", first, first.display).correct:
        return None, "its outcome cannot be written as an answer"
    return first.display, None


def build(names: list[str], engine: Engine, *, deck_id: str | None = None,
          title: str | None = None) -> FromDocsResult:
    """Read the docstrings of ``names``, run their examples twice, and keep those that reproduce."""
    names = list(dict.fromkeys(names))  # a name given twice is read once
    result = FromDocsResult(
        deck_id=deck_id or ("docs-" + "-".join(slug(n.rsplit(".", 1)[-1]) for n in names))[:60].rstrip("-"),
        title=title,
        names=names,
    )
    valid = []
    for name in names:
        if DOTTED_NAME.match(name):
            valid.append(name)
        else:
            result.skipped.append(Skipped(name, None, None, "not a dotted Python name (like torch.cumsum)"))
    docs = engine.run_many([docstring_job(n) for n in valid]) if valid else []
    candidates: list[DocExample] = []
    for name, outcome in zip(valid, docs, strict=True):
        try:
            doc = docstring_from(outcome)
        except ValueError as exc:
            result.skipped.append(Skipped(name, None, None, str(exc)))
            continue
        if not doc.strip():
            result.skipped.append(Skipped(name, None, None, "it has no docstring"))
            continue
        result.summaries[name] = summary(name, doc)
        found, set_aside = examples(name, doc)
        result.skipped.extend(set_aside)
        if not found and not set_aside:
            result.skipped.append(Skipped(name, None, None, "its docstring has no >>> examples with output"))
        candidates.extend(found)

    jobs = [_example_job(e) for e in candidates]
    runs = engine.run_many(jobs + jobs) if jobs else []  # every example twice, all in parallel
    for i, example in enumerate(candidates):
        expect, why = _judge(example, runs[i], runs[i + len(candidates)])
        if expect is None:
            result.skipped.append(Skipped(example.name, example.number, example.ask, why or "skipped"))
        else:
            card_id = f"{slug(example.name)}-{example.number}"
            result.kept.append(Kept(card_id, example, expect))
    order = {n: i for i, n in enumerate(names)}
    result.skipped.sort(key=lambda s: (order.get(s.name, len(order)), s.number or 0))
    return result


# --------------------------------------------------------------------------- writing it


def _explain(kept: Kept, summaries: dict[str, str]) -> str:
    example = kept.example
    text = f"Example {example.number} from the documentation of `{example.name}`"
    text += f" (`help({example.name})`)."
    about = summaries.get(example.name)
    if about:
        text += f"\n\n{about}"
    return text


def render_deck(result: FromDocsResult) -> str:
    """The deck as YAML: block scalars for code and multi-line outcomes, in the bundled decks' layout."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import LiteralScalarString

    def text(value: str) -> str:
        return LiteralScalarString(value) if "\n" in value else value

    cards = []
    for kept in result.kept:
        example = kept.example
        card = CommentedMap()
        card["id"] = kept.card_id
        card["kind"] = "value"
        if example.setup:
            card["setup"] = LiteralScalarString(example.setup + "\n")
        card["ask"] = text(example.ask)
        card["expect"] = text(kept.expect)
        card["explain"] = LiteralScalarString(_explain(kept, result.summaries) + "\n")
        card["tags"] = ["from-docs", slug(example.name.rsplit(".", 1)[-1])]
        cards.append(card)
    used = [n for n in result.names if any(k.example.name == n for k in result.kept)]
    deck = CommentedMap()
    deck["deck"] = result.deck_id
    deck["title"] = result.title or "Examples from the docs: " + ", ".join(used)
    deck["description"] = LiteralScalarString(
        "Examples taken from the docstrings of " + ", ".join(f"`{n}`" for n in used)
        + ", kept only where running them reproduces the documented output.\n")
    deck["tags"] = ["from-docs"]
    deck["cards"] = cards
    yaml = YAML()
    yaml.width = 1 << 20
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    out.write(f"# Made by `quizapp deck from-docs {' '.join(result.names)}` on {stamp}.\n"
              "# Every `expect` is what the example really gave when run; edit freely.\n")
    yaml.dump(deck, out)
    return out.getvalue()


class DeckFileExists(Exception):
    pass


def write_deck(result: FromDocsResult, path: Path) -> Path:
    """Write the deck to ``path`` (never over an existing file) after checking that it loads."""
    from quizapp.core.decks.loader import parse_deck
    from quizapp.core.decks.model import DeckLoadError

    document = render_deck(result)
    try:
        parse_deck(document, str(path), source=path)
    except DeckLoadError as exc:  # a bug here, not the user's: say so plainly, write nothing
        raise ValueError(f"the generated deck does not load ({exc.problems[0]}); nothing was written") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(document)
    except FileExistsError:
        raise DeckFileExists(f"{path} already exists; choose another file with -o") from None
    return path
