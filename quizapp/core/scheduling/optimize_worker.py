"""Child process for ``quizapp optimize``: runs fsrs's Optimizer (which imports torch).

Reads ``{"reviews": [[card, rating, epoch_seconds, duration_ms], ...]}`` on stdin and prints one
JSON line: ``{"parameters": [...]}`` or ``{"error": "one line"}``. Only this module may import torch
in quizapp outside the execution worker (tests/unit/test_layering.py knows it).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime


def main() -> int:
    try:
        data = json.load(sys.stdin)
        rows = data["reviews"]
    except (ValueError, KeyError, TypeError) as exc:
        print(json.dumps({"error": f"bad input for the optimizer: {exc}"}))
        return 2
    try:
        from fsrs import Rating, ReviewLog
        from fsrs.optimizer import Optimizer
    except ImportError as exc:
        print(
            json.dumps(
                {"error": f"fsrs's optimizer cannot load ({exc}); install it with: pip install 'quizapp[optimizer]'"}
            )
        )
        return 2
    logs = [
        ReviewLog(
            card_id=int(card),
            rating=Rating(int(rating)),
            review_datetime=datetime.fromtimestamp(float(ts), tz=UTC),
            review_duration=int(ms),
        )
        for card, rating, ts, ms in rows
    ]
    try:
        optimizer = Optimizer(logs)
        parameters = optimizer.compute_optimal_parameters()
    except ImportError as exc:  # fsrs's stand-in class when pandas/tqdm are missing
        print(
            json.dumps(
                {
                    "error": f"fsrs's optimizer cannot load ({str(exc).splitlines()[0]}); "
                    "install it with: pip install 'quizapp[optimizer]'"
                }
            )
        )
        return 2
    print(json.dumps({"parameters": [float(p) for p in parameters]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
