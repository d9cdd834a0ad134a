"""The review log as source of truth: undo by id, replay, learners, sync, import, doctor.

Every test takes the ``store_url`` fixture, so tests/integration/test_postgres_log.py runs this file
again against a real PostgreSQL server.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from test_store_basic import NOW, make_deck  # noqa: I001  (tests/unit is on sys.path)

from quizapp.core.rating import Rating
from quizapp.core.settings import Settings
from quizapp.core.storage import doctor, syncing
from quizapp.core.storage.errors import StoreError
from quizapp.core.storage.store import Store
from quizapp.core.storage.tables import card_states, review_buckets, reviews

SETTINGS = Settings(leech_threshold=3)


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'collection.sqlite3'}"


@pytest.fixture
def second_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'second.sqlite3'}"


@pytest.fixture
def opener(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    opened: list[Store] = []

    def factory(url: str, *, learner: str = "ann", device: str = "dev-a", settings: Settings = SETTINGS) -> Store:
        store = Store.open(url, settings=settings, learner=learner, device=device)
        store.sync_cards([make_deck("alpha", 6)], NOW)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


def healthy(store: Store) -> bool:
    return store.run_read(lambda conn: doctor.verify(conn, store.settings)).healthy


def study(store: Store, rng: random.Random, count: int, start, *, cards: int = 6):
    """``count`` random ratings at increasing random times from ``start``; returns the last time."""
    when = start
    for _ in range(count):
        when += timedelta(hours=rng.randint(1, 72), seconds=rng.randint(0, 59))
        store.record_review(("alpha", f"c{rng.randrange(cards)}"), Rating(rng.randint(1, 4)), now=when)
    return when


def states(store: Store) -> dict:
    return {f"c{i}": store.card_info(("alpha", f"c{i}")).state for i in range(6)}


def log(store: Store) -> list:
    return sorted((r.review_id, r.learner, r.deck, r.card_id, r.reviewed_at, r.rating)
                  for r in store.iter_reviews(all_learners=True))


# ----------------------------------------------------------------------------------- undo by id


def test_review_ids_are_uuids_and_never_reused_after_undo(opener, store_url):
    store = opener(store_url)
    first = store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    assert len(first.review_id) == 36 and first.review_id.count("-") == 4
    store.undo_review(first.review_id)
    second = store.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    assert second.review_id != first.review_id
    with pytest.raises(StoreError, match="not in the log"):
        store.undo_review(first.review_id)


def test_two_windows_each_undo_only_their_own_review(opener, store_url):
    one, two = opener(store_url), opener(store_url)
    mine = one.record_review(("alpha", "c0"), Rating.AGAIN, now=NOW)
    theirs = two.record_review(("alpha", "c1"), Rating.GOOD, now=NOW + timedelta(seconds=5))
    assert one.undo_review(mine.review_id) == ("alpha", "c0")  # not the newest in the collection: still mine
    assert [e.id for e in one.history(("alpha", "c1"))] == [theirs.review_id]
    assert one.history(("alpha", "c0")) == []
    assert two.undo_review(theirs.review_id) == ("alpha", "c1")
    assert one.review_count() == 0 and healthy(one)


def test_undo_refuses_when_the_card_was_reviewed_elsewhere_since(opener, store_url):
    one, two = opener(store_url), opener(store_url)
    mine = one.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    later = two.record_review(("alpha", "c0"), Rating.EASY, now=NOW + timedelta(minutes=20))
    with pytest.raises(StoreError, match="reviewed elsewhere since"):
        one.undo_review(mine.review_id)
    assert {e.id for e in one.history(("alpha", "c0"))} == {mine.review_id, later.review_id}
    two.undo_review(later.review_id)
    one.undo_review(mine.review_id)
    assert one.card_info(("alpha", "c0")).reps == 0 and healthy(one)


def test_undoing_the_review_that_made_a_leech_lifts_the_leech_and_the_suspension(opener, store_url):
    store = opener(store_url)
    key, when = ("alpha", "c0"), NOW
    last = None
    for _ in range(12):
        info = store.card_info(key)
        when = max(when, info.due or when) + timedelta(minutes=1)
        rating = Rating.AGAIN if info.phase.name == "REVIEW" else Rating.EASY
        last = store.record_review(key, rating, now=when)
        if last.leech:
            break
    assert last is not None and last.leech and store.card_info(key).suspended
    store.undo_review(last.review_id)
    info = store.card_info(key)
    assert not info.leech and not info.suspended and healthy(store)


def test_undo_last_is_a_wrapper_that_only_takes_this_devices_reviews(opener, store_url):
    laptop, desktop = opener(store_url, device="laptop"), opener(store_url, device="desktop")
    laptop.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    desktop.record_review(("alpha", "c1"), Rating.GOOD, now=NOW + timedelta(seconds=1))
    assert laptop.undo_last() == ("alpha", "c0")
    assert laptop.undo_last() is None
    assert desktop.review_count() == 1


# ----------------------------------------------------------------------------------- replay


def test_state_is_a_pure_function_of_the_log_with_fuzz_seeded_by_review_id(opener, store_url):
    store = opener(store_url, settings=Settings(fuzz=True, leech_threshold=3))
    study(store, random.Random(7), 150, NOW)
    assert healthy(store)
    before = states(store)

    def wipe(conn):  # throw every cache away: the log alone must give them back
        conn.execute(card_states.update().values(phase=0, step=None, stability=None, difficulty=None, due=None,
                                                 last_review=None, reps=0, lapses=0))
        conn.execute(review_buckets.delete())
        conn.execute(reviews.update().values(phase_before=0, scheduled_days=0.0, interval_days=0.0))

    days = store.review_days(NOW)
    store.run_write(wipe)
    report = store.run_read(lambda conn: doctor.verify(conn, store.settings))
    assert report.mismatched and report.bucket_learners
    store.run_write(lambda conn: doctor.rebuild(conn, store.settings, report))
    assert states(store) == before and store.review_days(NOW) == days and healthy(store)


def test_a_review_older_than_the_cards_newest_is_replayed_into_place(opener, store_url):
    store = opener(store_url)
    key = ("alpha", "c0")
    store.record_review(key, Rating.GOOD, now=NOW + timedelta(days=3))
    store.record_review(key, Rating.AGAIN, now=NOW)  # a clock behind, or a device syncing late
    times = [e.reviewed_at for e in store.history(key)]
    assert times == sorted(times) and healthy(store)


def test_record_reviews_in_bulk_equals_one_at_a_time(opener, store_url, second_url):
    from quizapp.core.storage.store import ReviewInput

    exact = Settings(fuzz=False, leech_threshold=3)  # the two runs get different review ids, so no fuzz
    one, bulk = opener(store_url, settings=exact), opener(second_url, device="dev-b", settings=exact)
    rng = random.Random(3)
    items, when = [], NOW
    for _ in range(120):
        when += timedelta(hours=rng.randint(1, 50))
        items.append(ReviewInput(("alpha", f"c{rng.randrange(6)}"), Rating(rng.randint(1, 4)), when))
    for item in items:
        one.record_review(item.key, item.rating, now=item.now)
    bulk.record_reviews(items, batch=37)
    assert states(one) == states(bulk) and healthy(bulk)
    assert one.review_days(NOW) == bulk.review_days(NOW)


# ----------------------------------------------------------------------------------- learners


def test_two_learners_on_one_collection_are_fully_separated(opener, store_url):
    ann, bob = opener(store_url, learner="ann"), opener(store_url, learner="bob", device="dev-b")
    result = ann.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    assert ann.due_queue(["alpha"], NOW)[0] != ("alpha", "c0")
    assert bob.due_queue(["alpha"], NOW)[0] == ("alpha", "c0")
    assert bob.card_info(("alpha", "c0")).reps == 0 and bob.history(("alpha", "c0")) == []
    assert bob.review_count() == 0 and ann.review_count() == 1
    assert bob.review_days(NOW) == [] and len(ann.review_days(NOW)) == 1
    with pytest.raises(StoreError):
        bob.undo_review(result.review_id)
    bob.suspend(("alpha", "c1"))
    assert not ann.card_info(("alpha", "c1")).suspended
    assert [r.learner for r in ann.iter_reviews()] == ["ann"] and list(bob.iter_reviews()) == []
    assert ann.learners() == ["ann", "bob"]


# ----------------------------------------------------------------------------------- sync


def _two_devices(opener, store_url, second_url):
    laptop = opener(store_url, device="laptop")
    desktop = opener(second_url, device="desktop")
    rng = random.Random(11)
    when = NOW
    for _ in range(60):  # both study the same cards offline, interleaved in time
        device = laptop if rng.random() < 0.5 else desktop
        when += timedelta(hours=rng.randint(1, 40))
        device.record_review(("alpha", f"c{rng.randrange(6)}"), Rating(rng.randint(1, 4)), now=when)
    return laptop, desktop


@pytest.mark.parametrize("order", ["laptop-first", "desktop-first"])
def test_two_devices_syncing_through_a_folder_end_equal_in_either_order(opener, store_url, second_url, tmp_path,
                                                                         order):
    laptop, desktop = _two_devices(opener, store_url, second_url)
    everything = sorted(log(laptop) + log(desktop))
    folder = str(tmp_path / "sync")
    first, second = (laptop, desktop) if order == "laptop-first" else (desktop, laptop)
    syncing.sync(first, folder)
    syncing.sync(second, folder)
    syncing.sync(first, folder)
    assert log(laptop) == log(desktop) == everything
    assert states(laptop) == states(desktop)
    assert laptop.review_days(NOW) == desktop.review_days(NOW)
    assert healthy(laptop) and healthy(desktop)
    # Idempotent: syncing again changes nothing and sends nothing.
    again = syncing.sync(first, folder)
    assert (again.received, again.sent) == (0, 0) and log(laptop) == everything
    # Equal to one device that made every review.
    alone = opener(f"sqlite:///{tmp_path / 'alone.sqlite3'}", device="alone")
    alone.merge_reviews(r for r in laptop.iter_reviews(all_learners=True))
    assert states(alone) == states(laptop)
    # Each device wrote only its own file.
    files = sorted(p.name for p in (tmp_path / "sync").glob("*.reviews.jsonl"))
    assert files == ["desktop.reviews.jsonl", "laptop.reviews.jsonl"]


def test_shown_concept_notes_travel_with_a_folder_sync_and_merge_as_a_union(opener, store_url, second_url,
                                                                            tmp_path):
    laptop = opener(store_url, device="laptop")
    desktop = opener(second_url, device="desktop")
    laptop.mark_concept_seen("alpha", "views", NOW)
    laptop.mark_concept_seen("alpha", "strides", NOW)
    desktop.mark_concept_seen("alpha", "strides", NOW + timedelta(days=1))  # both showed it: the first stays
    desktop.mark_concept_seen("beta", "dtypes", NOW)
    folder = str(tmp_path / "sync")
    syncing.sync(laptop, folder)
    result = syncing.sync(desktop, folder)
    assert result.concepts_received == 1 and "1 concept note" in result.describe()
    syncing.sync(laptop, folder)
    expected = {("alpha", "views"), ("alpha", "strides"), ("beta", "dtypes")}
    assert laptop.seen_concepts() == desktop.seen_concepts() == expected
    assert syncing.sync(desktop, folder).concepts_received == 0  # idempotent
    files = sorted(p.name for p in (tmp_path / "sync").glob("*.concepts.json"))
    assert files == ["desktop.concepts.json", "laptop.concepts.json"]
    # A torn or foreign file is ignored, never an error.
    (tmp_path / "sync" / "phone.concepts.json").write_text('{"seen": [["ann", "x"')
    syncing.sync(laptop, folder)
    assert laptop.seen_concepts() == expected


def test_a_synced_review_cannot_be_undone_but_an_unsynced_one_can(opener, store_url, second_url, tmp_path):
    laptop = opener(store_url, device="laptop")
    synced = laptop.record_review(("alpha", "c0"), Rating.GOOD, now=NOW)
    syncing.sync(laptop, str(tmp_path / "sync"))
    with pytest.raises(StoreError, match="synced"):
        laptop.undo_review(synced.review_id)
    fresh = laptop.record_review(("alpha", "c1"), Rating.GOOD, now=NOW)
    laptop.undo_review(fresh.review_id)


def test_a_torn_last_line_in_a_devices_file_is_skipped_and_repaired(opener, store_url, second_url, tmp_path):
    laptop, desktop = _two_devices(opener, store_url, second_url)
    folder = tmp_path / "sync"
    syncing.sync(laptop, str(folder))
    own = folder / "laptop.reviews.jsonl"
    own.write_bytes(own.read_bytes() + b'{"review_id": "cut-sho')  # a crash mid-append
    syncing.sync(desktop, str(folder))
    laptop.record_review(("alpha", "c0"), Rating.GOOD, now=NOW + timedelta(days=400))
    syncing.sync(laptop, str(folder))
    syncing.sync(desktop, str(folder))
    assert log(laptop) == log(desktop)


def test_settings_travel_and_the_last_writer_wins(opener, store_url, second_url, tmp_path, monkeypatch):
    import os

    from quizapp.core import locations
    from quizapp.core import settings as settings_mod

    laptop = opener(store_url, device="laptop")
    desktop = opener(second_url, device="desktop")
    homes = {"laptop": tmp_path / "home-laptop", "desktop": tmp_path / "home-desktop"}
    monkeypatch.setenv("QUIZAPP_HOME", str(homes["laptop"]))
    path = settings_mod.save(Settings(new_per_day=7))
    os.utime(path, (1_000_000_000, 1_000_000_000))
    syncing.sync(laptop, str(tmp_path / "sync"))
    monkeypatch.setenv("QUIZAPP_HOME", str(homes["desktop"]))
    settings_mod.save(Settings(new_per_day=3))  # written later: it wins
    syncing.sync(desktop, str(tmp_path / "sync"))
    monkeypatch.setenv("QUIZAPP_HOME", str(homes["laptop"]))
    result = syncing.sync(laptop, str(tmp_path / "sync"))
    assert "last writer wins" in result.settings_note
    assert settings_mod.load(locations.settings_path()).new_per_day == 3 and laptop.settings.new_per_day == 3


def test_import_of_a_json_export_merges_by_id_and_is_idempotent(opener, store_url, second_url, tmp_path):
    from quizapp.core.export.tabular import write_json

    laptop, desktop = _two_devices(opener, store_url, second_url)
    exported = tmp_path / "laptop.json"
    write_json(laptop, exported)
    assert json.loads(exported.read_text())["version"] == 2
    added = syncing.import_file(desktop, exported)
    assert added == laptop.review_count()
    assert syncing.import_file(desktop, exported) == 0
    assert {r[0] for r in log(laptop)} <= {r[0] for r in log(desktop)} and healthy(desktop)
    # Exactly the same reviews (times to the microsecond), so the merged log equals the union of both.
    assert log(desktop) == sorted(set(log(laptop)) | set(log(desktop)))


def test_merging_reviews_of_a_card_this_device_lacks_keeps_them_hidden(opener, store_url, second_url):
    laptop = opener(store_url, device="laptop")
    laptop.sync_cards([make_deck("alpha", 6), make_deck("beta", 2)], NOW)
    laptop.record_review(("beta", "c1"), Rating.GOOD, now=NOW)
    desktop = opener(second_url, device="desktop")
    assert desktop.merge_reviews(laptop.iter_reviews()) == 1
    assert desktop.card_info(("beta", "c1")).hidden and desktop.card_info(("beta", "c1")).reps == 1
    desktop.sync_cards([make_deck("alpha", 6), make_deck("beta", 2)], NOW)
    assert not desktop.card_info(("beta", "c1")).hidden and desktop.card_info(("beta", "c1")).reps == 1
