"""Paid live sessions: when they happen and the remittances that pay for them.

For each paying buyer (a loop over people), his sessions are spread over his conversations
with facilitators, at his local evening hours, growing over the years; each is paid by one
small remittance (sometimes a second top-up) shortly before it starts, to one of the
facilitator's pickup identities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from threadline.synth import ledger, phones
from threadline.synth.clock import EVENING, growth_times, local_hour_times, utc_offsets
from threadline.synth.ledger import Ledger, Strings
from threadline.synth.places import COUNTRIES, minor_units
from threadline.synth.relations import BUYER_SELLER, Pairs
from threadline.synth.scales import Scale
from threadline.synth.world import PROVIDERS, World

I64 = npt.NDArray[np.int64]
MIN = 60
STATUS = {
    "westernunion": "PAID",
    "moneygram": "RECEIVED",
    "remitly": "Completed",
    "paypal": "Completed",
    "cebuana": "CLAIMED",
    "gcash": "SUCCESS",
}
_SESSION_NARRATIVES = ("gift", "help", "for food", "school fees", "support", "birthday")


@dataclass(frozen=True)
class Sessions:
    """One row per paid session; payments are ledger refs (second is -1 when unsplit)."""

    pair: I64
    neg_start: I64
    start: I64
    end: I64
    pay1: I64
    pay2: I64

    def __len__(self) -> int:
        return int(self.pair.shape[0])


def person_texts(world: World, strings: Strings) -> dict[str, I64]:
    """Per-person string indices used on payment rows (phones in five styles, email...)."""
    n = len(world.persons)
    out = {
        "phone": np.full((n, len(phones.STYLES)), -1, dtype=np.int64),
        "email": np.full(n, -1, dtype=np.int64),
        "country_code": np.full(n, -1, dtype=np.int64),
        "country_name": np.full(n, -1, dtype=np.int64),
        "city": np.full(n, -1, dtype=np.int64),
    }
    for p in world.persons:
        if p.phones:
            out["phone"][p.idx] = strings.many(list(phones.writings(p.phones[0])))
        out["email"][p.idx] = strings(p.email or None)
        out["country_code"][p.idx] = strings(p.country)
        out["country_name"][p.idx] = strings(COUNTRIES[p.country].name)
        out["city"][p.idx] = strings(p.city or None)
    return out


def choose(rng: np.random.Generator, values: I64, mask_p: float) -> I64:
    """Keep each value with probability ``mask_p``, else -1."""
    return np.where(rng.random(values.shape[0]) < mask_p, values, -1)


def build_sessions(
    world: World,
    pairs: Pairs,
    book: Ledger,
    texts: dict[str, I64],
    scale: Scale,
    rng: np.random.Generator,
) -> Sessions:
    """Plan every buyer's sessions and add their payments to the ledger."""
    s = book.strings
    acc_person = np.array([a.person for a in world.accounts], dtype=np.int64)
    bs = np.flatnonzero(pairs.kind == BUYER_SELLER)
    buyer_of = acc_person[pairs.a[bs]]
    order = np.argsort(buyer_of, kind="stable")
    bs, buyer_of = bs[order], buyer_of[order]
    bounds = np.searchsorted(buyer_of, np.arange(len(world.persons) + 1))
    ident_written = [s.many(i.written) for i in world.identities]
    ident_phone = np.array(
        [s(phones.written(i.phone, "national")) if i.phone else -1 for i in world.identities],
        dtype=np.int64,
    )
    ident_wallet = np.array(
        [
            s(phones.written(i.wallet, "compact_national")) if i.wallet else -1
            for i in world.identities
        ],
        dtype=np.int64,
    )
    ident_city = np.array([s(i.city) for i in world.identities], dtype=np.int64)
    ident_person = np.array([i.person for i in world.identities], dtype=np.int64)
    ph_code, ph_name = s("PH"), s("Philippines")
    narratives = s.many(list(_SESSION_NARRATIVES))
    cols: dict[str, list[I64]] = {k: [] for k in ("pair", "neg", "start", "end", "pay1", "pay2")}
    for buyer in world.persons:
        if buyer.role != "buyer" or buyer.sessions_target == 0:
            continue
        mine = bs[bounds[buyer.idx] : bounds[buyer.idx + 1]]
        if mine.shape[0] == 0:
            continue
        dur = (pairs.end[mine] - pairs.start[mine]).astype(np.float64) * rng.uniform(
            0.5, 1.5, mine.shape[0]
        )
        counts = rng.multinomial(buyer.sessions_target, dur / dur.sum())
        pair = np.repeat(mine, counts)
        lo, hi = pairs.start[pair], pairs.end[pair] - 3600
        zone = COUNTRIES[buyer.country].zone
        days = growth_times(rng, lo, hi)
        start = local_hour_times(rng, days, utc_offsets(zone, days) / 3600.0, EVENING)
        start = np.clip(start, lo, hi)
        order = np.argsort(start, kind="stable")
        pair, start, hi = pair[order], start[order], hi[order]
        gap = 3 * 3600
        k = np.arange(start.shape[0], dtype=np.int64)
        start = np.maximum.accumulate(start - k * gap) + k * gap  # at least 3 h apart
        keep = start <= hi + 3600
        pair, start = pair[keep], start[keep]
        n = int(start.shape[0])
        if n == 0:
            continue
        end = start + rng.integers(10, 51, n) * MIN
        t_pay = start - rng.integers(10, 91, n) * MIN
        neg = t_pay - rng.integers(5, 46, n) * MIN
        fac = acc_person[pairs.b[pair]]
        split = rng.random(n) < scale.split_payment_share
        t2 = np.minimum(t_pay + rng.integers(3, 31, n) * MIN, start - 2 * MIN)
        # Amounts escalate with the session's rank for heavy payers.
        rank = np.arange(n) / max(n - 1, 1)
        usd = buyer.price_usd * (1 + buyer.escalation * rank) * rng.lognormal(0, 0.15, n)
        ref1 = _payments(
            world,
            book,
            texts,
            rng,
            buyer.idx,
            fac,
            t_pay,
            usd,
            ident_written,
            ident_phone,
            ident_wallet,
            ident_city,
            ident_person,
            ph_code,
            ph_name,
            narratives,
        )
        ref2 = np.full(n, -1, dtype=np.int64)
        if split.any():
            ref2[split] = _payments(
                world,
                book,
                texts,
                rng,
                buyer.idx,
                fac[split],
                t2[split],
                usd[split] * rng.uniform(0.3, 0.6, int(split.sum())),
                ident_written,
                ident_phone,
                ident_wallet,
                ident_city,
                ident_person,
                ph_code,
                ph_name,
                narratives,
            )
        for key, val in (
            ("pair", pair),
            ("neg", neg),
            ("start", start),
            ("end", end),
            ("pay1", ref1),
            ("pay2", ref2),
        ):
            cols[key].append(val)

    def cat(key: str) -> I64:
        return np.concatenate(cols[key]) if cols[key] else np.zeros(0, dtype=np.int64)

    return Sessions(cat("pair"), cat("neg"), cat("start"), cat("end"), cat("pay1"), cat("pay2"))


