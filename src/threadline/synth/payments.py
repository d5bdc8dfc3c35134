"""Payments besides the sessions', transaction ids per provider, and the providers' files.

The payments are family remittances, mule forwarding and domestic e-wallet transfers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.synth import ledger, phones
from threadline.synth.clock import DAYTIME, civil, local_hour_times, utc_offsets
from threadline.synth.ledger import Ledger
from threadline.synth.places import COUNTRIES, minor_units
from threadline.synth.scales import DAY, END, YEAR, Scale
from threadline.synth.sessions import STATUS, choose
from threadline.synth.textcols import (
    alnum_ids,
    decimal_text,
    int_text,
    mix64,
    take_text,
    unique_ints,
)
from threadline.synth.world import INTERNATIONAL, PROVIDERS, World
from threadline.synth.writer import SourceWriter

I64 = npt.NDArray[np.int64]
_FAMILY_NARRATIVES = (
    "family support",
    "allowance",
    "school fees",
    "tuition",
    "for mama",
    "rent",
    "medicine",
    "pang gastos",
    "for the kids",
)
_DOMESTIC_NARRATIVES = ("load", "utang", "pamasahe", "ulam", "bayad", "share", "padala")
PHP_PER_USD = COUNTRIES["PH"].per_usd


def family_remittances(
    world: World, book: Ledger, texts: dict[str, I64], scale: Scale, rng: np.random.Generator
) -> None:
    """Monthly remittances from each diaspora remitter to relatives, more at Christmas."""
    s = book.strings
    for r in world.persons:
        if r.role != "benign_remitter":
            continue
        receivers = [i for i in world.identities if world.persons[i.person].family_of == r.idx]
        if not receivers:
            continue
        months = int((r.end - r.start) / (30.44 * DAY))
        keep = rng.random(months) < min(1.0, 0.5 + scale.activity / 2)
        k = np.flatnonzero(keep)
        n = int(k.shape[0])
        if n == 0:
            continue
        days = (
            r.start
            + (k * 30.44 * DAY).astype(np.int64)
            + rng.normal(0, 2 * DAY, n).astype(np.int64)
        )
        days = np.clip(days, r.start, END - DAY)
        zone = COUNTRIES[r.country].zone
        t = local_hour_times(rng, days, utc_offsets(zone, days) / 3600.0, DAYTIME)
        t = np.clip(t, r.start, END - 1)
        december = civil(t // DAY)[1] == 12
        country = COUNTRIES[r.country]
        usd = r.price_usd * rng.lognormal(0, 0.2, n) * np.where(december, 1.6, 1.0)
        places = minor_units(country.currency)
        step = 1000 if places == 0 else 10
        whole = np.maximum(step, np.round(usd * country.per_usd / step) * step).astype(np.int64)
        main = rng.random(n) < 0.7
        pick = np.where(main, 0, rng.integers(0, len(receivers), n))
        written = [s.many(i.written[:2]) for i in receivers]
        receiver_name = np.array(
            [written[p][int(rng.integers(len(written[p])))] for p in pick], dtype=np.int64
        )
        fav = PROVIDERS.index(r.favourite_provider)
        provider = np.where(
            rng.random(n) < 0.85, fav, rng.choice([PROVIDERS.index(p) for p in INTERNATIONAL], n)
        )
        wallet = np.array(
            [s(phones.written(i.wallet, "compact_national")) if i.wallet else -1 for i in receivers]
        )
        rphone = np.array(
            [s(phones.written(i.phone, "national")) if i.phone else -1 for i in receivers]
        )
        rcity = np.array([s(i.city) for i in receivers])
        rperson = np.array([i.person for i in receivers])
        remitly = provider == PROVIDERS.index("remitly")
        paypal = provider == PROVIDERS.index("paypal")
        narratives = s.many(list(_FAMILY_NARRATIVES))
        narrative = narratives[rng.integers(0, narratives.shape[0], n)]
        narrative = np.where(december & (rng.random(n) < 0.6), s("christmas"), narrative)
        variants = s.many(r.sender_names)
        book.add(
            provider=provider,
            t=t,
            amount=whole * 10**places,
            places=np.full(n, places),
            currency=np.full(n, s(country.currency)),
            sender_person=np.full(n, r.idx),
            receiver_person=rperson[pick],
            sender_name=variants[(rng.random(n) < 0.2).astype(np.int64) % variants.shape[0]],
            receiver_name=receiver_name,
            sender_phone=choose(
                rng, texts["phone"][r.idx][rng.integers(0, len(phones.STYLES), n)], 0.4
            ),
            sender_account=np.where(remitly | paypal, texts["email"][r.idx], -1),
            sender_country=np.where(
                rng.random(n) < 0.95, texts["country_code"][r.idx], texts["country_name"][r.idx]
            ),
            sender_city=choose(rng, np.full(n, texts["city"][r.idx]), 0.6),
            receiver_account=np.where(remitly, wallet[pick], -1),
            receiver_phone=choose(rng, rphone[pick], 0.5),
            receiver_country=np.full(n, s("PH")),
            receiver_city=choose(rng, rcity[pick], 0.8),
            narrative=choose(rng, narrative, 0.5),
            kind=np.full(n, ledger.FAMILY),
        )


def usd_value(book: Ledger, rows: I64) -> npt.NDArray[np.float64]:
    """Approximate US dollar value of ledger rows."""
    c = book.columns
    per_usd = {book.strings(k): v.per_usd for k, v in ((x.currency, x) for x in COUNTRIES.values())}
    per_usd[book.strings("USD")] = 1.0
    rate = np.array([per_usd.get(int(i), 1.0) for i in c["currency"][rows]])
    return c["amount"][rows] / (10.0 ** c["places"][rows]) / rate  # type: ignore[no-any-return]


def forwards(world: World, book: Ledger, texts: dict[str, I64], rng: np.random.Generator) -> None:
    """Mules and relatives pass on part of what they collected, by e-wallet, to the facilitator."""
    s = book.strings
    c = book.columns
    rows = np.flatnonzero(
        (c["kind"] == ledger.SESSION)
        & (c["receiver_person"] != c["facilitator"])
        & (rng.random(len(book)) < 0.3)
    )
    n = int(rows.shape[0])
    if n == 0:
        return
    mule, fac = c["receiver_person"][rows], c["facilitator"][rows]
    pesos = np.round(usd_value(book, rows) * PHP_PER_USD * 0.9, -1).astype(np.int64)
    _domestic_rows(
        world,
        book,
        texts,
        rng,
        mule,
        fac,
        c["t"][rows] + rng.integers(3600, 48 * 3600, n),
        pesos,
        s.many(list(_DOMESTIC_NARRATIVES[5:])),
        ledger.FORWARD,
    )


def domestic(
    world: World, book: Ledger, texts: dict[str, I64], scale: Scale, rng: np.random.Generator
) -> None:
    """Small e-wallet transfers among Filipinos, facilitators and benign people alike."""
    s = book.strings
    people = np.array(
        [
            p.idx
            for p in world.persons
            if p.country == "PH"
            and p.role in ("benign_contact", "benign_receiver", "hub", "facilitator")
        ],
        dtype=np.int64,
    )
    if people.shape[0] < 2:
        return
    years = float(
        np.mean([(world.persons[int(i)].end - world.persons[int(i)].start) / YEAR for i in people])
    )
    n = int(people.shape[0] * years * 1.0 * scale.activity)
    a = people[rng.integers(0, people.shape[0], n)]
    b = people[rng.integers(0, people.shape[0], n)]
    keep = a != b
    a, b = a[keep], b[keep]
    start = np.maximum(
        np.array([world.persons[int(i)].start for i in a]),
        np.array([world.persons[int(i)].start for i in b]),
    )
    t = start + (rng.random(a.shape[0]) * (END - start)).astype(np.int64)
    pesos = (np.round(rng.lognormal(np.log(500), 0.8, a.shape[0]), -1)).astype(np.int64) + 20
    _domestic_rows(
        world, book, texts, rng, a, b, t, pesos, s.many(list(_DOMESTIC_NARRATIVES)), ledger.DOMESTIC
    )


def _domestic_rows(
    world: World,
    book: Ledger,
    texts: dict[str, I64],
    rng: np.random.Generator,
    sender: I64,
    receiver: I64,
    t: I64,
    pesos: I64,
    narratives: I64,
    kind: int,
) -> None:
    s = book.strings
    n = int(t.shape[0])
    full = np.array([s(p.name.full) for p in world.persons], dtype=np.int64)
    wallet = np.array(
        [
            s(phones.written(p.phones[0], "compact_national")) if p.phones else -1
            for p in world.persons
        ],
        dtype=np.int64,
    )
    national = texts["phone"][:, 0]
    book.add(
        provider=np.full(n, PROVIDERS.index("gcash")),
        t=np.minimum(t, END - 1),
        amount=np.maximum(pesos, 20) * 100,
        places=np.full(n, 2),
        currency=np.full(n, s("PHP")),
        sender_person=sender,
        receiver_person=receiver,
        sender_name=full[sender],
        receiver_name=full[receiver],
        sender_account=wallet[sender],
        sender_phone=choose(rng, national[sender], 0.8),
        sender_country=np.full(n, s("PH")),
        receiver_account=wallet[receiver],
        receiver_phone=choose(rng, national[receiver], 0.8),
        receiver_country=np.full(n, s("PH")),
        narrative=choose(rng, narratives[rng.integers(0, narratives.shape[0], n)], 0.6),
        kind=np.full(n, kind),
    )


def transaction_ids(book: Ledger, seed: int, rng: np.random.Generator) -> pa.Array:
    """Provider-style transaction ids, unique within each provider (in ledger row order)."""
    c = book.columns
    out = np.empty(len(book), dtype=object)
    for p, name in enumerate(PROVIDERS):
        rows = np.flatnonzero(c["provider"] == p)
        n = int(rows.shape[0])
        if n == 0:
            continue
        if name == "westernunion":
            ids = int_text(unique_ints(rng, n, 10**9, 10**10))  # MTCN
        elif name == "moneygram":
            ids = int_text(unique_ints(rng, n, 10**7, 10**8))
        elif name == "gcash":
            ids = int_text(unique_ints(rng, n, 10**12, 10**13))
        elif name == "cebuana":
            ids = int_text(unique_ints(rng, n, 10**11, 10**12), "CL")
        else:
            salt = seed * 31 + p
            while True:
                ids = alnum_ids(
                    mix64(np.arange(n), salt),
                    17 if name == "paypal" else 10,
                    "" if name == "paypal" else "RM",
                )
                if len(set(ids.to_pylist())) == n:
                    break
                salt += 1000
        out[rows] = ids.to_numpy(zero_copy_only=False)
    return pa.array(out, pa.string())


# Columns each provider's export carries (real exports differ in what they show).
PROVIDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "westernunion": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
        "sender_phone",
        "sender_country",
        "sender_city",
        "receiver_phone",
        "receiver_country",
        "receiver_city",
        "status",
    ),
    "moneygram": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
        "sender_phone",
        "sender_country",
        "receiver_country",
        "receiver_city",
        "status",
    ),
    "remitly": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
        "sender_account",
        "sender_phone",
        "sender_country",
        "receiver_account",
        "receiver_phone",
        "receiver_country",
        "narrative",
        "status",
    ),
    "paypal": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
        "sender_account",
        "sender_country",
        "receiver_account",
        "receiver_country",
        "narrative",
        "status",
    ),
    "cebuana": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
        "sender_country",
        "receiver_phone",
        "receiver_country",
        "receiver_city",
        "status",
    ),
    "gcash": (
        "provider",
        "transaction_id",
        "sent_at",
        "sender_name",
        "receiver_name",
        "amount",
        "currency",
        "sender_account",
        "sender_phone",
        "sender_country",
        "receiver_account",
        "receiver_phone",
        "receiver_country",
        "narrative",
        "status",
    ),
}


def write_provider(
    writer: SourceWriter, book: Ledger, ids: pa.Array, provider: str, chunk: int = 500_000
) -> None:
    """Write one provider's rows, in time order, in chunks."""
    c = book.columns
    strings = book.strings.array()
    p = PROVIDERS.index(provider)
    rows = np.flatnonzero(c["provider"] == p)
    for lo in range(0, rows.shape[0], chunk):
        r = rows[lo : lo + chunk]
        n = int(r.shape[0])
        cols: dict[str, object] = {
            "provider": pa.array([provider] * n, pa.string()),
            "transaction_id": ids.take(pa.array(r)),
            "sent_at": c["t"][r],
            "amount": decimal_text(c["amount"][r], c["places"][r]),
            "status": pa.array([STATUS[provider]] * n, pa.string()),
        }
        for name in ledger.TEXT_COLUMNS:
            cols[name] = take_text(strings, c[name][r])
        writer.write(cols)
