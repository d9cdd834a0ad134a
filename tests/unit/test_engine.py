"""The execution engine on ordinary cards: each kind's outcome, the JSON encoding, seeding, isolation.

One Engine (one warm worker) serves the whole module: starting a worker imports torch (~1.5 s).
Hostile snippets are in tests/integration/test_hostile.py.
"""

from __future__ import annotations

import pytest

from quizapp.core.decks.model import Card, Kind
from quizapp.core.execution.engine import Engine, Job, job_for
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome


def run(engine: Engine, ask: str, kind: str = "value", setup: str | None = None, **limits: float) -> Outcome:
    return engine.run(Job(setup, ask, kind), Limits(**limits) if limits else None)


def test_shape_stride_dtype_of_a_transpose(engine: Engine) -> None:
    setup = "x = torch.ones(2, 3)"
    shape = run(engine, "x.t()", "shape", setup)
    assert shape.status == "ok" and shape.display == "(3, 2)"
    assert shape.value == {"t": "tuple", "items": [{"t": "int", "v": 3}, {"t": "int", "v": 2}],
                           "name": None, "fields": None}
    stride = run(engine, "x.t()", "stride", setup)
    assert stride.display == "(1, 3)"
    dtype = run(engine, "x.long()", "dtype", setup)
    assert dtype.value == {"t": "dtype", "v": "torch.int64"} and dtype.display == "torch.int64"


def test_zero_and_one_dimensional_shapes(engine: Engine) -> None:
    assert run(engine, "torch.tensor(3.0)", "shape").display == "()"
    assert run(engine, "torch.arange(7)", "shape").display == "(7,)"


def test_value_of_a_tensor_is_encoded_and_shown_as_pytorch_prints_it(engine: Engine) -> None:
    out = run(engine, "torch.tensor([[1, 2], [3, 4]], dtype=torch.int8) * 2")
    assert out.ok
    assert out.display == "tensor([[2, 4],\n        [6, 8]], dtype=torch.int8)"
    assert out.value == {"t": "tensor", "dtype": "torch.int8", "shape": [2, 2], "values": [[2, 4], [6, 8]],
                         "requires_grad": False, "grad_fn": None}


def test_floats_nan_inf_complex_and_grad_fn(engine: Engine) -> None:
    out = run(engine, "torch.tensor([1.0, float('nan'), float('inf'), -float('inf')], requires_grad=True) * 1")
    assert out.value["values"] == [1.0, "nan", "inf", "-inf"]
    assert out.value["requires_grad"] is True and out.value["grad_fn"] == "MulBackward0"
    assert "grad_fn=<MulBackward0>" in out.display
    cplx = run(engine, "torch.tensor([1 + 2j])")
    assert cplx.value["values"] == [[1.0, 2.0]] and cplx.value["dtype"] == "torch.complex64"
    assert run(engine, "complex(1, -1)").value == {"t": "complex", "re": 1.0, "im": -1.0}
    assert run(engine, "float('nan')").value == {"t": "float", "v": "nan"}


def test_python_values(engine: Engine) -> None:
    assert run(engine, "None").value == {"t": "none"}
    assert run(engine, "3 > 2").value == {"t": "bool", "v": True}
    assert run(engine, "7 // 2").value == {"t": "int", "v": 3}
    assert run(engine, "'ab' * 2").value == {"t": "str", "v": "abab"}
    assert run(engine, "torch.zeros(2, 3).shape").value == {"t": "size", "v": [2, 3]}
    assert run(engine, "torch.device('cpu')").value == {"t": "device", "v": "cpu"}
    assert run(engine, "[1, (2.5, None)]").value == {"t": "list", "items": [
        {"t": "int", "v": 1},
        {"t": "tuple", "items": [{"t": "float", "v": 2.5}, {"t": "none"}], "name": None, "fields": None}]}
    assert run(engine, "{'a': 1}").value == {"t": "dict", "items": [[{"t": "str", "v": "a"}, {"t": "int", "v": 1}]]}
    other = run(engine, "nn.ReLU()")
    assert other.value == {"t": "other", "type": "torch.nn.modules.activation.ReLU", "repr": "ReLU()"}


def test_named_tuples_keep_their_name_and_fields(engine: Engine) -> None:
    out = run(engine, "torch.aminmax(torch.tensor([-3, 5, 1]))")
    assert out.value["name"] == "torch.return_types.aminmax"
    assert out.value["fields"] == ["min", "max"]
    assert [item["values"] for item in out.value["items"]] == [-3, 5]
    assert out.display == "torch.return_types.aminmax(\nmin=tensor(-3),\nmax=tensor(5))"


