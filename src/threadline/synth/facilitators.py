"""Facilitator networks in the Philippines.

Facilitators, their seller accounts, relatives and money mules whose names collect the
remittances, and the phones they share.
"""

from __future__ import annotations

import numpy as np

from threadline.synth import names, relations
from threadline.synth.clock import growth_times
from threadline.synth.places import PH_CITIES, City
from threadline.synth.relations import PairList
from threadline.synth.scales import END, START, YEAR, Scale
from threadline.synth.world import (
    INTERNATIONAL,
    PLATFORMS,
    Network,
    Person,
    World,
    jitter_home,
    pick_platform,
)

_PROVIDER_WEIGHTS = np.array([0.35, 0.2, 0.2, 0.15, 0.1])
_CITY_WEIGHTS = np.array([c.weight for c in PH_CITIES], dtype=np.float64)


def pick_city(rng: np.random.Generator) -> City:
    """A Philippine city drawn at random by the cities' weights."""
    return PH_CITIES[int(rng.choice(len(PH_CITIES), p=_CITY_WEIGHTS / _CITY_WEIGHTS.sum()))]


def city_named(name: str) -> City:
    """The Philippine city with this name."""
    return next(c for c in PH_CITIES if c.name == name)


def ph_person(
    world: World,
    rng: np.random.Generator,
    role: str,
    city: City,
    start: int,
    end: int,
    *,
    female: bool,
    last: str | None = None,
    common: bool = False,
    spread_km: float = 1.5,
    home_near: tuple[float, float] | None = None,
) -> Person:
    """A person living in a Philippine city, with a phone and a home point."""
    name = names.filipino_name(rng, female=female, last=last, common=common)
    centre = home_near or (city.lat, city.lon)
    person = world.add_person(
        role=role,
        country="PH",
        name=name,
        female=female,
        start=start,
        end=end,
        city=city.name,
        home=jitter_home(rng, centre[0], centre[1], spread_km),
        admin_area=city.province,
    )
    person.email = world.new_email(rng, name)
    world.new_phone(rng, person)
    return person


def link(
    world: World,
    pairs: PairList,
    rng: np.random.Generator,
    p1: Person,
    p2: Person,
    kind: int,
    *,
    create: bool = True,
    start: int | None = None,
    end: int | None = None,
) -> int:
    """Pair an account of p1 with an account of p2 on a shared platform.

    When p2 has none there and ``create``, open one for p2. Returns the pair index or -1.
    """
    lo = max(p1.start, p2.start) if start is None else start
    hi = min(p1.end, p2.end) if end is None else end
    options = []
    for a in p1.accounts:
        acc_a = world.accounts[a]
        for b in p2.accounts:
            acc_b = world.accounts[b]
            s = max(acc_a.start, acc_b.start, lo)
            e = min(acc_a.end, acc_b.end, hi)
            if acc_a.platform == acc_b.platform and e - s > 7 * 86400:
                options.append((a, b, s, e))
    if not options and create:
        mine = [
            a
            for a in p1.accounts
            if world.accounts[a].end - max(world.accounts[a].start, lo) > 7 * 86400
        ]
        if not mine:
            return -1
        a = mine[int(rng.integers(len(mine)))]
        acc_a = world.accounts[a]
        s, e = max(acc_a.start, lo), min(acc_a.end, hi)
        if e - s <= 7 * 86400:
            return -1
        # The new account lives as long as its owner, so later links can reuse it.
        acc_b = world.add_account(
            rng, p2, acc_a.platform, min(s, p2.start), min(END, max(e, p2.end))
        )
        options.append((a, acc_b.idx, s, e))
    if not options:
        return -1
    a, b, s, e = options[int(rng.integers(len(options)))]
    return pairs.add(a, b, kind, s, e)


