"""scripts/check_torch_versions.py: the table row per interpreter, the failures listed, the exit status.

Run here with this environment's own interpreter (the only torch at hand); other releases are the
same command with another venv's python.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from quizapp.core.decks.torchver import installed_torch_version

pytestmark = pytest.mark.slow  # runs deck check under another interpreter

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_torch_versions.py"

DECK = textwrap.dedent("""\
    deck: probe
    title: Probe
    cards:
      - id: sum
        kind: value
        ask: torch.tensor([1, 2]).sum()
        expect: "{expect}"
      - id: old-only
        kind: value
        torch: "<2.0"
        ask: 1 + 1
        expect: "3"
""")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600)


@pytest.fixture()
def decks(tmp_path: Path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    return folder


def test_a_passing_interpreter_gives_one_table_row(decks: Path) -> None:
    (decks / "probe.yaml").write_text(DECK.format(expect="tensor(3)"))
    proc = run(sys.executable, "--decks", str(decks))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("| torch | ok | mismatch | failed | skipped |")
    assert lines[2] == f"| {installed_torch_version()} | 1 | 0 | 0 | 1 | 2 | passes |"
    assert len(lines) == 3


def test_a_mismatch_fails_and_is_listed(decks: Path) -> None:
    (decks / "probe.yaml").write_text(DECK.format(expect="tensor(4)"))
    proc = run(sys.executable, "--decks", str(decks))
    assert proc.returncode == 1
    assert "| 0 | 1 | 0 | 1 | 2 | FAILS |" in proc.stdout
    assert "MISMATCH probe/sum: expected 'tensor(4)', got 'tensor(3)'" in proc.stdout


def test_an_interpreter_without_torch_is_reported_in_one_line(decks: Path, tmp_path: Path) -> None:
    (decks / "probe.yaml").write_text(DECK.format(expect="tensor(3)"))
    proc = run(str(tmp_path / "no-such-python"), "--decks", str(decks))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_a_broken_deck_is_not_a_pass(decks: Path) -> None:
    (decks / "probe.yaml").write_text("deck: probe\ntitle: Probe\ncards:\n  - id: x\n    kind: shap\n")
    proc = run(sys.executable, "--decks", str(decks))
    assert proc.returncode == 2 and "kind" in proc.stderr
