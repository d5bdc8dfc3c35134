"""Confidence gates who is a target; priority orders them; ranks per country restart."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path

import pytest

from threadline import Case
from threadline.errors import UsageError
from threadline.score import confidence, priority
from threadline.score import rules as rule_files
from threadline.score.targets import rank_key, score

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from calibration import paying_buyers, truth_of_ours

RULES = rule_files.load()


def test_calibration_model_loads_with_its_provenance() -> None:
    model = confidence.load()
    for key in ("scale", "seed", "fitted_at", "commit", "label", "persons", "positives"):
        assert model.provenance[key] not in (None, ""), key
    assert set(model.coefficients) <= set(confidence.FEATURES)
    quiet = {"sessions": 0, "negotiation_messages": 1, "request_sent": 1}
    busy = {**quiet, "sessions": 12, "session_confidence": 0.9, "payments_to_ph": 12}
    assert 0.0 < model.confidence(quiet) < model.confidence(busy) < 1.0


def test_a_model_file_without_provenance_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(json.dumps({"intercept": 0, "coefficients": {"sessions": 1.0}}))
    with pytest.raises(UsageError, match="provenance"):
        confidence.load(path)


def _facts(sessions: int, usd: float, days: float) -> dict[str, object]:
    end = datetime(2024, 6, 1)
    return {
        "sessions": sessions,
        "facilitators": min(sessions, 3),
        "networks": 1,
        "usd": usd,
        "first_at": datetime(2024, 6, 1) - (end - datetime(2024, 6, 1)) - _days(days),
        "last_at": end,
        "case_end": end,
        "aggravating": 0,
    }


def _days(n: float) -> object:
    from datetime import timedelta

    return timedelta(days=n)


def _row(person: str, facts: dict[str, object], metrics: dict[str, object], conf: float) -> dict:
    parts = priority.components(facts, metrics, "GB", RULES.priority)
    return {"person_id": person, "confidence": conf, "priority": sum(p for *_, p in parts)}


def test_priority_puts_a_heavy_spender_above_a_one_session_buyer() -> None:
    heavy = _row(
        "P_b_heavy",
        {**_facts(40, 2400.0, 900), "growth": 1.4},
        {"payments_to_ph": 45, "amount_slope": 0.2, "ph_logins": 0},
        0.97,
    )
    once = _row("P_a_once", _facts(1, 30.0, 0), {"payments_to_ph": 1, "ph_logins": 0}, 0.97)
    parts = {c[0] for c in priority.components(_facts(40, 2400.0, 900), {}, "GB", RULES.priority)}
    assert {"paid_sessions", "total_spend", "recency"} <= parts
    assert [r["person_id"] for r in sorted([once, heavy], key=rank_key)] == [
        "P_b_heavy",
        "P_a_once",
    ]


def test_a_window_shopper_never_outranks_a_payer() -> None:
    shopper = _row(
        "P_a_shopper",
        {"sessions": 0, "aggravating": 5},
        {"negotiation_messages": 300, "ph_logins": 9, "payments_to_ph": 0},
        0.99,
    )
    payer = _row("P_z_payer", _facts(1, 5.0, 0), {"payments_to_ph": 1, "ph_logins": 0}, 0.51)
    assert shopper["priority"] == 0
    assert payer["priority"] > 0
    assert sorted([shopper, payer], key=rank_key)[0]["person_id"] == "P_z_payer"


def test_window_shoppers_rank_after_every_payer_on_synthetic_truth(
    tiny_world: tuple[Path, Path], tiny_case: Case
) -> None:
    persons = {
        json.loads(line)["person_id"]: json.loads(line)
        for line in (tiny_world[0] / "truth" / "persons.jsonl").read_text().splitlines()
    }
    truth = truth_of_ours(tiny_case, tiny_world[0])
    payers = paying_buyers(tiny_world[0])
    ranked = tiny_case.targets()
    payer_ranks = [t["rank"] for t in ranked if truth.get(t["person_id"], set()) & payers]
    shopper_ranks = [
        t["rank"]
        for t in ranked
        if truth.get(t["person_id"])
        and all(persons[i].get("buyer_kind") == "window_shopper" for i in truth[t["person_id"]])
    ]
    assert payer_ranks
    assert not shopper_ranks or min(shopper_ranks) > max(payer_ranks)


def test_country_rank_restarts_per_country(tiny_case: Case) -> None:
    ranked = tiny_case.targets()
    assert [t["rank"] for t in ranked] == list(range(1, len(ranked) + 1))
    by_country: dict[str, list[int]] = {}
    for t in ranked:
        by_country.setdefault(str(t["country"]), []).append(int(t["country_rank"]))
    assert len(by_country) >= 2
    for country, ranks in by_country.items():
        assert ranks == list(range(1, len(ranks) + 1)), country
    priorities = [t["priority"] for t in ranked]
    assert priorities == sorted(priorities, reverse=True)


def test_the_confidence_floor_excludes(tiny_case_copy: Case) -> None:
    everyone = tiny_case_copy.engine.query_dicts("SELECT person_id, confidence FROM targets")
    values = sorted(float(t["confidence"]) for t in everyone)
    floor = values[len(values) // 2]
    strict = dataclasses.replace(
        RULES, priority=dataclasses.replace(RULES.priority, confidence_floor=floor)
    )
    with tiny_case_copy.audited("score", {"test": "confidence floor"}):
        ranked = score(tiny_case_copy.engine, strict)
    below = {str(t["person_id"]) for t in everyone if float(t["confidence"]) < floor}
    assert below
    assert all(float(t["confidence"]) >= floor for t in ranked)
    assert not below & {str(t["person_id"]) for t in tiny_case_copy.targets()}
    annex = [t for t in tiny_case_copy.targets(below_floor=True) if t["person_id"] in below]
    assert len(annex) == len(below)
    assert all(t["rank"] is None and t["country_rank"] is None for t in annex)


def test_targets_export_carries_both_ranks_priority_and_confidence(
    tiny_case_copy: Case, tmp_path: Path
) -> None:
    tiny_case_copy.export(tmp_path / "out")
    lines = (tmp_path / "out" / "targets.jsonl").read_text().splitlines()
    rows = [json.loads(x) for x in lines]
    assert rows
    for r in rows:
        assert {"person_id", "rank", "country_rank", "priority", "confidence", "reasons"} <= set(r)
    ranked = [r for r in rows if r["rank"] is not None]
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(r["rank"] is None for r in rows[len(ranked) :])  # the annex follows
    kinds = {x["kind"] for r in ranked for x in r["reasons"]}
    assert {"indicator", "confidence", "priority", "jurisdiction"} <= kinds
