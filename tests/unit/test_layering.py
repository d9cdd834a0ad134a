"""The architecture's two import rules, enforced.

1. ``quizapp.core`` never imports a UI library (textual): the core is usable from any front end.
2. Nothing that runs in the app's own process imports torch: torch lives only in the execution worker
   (that is what makes launch fast and keeps deck code out of the app's process).

Each module is imported in a fresh interpreter, so one module's imports cannot hide another's.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import quizapp

# Modules that run inside the execution worker (or only in the optimizer subprocess) and so may import
# torch. Anything else importing torch is a bug.
WORKER_SIDE = ("quizapp.core.execution.zygote", "quizapp.core.execution.child", "quizapp.core.execution.sandbox",
               "quizapp.core.execution.state_guard")
TORCH_ALLOWED_PREFIXES = WORKER_SIDE + ("quizapp.core.scheduling.optimize_worker",)


def _all_modules() -> list[str]:
    names = ["quizapp"]
    for info in pkgutil.walk_packages(quizapp.__path__, prefix="quizapp."):
        names.append(info.name)
    return sorted(n for n in names if not n.startswith("quizapp.bundled_decks"))


def _imported_by(module: str) -> dict[str, bool]:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps({'textual': 'textual' in sys.modules, 'torch': 'torch' in sys.modules}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"importing {module} failed:\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


MODULES = _all_modules()
CORE = [m for m in MODULES if m.startswith("quizapp.core") and not m.startswith(TORCH_ALLOWED_PREFIXES)]
PARENT_SIDE = [m for m in MODULES if not m.startswith(TORCH_ALLOWED_PREFIXES)]


def test_the_package_has_a_core_and_front_ends() -> None:
    assert any(m.startswith("quizapp.core.") for m in MODULES)
    assert "quizapp.cli.main" in MODULES


@pytest.mark.parametrize("module", PARENT_SIDE)
def test_module_imports_cleanly_within_the_layer_rules(module: str) -> None:
    seen = _imported_by(module)
    assert not seen["torch"], f"{module} imports torch in the app's process; torch belongs in the worker"
    if module in CORE:
        assert not seen["textual"], f"{module} is core but imports textual"