def _payments(
    world: World,
    book: Ledger,
    texts: dict[str, I64],
    rng: np.random.Generator,
    buyer: int,
    fac: I64,
    t: I64,
    usd: npt.NDArray[np.float64],
    ident_written: list[I64],
    ident_phone: I64,
    ident_wallet: I64,
    ident_city: I64,
    ident_person: I64,
    ph_code: int,
    ph_name: int,
    narratives: I64,
) -> I64:
    """Remittances from one buyer to the facilitators' pickup identities; returns refs."""
    s = book.strings
    person = world.persons[buyer]
    n = int(t.shape[0])
    net_providers = [world.networks[world.persons[int(f)].network].providers for f in fac]
    provider = np.array(
        [
            PROVIDERS.index(person.favourite_provider)
            if person.favourite_provider in ps and rng.random() < 0.8
            else PROVIDERS.index(ps[int(rng.integers(len(ps)))])
            for ps in net_providers
        ],
        dtype=np.int64,
    )
    ident = np.empty(n, dtype=np.int64)
    for f in np.unique(fac):
        m = fac == f
        ids, w = world.pickup[int(f)]
        wa = np.array(w)
        ident[m] = rng.choice(np.array(ids), size=int(m.sum()), p=wa / wa.sum())
    country = COUNTRIES[person.country]
    local = (rng.random(n) < 0.8) | (person.country == "US")
    cur = np.where(local, s(country.currency), s("USD"))
    rate = np.where(local, country.per_usd, 1.0)
    places = np.where(local, minor_units(country.currency), 2)
    step = np.where(places == 0, 500, 5)  # people send round sums
    whole = np.maximum(step, np.round(usd * rate / step) * step).astype(np.int64)
    amount = whole * (10**places)
    variants = s.many(person.sender_names)
    vw = np.array([0.6] + [0.4 / max(len(variants) - 1, 1)] * (len(variants) - 1))
    sender_name = variants[rng.choice(len(variants), size=n, p=vw / vw.sum())]
    receiver_name = np.array(
        [
            ident_written[i][0 if rng.random() < 0.5 else int(rng.integers(len(ident_written[i])))]
            for i in ident
        ],
        dtype=np.int64,
    )
    wallet_providers = np.isin(provider, [PROVIDERS.index("remitly"), PROVIDERS.index("gcash")])
    paypal = provider == PROVIDERS.index("paypal")
    recv_person = ident_person[ident]
    receiver_account = np.where(
        wallet_providers, ident_wallet[ident], np.where(paypal, texts["email"][recv_person], -1)
    )
    sender_account = np.where(wallet_providers | paypal, texts["email"][buyer], -1)
    style = rng.integers(0, texts["phone"].shape[1], n)
    sender_phone = choose(rng, texts["phone"][buyer][style], 0.3)
    return book.add(
        provider=provider,
        t=t,
        amount=amount,
        places=places,
        currency=cur,
        sender_person=np.full(n, buyer),
        receiver_person=recv_person,
        sender_name=sender_name,
        receiver_name=receiver_name,
        sender_phone=sender_phone,
        sender_account=sender_account,
        sender_country=np.where(
            rng.random(n) < 0.9, texts["country_code"][buyer], texts["country_name"][buyer]
        ),
        sender_city=choose(rng, np.full(n, texts["city"][buyer]), 0.5),
        receiver_account=receiver_account,
        receiver_phone=choose(rng, ident_phone[ident], 0.4),
        receiver_country=np.where(rng.random(n) < 0.9, ph_code, ph_name),
        receiver_city=choose(rng, ident_city[ident], 0.7),
        narrative=choose(rng, narratives[rng.integers(0, narratives.shape[0], n)], 0.15),
        facilitator=fac,
        kind=np.full(n, ledger.SESSION),
    )
