"""The README's promises that a machine can check: its two commands, and that CI runs the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quickstart_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_quick_start_is_exactly_two_commands() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2, commands
    install_and_launch, install_and_test = commands
    assert "torch==2.13.0" in install_and_launch and install_and_launch.endswith("quizapp")
    assert '".[dev]"' in install_and_test and install_and_test.endswith("make check")


def test_make_check_runs_every_gate() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    check = re.search(r"^check:(.*)$", makefile, flags=re.M)
    assert check, "the Makefile has a check target"
    steps = check.group(1).split()
    bodies = {name: re.search(rf"^{name}:.*\n\t(.+)$", makefile, flags=re.M) for name in steps}
    commands = " ".join(body.group(1) for body in bodies.values() if body)
    for tool in ("ruff check", "mypy", "lint-imports", "pytest"):
        assert tool in commands, f"make check does not run {tool}"


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _quickstart_commands()[1] in ci.splitlines()


def test_the_screenshot_the_readme_shows_exists() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images, "the README shows a screenshot"
    for image in images:
        assert (ROOT / image).is_file(), image
