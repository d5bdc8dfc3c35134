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
