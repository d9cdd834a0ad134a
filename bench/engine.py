"""Execution benchmark: what one card costs, three ways, and ``deck check`` on 200 cards.

Measured side by side in one run (machines are noisy; compare the ratios, not absolute figures):

- per-card latency, median and p90, of (a) a cold ``python -c`` subprocess per card (what running
  each card in a fresh interpreter would cost), (b) this engine, warm, one card at a time through
  ``Engine.run`` (fork + sandbox + run + repr + JSON), (c) plain in-process ``exec`` with no
  isolation at all (the floor; measured in a child process, since the app never imports torch);
- ``quizapp deck check`` wall time on a generated 200-card deck against a bare
  ``python -c "import torch"``.

Goals on a 2-core machine: warm median <= 10 ms per card; 200 cards checked in <= 2.5x the time of a
bare ``import torch``.

``python -m bench.engine [--small]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_WARM_MEDIAN_MS = 10.0
GOAL_CHECK_RATIO = 2.5
PAUSE = 0.02  # seconds between cards in (b)
SETTLE = 2.0  # seconds between the worker's "ready" and the first measured card

# A mix of what decks ask: broadcasting, views, strides, dtype, reductions, an exception.
SNIPPETS = [
    ("x = torch.ones(5, 1, 4)\ny = torch.ones(3, 1)", "x + y", "shape"),
    ("x = torch.arange(12).view(3, 4)", "x.t()", "stride"),
    ("x = torch.arange(6)", "x / 2", "dtype"),
    ("x = torch.tensor([1, 2, 3])", "x.cumsum(0)", "value"),
    ("x = torch.ones(2, 3).t()", "x.view(6)", "value"),
    ("x = torch.randn(4, 4)", "x.softmax(-1).sum(-1)", "value"),
]

IN_PROCESS = r"""
import json, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
snippets, rounds = json.loads(sys.argv[1]), int(sys.argv[2])
times = []
for i in range(rounds):
    setup, ask, kind = snippets[i % len(snippets)]
    start = time.perf_counter()
    ns = {"torch": torch, "nn": nn, "F": F}
    torch.manual_seed(0)
    try:
        exec(setup, ns)
        result = eval(ask, ns)
        shown = repr(tuple(result.shape) if kind == "shape" else result.stride() if kind == "stride"
                     else result.dtype if kind == "dtype" else result)
    except Exception as exc:
        shown = f"{type(exc).__name__}: {exc}"
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def _cold_command(setup: str, ask: str, kind: str) -> list[str]:
    code = (f"import torch\n{setup}\nr = {ask}\n"
            "print(repr(tuple(r.shape) if %r == 'shape' else r.stride() if %r == 'stride' "
            "else r.dtype if %r == 'dtype' else r))" % (kind, kind, kind))
    return [sys.executable, "-c", code]


