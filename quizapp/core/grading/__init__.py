"""Grading: parse a prediction as people write it (never executing it) and judge it against an Outcome."""
