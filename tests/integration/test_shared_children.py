"""deck check's shared children: one deck's cards one after another in one child, with the same
outcomes as a fresh child per card (sharing.py screens the code, state_guard.py checks after each card)."""

from __future__ import annotations

import dataclasses

from quizapp.core.execution.engine import Engine, Job
from quizapp.core.execution.limits import Limits
from quizapp.core.execution.outcome import Outcome


def _seen(outcome: Outcome) -> tuple[object, ...]:
    return outcome.status, outcome.display, outcome.error_type, outcome.stdout, outcome.reason


def _both(engine: Engine, jobs: list[Job], limits: Limits | None = None) -> tuple[list[Outcome], list[Outcome]]:
    fresh = engine.run_many(jobs, limits=limits)
    shared = engine.run_many([dataclasses.replace(j, group="deck") for j in jobs], limits=limits)
    return fresh, shared


OBSERVE_RELU = Job(setup=None, ask="torch.nn.functional.relu(torch.tensor([-1.0, 2.0]))", kind="value")
OBSERVE_REPR = Job(setup="print(torch.tensor([1.23456789]))", ask="1", kind="value")
# torch's C++ code shows this warning once per process (TORCH_WARN_ONCE): each fresh child shows it.
OBSERVE_WARNING = Job(setup="y = torch.ones(3, 2, 1).T", ask="y", kind="shape")


def test_plain_cards_share_a_child_and_give_what_fresh_children_give(engine: Engine) -> None:
    jobs = [Job(setup=f"x = torch.arange({n}.0).view(-1, 1)", ask="x.t() @ x", kind="value") for n in range(1, 31)]
    fresh, shared = _both(engine, jobs)
    assert [_seen(o) for o in shared] == [_seen(o) for o in fresh]
    assert all(o.ok for o in shared)
    # Sharing did happen: far fewer processes than cards (two run at once, spares aside).
    assert len({o.extra["pid"] for o in shared}) < 10
    assert len({o.extra["pid"] for o in fresh}) == len(jobs)


def test_a_card_that_patches_torch_through_an_alias_does_not_reach_the_next(engine: Engine) -> None:
    # The aliases pass the static screen; the check after the card sees the change and ends the child.
    changers = [
        Job(setup="g = torch.nn.functional\ng.relu = abs", ask="1", kind="value"),
        Job(setup="p = torch._tensor_str.PRINT_OPTS\np.precision = 1", ask="1", kind="value"),
        Job(setup="L = nn.Linear\nL.forward = lambda self, x: x", ask="1", kind="value"),
    ]
    jobs = []
    for changer in changers:
        jobs += [OBSERVE_RELU, OBSERVE_REPR, changer, OBSERVE_RELU, OBSERVE_REPR]
    fresh, shared = _both(engine, jobs)
    assert [_seen(o) for o in shared] == [_seen(o) for o in fresh]
    assert shared[3].display == fresh[0].display and "1.2346" in shared[4].stdout


def test_a_warning_shown_once_per_process_is_shown_to_every_card(engine: Engine) -> None:
    fresh, shared = _both(engine, [OBSERVE_WARNING] * 4)
    assert all(o.ok and "x.T" in o.stdout for o in fresh)
    assert [_seen(o) for o in shared] == [_seen(o) for o in fresh]


def test_a_card_over_a_fresh_childs_memory_limit_fails_as_it_would_alone(engine: Engine) -> None:
    limits = Limits(wall_seconds=10, memory_mb=128)
    big = Job(setup="x = torch.ones(40 * 1024 * 1024)", ask="x.numel()", kind="value")  # 160 MB
    jobs = [OBSERVE_RELU, big, OBSERVE_RELU, OBSERVE_RELU]
    fresh, shared = _both(engine, jobs, limits)
    assert fresh[1].failed and "memory" in (fresh[1].reason or "")
    assert [_seen(o) for o in shared] == [_seen(o) for o in fresh]


def test_raising_cards_and_time_limits_are_reported_as_alone(engine: Engine) -> None:
    limits = Limits(wall_seconds=1.5)
    jobs = [Job(setup=None, ask="torch.zeros(2, 3) @ torch.zeros(2, 3)", kind="raises"),
            Job(setup="while True:\n    pass", ask="1", kind="value"), OBSERVE_RELU, OBSERVE_RELU]
    fresh, shared = _both(engine, jobs, limits)
    assert shared[0].status == "raised" and shared[1].failed and "time limit" in (shared[1].reason or "")
    assert [_seen(o)[:3] for o in shared] == [_seen(o)[:3] for o in fresh]


def test_cards_of_different_decks_never_share(engine: Engine) -> None:
    jobs = [dataclasses.replace(OBSERVE_RELU, group=f"deck-{i % 2}") for i in range(12)]
    outcomes = engine.run_many(jobs)
    by_pid: dict[int, set[str | None]] = {}
    for job, outcome in zip(jobs, outcomes, strict=True):
        by_pid.setdefault(outcome.extra["pid"], set()).add(job.group)
    assert all(len(groups) == 1 for groups in by_pid.values())


LAZY = Job(setup=None, ask="torch.zeros(torch.broadcast_shapes((2, 1), (3,)))", kind="shape",
           preload=("sympy", "torch.fx.experimental.symbolic_shapes"))


def test_a_deck_that_imports_lazily_imports_once_in_its_child_and_the_rest_runs_beside_it(
        engine: Engine) -> None:
    # The lazy cards' child imports their modules before its first card (so the cards import nothing
    # themselves); the plain cards run in other children meanwhile.
    plain = [Job(setup=None, ask=f"torch.ones({n}, 2).sum(0)", kind="value") for n in range(1, 25)]
    jobs = [dataclasses.replace(j, group="deck") for j in [LAZY] * 3 + plain]
    outcomes = engine.run_many(jobs)
    assert all(o.ok for o in outcomes)
    lazy_pids = {o.extra["pid"] for o in outcomes[:3]}
    assert len(lazy_pids) == 1
    assert not any(o.extra.get("imported") for o in outcomes[:3])
    assert lazy_pids.isdisjoint(o.extra["pid"] for o in outcomes[3:])
    fresh = engine.run_many([dataclasses.replace(j, group=None) for j in jobs])
    assert [_seen(o) for o in outcomes] == [_seen(o) for o in fresh]


def test_the_lazy_imports_of_a_shared_child_are_not_on_its_first_cards_clock(engine: Engine) -> None:
    # Importing sympy takes longer than this limit here; a fresh child whose worker preloaded it
    # would not pay it either, so neither may the shared child's first card.
    outcomes = engine.run_many([dataclasses.replace(LAZY, group="lazy-deck")] * 2, limits=Limits(wall_seconds=0.15))
    assert [o.status for o in outcomes] == ["ok", "ok"], [o.reason for o in outcomes]
