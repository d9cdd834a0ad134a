"""Pilot tests of the study screen: every stage and every key, against a real store and the real grader.

The engine is the fake from conftest (torch-free, instant); everything else is real.
"""

from __future__ import annotations

import io
import threading

from rich.console import Console
from textual import events
from textual.widgets import Input, LoadingIndicator, Static

from quizapp.core.rating import Rating
from quizapp.tui.screens.study import StudyScreen
from quizapp.tui.widgets.rating_bar import RatingBar

SIZE = (80, 24)


def text_of(app, selector: str) -> str:  # noqa: ANN001
    """The plain text a Static shows (its rich content rendered without colours)."""
    widget = app.screen.query_one(selector, Static)  # Label is a Static
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def submit(pilot, answer: str) -> None:  # noqa: ANN001
    """Type a prediction (set at once: typing key by key only slows the test) and press Enter."""
    pilot.app.screen.query_one("#answer", Input).value = answer
    await pilot.press("enter")


async def wait_stage(pilot, stage: str, tries: int = 100) -> None:  # noqa: ANN001
    for _ in range(tries):
        if getattr(pilot.app.screen, "stage", None) == stage:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"stage is {pilot.app.screen.stage!r}, expected {stage!r}")


async def start(pilot, *, through_concept: bool = True) -> StudyScreen:  # noqa: ANN001
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StudyScreen)
    if through_concept:
        assert screen.stage == "concept"
        await pilot.press("enter")
        await wait_stage(pilot, "question")
    return screen


