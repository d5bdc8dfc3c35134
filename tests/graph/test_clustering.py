"""Each mechanism of network clustering at small size, on hand-built ties.

Ties are observations by kind, as :func:`threadline.graph.networks.ties` finds them in a
case; every value here follows from loop indices, so each test says what a growing case does
to the clustering: more pickup fragments, chatty shops, persons tied to many facilitators.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.graph import clustering
from threadline.graph.networks import NetworkRules

RESOLUTION = NetworkRules().resolution
Ties = dict[tuple[str, str], dict[str, float]]


def _tie(ties: Ties, a: str, b: str, kind: str, w: float) -> None:
    key = (min(a, b), max(a, b))
    ties.setdefault(key, {})
    ties[key][kind] = ties[key].get(kind, 0.0) + w


def _chain(ties: Ties, roles: dict[str, str], net: str, size: int, messages: float) -> None:
    """A network of ``size`` facilitators, each talking only to the next (a sparse chain)."""
    for i in range(size):
        roles[f"{net}f{i}"] = "facilitator"
        if i:
            _tie(ties, f"{net}f{i - 1}", f"{net}f{i}", "message", messages)


def _network_of(found: list[list[str]], person: str) -> int:
    return next(i for i, g in enumerate(found) if person in g)


@pytest.mark.parametrize("fragments", [3, 30, 300])
def test_pickup_fragments_do_not_split_a_network(fragments: int) -> None:
    # More payments, more spellings of the pickup names: the network is still its facilitators.
    ties: Ties = {}
    roles: dict[str, str] = {}
    _chain(ties, roles, "x", 4, messages=3)
    for m in range(fragments):
        roles[f"xm{m}"] = "mule"
        _tie(ties, f"xf{m % 4}", f"xm{m}", "chat_then_pay", 1.0)
    found = clustering.partition(ties, roles, RESOLUTION)
    assert len(found) == 1
    assert len(found[0]) == 4 + fragments


def test_a_shop_chatting_with_two_facilitators_does_not_join_them() -> None:
    # A forwarder taken for a mule (a buyer paid it once) chats with two solo facilitators.
    ties: Ties = {}
    roles = {"af": "facilitator", "bf": "facilitator", "shop": "mule"}
    _tie(ties, "af", "shop", "message", 4)
    _tie(ties, "bf", "shop", "message", 3)
    found = clustering.partition(ties, roles, RESOLUTION)
    assert len(found) == 2
    assert _network_of(found, "shop") == _network_of(found, "af"), "joins its strongest tie"


def test_a_shared_pickup_does_join_two_facilitators() -> None:
    # The same pickup paid after negotiations with either facilitator: one network.
    ties: Ties = {}
    roles = {"af": "facilitator", "bf": "facilitator", "pickup": "mule"}
    _tie(ties, "af", "pickup", "chat_then_pay", 4)
    _tie(ties, "bf", "pickup", "chat_then_pay", 3)
    assert clustering.facilitator_ties(ties, roles) == {("af", "bf"): 3.0}
    assert clustering.partition(ties, roles, RESOLUTION) == [["af", "bf", "pickup"]]


def test_a_person_tied_to_many_facilitators_spreads_its_weight() -> None:
    # Three networks of two; one pickup identity paid after negotiations with all six.
    ties: Ties = {}
    roles: dict[str, str] = {"blob": "mule"}
    for net in ("x", "y", "z"):
        _chain(ties, roles, net, 2, messages=20)
        for i in range(2):
            _tie(ties, f"{net}f{i}", "blob", "chat_then_pay", 2.0)
    weights = clustering.facilitator_ties(ties, roles)
    assert weights[("xf0", "yf0")] == pytest.approx(2.0 / 5)
    found = clustering.partition(ties, roles, RESOLUTION)
    facilitator_groups = sorted(sorted(p for p in g if p != "blob") for g in found)
    assert facilitator_groups == [["xf0", "xf1"], ["yf0", "yf1"], ["zf0", "zf1"]]


def test_a_mule_tied_only_to_a_mule_follows_it_and_an_isolated_one_stays_out() -> None:
    ties: Ties = {}
    roles = {"af": "facilitator", "m1": "mule", "m2": "mule", "alone": "mule"}
    _tie(ties, "af", "m1", "selector:phone", 2)
    _tie(ties, "m1", "m2", "message", 5)
    assert clustering.partition(ties, roles, RESOLUTION) == [["af", "m1", "m2"]]


def test_weak_ties_between_solo_facilitators_do_not_merge_them() -> None:
    # A chance excess below one observation (a bridging buyer's coincidence) is no network.
    ties: Ties = {}
    roles = {"af": "facilitator", "bf": "facilitator"}
    _tie(ties, "af", "bf", "chat_then_pay", 0.4)
    assert len(clustering.partition(ties, roles, RESOLUTION)) == 2


def test_the_explanation_names_each_tie_and_the_shared_pickup() -> None:
    ties: Ties = {}
    roles = {"af": "facilitator", "bf": "facilitator", "pickup": "mule", "cf": "facilitator"}
    _tie(ties, "af", "pickup", "chat_then_pay", 4)
    _tie(ties, "bf", "pickup", "chat_then_pay", 3)
    _tie(ties, "bf", "pickup", "selector:phone", 2)
    found = clustering.partition(ties, roles, RESOLUTION)
    assert found == [["af", "bf", "pickup"], ["cf"]]
    assert clustering.explanation(ties, roles, found) == [
        (0, "af", "pickup", "chat_then_pay", None, 4.0),
        (0, "bf", "pickup", "chat_then_pay", None, 3.0),
        (0, "bf", "pickup", "selector:phone", None, 2.0),
        (0, "af", "bf", "shared_pickup", "pickup", 4.0),
    ]


def test_a_selector_many_persons_hold_ties_each_pair_thinly(tmp_path: Path) -> None:
    # A phone two persons hold ties them fully; a phone five hold (a shop's) spreads thin.
    from threadline import Case
    from threadline.graph import sql

    with Case.init(tmp_path / "case") as case:
        rows = [("a", "+631"), ("b", "+631")] + [(p, "+639") for p in "abcde"]
        for person, phone in rows:
            key = f"k:{person}:{phone}"
            case.engine.execute(
                "INSERT INTO selectors (entity_type, entity_key, selector_type, value) "
                "VALUES ('account', ?, 'phone', ?)",
                [key, phone],
            )
            case.engine.execute(
                "INSERT INTO person_members (person_id, member_type, member_key) "
                "VALUES (?, 'account', ?)",
                [person, key],
            )
        found = {
            (a, b): w
            for a, b, _, w in sql.shared_selector_ties(case.engine, list("abcde"), ("phone",))
        }
    assert found[("a", "b")] == pytest.approx(1.0 + 1 / 4)
    assert found[("c", "d")] == pytest.approx(1 / 4)
    assert len(found) == 10


@pytest.mark.parametrize("pickups", [5, 50, 500])
def test_chance_fractions_over_many_pickups_do_not_add_up_to_a_tie(pickups: int) -> None:
    # Each pickup fragment paid a fraction of a payer more than chance after talks with
    # either solo facilitator: however many fragments, no tie.
    ties: Ties = {}
    roles = {"af": "facilitator", "bf": "facilitator"}
    for m in range(pickups):
        roles[f"m{m}"] = "mule"
        _tie(ties, "af", f"m{m}", "chat_then_pay", 0.6)
        _tie(ties, "bf", f"m{m}", "chat_then_pay", 0.5)
    assert clustering.facilitator_ties(ties, roles) == {}
    assert len(clustering.partition(ties, roles, RESOLUTION)) == 2


def test_a_chat_then_pay_excess_chance_could_make_does_not_bond() -> None:
    # Two payers more than chance, but not improbable given how many pairs are tested: the
    # pickup is placed with the facilitator it is tied to most, and bonds nobody.
    ties: Ties = {}
    roles = {"af": "facilitator", "bf": "facilitator", "pickup": "mule"}
    _tie(ties, "af", "bf", clustering.WEAK, 2.2)
    _tie(ties, "af", "pickup", "chat_then_pay", 9.0)
    _tie(ties, "bf", "pickup", clustering.WEAK, 2.0)
    assert clustering.facilitator_ties(ties, roles) == {}
    assert clustering.partition(ties, roles, RESOLUTION) == [["af", "pickup"], ["bf"]]


def test_a_merged_blob_of_facilitators_does_not_bridge_two_networks() -> None:
    # Two networks of two; one person holding accounts of both networks' facilitators talks
    # to all four. Taken as a facilitator like any other it joins them; held loose, it
    # joins the one it is tied to most.
    ties: Ties = {}
    roles: dict[str, str] = {"blob": "facilitator", "pickup": "mule"}
    for net in ("x", "y"):
        _chain(ties, roles, net, 2, messages=20)
        for i in range(2):
            _tie(ties, f"{net}f{i}", "blob", "message", 30 if net == "x" else 25)
    _tie(ties, "blob", "pickup", "chat_then_pay", 5)
    assert len(clustering.partition(ties, roles, RESOLUTION)) == 1
    found = clustering.partition(ties, roles, RESOLUTION, loose={"blob"})
    assert found == [["blob", "pickup", "xf0", "xf1"], ["yf0", "yf1"]]


def test_a_loose_facilitator_tied_to_nobody_is_a_network_alone() -> None:
    roles = {"af": "facilitator", "blob": "facilitator"}
    assert clustering.partition({}, roles, RESOLUTION, loose={"blob"}) == [["af"], ["blob"]]
