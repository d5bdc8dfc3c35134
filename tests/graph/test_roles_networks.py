"""Roles and networks on the tiny synthetic case, and the graph maths against networkx."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import igraph as ig
import leidenalg
import networkx as nx
import pytest

from threadline import Case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from truth import truth_accounts


def test_every_facilitator_and_buyer_has_evidence(tiny_case: Case) -> None:
    rows = tiny_case.engine.query_dicts(
        "SELECT * FROM person_roles WHERE role IN ('facilitator', 'buyer', 'mule')"
    )
    assert any(r["role"] == "facilitator" for r in rows)
    for r in rows:
        evidence = json.loads(r["evidence"])
        assert evidence, f"{r['person_id']} is a {r['role']} without evidence rows"
        assert all(len(e["source_sha256"]) == 64 and e["row"] >= 1 for e in evidence)
        assert json.loads(r["reasons"])


def test_roles_match_truth_on_tiny(tiny_world: tuple[Path, Path], tiny_case: Case) -> None:
    accounts = truth_accounts(tiny_world[0])
    ours = dict(
        tiny_case.engine.query(
            "SELECT member_key, person_id FROM person_members WHERE member_type = 'account'"
        )
    )
    roles = dict(tiny_case.engine.query("SELECT person_id, role FROM person_roles"))
    for key, person in accounts.items():
        predicted = roles.get(ours.get(key, ""), "other")
        if person["role"] in ("hub", "benign_contact", "benign_remitter", "benign_receiver"):
            assert predicted != "facilitator", f"benign {person['role']} {key} as facilitator"
        if person["role"] == "facilitator":
            assert predicted == "facilitator", key


def test_networks_are_written_with_members(tiny_case: Case) -> None:
    nets = tiny_case.networks()
    assert nets
    for n in nets:
        assert n["sellers"] >= 1
        assert n["facilitators"]


def test_role_override_survives_a_rerun(tiny_case_copy: Case) -> None:
    case = tiny_case_copy
    (pid,) = case.engine.query(
        "SELECT person_id FROM person_roles WHERE role = 'buyer' ORDER BY person_id LIMIT 1"
    )[0]
    case.set_role(pid, "other", reason="undercover officer's account")
    assert case.engine.scalar("SELECT role FROM person_roles WHERE person_id = ?", [pid]) == "other"
    key = case.engine.scalar(
        "SELECT min(member_key) FROM person_members WHERE person_id = ?", [pid]
    )
    case.analyze()
    now = case.engine.scalar("SELECT person_id FROM person_members WHERE member_key = ?", [key])
    row = case.engine.query_dicts("SELECT * FROM person_roles WHERE person_id = ?", [now])[0]
    assert row["role"] == "other"
    assert row["overridden"]
    assert "undercover" in row["reasons"]
    with pytest.raises(Exception, match="unknown role"):
        case.set_role(pid, "villain", reason="x")


def test_pagerank_agrees_with_networkx() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3), (1, 4)]
    g = ig.Graph(n=6, edges=edges)
    ours = g.pagerank()
    ref = nx.pagerank(nx.Graph(edges))
    assert ours == pytest.approx([ref[i] for i in range(6)], abs=1e-4)


def test_cpm_separates_planted_groups_like_networkx_louvain() -> None:
    import itertools

    groups = [list(range(i * 8, i * 8 + 8)) for i in range(4)]
    edges = [e for grp in groups for e in itertools.combinations(grp, 2)]
    edges += [(7, 8), (15, 16), (23, 24)]  # one chance contact between neighbours
    g = ig.Graph(n=32, edges=edges)
    g.es["weight"] = [1.0] * len(edges)
    part = leidenalg.find_partition(
        g, leidenalg.CPMVertexPartition, weights="weight", resolution_parameter=0.05, seed=1
    )
    ours = {frozenset(c) for c in part}
    ref = {frozenset(c) for c in nx.community.louvain_communities(nx.Graph(edges), seed=1)}
    assert ours == ref == {frozenset(grp) for grp in groups}
