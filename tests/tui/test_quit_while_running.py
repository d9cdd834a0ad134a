"""Quitting while a card runs: the app closes its engine at once instead of waiting for the card."""

from __future__ import annotations

import threading


async def test_ctrl_q_while_a_card_runs_closes_the_engine_first(make_app) -> None:  # noqa: ANN001
    app, store, engine = make_app(study=True, deck_ids=["tiny"])
    engine.gate = threading.Event()
    closed = engine.close

    def close() -> None:  # the real engine answers every running card when it is closed
        closed()
        engine.gate.set()

    engine.close = close
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        await pilot.press("2", "comma", "3", "enter")  # a prediction: the card starts running
        await pilot.pause()
        assert engine.jobs and not engine.gate.is_set()
        await pilot.press("ctrl+q")
        await pilot.pause()
        # Closed (which releases the card, as the real engine does) before the app's exit waits for the
        # thread worker holding that card: without it, the exit would wait for the card's limit.
        assert engine.closed and engine.gate.is_set()
