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


def _load(case: Case, candidates: list[tuple[str, str, bool]]) -> None:
    e = case.engine
    e.execute("INSERT INTO sources (source_id, sha256) VALUES ('s1', 'abc')")
    for episode, buyer, seller in EPISODES:
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
