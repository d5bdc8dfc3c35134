"""Confounders that grow with the world: namesake buyers and buyers of two networks."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from threadline.synth.buyers import build_buyers
from threadline.synth.clock import rng_for
from threadline.synth.facilitators import build_networks
from threadline.synth.relations import BUYER_SELLER, PairList
from threadline.synth.run import build_world
from threadline.synth.scales import scale_named
from threadline.synth.world import World


def _buyers(namesakes: float, bridges: float, seed: int = 5) -> tuple[World, PairList]:
    sc = replace(scale_named("small"), namesake_share=namesakes, bridge_share=bridges)
    world, pairs = World(), PairList()
    build_networks(world, pairs, sc, rng_for(seed, "networks"))
    build_buyers(world, pairs, sc, rng_for(seed, "buyers"))
    return world, pairs


def _networks_per_buyer(world: World, pairs: PairList) -> Counter[int]:
    owner = {a.idx: a.person for a in world.accounts}
    nets: dict[int, set[int]] = {}
    for a, b, kind in zip(pairs.a, pairs.b, pairs.kind, strict=True):
        if kind != BUYER_SELLER:
            continue
        buyer, seller = world.persons[owner[a]], world.persons[owner[b]]
        if buyer.buyer_kind != "window_shopper":
            nets.setdefault(buyer.idx, set()).add(seller.network)
    return Counter(len(v) for v in nets.values())


def test_small_and_tiny_have_none_of_the_growing_confounders() -> None:
    for name in ("tiny", "small"):
        sc = scale_named(name)
        assert sc.namesake_share == 0.0
        assert sc.bridge_share == 0.0
    assert scale_named("europol").namesake_share > scale_named("medium").namesake_share > 0
    assert scale_named("europol").bridge_share > scale_named("medium").bridge_share > 0


def test_namesakes_share_name_and_city() -> None:
    world, _ = _buyers(0.3, 0.0)
    names = Counter(
        (p.name.first, p.name.last, p.city, p.country) for p in world.persons if p.role == "buyer"
    )
    plain, _ = _buyers(0.0, 0.0)
    plain_names = Counter(
        (p.name.first, p.name.last, p.city, p.country) for p in plain.persons if p.role == "buyer"
    )
    shared = sum(n for n in names.values() if n > 1)
    assert shared > sum(n for n in plain_names.values() if n > 1) + 100


def test_bridge_share_adds_buyers_of_two_networks() -> None:
    with_bridges = _networks_per_buyer(*_buyers(0.0, 0.5))
    without = _networks_per_buyer(*_buyers(0.0, 0.0))
    multi = sum(n for k, n in with_bridges.items() if k > 1)
    assert multi > sum(n for k, n in without.items() if k > 1) + 20


def test_build_world_is_unchanged_at_small() -> None:
    world, pairs = build_world("small", 7)
    assert sum(1 for p in world.persons if p.role == "buyer") == 400
    assert len(pairs.a) > 0
