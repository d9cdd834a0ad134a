"""Hostile code typed as a learner's *answer* to a write card: contained exactly like deck code.

The answer runs in the sandbox with the card's limits; whatever it does, the verdict is a wrong answer
(never a crash, never "the card could not run"), the reference solution is computed in a process the
answer never touches, the comparison happens in the app on plain data, and the next answer is graded
normally. Timing is never asserted; the time limit is small so the answers that must hit it do so quickly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from quizapp.core.decks.loader import parse_deck
from quizapp.core.execution.engine import Engine
from quizapp.core.execution.limits import Limits
from quizapp.core.kinds import registry

LIMITS = Limits(wall_seconds=1.5, memory_mb=512, output_bytes=4096)

DECK = """\
deck: hostile
title: Hostile answers
cards:
  - id: running-total
    kind: write
    prompt: Return the running total of `x`.
    setup: x = torch.arange(1, $n + 1)
    params: {n: [3, 4]}
    solution: torch.tril(torch.ones($n, $n, dtype=x.dtype)) @ x
    forbid: [cumsum, for, while]
  - id: open
    kind: write
    prompt: Return x (no forbid list, so every name is allowed).
    setup: x = torch.arange(3)
    solution: x
"""
RIGHT = "(x[None, :] * (torch.arange(len(x))[:, None] >= torch.arange(len(x)))).sum(1)"


@pytest.fixture(scope="module")
def cards():  # noqa: ANN201
    deck = parse_deck(DECK)
    return {c.id: c for c in deck.cards}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, engine_factory):  # noqa: ANN001
    with engine_factory(tmp_path_factory.mktemp("home"), LIMITS,
                        env={"QUIZAPP_TEST_SECRET_TOKEN": "s3cret-token"}) as eng:
        yield eng


def answer(engine: Engine, card, code: str):  # noqa: ANN001, ANN201
    outcome, verdict = registry.of(card).evaluate(card, code, engine)
    assert not outcome.failed, f"a hostile answer made the card fail: {outcome.reason}"
    assert verdict.readable and not verdict.correct, verdict
    return verdict


@pytest.fixture(autouse=True)
def next_answer_still_works(engine: Engine, cards) -> None:  # noqa: ANN001
    yield
    for card in cards.values():
        right = RIGHT if card.id == "running-total" else "x"
        _, verdict = registry.of(card).evaluate(card, right, engine)
        assert verdict.correct, verdict.message


def test_an_endless_loop_is_a_wrong_answer(engine, cards) -> None:  # noqa: ANN001
    verdict = answer(engine, cards["open"], "while True: pass\nx")
    assert verdict.message == "your code did not finish: time limit of 1.5 s exceeded"


def test_ignoring_signals_does_not_help(engine, cards) -> None:  # noqa: ANN001
    verdict = answer(engine, cards["open"], "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                           "time.sleep(100)\nx")
    assert "time limit" in verdict.message


def test_a_repr_that_never_returns_is_cut_off(engine, cards) -> None:  # noqa: ANN001
    code = "class Forever:\n    def __repr__(self):\n        while True:\n            pass\nForever()"
    assert "time limit" in answer(engine, cards["open"], code).message


def test_fork_and_programs_are_refused(engine, cards) -> None:  # noqa: ANN001
    assert answer(engine, cards["open"], "import os\nos.fork()\nx").message == \
        "your code raised PermissionError: [Errno 1] Operation not permitted"
    assert "raised" in answer(engine, cards["open"], "import subprocess\nsubprocess.run(['true'])\nx").message
    assert not Path("/tmp/quizapp-hostile-answer").exists()
    answer(engine, cards["open"], "import os\nos.system('touch /tmp/quizapp-hostile-answer')")
    assert not Path("/tmp/quizapp-hostile-answer").exists()


def test_a_segfault_and_os_exit_are_wrong_answers(engine, cards) -> None:  # noqa: ANN001
    assert answer(engine, cards["open"], "import ctypes\nctypes.string_at(0)").message == \
        "your code did not finish: the card's process crashed (SIGSEGV)"
    assert answer(engine, cards["open"], "import os\nos._exit(0)").message.startswith("your code did not finish")


def test_a_huge_allocation_hits_the_memory_limit(engine, cards) -> None:  # noqa: ANN001
    verdict = answer(engine, cards["open"], "y = torch.empty(10 * 1024**3, dtype=torch.uint8)\nx")
    assert verdict.message == "your code did not finish: memory limit of 512 MB exceeded"


def test_a_flood_of_output_is_truncated_and_the_answer_still_judged(engine, cards) -> None:  # noqa: ANN001
    outcome, verdict = registry.of(cards["open"]).evaluate(cards["open"], "print('x' * 100_000)\nx", engine)
    assert verdict.correct and len(outcome.stdout) < 5000 and "[output truncated" in outcome.stdout


def test_no_network_no_writes_no_secrets(engine, cards, tmp_path: Path) -> None:  # noqa: ANN001
    card = cards["open"]
    assert "raised" in answer(engine, card, "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)").message
    target = tmp_path / "evil.txt"
    assert "PermissionError" in answer(engine, card, f"open({str(target)!r}, 'w').write('x')\nx").message
    assert not target.exists()
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    assert "PermissionError" in answer(engine, card, f"open({str(secret)!r}).read()").message
    leaked = answer(engine, card, "import os\n's3cret' in open('/proc/self/environ').read()")
    assert "it returned a bool" in leaked.message  # the answer ran, and the token was not there to find
    outcome, _ = registry.of(card).evaluate(card, "import os\n's3cret' in repr(dict(os.environ))", engine)
    assert outcome.display == "False"


def test_an_answer_cannot_signal_the_worker_or_the_app(engine, cards) -> None:  # noqa: ANN001
    assert "PermissionError" in answer(engine, cards["open"], "import os, signal\nos.kill(os.getppid(), 9)\nx").message
    assert "raised" in answer(engine, cards["open"], f"import os\nos.kill({os.getpid()}, 9)\nx").message


def test_monkeypatching_torch_cannot_forge_equality(engine, cards) -> None:  # noqa: ANN001
    # Everything a comparison in the answer's process might use is rigged to say "equal": the
    # comparison happens in the app, on the encoded values, so the wrong result is still wrong.
    code = ("torch.equal = lambda *a, **k: True\n"
            "torch.allclose = lambda *a, **k: True\n"
            "torch.Tensor.__eq__ = lambda self, other: True\n"
            "torch.Tensor.equal = lambda self, other: True\n"
            "x * 0")
    verdict = answer(engine, cards["open"], code)
    assert verdict.message == "element [1] is 0, wanted 1 (2 of 3 elements differ)"


def test_an_object_that_claims_equality_is_not_the_tensor(engine, cards) -> None:  # noqa: ANN001
    code = ("class Yes:\n    def __eq__(self, other): return True\n    def __repr__(self): return 'tensor([0, 1, 2])'\n"
            "Yes()")
    verdict = answer(engine, cards["open"], code)
    assert verdict.message.startswith("it returned a __card__.Yes, wanted a torch.int64 tensor")


def test_patching_the_encoder_cannot_reach_the_reference(engine, cards) -> None:  # noqa: ANN001
    # The answer may rig how its *own* result is encoded (tolist); the reference, computed in
    # another process, is untouched, so a result that is not right on every variant stays wrong.
    code = "torch.Tensor.tolist = lambda self: [1, 3, 6]\ntorch.zeros(3, dtype=torch.long)"
    verdict = answer(engine, cards["running-total"], code)
    assert verdict.message.startswith("with n=4: its shape is (3,), wanted (4,)")


def test_garbage_on_every_descriptor_is_a_wrong_answer(engine, cards) -> None:  # noqa: ANN001
    code = "import os\nfor fd in range(3, 64):\n    try: os.write(fd, b'{not json')\n    except OSError: pass\nx"
    # `for` is forbidden on the running-total card, so this runs on the open card.
    assert answer(engine, cards["open"], code).message.startswith("your code did not finish")


def test_the_forbid_check_cannot_be_dodged_by_strings_or_dunders(engine, cards) -> None:  # noqa: ANN001
    card = cards["running-total"]
    for code in ("getattr(torch, 'cum' + 'sum')(x, 0)", "torch.__dict__['cum' + 'sum'](x, 0)",
                 "eval('x.cum' + 'sum(0)')", "vars(torch)['cumsum'](x, 0)", "import torch as t\nt.cumsum(x, 0)",
                 "[v for v in x]"):
        assert "which this card forbids" in answer(engine, card, code).message, code


def test_answers_that_would_exhaust_the_parser_are_refused_unrun(engine, cards) -> None:  # noqa: ANN001
    assert "nests brackets" in answer(engine, cards["open"], "(" * 5_000 + ")" * 5_000).message
    assert "longer than" in answer(engine, cards["open"], "x" + " + x" * 10_000).message
    assert answer(engine, cards["open"], "x\x00").message.startswith("your code cannot run: ")