def test_big_tensors_keep_shape_but_not_values(engine: Engine) -> None:
    out = run(engine, "torch.zeros(200, 200)")
    assert out.value["shape"] == [200, 200] and out.value["values"] is None
    assert out.display.startswith("tensor([[0., 0., 0.,  ..., 0., 0., 0.],")


def test_an_exception_is_an_outcome_with_its_class_names_and_message(engine: Engine) -> None:
    out = run(engine, "x.view(6)", setup="x = torch.ones(2, 3).t()")
    assert out.status == "raised"
    assert out.error_type == "RuntimeError"
    assert out.error_types == ("RuntimeError", "Exception", "BaseException")
    assert "view size is not compatible" in (out.error_message or "")
    assert out.display.startswith("RuntimeError: view size")
    assert run(engine, "1", setup="raise KeyError('k')").error_type == "KeyError"
    assert run(engine, "1", setup="import sys; sys.exit(3)").error_type == "SystemExit"


def test_a_result_without_the_kinds_outcome_fails_with_a_reason(engine: Engine) -> None:
    out = run(engine, "3", "shape")
    assert out.failed and out.reason == "the `ask` result is a int, which has no shape"


def test_prints_are_captured_apart_from_the_outcome_and_truncated(engine: Engine) -> None:
    out = run(engine, "2", setup="print('hello'); import sys; print('oops', file=sys.stderr)")
    assert out.value == {"t": "int", "v": 2}
    assert out.stdout == "hello\noops\n"
    long = run(engine, "0", setup="print('x' * 500)", output_bytes=100)
    assert long.stdout.startswith("x" * 100) and "[output truncated: 401 more characters]" in long.stdout


def test_random_generators_are_seeded_identically_for_every_run(engine: Engine) -> None:
    ask = "(torch.randn(3), random.random(), numpy.random.rand())"
    setup = "import random, numpy"
    first, second = run(engine, ask, setup=setup), run(engine, ask, setup=setup)
    assert first.ok and first.value == second.value
    assert first.value == run(engine, ask, setup=setup + "\ntorch.manual_seed(0); random.seed(0); numpy.random.seed(0)").value


def test_no_state_leaks_from_one_card_to_the_next(engine: Engine) -> None:
    patched = run(engine, "torch.ones(2)", setup=(
        "import builtins\ntorch.ones = lambda *a: 'patched'\nbuiltins.len = None\ntorch.leak = 1\nsecret = 42"))
    assert patched.value == {"t": "str", "v": "patched"}
    assert run(engine, "torch.ones(2).tolist()").value["items"] == [{"t": "float", "v": 1.0}] * 2
    assert run(engine, "len([1, 2])").value == {"t": "int", "v": 2}
    assert run(engine, "hasattr(torch, 'leak')").value == {"t": "bool", "v": False}
    assert run(engine, "secret").error_type == "NameError"


def test_each_card_runs_in_a_fresh_scratch_folder(engine: Engine) -> None:
    wrote = run(engine, "open('note.txt').read()", setup="open('note.txt', 'w').write('hi')")
    assert wrote.value == {"t": "str", "v": "hi"}
    assert run(engine, "os.listdir('.')", setup="import os").value == {"t": "list", "items": []}


def test_temporary_files_go_to_the_scratch_folder(engine: Engine) -> None:
    out = run(engine, "name.startswith(os.getcwd()) and os.environ['TMPDIR'] == os.getcwd()",
              setup="import os, tempfile\nfd, name = tempfile.mkstemp()\nos.write(fd, b'x')")
    assert out.value == {"t": "bool", "v": True}, out


def test_namespace_holds_torch_nn_and_F(engine: Engine) -> None:
    assert run(engine, "F.relu(nn.Identity()(torch.tensor([-1.0, 2.0]))).tolist()").ok


def test_cards_run_in_parallel(engine: Engine) -> None:
    # Each card reports when it started and ended; with two at once their intervals overlap.
    job = Job("import time\nstart = time.time()\ntime.sleep(0.3)", "(start, time.time())", "value")
    (a, b) = engine.run_many([job, job])
    (a0, a1), (b0, b1) = ([i["v"] for i in o.value["items"]] for o in (a, b))
    assert a0 < b1 and b0 < a1


def test_run_many_reports_each_result_as_it_comes(engine: Engine) -> None:
    seen: dict[int, Outcome] = {}
    outcomes = engine.run_many([Job(None, str(i), "value") for i in range(5)],
                               on_result=lambda i, o: seen.__setitem__(i, o))
    assert [o.value["v"] for o in outcomes] == [0, 1, 2, 3, 4]
    assert {i: o.value["v"] for i, o in seen.items()} == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}


