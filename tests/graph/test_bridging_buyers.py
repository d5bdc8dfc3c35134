"""Networks hold as buyers grow: buyers who use two networks do not join them.

Hand-built and deterministic (every value follows from loop indices): two networks, each of
two facilitators who talk to each other and one cash-pickup mule; 60 buyers of their own
each, and 30 buyers who use both, negotiating with one network in the morning and paying the
other's mule the same afternoon (the coincidence that grows with the number of buyers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write
from threadline import Case
from threadline.graph import significance

OWN, SHARED = 60, 30


def _world(root: Path) -> dict[str, Path]:
    accounts = ["platform,account_id,display_name,phone,country"]
    messages = ["platform,message_id,sent_at,sender,recipient,text"]
    payments: list[str] = []
    mid = 0

    def msg(day: int, hour: int, minute: int, a: str, b: str, text: str) -> None:
        nonlocal mid
        mid += 1
        stamp = f"2020-{1 + day // 28:02d}-{1 + day % 28:02d}T{hour:02d}:{minute:02d}:00Z"
        messages.append(f"chat,m{mid},{stamp},{a},{b},{text}")

    def pay(day: int, hour: int, buyer: int, net: str) -> None:
        stamp = f"2020-{1 + day // 28:02d}-{1 + day % 28:02d}T{hour:02d}:40:00Z"
        payments.append(
            json.dumps(
                {
                    "provider": "remitco",
                    "transaction_id": f"t{len(payments)}",
                    "sent_at": stamp,
                    "sender_name": f"Buyer {buyer} Smith",
                    "sender_phone": f"+4477009{buyer:05d}",
                    "sender_country": "GB",
                    "receiver_name": f"Mule {net.upper()} Reyes",
                    "receiver_phone": "+639170000001" if net == "x" else "+639170000002",
                    "receiver_country": "PH",
                    "receiver_city": "Cebu City",
                    "amount": "30",
                    "currency": "USD",
                }
            )
        )

    for net in ("x", "y"):
        for f in (1, 2):
            accounts.append(f"chat,f{net}{f},Seller {net}{f},+63918000{ord(net)}{f},PH")
        for day in range(0, 60, 6):  # the two facilitators of a network talk to each other
            msg(day, 8, 0, f"f{net}1", f"f{net}2", "see you later")
            msg(day, 8, 5, f"f{net}2", f"f{net}1", "ok")

    def session(day: int, hour: int, buyer: int, net: str) -> None:
        seller = f"f{net}{1 + buyer % 2}"
        msg(day, hour, 0, f"b{buyer}", seller, "[REQUEST]")
        msg(day, hour, 10, seller, f"b{buyer}", f"[PRICE] send to Mule {net.upper()} Reyes")
        pay(day, hour, buyer, net)
        msg(day, hour, 50, seller, f"b{buyer}", "[LIVE]")

    buyer = 0
    for net in ("x", "y"):
        for _ in range(OWN):
            accounts.append(f"chat,b{buyer},Buyer {buyer},+4477009{buyer:05d},GB")
            for k in range(3):
                session((buyer * 3 + k * 17) % 80, 10 + k, buyer, net)
            buyer += 1
    for i in range(SHARED):
        accounts.append(f"chat,b{buyer},Buyer {buyer},+4477009{buyer:05d},GB")
        first, second = ("x", "y") if i % 2 else ("y", "x")
        for k in range(2):
            day = (buyer + k * 23) % 80
            session(day, 9, buyer, first)
            session(day, 15, buyer, second)  # the same day: a chat-then-pay coincidence
        buyer += 1
    return {
        "accounts": write(root / "accounts.csv", "\n".join(accounts) + "\n"),
        "messages": write(root / "messages.csv", "\n".join(messages) + "\n"),
        "payments": write(root / "payments.jsonl", "\n".join(payments) + "\n"),
    }


@pytest.fixture(scope="module")
def bridged(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("bridged")
    files = _world(root / "data")
    case = Case.init(root / "case")
    for kind, path in files.items():
        case.ingest(kind, [path], agency="A", seizure="S1")
    case.analyze()
    return case


def _network_of(case: Case, account: str) -> str | None:
    found = case.engine.scalar(
        """SELECT n.network_id FROM network_members n
           JOIN person_members m ON m.person_id = n.person_id
           WHERE m.member_key = ? AND n.role = 'facilitator'""",
        [account],
    )
    return None if found is None else str(found)


def test_two_networks_sharing_30_buyers_stay_two(bridged: Case) -> None:
    roles = dict(
        bridged.engine.query(
            """SELECT m.member_key, r.role FROM person_members m
               JOIN person_roles r USING (person_id) WHERE m.member_key LIKE 'chat:f%'"""
        )
    )
    assert set(roles.values()) == {"facilitator"}, roles
    x1, x2 = _network_of(bridged, "chat:fx1"), _network_of(bridged, "chat:fx2")
    y1, y2 = _network_of(bridged, "chat:fy1"), _network_of(bridged, "chat:fy2")
    assert x1 is not None
    assert y1 is not None
    assert x1 == x2, "a network's own facilitators stay together"
    assert y1 == y2
    assert x1 != y1, "30 bridging buyers must not merge two networks"


def test_bridging_buyers_are_marked_as_bridges(bridged: Case) -> None:
    bridges = bridged.engine.scalar(
        """SELECT count(DISTINCT m.member_key) FROM network_members n
           JOIN person_members m ON m.person_id = n.person_id
           WHERE n.bridge AND m.member_type = 'account'"""
    )
    assert bridges == SHARED


def test_overlap_is_judged_against_what_chance_predicts() -> None:
    # 30 shared of 110 and 110 among 150: chance alone predicts about 81
    assert significance.overlap(30, 110, 110, 150).excess == 0.0
    # the same 30 among a thousand payers is far more than chance (about 12)
    strong = significance.overlap(30, 110, 110, 1000)
    assert strong.excess == pytest.approx(30 - 12.1, abs=0.01)
    assert strong.p_value < 1e-4
    # scale invariance: ten times the buyers, ten times the coincidences, still chance
    assert significance.overlap(300, 1100, 1100, 1500).excess == 0.0


def test_poisson_tail_matches_the_exact_sum() -> None:
    import math

    for mean in (0.1, 1.0, 7.5, 40.0, 300.0):
        for k in (0, 1, 3, 10, 60, 400):
            exact = 1.0 - math.fsum(
                math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k)
            )
            assert significance.poisson_upper_tail(k, mean) == pytest.approx(
                max(exact, 0.0), abs=1e-9
            )


def test_every_network_member_is_explained_by_stored_ties(bridged: Case) -> None:
    unexplained = bridged.engine.query(
        """SELECT m.network_id, m.person_id FROM network_members m
           WHERE m.role IN ('facilitator', 'mule')
             AND NOT EXISTS (SELECT 1 FROM network_ties t WHERE t.network_id = m.network_id
                             AND m.person_id IN (t.a, t.b))"""
    )
    assert unexplained == []
    kinds = dict(bridged.engine.query("SELECT kind, count(*) FROM network_ties GROUP BY kind"))
    assert kinds.get("message", 0) >= 2, "each network's two facilitators talk"
