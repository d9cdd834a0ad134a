# `make check` is the whole gate: what CI runs (.ci/run) and what the README tells contributors to run.
# Each step can be run alone: make lint | typecheck | imports | test.
PYTHON ?= python

.PHONY: check lint typecheck imports test fast

check: lint typecheck imports test

lint:
	$(PYTHON) -m ruff check quizapp tests bench scripts

typecheck:
	$(PYTHON) -m mypy

imports:
	lint-imports

# two workers (pytest-xdist): the suite's real-worker and tmux tests wait on processes more than on
# CPU, so two share two cores well and the whole suite takes half the time it takes serially
test:
	$(PYTHON) -m pytest -n 2

# the quick loop while working: the core's unit tests, without the slow ones
fast:
	$(PYTHON) -m pytest tests/unit -m "not slow" -q -n auto
