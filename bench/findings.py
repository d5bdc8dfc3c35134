"""Findings against the synthetic truth: sessions, top targets, jurisdiction, homes.

    .venv/bin/python bench/findings.py --scale small --seed 7

Prints session precision/recall; precision and recall of the top-N targets by priority
(N = number of truth priority buyers), innocents (no truth paying buyer behind them) in
the top N, and the same three for a same-run baseline ranking every buyer by count of paid
sessions; the Brier score of the calibrated confidence (and of the uncalibrated noisy-OR
score); benign remitters / hubs / window shoppers in the top N; jurisdiction accuracy;
the median error of facilitator home estimates; the analysis time and the time of a plain
DuckDB scan of the same messages as a same-run baseline. ``--case DIR --data DIR`` measure
a case already analysed from that synthetic data instead of generating one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import calibration
from threadline import Case
from threadline.score.rescue import distance_km
from truth import (
    account_key,
    analysed_world,
    args,
    load,
    our_accounts,
    our_person_of_truth,
    truth_accounts,
)


def sessions(case: Case, synth: Path) -> dict[str, float]:
    truth = load(synth / "truth" / "sessions.jsonl")
    index = {}
    for t in truth:
        for tx in t["payment_transaction_ids"]:
            index[
                (
                    account_key(t["buyer"]["platform"], t["buyer"]["account_id"]),
                    account_key(t["seller"]["platform"], t["seller"]["account_id"]),
                    tx,
                )
            ] = t["session_id"]
    ours = case.engine.query_dicts(
        "SELECT buyer_platform, buyer_account, seller_platform, seller_account, "
        "payment_transaction_ids FROM sessions"
    )
    found, false = set(), 0
    for s in ours:
        b = account_key(s["buyer_platform"], s["buyer_account"])
        sel = account_key(s["seller_platform"], s["seller_account"])
        hits = [index[(b, sel, tx)] for tx in s["payment_transaction_ids"] if (b, sel, tx) in index]
        found.update(hits)
        false += not hits
    return {
        "session_precision": round(1 - false / max(len(ours), 1), 3),
        "session_recall": round(len(found) / max(len(truth), 1), 3),
        "sessions_found": len(ours),
        "sessions_true": len(truth),
    }


def _top_n(
    order: list[str], n: int, truth: dict[str, set[str]], priority: set[str], payers: set[str]
) -> dict[str, object]:
    """Precision and recall of the first ``n`` persons of ``order``, innocents among them."""
    top = order[:n]
    good = sum(1 for p in top if truth.get(p, set()) & priority)
    found = set().union(*(truth.get(p, set()) & priority for p in top)) if top else set()
    innocents = sum(1 for p in top if not truth.get(p, set()) & payers)
    return {
        "precision": round(good / max(n, 1), 3),
        "recall": round(len(found) / max(len(priority), 1), 3),
        "innocents": innocents,
    }


def targets(case: Case, synth: Path) -> dict[str, object]:
    persons = {p["person_id"]: p for p in load(synth / "truth" / "persons.jsonl")}
    truth_of_ours = calibration.truth_of_ours(case, synth)
    payers = calibration.paying_buyers(synth)
    priority = {p["person_id"] for p in load(synth / "truth" / "priority_buyers.jsonl")}
    remitters = {p["person_id"] for p in load(synth / "truth" / "benign_remitters.jsonl")}
    ranked = case.engine.query_dicts(
        'SELECT * FROM targets WHERE "rank" IS NOT NULL ORDER BY "rank"'
    )
    n = len(priority)
    top = ranked[:n]
    ours = _top_n([t["person_id"] for t in ranked], n, truth_of_ours, priority, payers)
    # Same-run baseline: every person the case calls a buyer, by count of paid sessions.
    by_sessions = [
        str(p)
        for p, _ in case.engine.query(
            """SELECT m.person_id, m.sessions FROM person_metrics m
               JOIN person_roles r USING (person_id) WHERE r.role = 'buyer'
               ORDER BY m.sessions DESC, m.person_id"""
        )
    ]
    base = _top_n(by_sessions, n, truth_of_ours, priority, payers)
    bad_kinds: dict[str, int] = {}
    for t in top:
        for tid in truth_of_ours.get(t["person_id"], set()):
            p = persons[tid]
            kind = (
                "benign_remitter"
                if tid in remitters
                else p["role"]
                if p["role"] != "buyer"
                else "window_shopper"
                if p.get("buyer_kind") == "window_shopper"
                else ""
            )
            if kind and kind not in ("facilitator", "mule", "relative"):
                bad_kinds[kind] = bad_kinds.get(kind, 0) + 1
    correct = total = 0
    for t in ranked:
        tids = truth_of_ours.get(t["person_id"], set())
        countries = {persons[i]["country"] for i in tids if persons[i]["role"] == "buyer"}
        if countries:
            total += 1
            correct += t["country"] in countries
    every_reason_has_rows = all(r["evidence"] for t in ranked for r in json.loads(t["reasons"]))
    top50 = [t["priority"] for t in ranked[:50]]
    calib = calibration.measure(case, synth)
    scored = case.engine.query_dicts("SELECT person_id, score FROM targets")
    labels = [1.0 if truth_of_ours.get(t["person_id"], set()) & payers else 0.0 for t in scored]
    score_brier = sum((float(t["score"]) - y) ** 2 for t, y in zip(scored, labels, strict=True))
    return {
        "top_n": n,
        "top_n_precision": ours["precision"],
        "top_n_recall": ours["recall"],
        "innocents_in_top_n": ours["innocents"],
        "baseline_top_n_precision": base["precision"],
        "baseline_top_n_recall": base["recall"],
        "baseline_innocents_in_top_n": base["innocents"],
        "brier": calib["brier"],
        "noisy_or_score_brier": round(score_brier / max(len(scored), 1), 4),
        "benign_in_top_n": bad_kinds,
        "jurisdiction_accuracy": round(correct / max(total, 1), 3),
        "targets": len(ranked),
        "below_confidence_floor": len(scored) - len(ranked),
        "shared_priorities_in_top_50": len(top50) - len(set(top50)),
        "every_reason_has_rows": every_reason_has_rows,
    }


def homes(case: Case, synth: Path) -> dict[str, object]:
    accounts = truth_accounts(synth)
    ours = our_accounts(case)
    mapping = our_person_of_truth(accounts, ours)
    est = {
        p: (a, o)
        for p, a, o in case.engine.query(
            "SELECT person_id, lat, lon FROM rescue WHERE lat IS NOT NULL"
        )
    }
    errors = []
    for h in load(synth / "truth" / "facilitator_homes.jsonl"):
        ourp = mapping.get(h["person_id"])
        if ourp in est:
            errors.append(distance_km(est[ourp], (h["lat"], h["lon"])))
    return {
        "homes_estimated": len(errors),
        "home_median_error_km": round(statistics.median(errors), 3) if errors else None,
    }


@contextmanager
def world(opts: argparse.Namespace) -> Iterator[tuple[Path, Case, float]]:
    """The analysed world of ``--case``/``--data``, or a freshly generated one."""
    if opts.case:
        with Case.open(Path(opts.case)) as case:
            yield Path(opts.data), case, 0.0
        return
    with analysed_world(opts.scale, opts.seed) as found:
        yield found


def main() -> None:
    sys.argv, rest = sys.argv[:1], sys.argv[1:]
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--case")
    extra.add_argument("--data")
    more, sys.argv[1:] = extra.parse_known_args(rest)
    opts = args(__doc__)
    opts.case, opts.data = more.case, more.data
    with world(opts) as (synth, case, took):
        t = time.perf_counter()
        case.engine.query("SELECT count(*), count(DISTINCT sender), max(sent_at) FROM messages")
        scan = time.perf_counter() - t
        result = {
            "scale": opts.scale,
            "analysis_s": round(took, 1),
            "baseline_scan_s": round(scan, 3),
            **sessions(case, synth),
            **targets(case, synth),
            **homes(case, synth),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
