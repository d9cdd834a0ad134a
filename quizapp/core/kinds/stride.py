"""``stride``: the learner predicts ``result.stride()``."""

from __future__ import annotations

from quizapp.core.kinds.predicted import PredictedKind


class StrideKind(PredictedKind):
    name = "stride"
    thinking_seconds = 8.0
    prompt_short = "What are the strides of `{ask}`?"
    prompt_generic = "What are the strides of the result?"


KIND = StrideKind()
