"""Deck loading benchmark: how long the strict loader takes on a 200-card deck (it runs before the first
card shows, so it is part of the TUI's launch budget; goal: well under 100 ms), next to two baselines
measured in the same run:

- PyYAML's pure-Python ``yaml.safe_load`` of the same file (what a naive loader would do), and
- libyaml's ``CSafeLoader`` parse alone (the floor: no validation, no line numbers).

Also timed: the whole catalog of bundled decks (``load_catalog(user=False)``), and the alias-bomb guard.

``python -m bench.decks [--small]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

GOAL_MS = 100.0


def deck_text(cards: int) -> str:
    """A deck shaped like the bundled ones: setup blocks, explanations, tags, concepts, some params."""
    lines = ["deck: bench", "title: Bench", "description: |", "  A synthetic deck.", "concepts:",
             "  rule: |", "    Shapes line up from the right.", "cards:"]
    for i in range(cards):
        lines += [f"  - id: card-{i:04d}", "    kind: shape", "    concept: rule", "    tags: [shapes, bench]"]
        if i % 10 == 0:
            lines += ["    params:", "      n: [2, 3, 5]", "    setup: |", "      x = torch.zeros($n, 1)",
                      "      y = torch.zeros(4)", "    ask: x * y", "    expect: ($n, 4)"]
        else:
            lines += ["    setup: |", f"      x = torch.zeros({i % 7 + 1}, 1, 4)", "      y = x.transpose(0, 2)",
                      "    ask: x + y.contiguous()", f"    expect: ({i % 7 + 1}, 1, 4)"]
        lines += ["    explain: |", "      Right-aligned: each pair of sizes is equal or one of them is 1, so",
                  "      the result takes the larger size of each pair. Nothing is copied."]
    return "\n".join(lines) + "\n"


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches and imports
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(small: bool = False) -> str:
    import yaml

    from quizapp.core.decks.loader import load_deck
    from quizapp.core.decks.registry import load_catalog
    from quizapp.core.decks.yamlsafe import parse_bytes

    repeat = 5 if small else 30
    cards = 200
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(deck_text(cards), encoding="utf-8")
        text = path.read_text(encoding="utf-8")
        pure = _median_ms(lambda: yaml.load(text, Loader=yaml.SafeLoader), repeat)
        floor = _median_ms(lambda: yaml.load(text, Loader=yaml.CSafeLoader), repeat) if yaml.__with_libyaml__ else None
        from quizapp.core.decks import loader

        def first_load() -> None:
            loader._python_error.cache_clear()  # the syntax-check cache only helps reloads
            load_deck(path)

        ours = _median_ms(first_load, repeat)
        reload_ms = _median_ms(lambda: load_deck(path), repeat)
    catalog = load_catalog(user=False)
    bundled_cards = sum(len(d.cards) for d in catalog.decks.values())
    catalog_ms = _median_ms(lambda: load_catalog(user=False), repeat)

    bomb = "a: &a [" + ", ".join(["x"] * 9) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))

    def refuse_bomb() -> None:
        try:
            parse_bytes(bomb.encode(), "bomb.yaml")
        except Exception as exc:  # noqa: BLE001 - YamlError is the expected outcome
            assert "alias bomb" in str(exc)
        else:
            raise AssertionError("alias bomb was not refused")

    bomb_ms = _median_ms(refuse_bomb, repeat)

    verdict = "yes" if ours <= GOAL_MS else "**no**"
    lines = [
        "## Deck loading",
        "",
        f"A synthetic {cards}-card deck ({len(text) // 1024} KiB), median of {repeat} runs.",
        "",
        "| what | time | vs pure-Python safe_load | vs libyaml parse only |",
        "| --- | --- | --- | --- |",
        f"| `yaml.safe_load` (pure Python; baseline) | {pure:.1f} ms | 1.00x | "
        + (f"{pure / floor:.2f}x |" if floor else "n/a |"),
    ]
    if floor:
        lines.append(f"| libyaml `CSafeLoader` parse only (floor) | {floor:.1f} ms | {floor / pure:.2f}x | 1.00x |")
    lines += [
        f"| `load_deck` (parse, line numbers, full validation) | {ours:.1f} ms | {ours / pure:.2f}x | "
        + (f"{ours / floor:.2f}x |" if floor else "n/a |"),
        f"| `load_deck` again (a reload: code already syntax-checked) | {reload_ms:.1f} ms | {reload_ms / pure:.2f}x | "
        + (f"{reload_ms / floor:.2f}x |" if floor else "n/a |"),
        "",
        f"Goal: `load_deck` on {cards} cards <= {GOAL_MS:g} ms: {verdict}.",
        "",
        f"Bundled catalog: {len(catalog.decks)} decks, {bundled_cards} cards, loaded in {catalog_ms:.1f} ms.",
        f"Alias bomb (9 levels of 9 aliases, ~4*10^8 nodes if expanded) refused in {bomb_ms:.2f} ms.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.decks")
    parser.add_argument("--small", action="store_true")
    print(run(small=parser.parse_args().small))
