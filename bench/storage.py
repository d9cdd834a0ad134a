"""Storage benchmark: a synthetic collection of 100,000 cards and 1,000,000 reviews, built through the
Store's own functions (``sync_cards`` and the bulk ``record_reviews``, which schedules every review with
fsrs exactly as ``record_review`` does), then timed where users wait:

- the due queue for a session over every deck (goal <= 50 ms) and the home screen's deck counts,
- ``quizapp stats`` (goal <= 1 s), a CSV export of the whole log (goal <= 10 s),
- one ``record_review`` (fsync'd commit),
- peak resident memory of the process doing all that (goal < 500 MiB).

The measurements run in a fresh child process so its peak RSS is what a user's process needs, not
what building the collection needed. Every figure is printed with a same-run baseline: a fixed
pure-Python loop and a fixed SQLite query (machines are noisy; ratios compare across runs).

``python -m bench.storage [--small]`` (small: 10,000 cards, 100,000 reviews).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
REVIEWS_PER_CARD = 10
CARDS_PER_DECK = 1000
GOALS = {"due_queue_ms": 50.0, "stats_s": 1.0, "export_csv_s": 10.0, "peak_rss_mib": 500.0}


def _decks(cards: int):  # type: ignore[no-untyped-def]
    from quizapp.core.decks.model import Card, Deck, Kind

    decks = []
    for d in range(max(1, cards // CARDS_PER_DECK)):
        deck_id = f"deck-{d:03d}"
        decks.append(
            Deck(
                id=deck_id,
                title=f"Deck {d}",
                cards=tuple(
                    Card(
                        deck=deck_id,
                        id=f"card-{i:04d}",
                        kind=Kind.SHAPE,
                        prompt=f"What is the shape of y{i}?",
                        setup=f"x = torch.ones({i % 7 + 1}, 3)",
                        ask=f"x.unsqueeze({i % 2})",
                        tags=(f"topic-{i % 12}",),
                    )
                    for i in range(CARDS_PER_DECK)
                ),
            )
        )
    return decks


def _review_stream(decks, seed: int = 7) -> Iterator:  # type: ignore[no-untyped-def]
    """Ten reviews per card at growing gaps, all in the past year; about 10% Again."""
    from quizapp.core.rating import Rating
    from quizapp.core.storage.store import ReviewInput

    rng = random.Random(seed)
    ratings = (
        Rating.AGAIN,
        Rating.HARD,
        Rating.GOOD,
        Rating.GOOD,
        Rating.GOOD,
        Rating.GOOD,
        Rating.GOOD,
        Rating.GOOD,
        Rating.EASY,
        Rating.GOOD,
    )
    for deck in decks:
        for card in deck.cards:
            start = NOW - timedelta(days=rng.uniform(130, 365))
            for k in range(REVIEWS_PER_CARD):
                when = start + timedelta(days=1.7**k - 1, minutes=rng.uniform(0, 30))
                yield ReviewInput(
                    card.key,
                    rng.choice(ratings),
                    when,
                    answer="(2, 3)",
                    correct=rng.random() > 0.1,
                    duration_s=rng.uniform(2, 15),
                )


def build(url: str, cards: int) -> dict[str, float]:
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import Store

    decks = _decks(cards)
    timings = {}
    with Store.open(url, settings=Settings(), backups=False) as store:
        started = time.perf_counter()
        store.sync_cards(decks, NOW - timedelta(days=366))
        timings["sync_s"] = time.perf_counter() - started
        started = time.perf_counter()
        timings["reviews"] = store.record_reviews(_review_stream(decks), batch=50_000)
        timings["record_reviews_s"] = time.perf_counter() - started
    return timings


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _baselines() -> dict[str, float]:
    def python_loop() -> int:
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        return total

    def sqlite_query() -> None:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t (a INTEGER, b REAL)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", ((i % 100, i * 0.5) for i in range(200_000)))
        conn.execute("SELECT a, COUNT(*), SUM(b) FROM t GROUP BY a").fetchall()
        conn.close()

    return {"python_loop_ms": _median_ms(python_loop, 5), "sqlite_query_ms": _median_ms(sqlite_query, 5)}


def measure(url: str, home: Path, cards: int) -> dict[str, float]:
    """Time what users wait for (run in a fresh process: see the module docstring)."""
    from quizapp.core import stats
    from quizapp.core.export import tabular
    from quizapp.core.rating import Rating
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import Store

    out = _baselines()
    with Store.open(url, settings=Settings(), backups=False) as store:
        decks = [f"deck-{d:03d}" for d in range(max(1, cards // CARDS_PER_DECK))]
        store.due_queue(decks, NOW)  # warm the page cache once, as any second call in a session would be
        out["due_queue_ms"] = _median_ms(lambda: store.due_queue(decks, NOW), 7)
        out["due_queue_len"] = len(store.due_queue(decks, NOW))
        out["due_queue_one_ms"] = _median_ms(lambda: store.due_queue([decks[5]], NOW), 7)
        out["deck_counts_ms"] = _median_ms(lambda: store.deck_counts(decks, NOW), 7)
        out["stats_s"] = _median_ms(lambda: stats.compute(store, NOW), 3) / 1000
        target = home / "export.csv"
        started = time.perf_counter()
        result = tabular.write_csv(store, target)
        out["export_csv_s"] = time.perf_counter() - started
        out["export_rows"] = result.reviews + result.cards
        out["export_mib"] = sum(p.stat().st_size for p in result.files) / 2**20
        queue = store.due_queue(None, NOW)
        later = iter(range(1, 10_000))

        def one_review() -> None:
            store.record_review(
                queue[next(later) % len(queue)],
                Rating.GOOD,
                answer="x",
                correct=True,
                duration_s=3.0,
                now=NOW + timedelta(seconds=next(later)),
            )

        out["record_review_ms"] = _median_ms(one_review, 20)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def run(small: bool = False) -> str:
    cards = 10_000 if small else 100_000
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as tmp:
        home = Path(tmp)
        os.environ["QUIZAPP_HOME"] = str(home)
        url = f"sqlite:///{home / 'bench.sqlite3'}"
        built = build(url, cards)
        db_mib = (home / "bench.sqlite3").stat().st_size / 2**20
        proc = subprocess.run(
            [sys.executable, "-m", "bench.storage", "--measure", url, str(home), str(cards)],
            capture_output=True,
            text=True,
            env={**os.environ, "QUIZAPP_HOME": str(home)},
            cwd=Path(__file__).resolve().parent.parent,
        )
        if proc.returncode != 0:
            return f"## Storage\n\nmeasurement failed:\n\n```\n{proc.stderr[-2000:]}\n```\n"
        m = json.loads(proc.stdout.strip().splitlines()[-1])

    py, sq = m["python_loop_ms"], m["sqlite_query_ms"]
    deck_count = max(1, cards // CARDS_PER_DECK)

    def row(name: str, value: float, unit: str, goal_key: str | None) -> str:
        ms = value * 1000 if unit == "s" else value
        goal = GOALS.get(goal_key or "")
        verdict = "" if goal is None else ("yes" if value <= goal else "**no**")
        goal_text = "" if goal is None else f"<= {goal:g} {unit}"
        ratio = "" if unit == "MiB" else f"{ms / py:.2f}x / {ms / sq:.2f}x"
        return f"| {name} | {value:.3g} {unit} | {goal_text} | {verdict} | {ratio} |"

    lines = [
        "## Storage",
        "",
        f"Synthetic collection: {cards:,} cards in {max(1, cards // CARDS_PER_DECK)} decks, "
        f"{int(built['reviews']):,} reviews, built with the Store's own functions in "
        f"{built['sync_s'] + built['record_reviews_s']:.0f} s ({built['record_reviews_s'] / built['reviews'] * 1e6:.0f} us "
        f"per review, fsrs scheduling included); database {db_mib:.0f} MiB (SQLite, WAL, synchronous=FULL).",
        "",
        f"Baselines measured in the same process: a fixed pure-Python loop (1M iterations) {py:.1f} ms; a fixed "
        f"SQLite job (insert 200k rows in memory, group by) {sq:.1f} ms. Ratio columns: figure / loop, figure / SQLite job.",
        "",
        "| what | measured | goal | met | ratio to baselines |",
        "| --- | --- | --- | --- | --- |",
        row(
            f"due queue, all {deck_count} decks ({int(m['due_queue_len'])} cards, limits applied)",
            m["due_queue_ms"],
            "ms",
            "due_queue_ms",
        ),
        row("due queue, one deck", m["due_queue_one_ms"], "ms", "due_queue_ms"),
        row(f"deck counts for the home screen ({deck_count} decks)", m["deck_counts_ms"], "ms", None),
        row("stats (everything `quizapp stats` shows)", m["stats_s"], "s", "stats_s"),
        row(
            f"CSV export ({int(m['export_rows']):,} rows, {m['export_mib']:.0f} MiB)",
            m["export_csv_s"],
            "s",
            "export_csv_s",
        ),
        row("one record_review (committed, fsync'd)", m["record_review_ms"], "ms", None),
        row("peak resident memory of the measuring process", m["peak_rss_mib"], "MiB", "peak_rss_mib"),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="10,000 cards and 100,000 reviews")
    parser.add_argument("--measure", nargs=3, metavar=("URL", "HOME", "CARDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]), int(args.measure[2]))))
        return 0
    print(run(small=args.small))
    return 0


if __name__ == "__main__":
    sys.exit(main())
