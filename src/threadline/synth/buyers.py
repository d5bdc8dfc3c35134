"""Buyers abroad: window shoppers, occasional and heavy repeat payers, travellers, VPN users.

Each comes with their accounts and the seller accounts they talk to.
"""

from __future__ import annotations

import numpy as np

from threadline.synth import names, relations
from threadline.synth.clock import growth_times
from threadline.synth.netblocks import HOSTING_COUNTRIES
from threadline.synth.places import BUYER_COUNTRIES, COUNTRIES, PH_CITIES
from threadline.synth.relations import PairList
from threadline.synth.scales import DAY, END, YEAR, Scale
from threadline.synth.world import INTERNATIONAL, Person, World, pick_platform

_COUNTRY_W = np.array([COUNTRIES[c].buyer_weight for c in BUYER_COUNTRIES], dtype=np.float64)
_DURATION_YEARS = {"window_shopper": (0.05, 1.5), "occasional": (0.3, 4.0), "heavy": (1.5, 8.0)}
_EXTRA_FACILITATORS = {"window_shopper": 3, "occasional": 3, "heavy": 4}


def build_buyers(world: World, pairs: PairList, scale: Scale, rng: np.random.Generator) -> None:
    """Create the buyers, their accounts, trips and buyer-seller conversation pairs."""
    facs = [p for p in world.persons if p.role == "facilitator"]
    rank = rng.permutation(len(facs))
    popularity = 1.0 / (rank + 1.0) ** 0.8
    fac_start = np.array([f.start for f in facs])
    fac_end = np.array([f.end for f in facs])
    span_w = popularity * (fac_end - fac_start) / YEAR
    kinds, travellers, vpn = _quotas(scale, rng)
    for b in range(scale.buyers):
        country = BUYER_COUNTRIES[
            int(rng.choice(len(BUYER_COUNTRIES), p=_COUNTRY_W / _COUNTRY_W.sum()))
        ]
        kind = kinds[b]
        first = int(rng.choice(len(facs), p=span_w / span_w.sum()))
        lo_y, hi_y = _DURATION_YEARS[kind]
        start = int(growth_times(rng, facs[first].start, facs[first].end - 14 * DAY, 1)[0])
        planned = start + int(rng.uniform(lo_y, hi_y) * YEAR)
        end = min(END, planned)
        name = names.buyer_name(rng, country)
        city = names.pick(rng, COUNTRIES[country].cities)
        twin = _namesake(world, scale, rng, country)
        if twin is not None:
            name, city = twin.name, twin.city
        buyer = world.add_person(
            role="buyer",
            country=country,
            name=name,
            female=False,
            start=start,
            end=end,
            city=city,
            buyer_kind=kind,
        )
        _profile(world, scale, rng, buyer, bool(travellers[b]), bool(vpn[b]))
        # A buyer still active at the seizure has paid only for the part seen so far.
        seen = (end - start) / max(planned - start, 1)
        if buyer.sessions_target:
            buyer.sessions_target = max(1, round(buyer.sessions_target * seen))
        overlap = np.minimum(fac_end, end) - np.maximum(fac_start, start)
        weights = np.where(overlap > 30 * DAY, popularity, 0.0)
        weights[first] = 0.0
        chosen = [first]
        n_extra = int(rng.integers(0, _EXTRA_FACILITATORS[kind]))
        if n_extra and weights.sum() > 0:
            k = min(n_extra, int((weights > 0).sum()))
            chosen += [
                int(i)
                for i in rng.choice(len(facs), size=k, replace=False, p=weights / weights.sum())
            ]
        if kind != "window_shopper" and scale.bridge_share and rng.random() < scale.bridge_share:
            chosen += _other_network(rng, facs, chosen, overlap)
        for f in chosen:
            _relationship(world, pairs, rng, buyer, facs[f])
        if not buyer.accounts:  # every buyer has at least one account, even if never matched
            world.add_account(rng, buyer, pick_platform(rng, start), start, end)
        if rng.random() < 0.25:
            world.add_account(rng, buyer, pick_platform(rng, start), start, end)
        if "traveller" in buyer.traits:
            _trips(rng, world, buyer, [facs[f] for f in chosen])


def _namesake(world: World, scale: Scale, rng: np.random.Generator, country: str) -> Person | None:
    """An earlier buyer of the same country whose name and city this one shares, or None."""
    if not scale.namesake_share or rng.random() >= scale.namesake_share:
        return None
    earlier = [p for p in world.persons if p.role == "buyer" and p.country == country]
    return earlier[int(rng.integers(len(earlier)))] if earlier else None


def _other_network(
    rng: np.random.Generator, facs: list[Person], chosen: list[int], overlap: np.ndarray
) -> list[int]:
    """A facilitator of a network none of ``chosen`` belongs to, active with the buyer."""
    mine = {facs[f].network for f in chosen}
    options = [
        i
        for i, f in enumerate(facs)
        if f.network not in mine and i not in chosen and overlap[i] > 30 * DAY
    ]
    return [options[int(rng.integers(len(options)))]] if options else []


