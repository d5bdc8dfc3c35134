"""The benign people a careless analysis mistakes for offenders.

- Contacts of sellers: family and neighbours who chat with the facilitators' accounts.
- Diaspora family remitters: Filipinos abroad sending regular, larger sums home to relatives
  with the same surname; some receivers share the exact common name of a money mule.
- Hubs: cargo forwarders, load retailers, shops, a parish group: accounts that chat with
  hundreds of unrelated people, sellers and buyers among them.

Shared carrier-NAT and VPN addresses, duplicate exports, malformed rows and naive timestamps
are planted where the logins and files are written (logins.py, writer.py, generate.py).
"""

from __future__ import annotations

import numpy as np

from threadline.synth import names, relations
from threadline.synth.clock import growth_times
from threadline.synth.facilitators import city_named, link, ph_person, pick_city
from threadline.synth.names import Name
from threadline.synth.places import COUNTRIES, DIASPORA_COUNTRIES
from threadline.synth.relations import PairList
from threadline.synth.scales import DAY, END, START, YEAR, Scale
from threadline.synth.world import INTERNATIONAL, World, pick_platform

_DIASPORA_W = np.array([COUNTRIES[c].diaspora_weight for c in DIASPORA_COUNTRIES], dtype=np.float64)
HUB_KINDS = ("cargo", "load", "shop", "repair", "parish")


def build_contacts(world: World, pairs: PairList, scale: Scale, rng: np.random.Generator) -> None:
    """Family, friends and neighbours of each facilitator, chatting on her seller accounts."""
    facs = [p for p in world.persons if p.role == "facilitator"]
    every = []
    for fac in facs:
        lo, hi = scale.contacts_per_facilitator
        mine = []
        for _ in range(int(rng.integers(lo, hi + 1))):
            city = city_named(fac.city) if rng.random() < 0.8 else pick_city(rng)
            start = max(START, fac.start - int(rng.uniform(0, 3) * YEAR))
            end = END if rng.random() < 0.8 else max(fac.end, start + 2 * YEAR)
            contact = ph_person(
                world,
                rng,
                "benign_contact",
                city,
                start,
                min(end, END),
                female=rng.random() < 0.55,
                last=fac.name.last if rng.random() < 0.4 else None,
            )
            link(world, pairs, rng, fac, contact, relations.CONTACT)
            if rng.random() < 0.4:
                link(world, pairs, rng, fac, contact, relations.CONTACT)
            mine.append(contact)
        for c in mine:
            if len(mine) > 1 and rng.random() < 0.5:
                other = mine[int(rng.integers(len(mine)))]
                if other is not c:
                    link(world, pairs, rng, c, other, relations.CONTACT)
        every += mine
    # A few contacts know facilitators of two networks (a cousin in another city).
    for c in every:
        if rng.random() < 0.05 and len(facs) > 1:
            link(world, pairs, rng, facs[int(rng.integers(len(facs)))], c, relations.CONTACT)


def build_family_remitters(
    world: World, pairs: PairList, scale: Scale, rng: np.random.Generator
) -> None:
    """Filipinos abroad who send money home every month to relatives with their surname."""
    mules = [p for p in world.persons if p.role == "mule"]
    for _ in range(scale.benign_remitters):
        country = DIASPORA_COUNTRIES[
            int(rng.choice(len(DIASPORA_COUNTRIES), p=_DIASPORA_W / _DIASPORA_W.sum()))
        ]
        twin = mules[int(rng.integers(len(mules)))] if mules and rng.random() < 0.15 else None
        surname = twin.name.last if twin else names.pick(rng, names.PH_SUR)
        start = int(growth_times(rng, START, END - 2 * YEAR, 1)[0])
        end = min(END, start + int(rng.uniform(3, 12) * YEAR))
        female = rng.random() < 0.6
        remitter = world.add_person(
            role="benign_remitter",
            country=country,
            name=names.filipino_name(rng, female=female, last=surname),
            female=female,
            start=start,
            end=end,
            city=names.pick(rng, COUNTRIES[country].cities),
        )
        remitter.email = world.new_email(rng, remitter.name)
        world.new_phone(rng, remitter)
        remitter.sender_names = names.sender_variants(rng, remitter.name)[:2]
        w = np.array([0.3, 0.15, 0.25, 0.15, 0.15])
        remitter.favourite_provider = INTERNATIONAL[int(rng.choice(len(INTERNATIONAL), p=w))]
        remitter.price_usd = float(rng.uniform(120, 600))
        platform = pick_platform(rng, start, ("facebook", "viber", "whatsapp"))
        world.add_account(rng, remitter, platform, start, end)
        for r in range(int(rng.integers(1, 4))):
            if twin is not None and r == 0:
                net = world.networks[twin.network]
                city = city_named(net.city)
                receiver = ph_person(
                    world,
                    rng,
                    "benign_receiver",
                    city,
                    start,
                    END,
                    female=twin.female,
                    last=surname,
                )
                middle = names.pick(rng, names.PH_SUR)
                receiver.name = Name(twin.name.first, middle, twin.name.last)
            else:
                receiver = ph_person(
                    world,
                    rng,
                    "benign_receiver",
                    pick_city(rng),
                    start,
                    END,
                    female=rng.random() < 0.6,
                    last=surname,
                )
            receiver.family_of = remitter.idx
            world.add_identity(rng, receiver, receiver.phones[0], receiver.city)
            link(world, pairs, rng, remitter, receiver, relations.FAMILY)


def build_hubs(world: World, pairs: PairList, scale: Scale, rng: np.random.Generator) -> None:
    """Very connected benign accounts: each chats with many accounts on its platform."""
    acc_platform = np.array([a.platform for a in world.accounts])
    acc_start = np.array([a.start for a in world.accounts], dtype=np.int64)
    acc_end = np.array([a.end for a in world.accounts], dtype=np.int64)
    for h in range(scale.hubs):
        city = pick_city(rng)
        start = START + int(rng.uniform(0, 4) * YEAR)
        hub = ph_person(world, rng, "hub", city, start, END, female=rng.random() < 0.5)
        hub.hub_kind = HUB_KINDS[h % len(HUB_KINDS)]
        platform = "facebook" if rng.random() < 0.8 else "viber"
        acc = world.add_account(rng, hub, platform, start, END)
        overlap = np.minimum(acc_end, END) - np.maximum(acc_start, start)
        candidates = np.flatnonzero((acc_platform == platform) & (overlap > 30 * DAY))
        if candidates.shape[0] == 0:
            continue
        k = min(scale.hub_degree, candidates.shape[0])
        for c in np.sort(rng.choice(candidates, size=k, replace=False)):
            other = world.accounts[int(c)]
            pairs.add(other.idx, acc.idx, relations.HUB, max(other.start, start), other.end)
