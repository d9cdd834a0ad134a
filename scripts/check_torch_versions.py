#!/usr/bin/env python3
"""Check the bundled decks against other torch releases: ``quizapp deck check`` run from other venvs.

Every bundled card claims what a snippet does; those claims must hold on every torch the package
accepts (or say, with a ``torch`` key, which releases they hold for). This script runs the real
``quizapp deck check --json`` with another venv's interpreter, so the worker imports that venv's
torch, and prints one Markdown table row per interpreter (the README's table comes from it; its
entries count each checked variant of a parametric card), then every card that was not ``ok`` or
``skipped``.

    python scripts/check_torch_versions.py /tmp/torch-2.1.2/bin/python /tmp/torch-2.14.1/bin/python

Each interpreter needs a torch and quizapp's dependencies; this checkout's code and decks are used
whatever quizapp that venv holds (``PYTHONPATH`` points here). ``--make-venv DIR --torch VERSION``
creates such a venv (``pip install torch==VERSION`` and this checkout's dependencies); releases
other than the CPU build at hand are multi-GB CUDA downloads, which is why this stays out of CI.

Exit status: 0 when every deck passes on every interpreter, 1 when a card is ``mismatch`` or
``failed`` somewhere, 2 when an interpreter cannot run the check at all.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("| torch | ok | mismatch | failed | skipped | entries | result |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | --- |")
VERSION_CODE = "import importlib.metadata as m; print(m.version('torch'))"


class Unusable(Exception):
    """The interpreter cannot run a check (no torch, no quizapp dependencies, a deck problem)."""


def torch_version(python: str) -> str:
    proc = subprocess.run([python, "-c", VERSION_CODE], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise Unusable(f"{python}: no torch installed ({_last_line(proc.stderr)})")
    return proc.stdout.strip()


def run_check(python: str, decks: Path, timeout: float | None) -> dict:
    """``quizapp deck check DECKS --json`` under ``python``, with this checkout's code; the report."""
    with tempfile.TemporaryDirectory(prefix="quizapp-torch-check-") as home:
        env = dict(os.environ, QUIZAPP_HOME=home,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        args = [python, "-m", "quizapp", "deck", "check", str(decks), "--json"]
        if timeout is not None:
            args += ["--timeout", str(timeout)]
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode == 2 or not proc.stdout.strip():
        raise Unusable(f"{python}: deck check could not run: {_last_line(proc.stderr) or 'no output'}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise Unusable(f"{python}: deck check printed no JSON report: {_last_line(proc.stderr)}") from None


def table_row(version: str, report: dict) -> str:
    summary = report["summary"]
    counts = [summary.get(name, 0) for name in ("ok", "mismatch", "failed", "skipped")]
    result = "passes" if counts[1] == counts[2] == 0 else "FAILS"
    return f"| {version} | " + " | ".join(str(n) for n in counts) + f" | {len(report['cards'])} | {result} |"


def problems(report: dict) -> list[str]:
    return [f"  {c['status'].upper()} {c['deck']}/{c['id']}: expected {c['expected']!r}, got {c['actual']!r}"
            + (f" ({c['reason']})" if c.get("reason") else "")
            for c in report["cards"] if c["status"] not in ("ok", "skipped")]


def make_venv(directory: Path, version: str) -> Path:
    """A venv at ``directory`` with torch==``version`` and this checkout's dependencies; its python."""
    venv.EnvBuilder(with_pip=True).create(directory)
    python = directory / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q"]
    # torch first and pinned, so resolving quizapp's own requirements never swaps it for another release
    subprocess.run([*pip, f"torch=={version}"], check=True)
    subprocess.run([*pip, str(ROOT), f"torch=={version}"], check=True)
    return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pythons", nargs="*", help="interpreters of venvs that hold a torch")
    parser.add_argument("--decks", type=Path, default=ROOT / "decks",
                        help="the decks to check (default: this checkout's bundled decks)")
    parser.add_argument("--timeout", type=float, help="per-card time limit passed to deck check")
    parser.add_argument("--make-venv", type=Path, metavar="DIR", help="create a venv here first")
    parser.add_argument("--torch", metavar="VERSION", help="the torch release for --make-venv")
    args = parser.parse_args(argv)
    pythons = list(args.pythons)
    if args.make_venv is not None:
        if not args.torch:
            parser.error("--make-venv needs --torch VERSION")
        pythons.append(str(make_venv(args.make_venv, args.torch)))
    if not pythons:
        parser.error("name at least one interpreter (or --make-venv DIR --torch VERSION)")

    status = 0
    rows: list[str] = []
    details: list[str] = []
    for python in pythons:
        try:
            version = torch_version(python)
            report = run_check(python, args.decks, args.timeout)
        except (Unusable, subprocess.TimeoutExpired, OSError) as exc:
            sys.stderr.write(f"{exc}\n")
            status = 2
            continue
        rows.append(table_row(version, report))
        bad = problems(report)
        if bad:
            status = max(status, 1)
            details += [f"torch {version}:", *bad]
    if rows:
        print(HEADER)
        print("\n".join(rows))
    if details:
        print()
        print("\n".join(details))
    return status


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


if __name__ == "__main__":
    sys.exit(main())