def _quotas(scale: Scale, rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Buyer kinds and traits in their shares exactly (at least one of each), shuffled."""
    n = scale.buyers
    heavy = max(1, round(scale.heavy_share * n))
    window = max(1, round(scale.window_share * n))
    kinds = ["heavy"] * heavy + ["window_shopper"] * window + ["occasional"] * (n - heavy - window)
    kinds = [kinds[int(i)] for i in rng.permutation(n)]
    travellers = rng.permutation(n) < max(1, round(scale.traveller_share * n))
    # The first traveller is a paying one, so every scale has a travelling payer.
    if not any(t and k != "window_shopper" for t, k in zip(travellers, kinds, strict=True)):
        travellers[kinds.index("heavy")] = True
    vpn = rng.permutation(n) < max(1, round(scale.vpn_share * n))
    return kinds, travellers, vpn


def _profile(
    world: World, scale: Scale, rng: np.random.Generator, buyer: Person, traveller: bool, vpn: bool
) -> None:
    kind = buyer.buyer_kind
    if kind == "heavy":
        sessions = min(rng.lognormal(np.log(scale.heavy_sessions), 0.8), 6 * scale.heavy_sessions)
        buyer.sessions_target = max(2, int(sessions * scale.activity))
        buyer.escalation = float(rng.uniform(0.5, 3.0))
    elif kind == "occasional":
        lo, hi = scale.occasional_sessions
        buyer.sessions_target = max(1, int(rng.integers(lo, hi + 1) * min(1.0, scale.activity * 2)))
        buyer.escalation = float(rng.uniform(0.0, 0.3))
    buyer.price_usd = float(np.clip(rng.lognormal(np.log(30), 0.4), 10, 200))
    if traveller:
        buyer.traits.append("traveller")
    if vpn:
        buyer.traits.append("vpn")
        others = [c for c in HOSTING_COUNTRIES if c != buyer.country]
        buyer.vpn_country = others[int(rng.integers(len(others)))]
        buyer.vpn_share = float(rng.uniform(0.4, 0.9))
    world.new_phone(rng, buyer)
    if rng.random() < 0.3:
        world.new_phone(rng, buyer)
    buyer.email = world.new_email(rng, buyer.name)
    buyer.sender_names = names.sender_variants(rng, buyer.name)
    w = np.array([0.4, 0.2, 0.2, 0.2, 0.0])
    buyer.favourite_provider = INTERNATIONAL[int(rng.choice(len(INTERNATIONAL), p=w))]


def _relationship(
    world: World, pairs: PairList, rng: np.random.Generator, buyer: Person, fac: Person
) -> None:
    """The buyer's conversation with one facilitator.

    It runs on one of her seller accounts, through one or (after a switch) two of his accounts
    on the same platform.
    """
    best, best_overlap = -1, 0
    for a in fac.accounts:
        acc = world.accounts[a]
        ov = min(acc.end, buyer.end) - max(acc.start, buyer.start)
        score = ov * rng.uniform(0.5, 1.0)
        if ov > DAY and score > best_overlap:
            best, best_overlap = a, int(score)
    if best < 0:
        return
    seller = world.accounts[best]
    s, e = max(seller.start, buyer.start), min(seller.end, buyer.end)
    window = (
        int(rng.integers(1, 4)) if buyer.buyer_kind == "window_shopper" else int(rng.random() < 0.5)
    )
    pieces = [(s, e)]
    if buyer.buyer_kind != "window_shopper" and e - s > 120 * DAY and rng.random() < 0.3:
        mid = s + int((e - s) * rng.uniform(0.3, 0.7))
        pieces = [(s, mid), (mid, e)]
    for i, (ps, pe) in enumerate(pieces):
        mine = [
            a for a in buyer.accounts if world.accounts[a].platform == seller.platform and i == 0
        ]
        if mine:
            acc = world.accounts[mine[0]]
            acc.start, acc.end = min(acc.start, ps), max(acc.end, pe)
        else:
            acc = world.add_account(rng, buyer, seller.platform, ps, pe)
        pairs.add(acc.idx, seller.idx, relations.BUYER_SELLER, ps, pe, window if i == 0 else 0)


def _trips(rng: np.random.Generator, world: World, buyer: Person, facs: list[Person]) -> None:
    """Trips to the Philippines, often to a city where one of his facilitators lives."""
    for _ in range(int(rng.integers(1, 4))):
        length = int(rng.integers(7, 22)) * DAY
        if buyer.end - buyer.start <= length + DAY:
            break
        s = int(rng.integers(buyer.start, buyer.end - length))
        if rng.random() < 0.7 and facs:
            city = facs[int(rng.integers(len(facs)))].city
        else:
            city = PH_CITIES[int(rng.integers(len(PH_CITIES)))].name
        buyer.trips.append((s, s + length, city))
    buyer.trips.sort()
    kept: list[tuple[int, int, str]] = []
    for trip in buyer.trips:
        if not kept or trip[0] > kept[-1][1] + DAY:
            kept.append(trip)
    buyer.trips = kept
