"""Persons hold as names grow more common: namesakes, however many, stay apart.

Deterministic (values follow from loop indices). Fifty unrelated receivers named "Maria
Santos" in one city, each with her own phone, and a few "Maria Santos" written with no
phone at all on cash-pickup providers: each phoneless one could be any of the fifty, so
none of them may chain the fifty into one person.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write
from threadline import Case
from threadline.resolve import crowding

NAMESAKES, PHONELESS = 50, 6


def _payments(path: Path) -> Path:
    rows = []
    for i in range(NAMESAKES):
        rows.append(
            {
                "provider": "remitco",
                "sender_name": f"Sender{i} Person{i % 9}",
                "sender_phone": f"+4477009{i:05d}",
                "receiver_name": "Maria Santos",
                "receiver_phone": f"+63917{i:07d}",
            }
        )
    for i in range(PHONELESS):
        rows.append(
            {
                "provider": f"cashco{i}",
                "sender_name": f"Walkin{i} Payer{i}",
                "receiver_name": "Maria Santos",
            }
        )
    # three namesakes whose name is rare in the case (its frequency cannot warn): each
    # has a phone on one payment, and each is also written without one at a counter
    for i in range(3):
        for provider, phone in (("remitco", f"+4790000{i:03d}"), (f"cashco{i}", None)):
            rows.append(
                {
                    "provider": provider,
                    "sender_name": "Ingrid Halvorsen",
                    "sender_phone": phone,
                    "sender_country": "NO",
                    "sender_city": "Oslo",
                    "receiver_name": f"Rare{i} Receiver{i}",
                }
            )
    # one true person written on two providers with a phone on one: must still link
    rows.append(
        {
            "provider": "remitco",
            "receiver_name": "Lorna Quisumbing",
            "receiver_phone": "+639998887777",
            "sender_name": "Kim Jensen",
        }
    )
    rows.append(
        {"provider": "cashco9", "receiver_name": "Lorna Quisumbing", "sender_name": "Kim Jensen"}
    )
    # background families so the model has something to train on
    for i in range(80):
        rows.append(
            {
                "provider": "remitco" if i % 3 else "wireco",
                "sender_name": f"Family{i % 25} Abroad{i % 25}",
                "sender_phone": f"+4477118{i % 25:05d}",
                "receiver_name": f"Receiver{i % 20} Family{i % 20}",
                "receiver_phone": f"+63918{i % 20:07d}",
            }
        )
    lines = []
    for i, r in enumerate(rows):
        rec = {
            "transaction_id": f"t{i}",
            "sent_at": f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
            "amount": "25",
            "currency": "USD",
            "sender_country": "GB",
            "receiver_country": "PH",
            "receiver_city": "Manila",
            **r,
        }
        lines.append(json.dumps(rec))
    return write(path, "\n".join(lines) + "\n")


def test_fifty_namesakes_in_one_city_stay_apart(case: Case, tmp_path: Path) -> None:
    case.ingest("payments", [_payments(tmp_path / "p.jsonl")], agency="A", seizure="S")
    case.analyze()
    persons = case.engine.query(
        """SELECT i.phone, m.person_id FROM payment_identities i
           JOIN person_members m ON m.member_key = i.identity_key
           WHERE i.name = 'Maria Santos'"""
    )
    assert len(persons) == NAMESAKES + PHONELESS
    with_phone = {p for phone, p in persons if phone}
    assert len(with_phone) == NAMESAKES, "namesakes chained into one person"
    lorna = case.engine.query(
        """SELECT DISTINCT m.person_id FROM payment_identities i
           JOIN person_members m ON m.member_key = i.identity_key
           WHERE i.name = 'Lorna Quisumbing'"""
    )
    assert len(lorna) >= 1
    ingrids = case.engine.query(
        """SELECT DISTINCT m.person_id FROM payment_identities i
           JOIN person_members m ON m.member_key = i.identity_key
           WHERE i.name = 'Ingrid Halvorsen' AND i.phone IS NOT NULL"""
    )
    assert len(ingrids) == 3, "three namesakes chained through their phoneless payments"


def test_holders_counts_people_told_apart_by_phone_or_account() -> None:
    rows = [
        ("k1", "remitco", "Maria Santos", "+639170000001", None, "manila"),
        ("k2", "remitco", "Santos, Maria", "+639170000002", None, "manila"),
        ("k3", "cashco", "MARIA SANTOS", None, None, "manila"),
        ("k4", "gcash", "Maria Santos", None, "09170000003", "manila"),
        ("k5", "gcash", "Maria Santos", None, "09170000004", "manila"),
        ("k6", "gcash", "Lorna Cruz", None, "09170000005", "manila"),
        ("k7", "remitco", "Lorna Cruz", "+639170000005", None, "manila"),
        ("k8", "remitco", "Maria Santos", "+639170000009", None, "cebu city"),
    ]
    found = crowding.holders(rows)
    assert found[("maria santos", "manila")] == 2
    assert found[("cruz lorna", "manila")] == 1
    assert found[("maria santos", "cebu city")] == 1


def test_names_agree_needs_the_surname() -> None:
    assert not crowding.names_agree("Timothy Walter Harris", "Timothy Adams", 0.9)[0]
    assert not crowding.names_agree("Masato Sato", "Masato Kato", 0.9)[0]
    assert crowding.names_agree("Timothy Harris", "timothy.w.harris", 0.9)[0]
    assert not crowding.names_agree("Jürgen", "Jurgen", 0.9)[0]  # two bare first names
    assert crowding.names_agree("Jürgen", "Jurgen Becker", 0.8)[0]
    assert crowding.names_agree("Timothy H.", "Timothy Harris", 0.9)[0]
    assert crowding.names_agree("Timothy", "Timothy H.", 0.9)[0]
    assert not crowding.names_agree("Donald", "Ronald Miller", 0.5)[0]


def test_quiet_address_links_same_person_not_first_name_twins(case: Case, tmp_path: Path) -> None:
    accounts = "platform,account_id,display_name\n"
    accounts += "chat,th1,Timothy Harris\nchat,th2,timothy.w.harris\nchat,ta,Timothy Adams\n"
    logins = "platform,account_id,at,ip\n"
    logins += "chat,th1,2020-01-01T00:00:00Z,81.2.69.160\n"
    logins += "chat,th2,2020-01-02T00:00:00Z,81.2.69.160\n"
    logins += "chat,ta,2020-01-03T00:00:00Z,81.2.69.170\n"
    logins += "chat,th1,2020-01-04T00:00:00Z,81.2.69.170\n"
    case.ingest("accounts", [write(tmp_path / "a.csv", accounts)], agency="A", seizure="S")
    case.ingest("logins", [write(tmp_path / "l.csv", logins)], agency="A", seizure="S")
    case.analyze()
    person = dict(case.engine.query("SELECT member_key, person_id FROM person_members"))
    assert person["chat:th1"] == person["chat:th2"]
    assert person["chat:ta"] != person["chat:th1"]


def test_an_address_held_years_apart_links_nobody(case: Case, tmp_path: Path) -> None:
    """Strangers who held one home address years apart; one person's two apps on one day."""
    accounts = "platform,account_id,display_name\n" + "".join(
        f"chat,{a},{n}\n"
        for a, n in (
            ("old", "Kenneth Cox"),
            ("new", "Kenneth"),
            ("app1", "Donald Ross"),
            ("app2", "Donald R."),
        )
    )
    logins = "platform,account_id,at,ip\n" + "".join(
        f"chat,{a},{t},{ip}\n"
        for a, t, ip in (
            ("old", "2014-03-01T10:00:00Z", "12.17.5.185"),
            ("old", "2014-06-01T10:00:00Z", "12.17.5.185"),
            ("new", "2019-09-01T10:00:00Z", "12.17.5.185"),
            ("app1", "2019-09-01T10:00:00Z", "12.2.0.35"),
            ("app2", "2019-09-01T18:00:00Z", "12.2.0.35"),
        )
    )
    case.ingest("accounts", [write(tmp_path / "a.csv", accounts)], agency="A", seizure="S")
    case.ingest("logins", [write(tmp_path / "l.csv", logins)], agency="A", seizure="S")
    case.analyze()

    def person(key: str) -> object:
        return case.engine.scalar(
            "SELECT person_id FROM person_members WHERE member_key = ?", [key]
        )

    assert person("chat:old") != person("chat:new")
    assert person("chat:app1") == person("chat:app2")
