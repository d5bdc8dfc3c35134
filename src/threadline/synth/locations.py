"""Location points: phones seen by cell sites, devices' own location history, platform check-ins.

They cluster around Philippine homes, plus travellers' points during their trips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.synth.clock import DAYTIME, local_hour_times
from threadline.synth.facilitators import city_named
from threadline.synth.scales import DAY, Scale
from threadline.synth.textcols import decimal_text, int_text, take_text
from threadline.synth.world import World

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
TELCO, DEVICE, PLATFORM = 0, 1, 2
SOURCES = ("phone", "device", "account")
NOTES = {
    TELCO: ("cell site", "LTE cell", "3G cell"),
    DEVICE: ("gps", "wifi", "fused"),
    PLATFORM: ("check-in", "ip location", "shared location"),
}
ACCURACY_M = {TELCO: (300, 3000), DEVICE: (5, 60), PLATFORM: (20, 2000)}
# Points per day relative to the scale's location rate, and which sources see each role.
_ROLE_RATE = {
    "facilitator": 1.0,
    "mule": 0.3,
    "relative": 0.3,
    "benign_contact": 0.08,
    "benign_receiver": 0.05,
    "hub": 0.1,
}
_ROLE_SOURCES = {
    "facilitator": (TELCO, DEVICE, PLATFORM),
    "mule": (TELCO, DEVICE),
    "relative": (TELCO,),
    "benign_contact": (TELCO,),
    "benign_receiver": (TELCO,),
    "hub": (TELCO, PLATFORM),
}


@dataclass(frozen=True)
class Subjects:
    """Located subjects as arrays: source, subject text, rate, active span and centre."""

    source: I64
    text: pa.Array
    rate: F64
    start: I64
    end: I64
    lat: F64
    lon: F64
    spread: F64  # multiplier on the scatter (trips scatter around a city, not a home)


def build_subjects(world: World, device: pa.Array, scale: Scale) -> Subjects:
    """Who is located by which source, at what rate, around which centre."""
    src: list[int] = []
    text: list[str] = []
    rate: list[float] = []
    start: list[int] = []
    end: list[int] = []
    lat: list[float] = []
    lon: list[float] = []
    spread: list[float] = []

    def add(s: int, t: str, r: float, a: int, b: int, la: float, lo: float, sp: float) -> None:
        src.append(s)
        text.append(t)
        rate.append(r)
        start.append(a)
        end.append(b)
        lat.append(la)
        lon.append(lo)
        spread.append(sp)

    for p in world.persons:
        if p.home is not None and p.role in _ROLE_RATE:
            r = _ROLE_RATE[p.role] * scale.location_rate * scale.activity
            for s in _ROLE_SOURCES[p.role]:
                if s != TELCO and not p.accounts:
                    continue
                subject = (
                    p.phones[0]
                    if s == TELCO
                    else str(device[p.accounts[0]].as_py())
                    if s == DEVICE
                    else world.accounts[p.accounts[0]].account_id
                )
                add(
                    s,
                    subject,
                    r / len(_ROLE_SOURCES[p.role]),
                    p.start,
                    p.end,
                    p.home[0],
                    p.home[1],
                    1.0,
                )
        for a, b, city in p.trips if p.accounts else ():
            c = city_named(city)
            account = world.accounts[p.accounts[0]].account_id
            add(PLATFORM, account, 1.5 * scale.activity, a, b, c.lat, c.lon, 4.0)
    return Subjects(
        np.array(src, dtype=np.int64),
        pa.array(text, pa.string()),
        np.array(rate),
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        np.array(lat),
        np.array(lon),
        np.array(spread),
    )


def slice_points(rng: np.random.Generator, sub: Subjects, lo: int, hi: int) -> dict[str, object]:
    """Location rows with times in [lo, hi), in time order."""
    s = np.maximum(sub.start, lo)
    e = np.minimum(sub.end, hi)
    n = rng.poisson(sub.rate * np.clip(e - s, 0, None) / DAY)
    i = np.repeat(np.arange(n.shape[0]), n)
    m = int(i.shape[0])
    day = s[i] + (rng.random(m) * (e - s)[i]).astype(np.int64)
    t = np.clip(
        local_hour_times(rng, day, np.full(m, 8.0), DAYTIME), s[i], np.maximum(e[i] - 1, s[i])
    )
    # Mostly at home, often elsewhere in town, sometimes further away.
    km = rng.choice(np.array([0.15, 2.5, 15.0]), size=m, p=[0.6, 0.3, 0.1]) * sub.spread[i]
    lat = sub.lat[i] + rng.normal(0, 1, m) * km / 111.0
    lon = sub.lon[i] + rng.normal(0, 1, m) * km / (111.0 * np.cos(np.radians(sub.lat[i])))
    source = sub.source[i]
    lo_acc = np.array([ACCURACY_M[k][0] for k in range(3)])[source]
    hi_acc = np.array([ACCURACY_M[k][1] for k in range(3)])[source]
    accuracy = (lo_acc + rng.random(m) * (hi_acc - lo_acc)).astype(np.int64)
    note = source * 3 + rng.integers(0, 3, m)
    order = np.argsort(t, kind="stable")
    return {
        "order": order,
        "i": i[order],
        "t": t[order],
        "lat": np.round(lat[order] * 1e6).astype(np.int64),
        "lon": np.round(lon[order] * 1e6).astype(np.int64),
        "accuracy": accuracy[order],
        "note": note[order],
        "source": source[order],
    }


_NOTE_TABLE = pa.array([n for k in range(3) for n in NOTES[k]], pa.string())


def point_columns(sub: Subjects, rows: dict[str, object], source: int) -> dict[str, object]:
    """Text columns for one source's points from a slice's rows."""
    mask = np.asarray(rows["source"]) == source
    i = np.asarray(rows["i"])[mask]
    return {
        "subject_type": pa.array([SOURCES[source]] * int(mask.sum()), pa.string()),
        "subject": sub.text.take(pa.array(i)),
        "at": np.asarray(rows["t"])[mask],
        "lat": decimal_text(np.asarray(rows["lat"])[mask], 6),
        "lon": decimal_text(np.asarray(rows["lon"])[mask], 6),
        "accuracy_m": int_text(np.asarray(rows["accuracy"])[mask]),
        "source_note": take_text(_NOTE_TABLE, np.asarray(rows["note"])[mask]),
    }
