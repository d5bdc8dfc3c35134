"""Candidate payments tied to another chat do not block an untied episode (issue 16)."""

from __future__ import annotations

from threadline import Case
from threadline.signals import sql

EPISODES = [
    # (episode, buyer, seller): two buyers of one facilitator in the same evening.
    ("E1", "whatsapp:b1", "whatsapp:f1"),
    ("E2", "whatsapp:b2", "whatsapp:f1"),
]
CANDIDATES = [
    # (episode, payment, code named): both payments reach the network's pickups in the
    # hours of both chats; only the second chat names a remittance code (of T2).
    ("E1", "T1", False),
    ("E1", "T2", False),
    ("E2", "T1", False),
    ("E2", "T2", True),
]


def _load(
    case: Case,
    candidates: list[tuple[str, str, bool]],
    episodes: list[tuple[str, str, str]] = EPISODES,
) -> None:
    e = case.engine
    e.execute("INSERT INTO sources (source_id, sha256) VALUES ('s1', 'abc')")
    for episode, buyer, seller in episodes:
        e.execute(
            """INSERT INTO chat_episodes (episode_id, buyer, seller, "start", "end", lives)
               VALUES (?, ?, ?, TIMESTAMP '2024-01-01 20:00', TIMESTAMP '2024-01-01 21:00', 1)""",
            [episode, buyer, seller],
        )
    for row, (episode, tx, code) in enumerate(candidates):
        e.execute(
            """INSERT INTO session_candidates (episode_id, record_id, transaction_id, sent_at,
                   code_named, receiver_named, payer_is_buyer, receiver_in_network,
                   sender_identity, source_id, "row")
               VALUES (?, ?, ?, TIMESTAMP '2024-01-01 20:10', ?, false, false, true,
                       ?, 's1', ?)""",
            [episode, "r" + tx, tx, code, "id:" + tx, row],
        )


def test_payment_tied_elsewhere_is_no_rival(case: Case) -> None:
    _load(case, CANDIDATES)
    got = {(c["episode_id"], c["transaction_id"]) for c in sql.candidates(case.engine)}
    # E1's only free payment is T1: T2 is E2's by its code.
    assert got == {("E1", "T1"), ("E2", "T2")}
    e1 = [c for c in sql.candidates(case.engine) if c["episode_id"] == "E1"]
    assert e1[0]["rivals_elsewhere"] == 1


def test_two_free_payments_still_leave_an_episode_undecided(case: Case) -> None:
    # Without E2's code nothing ties either payment: both chats stay undecided.
    _load(case, [(ep, tx, False) for ep, tx, _ in CANDIDATES])
    assert sql.candidates(case.engine) == []


def test_a_payment_tied_elsewhere_is_not_taken_alone(case: Case) -> None:
    # E1's only payment is E2's by its code: it makes no session of E1.
    _load(case, [("E1", "T2", False), ("E2", "T2", True)])
    got = {(c["episode_id"], c["transaction_id"]) for c in sql.candidates(case.engine)}
    assert got == {("E2", "T2")}


def _payers(case: Case, persons: dict[str, str]) -> None:
    for tx, person in persons.items():
        case.engine.execute(
            "INSERT INTO person_members VALUES (?, 'payment_identity', ?, 1.0, 'test')",
            [person, "id:" + tx],
        )


PAYER_EPISODES = [
    ("E1", "whatsapp:b1", "whatsapp:f1"),  # b1 names T1's code
    ("E3", "whatsapp:b1", "whatsapp:f1"),  # a later evening of b1: T3 or T4?
    ("E4", "whatsapp:b2", "whatsapp:f1"),  # b2 names T5's code
]
PAYER_CANDIDATES = [
    ("E1", "T1", True),
    ("E3", "T3", False),
    ("E3", "T4", False),
    ("E4", "T5", True),
]


def test_payer_known_by_a_code_ties_the_buyers_other_payments(case: Case) -> None:
    # T1 and T3 come from one payer person that is not (yet) the buyer's person.
    _load(case, PAYER_CANDIDATES, PAYER_EPISODES)
    _payers(case, {"T1": "P1", "T3": "P1", "T4": "P9", "T5": "P2"})
    got = {(c["episode_id"], c["transaction_id"]): c for c in sql.candidates(case.engine)}
    assert set(got) == {("E1", "T1"), ("E3", "T3"), ("E4", "T5")}
    assert got[("E3", "T3")]["payer_known"]
    assert got[("E3", "T3")]["known_by"] == "s1:0"  # T1's row: the code that ties P1 to b1


def test_payer_tied_to_two_buyers_ties_neither(case: Case) -> None:
    # The same payer person also pays b2's named code: a go-between, no evidence of who.
    _load(case, PAYER_CANDIDATES, PAYER_EPISODES)
    _payers(case, {"T1": "P1", "T3": "P1", "T4": "P9", "T5": "P1"})
    got = {(c["episode_id"], c["transaction_id"]) for c in sql.candidates(case.engine)}
    assert got == {("E1", "T1"), ("E4", "T5")}
