"""Payer links from paid sessions join a buyer to his own payer, never buyers to each other.

The case is real (ingested accounts and payments, analysed); the paid-session links are
written as the signals stage writes them, so the re-link step is tested on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from tests.conftest import write
from threadline import Case
from threadline.resolve import relink, sql
from threadline.resolve.persons import recompute_members
from threadline.resolve.stage import STAGES

ACCOUNTS = "platform,account_id,display_name,country\n" + "".join(
    f"chat,buyer{i},Buyer{i} Surname{i},GB\n" for i in range(4)
)


def _ingest(case: Case, tmp_path: Path) -> dict[str, str]:
    """Accounts buyer0..3; payers: own0 (buyer0's own), shared (pays for 1, 2, 3), mule."""
    rows = [
        ("own0", "Buyer0 Surname0", "+447700900000"),
        ("shared", "Kin Remitter", "+447700900111"),
        ("mule", "Mule Person", "+639170000999"),
    ]
    lines = [
        json.dumps(
            {
                "provider": "remitco",
                "transaction_id": f"t{i}",
                "sent_at": f"2020-01-0{i + 1}T00:00:00Z",
                "amount": "25",
                "currency": "USD",
                "sender_name": name,
                "sender_phone": phone,
                "sender_country": "GB",
                "receiver_name": "Receiver Someone",
                "receiver_phone": "+639170000001",
                "receiver_country": "PH",
            }
        )
        for i, (_, name, phone) in enumerate(rows)
    ]
    case.ingest("accounts", [write(tmp_path / "a.csv", ACCOUNTS)], agency="A", seizure="S")
    case.ingest(
        "payments", [write(tmp_path / "p.jsonl", "\n".join(lines) + "\n")], agency="A", seizure="S"
    )
    case.analyze()
    keys = dict(
        case.engine.query("SELECT name, identity_key FROM payment_identities WHERE side = 'sender'")
    )
    return {tag: str(keys[name]) for tag, name, _ in rows}


def _session_links(case: Case, links: list[tuple[str, str]]) -> None:
    case.engine.execute("DELETE FROM person_links WHERE rule LIKE 'paid_session%'")
    sql.add_links(
        case.engine,
        pa.table(
            {
                "a": [a for a, _ in links],
                "b": [b for _, b in links],
                "rule": ["paid_session"] * len(links),
                "confidence": [0.95] * len(links),
                "selector_type": ["session"] * len(links),
                "value": ["remittance code named in the chat"] * len(links),
            }
        ),
    )


def _person(case: Case, key: str) -> str:
    return str(
        case.engine.scalar("SELECT person_id FROM person_members WHERE member_key = ?", [key])
    )


def test_buyers_paid_for_by_one_payer_stay_apart(case: Case, tmp_path: Path) -> None:
    payer = _ingest(case, tmp_path)
    _session_links(
        case,
        [
            ("chat:buyer0", payer["own0"]),
            ("chat:buyer1", payer["shared"]),
            ("chat:buyer2", payer["shared"]),
            ("chat:buyer3", payer["shared"]),
        ],
    )
    summary = STAGES["relink"].run(case.engine)
    assert summary["payer_links_refused"] == 3
    assert len({_person(case, f"chat:buyer{i}") for i in range(4)}) == 4
    assert _person(case, payer["shared"]) not in {_person(case, "chat:buyer1")}
    # the buyer who paid with his own identity is joined to it
    assert _person(case, "chat:buyer0") == _person(case, payer["own0"])
    # the refusal is kept, with its reason, beside the evidence of the session
    refused = case.engine.query(
        "SELECT a, value FROM person_links WHERE rule = ? ORDER BY a", [relink.REFUSED]
    )
    assert [a for a, _ in refused] == ["chat:buyer1", "chat:buyer2", "chat:buyer3"]
    assert all("paid for 3 different persons" in v for _, v in refused)
    joined = case.engine.query("SELECT a, b FROM person_links WHERE rule = ?", [relink.JOINED])
    assert joined == [("chat:buyer0", payer["own0"])]


def test_raw_payer_links_join_nobody_until_vetted(case: Case, tmp_path: Path) -> None:
    """The second signals pass rewrites raw links; re-forming persons must not use them."""
    payer = _ingest(case, tmp_path)
    _session_links(case, [("chat:buyer1", payer["shared"]), ("chat:buyer2", payer["shared"])])
    recompute_members(case.engine)
    assert _person(case, "chat:buyer1") != _person(case, "chat:buyer2")
    assert _person(case, "chat:buyer1") != _person(case, payer["shared"])


def test_two_buyers_paying_through_a_mule_do_not_merge(case: Case, tmp_path: Path) -> None:
    payer = _ingest(case, tmp_path)
    mule = _person(case, payer["mule"])
    case.engine.execute("DELETE FROM person_roles")
    case.engine.execute(
        "INSERT INTO person_roles VALUES (?, 'mule', 0.9, 'receives for the network', '[]', false)",
        [mule],
    )
    # each buyer alone ties to the mule's identity: its role, not ambiguity, refuses it
    _session_links(case, [("chat:buyer1", payer["mule"])])
    STAGES["relink"].run(case.engine)
    assert _person(case, "chat:buyer1") != _person(case, payer["mule"])


def test_verdicts_chain_through_a_payer_that_is_itself_a_buyer() -> None:
    person = {"chat:b1": "P1", "chat:b2": "P2", "id:x": "P2"}
    # b2's own identity x also paid for b1's session: x's person is a buyer of its own
    found = relink.verdicts([("chat:b1", "id:x"), ("chat:b2", "id:x")], person, {})
    assert set(found) == {("chat:b1", "id:x"), ("chat:b2", "id:x")}
    assert relink.verdicts([("chat:b1", "id:y")], {"chat:b1": "P1", "id:y": "P9"}, {}) == {}
