"""Findings against the synthetic truth: sessions, top targets, jurisdiction, homes.

    .venv/bin/python bench/findings.py --scale small --seed 7

Prints session precision/recall, precision of the top-N buyers (N = number of truth
priority buyers), benign remitters / hubs / window shoppers in the top N, jurisdiction
accuracy, and the median error of facilitator home estimates, plus the analysis time and
the time of a plain DuckDB scan of the same messages as a same-run baseline.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

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


def targets(case: Case, synth: Path) -> dict[str, object]:
    accounts = truth_accounts(synth)
    ours = our_accounts(case)
    truth_of_ours: dict[str, set[str]] = {}
    for key, person in accounts.items():
        if key in ours:
            truth_of_ours.setdefault(ours[key], set()).add(person["person_id"])
    persons = {p["person_id"]: p for p in load(synth / "truth" / "persons.jsonl")}
    priority = {p["person_id"] for p in load(synth / "truth" / "priority_buyers.jsonl")}
    remitters = {p["person_id"] for p in load(synth / "truth" / "benign_remitters.jsonl")}
    ranked = case.engine.query_dicts('SELECT * FROM targets ORDER BY "rank"')
    n = len(priority)
    top = ranked[:n]
    good = sum(1 for t in top if truth_of_ours.get(t["person_id"], set()) & priority)
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
    return {
        "top_n": n,
        "top_n_precision": round(good / max(n, 1), 3),
        "benign_in_top_n": bad_kinds,
        "jurisdiction_accuracy": round(correct / max(total, 1), 3),
        "targets": len(ranked),
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


def main() -> None:
    opts = args(__doc__)
    with analysed_world(opts.scale, opts.seed) as (synth, case, took):
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
