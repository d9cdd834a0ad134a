"""Grading: parse a prediction as people write it (never executing it) and judge it against an Outcome.

- ``answers``: ``parse_answer(kind, text)``, the notations people write, read by walking a whitelist of
  ``ast`` nodes; ``AnswerError(problem, hint)`` for anything else. It hands the text to ``read_raises``,
  ``read_dims`` or ``read_values``, which share ``answer_text`` (hints, the error, clean-up) and return the
  plain data of ``answer_types``.
- ``dtypes``: PyTorch's dtype names and aliases as a table (this runs in the parent, which has no torch).
- ``compare``: an answer against an encoded outcome value, returning the differences as sentences; with
  ``compare_dims``, ``compare_numbers`` (one number to its written precision), ``compare_tensors`` (incl.
  PyTorch's summarised print) and ``describe`` (the wording of the messages).
- ``verdict``: ``grade(kind, outcome, answer) -> Verdict`` (never raises). The rating suggested from a
  verdict is :mod:`quizapp.core.kinds.suggest` (how quick is quick depends on the kind).
"""
