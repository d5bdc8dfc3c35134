"""Person resolution against the synthetic truth, and its time at a larger scale.

    .venv/bin/python bench/resolve.py --scale small --seed 7

Pairwise precision and recall over accounts, and over payment identities that the truth
can place (by the phone or wallet/e-mail account written on them); benign remitters put
into the same person as a mule or a buyer (goal: none); resolution time and pairs scored.
The baseline in the same run is a plain DuckDB self-join of payment identities on name.
Then, per link rule, how many wrong pairs (members of different true persons put into one
person) disappear when that rule's links are left out, and how many right pairs go with
them: which kind of evidence makes the false merges.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import igraph as ig

from threadline.resolve.persons import resolve
from threadline.resolve.sql import NOT_JOINING
from truth import analysed_world, args, load, prf, truth_accounts


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {p for members in groups.values() for p in itertools.combinations(sorted(members), 2)}


def placed_keys(engine: object, synth: Path) -> dict[str, str]:
    """Member key -> true person id, for accounts and the identities the truth can place."""
    truth = {p["person_id"]: p for p in load(synth / "truth" / "persons.jsonl")}
    members = dict(engine.query("SELECT member_key, person_id FROM person_members"))  # type: ignore[attr-defined]
    # accounts
    accounts = {k: p["person_id"] for k, p in truth_accounts(synth).items() if k in members}
    # identities the truth can place: provider + phone, or provider + account
    placed: dict[tuple[str, str], str] = {}
    for p in truth.values():
        for i in p["payment_identities"]:
            for value in (i.get("phone"), i.get("account")):
                if value:
                    placed[(i["provider"].lower(), str(value).lower())] = p["person_id"]
    identities = {}
    for key, provider, phone, account in engine.query(  # type: ignore[attr-defined]
        "SELECT identity_key, provider, phone, account FROM payment_identities"
    ):
        for value in (phone, account):
            if value and (provider, str(value).lower()) in placed:
                identities[key] = placed[(provider, str(value).lower())]
                break
    return {**accounts, **identities}


def _pair_counts(groups: dict[object, list[str]]) -> tuple[int, int]:
    """(right pairs, wrong pairs) among groups of true person ids."""
    right = wrong = 0
    for ids in groups.values():
        n = len(ids)
        same = sum(c * (c - 1) // 2 for c in Counter(ids).values())
        right, wrong = right + same, wrong + n * (n - 1) // 2 - same
    return right, wrong


def pairs_by_rule(engine: object, keys: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per link rule: its links, and the wrong and right pairs lost without them."""
    nodes = [k for (k,) in engine.query("SELECT member_key FROM person_members")]  # type: ignore[attr-defined]
    index = {k: i for i, k in enumerate(nodes)}
    links = [
        (str(a), str(b), str(r))
        for a, b, r in engine.query(  # type: ignore[attr-defined]
            f"SELECT a, b, rule FROM person_links WHERE rule NOT IN {NOT_JOINING}"
        )
        if a in index and b in index
    ]

    def counts(skip: str | None) -> tuple[int, int]:
        edges = [(index[a], index[b]) for a, b, r in links if r != skip]
        membership = ig.Graph(n=len(nodes), edges=edges).connected_components().membership
        groups: dict[object, list[str]] = defaultdict(list)
        for k, t in keys.items():
            groups[membership[index[k]]].append(t)
        return _pair_counts(groups)

    right, wrong = counts(None)
    out = {"all": {"links": len(links), "right_pairs": right, "wrong_pairs": wrong}}
    for rule in sorted({r for _, _, r in links}):
        r_without, w_without = counts(rule)
        out[rule] = {
            "links": sum(1 for _, _, r in links if r == rule),
            "wrong_pairs_made": wrong - w_without,
            "right_pairs_made": right - r_without,
        }
    return out


def evaluate(case: object, synth: Path) -> dict[str, object]:
    engine = case.engine  # type: ignore[attr-defined]
    truth = {p["person_id"]: p for p in load(synth / "truth" / "persons.jsonl")}
    members = dict(engine.query("SELECT member_key, person_id FROM person_members"))
    keys = placed_keys(engine, synth)
    identities = {k for k in keys if k.startswith("id:")}
    ours: dict[str, list[str]] = defaultdict(list)
    real: dict[str, list[str]] = defaultdict(list)
    for k, tid in keys.items():
        ours[members[k]].append(k)
        real[tid].append(k)
    o, t = _pairs(ours), _pairs(real)
    p, r, f = prf(len(o & t), len(o - t), len(t - o))
    remitters = {x["person_id"] for x in load(synth / "truth" / "benign_remitters.jsonl")}
    bad = 0
    for ks in ours.values():
        roles = {truth[keys[k]]["role"] for k in ks}
        tids = {keys[k] for k in ks}
        if tids & remitters and roles & {"mule", "buyer", "facilitator"}:
            bad += 1
    return {
        "members_scored": len(keys),
        "identities_placed_by_truth": len(identities),
        "pairwise_precision": round(p, 4),
        "pairwise_recall": round(r, 4),
        "pairwise_f1": round(f, 4),
        "remitters_merged_with_suspects": bad,
    }


def main() -> None:
    opts = args(__doc__)
    with analysed_world(opts.scale, opts.seed) as (synth, case, _):
        print(evaluate(case, synth))
        print(pairs_by_rule(case.engine, placed_keys(case.engine, synth)))
        t = time.perf_counter()
        summary = resolve(case.engine)
        took = time.perf_counter() - t
        t = time.perf_counter()
        case.engine.query(
            "SELECT count(*) FROM payment_identities a JOIN payment_identities b "
            "ON a.name = b.name AND a.identity_key < b.identity_key"
        )
        base = time.perf_counter() - t
        print(
            {
                "resolve_s": round(took, 2),
                "name_self_join_s": round(base, 3),
                "ratio": round(took / base, 1) if base else None,
                "pairs_scored": summary["splink_pairs_scored"],
                "persons": summary["persons"],
            }
        )


if __name__ == "__main__":
    main()
