"""StudySession: queue order, grading through engine + real grader, rating, undo, bury, skip, summary."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizapp.core.decks.registry import load_catalog
from quizapp.core.execution.outcome import Outcome
from quizapp.core.rating import Rating
from quizapp.core.session import LEARN_AHEAD, StudySession
from quizapp.core.storage.store import Store

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

DECK = """\
deck: s
title: Session deck
concepts:
  bc: Broadcasting stretches size-1 dims.
cards:
  - id: one
    kind: shape
    concept: bc
    ask: torch.zeros(2, 3)
  - id: two
    kind: dtype
    ask: torch.zeros(1)
  - id: three
    kind: shape
    params: {n: [4, 5]}
    ask: torch.zeros($n)
"""


class Engine:
    def __init__(self) -> None:
        self.asks: list[str] = []

    def run(self, job, limits=None) -> Outcome:  # noqa: ANN001
        self.asks.append(job.ask)
        if job.ask == "torch.zeros(2, 3)":
            return Outcome(status="ok", value={"t": "tuple", "items": [{"t": "int", "v": 2}, {"t": "int", "v": 3}],
                                               "name": None, "fields": None}, display="(2, 3)")
        if job.ask == "torch.zeros(1)":
            raise RuntimeError("worker could not start")
        return Outcome.failure("time limit of 5 s exceeded")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    deck = tmp_path / "s.yaml"
    deck.write_text(DECK)
    catalog = load_catalog([deck], bundled=False, user=False)
    assert not catalog.problems
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}", backups=False, now=NOW)
    store.sync_cards(catalog.decks.values(), NOW)
    yield StudySession(catalog, store, Engine(), ["s"], Clock(), rng=random.Random(0))
    store.close()


def test_cards_come_in_deck_order_and_new_ones_show_their_concept(session) -> None:  # noqa: ANN001
    card = session.next_card()
    assert card.id == "one"
    assert session.is_new(card)
    assert session.concept_text(card) == "Broadcasting stretches size-1 dims."
    counts = session.counts()
    assert (counts.new, counts.learning, counts.due) == (3, 0, 0)


def test_grade_runs_the_code_and_the_real_grader_judges(session) -> None:  # noqa: ANN001
    card = session.next_card()
    outcome, verdict = session.grade(card, "2 x 3")
    assert outcome.ok and verdict.correct
    outcome, verdict = session.grade(card, "(3, 2)")
    assert not verdict.correct and verdict.readable
    assert session.suggested_rating(verdict, 5.0) is Rating.AGAIN
    assert session.engine.asks == ["torch.zeros(2, 3)"] * 2


def test_an_engine_error_becomes_a_failed_outcome(session) -> None:  # noqa: ANN001
    card = session.catalog.card(("s", "two"))
    outcome, verdict = session.grade(card, "float32")
    assert outcome.failed and "worker could not start" in outcome.reason
    assert not verdict.correct


def test_rate_records_and_the_queue_moves_on(session) -> None:  # noqa: ANN001
    card = session.next_card()
    result = session.rate(card, Rating.EASY, answer="(2, 3)", correct=True, seconds=4.0)
    assert not result.leech
    [entry] = session.store.history(card.key)
    assert (entry.rating, entry.answer, entry.correct, entry.duration_s) == (Rating.EASY, "(2, 3)", True, 4.0)
    assert session.next_card().id == "two"
    assert not session.is_new(card)


def test_again_comes_back_within_the_learn_ahead_window(session) -> None:  # noqa: ANN001
    for key in (("s", "two"), ("s", "three")):
        session.store.bury(key, NOW)
    card = session.next_card()
    session.rate(card, Rating.AGAIN, correct=False)
    assert session.next_card().id == "one"  # its 1-minute step is inside LEARN_AHEAD: shown, not "done"
    session.clock.now = NOW + LEARN_AHEAD
    assert session.next_card().id == "one"


def test_parametric_card_is_instantiated(session) -> None:  # noqa: ANN001
    for key in (("s", "one"), ("s", "two")):
        session.store.bury(key, NOW)
    card = session.next_card()
    assert card.id == "three" and card.bindings in ({"n": 4}, {"n": 5})
    assert card.ask == f"torch.zeros({card.bindings['n']})"
    assert card.key == ("s", "three")


def test_undo_restores_the_card_and_shows_it_next(session) -> None:  # noqa: ANN001
    assert session.undo() is None and not session.can_undo()
    card = session.next_card()
    session.rate(card, Rating.GOOD, correct=True)
    assert session.next_card().id == "two"
    assert session.undo().key == ("s", "one")
    assert session.store.history(("s", "one")) == []
    assert session.next_card().id == "one"
    assert session.summary().reviewed == 0


def test_bury_suspend_skip_take_cards_out(session) -> None:  # noqa: ANN001
    one = session.next_card()
    until = session.bury(one)
    assert until > NOW
    two = session.next_card()
    assert two.id == "two"
    session.suspend(two)
    three = session.next_card()
    session.skip(three)
    assert session.next_card() is None
    assert session.store.history(three.key) == []
    assert session.summary().skipped == 1


def test_summary_counts_accuracy_and_next_due(session) -> None:  # noqa: ANN001
    one = session.next_card()
    session.rate(one, Rating.GOOD, correct=True)
    two = session.next_card()
    session.rate(two, Rating.AGAIN, correct=False)
    summary = session.summary()
    assert (summary.reviewed, summary.graded, summary.correct, summary.again) == (2, 2, 1, 1)
    assert summary.accuracy == 0.5
    assert summary.next_due is not None and summary.next_due <= NOW + timedelta(days=1)


def test_reload_takes_the_new_text(session, tmp_path: Path) -> None:  # noqa: ANN001
    deck = tmp_path / "s.yaml"
    deck.write_text(DECK.replace("torch.zeros(2, 3)", "torch.ones(2, 3)"))
    session.reload(load_catalog([deck], bundled=False, user=False))
    assert session.next_card().ask == "torch.ones(2, 3)"


def test_a_concept_is_taught_once_across_cards_undo_and_restarts(session, tmp_path: Path) -> None:  # noqa: ANN001
    from quizapp.core.seen_concepts import SeenConcepts

    deck = tmp_path / "s.yaml"
    deck.write_text(DECK.replace("    kind: dtype\n", "    kind: dtype\n    concept: bc\n"))
    session.reload(load_catalog([deck], bundled=False, user=False))
    one = session.next_card()
    concept = session.concept_to_teach(one)
    assert concept is not None and (concept.title, concept.deck_title) == ("Bc", "Session deck")
    session.mark_concept_seen(concept)
    assert session.concept_to_teach(one) is None  # never again for this card...
    session.rate(one, Rating.GOOD, correct=True)
    two = session.next_card()
    assert two.id == "two" and session.concept_to_teach(two) is None  # ...nor the next of that concept
    session.undo()
    assert session.concept_to_teach(session.next_card()) is None  # nor after an undo
    fresh = StudySession(session.catalog, session.store, Engine(), ["s"], session.clock)
    assert fresh.concept_to_teach(one) is None  # nor after a restart (it is in the collection)
    assert ("s", "bc") in SeenConcepts(session.store)
    assert session.store.seen_concepts() == {("s", "bc")}


def test_shown_notes_are_the_learners_own_and_a_second_window_sees_them_at_once(tmp_path: Path) -> None:
    from quizapp.core.seen_concepts import SeenConcepts

    url = f"sqlite:///{tmp_path / 'c.db'}"
    with Store.open(url, learner="ada") as one, Store.open(url, learner="ada") as two, \
            Store.open(url, learner="bob") as other:
        first, second, bobs = SeenConcepts(one), SeenConcepts(two), SeenConcepts(other)
        assert ("d", "c") not in second
        first.mark(("d", "c"), datetime(2026, 1, 1, tzinfo=UTC))
        assert ("d", "c") in second  # the other window asks the collection, not its memory
        assert ("d", "c") not in bobs  # another learner on the same collection has not seen it
        second.mark(("d", "c"))  # marking again changes nothing: the first showing stays
        assert one.concept_records()[0].seen_at == datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def test_the_old_seen_file_is_taken_into_the_collection_once(tmp_path: Path) -> None:
    from quizapp.core.seen_concepts import SeenConcepts

    legacy = tmp_path / "concepts_seen.json"
    legacy.write_text('{"seen": [["d", "c"], ["d", "e"], "junk", [1]]}')
    with Store.open(f"sqlite:///{tmp_path / 'c.db'}", learner="ada") as store:
        seen = SeenConcepts(store, legacy=legacy)
        assert seen.problem is None and ("d", "c") in seen and ("d", "e") in seen
        assert store.seen_concepts() == {("d", "c"), ("d", "e")}
        assert not legacy.exists() and legacy.with_name("concepts_seen.json.imported").exists()


def test_an_unreadable_old_seen_file_is_a_notice_not_a_crash(tmp_path: Path) -> None:
    from quizapp.core.seen_concepts import SeenConcepts

    legacy = tmp_path / "concepts_seen.json"
    legacy.write_text("{not json")
    with Store.open(f"sqlite:///{tmp_path / 'c.db'}") as store:
        seen = SeenConcepts(store, legacy=legacy)
        assert seen.problem and "unreadable" in seen.problem and ("d", "c") not in seen
        seen.mark(("d", "c"))
        assert ("d", "c") in SeenConcepts(store)


def test_a_read_only_collection_still_teaches_each_note_once_per_run(tmp_path: Path) -> None:
    from quizapp.core.seen_concepts import SeenConcepts

    url = f"sqlite:///{tmp_path / 'c.db'}"
    Store.open(url).close()
    with Store.open(url, read_only=True) as store:
        seen = SeenConcepts(store)
        seen.mark(("d", "c"))
        assert ("d", "c") in seen and seen.problem and "may show again" in seen.problem


def test_the_first_review_of_a_new_card_is_never_suggested_easy(session) -> None:  # noqa: ANN001
    card = session.next_card()
    _, verdict = session.grade(card, "2x3")
    assert session.suggested_rating(verdict, 0.5) is Rating.EASY
    assert session.suggested_rating(verdict, 0.5, first_review=True) is Rating.GOOD


def test_undo_takes_back_the_last_action_whatever_it_was(session) -> None:  # noqa: ANN001
    one = session.next_card()
    session.rate(one, Rating.GOOD, correct=True)
    two = session.next_card()
    session.bury(two)
    assert session.store.card_info(two.key).buried_until is not None
    action = session.undo()
    assert action.what == "bury" and action.key == two.key
    assert session.store.card_info(two.key).buried_until is None  # unburied, not the rating undone
    assert len(session.store.history(one.key)) == 1
    assert session.next_card().id == "two"
    session.suspend(two)
    assert session.undo().what == "suspend" and not session.store.card_info(two.key).suspended
    assert session.undo().what == "rating" and session.store.history(one.key) == []
    assert session.undo() is None


def test_answer_time_is_capped_by_the_setting(session, monkeypatch) -> None:  # noqa: ANN001
    card = session.next_card()
    session.rate(card, Rating.GOOD, correct=True, seconds=365.0)
    assert session.store.history(card.key)[0].duration_s == 60.0
    from dataclasses import replace

    session.store.settings = replace(session.store.settings, answer_time_cap_seconds=10.0)
    assert session.capped_seconds(30.0) == 10.0 and session.capped_seconds(4.0) == 4.0


def test_daily_limit_reached_and_study_more(session) -> None:  # noqa: ANN001
    from dataclasses import replace

    session.store.settings = replace(session.store.settings, new_per_day=1)
    one = session.next_card()
    session.rate(one, Rating.EASY, correct=True)
    assert session.next_card() is None
    assert session.limit_reached() and session.counts().new == 0
    session.study_more(1)
    assert not session.limit_reached()
    assert session.next_card().id == "two" and session.counts().new == 1
    assert session.store.settings.new_per_day == 1  # the raise is the session's, not the settings'


def test_try_code_runs_the_edited_snippet_without_recording(session) -> None:  # noqa: ANN001
    outcome = session.try_code("x = 1\ntorch.zeros(2, 3)")
    assert outcome.ok and session.engine.asks[-1] == "torch.zeros(2, 3)"
    assert session.try_code("x = (").failed
    assert session.summary().reviewed == 0


def test_a_card_whose_torch_key_excludes_the_installed_torch_is_not_studied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # deck check reports such a card as skipped; studying it would grade against a claim that is false here.
    monkeypatch.setattr("quizapp.core.decks.torchver.installed_torch_version", lambda: "2.5.1")
    deck = tmp_path / "v.yaml"
    deck.write_text("deck: v\ntitle: Versions\ncards:\n"
                    "  - {id: new-only, kind: shape, torch: '>=2.13', ask: torch.zeros(2)}\n"
                    "  - {id: any, kind: shape, ask: torch.zeros(3)}\n"
                    "  - {id: old-ok, kind: shape, torch: '>=2.1,<2.6', ask: torch.zeros(4)}\n")
    catalog = load_catalog([deck], bundled=False, user=False)
    assert not catalog.problems
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}", backups=False, now=NOW)
    store.sync_cards(catalog.decks.values(), NOW)
    session = StudySession(catalog, store, Engine(), ["v"], Clock(), rng=random.Random(0))
    seen = []
    while (card := session.next_card()) is not None:
        seen.append(card.id)
        session.rate(card, Rating.EASY)
    store.close()
    assert seen == ["any", "old-ok"]


def test_two_windows_each_undo_only_their_own_rating(session, tmp_path: Path) -> None:  # noqa: ANN001
    other_store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}", backups=False, now=NOW)
    other = StudySession(session.catalog, other_store, Engine(), ["s"], Clock(), rng=random.Random(1))
    try:
        mine = session.catalog.card(("s", "one"))
        theirs = session.catalog.card(("s", "two"))
        session.rate(mine, Rating.GOOD)
        other.clock.now = NOW + timedelta(seconds=30)
        other.rate(theirs, Rating.GOOD)  # the newest review in the collection is the other window's
        assert session.undo().key == ("s", "one")
        assert session.store.history(("s", "one")) == [] and len(session.store.history(("s", "two"))) == 1
        assert other.undo().key == ("s", "two") and session.store.review_count() == 0
    finally:
        other_store.close()


def test_ratings_at_one_frozen_instant_stay_in_the_order_they_were_made(session) -> None:  # noqa: ANN001
    # Equal times would be ordered by random review ids in a replay; a new rating always follows the
    # card's newest one, so the lapse count of Easy-then-Again-then-Easy-then-Again is 2, never less.
    card = session.catalog.card(("s", "one"))
    ratings = [Rating.EASY, Rating.AGAIN, Rating.EASY, Rating.AGAIN]
    for rating in ratings:
        session.rate(card, rating)
    history = session.store.history(card.key)
    assert [h.rating for h in history] == ratings
    assert [h.reviewed_at for h in history] == sorted({h.reviewed_at for h in history})
    assert session.store.card_info(card.key).lapses == 2


def test_every_deck_means_the_catalogues_order_not_the_ids(tmp_path: Path) -> None:
    # "All decks" brings new cards in catalogue order (the curriculum's for the bundled decks).
    files = []
    for deck in ("zeta", "alpha"):
        path = tmp_path / f"{deck}.yaml"
        path.write_text(f"deck: {deck}\ntitle: {deck}\ncards:\n  - {{id: c, kind: shape, ask: torch.zeros(2)}}\n")
        files.append(path)
    catalog = load_catalog(files, bundled=False, user=False)
    assert list(catalog.decks) == ["zeta", "alpha"]
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}", backups=False, now=NOW)
    store.sync_cards(catalog.decks.values(), NOW)
    session = StudySession(catalog, store, Engine(), None, Clock(), rng=random.Random(0))
    first = session.next_card()
    store.close()
    assert first is not None and first.deck == "zeta"
