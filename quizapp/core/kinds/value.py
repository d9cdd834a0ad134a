"""``value``: the learner predicts the result itself (tensor, number, bool, str, None, Size, dtype, tuples)."""

from __future__ import annotations

from quizapp.core.kinds.predicted import PredictedKind


class ValueKind(PredictedKind):
    name = "value"
    thinking_seconds = 8.0
    prompt_short = "What does `{ask}` evaluate to?"
    prompt_generic = "What does the last expression evaluate to?"


KIND = ValueKind()
