"""``shape``: the learner predicts ``tuple(result.shape)``."""

from __future__ import annotations

from quizapp.core.kinds.predicted import PredictedKind


class ShapeKind(PredictedKind):
    name = "shape"
    thinking_seconds = 6.0
    prompt_short = "What is the shape of `{ask}`?"
    prompt_generic = "What is the shape of the result?"


KIND = ShapeKind()
