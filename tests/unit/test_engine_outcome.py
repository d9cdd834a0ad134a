"""Outcome.from_report: what a card's child sends is checked before anything reaches the app.

A hostile snippet controls its child process, so the report can be anything JSON can hold.
"""

from __future__ import annotations

import json

import pytest

from quizapp.core.execution.outcome import Outcome


@pytest.mark.parametrize("report", [
    None, 3, "ok", [], {}, {"status": "maybe"}, {"status": ["ok"]},
    {"status": "ok"}, {"status": "ok", "value": "tensor"}, {"status": "ok", "value": {"v": 1}},
    {"status": "ok", "value": {"t": 5}},
])
def test_unreadable_reports_become_failures(report: object) -> None:
    outcome = Outcome.from_report(report, seconds=0.5)
    assert outcome.failed and outcome.reason.startswith("the card reported an unreadable outcome: ")
    assert outcome.seconds == 0.5


def test_fields_of_the_wrong_type_are_dropped() -> None:
    outcome = Outcome.from_report({"status": "raised", "error_type": 7, "error_types": "RuntimeError",
                                   "error_message": {"x": 1}, "display": None, "stdout": 12,
                                   "value": {"t": "int", "v": 1}, "reason": "ignored"}, seconds=0.0)
    assert outcome.raised
    assert outcome.error_type is None and outcome.error_types == () and outcome.error_message == ""
    assert outcome.display == "" and outcome.stdout == "" and outcome.value is None and outcome.reason is None


def test_a_good_report_round_trips_through_json() -> None:
    report = {"status": "ok", "value": {"t": "tuple", "items": [{"t": "int", "v": 2}], "name": None, "fields": None},
              "display": "(2,)", "stdout": "hi\n", "missing": []}
    outcome = Outcome.from_report(report, seconds=0.25)
    assert outcome.ok and outcome.display == "(2,)" and outcome.stdout == "hi\n"
    assert Outcome.from_json(outcome.to_json()) == outcome


def test_a_failure_keeps_only_its_reason_and_output() -> None:
    outcome = Outcome.from_report({"status": "failed", "reason": "memory limit of 512 MB exceeded",
                                   "value": {"t": "int", "v": 1}, "stdout": "partial"}, seconds=1.0)
    assert outcome.failed and outcome.reason == outcome.display == "memory limit of 512 MB exceeded"
    assert outcome.value is None and outcome.stdout == "partial"
    assert json.loads(outcome.to_json())["status"] == "failed"
