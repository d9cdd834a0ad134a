"""``dtype``: the learner predicts ``result.dtype``."""

from __future__ import annotations

from quizapp.core.kinds.predicted import PredictedKind


class DTypeKind(PredictedKind):
    name = "dtype"
    thinking_seconds = 4.0
    prompt_short = "What is the dtype of `{ask}`?"
    prompt_generic = "What is the dtype of the result?"


KIND = DTypeKind()