async def test_concept_then_question_with_code(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.stage == "concept"
        assert "Shapes are compared from the right" in text_of(app, "#concept")
        assert engine.started  # the engine warms while the first card is on screen
        await pilot.press("space")
        await wait_stage(pilot, "question")
        assert screen.card.id == "add-shapes"
        assert "torch.zeros(2, 1)" in text_of(app, "#code")
        assert app.focused is screen.query_one("#answer", Input)


async def test_right_answer_shows_correct_and_good_is_suggested(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await submit(pilot, "2x3")
        await wait_stage(pilot, "rating")
        verdict = text_of(app, "#verdict")
        assert verdict.startswith("Correct")
        assert "(2, 3)" in verdict and "The 1 stretches to 3" in verdict
        assert screen.suggested in (Rating.GOOD, Rating.EASY)
        labels = [str(b.label) for b in screen.query_one(RatingBar).query("Button")]
        assert labels[0].startswith("1 Again · ") and labels[3].startswith("4 Easy · ")
        await pilot.press("enter")  # accepts the suggested rating (its button has focus)
        await pilot.pause()
        history = store.history(("tiny", "add-shapes"))
        assert [(h.rating, h.correct, h.answer) for h in history] == [(screen.suggested, True, "2x3")]
        assert screen.card.id == "mean-dtype"


async def test_wrong_answer_shows_incorrect_outcome_printed_and_rates_with_a_key(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await submit(pilot, "(2, 3)")
        await wait_stage(pilot, "rating")
        await pilot.press("3")
        await wait_stage(pilot, "question")
        assert screen.card.id == "mean-dtype"
        await submit(pilot, "int64")
        await wait_stage(pilot, "rating")
        verdict = text_of(app, "#verdict")
        assert verdict.startswith("Incorrect")
        assert "torch.float32" in verdict
        assert "hello from the card" in verdict  # what the snippet printed
        assert "float() gives float32" in verdict  # the card's explanation
        assert screen.suggested is Rating.AGAIN
        await pilot.press("2")  # the user may overrule the suggestion
        await pilot.pause()
        [entry] = store.history(("tiny", "mean-dtype"))
        assert (entry.rating, entry.correct, entry.answer) == (Rating.HARD, False, "int64")


async def test_unreadable_answer_keeps_the_question_and_records_nothing(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await submit(pilot, "(2,, 3")
        answer = screen.query_one("#answer", Input)
        for _ in range(100):  # grading runs in a thread: wait until the box is usable again
            if screen.stage == "question" and not answer.disabled:
                break
            await pilot.pause(0.02)
        assert screen.stage == "question" and answer.value == "(2,, 3"  # kept, to be fixed
        assert store.history(("tiny", "add-shapes")) == []
        assert any(n.title == "Could not read this answer" for n in app._notifications)


async def test_empty_answer_is_not_graded(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.stage == "question" and engine.jobs == []


async def test_spinner_while_grading_and_ui_stays_responsive(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    engine.gate = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await submit(pilot, "2x3")
        await wait_stage(pilot, "grading")
        spinner = screen.query_one("#spinner", LoadingIndicator)
        for _ in range(50):
            if spinner.display:
                break
            await pilot.pause(0.02)
        assert spinner.display  # grading takes longer than a blink: the spinner shows
        await pilot.press("f1")  # the UI still answers keys while the worker thread waits
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        engine.gate.set()
        await wait_stage(pilot, "rating")
        assert not spinner.display


async def test_recall_card_reveals_with_space_and_records_self_rating(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        screen.session.bury(screen.card)  # get past the executable cards
        screen.session.bury(app.catalog.card(("tiny", "mean-dtype")))
        screen.advance()
        await pilot.pause()
        assert screen.card.id == "define-stride"
        assert "recall" in screen.classes
        await pilot.press("space")
        await wait_stage(pilot, "rating")
        assert "How many elements to skip" in text_of(app, "#verdict")
        await pilot.press("4")
        await pilot.pause()
        [entry] = store.history(("tiny", "define-stride"))
        assert entry.rating is Rating.EASY and entry.correct is None
        assert engine.jobs == []  # a recall card never runs anything


async def test_failed_card_shows_notice_skip_records_nothing(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        for key in (("tiny", "add-shapes"), ("tiny", "mean-dtype"), ("tiny", "define-stride")):
            store.bury(key, app.clock())
        screen.advance()
        await pilot.pause()
        assert screen.card.id == "slow-card"
        await submit(pilot, "45")
        await wait_stage(pilot, "failed")
        assert "time limit of 5 s exceeded" in text_of(app, "#notice")
        assert not screen.check_action("rate", (1,))
        await pilot.press("1")  # rating keys do nothing for a card that did not run
        await pilot.pause()
        assert screen.stage == "failed"
        await pilot.press("ctrl+n")
        await wait_stage(pilot, "done")
        assert store.history(("tiny", "slow-card")) == []
        assert "Skipped" in text_of(app, "#summary")


async def test_undo_takes_back_the_rating_and_shows_the_card_again(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        assert screen.check_action("undo", ()) is None  # nothing to undo yet: greyed out
        await submit(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("3")
        await wait_stage(pilot, "question")
        assert screen.card.id == "mean-dtype"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert screen.card.id == "add-shapes"
        assert store.history(("tiny", "add-shapes")) == []
        assert store.card_info(("tiny", "add-shapes")).reps == 0


async def test_bury_and_suspend_take_the_card_out_of_the_queue(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await pilot.press("ctrl+b")
        await pilot.pause()
        info = store.card_info(("tiny", "add-shapes"))
        assert info.buried_until is not None and info.buried_until > app.clock()
        assert screen.card.id == "mean-dtype"
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert store.card_info(("tiny", "mean-dtype")).suspended
        assert screen.card.id == "define-stride"
        await pilot.press("s")  # plain letter works when the input is not focused (recall card)
        await pilot.pause()
        assert store.card_info(("tiny", "define-stride")).suspended


async def test_header_counts_and_summary_at_the_end(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        assert text_of(app, "#study-counts").strip() == "New 4  Learn 0  Due 0"
        await submit(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("4")  # Easy: graduates, not due again today
        await wait_stage(pilot, "question")
        assert text_of(app, "#study-counts").strip() == "New 3  Learn 0  Due 0"  # counts only go down
        for key in (("tiny", "mean-dtype"), ("tiny", "define-stride"), ("tiny", "slow-card")):
            store.bury(key, app.clock())
        screen.advance()
        await wait_stage(pilot, "done")
        summary = text_of(app, "#summary")
        assert "Cards reviewed  1" in summary
        assert "Accuracy        100% (1 of 1" in summary
        assert "Next card due in " in summary
        await pilot.press("enter")  # Back
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_nothing_due_says_when_the_next_card_is(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "0")
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.stage == "done"
        summary = text_of(app, "#summary")
        assert summary.startswith("Nothing is due.")
        assert "Next card due in " in summary  # tomorrow, when new cards are allowed again


async def test_leech_notice(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("QUIZAPP_LEECH_THRESHOLD", "1")
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        # Graduate the card, then let it come due and forget it: one lapse reaches the threshold.
        await submit(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.press("4")
        await pilot.pause()
        from datetime import timedelta

        app.clock.now += timedelta(days=60)
        screen.session._first = ("tiny", "add-shapes")
        screen.advance()
        await wait_stage(pilot, "question")
        assert screen.card.id == "add-shapes"
        await submit(pilot, "9")
        await wait_stage(pilot, "rating")
        await pilot.press("1")
        await pilot.pause()
        assert store.card_info(("tiny", "add-shapes")).leech
        banner = text_of(app, "#banner")  # on screen above the next card, not a toast that fades
        assert "with-banner" in screen.classes and screen.query_one("#banner").display
        assert "Leech: tiny/add-shapes was forgotten once" in banner and "times" not in banner


async def test_edit_without_a_terminal_is_a_notice_not_a_crash(make_app, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("EDITOR", "true")
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert screen.stage == "question"  # still studying; headless: the app cannot hand over the terminal


async def test_reload_shows_the_edited_text(make_app, deck_file) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        deck_file.write_text(deck_file.read_text().replace("torch.zeros(3)", "torch.zeros(5)"))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.card.id == "add-shapes"
        assert "torch.zeros(5)" in text_of(app, "#code")


async def test_reload_of_a_broken_deck_keeps_studying(make_app, deck_file) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        deck_file.write_text(deck_file.read_text().replace("kind: dtype", "kind: dtpye"))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert any("dtpye" in n.message for n in app._notifications)
        assert screen.stage in ("question", "done")


async def test_escape_leaves_to_home(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HomeScreen"


async def test_parametric_card_shows_a_variant(make_app, tmp_path) -> None:  # noqa: ANN001
    extra = tmp_path / "param.yaml"
    extra.write_text(
        "deck: param\ntitle: Param\ncards:\n  - id: zeros\n    kind: shape\n    params: {n: [2, 3]}\n"
        "    ask: torch.zeros($n)\n")
    app, store, engine = make_app(study=True, deck_ids=["param"], extra_decks=[extra])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.card.bindings in ({"n": 2}, {"n": 3})
        assert "stage-question" in screen.classes  # a first card without a concept shows its question
        assert screen.query_one("#answer", Input).display and app.focused is screen.query_one("#answer")
        assert f"torch.zeros({screen.card.bindings['n']})" in text_of(app, "#code")
        assert "n=" in text_of(app, "#prompt")


async def test_keys_typed_before_the_box_has_focus_go_into_it(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        screen.query_one("#study-body").focus()  # as in the instant after a rating, before focus moves
        await pilot.pause()
        await pilot.press(*"sub")  # 's', 'u', 'b' are also card keys: typed, they must not act
        await pilot.pause()
        assert screen.query_one("#answer", Input).value == "sub"
        info = store.card_info(("tiny", "add-shapes"))
        assert not info.suspended and info.buried_until is None


async def test_the_mouse_rates_and_reveals(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await submit(pilot, "2x3")
        await wait_stage(pilot, "rating")
        await pilot.click("#rate-hard")
        await pilot.pause()
        [entry] = store.history(("tiny", "add-shapes"))
        assert entry.rating is Rating.HARD
        store.bury(("tiny", "mean-dtype"), app.clock())
        screen.advance()
        await pilot.pause()
        assert screen.card.id == "define-stride"
        await pilot.click("#reveal")
        await wait_stage(pilot, "rating")


async def test_an_answer_typed_the_instant_the_next_card_appears_is_graded_whole(make_app) -> None:  # noqa: ANN001
    # A fast typist rates, then types the next prediction and Enter before focus has moved to the box:
    # no key may be lost, and Enter must submit rather than press the (now hidden) rating button.
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await submit(pilot, "2x3")
        await wait_stage(pilot, "rating")
        # One burst, as a terminal delivers fast typing: every key is queued before any is handled.
        for key, char in [("3", "3"), *((c, c) for c in "int64"), ("enter", "\r")]:
            app.post_message(events.Key(key, char))
        for _ in range(100):
            if screen.card.id == "mean-dtype" and screen.stage == "rating":
                break
            await pilot.pause(0.02)
        assert screen.card.id == "mean-dtype" and screen.answer == "int64"
        assert text_of(app, "#verdict").startswith("Incorrect")
