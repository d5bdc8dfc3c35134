"""Networks and roles against the synthetic truth, and Leiden (igraph) against networkx Louvain.

.venv/bin/python bench/networks.py --scale small --seed 7
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sklearn.metrics import adjusted_rand_score

from threadline import Case
from truth import (
    analysed_world,
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


def kept_world(keep: Path, scale: str, seed: int) -> tuple[Path, Path, float | None]:
    """Synthetic data and an analysed case kept under ``keep`` (made once): (data, case, s)."""
    from threadline.synth import generate

    data, case_dir = keep / f"{scale}-{seed}" / "data", keep / f"{scale}-{seed}" / "case"
    if not (data / "manifest.json").is_file():
        generate(data, scale=scale, seed=seed)
    if (case_dir / "analysed").is_file():
        return data, case_dir, None
    shutil.rmtree(case_dir, ignore_errors=True)
    with Case.init(case_dir) as case:
        case.ingest_manifest(data / "manifest.json")
        started = time.perf_counter()
        done = case.analyze()
        took = time.perf_counter() - started
    steps = [(d["stage"], d["seconds"]) for d in done]
    print("stage seconds:", ", ".join(f"{name} {sec:.1f}" for name, sec in steps))
    (case_dir / "analysed").write_text(f"{took}\n")
    return data, case_dir, took


def rerun_networks(case: Case, resolution: float | None = None) -> float:
    """Network detection alone, again, on the case's current roles: seconds it took."""
    from threadline.graph import networks
    from threadline.graph import sql as graph_sql
    from threadline.graph.stage import NETWORK_RULES

    started = time.perf_counter()
    with case.engine.transaction():
        rules = NETWORK_RULES
        if resolution is not None:
            rules = dataclasses.replace(rules, resolution=resolution)
        networks.build(case.engine, graph_sql.roles(case.engine), rules)
    return time.perf_counter() - started


def explain(case: Case, synth: Path) -> None:
    """Why planted networks merge or split: the ties across truth networks, by kind."""
    from threadline.graph import networks
    from threadline.graph import sql as graph_sql

    accounts = truth_accounts(synth)
    ours = our_accounts(case)
    roles = graph_sql.roles(case.engine)
    nets = dict(case.engine.query("SELECT person_id, network_id FROM network_members"))
    # our person -> the truth persons (and their roles, networks) whose accounts it holds
    held: dict[str, Counter[str]] = {}
    label: dict[str, str] = {}
    for key, person in accounts.items():
        if key in ours:
            held.setdefault(ours[key], Counter())[person["person_id"]] += 1
            net = person.get("network_id")
            label[person["person_id"]] = f"{person['role']}@{net if net is not None else '-'}"

    def who(p: str) -> str:
        c = held.get(p, Counter())
        parts = ",".join(f"{label[t]}x{n}" for t, n in c.most_common(4))
        more = f" (+{len(c) - 4} more)" if len(c) > 4 else ""
        return f"{p[:10]} {roles.get(p)} [{parts}{more}] net={nets.get(p, '-')}"

    def truth_net(p: str) -> set[str]:
        return {label[t].split("@")[1] for t in held.get(p, Counter())} - {"-"}

    # payment identities (mules have no accounts): by provider and phone or account
    by_pay: dict[tuple[str, str], dict[str, object]] = {}
    for person in load(synth / "truth" / "persons.jsonl"):
        for ident in person.get("payment_identities") or []:
            for v in (ident.get("phone"), ident.get("account")):
                if v:
                    by_pay[(str(ident["provider"]).lower(), str(v).lower())] = person
    for pid, provider, account, phone in case.engine.query(
        """SELECT m.person_id, i.provider, i.account, i.phone FROM payment_identities i
           JOIN person_members m ON m.member_key = i.identity_key"""
    ):
        for v in (phone, account):
            person = by_pay.get((str(provider).lower(), str(v).lower())) if v else None
            if person:
                held.setdefault(pid, Counter())[person["person_id"]] += 1
                net = person.get("network_id")
                label[person["person_id"]] = f"{person['role']}@{net if net is not None else '-'}"
                break
    blobs = [p for p, c in held.items() if len({label[t] for t in c} - {"buyer@-"}) > 1]
    print(f"persons holding accounts of several truth persons: {len(blobs)}")
    for p in sorted(blobs, key=lambda p: -len(held[p]))[:15]:
        print("  blob", who(p))
    members: dict[str, list[str]] = {}
    for p, n in nets.items():
        if roles.get(p) in ("facilitator", "mule"):
            members.setdefault(n, []).append(p)
    for n, ps in sorted(members.items()):
        print(f"our network {n}:")
        for p in sorted(ps, key=lambda p: (roles.get(p) or "", p)):
            print("   ", who(p))
    ties = networks.ties(case.engine, roles)
    print(f"ties: {len(ties)}")
    mixed = {
        n
        for n, ps in members.items()
        if len({x for p in ps if roles.get(p) == "facilitator" for x in truth_net(p)}) > 1
    }
    for (a, b), kinds in sorted(ties.items(), key=lambda t: -sum(t[1].values())):
        ta, tb = truth_net(a), truth_net(b)
        same_ours = nets.get(a) is not None and nets.get(a) == nets.get(b)
        if (same_ours and nets.get(a) in mixed) or (ta & tb and not same_ours):
            what = f"IN {nets.get(a)}" if same_ours else "SPLIT"
            print(f"  {what} { {k: round(v, 1) for k, v in kinds.items()} }")
            print(f"     {who(a)}\n     {who(b)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep data and analysed case here (reused)")
    parser.add_argument("--rerun", action="store_true", help="with --keep: redo networks only")
    parser.add_argument("--resolution", type=float, help="with --rerun: this CPM resolution")
    parser.add_argument("--explain", action="store_true", help="with --keep: ties that mislead")
    opts = parser.parse_args()
    if opts.keep:
        synth, case_dir, took = kept_world(opts.keep, opts.scale, opts.seed)
        with Case.open(case_dir) as case:
            if took is not None:
                print(f"analysis: {took:.1f} s")
            if opts.rerun:
                print(f"networks rerun: {rerun_networks(case, opts.resolution):.2f} s")
            print(evaluate(case, synth))
            if opts.explain:
                explain(case, synth)
        return
    with analysed_world(opts.scale, opts.seed) as (synth, case, took):
        print(f"analysis: {took:.1f} s")
        print(evaluate(case, synth))
        print(leiden_vs_louvain(case))


if __name__ == "__main__":
    main()
