"""Hostile snippets: each is contained (the card reports failed or raised) and the next card runs normally.

One Engine per module. Timing is never asserted (several test runs share 2 cores); the limits used
here are small so that the cards that must hit them do so quickly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome

LIMITS = Limits(wall_seconds=2.0, memory_mb=512, output_bytes=4096)
# For the cards that must hit the time limit: no need to wait long for that.
SHORT = Limits(wall_seconds=0.5, memory_mb=512, output_bytes=4096)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def engine(home: Path, engine_factory):  # noqa: ANN001
    # QUIZAPP_TEST_SECRET_TOKEN: what a card must never see
    with engine_factory(home, LIMITS, env={"QUIZAPP_TEST_SECRET_TOKEN": "s3cret-token"}) as eng:
        yield eng


# The process id of every card run by the test in progress (the worker reports it in Outcome.extra).
CARD_PIDS: list[int] = []


def run(engine: Engine, setup: str, ask: str = "1", kind: str = "value", limits: Limits | None = None) -> Outcome:
    outcome = engine.run(Job(textwrap.dedent(setup), ask, kind), limits)
    CARD_PIDS.append(outcome.extra["pid"])
    return outcome


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], seconds: float = 30.0) -> list[int]:
    """The pids still alive after waiting up to ``seconds`` for them to end."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [p for p in pids if alive(p)]


@pytest.fixture(autouse=True)
def next_card_still_works(engine: Engine):
    CARD_PIDS.clear()
    yield
    after = engine.run(Job("x = torch.ones(2, 3)", "x.t()", "shape"))
    assert after.ok and after.display == "(3, 2)", after
    # The worker answers as soon as a card's report is complete and reaps it just after.
    assert wait_gone(CARD_PIDS) == [], "a card's process outlived its card"


def test_an_endless_loop_hits_the_time_limit(engine: Engine) -> None:
    out = run(engine, "while True: pass", limits=SHORT)
    assert out.failed and out.reason == "time limit of 0.5 s exceeded"


def test_ignoring_signals_does_not_help(engine: Engine) -> None:
    out = run(engine, """
        import signal, time
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
            signal.signal(s, signal.SIG_IGN)
        while True:
            time.sleep(0.01)
    """, limits=SHORT)
    assert out.failed and "time limit" in (out.reason or "")


def test_a_repr_that_never_returns_is_cut_off(engine: Engine) -> None:
    out = run(engine, """
        class Forever:
            def __repr__(self):
                while True:
                    pass
    """, "Forever()", limits=SHORT)
    assert out.failed and "time limit" in (out.reason or "")


def test_an_exception_whose_message_never_ends_is_cut_off(engine: Engine) -> None:
    out = run(engine, """
        class Evil(Exception):
            def __str__(self):
                while True:
                    pass
        raise Evil()
    """, limits=SHORT)
    assert out.failed and "time limit" in (out.reason or "")


def test_fork_and_programs_are_refused(engine: Engine) -> None:
    forked = run(engine, "import os; os.fork()")
    assert forked.raised and forked.error_type == "PermissionError"
    spawned = run(engine, "import subprocess; subprocess.run(['true'])")
    assert spawned.raised
    system = run(engine, "import os", "os.system('touch /tmp/quizapp-hostile-system')")
    assert not Path("/tmp/quizapp-hostile-system").exists()
    assert system.ok and system.value == {"t": "int", "v": 127 << 8}  # glibc: "could not spawn the shell"
    multi = run(engine, "import multiprocessing as m; p = m.Process(target=print); p.start()")
    assert multi.raised


def test_threads_still_work(engine: Engine) -> None:
    out = run(engine, """
        import threading
        box = []
        t = threading.Thread(target=lambda: box.append(torch.ones(2).sum().item()))
        t.start(); t.join()
    """, "box")
    assert out.ok and out.value == {"t": "list", "items": [{"t": "float", "v": 2.0}]}


def test_a_segfault_fails_the_card(engine: Engine) -> None:
    out = run(engine, "import ctypes; ctypes.string_at(0)")
    assert out.failed and out.reason == "the card's process crashed (SIGSEGV)"


