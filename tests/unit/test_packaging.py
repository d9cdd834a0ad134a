"""Packaging facts that must not drift: one source for the version, the optimizer as an extra."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import quizapp

PYPROJECT = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())


def test_the_version_is_written_once_in_the_package():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "quizapp/__init__.py"
    assert importlib.metadata.version("quizapp") == quizapp.__version__


def test_the_optimizer_is_an_extra_and_the_dev_extra_holds_the_checkers():
    project = PYPROJECT["project"]
    assert not [d for d in project["dependencies"] if "optimizer" in d]
    assert project["optional-dependencies"]["optimizer"] == ["fsrs[optimizer]>=6.0,<7"]
    names = {d.split(">")[0].split("[")[0].strip() for d in project["optional-dependencies"]["dev"]}
    assert {"ruff", "mypy", "import-linter", "types-PyYAML", "types-Pygments"} <= names
