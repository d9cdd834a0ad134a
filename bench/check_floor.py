"""``deck check`` against its physical floor, and ``deck check --watch`` from save to result.

The floor is one process that imports torch and runs every card in-process with no isolation, its
card time spread over the machine's cores: ``import torch`` + (in-process time of all cards) / cores.
Measured in the same run, interleaved with the real ``quizapp deck check`` on the same 200-card deck
(the engine benchmark's mix, five of them calling ``torch.broadcast_shapes``, whose first call imports
sympy: the worker preloads it once instead of every card paying for it). Goal: <= 1.3x the floor.

``--watch``: after the first report, one card's code is changed and saved; the time from the save
to the report being printed (the watch's next "watching" line). Goal: <= 0.2 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.engine import _deck_yaml

GOAL_RATIO = 1.3
GOAL_WATCH_S = 0.2
LAZY_CARDS = 5

IN_PROCESS = r"""
import json, sys, time
t0 = time.perf_counter()
import torch, torch.nn as nn, torch.nn.functional as F
imported = time.perf_counter() - t0
torch.set_num_threads(1)
from quizapp.core.decks.loader import load_deck
from quizapp.core.decks import params as P
deck = load_deck(sys.argv[1])
start = time.perf_counter()
for card in deck.cards:
    ns = {"torch": torch, "nn": nn, "F": F}
    torch.manual_seed(0)
    try:
        if card.setup:
            exec(card.setup, ns)
        result = eval(card.ask, ns)
        repr(result)
    except Exception as exc:
        repr(exc)
print(json.dumps({"import": imported, "cards": time.perf_counter() - start}))
"""


def deck_text() -> str:
    text = _deck_yaml(200 - LAZY_CARDS, with_expect=True)
    extra = []
    for i in range(LAZY_CARDS):
        extra += [f"  - id: lazy-{i}", "    kind: shape", f"    ask: torch.zeros(torch.broadcast_shapes(({i + 2}, 1), (3,)))",
                  f"    expect: ({i + 2}, 3)"]
    return text + "\n".join(extra) + "\n"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "QUIZAPP_HOME": str(home), "QUIZAPP_CACHE": str(home / "cache")}
    # An installed quizapp has its bytecode compiled (pip does it); a checkout run with this set would
    # compile every module on every run, in the app and in the worker (which never writes bytecode).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _compile_bytecode() -> None:
    import compileall

    import quizapp

    compileall.compile_dir(os.path.dirname(quizapp.__file__), quiet=1)


def _floor(deck: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall time of the in-process run, its import torch part, its card part)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", IN_PROCESS, str(deck)], env=env, capture_output=True, text=True,
                         check=True).stdout
    wall = time.perf_counter() - started
    parts = json.loads(out.strip().splitlines()[-1])
    return wall, parts["import"], parts["cards"]


def _check(deck: Path, env: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "quizapp", "deck", "check", str(deck), "--json"], env=env,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - started, json.loads(out)["summary"]


def _watch_latency(deck: Path, env: dict[str, str], saves: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, "-m", "quizapp", "deck", "check", "--watch", str(deck)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    latencies = []
    try:
        def wait_for_watching() -> float:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("watching "):
                    return time.perf_counter()
            raise RuntimeError("deck check --watch ended early")

        wait_for_watching()
        original = deck.read_text()
        for i in range(saves):
            time.sleep(0.3)
            # One card's code changes (a different size), so exactly one card runs again.
            deck.write_text(original.replace("x = torch.arange(4)", f"x = torch.arange({4 + (i % 2)})", 1))
            saved = time.perf_counter()
            latencies.append(wait_for_watching() - saved)
        deck.write_text(original)
    finally:
        proc.terminate()
        proc.wait(10)
    return latencies


def run(small: bool = False) -> str:
    runs = 2 if small else 3
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-check-") as tmp:
        home, deck = Path(tmp) / "home", Path(tmp) / "bench-200.yaml"
        deck.write_text(deck_text())
        env = _env(home)
        _compile_bytecode()
        _check(deck, env)  # deck cache, and what the cards import (learned preloading)
        loads = [os.getloadavg()[0]]
        floors, checks, summary = [], [], {}
        imports, card_times = [], []
        for _ in range(runs):  # interleaved: load from elsewhere hits both alike
            _wall, imported, cards = _floor(deck, env)
            imports.append(imported)
            card_times.append(cards)
            floors.append(imported + cards / _cores())
            seconds, summary = _check(deck, env)
            checks.append(seconds)
            loads.append(os.getloadavg()[0])
        watch = _watch_latency(deck, env, 3 if small else 6)
    floor, check = statistics.median(floors), statistics.median(checks)
    ratio = check / floor
    watch_median = statistics.median(watch)
    return "\n".join([
        "## deck check against its floor",
        "",
        f"200-card deck ({LAZY_CARDS} call `torch.broadcast_shapes`), summary {summary}; medians of {runs} "
        f"interleaved runs on {_cores()} cores; load average (1 min) {min(loads):.1f}-{max(loads):.1f} during the runs.",
        "",
        "| measure | time | vs floor | goal |",
        "| --- | ---: | ---: | --- |",
        f"| `import torch` (in the floor process) | {statistics.median(imports):.2f} s | | |",
        f"| all cards in-process, serial, no isolation | {statistics.median(card_times):.2f} s | | |",
        f"| floor: import + in-process / {_cores()} cores | {floor:.2f} s | 1.00x | |",
        f"| `quizapp deck check bench-200.yaml --json` | {check:.2f} s | {ratio:.2f}x | <= {GOAL_RATIO}x "
        f"{'(met)' if ratio <= GOAL_RATIO else '(NOT met)'} |",
        f"| `deck check --watch`: save of a one-card change to its result printed (median of {len(watch)}) | "
        f"{watch_median:.3f} s | | <= {GOAL_WATCH_S} s {'(met)' if watch_median <= GOAL_WATCH_S else '(NOT met)'} |",
        "",
    ])


if __name__ == "__main__":
    print(run(small="--small" in sys.argv[1:]))
