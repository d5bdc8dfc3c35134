"""A tiny synthetic operation for the share tests: buyers in several countries paying two
facilitators, written as canonical CSVs, ingested, resolved, and given findings rows.

Every name, number and address here is invented; chat text is a neutral token.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadline import Case

PLATFORM = "chatapp"
# A hash-list series label that would identify a victim if it ever left the case.
VICTIM_SERIES = "series-victim-marisol"
MEDIA_PATH = "DCIM/victim_marisol_01.jpg"
MEDIA_SHA256 = "a" * 64
MEDIA_MD5 = "b" * 32
CHAT_TEXT = "[REQUEST] marisol"  # chat text: must never reach a package


@dataclass(frozen=True)
class Party:
    """One invented person with every selector they show."""

    handle: str
    name: str
    country: str
    phone: str
    email: str
    device: str
    pay_account: str
    platform: str = PLATFORM

    @property
    def raw_values(self) -> tuple[str, ...]:
        """Every raw identifying value (what must not leak)."""
        return (self.handle, self.name, self.phone, self.email, self.device, self.pay_account)


SELLERS = (
    Party("ana_cebu", "Ana Santos", "PH", "+639175550199", "ana.s@mail.test", "dev-ph-1", "W-9001"),
    Party("rosa_dvo", "Rosa Cruz", "PH", "+639185550123", "rosa.c@mail.test", "dev-ph-2", "W-9002"),
)
BUYERS = (
    Party("tom_b", "Tom Bright", "GB", "+447400123456", "tom.b@mail.test", "dev-gb-1", "A-1001"),
    Party("joe_u", "Joe Upton", "US", "+12025550143", "joe.u@mail.test", "dev-us-1", "A-1002"),
    Party("sam_k", "Sam Kettle", "GB", "+447400654321", "sam.k@mail.test", "dev-gb-2", "A-1003"),
    Party("kev_a", "Kev Arden", "AU", "+61412345678", "kev.a@mail.test", "dev-au-1", "A-1004"),
    Party("max_d", "Max Decker", "DE", "+4915112345678", "max.d@mail.test", "dev-de-1", "A-1005"),
    Party("leo_f", "Leo Favre", "FR", "+33612345678", "leo.f@mail.test", "dev-fr-1", "A-1006"),
)


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def seller_of(i: int) -> Party:
    return SELLERS[i % len(SELLERS)]


def write_sources(
    folder: Path, buyers: list[tuple[int, Party]], *, media: bool = True
) -> dict[str, Path]:
    """Canonical files for buyers (index, party) and the facilitators they pay."""
    sellers = sorted({seller_of(i) for i, _ in buyers}, key=lambda p: p.handle)
    parties = [*sellers, *(b for _, b in buyers)]
    accounts = [
        {
            "platform": p.platform,
            "account_id": p.handle,
            "display_name": p.name.split()[0],
            "email": p.email,
            "phone": p.phone,
            "created_at": "2019-03-01T10:00:00Z",
            "registration_ip": "203.0.113.7",
            "country": p.country,
        }
        for p in parties
    ]
    messages, payments, logins = [], [], []
    for i, b in buyers:
        s = seller_of(i)
        for k in range(2):
            day = f"2020-0{k + 1}-{10 + i:02d}"
            messages.append(_message(f"m-{i}-{k}a", day, b, s, "[REQUEST]", ""))
            attach = MEDIA_SHA256 if (k == 0 and media) else ""
            messages.append(_message(f"m-{i}-{k}b", day, s, b, CHAT_TEXT, attach))
            payments.append(_payment(f"T-{1000 + 10 * i + k}", day, b, s))
            logins.append(
                {
                    "platform": b.platform,
                    "account_id": b.handle,
                    "at": f"{day}T01:55:00Z",
                    "ip": f"198.51.100.{10 + i}",
                    "device_id": b.device,
                }
            )
    files = {
        "accounts": _csv(folder / "accounts.csv", accounts),
        "messages": _csv(folder / "messages.csv", messages),
        "payments": _csv(folder / "payments.csv", payments),
        "logins": _csv(folder / "logins.csv", logins),
    }
    if media:
        files["media"] = _csv(
            folder / "media.csv",
            [
                {
                    "path": MEDIA_PATH,
                    "sha256": MEDIA_SHA256,
                    "md5": MEDIA_MD5,
                    "size": 2048,
                    "found_on": f"{PLATFORM}:{SELLERS[0].handle}",
                }
            ],
        )
        files["hashlist"] = _csv(
            folder / "hashlist.csv",
            [
                {
                    "md5": MEDIA_MD5,
                    "category": "1",
                    "series": VICTIM_SERIES,
                    "victim_identified": "true",
                    "list_name": "demo-list",
                }
            ],
        )
    return files


def _message(mid: str, day: str, a: Party, b: Party, text: str, attach: str) -> dict[str, Any]:
    return {
        "platform": PLATFORM,
        "message_id": mid,
        "sent_at": f"{day}T02:00:00Z",
        "sender": a.handle,
        "recipient": b.handle,
        "text": text,
        "conversation_id": f"c-{a.handle}",
        "attachment_sha256": attach,
    }


def _payment(tid: str, day: str, b: Party, s: Party) -> dict[str, Any]:
    return {
        "provider": "remitco",
        "transaction_id": tid,
        "sent_at": f"{day}T02:30:00Z",
        "sender_name": b.name,
        "receiver_name": s.name,
        "amount": "35.00",
        "currency": "USD",
        "sender_account": b.pay_account,
        "sender_phone": b.phone,
        "sender_country": b.country,
        "receiver_account": s.pay_account,
        "receiver_phone": s.phone,
        "receiver_country": s.country,
        "narrative": "for milk marisol",
    }


def build_case(path: Path, buyers: list[tuple[int, Party]], *, agency: str = "AG") -> Case:
    """A resolved case holding these buyers, their facilitators and findings rows."""
    case = Case.init(path)
    for kind, f in write_sources(path.parent / f"{path.name}-src", buyers).items():
        case.ingest(kind, [f], agency=agency, seizure="EX-1")
    case.analyze()
    add_findings(case, buyers)
    return case


def pid(case: Case, party: Party) -> str:
    return str(case.person(f"{party.platform}:{party.handle}")["person_id"])


def add_findings(case: Case, buyers: list[tuple[int, Party]]) -> None:
    """Roles, networks, sessions, targets and rescue rows as the analysis stages write them."""
    e = case.engine
    sellers = sorted({seller_of(i) for i, _ in buyers}, key=lambda p: p.handle)

    def reasons(paid: Party) -> str:
        """Reasons as the score stage writes them: free text that names the payee."""
        return json.dumps(
            [
                {
                    "signal": "paid_session",
                    "weight": 0.6,
                    "description": f"paid {paid.name} ({paid.phone}) for sessions",
                    "source": "AUSTRAC 2019 financial indicators",
                    "evidence": [
                        {
                            "source_sha256": _sha(case, "payments"),
                            "row": 1,
                            "table": "payments",
                            "note": f"35.00 USD to {paid.name}, {CHAT_TEXT}",
                        }
                    ],
                }
            ]
        )

    with e.transaction():
        # the fixture's findings replace whatever the graph stage found in this tiny case
        for table in ("person_roles", "networks", "network_members", "sessions", "targets"):
            e.execute(f"DELETE FROM {table}")
        e.execute("DELETE FROM rescue")
        for n, s in enumerate(sellers):
            sp = pid(case, s)
            net = f"N{n + 1}"
            members = [b for i, b in buyers if seller_of(i) == s]
            e.execute(
                "INSERT INTO person_roles VALUES (?, 'facilitator', 0.9, '[]', '[]', false)", [sp]
            )
            e.execute(
                "INSERT INTO networks VALUES (?, ?, 1, ?, '2020-01-01', '2020-03-01', ?)",
                [net, len(members) + 1, len(members), f"facilitator with {len(members)} buyers"],
            )
            e.execute(
                "INSERT INTO network_members VALUES (?, ?, 'facilitator', 1.0, false)", [net, sp]
            )
            e.execute(
                "INSERT INTO targets VALUES (?, ?, 0.95, 'facilitator', ?, ?)",
                [sp, n + 1, s.country, reasons(s)],
            )
            e.execute(
                "INSERT INTO rescue VALUES (?, 10.3157, 123.8854, 500, 'PH', 'Cebu', "
                "'2020-02-20', 0.9, ?)",
                [sp, json.dumps([{"source_sha256": _sha(case, "messages"), "row": 2}])],
            )
        for rank, (i, b) in enumerate(buyers, start=len(sellers) + 1):
            bp, sp = pid(case, b), pid(case, seller_of(i))
            net = f"N{sellers.index(seller_of(i)) + 1}"
            e.execute("INSERT INTO person_roles VALUES (?, 'buyer', 0.9, '[]', '[]', false)", [bp])
            e.execute("INSERT INTO network_members VALUES (?, ?, 'buyer', 0.5, false)", [net, bp])
            e.execute(
                "INSERT INTO targets VALUES (?, ?, ?, 'buyer', ?, ?)",
                [bp, rank, 0.9 - rank / 100, b.country, reasons(seller_of(i))],
            )
            e.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0.85, '[]')",
                [
                    f"S-{100 + i}",
                    PLATFORM,
                    b.handle,
                    PLATFORM,
                    seller_of(i).handle,
                    bp,
                    sp,
                    f"2020-01-{10 + i:02d} 02:00:00",
                    f"2020-01-{10 + i:02d} 02:40:00",
                    [f"T-{1000 + 10 * i}"],
                    [f"198.51.100.{10 + i}"],
                ],
            )


def _sha(case: Case, kind: str) -> str:
    return str(case.engine.scalar("SELECT sha256 FROM sources WHERE kind = ? LIMIT 1", [kind]))
