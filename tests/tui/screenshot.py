"""Regenerate docs/screenshot.svg and docs/screenshot.png: ``python tests/tui/screenshot.py``.

A real session on the bundled broadcasting deck (real engine, grader and store, in a temp
QUIZAPP_HOME) at 80x24, showing a verdict. PNG conversion needs ``rsvg-convert`` (Debian: librsvg2-bin).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def _shoot(svg: Path) -> None:
    from textual.widgets import Input

    from quizapp.bootstrap import Root
    from quizapp.core.execution.engine import Engine

    root = Root.from_environment()  # built as `quizapp study broadcasting` builds it
    loader = root.catalog_loader(user=False)
    catalog = loader()
    store = root.open_store(backups=False)
    with Engine(root.limits()) as engine:
        app = root.make_app(catalog=catalog, store=store, engine=engine, deck_ids=["broadcasting"], study=True,
                            catalog_loader=loader)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            if screen.stage == "concept":
                await pilot.press("enter")
                await pilot.pause()
            screen.query_one("#answer", Input).value = "(4, 3)"
            await pilot.press("enter")
            for _ in range(600):
                if screen.stage in ("rating", "failed"):
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            svg.write_text(app.export_screenshot(title="quizapp study"))
    store.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        os.environ["QUIZAPP_HOME"] = home
        svg = DOCS / "screenshot.svg"
        asyncio.run(_shoot(svg))
    if shutil.which("rsvg-convert") is None:
        print("wrote docs/screenshot.svg; install librsvg2-bin for the PNG", file=sys.stderr)
        return 1
    subprocess.run(["rsvg-convert", str(svg), "-o", str(svg.with_suffix(".png"))], check=True)
    print("wrote docs/screenshot.svg and docs/screenshot.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
