"""The ego API's link graph: built once per generation for every user, redacted per request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import LiveServer
from threadline.web import links_sql, views_links


def _person(server: LiveServer, account: str) -> str:
    return str(
        server.case.engine.query(
            "SELECT person_id FROM person_members WHERE member_key = ?", [f"chatapp:{account}"]
        )[0][0]
    )


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the link graphs built (one entry per LinkGraph made)."""
    made: list[int] = []
    real = views_links.LinkGraph.__init__

    def counting(self: views_links.LinkGraph, *args: Any) -> None:
        made.append(1)
        real(self, *args)

    monkeypatch.setattr(views_links.LinkGraph, "__init__", counting)
    return made


def test_the_graph_is_built_once_for_all_users_and_again_after_a_merge(
    server: LiveServer, client_for: Any, builds: list[int]
) -> None:
    wb = server.app.state.wb
    seller = _person(server, "sel1")
    wb.refresh()  # as after a merge or split: a new generation, nothing cached
    au, admin = client_for("au_analyst"), client_for("gb_admin")
    first = au.get(f"/api/persons/{seller}/links?hops=2").json()
    assert len(builds) == 1
    other = admin.get(f"/api/persons/{seller}/links?hops=2").json()
    au.get(f"/api/persons/{_person(server, 'au1_0')}/links").raise_for_status()
    assert len(builds) == 1, "another user or person must not rebuild the graph"
    # The same persons and links, each user seeing its own redaction of them.
    assert len(first["elements"]["nodes"]) == len(other["elements"]["nodes"])
    assert len(first["elements"]["edges"]) == len(other["elements"]["edges"])
    hops = [sorted(n["data"]["hop"] for n in x["elements"]["nodes"]) for x in (first, other)]
    assert hops[0] == hops[1]
    hidden = [
        {n["data"]["id"] for n in x["elements"]["nodes"] if n["data"]["restricted"]}
        for x in (first, other)
    ]
    assert hidden[0] != hidden[1], "the two users may see different persons here"
    assert all(i.startswith("r-") for i in hidden[0] | hidden[1])
    wb.refresh()
    au.get(f"/api/persons/{seller}/links?hops=2").raise_for_status()
    assert len(builds) == 2, "a new generation (merge or split) builds the graph again"


def test_links_carry_what_the_view_draws_once_per_pair(server: LiveServer, client_for: Any) -> None:
    body = client_for("au_analyst").get(f"/api/persons/{_person(server, 'sel1')}/links?hops=2")
    nodes = {n["data"]["id"] for n in body.json()["elements"]["nodes"]}
    edges = [e["data"] for e in body.json()["elements"]["edges"]]
    assert edges
    pairs = [(e["source"], e["target"]) for e in edges]
    assert len(set(pairs)) == len(pairs)
    for e in edges:
        assert "id" not in e
        assert e["source"] < e["target"]
        assert {e["source"], e["target"]} <= nodes
        counts = {k: e[k] for k in links_sql.EDGE_KINDS if k in e}
        assert counts, e
        assert all(n > 0 for n in counts.values()), e
        assert e["weight"] == sum(counts.values())
        assert e["kind"] in counts


def test_past_the_link_budget_every_person_keeps_the_link_it_was_reached_by(
    server: LiveServer, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = client_for("au_analyst")
    url = f"/api/persons/{_person(server, 'sel1')}/links?hops=2"
    full = c.get(url).json()
    n, total = len(full["elements"]["nodes"]), len(full["elements"]["edges"])
    assert full["links"] == total
    assert not full["links_truncated"]
    assert total >= n, "the fixture's two-hop view has more links than a tree"
    monkeypatch.setattr(views_links, "MAX_LINKS", n - 1)  # room for the tree only
    cut = c.get(url).json()
    edges = [e["data"] for e in cut["elements"]["edges"]]
    assert cut["links"] == total
    assert cut["links_truncated"]
    assert len(edges) == n - 1
    touched = {x for e in edges for x in (e["source"], e["target"])}
    assert touched == {d["data"]["id"] for d in cut["elements"]["nodes"]}


def test_the_strongest_links_are_kept_after_the_tree() -> None:
    def link(a: str, b: str, kind: str, n: int) -> views_links.Link:
        return (a, b, {"kind": kind, "weight": n}, (views_links._RANK[kind], -n))

    pairs = [
        link("a", "b", "selector", 1),  # the tree: b was reached from a
        link("a", "c", "selector", 9),
        link("b", "c", "message", 1),
        link("c", "d", "session", 1),
        link("b", "d", "message", 5),
    ]
    kept = views_links.strongest(pairs, {"b": "a"}, 3)
    assert [(a, b) for a, b, _, _ in kept] == [("a", "b"), ("c", "d"), ("b", "d")]
    assert views_links.strongest(pairs, {"b": "a"}, 9) == pairs
    assert views_links.strongest(pairs, {"b": "a", "c": "a", "d": "c"}, 1) == [
        pairs[0],
        pairs[1],
        pairs[3],
    ]
