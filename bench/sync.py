"""Sync benchmark: two devices that each made 100,000 reviews merge through a folder and through a
hub database (a second SQLite file standing in for the server; PostgreSQL when QUIZAPP_BENCH_PG_URL
is set).

Baseline, measured in the same run: recording one device's 100,000 reviews locally in bulk
(``Store.record_reviews``). Each sync figure is shown as a ratio to it.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 1, 1, tzinfo=UTC)


def _deck(cards: int):  # type: ignore[no-untyped-def]
    from quizapp.core.decks.model import Card, Deck, Kind

    return Deck(id="bench", title="Bench", cards=tuple(
        Card(deck="bench", id=f"c{i}", kind=Kind.SHAPE, prompt="p", ask="x") for i in range(cards)))


def _device(path: Path, name: str, reviews: int, cards: int, seed: int):  # type: ignore[no-untyped-def]
    from quizapp.core.rating import Rating
    from quizapp.core.settings import Settings
    from quizapp.core.storage.store import ReviewInput, Store

    store = Store.open(f"sqlite:///{path}", settings=Settings(), backups=False, learner="bench", device=name)
    store.sync_cards([_deck(cards)], START)
    rng = random.Random(seed)

    def history():  # type: ignore[no-untyped-def]
        when = START + timedelta(seconds=seed)
        for _ in range(reviews):
            when += timedelta(seconds=rng.randint(60, 600))
            yield ReviewInput(("bench", f"c{rng.randrange(cards)}"), Rating(rng.choice((1, 3, 3, 3, 4))), when)

    started = time.perf_counter()
    store.record_reviews(history(), batch=50_000)
    return store, time.perf_counter() - started


def run(small: bool = False) -> str:
    from quizapp.core.storage.syncing import sync

    reviews = 10_000 if small else 100_000
    cards = 500 if small else 2_000
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["QUIZAPP_HOME"] = str(root / "home")
        timings: dict[str, float] = {}
        for target_name in ("folder", "hub"):
            laptop, baseline = _device(root / f"{target_name}-laptop.sqlite3", "laptop", reviews, cards, 1)
            desktop, _ = _device(root / f"{target_name}-desktop.sqlite3", "desktop", reviews, cards, 2)
            timings["baseline"] = baseline
            if target_name == "folder":
                target = str(root / "sync")
            else:
                target = os.environ.get("QUIZAPP_BENCH_PG_URL") or f"sqlite:///{root / 'hub.sqlite3'}"
            for step, device in (("first push", laptop), ("merge both ways", desktop), ("pull", laptop),
                                 ("again (nothing new)", desktop)):
                started = time.perf_counter()
                result = sync(device, target)
                timings[f"{target_name}: {step}"] = time.perf_counter() - started
                out.append(f"<!-- {target_name} {step}: {result.describe()} -->")
            assert laptop.review_count() == desktop.review_count() == 2 * reviews
            laptop.close()
            desktop.close()
    lines = [
        "## Sync",
        "",
        f"Two devices, {reviews:,} reviews each over {cards:,} cards, merged (union by id, then every touched card "
        f"replayed). Baseline: recording one device's {reviews:,} reviews locally in bulk, "
        f"{timings['baseline']:.1f} s.",
        "",
        "| step | seconds | x baseline |",
        "| --- | ---: | ---: |",
    ]
    for name, seconds in timings.items():
        if name != "baseline":
            lines.append(f"| {name} | {seconds:.1f} | {seconds / timings['baseline']:.2f} |")
    return "\n".join(lines + [""] + out) + "\n"


if __name__ == "__main__":
    print(run())
