"""Hostile snippets: each is contained (the card reports failed or raised) and the next card runs normally.

One Engine per module. Timing is never asserted (several test runs share 2 cores); the limits used
here are small so that the cards that must hit them do so quickly.
"""

from __future__ import annotations

import json
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


# --- The red team's findings (issue 16). Each test reproduces one attack; the autouse fixture then runs
# an innocent card, which must still be ok on the same worker.

POISON_MODULE = """
import pathlib
pathlib.Path({marker!r}).write_text("imported from the caller's folder")
"""


def test_finding_1_code_next_to_a_deck_is_never_imported(tmp_path: Path, engine_factory,  # noqa: ANN001
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A stranger's deck repository, with modules named like ones the worker imports, is the current
    # folder and on PYTHONPATH; it also holds a secret.
    repo = tmp_path / "deck-repo"
    repo.mkdir()
    marker = tmp_path / "imported"
    for name in ("selectors", "json", "argparse", "typing", "sitecustomize", "usercustomize"):
        (repo / f"{name}.py").write_text(POISON_MODULE.format(marker=str(marker)))
    (repo / "secret.txt").write_text("s3cret")
    monkeypatch.chdir(repo)
    hostile_env = {"PYTHONPATH": str(repo), "PYTHONSTARTUP": str(repo / "json.py")}
    with engine_factory(tmp_path / "home", LIMITS, env=hostile_env) as eng:
        paths = f"[p for p in sys.path if p.startswith({str(tmp_path)!r})] + [os.getcwd()]"
        path = eng.run(Job("import sys, os", paths, "value"))
        read = eng.run(Job(None, f"open({str(repo / 'secret.txt')!r}).read()", "value"))
    assert not marker.exists(), "a module from the caller's folder ran in the worker"
    assert path.ok and len(path.value["items"]) == 1  # only its own scratch folder, below the test's tmp
    assert "deck-repo" not in path.value["items"][0]["v"]
    assert read.raised and read.error_type == "PermissionError"


def test_finding_2_file_metadata_cannot_be_changed(engine: Engine, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("x")
    victim.chmod(0o644)
    before = victim.stat()
    for call in (f"os.chmod({str(victim)!r}, 0o4777)", f"os.utime({str(victim)!r}, (0, 0))",
                 f"os.setxattr({str(victim)!r}, 'user.evil', b'1')",
                 f"os.chown({str(victim)!r}, 1, 1)",
                 f"os.chmod(os.open({str(victim)!r}, os.O_RDONLY) if False else {str(victim)!r}, 0o777)"):
        out = run(engine, "import os", call)
        assert out.raised and out.error_type == "PermissionError", (call, out)
    # fchmod through a descriptor of a readable file (the card may read the interpreter's files).
    fd = run(engine, "import os, sys\nfd = os.open(os.__file__, os.O_RDONLY)", "os.fchmod(fd, 0o777)")
    assert fd.raised and fd.error_type == "PermissionError"
    after = victim.stat()
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)


DEEP_TREE = """
import os
for _ in range({depth}):
    os.mkdir("d")
    os.chdir("d")
"""


def test_finding_3_a_deep_folder_tree_cannot_break_the_cleanup(engine: Engine, home: Path) -> None:
    worker = engine.worker_pid
    out = run(engine, DEEP_TREE.format(depth=1500), "len(os.getcwd())", limits=Limits(wall_seconds=30, memory_mb=512))
    assert out.ok
    assert engine.worker_pid == worker  # the worker survived the cleanup of that card
    assert wait_gone(CARD_PIDS) == []
    def leftovers() -> list[Path]:
        return [p for p in (home / "scratch").glob(f"worker-{worker}/card-*") if (p / "d").exists()]

    deadline = time.monotonic() + 30  # the worker removes a card's folder just after reaping it
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers() == []


def test_finding_3_a_poisoned_scratch_folder_is_repaired_on_start(tmp_path: Path,
                                                                   engine_factory) -> None:  # noqa: ANN001
    # What a killed worker (old code) left behind: a 1,500-deep tree in a dead worker's folder.
    home = tmp_path / "home"
    stale = home / "scratch" / "worker-999999999" / "card-1"
    stale.mkdir(parents=True)
    fd = os.open(stale, os.O_RDONLY)
    for _ in range(1500):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    os.close(fd)
    with engine_factory(home, LIMITS) as eng:
        out = eng.run(Job(None, "1 + 1", "value"))
    assert out.ok and out.value == {"t": "int", "v": 2}
    assert not (home / "scratch" / "worker-999999999").exists()


CLEAR_DEATH_SIGNAL = """
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
cleared = libc.prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG, 0: "do not kill me with my parent"
"""


def test_finding_4_a_card_cannot_clear_its_parent_death_signal(engine: Engine) -> None:
    out = run(engine, CLEAR_DEATH_SIGNAL, "(cleared, ctypes.get_errno())")
    assert out.ok and out.value["items"] == [{"t": "int", "v": -1}, {"t": "int", "v": 1}]  # EPERM


def test_finding_4_a_worker_crash_leaves_no_card_running(engine: Engine) -> None:
    worker = engine.worker_pid
    assert worker is not None
    future = engine.submit(Job(CLEAR_DEATH_SIGNAL + "time.sleep(60)", "1", "value"),
                           Limits(wall_seconds=60, memory_mb=512))
    assert running_card(worker), "the card never started"
    cards = children_of(worker)  # the card and the worker's spares
    os.kill(worker, signal.SIGKILL)
    assert future.result(timeout=30).failed
    assert wait_gone([worker, *cards]) == [], "a card outlived its crashed worker"


def running_card(worker: int, seconds: float = 30.0) -> int | None:
    """A child of ``worker`` that runs card code (both its seccomp filters loaded; a spare has one)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid in children_of(worker):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            if "Seccomp_filters:\t2" in status:
                time.sleep(0.2)  # its first statement (the prctl) has run by now
                return pid
        time.sleep(0.02)
    return None


KILL_DRIVER = """
import sys, time
from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.limits import Limits
engine = Engine(Limits(wall_seconds=60))
engine.start()
engine.wait_ready(120)
future = engine.submit(Job(sys.argv[1], "1", "value"))
print(engine.worker_pid, flush=True)
time.sleep(120)
"""


def test_finding_4_killing_the_app_kills_a_card_that_cleared_its_death_signal(home: Path) -> None:
    env = dict(os.environ, QUIZAPP_HOME=str(home))
    app = subprocess.Popen([sys.executable, "-c", KILL_DRIVER, CLEAR_DEATH_SIGNAL + "time.sleep(90)"],
                           stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert app.stdout is not None
        worker = int(app.stdout.readline())
        assert running_card(worker), "the card never started"
        cards = children_of(worker)
        app.kill()
        app.wait()
        assert wait_gone([worker, *cards]) == [], "a card outlived the killed app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stdout is not None:
            app.stdout.close()


FORGE = """
import os
data = {payload}
for fd in range(3, 64):
    try:
        os.write(fd, data)
    except OSError:
        pass
os._exit(0)
"""


@pytest.mark.parametrize("payload", [
    b'{"status": "ok", "display": "nan", "value": {"t": "float", "v": NaN}}',
    b'{"status": "ok", "display": "big", "value": {"t": "float", "v": 1e999}}',
    b'[' * 100_000 + b']' * 100_000,
    b'{"status": "ok", "display": "(5, 5)", "stdout": "' + b"p" * 2_800_000
    + b'", "value": {"t": "tuple", "items": [], "name": null, "fields": null}}',
    b'{"status": "raised", "error_type": "' + b"E" * 100_000 + b'", "display": "x"}',
    b'{"status": "ok", "display": "x", "value": {"t": "int", "v": true}}',
], ids=["nan", "overflow", "deep", "huge-output", "huge-name", "bool-as-int"])
def test_finding_5_a_forged_report_can_neither_crash_the_worker_nor_pass_its_bounds(
        engine: Engine, payload: bytes) -> None:
    worker = engine.worker_pid
    out = run(engine, FORGE.format(payload=repr(payload)))
    assert out.failed and "unreadable outcome" in (out.reason or ""), out.reason
    assert len(out.stdout) < 10_000
    assert engine.worker_pid == worker, "the forged report killed the worker"


def test_finding_5_the_worker_takes_only_checked_messages(engine: Engine) -> None:
    # A queue of cards behind a forging card all run on the same worker.
    worker = engine.worker_pid
    outs = engine.run_many([Job(FORGE.format(payload=repr(b'{"status": "ok", "value": {"t": "float", "v": NaN}}')),
                                "1", "value")] + [Job(None, str(i), "value") for i in range(4)])
    assert outs[0].failed and [o.value for o in outs[1:]] == [{"t": "int", "v": i} for i in range(4)]
    assert engine.worker_pid == worker


def test_finding_6_sysv_ipc_is_refused(engine: Engine) -> None:
    out = run(engine, """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        results = []
        for call in (lambda: libc.shmget(0, 4096, 0o1600), lambda: libc.msgget(0, 0o1600),
                     lambda: libc.semget(0, 1, 0o1600), lambda: libc.shmat(0, None, 0)):
            ctypes.set_errno(0)
            results.append((call(), ctypes.get_errno()))
    """, "results")
    assert out.ok
    assert [(i["items"][0]["v"], i["items"][1]["v"]) for i in out.value["items"]] == [(-1, 1)] * 4


def test_finding_7_memfds_cannot_hold_memory_outside_the_limit(engine: Engine) -> None:
    out = run(engine, "import os", "os.memfd_create('hold')")
    assert out.raised and out.error_type == "PermissionError"


def test_finding_8_no_datagram_reaches_a_unix_socket_on_the_host(engine: Engine, tmp_path: Path) -> None:
    import socket

    path = str(tmp_path / "host.sock")
    host = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    host.bind(path)
    host.settimeout(0.5)
    try:
        out = run(engine, f"""
            import socket
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            a.sendto(b"hello", {path!r})
        """)
        assert out.raised and out.error_type == "PermissionError"
        raw = run(engine, """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            fds = (ctypes.c_int * 2)()
            made = libc.socketpair(1, 2, 0, fds)
        """, "made")
        assert raw.ok and raw.value == {"t": "int", "v": -1}
        with pytest.raises(TimeoutError):
            host.recv(100)
    finally:
        host.close()


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[1A\r\u202e\x9b31m"
CONTROLS = [ch for ch in ESCAPES if not ch.isprintable()]


def test_finding_9_control_characters_never_reach_the_front_ends(engine: Engine) -> None:
    shown = run(engine, f"""
        class Evil:
            def __repr__(self):
                return {ESCAPES!r}
        print({ESCAPES!r})
    """, "Evil()")
    raised = run(engine, f"class E(Exception): pass\nraise E({ESCAPES!r})")
    names = run(engine, f"X = type({('X' + ESCAPES)!r}, (Exception,), {{}})\nraise X()")
    for out in (shown, raised, names):
        for text in (out.display, out.stdout, out.error_message or "", out.error_type or "", *out.error_types,
                     str(out.value)):
            assert not any(ch in text for ch in CONTROLS), (out, text)
    assert "\\x1b]0;pwned\\x07" in shown.display and "\\x1b]0;pwned" in shown.stdout
    assert shown.value["t"] == "other" and "\\x1b" in shown.value["repr"]
    assert raised.raised and raised.error_type == "E" and "\\x1b[2J" in (raised.error_message or "")
    # Data used for grading is kept exact: a string result still holds its characters.
    exact = run(engine, "", repr(ESCAPES))
    assert exact.ok and exact.value == {"t": "str", "v": ESCAPES} and "\x1b" not in exact.display


HOSTILE_DECK = """
deck: evil
title: Evil
cards:
  - id: title
    kind: value
    setup: print("\\x1b]0;pwned\\x07")
    ask: "'\\x1b[2J'"
    expect: "'\\x1b[1A\\x1b[2K'"
  - id: raises
    kind: value
    ask: "exec('raise ValueError(chr(27) + \\"[2J\\")')"
    expect: "3"
"""


def test_finding_9_deck_check_prints_no_control_characters(home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "evil.yaml"
    deck.write_text(HOSTILE_DECK)
    env = dict(os.environ, QUIZAPP_HOME=str(home))
    for extra in ([], ["--json"]):
        proc = subprocess.run([sys.executable, "-m", "quizapp", "deck", "check", str(deck), *extra],
                              capture_output=True, env=env, timeout=300)
        assert proc.returncode == 1, proc.stderr
        assert b"\x1b" not in proc.stdout and b"\x1b" not in proc.stderr
        if extra:
            data = json.loads(proc.stdout)
            assert {c["status"] for c in data["cards"]} == {"mismatch"}
            assert all("\x1b" not in json.dumps(c, ensure_ascii=False) for c in data["cards"])
        else:
            assert b"MISMATCH" in proc.stdout and b"\\x1b[2J" in proc.stdout


def test_finding_10_threads_are_bounded(engine: Engine) -> None:
    out = run(engine, """
        import threading, time
        threading.stack_size(64 * 1024)
        started = 0
        try:
            for _ in range(3000):
                threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
                started += 1
        except RuntimeError:
            pass
    """, "started")
    assert out.ok and 0 < out.value["v"] <= 64


def test_finding_11_import_path_folders_are_not_readable(engine: Engine) -> None:
    import quizapp

    project = Path(quizapp.__file__).resolve().parent.parent  # an editable install puts this on sys.path
    probe = project / "pyproject.toml"
    if not probe.exists():
        pytest.skip("quizapp is not installed from a source checkout here")
    out = run(engine, f"open({str(probe)!r}).read()")
    assert out.raised and out.error_type == "PermissionError"
    listing = run(engine, f"import os; os.listdir({str(project)!r})")
    assert listing.raised
    own = run(engine, "import quizapp.core.execution.limits as m", "m.Limits().wall_seconds")
    assert own.ok  # quizapp's own package stays importable


def test_finding_11_no_inotify(engine: Engine) -> None:
    out = run(engine, "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)", "libc.inotify_init()")
    assert out.ok and out.value == {"t": "int", "v": -1}


def test_finding_11_scratch_has_a_quota_in_bytes_and_files(engine: Engine) -> None:
    if any("no total quota" in m for m in engine.enforcement()):
        pytest.skip("no private mount namespace here: the quota is reported as not enforced")
    big = run(engine, """
        written = 0
        try:
            for i in range(40):
                with open(f"f{i}", "wb") as f:
                    f.write(b"x" * (8 * 1024 * 1024))
                written += 8
        except OSError as exc:
            err = exc.errno
    """, "(written, err)", limits=Limits(wall_seconds=30, memory_mb=512))
    assert big.ok and big.value["items"][0]["v"] < 70 and big.value["items"][1] == {"t": "int", "v": 28}  # ENOSPC
    many = run(engine, """
        made = 0
        try:
            for i in range(100_000):
                open(f"n{i}", "w").close()
                made += 1
        except OSError as exc:
            err = exc.errno
    """, "(made, err)", limits=Limits(wall_seconds=30, memory_mb=512))
    assert many.ok and many.value["items"][0]["v"] < 5000 and many.value["items"][1] == {"t": "int", "v": 28}


def test_closing_the_engine_while_a_card_runs_answers_at_once(home: Path, engine_factory) -> None:  # noqa: ANN001
    with engine_factory(home, LIMITS) as eng:
        future = eng.submit(Job("import time\ntime.sleep(60)", "1", "value"), Limits(wall_seconds=60))
        time.sleep(0.5)
        eng.close()
        assert future.done() and future.result().failed


def test_finding_4_the_worker_and_its_cards_live_in_a_cgroup_of_their_own(engine: Engine) -> None:
    if any("cgroup" in m for m in engine.enforcement()):
        pytest.skip("no cgroup v2 folder can be made here: reported as not enforced")
    worker = engine.worker_pid
    out = run(engine, "", "open('/proc/self/cgroup').read()")
    line = next(entry for entry in Path(f"/proc/{worker}/cgroup").read_text().splitlines() if entry.startswith("0::"))
    assert line.endswith(f"/quizapp-worker-{worker}")
    assert out.ok and f"quizapp-worker-{worker}" in out.value["v"]
