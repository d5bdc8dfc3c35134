"""The truth agrees with the files: sessions are paid, chatted and logged in around; every
account of every person is in the data; roles and networks hang together."""

from __future__ import annotations

import bisect
import collections
from datetime import datetime

from tests.synth.conftest import Op


def _t(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _payments(op: Op) -> dict[tuple[str, str], dict[str, str | None]]:
    return {
        (str(r.fields["provider"]), str(r.fields["transaction_id"])): r.fields
        for _, r in op.good("payments")
        if r.fields
    }


def test_sessions_are_paid_before_they_start(op: Op) -> None:
    payments = _payments(op)
    by_id = {k[1]: v for k, v in payments.items()}
    sessions = op.truth("sessions")
    assert sessions
    assert len(by_id) == len(payments)  # transaction ids are unique across providers too
    split = 0
    for s in sessions:
        start, end = _t(str(s["start"])), _t(str(s["end"]))
        assert _t(str(s["negotiation_start"])) < start < end
        assert s["payment_transaction_ids"] == [p["transaction_id"] for p in s["payments"]]
        split += len(s["payments"]) > 1
        for p in s["payments"]:
            row = payments[(p["provider"], p["transaction_id"])]
            assert row["amount"] == p["amount"]
            assert row["currency"] == p["currency"]
            assert _t(p["sent_at"]) < start
            assert start - _t(p["sent_at"]) < 4 * 3600
    assert split > 0


def test_payment_times_match_the_files(op: Op) -> None:
    zones = {s["path"]: s["timezone"] for s in op.of_kind("payments")}
    times = {}
    for s, r in op.good("payments"):
        assert r.fields is not None
        if zones[s["path"]] is None:
            times[str(r.fields["transaction_id"])] = _t(str(r.fields["sent_at"]))
    for s in op.truth("sessions"):
        for p in s["payments"]:
            if p["transaction_id"] in times:
                assert times[p["transaction_id"]] == _t(p["sent_at"])


def test_sessions_have_live_chat_and_a_login(op: Op) -> None:
    chat: dict[tuple[str, str, str], list[tuple[float, str]]] = collections.defaultdict(list)
    for _, r in op.good("messages"):
        assert r.fields is not None
        key = (
            str(r.fields["platform"]),
            *sorted((str(r.fields["sender"]), str(r.fields["recipient"]))),
        )
        chat[key].append((_t(str(r.fields["sent_at"])), str(r.fields["text"])))  # type: ignore[index]
    logins: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for s, r in op.good("logins"):
        assert r.fields is not None
        if s["timezone"] is None:
            logins[(str(r.fields["platform"]), str(r.fields["account_id"]))].append(
                _t(str(r.fields["at"]))
            )
    for v in logins.values():
        v.sort()
    for s in op.truth("sessions"):
        buyer, seller = s["buyer"], s["seller"]
        assert buyer["platform"] == seller["platform"]
        start, end = _t(str(s["start"])), _t(str(s["end"]))
        said = chat[(buyer["platform"], *sorted((buyer["account_id"], seller["account_id"])))]  # type: ignore[index]
        assert any(start <= t <= end and "[LIVE]" in text for t, text in said), s["session_id"]
        assert any(_t(str(s["negotiation_start"])) <= t < start for t, _ in said)
        times = logins[(buyer["platform"], buyer["account_id"])]
        i = bisect.bisect_left(times, start - 3600)
        assert i < len(times), s["session_id"]
        assert times[i] < start, s["session_id"]


def test_every_account_of_a_person_is_in_the_data(op: Op) -> None:
    listed = {
        (str(r.fields["platform"]), str(r.fields["account_id"]))
        for _, r in op.good("accounts")
        if r.fields
    }
    logged = {
        (str(r.fields["platform"]), str(r.fields["account_id"]))
        for _, r in op.good("logins")
        if r.fields
    }
    for p in op.truth("persons"):
        for a in p["accounts"]:
            key = (a["platform"], a["account_id"])
            assert key in listed, (p["person_id"], key)
            assert key in logged, (p["person_id"], key)


def test_roles_and_networks(op: Op) -> None:
    persons = {p["person_id"]: p for p in op.truth("persons")}
    roles = collections.Counter(p["role"] for p in persons.values())
    for role in (
        "facilitator",
        "mule",
        "buyer",
        "benign_remitter",
        "benign_receiver",
        "benign_contact",
        "hub",
    ):
        assert roles[role] > 0, role
    kinds = collections.Counter(p["buyer_kind"] for p in persons.values() if p["role"] == "buyer")
    assert set(kinds) == {"window_shopper", "occasional", "heavy"}
    traits = collections.Counter(t for p in persons.values() for t in p["traits"])
    assert traits["traveller"]
    assert traits["vpn"]
    networks = op.truth("networks")
    assert any(n["solo"] for n in networks)
    assert any(len(n["facilitators"]) > 1 for n in networks)
    for n in networks:
        for f in n["facilitators"] + n["mules"] + n["relatives"]:
            assert persons[f]["network_id"] == n["network_id"]
        for b in n["buyers"]:
            assert persons[b]["role"] == "buyer"
    for p in persons.values():
        if p["role"] in ("buyer", "benign_remitter", "benign_receiver", "benign_contact", "hub"):
            assert p["network_id"] is None
        if p["role"] == "facilitator":
            assert p["country"] == "PH"
            assert len(p["accounts"]) >= 2
            assert len({a["platform"] for a in p["accounts"]}) >= 2
            assert any(i["side"] == "receiver" for i in p["payment_identities"]) or not n["buyers"]
    homes = op.truth("facilitator_homes")
    assert {h["person_id"] for h in homes} == {
        p for p, v in persons.items() if v["role"] == "facilitator"
    }
    for h in homes:
        assert 4.5 < h["lat"] < 21.5
        assert 116 < h["lon"] < 127
        assert h["admin_area"]


def test_sessions_belong_to_their_network(op: Op) -> None:
    persons = {p["person_id"]: p for p in op.truth("persons")}
    buyers_of = {n["network_id"]: set(n["buyers"]) for n in op.truth("networks")}
    for s in op.truth("sessions"):
        seller = persons[str(s["seller_person"])]
        buyer = persons[str(s["buyer_person"])]
        assert seller["role"] == "facilitator"
        assert buyer["role"] == "buyer"
        assert buyer["buyer_kind"] != "window_shopper"
        assert s["network_id"] == seller["network_id"]
        assert buyer["person_id"] in buyers_of[str(s["network_id"])]
        assert {
            "platform": s["seller"]["platform"],
            "account_id": s["seller"]["account_id"],
        } in seller["accounts"]
        assert {
            "platform": s["buyer"]["platform"],
            "account_id": s["buyer"]["account_id"],
        } in buyer["accounts"]


def test_priority_buyers_and_benign_remitters(op: Op) -> None:
    persons = {p["person_id"]: p for p in op.truth("persons")}
    priority = op.truth("priority_buyers")
    assert priority
    assert [p["rank"] for p in priority] == list(range(1, len(priority) + 1))
    for p in priority:
        assert persons[p["person_id"]]["role"] == "buyer"
        assert p["paid_sessions"] > 0
    remitters = op.truth("benign_remitters")
    assert remitters
    paying = {str(s["buyer_person"]) for s in op.truth("sessions")}
    for r in remitters:
        assert r["person_id"] not in paying
        surname = persons[r["person_id"]]["name"].split()[-1]
        for q in r["receivers"]:
            assert q["name"].endswith(surname)


def test_family_remittances_are_larger_and_regular(small: Op) -> None:
    remitters = small.truth("benign_remitters")
    counts = [r["remittances"] for r in remitters]
    assert sum(counts) / len(counts) > 10
    assert any(r["receiver_shares_name_with_mule"] for r in remitters)
    session_ids = {p["transaction_id"] for s in small.truth("sessions") for p in s["payments"]}
    session_usd, other_usd = [], []
    for _, r in small.good("payments"):
        assert r.fields is not None
        if r.fields["currency"] != "USD" or r.fields["provider"] == "gcash":
            continue
        amount = float(str(r.fields["amount"]))
        (session_usd if r.fields["transaction_id"] in session_ids else other_usd).append(amount)
    assert sorted(other_usd)[len(other_usd) // 2] > 3 * sorted(session_usd)[len(session_usd) // 2]
