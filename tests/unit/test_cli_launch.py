"""The entry point starts deck check's worker before the CLI's own imports (cli/launch.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.cli.launch import wants_deck_check


@pytest.mark.parametrize(("argv", "expected"), [
    (["deck", "check"], True),
    (["deck", "check", "a.yaml", "--json"], True),
    (["--db", "sqlite:///x.db", "deck", "check", "a.yaml"], True),
    (["--learner", "deck", "deck", "check"], True),  # "deck" is the learner's name here
    (["-v", "deck", "check", "--timeout", "3"], True),
    (["deck", "check", "--help"], False),
    (["deck", "check", "-h"], False),
    (["--version", "deck", "check"], False),
    (["deck", "list"], False),
    (["check", "deck"], False),
    (["--db", "deck", "check"], False),  # "deck" is the database URL, "check" the command
    (["deck"], False),
    ([], False),
])
def test_only_a_real_deck_check_starts_the_worker_early(argv: list[str], expected: bool) -> None:
    assert wants_deck_check(argv) is expected


@pytest.mark.slow
def test_deck_check_through_the_entry_point_adopts_the_early_worker(tmp_path: Path) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text("deck: d\ntitle: D\ncards:\n  - id: a\n    kind: shape\n    ask: torch.zeros(2, 3)\n"
                    "    expect: (2, 3)\n")
    env = {**os.environ, "QUIZAPP_HOME": str(tmp_path / "home"), "QUIZAPP_CACHE": str(tmp_path / "cache")}
    trace = tmp_path / "workers"
    # Count the workers started: each runs quizapp's zygote with -P (the bootstrap's flag).
    code = ("import subprocess, sys, runpy\n"
            "real = subprocess.Popen.__init__\n"
            f"def counting(self, args, *a, **k):\n"
            f"    if '-P' in list(args):\n"
            f"        open({str(trace)!r}, 'a').write('worker\\n')\n"
            "    real(self, args, *a, **k)\n"
            "subprocess.Popen.__init__ = counting\n"
            "sys.argv = ['quizapp', 'deck', 'check', sys.argv[1], '--json', '--timeout', '7']\n"
            "runpy.run_module('quizapp', run_name='__main__')\n")
    out = subprocess.run([sys.executable, "-c", code, str(deck)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["summary"]["ok"] == 1
    assert trace.read_text().count("worker") == 1


@pytest.mark.slow
@pytest.mark.parametrize(("text", "status", "stream"), [
    ("deck: d\ntitle: D\ncards:\n  - id: a\n    kind: shape\n    ask: torch.zeros(2, 3)\n    expect: (3, 2)\n",
     1, "mismatch"),
    ("deck: d\ntitle: D\ncards:\n  - id: a\n    kind: nonsense\n", 2, "kind"),
], ids=["mismatch", "broken"])
def test_the_quick_exit_keeps_deck_checks_exit_status_and_whole_output(tmp_path: Path, text: str, status: int,
                                                                    stream: str) -> None:
    deck = tmp_path / "d.yaml"
    deck.write_text(text)
    env = {**os.environ, "QUIZAPP_HOME": str(tmp_path / "home"), "QUIZAPP_CACHE": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-m", "quizapp", "deck", "check", str(deck), "--json"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == status, out.stderr
    if status == 1:
        assert json.loads(out.stdout)["summary"]["mismatch"] == 1 and out.stdout.endswith("\n")
    else:
        assert stream in out.stderr and "Traceback" not in out.stderr
