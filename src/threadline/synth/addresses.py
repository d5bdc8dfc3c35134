"""Which IP address a person's device shows at a given time.

- Filipinos on mobile data share a small pool of carrier-grade NAT addresses (Globe, Smart):
  many unrelated accounts, one address, told apart only by source port.
- At home everyone has a broadband address that changes every few years.
- Buyers abroad use their home ISP, sometimes mobile data; VPN users exit through hosting
  ranges of another country (a pool shared by all VPN users); travellers on a trip to the
  Philippines use a tourist SIM (carrier NAT) or hotel broadband there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from threadline.synth import netblocks
from threadline.synth.netblocks import HOSTING_COUNTRIES, random_ips, random_ips_by_country
from threadline.synth.places import COUNTRY_CODES
from threadline.synth.world import World

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
HOME_ERAS = 6  # home addresses a person goes through over their active years


@dataclass(frozen=True)
class AddressBook:
    """Per-person arrays for choosing IP addresses: country, homes, VPN use and trips."""

    country: I64  # index into COUNTRY_CODES per person
    philippine: npt.NDArray[np.bool_]
    start: I64
    end: I64
    home: U32  # persons x HOME_ERAS
    vpn_share: npt.NDArray[np.float64]
    vpn_country: I64  # index into HOSTING_COUNTRIES, -1 for none
    trip_key: I64  # person * 2**32 + trip start, sorted
    trip_end: I64
    cgnat: U32  # the shared carrier-NAT pool
    vpn_exits: U32  # HOSTING_COUNTRIES x exits per country


def build(world: World, rng: np.random.Generator, cgnat_size: int) -> AddressBook:
    """The address book of a world's persons, with a carrier-NAT pool of ``cgnat_size``."""
    n = len(world.persons)
    country = np.array([COUNTRY_CODES.index(p.country) for p in world.persons], dtype=np.int64)
    home = (
        np.stack(
            [random_ips_by_country(rng, country, COUNTRY_CODES, "isp") for _ in range(HOME_ERAS)],
            axis=1,
        )
        if n
        else np.zeros((0, HOME_ERAS), dtype=np.uint32)
    )
    trips = sorted((p.idx, s, e) for p in world.persons for s, e, _ in p.trips)
    return AddressBook(
        country=country,
        philippine=np.array([p.country == "PH" for p in world.persons], dtype=bool),
        start=np.array([p.start for p in world.persons], dtype=np.int64),
        end=np.array([p.end for p in world.persons], dtype=np.int64),
        home=home,
        vpn_share=np.array([p.vpn_share for p in world.persons], dtype=np.float64),
        vpn_country=np.array(
            [
                HOSTING_COUNTRIES.index(p.vpn_country) if p.vpn_country else -1
                for p in world.persons
            ],
            dtype=np.int64,
        ),
        trip_key=np.array([i * 2**32 + s for i, s, _ in trips], dtype=np.int64),
        trip_end=np.array([e for _, _, e in trips], dtype=np.int64),
        cgnat=random_ips(rng, "PH", "mobile", cgnat_size),
        vpn_exits=np.stack([random_ips(rng, c, "hosting", 12) for c in HOSTING_COUNTRIES]),
    )


def on_trip(book: AddressBook, person: I64, t: I64) -> npt.NDArray[np.bool_]:
    """Whether each person is on a trip to the Philippines at time t."""
    if book.trip_key.shape[0] == 0:
        return np.zeros(person.shape[0], dtype=bool)
    key = person * 2**32 + t
    i = np.searchsorted(book.trip_key, key, side="right") - 1
    ok = i >= 0
    ic = np.maximum(i, 0)
    found: npt.NDArray[np.bool_] = (
        ok & (book.trip_key[ic] >> 32 == person) & (t <= book.trip_end[ic])
    )
    return found


def addresses(rng: np.random.Generator, book: AddressBook, person: I64, t: I64) -> tuple[U32, I64]:
    """The address (and source port, -1 when the network shows none) per (person, time)."""
    n = person.shape[0]
    span = np.maximum(book.end[person] - book.start[person], 1)
    era = np.clip((t - book.start[person]) * HOME_ERAS // span, 0, HOME_ERAS - 1)
    ip = book.home[person, era]
    port = np.full(n, -1, dtype=np.int64)
    u = rng.random(n)
    ph = book.philippine[person]
    travelling = ~ph & on_trip(book, person, t)
    vpn = (book.vpn_country[person] >= 0) & (u < book.vpn_share[person]) & ~travelling
    mobile_abroad = ~ph & ~travelling & ~vpn & (rng.random(n) < 0.2)
    cg = (ph & (u < 0.6)) | (travelling & (u < 0.5))
    hotel = travelling & ~cg
    if cg.any():
        ip[cg] = book.cgnat[rng.integers(0, book.cgnat.shape[0], int(cg.sum()))]
        port[cg] = rng.integers(1024, 65536, int(cg.sum()))
    if hotel.any():
        ip[hotel] = random_ips(rng, "PH", "isp", int(hotel.sum()))
    if vpn.any():
        exits = book.vpn_exits[
            book.vpn_country[person[vpn]], rng.integers(0, book.vpn_exits.shape[1], int(vpn.sum()))
        ]
        ip[vpn] = exits
    if mobile_abroad.any():
        ip[mobile_abroad] = random_ips_by_country(
            rng, book.country[person[mobile_abroad]], COUNTRY_CODES, "isp"
        )
    return ip.astype(np.uint32), port


def registration_ip(rng: np.random.Generator, book: AddressBook, person: int, t: int) -> str:
    """One address for an account's registration record."""
    ip, _ = addresses(rng, book, np.array([person]), np.array([max(t, int(book.start[person]))]))
    return netblocks.text(int(ip[0]))