def build_networks(world: World, pairs: PairList, scale: Scale, rng: np.random.Generator) -> None:
    """Networks of several facilitators and solo facilitators, with mules and relatives."""
    for n in range(scale.networks + scale.solo_facilitators):
        solo = n >= scale.networks
        city = pick_city(rng)
        # The first network is active from the start, so every scale spans the twelve years.
        latest = START + YEAR if n == 0 else END - 2 * YEAR
        start = int(growth_times(rng, START, latest, 1)[0])
        end = min(END, start + int(rng.uniform(2, 10) * YEAR))
        net = Network(idx=len(world.networks), solo=solo, city=city.name, start=start, end=end)
        world.networks.append(net)
        k = int(rng.integers(1, 3 if solo else 4))
        chosen = rng.choice(len(INTERNATIONAL), size=k, replace=False, p=_PROVIDER_WEIGHTS)
        net.providers = [INTERNATIONAL[int(i)] for i in chosen]
        size = 1 if solo else int(rng.integers(scale.network_size[0], scale.network_size[1] + 1))
        family = names.pick(rng, names.PH_SUR)
        for f in range(size):
            _facilitator(
                world,
                pairs,
                scale,
                rng,
                net,
                city,
                family if f == 0 or rng.random() < 0.5 else None,
            )
        lo, hi = scale.mules_per_network if not solo else (0, 1)
        for _ in range(int(rng.integers(lo, hi + 1))):
            mule = ph_person(
                world,
                rng,
                "mule",
                city,
                net.start,
                net.end,
                female=rng.random() < 0.6,
                common=rng.random() < 0.4,
                spread_km=3.0,
            )
            mule.network = net.idx
            net.mules.append(mule.idx)
        net.phones = [p for f in net.facilitators for p in world.persons[f].phones]
        _identities(world, pairs, rng, net)


def _facilitator(
    world: World,
    pairs: PairList,
    scale: Scale,
    rng: np.random.Generator,
    net: Network,
    city: City,
    surname: str | None,
) -> None:
    span = net.end - net.start
    start = net.start + int(rng.uniform(0, 0.3) * span)
    end = net.end if rng.random() < 0.7 else net.end - int(rng.uniform(0, 0.2) * span)
    fac = ph_person(
        world, rng, "facilitator", city, start, end, female=rng.random() < 0.7, last=surname
    )
    fac.network = net.idx
    net.facilitators.append(fac.idx)
    for _ in range(int(rng.integers(1, 3))):
        world.new_phone(rng, fac)
    n_acc = int(rng.integers(scale.seller_accounts[0], scale.seller_accounts[1] + 1))
    fspan = end - start
    used: list[str] = []
    for i in range(n_acc):
        if i == 0:
            s, e = start, start + int(fspan * rng.uniform(0.6, 1.0))
        else:
            s = start + int(rng.uniform(0, 0.6) * fspan)
            e = s + int((end - s) * rng.uniform(0.5, 1.0))
        if i == n_acc - 1:
            e = end
        # Several platforms: a second account on a platform only once all are in use.
        others = tuple(p for p in PLATFORMS if p not in used) or PLATFORMS
        platform = pick_platform(rng, s, others)
        used.append(platform)
        world.add_account(rng, fac, platform, s, e, seller=True)
    lo, hi = scale.relatives_per_facilitator
    for _ in range(int(rng.integers(lo, hi + 1))):
        rel = ph_person(
            world,
            rng,
            "relative",
            city,
            fac.start,
            fac.end,
            female=rng.random() < 0.6,
            last=fac.name.last,
            home_near=fac.home,
            spread_km=0.4,
        )
        rel.network = net.idx
        rel.family_of = fac.idx
        net.relatives.append(rel.idx)
        if rng.random() < 0.5:
            link(world, pairs, rng, fac, rel, relations.NETWORK)


def _identities(world: World, pairs: PairList, rng: np.random.Generator, net: Network) -> None:
    """Pickup identities: the facilitator's own, relatives', and the network's mules'."""
    mule_ids = []
    for m in net.mules:
        mule = world.persons[m]
        phone = (
            mule.phones[0]
            if rng.random() < 0.5 or not net.phones
            else net.phones[int(rng.integers(len(net.phones)))]
        )
        mule_ids.append(world.add_identity(rng, mule, phone, net.city).idx)
    for f in net.facilitators:
        fac = world.persons[f]
        ids = [world.add_identity(rng, fac, fac.phones[0], net.city).idx]
        weights = [0.35]
        for r in net.relatives:
            rel = world.persons[r]
            if rel.family_of == f:
                phone = rel.phones[0] if rng.random() < 0.6 else fac.phones[-1]
                ids.append(world.add_identity(rng, rel, phone, net.city).idx)
                weights.append(0.3)
        used = [m for m in mule_ids if rng.random() < 0.75] or mule_ids[:1]
        ids += used
        weights += [0.4 / max(len(used), 1)] * len(used)
        world.pickup[f] = (ids, weights)
        for other in net.facilitators:
            if other < f:
                link(world, pairs, rng, fac, world.persons[other], relations.NETWORK, create=False)
        for m in net.mules:
            if rng.random() < 0.6:
                link(world, pairs, rng, fac, world.persons[m], relations.NETWORK)