def test_os_exit_fails_the_card(engine: Engine) -> None:
    out = run(engine, "import os; os._exit(3)")
    assert out.failed and out.reason == "the card's process exited (code 3) before reporting an outcome"


def test_a_huge_allocation_fails_fast_on_the_memory_limit(engine: Engine) -> None:
    out = run(engine, "x = torch.empty(10 * 1024**3, dtype=torch.uint8)")  # 10 GB
    assert out.failed and out.reason == "memory limit of 512 MB exceeded"
    python = run(engine, "x = bytearray(10 * 1024**3)")
    assert python.failed and python.reason == "memory limit of 512 MB exceeded"
    # Touching memory page by page until the limit bites is refused the same way.
    # (A generous time limit: filling 512 MB takes a while on a busy machine, and only memory is tested.)
    grow = run(engine, "chunks = []\nwhile True: chunks.append(torch.ones(16 * 1024**2 // 4))",
               limits=Limits(wall_seconds=60, memory_mb=512, output_bytes=4096))
    assert grow.failed and grow.reason == "memory limit of 512 MB exceeded"
    # The address space (so also what can ever be resident) is capped well below 3 GiB.
    cap = run(engine, "import resource", "resource.getrlimit(resource.RLIMIT_AS)[0]")
    assert 0 < cap.value["v"] < 3 * 1024**3


def test_a_flood_of_output_is_truncated(engine: Engine) -> None:
    # 1 GB, line by line: 1,001,000,000 characters of which the first 4096 are kept.
    out = run(engine, "for _ in range(1_000_000): print('x' * 1000)", "'done'",
              limits=Limits(wall_seconds=30, memory_mb=512, output_bytes=4096))
    assert out.ok and out.value == {"t": "str", "v": "done"}
    assert len(out.stdout) < 5000 and out.stdout.endswith("[output truncated: 1000995904 more characters]")
    raw = run(engine, "import os\nfor _ in range(1000): os.write(1, b'y' * 100_000)", "'fd'")
    assert raw.ok  # straight to fd 1, which is /dev/null in a card


def test_a_huge_result_is_bounded(engine: Engine) -> None:
    out = run(engine, "s = 'z' * 50_000_000", "s")
    assert out.ok and len(out.display) < 30_000 and len(out.value["v"]) < 30_000
    nested = run(engine, "x = []\nfor _ in range(100): x = [x]", "x")
    assert nested.ok and "'t': 'other'" in str(nested.value)  # nesting past 32 levels is not encoded
    too_deep = run(engine, "x = []\nfor _ in range(100_000): x = [x]", "x")
    assert too_deep.failed and "RecursionError" in (too_deep.reason or "")


def test_no_network(engine: Engine) -> None:
    out = run(engine, "import socket; socket.create_connection(('127.0.0.1', 22), timeout=1)")
    assert out.raised and out.error_type in ("PermissionError", "OSError")
    unix = run(engine, "import socket; socket.socket(socket.AF_UNIX)")
    assert unix.raised


