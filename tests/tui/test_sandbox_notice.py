"""What the kernel cannot enforce is said once, as a notice, without holding up the first screen."""

from __future__ import annotations

import asyncio


class FakeEngine:
    """Starts and closes; these tests never run a card."""

    def start(self) -> FakeEngine:
        return self

    def close(self) -> None:
        pass


class GappyEngine(FakeEngine):
    def enforcement(self) -> list[str]:
        return ["Landlock is not available: cards can write outside their scratch folder"]


async def _notices(app) -> list[str]:  # noqa: ANN001
    return [str(n.message) for n in app._notifications]


async def test_sandbox_gaps_are_shown_once(make_app) -> None:  # noqa: ANN001
    app, _store, _engine = make_app(engine=GappyEngine())
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.02)
            if await _notices(app):
                break
        notices = await _notices(app)
        assert notices == ["Landlock is not available: cards can write outside their scratch folder"]


async def test_a_fully_enforced_sandbox_says_nothing(make_app) -> None:  # noqa: ANN001
    class Enforced(FakeEngine):
        def enforcement(self) -> list[str]:
            return []

    app, _store, _engine = make_app(engine=Enforced())
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert await _notices(app) == []
