"""FollowTheMoney entities (one JSON object per line) that load into Aleph.

Built and cleaned by the ``followthemoney`` library itself: Person per resolved person,
UserAccount per account handle (owner: the person), BankAccount per payment account,
Message per chat message, Payment per transaction, Address per rescue estimate, networks
as Organization with Membership, and paid sessions as Associate links between buyer and
seller. Entity ids are the library's content-derived ids over Threadline's own keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from threadline.share import export_sql as sql
from threadline.store.engine import Engine

NS = "threadline"


def make(schema: str, *key: str) -> EntityProxy:
    """A new FtM entity of ``schema`` whose id is derived from Threadline's keys."""
    entity = model.make_entity(schema)
    entity.make_id(NS, schema.lower(), *key)
    return entity


def person_ref(person_id: str) -> str:
    """The FtM id of a resolved person's Person entity."""
    return str(make("Person", person_id).id)


def write_ftm(engine: Engine, out: Path) -> dict[str, int]:
    """Write every entity to ``out`` (FtM JSON lines); return counts by schema."""
    counts: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for entity in _entities(engine):
            _write(fh, entity, counts)
    return dict(sorted(counts.items()))


def _write(fh: IO[str], entity: EntityProxy, counts: dict[str, int]) -> None:
    fh.write(json.dumps(entity.to_dict(), sort_keys=True, ensure_ascii=False) + "\n")
    counts[entity.schema.name] = counts.get(entity.schema.name, 0) + 1


def _entities(engine: Engine) -> Iterator[EntityProxy]:
    addresses = {str(r["person_id"]): _address(r) for r in sql.all_rescue(engine)}
    yield from addresses.values()
    nodes = sql.person_nodes(engine)
    names: dict[str, set[str]] = {str(n["person_id"]): set() for n in nodes}
    identities = sql.ftm_identities(engine)
    accounts = sql.ftm_accounts(engine)
    for i in identities:
        if i["name"]:
            names[str(i["person_id"])].add(str(i["name"]))
    for a in accounts:
        if a["display_name"]:
            names[str(a["person_id"])].add(str(a["display_name"]))
    for n in nodes:
        pid = str(n["person_id"])
        person = make("Person", pid)
        person.add("name", sorted(names[pid]) or [f"Person {pid}"])
        person.add("country", n["countries"] or [])
        person.add("keywords", f"threadline:{pid}")
        person.add("classification", n["role"])
        if pid in addresses:
            person.add("addressEntity", addresses[pid].id)
        if n["target_country"]:
            person.add("notes", f"target rank {n['rank']} score {n['score']:.3f}")
        yield person
    for a in accounts:
        acct = make("UserAccount", str(a["member_key"]))
        acct.add("username", a["account_id"])
        acct.add("service", a["platform"])
        acct.add("owner", person_ref(str(a["person_id"])))
        for prop in ("email", "phone", "country", "createdAt"):
            acct.add(prop, a[_col(prop)])
        yield acct
    seen_bank: set[str] = set()
    for i in identities:
        if i["account"] and f"{i['provider']}:{i['account']}" not in seen_bank:
            seen_bank.add(f"{i['provider']}:{i['account']}")
            yield _bank(f"{i['provider']}:{i['account']}", str(i["provider"]), str(i["account"]))
    yield from _messages(engine)
    yield from _payments(engine)
    yield from _networks(engine)
    yield from _sessions(engine)


def _col(prop: str) -> str:
    return {"createdAt": "created_at"}.get(prop, prop)


def _bank(key: str, provider: str, number: str) -> EntityProxy:
    bank = make("BankAccount", key)
    bank.add("accountNumber", number)
    bank.add("bankName", provider)
    return bank


def _messages(engine: Engine) -> Iterator[EntityProxy]:
    for batch in sql.ftm_messages(engine):
        for m in batch.to_pylist():
            if not m["sender_person"]:
                continue
            msg = make("Message", str(m["platform"]), str(m["message_id"]))
            msg.add("messageId", m["message_id"])
            msg.add("bodyText", m["text"] or "")
            msg.add("date", m["sent_at"])
            msg.add("sender", person_ref(m["sender_person"]))
            msg.add("senderAccount", make("UserAccount", m["sender_key"]).id)
            if m["recipient_person"]:
                msg.add("recipients", person_ref(m["recipient_person"]))
                msg.add("recipientAccount", make("UserAccount", m["recipient_key"]).id)
            msg.add("threadTopic", m["conversation_id"])
            if m["attachment_sha256"]:  # FtM's checksum type is SHA-1: keep the sha256 as a note
                msg.add("notes", f"attachment sha256 {m['attachment_sha256']}")
            yield msg


def _payments(engine: Engine) -> Iterator[EntityProxy]:
    for batch in sql.ftm_payments(engine):
        for p in batch.to_pylist():
            if not (p["payer"] and p["beneficiary"]):
                continue
            pay = make("Payment", str(p["provider"]), str(p["transaction_id"]))
            pay.add("transactionNumber", p["transaction_id"])
            pay.add("date", p["sent_at"])
            pay.add("amount", p["amount"])
            pay.add("currency", p["currency"])
            pay.add("purpose", p["narrative"])
            pay.add("payer", person_ref(p["payer"]))
            pay.add("beneficiary", person_ref(p["beneficiary"]))
            for side, col in (
                ("payerAccount", "payer_acct"),
                ("beneficiaryAccount", "beneficiary_acct"),
            ):
                if p[col]:
                    pay.add(side, make("BankAccount", p[col]).id)
            yield pay


def _networks(engine: Engine) -> Iterator[EntityProxy]:
    seen: set[str] = set()
    for m in sql.network_memberships(engine):
        nid = str(m["network_id"])
        if nid not in seen:
            seen.add(nid)
            org = make("Organization", nid)
            org.add("name", f"Network {nid}")
            org.add("description", m["summary"])
            org.add("classification", "live-streaming abuse network")
            yield org
        member = make("Membership", nid, str(m["person_id"]))
        member.add("member", person_ref(str(m["person_id"])))
        member.add("organization", make("Organization", nid).id)
        member.add("role", m["role"])
        yield member


def _sessions(engine: Engine) -> Iterator[EntityProxy]:
    for s in sql.all_sessions(engine):
        if not (s["buyer_person"] and s["seller_person"]):
            continue
        link = make("Associate", str(s["session_id"]))
        link.add("person", person_ref(s["buyer_person"]))
        link.add("associate", person_ref(s["seller_person"]))
        link.add("relationship", "paid live-stream session (buyer to seller)")
        link.add("startDate", s["start"])
        link.add("endDate", s["end"])
        yield link


def _address(r: dict[str, Any]) -> EntityProxy:
    """A rescue estimate as an Address with coordinates (no street: an estimate)."""
    addr = make("Address", str(r["person_id"]), "rescue")
    area = ", ".join(str(v) for v in (r["admin_area"], r["country"]) if v)
    addr.add("full", f"estimate {r['lat']:.5f}, {r['lon']:.5f} ±{r['radius_m']:.0f} m {area}")
    # as text: the library rounds floats to two decimals (about a kilometre)
    addr.add("latitude", f"{r['lat']:.6f}")
    addr.add("longitude", f"{r['lon']:.6f}")
    addr.add("region", r["admin_area"])
    addr.add("country", r["country"])
    addr.add("remarks", f"rescue estimate, last activity {r['last_activity']}")
    return addr
