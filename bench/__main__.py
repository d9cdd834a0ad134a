"""Run every benchmark: ``python -m bench [engine|storage|launch ...] [--small] [-o FILE]``.

Each benchmark module exposes ``run(small: bool = False) -> str``, returning a markdown report in
which every figure is printed next to a baseline measured in the same run (machines are noisy, so
absolute numbers from different runs are not comparable; the ratios are).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = ("engine", "storage", "launch", "decks", "sync", "scale", "check_floor")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--small", action="store_true", help="smaller inputs, for a quick look")
    parser.add_argument("-o", "--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    header = (
        f"# quizapp benchmarks\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{_cores()} cores{' (small mode)' if args.small else ''}\n"
    )
    parts = [header]
    print(header, flush=True)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        kwargs = {"small": args.small} if "small" in inspect.signature(module.run).parameters else {}
        report = module.run(**kwargs).rstrip() + f"\n\n_{name}: {time.perf_counter() - started:.0f} s in all_\n"
        print(report, flush=True)
        parts.append(report)
    if args.output:
        args.output.write_text("\n".join(parts))
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    sys.exit(main())
