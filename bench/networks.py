"""Networks and roles against the synthetic truth, and Leiden (igraph) against networkx Louvain.

.venv/bin/python bench/networks.py --scale small --seed 7
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sklearn.metrics import adjusted_rand_score

from threadline import Case
from truth import (
    analysed_world,
    args,
    load,
    our_accounts,
    our_person_of_truth,
    prf,
    truth_accounts,
)

ROLE_OF_TRUTH = {"facilitator": "facilitator", "buyer": "buyer", "mule": "mule", "hub": "hub"}


def evaluate(case: Case, synth: Path) -> dict[str, object]:
    accounts = truth_accounts(synth)
    ours = our_accounts(case)
    roles = dict(case.engine.query("SELECT person_id, role FROM person_roles"))
    nets = dict(
        case.engine.query(
            "SELECT person_id, network_id FROM network_members WHERE role = 'facilitator'"
        )
    )
    mapping = our_person_of_truth(accounts, ours)
    truth = {p["person_id"]: p for p in load(synth / "truth" / "persons.jsonl")}
    out: dict[str, object] = {}
    # roles, scored per account (a truth person split over several of ours counts each part)
    for role in ("facilitator", "buyer"):
        tp = fp = fn = 0
        for key, person in accounts.items():
            predicted = roles.get(ours.get(key, ""), "other") == role
            actual = ROLE_OF_TRUTH.get(person["role"]) == role
            tp += predicted and actual
            fp += predicted and not actual
            fn += actual and not predicted
        out[f"{role}_precision"], out[f"{role}_recall"], out[f"{role}_f1"] = (
            round(x, 3) for x in prf(tp, fp, fn)
        )
    out["hubs_as_facilitator"] = sum(
        1
        for key, p in accounts.items()
        if p["role"] == "hub" and roles.get(ours.get(key, "")) == "facilitator"
    )
    labels_true, labels_pred = [], []
    for tid, person in truth.items():
        if person["role"] != "facilitator":
            continue
        ourp = mapping.get(tid)
        labels_true.append(person["network_id"] or tid)
        labels_pred.append(nets.get(ourp or "", f"none:{tid}"))
    out["network_ari"] = round(adjusted_rand_score(labels_true, labels_pred), 3)
    out["truth_networks"] = len(set(labels_true))
    out["our_networks"] = len({x for x in labels_pred if not x.startswith("none:")})
    out["predicted_roles"] = dict(Counter(roles.values()))
    return out


def leiden_vs_louvain(case: Case) -> dict[str, float]:
    import igraph as ig
    import leidenalg
    import networkx as nx

    edges = case.engine.query("SELECT a, b, n FROM person_edges")
    names = sorted({a for a, _, _ in edges} | {b for _, b, _ in edges})
    idx = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(idx[a], idx[b]) for a, b, _ in edges])
    g.es["weight"] = [float(w) for _, _, w in edges]
    t = time.perf_counter()
    leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights="weight", seed=1)
    leiden = time.perf_counter() - t
    nxg = nx.Graph()
    nxg.add_weighted_edges_from([(a, b, float(w)) for a, b, w in edges])
    t = time.perf_counter()
    nx.community.louvain_communities(nxg, weight="weight", seed=1)
    louvain = time.perf_counter() - t
    return {
        "leiden_s": round(leiden, 4),
        "networkx_louvain_s": round(louvain, 4),
        "louvain_over_leiden": round(louvain / leiden, 1) if leiden else float("inf"),
    }


def main() -> None:
    opts = args(__doc__)
    with analysed_world(opts.scale, opts.seed) as (synth, case, took):
        print(f"analysis: {took:.1f} s")
        print(evaluate(case, synth))
        print(leiden_vs_louvain(case))


if __name__ == "__main__":
    main()