def test_no_writes_outside_the_scratch_folder(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "evil.txt"
    out = run(engine, f"open({str(target)!r}, 'w').write('x')")
    assert out.raised and out.error_type == "PermissionError"
    assert not target.exists()
    delete = tmp_path / "keep.txt"
    delete.write_text("keep")
    removed = run(engine, f"import os; os.remove({str(delete)!r})")
    assert removed.raised and delete.read_text() == "keep"
    inside = run(engine, "open('ok.txt', 'w').write('fine')", "open('ok.txt').read()")
    assert inside.ok and inside.value == {"t": "str", "v": "fine"}


def test_a_card_cannot_signal_the_worker_or_the_app(engine: Engine) -> None:
    worker = run(engine, "import os, signal; os.kill(os.getppid(), signal.SIGKILL)")
    assert worker.raised and worker.error_type == "PermissionError"
    app = run(engine, f"import os, signal; os.kill({os.getpid()}, signal.SIGKILL)")
    assert app.raised


def test_a_card_cannot_raise_its_own_limits(engine: Engine) -> None:
    out = run(engine, "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))")
    assert out.raised


def test_monkeypatching_torch_and_builtins_stays_in_the_card(engine: Engine) -> None:
    out = run(engine, """
        import builtins, json
        torch.Tensor.__repr__ = lambda self: 'hacked'
        torch.Tensor.tolist = None
        builtins.repr = None
        json.dumps = None
    """, "torch.ones(1)")
    assert out.ok or out.failed  # whatever it reports for itself, the next card is unaffected (fixture)


def test_a_card_that_stops_itself_is_killed(engine: Engine) -> None:
    out = run(engine, "import os, signal; os.kill(os.getpid(), signal.SIGSTOP)", limits=SHORT)
    assert out.failed and "time limit" in (out.reason or "")


def test_a_dead_worker_is_replaced_transparently(engine: Engine) -> None:
    old = engine.worker_pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while alive(old) and time.monotonic() < deadline:
        time.sleep(0.05)
    out = run(engine, "", "torch.arange(3).sum().item()")
    assert out.ok and out.value == {"t": "int", "v": 3}
    assert engine.worker_pid != old


DRIVER = """
import os, sys, threading, time
from quizapp.core.execution.engine import Engine, Job
engine = Engine()
if sys.argv[1] == "thread":  # started from a thread that has ended: no parent-death signal, only EOF
    starter = threading.Thread(target=engine.start)
    starter.start()
    starter.join()
else:
    engine.start()
engine.wait_ready(120)
future = engine.submit(Job("import time\\ntime.sleep(60)", "1", "value"))
print(engine.worker_pid, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("started_from", ["main", "thread"])
def test_killing_the_app_leaves_no_process_behind(home: Path, started_from: str) -> None:
    env = dict(os.environ, QUIZAPP_HOME=str(home))
    app = subprocess.Popen([sys.executable, "-c", DRIVER, started_from], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert app.stdout is not None
        worker = int(app.stdout.readline())
        deadline = time.monotonic() + 30
        cards: list[int] = []
        while not cards and time.monotonic() < deadline:
            cards = children_of(worker)
            time.sleep(0.05)
        assert cards, "the card never started"
        app.kill()
        app.wait()
        assert wait_gone([worker, *cards]) == [], "worker or card outlived the killed app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stdout is not None:
            app.stdout.close()


def test_a_card_that_closes_its_pipes_and_spins_is_still_stopped(engine: Engine) -> None:
    out = run(engine, "import os\nfor fd in range(3, 64):\n    try: os.close(fd)\n    except OSError: pass\nwhile True: pass", limits=SHORT)
    assert out.failed and "time limit" in (out.reason or "")


def test_a_card_writing_garbage_to_every_descriptor_fails_cleanly(engine: Engine) -> None:
    out = run(engine, "import os\nfor fd in range(3, 64):\n    try: os.write(fd, b'{not json')\n    except OSError: pass")
    assert out.failed and out.reason == "the card's process ended without a readable outcome"


def test_a_thread_bomb_runs_out_of_room_inside_the_card(engine: Engine) -> None:
    out = run(engine, """
        import threading, time
        while True:
            threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
    """)
    assert out.raised or out.failed  # "can't start new thread" or the memory limit, then the card ends


def test_no_reading_files_outside_python_and_system_libraries(engine: Engine, tmp_path: Path) -> None:
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    out = run(engine, f"open({str(secret)!r}).read()")
    assert out.raised and out.error_type == "PermissionError"
    listing = run(engine, f"import os; os.listdir({str(tmp_path)!r})")
    assert listing.raised and listing.error_type == "PermissionError"
    shadow = run(engine, "open('/etc/hostname').read()")
    assert shadow.raised
    # What cards need stays readable: Python's own modules, torch's, its own scratch folder.
    assert run(engine, "import json, fractions", "fractions.Fraction(1, 3) + 1").ok
    assert run(engine, "open('x', 'w').write('1')", "open('x').read()").value == {"t": "str", "v": "1"}


def test_the_apps_secrets_are_not_in_a_cards_environment(engine: Engine) -> None:
    out = run(engine, "import os", "'s3cret' in repr(dict(os.environ)) or 's3cret' in open('/proc/self/environ').read()")
    assert out.ok and out.value == {"t": "bool", "v": False}
    app = run(engine, f"open('/proc/{os.getpid()}/environ').read()")
    assert app.raised