def test_run_is_thread_safe(engine: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        values = list(pool.map(lambda i: run(engine, f"{i} * 2").value["v"], range(8)))
    assert values == [i * 2 for i in range(8)]


def test_job_for_a_card() -> None:
    card = Card(deck="d", id="c", kind=Kind.SHAPE, prompt="?", setup="x = 1", ask="x")
    assert job_for(card) == Job("x = 1", "x", "shape", "d/c")
    with pytest.raises(ValueError):
        job_for(Card(deck="d", id="r", kind=Kind.RECALL, prompt="?", answer="a"))
    with pytest.raises(ValueError):
        job_for(Card(deck="d", id="p", kind=Kind.SHAPE, prompt="?", ask="torch.ones($n)", params={"n": (1, 2)}))


def test_every_sandbox_layer_is_reported(engine: Engine) -> None:
    # On this kind of machine (root, Landlock ABI >= 6, libseccomp) every layer is active; elsewhere the
    # list names what is missing, one readable sentence each.
    assert all(isinstance(m, str) and m for m in engine.enforcement())


def test_limits_validate() -> None:
    with pytest.raises(ValueError):
        Limits(wall_seconds=0)
    with pytest.raises(ValueError):
        Limits(memory_mb=1)
    assert Limits.from_dict(Limits(2.0, 300, 10).to_dict()) == Limits(2.0, 300, 10)


def test_a_worker_that_cannot_start_fails_cards_with_one_clear_reason(tmp_path, monkeypatch) -> None:
    home = tmp_path / "not-a-folder"
    home.write_text("a file where QUIZAPP_HOME should be a folder")
    monkeypatch.setenv("QUIZAPP_HOME", str(home))
    with Engine(workers=1) as broken:
        assert broken.wait_ready(60) is False
        first = broken.run(Job(None, "1", "value"))
        assert first.failed and first.reason.startswith("the execution worker could not start: ")
        assert "\n" not in first.reason
        # After repeated start failures the engine stops retrying and answers at once, with the reason.
        for _ in range(3):
            again = broken.run(Job(None, "1", "value"))
            assert again.failed and "could not start" in again.reason


def test_many_large_jobs_and_answers_do_not_deadlock_the_pipes(engine: Engine) -> None:
    # 60 jobs of ~4 KB and answers of ~16 KB: both directions overflow a pipe buffer (64 KiB) at once.
    padding = "# " + "x" * 4000 + "\n"
    jobs = [Job(padding + f"n = {i}", "str(n) * 4000", "value") for i in range(60)]
    outcomes = engine.run_many(jobs)
    assert [o.value["v"][:3] for o in outcomes[:3]] == ["000", "111", "222"]
    assert all(o.ok for o in outcomes)


def test_a_cards_scratch_folder_is_removed_after_it(engine: Engine) -> None:
    import time
    from pathlib import Path

    out = run(engine, "os.getcwd()", setup="import os\nopen('big.bin', 'wb').write(b'0' * 1000)")
    folder = Path(out.value["v"])
    # The module's engine was started with its own QUIZAPP_HOME (each test then gets another one).
    assert folder.name.startswith("card-") and "scratch" in folder.parts
    deadline = time.monotonic() + 30
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not folder.exists()


def test_a_closed_engine_answers_instead_of_raising(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    closed = Engine(workers=1)
    closed.close()
    out = closed.run(Job(None, "1", "value"))
    assert out.failed and out.reason == "the execution engine is closed"


def test_kernels_without_pidfd_are_served_by_polling(tmp_path, monkeypatch) -> None:
    # Linux < 5.3 has no pidfd_open: the worker must still notice exits, answer and reap every card.
    import sys

    from quizapp.core.execution import engine as engine_module

    start = ("import os, runpy, sys; del os.pidfd_open; "
             f"sys.argv[1:] = ['--children', '2', '--scratch', {str(tmp_path / 'scratch')!r}]; "
             "runpy.run_module('quizapp.core.execution.zygote', run_name='__main__')")
    monkeypatch.setattr(engine_module, "worker_command", lambda children: [sys.executable, "-c", start])
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    with Engine(Limits(wall_seconds=1), workers=2) as polled:
        assert polled.run(Job(None, "torch.ones(2).sum().item()", "value")).value == {"t": "float", "v": 2.0}
        crashed = polled.run(Job("import os; os._exit(4)", "1", "value"))
        assert crashed.failed and crashed.reason == "the card's process exited (code 4) before reporting an outcome"
        assert "time limit" in polled.run(Job("while True: pass", "1", "value")).reason
        assert [o.value["v"] for o in polled.run_many([Job(None, str(i), "value") for i in range(4)])] == [0, 1, 2, 3]
