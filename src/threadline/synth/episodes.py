"""Which conversation episodes happen in a time slice.

Paid sessions and window-shopping enquiries are planned once for the whole span; small
talk, contacts' chat, network logistics, family chat and hub customers arrive as a Poisson
process per pair, drawn slice by slice so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from threadline.synth import chats, relations
from threadline.synth.clock import DAYTIME, EVENING, growth_times, local_hour_times
from threadline.synth.logins import AccountArrays
from threadline.synth.relations import Pairs
from threadline.synth.scales import DAY, YEAR, Scale
from threadline.synth.sessions import Sessions

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_KIND_OF_PAIR = {
    relations.BUYER_SELLER: chats.CHATTER,
    relations.CONTACT: chats.CONTACT,
    relations.NETWORK: chats.NETWORK,
    relations.FAMILY: chats.FAMILY,
    relations.HUB: chats.HUB,
}


@dataclass(frozen=True)
class EpisodePlan:
    """Episode kind, rate and timing per pair, plus the window-shopping enquiries."""

    pairs: Pairs
    kind: I64  # Poisson episode kind per pair
    rate: F64  # episodes per year per pair
    offset_h: F64  # initiator's UTC offset in hours
    evening: npt.NDArray[np.bool_]  # buyer-seller chat happens in the buyer's evening
    window_pair: I64
    window_t0: I64


def plan(
    pairs: Pairs,
    sessions: Sessions,
    acc: AccountArrays,
    buyer_kind: list[str],
    scale: Scale,
    rng: np.random.Generator,
) -> EpisodePlan:
    """Rates per pair and the window-shopping enquiries of the whole span."""
    kind = np.array([_KIND_OF_PAIR[int(k)] for k in pairs.kind], dtype=np.int64)
    years = np.maximum(pairs.end - pairs.start, DAY) / YEAR
    per_kind = {
        chats.CHATTER: scale.chatter_rate,
        chats.CONTACT: scale.contact_rate,
        chats.NETWORK: scale.network_rate,
        chats.FAMILY: scale.family_rate,
        chats.HUB: scale.hub_rate,
    }
    rate = np.array([per_kind[int(k)] for k in kind]) * scale.activity
    # Buyers who pay chat between sessions in proportion to how often they pay; window
    # shoppers only make their enquiries.
    sessions_per_year = np.bincount(sessions.pair, minlength=len(pairs)) / years
    bs = pairs.kind == relations.BUYER_SELLER
    window_only = bs & np.array(
        [buyer_kind[int(p)] == "window_shopper" for p in acc.person[pairs.a]], dtype=bool
    )
    rate = np.where(bs, rate * (1 + sessions_per_year) / 2, rate)
    rate = np.where(window_only, 0.0, rate)
    wp = np.repeat(np.arange(len(pairs)), pairs.window)
    shopper = window_only[wp]
    t_shop = growth_times(rng, pairs.start[wp], pairs.end[wp])
    t_first = pairs.start[wp] + rng.integers(0, 3 * DAY, wp.shape[0])
    days = np.where(shopper, t_shop, np.minimum(t_first, pairs.end[wp]))
    offset = acc.offset_h[pairs.a]
    t0 = local_hour_times(rng, days, offset[wp], EVENING)
    t0 = np.clip(t0, pairs.start[wp], pairs.end[wp])
    return EpisodePlan(pairs, kind, rate, offset, bs, wp, t0)


def slice_episodes(
    rng: np.random.Generator,
    p: EpisodePlan,
    sessions: Sessions,
    lo: int,
    hi: int,
) -> chats.Episodes:
    """Episodes starting in [lo, hi)."""
    pairs = p.pairs
    s = np.maximum(pairs.start, lo)
    e = np.minimum(pairs.end, hi)
    n = rng.poisson(p.rate * np.clip(e - s, 0, None) / YEAR)
    pi = np.repeat(np.arange(n.shape[0]), n)
    day = s[pi] + (rng.random(pi.shape[0]) * (e - s)[pi]).astype(np.int64)
    t_even = local_hour_times(rng, day, p.offset_h[pi], EVENING)
    t_day = local_hour_times(rng, day, p.offset_h[pi], DAYTIME)
    t0 = np.clip(np.where(p.evening[pi], t_even, t_day), s[pi], np.maximum(e[pi] - 1, s[pi]))
    w = np.flatnonzero((p.window_t0 >= lo) & (p.window_t0 < hi))
    si = np.flatnonzero((sessions.neg_start >= lo) & (sessions.neg_start < hi))
    pair = np.concatenate([sessions.pair[si], p.window_pair[w], pi])
    kind = np.concatenate(
        [np.full(si.shape[0], chats.SESSION), np.full(w.shape[0], chats.WINDOW), p.kind[pi]]
    ).astype(np.int64)
    t = np.concatenate([sessions.neg_start[si], p.window_t0[w], t0])
    session = np.concatenate([si, np.full(w.shape[0] + pi.shape[0], -1)]).astype(np.int64)
    return chats.Episodes(
        kind=kind, pair=pair, a=pairs.a[pair], b=pairs.b[pair], t0=t, session=session
    )
