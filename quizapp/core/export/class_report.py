"""``quizapp report --class``: what a teacher sees of a class sharing one collection (a PostgreSQL server).

Three tables, computed from the review log and each learner's card states: the cards the class finds
hardest (most Again ratings per review, across learners), per-deck mastery for each learner (mean
predicted recall now, as the stats show), and activity per learner (reviews in all, the last 7 days,
the study streak, the last review). Rendered as one self-contained HTML file (every text escaped).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from quizapp.core.scheduling.days import study_date
from quizapp.core.storage.tables import cards, reviews

if TYPE_CHECKING:
    from quizapp.core.storage.store import Store

HARDEST = 20
MIN_REVIEWS_FOR_HARDEST = 3  # a card rated once tells little about how hard it is


@dataclass(frozen=True)
class HardCard:
    deck: str
    card_id: str
    reviews: int
    again: int
    learners: int

    @property
    def again_rate(self) -> float:
        return self.again / self.reviews if self.reviews else 0.0


@dataclass(frozen=True)
class Activity:
    learner: str
    reviews: int
    last_7_days: int
    streak_days: int
    last_review: datetime | None


@dataclass
class ClassReport:
    learners: list[str]
    hardest: list[HardCard]
    mastery: dict[str, dict[str, float]] = field(default_factory=dict)  # deck -> learner -> mastery
    activity: list[Activity] = field(default_factory=list)


def compute(store: Store, now: datetime) -> ClassReport:
    from quizapp.core import stats as stats_mod
    from quizapp.core.storage.store import Store as StoreClass

    learners = store.learners()

    def hardest(conn: sa.Connection) -> list[HardCard]:
        again = sa.func.sum(sa.case((reviews.c.rating == 1, 1), else_=0))
        q = (
            sa.select(cards.c.deck, cards.c.card_id, sa.func.count(), again,
                      sa.func.count(sa.distinct(reviews.c.learner)))
            .select_from(reviews.join(cards, cards.c.id == reviews.c.card))
            .group_by(cards.c.deck, cards.c.card_id)
            .having(sa.func.count() >= MIN_REVIEWS_FOR_HARDEST)
        )
        found = [HardCard(r[0], r[1], int(r[2]), int(r[3] or 0), int(r[4])) for r in conn.execute(q)]
        found.sort(key=lambda c: (-c.again_rate, -c.reviews, c.deck, c.card_id))
        return [c for c in found if c.again][:HARDEST]

    report = ClassReport(learners=learners, hardest=store.run_read(hardest))
    for learner in learners:
        view = StoreClass(store.engine, settings=store.settings, backups_dir=store.backups_dir,
                          db_file=store.db_file, learner=learner, device=store.device, read_only=True)
        result = stats_mod.compute(view, now)
        for group in result.decks:
            report.mastery.setdefault(group.name, {})[learner] = group.mastery
        week_start = study_date(now, store.settings.day_starts_at_hour) - timedelta(days=6)
        last = view.run_read(functools.partial(_last_review_at, learner=learner))
        report.activity.append(Activity(
            learner=learner,
            reviews=result.reviews,
            last_7_days=sum(d.reviews for d in result.per_day if d.date >= week_start),
            streak_days=result.streak_days,
            last_review=None if last is None else datetime.fromtimestamp(float(last), tz=now.tzinfo),
        ))
    return report


def _last_review_at(conn: Connection, learner: str) -> float | None:
    last: float | None = conn.execute(
        sa.select(sa.func.max(reviews.c.reviewed_at)).where(reviews.c.learner == learner)).scalar()
    return last


def render_html(report: ClassReport, *, generated: datetime) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>quizapp class report</title>",
        "<style>body{font-family:sans-serif;margin:2em;color:#1d2330}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "</style></head><body>",
        f"<h1>Class report</h1><p>{len(report.learners)} learner(s); "
        f"generated {e(generated.strftime('%Y-%m-%d %H:%M'))} UTC</p>",
        "<h2>Hardest cards</h2>",
    ]
    if report.hardest:
        parts.append("<table><tr><th>card</th><th>reviews</th><th>Again</th><th>Again rate</th><th>learners</th></tr>")
        for c in report.hardest:
            parts.append(f"<tr><td>{e(c.deck)}/{e(c.card_id)}</td><td>{c.reviews}</td><td>{c.again}</td>"
                         f"<td>{c.again_rate:.0%}</td><td>{c.learners}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No card has been rated Again yet.</p>")
    parts.append("<h2>Mastery per deck</h2><table><tr><th>deck</th>"
                 + "".join(f"<th>{e(name)}</th>" for name in report.learners) + "</tr>")
    for deck in sorted(report.mastery):
        row = report.mastery[deck]
        parts.append(f"<tr><td>{e(deck)}</td>" + "".join(
            f"<td>{row.get(name, 0.0):.0%}</td>" for name in report.learners) + "</tr>")
    parts.append("</table><h2>Activity</h2><table><tr><th>learner</th><th>reviews</th><th>last 7 days</th>"
                 "<th>streak</th><th>last review</th></tr>")
    for a in report.activity:
        last = a.last_review.strftime("%Y-%m-%d %H:%M") if a.last_review else "never"
        parts.append(f"<tr><td>{e(a.learner)}</td><td>{a.reviews}</td><td>{a.last_7_days}</td>"
                     f"<td>{a.streak_days} d</td><td>{e(last)}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


def render_text(report: ClassReport) -> list[str]:
    lines = [f"{len(report.learners)} learner(s)"]
    for a in report.activity:
        lines.append(f"  {a.learner}: {a.reviews} reviews, {a.last_7_days} in the last 7 days, "
                     f"streak {a.streak_days} d")
    if report.hardest:
        lines.append("hardest cards:")
        lines += [f"  {c.deck}/{c.card_id}: {c.again}/{c.reviews} Again ({c.learners} learner(s))"
                  for c in report.hardest[:5]]
    return lines


def write(report: ClassReport, path: Path, generated: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(report, generated=generated), encoding="utf-8")
    tmp.replace(path)
    return path