def _stats(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p90 * 1000


def _time(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _deck_yaml(cards: int, with_expect: bool) -> str:
    lines = ["deck: bench-200", "title: Benchmark deck", "cards:"]
    for i in range(cards):
        a, b = i % 5 + 1, i % 7 + 2
        kind, setup, ask, expect = [
            ("shape", f"x = torch.ones({a}, 1, {b})\ny = torch.ones(3, 1)", "x + y", f"({a}, 3, {b})"),
            ("stride", f"x = torch.ones({a}, {b})", "x.t()", f"(1, {b})"),
            ("dtype", f"x = torch.arange({b})", "x * 1.5", "torch.float32"),
            ("value", f"x = torch.arange({b})", "x.sum()", f"tensor({b * (b - 1) // 2})"),
            ("value", f"x = torch.ones({a}, {b}).t()", "x.view(-1)", "RuntimeError" if a > 1 and b > 1 else None),
        ][i % 5]
        lines.append(f"  - id: card-{i:03d}")
        lines.append(f"    kind: {kind}")
        lines.append("    setup: |")
        lines += [f"      {line}" for line in setup.splitlines()]
        lines.append(f"    ask: {json.dumps(ask)}")
        if with_expect and expect is not None:
            lines.append(f"    expect: {json.dumps(expect)}")
    return "\n".join(lines) + "\n"


def run(small: bool = False) -> str:
    from quizapp.core.execution.engine import Engine, Job

    cold_rounds, warm_rounds, floor_rounds, check_rounds = (3, 60, 60, 1) if small else (8, 300, 300, 3)
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as tmp:
        env = dict(os.environ, QUIZAPP_HOME=tmp, OMP_NUM_THREADS="1")
        os.environ["QUIZAPP_HOME"] = tmp

        cold = [_time(_cold_command(*SNIPPETS[i % len(SNIPPETS)]), env) for i in range(cold_rounds)]

        with Engine() as engine:
            engine.wait_ready()
            # The worker finishes setting up in the background after it says ready (huge pages); a
            # study session's first card takes a person seconds to answer, so measure after that.
            time.sleep(SETTLE)
            jobs = [Job(*s) for s in SNIPPETS]
            for job in jobs:  # the first run of each snippet also warms the worker's page cache
                engine.run(job)
            warm, back_to_back = [], []
            for i in range(warm_rounds):
                time.sleep(PAUSE)  # as in a study session: a person reads, thinks and types between cards
                start = time.perf_counter()
                outcome = engine.run(jobs[i % len(jobs)])
                warm.append(time.perf_counter() - start)
                assert not outcome.failed, outcome.reason
            for i in range(warm_rounds):
                start = time.perf_counter()
                engine.run(jobs[i % len(jobs)])
                back_to_back.append(time.perf_counter() - start)
            parallel_start = time.perf_counter()
            engine.run_many([jobs[i % len(jobs)] for i in range(warm_rounds)])
            parallel_per_card = (time.perf_counter() - parallel_start) / warm_rounds
            unenforced = engine.enforcement()

        proc = subprocess.run([sys.executable, "-c", IN_PROCESS, json.dumps(SNIPPETS), str(floor_rounds)],
                              capture_output=True, text=True, env=env, check=True)
        floor = json.loads(proc.stdout)

        try:
            import quizapp.core.grading.verdict  # noqa: F401
            with_expect = True
        except ImportError:
            with_expect = False
        deck = Path(tmp) / "bench-200.yaml"
        deck.write_text(_deck_yaml(200, with_expect))
        check_cmd = [sys.executable, "-m", "quizapp", "deck", "check", str(deck), "--json"]
        bare_cmd = [sys.executable, "-c", "import torch"]
        checks, bares = [], []
        for _ in range(check_rounds):  # interleaved, so both see the same machine load
            bares.append(_time(bare_cmd, env))
            checks.append(_time(check_cmd, env))
        verify = subprocess.run(check_cmd, capture_output=True, text=True, env=env)
        summary = json.loads(verify.stdout)["summary"] if verify.stdout.strip() else {}

    cold_med, cold_p90 = _stats(cold)
    warm_med, warm_p90 = _stats(warm)
    b2b_med, b2b_p90 = _stats(back_to_back)
    floor_med, floor_p90 = _stats(floor)
    check_s, bare_s = statistics.median(checks), statistics.median(bares)
    ratio = check_s / bare_s
    lines = [
        "## Execution engine",
        "",
        "Per-card latency, one card at a time, of a mix of shape/stride/dtype/value cards and an exception. "
        f"Measured {SETTLE:g} s after the worker said it was ready. "
        f"(b) leaves {PAUSE * 1000:.0f} ms between cards, as a study session does (a person answers in seconds), "
        "which lets the worker fork the next hardened spare in the pause; (b') runs them back to back, so "
        "every card also waits for that fork:",
        "",
        "| way to run a card | runs | median | p90 | vs warm engine |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| (a) cold `python -c` subprocess | {cold_rounds} | {cold_med:.1f} ms | {cold_p90:.1f} ms | {cold_med / warm_med:.0f}x slower |",
        f"| (b) quizapp engine, warm, sandboxed | {warm_rounds} | {warm_med:.2f} ms | {warm_p90:.2f} ms | 1x |",
        f"| (b') the same, cards back to back with no pause | {warm_rounds} | {b2b_med:.2f} ms | {b2b_p90:.2f} ms | {b2b_med / warm_med:.1f}x slower |",
        f"| (c) in-process `exec`, no isolation (floor) | {floor_rounds} | {floor_med:.3f} ms | {floor_p90:.3f} ms | {warm_med / floor_med:.0f}x faster |",
        "",
        f"Warm median {warm_med:.2f} ms against a goal of <= {GOAL_WARM_MEDIAN_MS:g} ms: "
        f"**{'met' if warm_med <= GOAL_WARM_MEDIAN_MS else 'missed'}**. "
        f"Throughput with `run_many` (cards in parallel): {parallel_per_card * 1000:.2f} ms per card.",
        "",
        f"`quizapp deck check` on a generated 200-card deck ({'with' if with_expect else 'without'} `expect`; "
        f"summary {summary}), median of {check_rounds}:",
        "",
        "| command | wall time |",
        "| --- | ---: |",
        f"| `python -c \"import torch\"` (baseline) | {bare_s:.2f} s |",
        f"| `quizapp deck check bench-200.yaml --json` | {check_s:.2f} s |",
        "",
        f"Ratio {ratio:.2f}x against a goal of <= {GOAL_CHECK_RATIO:g}x: "
        f"**{'met' if ratio <= GOAL_CHECK_RATIO else 'missed'}**.",
    ]
    if unenforced:
        lines += ["", "Sandbox layers not enforced on this machine: " + "; ".join(unenforced)]
    else:
        lines += ["", "Every sandbox layer was active (rlimits, network namespace, Landlock, seccomp)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--small", action="store_true")
    print(run(small=parser.parse_args(argv).small))
    return 0


if __name__ == "__main__":
    sys.exit(main())
