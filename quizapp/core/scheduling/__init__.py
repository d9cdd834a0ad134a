"""Scheduling: FSRS (through the ``fsrs`` package), daily limits, leeches, previews and optimisation."""
