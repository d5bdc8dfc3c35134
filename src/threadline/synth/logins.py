"""Platform login records.

Background logins of every account, one at each account's start, and the buyer's (and
seller's) login shortly before each paid session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from threadline.synth import addresses
from threadline.synth.addresses import AddressBook
from threadline.synth.clock import DAYTIME, local_hour_times, utc_offsets
from threadline.synth.places import COUNTRIES
from threadline.synth.scales import DAY, Scale
from threadline.synth.sessions import Sessions
from threadline.synth.textcols import hex_ids, ipv4_text, mix64, take_text
from threadline.synth.world import PLATFORMS, World

I64 = npt.NDArray[np.int64]

_ANDROID = (
    "Mozilla/5.0 (Linux; Android 9; SM-J701F) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.136 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; vivo 1906) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.101 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; CPH2185) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.45 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; RMX3263) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 8.1.0; CPH1803) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.110 Mobile Safari/537.36",
)
_ABROAD = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:52.0) Gecko/20100101 Firefox/52.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36",
)
USER_AGENTS = pa.array(list(_ANDROID + _ABROAD), pa.string())
# Columns each platform's login export carries.
LOGIN_COLUMNS: dict[str, tuple[str, ...]] = {
    "facebook": ("platform", "account_id", "at", "ip", "port", "user_agent", "device_id"),
    "skype": ("platform", "account_id", "at", "ip", "user_agent"),
    "whatsapp": ("platform", "account_id", "at", "ip", "port", "device_id"),
    "telegram": ("platform", "account_id", "at", "ip", "port"),
    "viber": ("platform", "account_id", "at", "ip", "device_id"),
}


@dataclass(frozen=True)
class AccountArrays:
    """Every account's owner, platform, active span, login habits and devices."""

    person: I64
    platform: I64
    start: I64
    end: I64
    rate: npt.NDArray[np.float64]  # background logins per day
    offset_h: npt.NDArray[np.float64]  # owner's usual UTC offset, hours
    user_agent: I64  # primary device's user agent
    ids: pa.Array  # account_id text
    device: pa.Array  # primary device id
    device2: pa.Array  # second device id


def account_arrays(world: World, scale: Scale, seed: int) -> AccountArrays:
    """The world's accounts as arrays for generating logins."""
    accs = world.accounts
    person = np.array([a.person for a in accs], dtype=np.int64)
    roles = [world.persons[a.person].role for a in accs]
    rate = (
        np.array(
            [
                scale.seller_login_rate
                if a.seller
                else scale.buyer_login_rate
                if r == "buyer"
                else scale.benign_login_rate
                for a, r in zip(accs, roles, strict=True)
            ]
        )
        * scale.activity
    )
    mid = np.array([(a.start + a.end) // 2 for a in accs], dtype=np.int64)
    zones = [COUNTRIES[world.persons[a.person].country].zone for a in accs]
    offset = np.zeros(len(accs))
    for z in sorted(set(zones)):
        m = np.array([x == z for x in zones], dtype=bool)
        offset[m] = utc_offsets(z, mid[m]) / 3600.0
    ph = np.array([world.persons[a.person].country == "PH" for a in accs], dtype=bool)
    idx = np.arange(len(accs), dtype=np.int64)
    ua = np.where(
        ph,
        mix64(idx, seed) % np.uint64(len(_ANDROID)),
        len(_ANDROID) + mix64(idx, seed + 1) % np.uint64(len(_ABROAD)),
    )
    return AccountArrays(
        person=person,
        platform=np.array([PLATFORMS.index(a.platform) for a in accs], dtype=np.int64),
        start=np.array([a.start for a in accs], dtype=np.int64),
        end=np.array([a.end for a in accs], dtype=np.int64),
        rate=rate,
        offset_h=offset,
        user_agent=ua.astype(np.int64),
        ids=pa.array([a.account_id for a in accs], pa.string()),
        device=hex_ids(mix64(idx, seed * 7 + 3)),
        device2=hex_ids(mix64(idx + 2**40, seed * 7 + 3)),
    )


def slice_logins(
    rng: np.random.Generator,
    acc: AccountArrays,
    book: AddressBook,
    sessions: Sessions,
    session_buyer_acc: I64,
    session_seller_acc: I64,
    lo: int,
    hi: int,
) -> dict[str, npt.NDArray[np.int64] | npt.NDArray[np.uint32]]:
    """Logins with times in [lo, hi): account, time, address, port, second-device flag."""
    s = np.maximum(acc.start, lo)
    e = np.minimum(acc.end, hi)
    days = np.clip(e - s, 0, None) / DAY
    n = rng.poisson(acc.rate * days)
    a_bg = np.repeat(np.arange(n.shape[0]), n)
    day = s[a_bg] + (rng.random(a_bg.shape[0]) * (e - s)[a_bg]).astype(np.int64)
    t_bg = local_hour_times(rng, day, acc.offset_h[a_bg], DAYTIME)
    t_bg = np.clip(t_bg, s[a_bg], np.maximum(e[a_bg] - 1, s[a_bg]))
    t_bg -= t_bg % 2  # background logins on even seconds, session logins on odd: never equal
    first = np.flatnonzero((acc.start >= lo) & (acc.start < hi))
    in_slice = np.flatnonzero((sessions.start >= lo) & (sessions.start < hi))
    st = sessions.start[in_slice]
    t_buy = st - rng.integers(2 * 60, 40 * 60, in_slice.shape[0])
    t_sell = st - rng.integers(0, 60 * 60, in_slice.shape[0])
    account = np.concatenate(
        [a_bg, first, session_buyer_acc[in_slice], session_seller_acc[in_slice]]
    )
    t = np.concatenate([t_bg, acc.start[first] + 60 - acc.start[first] % 2, t_buy | 1, t_sell | 1])
    order = np.lexsort((t, account))
    account, t = account[order], t[order]
    keep = np.ones(t.shape[0], dtype=bool)
    keep[1:] = (account[1:] != account[:-1]) | (t[1:] != t[:-1])
    account, t = account[keep], t[keep]
    order = np.argsort(t, kind="stable")
    account, t = account[order], t[order]
    ip, port = addresses.addresses(rng, book, acc.person[account], t)
    return {
        "account": account,
        "t": t,
        "ip": ip,
        "port": port,
        "second": np.asarray(rng.random(t.shape[0]) < 0.12, dtype=np.int64),
    }


def login_columns(
    acc: AccountArrays,
    rows: dict[str, npt.NDArray[np.int64] | npt.NDArray[np.uint32]],
    platform: str,
) -> dict[str, object]:
    """Text columns of one platform's logins."""
    a = pa.array(rows["account"])
    second = rows["second"].astype(bool)
    device = pc.if_else(pa.array(second), acc.device2.take(a), acc.device.take(a))
    ua = np.where(
        second,
        (acc.user_agent[rows["account"]] + 1) % len(USER_AGENTS),
        acc.user_agent[rows["account"]],
    )
    port = rows["port"].astype(np.int64)
    port_text = pa.array(port).cast(pa.string())
    return {
        "platform": pa.array([platform] * len(a), pa.string()),
        "account_id": acc.ids.take(a),
        "at": rows["t"].astype(np.int64),
        "ip": ipv4_text(rows["ip"].astype(np.uint32)),
        "port": pc.if_else(pa.array(port >= 0), port_text, pa.scalar(None, pa.string())),
        "user_agent": take_text(USER_AGENTS, ua),
        "device_id": device,
    }
