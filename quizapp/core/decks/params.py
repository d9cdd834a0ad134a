"""Parametric cards: one card, many variants, so a learner learns the rule instead of the answer.

A card declares ``params: {n: [2, 3, 4], dim: [0, 1]}`` and writes ``$n`` or ``${n}`` in ``setup``,
``ask``, ``prompt``, ``explain``, ``expect`` and a write card's ``solution`` (:data:`TEMPLATED_FIELDS`).
The semantics are Python's :class:`string.Template`: ``$$`` is a literal ``$``. A value is written into
the text as Python would spell it (``3``, ``2.5``, ``True``; a string as it is, so
``dtype: [float32, int64]`` with ``torch.$dtype`` gives ``torch.float32``).

Every variant keeps the card's key (deck, id): progress is shared by all variants of a card.

``deck check`` runs :func:`check_bindings`: every combination when there are at most
:data:`CHECK_LIMIT`, else a sample of :data:`CHECK_LIMIT` drawn with a fixed seed (derived from the card's
key, so two runs check the same variants and the report can say so).
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from dataclasses import dataclass
from string import Template
from typing import Any

from quizapp.core.decks.model import Card

TEMPLATED_FIELDS = ("setup", "ask", "prompt", "explain", "expect", "solution")
MAX_VARIANTS = 1000  # more combinations than this is a problem in the deck: nobody reviews them all
CHECK_LIMIT = 50  # deck check runs all combinations up to this many, else a seeded sample this size
SCALAR_TYPES = (bool, int, float, str)

# A parameter name is what string.Template accepts as an identifier.
NAME_PATTERN = re.compile(Template.idpattern, re.IGNORECASE | re.ASCII)  # used with fullmatch


@dataclass(frozen=True)
class Placeholder:
    name: str | None  # None for an invalid '$' (neither '$$' nor '$name' / '${name}')
    text: str  # as written: '$n', '${n}', or the invalid fragment
    offset: int  # index into the field's text


def placeholders(text: str) -> list[Placeholder]:
    """Every ``$`` placeholder in ``text``, in order (``$$`` escapes are skipped)."""
    found: list[Placeholder] = []
    if "$" not in text:
        return found
    for m in Template.pattern.finditer(text):
        if m.group("escaped") is not None:
            continue
        name = m.group("named") or m.group("braced")
        if name is not None:
            found.append(Placeholder(name, m.group(0), m.start()))
        else:
            # what follows the stray '$', to show it: '$5', '$ ', '${1}'
            found.append(Placeholder(None, text[m.start(): m.start() + 3].split("\n")[0], m.start()))
    return found


def value_text(value: Any) -> str:
    """How a parameter value is written into the card's text."""
    return value if isinstance(value, str) else repr(value)


def substitute(text: str, bindings: dict[str, Any]) -> str:
    """``text`` with its placeholders replaced (``$$`` -> ``$``); a missing name raises KeyError."""
    if "$" not in text:
        return text
    return Template(text).substitute({k: value_text(v) for k, v in bindings.items()})


def count(card: Card) -> int:
    """How many variants the card has (1 for a plain card)."""
    n = 1
    for values in (card.params or {}).values():
        n *= len(values)
    return n


def variants(card: Card) -> list[dict[str, Any]]:
    """Every combination of the card's parameter values, in a stable order.

    Names vary in declaration order with the last name varying fastest (like nested loops); a card
    without params has exactly one variant, ``{}``.
    """
    params = card.params or {}
    names = list(params)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(params[n] for n in names))]


def sample(card: Card, rng: random.Random) -> dict[str, Any]:
    """One combination drawn with ``rng`` (each name's value drawn independently, uniformly)."""
    return {name: rng.choice(values) for name, values in (card.params or {}).items()}


def random_variant(card: Card, rng: random.Random) -> Card:
    """What a review shows: a variant drawn with ``rng`` (a plain card is returned as it is)."""
    if not card.parametric:
        return card
    return instantiate(card, sample(card, rng))


def instantiate(card: Card, bindings: dict[str, Any]) -> Card:
    """The variant of ``card`` for ``bindings``: placeholders replaced, same key, ``bindings`` recorded.

    A card without params is returned unchanged (with ``{}`` bindings ignored). Raises ``ValueError``
    when a parameter is left unbound, an unknown one is given, or the card is already a variant.
    """
    if not card.params:
        if bindings:
            raise ValueError(f"card {card.deck}/{card.id} has no params, got {sorted(bindings)}")
        return card
    if card.bindings is not None:
        raise ValueError(f"card {card.deck}/{card.id} is already a variant ({card.bindings})")
    missing = set(card.params) - set(bindings)
    extra = set(bindings) - set(card.params)
    if missing or extra:
        raise ValueError(f"card {card.deck}/{card.id}: bindings must name exactly {sorted(card.params)}"
                         f" (missing {sorted(missing)}, unknown {sorted(extra)})")
    changes: dict[str, Any] = {}
    for name in TEMPLATED_FIELDS:
        text = getattr(card, name)
        if text is not None:
            changes[name] = substitute(text, bindings)
    return dataclasses.replace(card, bindings=dict(bindings), **changes)


@dataclass(frozen=True)
class CheckPlan:
    """Which variants ``deck check`` runs for one card."""

    bindings: list[dict[str, Any]]
    total: int  # how many combinations the card has

    @property
    def sampled(self) -> bool:
        return len(self.bindings) < self.total

    def describe(self) -> str:
        """One line for the check report, e.g. 'all 12 variants' or 'a seeded sample of 50 of 240 variants'."""
        if self.sampled:
            return f"a seeded sample of {len(self.bindings)} of {self.total} variants"
        return f"all {self.total} variant{'s' if self.total != 1 else ''}"


def check_bindings(card: Card, limit: int = CHECK_LIMIT, seed: int = 0) -> CheckPlan:
    """The combinations ``deck check`` runs: all up to ``limit``, else a reproducible sample of ``limit``.

    The sample is drawn with a generator seeded from ``seed`` and the card's key, so the same deck is
    always checked on the same variants, and it keeps the combinations in :func:`variants` order.
    """
    every = variants(card)
    if len(every) <= limit:
        return CheckPlan(every, len(every))
    rng = random.Random(f"{seed}:{card.deck}/{card.id}")
    chosen = sorted(rng.sample(range(len(every)), limit))
    return CheckPlan([every[i] for i in chosen], len(every))


def check_variants(card: Card, limit: int = CHECK_LIMIT, seed: int = 0) -> tuple[list[Card], CheckPlan]:
    """The instantiated cards ``deck check`` runs for ``card`` and the plan that chose them."""
    plan = check_bindings(card, limit, seed)
    if not card.params:
        return [card], plan
    return [instantiate(card, b) for b in plan.bindings], plan


def spanning_bindings(params: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """A few combinations that together use every value of every parameter at least once.

    The loader checks that ``setup`` and ``ask`` are valid Python on these (cheap, and it catches a bad
    value wherever it is) rather than on all combinations.
    """
    if not params:
        return [{}]
    longest = max(len(v) for v in params.values())
    return [{name: values[i % len(values)] for name, values in params.items()} for i in range(longest)]
