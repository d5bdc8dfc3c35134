"""Ranking holds as cases grow longer: saturated scores are ordered by paid sessions."""

from __future__ import annotations

from threadline.score.targets import rank_key


def test_equally_certain_targets_are_ordered_by_paid_sessions() -> None:
    rows = [
        {"person_id": "P_occasional", "score": 0.9988, "sessions": 6},
        {"person_id": "P_heavy", "score": 0.9979, "sessions": 85},
        {"person_id": "P_window", "score": 0.96, "sessions": 0},
        {"person_id": "P_uncertain_busy", "score": 0.93, "sessions": 200},
        {"person_id": "P_occasional_b", "score": 0.9984, "sessions": 6},
    ]
    order = [r["person_id"] for r in sorted(rows, key=rank_key)]
    assert order == [
        "P_heavy",
        "P_occasional",
        "P_occasional_b",
        "P_window",
        "P_uncertain_busy",
    ]
