"""``quizapp deck new NAME``: start a deck from a commented example of every card kind.

The template is a real deck: it loads cleanly and passes ``deck check`` (a test runs both), so an
author starts from something that works and edits it, rather than from a blank page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from quizapp.core import locations

DECK_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

TEMPLATE = """\
# {title}: a quizapp deck.
#
# Each card shows a snippet and asks what it does; quizapp runs the snippet to grade the answer.
# Check the deck while you edit it:      quizapp deck check --watch {path}
# Fill in every missing `expect`:        quizapp deck fill {path}
# Study it:                              quizapp study {deck_id}
#
# The snippet runs in a fresh namespace holding `torch`, `nn` (torch.nn) and `F`
# (torch.nn.functional), with the random generators seeded to 0.

deck: {deck_id}            # the id progress is stored under: lowercase letters, digits and '-'
title: {title_yaml}
description: |
  What this deck teaches, in a sentence or two (markdown).
tags: [torch]
concepts:                     # short explanations that cards point to with `concept:`
  broadcasting: |
    Shapes are compared from the right; each pair of sizes must be equal, or one of them 1.

cards:
  # kind: shape -- the user predicts tuple(result.shape).
  - id: broadcast-column-row
    kind: shape
    concept: broadcasting
    setup: |
      col = torch.zeros(3, 1)
      row = torch.zeros(4)
    ask: col + row
    expect: (3, 4)            # your claim; `deck check` tells you when the code disagrees
    explain: |
      `row` (4,) lines up with the last dim of `col` (3, 1); the size-1 dim stretches to 4.

  # kind: stride -- the user predicts result.stride(): how many elements to skip per step in each dim.
  - id: transpose-strides
    kind: stride
    setup: x = torch.zeros(2, 3)
    ask: x.t()
    expect: (1, 3)
    explain: |
      `t()` makes a view: no data moves, only the strides swap, from (3, 1) to (1, 3).

  # kind: dtype -- the user predicts result.dtype.
  - id: int-plus-float
    kind: dtype
    ask: torch.tensor([1, 2]) + 0.5
    expect: torch.float32
    explain: |
      A Python float promotes an integer tensor to the default float dtype, float32.

  # kind: value -- the user predicts the result itself (tensor, number, bool, ...).
  # A prompt is optional for code cards; without one, quizapp asks "What does `...` evaluate to?".
  - id: cumsum
    kind: value
    prompt: What does `torch.arange(4).cumsum(0)` return?
    ask: torch.arange(4).cumsum(0)
    expect: tensor([0, 1, 3, 6])
    explain: Each element is the sum of all elements up to and including it.

  # When the snippet raises, the right answer is the exception's class name (or "error").
  - id: view-after-transpose
    kind: value
    setup: x = torch.zeros(2, 3).t()
    ask: x.view(6)
    expect: RuntimeError
    explain: |
      `x` is not contiguous after `t()`, so `view` cannot flatten it without copying;
      `reshape` would copy instead of raising.

  # A parametric card: each review draws values for the `params` and fills in `$name`, so the learner
  # learns the rule rather than one answer. `deck check` runs every combination;
  # `$$` is a literal dollar sign.
  - id: transpose-shape-param
    kind: shape
    params:
      n: [2, 3, 5]
      m: [1, 4]
    setup: x = torch.zeros($n, $m)
    ask: x.t()
    expect: ($m, $n)          # placeholders work in `expect` too
    explain: |
      `t()` swaps the two dims of a 2-d tensor: ($n, $m) becomes ($m, $n).

  # kind: recall -- no code: the user reveals `answer` and grades themself.
  - id: what-is-world-size
    kind: recall
    prompt: In distributed training, what is `world_size`?
    answer: The total number of processes taking part, across all nodes.
    explain: |
      With 2 nodes of 4 GPUs each and one process per GPU, `world_size` is 8.

  # kind: write -- the user writes the code; it runs on every variant and must give what `solution` gives.
  - id: running-total
    kind: write
    prompt: Return the running total of the 1-d tensor `x` (like `torch.cumsum(x, 0)`), without a loop.
    setup: x = torch.arange(1, $n + 1)
    params: {{n: [3, 5]}}
    solution: (x[None, :] * (torch.arange($n)[:, None] >= torch.arange($n)[None, :])).sum(1)
    forbid: [cumsum, for, while]  # checked on the parsed code: `x.cumsum(0)` is rejected too
    compare: exact                # or close: floats within torch.allclose's tolerance
    attempts:                     # deck check grades each one and wants the stated verdict
      - code: x.cumsum(0)
        correct: false
      - code: torch.tril(torch.ones(len(x), len(x), dtype=x.dtype)) @ x
        correct: true
    explain: |
      Row `i` of the lower-triangular mask keeps `x[0..i]`; summing each row gives the running total.
"""


class DeckExistsError(Exception):
    """The deck file is already there: ``deck new`` never overwrites."""


@dataclass(frozen=True)
class NewDeck:
    path: Path
    deck_id: str
    title: str


def slug(text: str) -> str:
    """``text`` in lowercase with every run of other characters than a-z and 0-9 turned into one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def deck_id_for(name: str) -> str:
    """The deck id a NAME becomes (its :func:`slug`); ValueError when nothing is left."""
    made = slug(name)
    if not made or not DECK_ID.match(made):
        raise ValueError(f"cannot make a deck id from {name!r}: use letters, digits and '-'")
    return made


def _yaml_string(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (a title may hold ':' or '#')."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render(deck_id: str, title: str, path_shown: str) -> str:
    return TEMPLATE.format(deck_id=deck_id, title=title.replace("\n", " "),
                           title_yaml=_yaml_string(title.replace("\n", " ")), path=path_shown)


def create_deck(name: str, folder: Path | None = None) -> NewDeck:
    """Write ``<folder>/<deck id>.yaml`` (the user's decks folder by default) and return where it went.

    Raises :class:`DeckExistsError` when the file exists and ``ValueError`` for a name that gives no id.
    """
    deck_id = deck_id_for(name)
    title = name.strip()
    if title == deck_id:  # a bare id as NAME: make a readable title of it
        title = deck_id.replace("-", " ").capitalize()
    folder = locations.ensure(folder if folder is not None else locations.user_decks_dir())
    path = folder / f"{deck_id}.yaml"
    text = render(deck_id, title, str(path))
    try:
        # 'x' mode: refuse to overwrite even when another process creates the file at the same moment.
        with path.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise DeckExistsError(f"{path} already exists; pick another name or edit that file") from None
    return NewDeck(path, deck_id, title)
