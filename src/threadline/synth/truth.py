"""Ground truth in ``OUT/truth/`` (JSON Lines).

Analysis code never reads it; tests and evaluations compare findings against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from threadline.synth import ledger
from threadline.synth.clock import iso_text, iso_utc
from threadline.synth.facilitators import city_named
from threadline.synth.ledger import Ledger
from threadline.synth.payments import usd_value
from threadline.synth.relations import Pairs
from threadline.synth.sessions import Sessions
from threadline.synth.textcols import (
    concat_bytes,
    decimal_text,
    json_objects,
    json_string,
    jsonl_lines,
)
from threadline.synth.world import PROVIDERS, World

I64 = npt.NDArray[np.int64]


def _dump(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def payment_identities(world: World, book: Ledger) -> dict[int, list[dict[str, object]]]:
    """Per person, the (provider, name, account, phone) they send or receive money under."""
    c = book.columns
    out: dict[int, list[dict[str, object]]] = {}
    for side in ("sender", "receiver"):
        keys = np.unique(np.stack([c[f"{side}_person"], c["provider"]], axis=1), axis=0)
        for person, provider in keys:
            p = world.persons[int(person)]
            name = PROVIDERS[int(provider)]
            account: str | None = None
            if name == "gcash" or (name == "remitly" and side == "receiver"):
                account = p.phones[0] if p.phones else None
            elif name in ("paypal", "remitly"):
                account = p.email
            entry: dict[str, object] = {
                "provider": name,
                "name": p.name.full,
                "account": account,
                "phone": p.phones[0] if p.phones else None,
                "side": side,
            }
            out.setdefault(int(person), []).append(entry)
    return out


def write_truth(
    root: Path, world: World, pairs: Pairs, sessions: Sessions, book: Ledger, ids: pa.Array
) -> dict[str, int]:
    """Write every truth file; returns the number of lines per file."""
    root.mkdir(parents=True, exist_ok=True)
    c = book.columns
    idents = payment_identities(world, book)
    acc = world.accounts
    persons: list[dict[str, object]] = []
    for p in world.persons:
        persons.append(
            {
                "person_id": p.person_id,
                "role": p.role,
                "buyer_kind": p.buyer_kind or None,
                "traits": p.traits,
                "country": p.country,
                "name": p.name.full,
                "city": p.city or None,
                "phones": p.phones,
                "email": p.email or None,
                "accounts": [
                    {"platform": acc[a].platform, "account_id": acc[a].account_id}
                    for a in p.accounts
                ],
                "payment_identities": idents.get(p.idx, []),
                "network_id": world.networks[p.network].network_id if p.network >= 0 else None,
                "trips": [
                    {"start": iso_utc(s), "end": iso_utc(e), "city": city} for s, e, city in p.trips
                ],
            }
        )
    _dump(root / "persons.jsonl", persons)

    seller_person = np.array([a.person for a in acc], dtype=np.int64)[pairs.b[sessions.pair]]
    buyer_person = np.array([a.person for a in acc], dtype=np.int64)[pairs.a[sessions.pair]]
    networks = []
    for net in world.networks:
        mine = np.array(
            [world.persons[int(f)].network == net.idx for f in seller_person], dtype=bool
        )
        buyers = sorted({world.persons[int(b)].person_id for b in buyer_person[mine]})
        city = city_named(net.city)
        networks.append(
            {
                "network_id": net.network_id,
                "solo": net.solo,
                "city": net.city,
                "admin_area": city.province,
                "region": city.region,
                "facilitators": [world.persons[f].person_id for f in net.facilitators],
                "mules": [world.persons[m].person_id for m in net.mules],
                "relatives": [world.persons[r].person_id for r in net.relatives],
                "buyers": buyers,
                "providers": net.providers,
                "phones": net.phones,
                "start": iso_utc(net.start),
                "end": iso_utc(net.end),
                "paid_sessions": int(mine.sum()),
            }
        )
    _dump(root / "networks.jsonl", networks)
    _write_sessions(root / "sessions.jsonl", world, pairs, sessions, book, ids)

    usd = usd_value(book, np.arange(len(book)))
    is_session = c["kind"] == ledger.SESSION
    sess_count = np.bincount(buyer_person, minlength=len(world.persons))
    paid = np.bincount(
        c["sender_person"][is_session], weights=usd[is_session], minlength=len(world.persons)
    )
    candidates = []
    for p in world.persons:
        n = int(sess_count[p.idx])
        if p.role != "buyer" or n == 0:
            continue
        reasons = []
        if p.buyer_kind == "heavy":
            reasons += ["heavy_repeat_payer", "escalating_amounts"]
        if "traveller" in p.traits:
            reasons.append("travelled_to_philippines")
        if not reasons:
            continue
        score = float(paid[p.idx]) * (1 + p.escalation) * (2.0 if "traveller" in p.traits else 1.0)
        candidates.append((score, p, n, reasons))
    candidates.sort(key=lambda x: (-x[0], x[1].idx))
    _dump(
        root / "priority_buyers.jsonl",
        [
            {
                "person_id": p.person_id,
                "rank": i + 1,
                "score": round(score, 2),
                "buyer_kind": p.buyer_kind,
                "traits": p.traits,
                "country": p.country,
                "paid_sessions": n,
                "total_usd": round(float(paid[p.idx]), 2),
                "reasons": reasons,
            }
            for i, (score, p, n, reasons) in enumerate(candidates)
        ],
    )

    family = c["kind"] == ledger.FAMILY
    sent = np.bincount(c["sender_person"][family], minlength=len(world.persons))
    remitters = []
    for p in world.persons:
        if p.role != "benign_remitter":
            continue
        receivers = [
            q for q in world.persons if q.family_of == p.idx and q.role == "benign_receiver"
        ]
        twins = [
            m.person_id
            for q in receivers
            for m in world.persons
            if m.role == "mule" and (m.name.first, m.name.last) == (q.name.first, q.name.last)
        ]
        remitters.append(
            {
                "person_id": p.person_id,
                "name": p.name.full,
                "country": p.country,
                "receivers": [
                    {"person_id": q.person_id, "name": q.name.full, "city": q.city}
                    for q in receivers
                ],
                "remittances": int(sent[p.idx]),
                "receiver_shares_name_with_mule": sorted(set(twins)),
            }
        )
    _dump(root / "benign_remitters.jsonl", remitters)

    homes = []
    for p in world.persons:
        if p.role == "facilitator" and p.home is not None:
            city = city_named(p.city)
            homes.append(
                {
                    "person_id": p.person_id,
                    "network_id": world.networks[p.network].network_id,
                    "lat": p.home[0],
                    "lon": p.home[1],
                    "admin_area": city.province,
                    "city": city.name,
                    "region": city.region,
                    "country": "PH",
                }
            )
    _dump(root / "facilitator_homes.jsonl", homes)
    return {
        "persons": len(persons),
        "networks": len(networks),
        "sessions": len(sessions),
        "priority_buyers": len(candidates),
        "benign_remitters": len(remitters),
        "facilitator_homes": len(homes),
    }


def _write_sessions(
    path: Path, world: World, pairs: Pairs, s: Sessions, book: Ledger, ids: pa.Array
) -> None:
    """One line per paid session, built in bulk."""
    acc = world.accounts
    plat = pa.array([a.platform for a in acc], pa.string())
    acc_ids = pa.array([a.account_id for a in acc], pa.string())
    person_ids = pa.array([p.person_id for p in world.persons], pa.string())
    acc_person = np.array([a.person for a in acc], dtype=np.int64)
    c = book.columns
    strings = book.strings.array()

    def account_obj(accounts: I64) -> pa.Array:
        a = pa.array(accounts)
        return json_objects(["platform", "account_id"], [plat.take(a), acc_ids.take(a)])

    def payment_obj(refs: I64) -> pa.Array:
        pos = book.position[np.maximum(refs, 0)]
        obj = json_objects(
            ["provider", "transaction_id", "sent_at", "amount", "currency"],
            [
                pa.array([PROVIDERS[int(p)] for p in c["provider"][pos]], pa.string()),
                ids.take(pa.array(pos)),
                iso_text(c["t"][pos], "UTC"),
                decimal_text(c["amount"][pos], c["places"][pos]),
                strings.take(pa.array(c["currency"][pos])),
            ],
        )
        return pc.if_else(pa.array(refs >= 0), obj, pa.scalar(None, pa.string()))

    n = len(s)
    if n == 0:
        path.write_text("")
        return
    pos1 = book.position[s.pay1]
    pos2 = book.position[np.maximum(s.pay2, 0)]
    id1 = json_string(ids.take(pa.array(pos1)))
    id2 = json_string(ids.take(pa.array(pos2)))
    has2 = pa.array(s.pay2 >= 0)
    id_list = pc.if_else(
        has2,
        pc.binary_join_element_wise("[", id1, ", ", id2, "]", ""),
        pc.binary_join_element_wise("[", id1, "]", ""),
    )
    p1, p2 = payment_obj(s.pay1), payment_obj(s.pay2)
    pay_list = pc.if_else(
        has2,
        pc.binary_join_element_wise("[", p1, ", ", p2, "]", ""),
        pc.binary_join_element_wise("[", p1, "]", ""),
    )
    facs, fac_inv = np.unique(acc_person[pairs.b[s.pair]], return_inverse=True)
    net_ids = pa.array(
        [world.networks[world.persons[int(f)].network].network_id for f in facs], pa.string()
    )
    names = [
        "session_id",
        "buyer",
        "seller",
        "buyer_person",
        "seller_person",
        "network_id",
        "negotiation_start",
        "start",
        "end",
        "payment_transaction_ids",
        "payments",
    ]
    cols = [
        pc.binary_join_element_wise("S", pa.array(np.arange(n)).cast(pa.string()), ""),
        account_obj(pairs.a[s.pair]),
        account_obj(pairs.b[s.pair]),
        person_ids.take(pa.array(acc_person[pairs.a[s.pair]])),
        person_ids.take(pa.array(acc_person[pairs.b[s.pair]])),
        net_ids.take(pa.array(fac_inv)),
        iso_text(s.neg_start, "UTC"),
        iso_text(s.start, "UTC"),
        iso_text(s.end, "UTC"),
        id_list,
        pay_list,
    ]
    lines = jsonl_lines(
        names, cols, raw=frozenset({"buyer", "seller", "payment_transaction_ids", "payments"})
    )
    with path.open("wb") as fh:
        fh.write(concat_bytes(lines))
