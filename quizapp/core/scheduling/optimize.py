"""Fit FSRS's parameters to the user's own reviews (parent side; never imports torch).

fsrs's Optimizer needs torch, so it runs in a child process (:mod:`optimize_worker`) that gets the
review log as JSON on stdin and answers with the parameters on stdout: the app's own process stays
free of torch. Everything else here is plain Python:

- :func:`eligible_reviews` counts what the Optimizer can learn from (it only scores a review that
  comes a day or more after the card's previous one, within the first 64 reviews of a card) and
  :data:`MIN_REVIEWS` is the number below which fsrs silently returns its defaults: we say how many
  more are needed instead.
- :func:`evaluate` scores a parameter set on the log (log loss of predicted recall against what
  happened; lower is better) and the median memory stability it implies, which is the "expected
  effect" ``quizapp optimize`` shows before saving.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.core.scheduling.days import DAY_SECONDS

MIN_REVIEWS = 512  # fsrs.optimizer's mini-batch size: with fewer eligible reviews it returns the defaults
MAX_SEQUENCE = 64  # fsrs.optimizer uses at most the first 64 reviews of each card
# fsrs's optimizer steps through reviews one by one in Python (about 8 ms each on a small 2-core
# machine), so a huge log is fitted on a sample of whole card histories, the most recent first.
MAX_FIT_REVIEWS = 20_000


class OptimizeError(Exception):
    """The optimizer could not run; the message is one line for the user."""


@dataclass(frozen=True)
class LogEntry:
    card: int
    rating: int
    reviewed_at: float  # epoch seconds, UTC
    duration_ms: int


@dataclass(frozen=True)
class Evaluation:
    log_loss: float  # mean binary cross-entropy of predicted recall (lower is better)
    median_stability_days: float  # days until predicted recall falls to 90%, median over cards
    scored: int  # reviews scored


def review_log(reviews: Iterable[tuple[str, str, float, int, float]]) -> list[LogEntry]:
    """The log in the form the optimizer takes, from ``(deck, card_id, reviewed_at, rating, duration_s)``
    rows (the caller reads them from storage: scheduling never imports the store)."""
    ids: dict[tuple[str, str], int] = {}
    return [
        LogEntry(ids.setdefault((deck, card_id), len(ids) + 1), rating, at, int(round((duration or 0) * 1000)))
        for deck, card_id, at, rating, duration in reviews
    ]


def _by_card(log: Iterable[LogEntry]) -> dict[int, list[LogEntry]]:
    cards: dict[int, list[LogEntry]] = defaultdict(list)
    for entry in log:
        cards[entry.card].append(entry)
    for entries in cards.values():
        entries.sort(key=lambda e: e.reviewed_at)
    return cards


def _gap_days(a: float, b: float) -> int:
    # fsrs counts whole days between datetimes (timedelta.days), so do the same.
    return math.floor((b - a) / DAY_SECONDS)


def sample_for_fit(log: Sequence[LogEntry], max_reviews: int = MAX_FIT_REVIEWS) -> list[LogEntry]:
    """Whole card histories, most recently reviewed cards first, up to ``max_reviews`` reviews."""
    if len(log) <= max_reviews:
        return list(log)
    cards = sorted(_by_card(log).values(), key=lambda entries: entries[-1].reviewed_at, reverse=True)
    sample: list[LogEntry] = []
    for entries in cards:
        if len(sample) + len(entries) > max_reviews:
            continue
        sample.extend(entries)
    return sample


def eligible_reviews(log: Iterable[LogEntry]) -> int:
    """How many reviews the Optimizer would learn from."""
    count = 0
    for entries in _by_card(log).values():
        seq = entries[:MAX_SEQUENCE]
        count += sum(1 for prev, cur in itertools.pairwise(seq) if _gap_days(prev.reviewed_at, cur.reviewed_at) > 0)
    return count


def evaluate(parameters: Sequence[float], log: Iterable[LogEntry]) -> Evaluation:
    """Replay every card's history under ``parameters``; score the predicted recall at each review."""
    scheduler = fsrs.Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    losses: list[float] = []
    stabilities: list[float] = []
    for card_id, entries in _by_card(log).items():
        card = None
        for entry in entries[:MAX_SEQUENCE]:
            when = datetime.fromtimestamp(entry.reviewed_at, tz=UTC)
            if card is None:
                card = fsrs.Card(card_id=card_id, due=when)
            elif card.last_review is not None and (when - card.last_review).days > 0:
                p = min(max(scheduler.get_card_retrievability(card, when), 1e-6), 1 - 1e-6)
                recalled = entry.rating > 1
                losses.append(-math.log(p) if recalled else -math.log(1 - p))
            card, _ = scheduler.review_card(card, fsrs.Rating(entry.rating), review_datetime=when)
        if card is not None and card.stability:
            stabilities.append(float(card.stability))
    return Evaluation(
        log_loss=sum(losses) / len(losses) if losses else float("nan"),
        median_stability_days=statistics.median(stabilities) if stabilities else float("nan"),
        scored=len(losses),
    )


INSTALL_HINT = "install it with: pip install 'quizapp[optimizer]'"
# What fsrs.optimizer imports beyond fsrs itself (torch is a dependency of quizapp anyway).
_OPTIMIZER_MODULES = ("torch", "pandas", "tqdm")


def missing_optimizer() -> str | None:
    """One line saying how to install the optimizer extra, or None when it is installed. Looks the
    modules up without importing them (this process never imports torch)."""
    missing = [m for m in _OPTIMIZER_MODULES if importlib.util.find_spec(m) is None]
    if not missing:
        return None
    return f"the optimizer needs {', '.join(missing)}: {INSTALL_HINT}"


def fit(log: Sequence[LogEntry], *, timeout: float | None = None) -> list[float]:
    """Run fsrs's Optimizer on ``log`` in a child process and return the fitted parameters."""
    payload = json.dumps({"reviews": [[e.card, e.rating, e.reviewed_at, e.duration_ms] for e in log]})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "quizapp.core.scheduling.optimize_worker"],
            input=payload,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise OptimizeError(f"the optimizer did not finish within {timeout:.0f} s") from None
    try:
        answer = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        answer = {}
    if "error" in answer:
        raise OptimizeError(answer["error"])
    if proc.returncode != 0 or "parameters" not in answer:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise OptimizeError(f"the optimizer failed (exit {proc.returncode}): {last}")
    parameters = [float(p) for p in answer["parameters"]]
    if len(parameters) != len(DEFAULT_PARAMETERS):
        raise OptimizeError(f"the optimizer returned {len(parameters)} parameters, expected {len(DEFAULT_PARAMETERS)}")
    return parameters
