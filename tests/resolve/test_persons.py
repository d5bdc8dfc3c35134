"""Person resolution on a real case: strong selectors link, weak ones and names alone never."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write
from threadline import Case

ACCOUNTS = "platform,account_id,display_name,email,phone,country\n"
LOGINS = "platform,account_id,at,ip,device_id\n"
PAY_FIELDS = ("sender_phone", "receiver_phone", "receiver_city", "sender_account")


def payments(path: Path, rows: list[dict[str, str]]) -> Path:
    lines = []
    for i, r in enumerate(rows):
        rec = {
            "provider": "remitco",
            "transaction_id": f"t{i}",
            "sent_at": f"2020-01-{i % 28 + 1:02d}T00:00:00Z",
            "amount": "25",
            "currency": "USD",
            "sender_country": "GB",
            "receiver_country": "PH",
            **r,
        }
        lines.append(json.dumps(rec))
    return write(path, "\n".join(lines) + "\n")


def person_of(case: Case, key: str) -> str:
    return str(case.person(key)["person_id"])


def test_carrier_nat_ip_shared_by_many_accounts_links_nobody(case: Case, tmp_path: Path) -> None:
    logins = LOGINS + "".join(
        f"chat,user{i},2020-01-01T0{i % 10}:00:00Z,112.198.0.10,\n" for i in range(30)
    )
    logins += "chat,alpha,2020-01-01T00:00:00Z,81.2.69.160,dev-9\n"
    logins += "chat,beta,2020-01-02T00:00:00Z,81.2.69.161,dev-9\n"
    case.ingest("logins", [write(tmp_path / "l.csv", logins)], agency="A", seizure="S")
    case.analyze()
    assert len({person_of(case, f"chat:user{i}") for i in range(30)}) == 30
    # a device shared by two accounts is a strong selector and does link them
    assert person_of(case, "chat:alpha") == person_of(case, "chat:beta")


def test_device_shared_by_many_accounts_is_a_shared_resource(case: Case, tmp_path: Path) -> None:
    logins = LOGINS + "".join(
        f"chat,cafe{i},2020-01-01T00:00:00Z,81.2.69.{i},shop-pc\n" for i in range(8)
    )
    case.ingest("logins", [write(tmp_path / "l.csv", logins)], agency="A", seizure="S")
    case.analyze()
    assert len({person_of(case, f"chat:cafe{i}") for i in range(8)}) == 8


def test_common_name_alone_never_merges(case: Case, tmp_path: Path) -> None:
    rows = [
        # a mule and a benign family receiver with the same common name, other cities/phones
        {
            "sender_name": "John Carter",
            "receiver_name": "Maria Santos",
            "receiver_phone": "09171234567",
            "receiver_city": "Cebu City",
        },
        {
            "sender_name": "Linda Reyes",
            "receiver_name": "Maria Santos",
            "receiver_phone": "09981112222",
            "receiver_city": "Davao City",
        },
        {"sender_name": "Peter Hall", "receiver_name": "Maria Santos", "receiver_city": "Manila"},
    ]
    # background so the model has something to train on
    for i in range(60):
        rows.append(
            {
                "sender_name": f"Sender{i} Person{i % 7}",
                "receiver_name": f"Receiver{i % 20} Family{i % 20}",
                "receiver_phone": f"0917{5550000 + i % 20:07d}",
                "receiver_city": "Cebu City",
            }
        )
    case.ingest("payments", [payments(tmp_path / "p.jsonl", rows)], agency="A", seizure="S")
    case.analyze()
    santos = case.engine.query(
        "SELECT identity_key FROM payment_identities WHERE name = 'Maria Santos'"
    )
    assert len(santos) == 3
    assert len({person_of(case, k) for (k,) in santos}) == 3


def test_phone_links_an_account_to_its_payment_identities(case: Case, tmp_path: Path) -> None:
    case.ingest(
        "accounts",
        [write(tmp_path / "a.csv", ACCOUNTS + "chat,tom_a,Tom,,07911 123456,GB\n")],
        agency="A",
        seizure="S",
    )
    rows = [
        {"sender_name": "Tom Example", "sender_phone": "+447911123456", "receiver_name": "Ana Cruz"}
    ]
    case.ingest("payments", [payments(tmp_path / "p.jsonl", rows)], agency="A", seizure="S")
    case.analyze()
    detail = case.person("chat:tom_a")
    types = sorted(m["member_type"] for m in detail["members"])
    assert types == ["account", "payment_identity"]
    assert any(e["selector_type"] == "phone" and e["row"] == 1 for e in detail["evidence"])
    assert all(len(e["source_sha256"]) == 64 for e in detail["evidence"])


def test_analyst_split_and_merge_survive_a_full_rerun(case: Case, tmp_path: Path) -> None:
    accounts = ACCOUNTS + "chat,a1,A,,07911 123456,GB\nchat,a2,B,,07911 123456,GB\n"
    accounts += "chat,a3,C,,,GB\n"
    case.ingest("accounts", [write(tmp_path / "a.csv", accounts)], agency="A", seizure="S")
    case.analyze()
    assert person_of(case, "chat:a1") == person_of(case, "chat:a2")
    case.split("chat:a2", reason="family phone; passport checks show two people")
    case.merge("chat:a3", "chat:a1", reason="same subscriber per provider return")
    for _ in range(2):
        case.analyze()
        assert person_of(case, "chat:a1") != person_of(case, "chat:a2")
        assert person_of(case, "chat:a1") == person_of(case, "chat:a3")
    actions = [r[0] for r in case.engine.query("SELECT action FROM audit ORDER BY seq")]
    assert "decision:split" in actions
    assert "decision:merge" in actions
    with pytest.raises(Exception, match="reason"):
        case.split("chat:a1", reason=" ")


def test_persons_export_contract(case: Case, tmp_path: Path) -> None:
    accounts = ACCOUNTS + "Chat,Tom_A,Tom,,07911 123456,GB\n"
    case.ingest("accounts", [write(tmp_path / "a.csv", accounts)], agency="A", seizure="S")
    case.analyze()
    case.export(tmp_path / "out")
    (person,) = [
        json.loads(x) for x in (tmp_path / "out" / "persons.jsonl").read_text().splitlines()
    ]
    assert set(person) == {
        "person_id",
        "accounts",
        "payment_parties",
        "role_detail",
        "role",
        "network_ids",
        "countries",
    }
    assert person["accounts"] == [{"platform": "chat", "account_id": "tom_a"}]
    assert person["countries"] == ["GB"]
