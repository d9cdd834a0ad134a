"""``quizapp doctor``: check the collection, and rebuild every cache from the review log.

What is checked: SQLite's integrity check; each learner's card states against a replay of their
reviews; each learner's 15-minute totals against the log. ``rebuild`` replaces whatever differs with
what the log says (the log itself is never changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.decks.model import CardKey
from quizapp.core.settings import Settings
from quizapp.core.storage import buckets, catalogue, reviewlog
from quizapp.core.storage.catalogue import card_pk
from quizapp.core.storage.tables import reviews


@dataclass
class Report:
    integrity: str = "ok"
    mismatched: list[tuple[str, CardKey, str]] = field(default_factory=list)  # (learner, card, what differs)
    bucket_learners: list[str] = field(default_factory=list)  # learners whose totals differ from the log
    rebuilt: bool = False

    @property
    def healthy(self) -> bool:
        return self.integrity == "ok" and not self.mismatched and not self.bucket_learners


def verify(conn: Connection, settings: Settings) -> Report:
    report = Report()
    for learner in catalogue.learner_names(conn):
        for key, diff in reviewlog.mismatched_cards(conn, settings, learner):
            report.mismatched.append((learner, key, diff))
        if not buckets.same(buckets.stored(conn, learner), buckets.from_log(conn, learner)):
            report.bucket_learners.append(learner)
    return report


def rebuild(conn: Connection, settings: Settings, report: Report) -> None:
    """Replay every card of every learner named in ``report`` (states and each review's cached columns
    then agree with the log), and recompute their totals from the log, in one transaction."""
    learners = {*report.bucket_learners, *(m[0] for m in report.mismatched)}
    for learner in sorted(learners):
        cards = [r[0] for r in conn.execute(
            sa.select(reviews.c.card).where(reviews.c.learner == learner).distinct())]
        cards += [card_pk(conn, key) for name, key, _diff in report.mismatched if name == learner]
        reviewlog.replay_cards(conn, settings, learner, cards)
        buckets.rebuild(conn, learner)
    report.rebuilt = True
