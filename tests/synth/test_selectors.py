"""Phones are valid for their row's country, IP addresses geolocate where they should, and
carrier-NAT addresses are shared by unrelated people."""

from __future__ import annotations

import collections
import ipaddress

import numpy as np
import phonenumbers
import pycountry
import pytest
from geoip2fast import GeoIP2Fast

from tests.synth.conftest import Op
from threadline.synth import netblocks, phones

PHONE_COUNTRY = {
    "phone": "country",
    "sender_phone": "sender_country",
    "receiver_phone": "receiver_country",
}


@pytest.fixture(scope="module")
def geo() -> GeoIP2Fast:
    return GeoIP2Fast()


def _region(text: str | None) -> str | None:
    if not text:
        return None
    if len(text) == 2:
        return text.upper()
    return str(pycountry.countries.lookup(text).alpha_2)


def test_every_phone_is_valid_for_its_row_country(op: Op) -> None:
    checked = 0
    for kind in ("accounts", "payments"):
        for s, r in op.good(kind):
            assert r.fields is not None
            for field, country in PHONE_COUNTRY.items():
                if r.fields.get(field):
                    region = _region(r.fields.get(country))
                    number = phonenumbers.parse(str(r.fields[field]), region)
                    assert phonenumbers.is_valid_number(number), (
                        s["path"],
                        r.number,
                        r.fields[field],
                        region,
                    )
                    checked += 1
    assert checked > 20
    for _, r in op.good("locations"):
        assert r.fields is not None
        if r.fields["subject_type"] == "phone":
            assert phonenumbers.is_valid_number(phonenumbers.parse(str(r.fields["subject"])))


def test_phones_in_many_written_forms(small: Op) -> None:
    forms = {
        str(r.fields["sender_phone"])[:1]
        for _, r in small.good("payments")
        if r.fields and r.fields.get("sender_phone")
    }
    assert {"+", "0"} <= forms


@pytest.mark.parametrize("country", phones.COUNTRIES)
def test_mobile_numbers_valid_in_every_style(country: str) -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        e164 = phones.mobile_number(rng, country)
        for text in phones.writings(e164):
            assert phonenumbers.is_valid_number(phonenumbers.parse(text, country)), (country, text)


def test_netblocks_geolocate_to_their_country(geo: GeoIP2Fast) -> None:
    rng = np.random.default_rng(2)
    for country, kind, _ in netblocks.BLOCKS:
        for ip in netblocks.random_ips(rng, country, kind, 8):
            assert geo.lookup(netblocks.text(int(ip))).country_code == country, (country, kind, ip)


def test_buyer_addresses_geolocate(op: Op, geo: GeoIP2Fast) -> None:
    persons = op.truth("persons")
    owner = {(a["platform"], a["account_id"]): p for p in persons for a in p["accounts"]}
    cache: dict[str, str] = {}
    seen = collections.Counter()
    for _, r in op.good("logins"):
        assert r.fields is not None
        p = owner[(str(r.fields["platform"]), str(r.fields["account_id"]))]
        if p["role"] != "buyer":
            continue
        ip = str(r.fields["ip"])
        cc = cache.get(ip) or cache.setdefault(ip, geo.lookup(ip).country_code)
        allowed = {p["country"]}
        if "traveller" in p["traits"]:
            allowed.add("PH")
        if "vpn" in p["traits"]:
            allowed |= set(netblocks.HOSTING_COUNTRIES)
        assert cc in allowed, (p["person_id"], ip, cc)
        seen["home" if cc == p["country"] else "away"] += 1
    assert seen["home"] > 0
    assert seen["away"] > 0
    for _, r in op.good("accounts"):
        assert r.fields is not None
        p = owner[(str(r.fields["platform"]), str(r.fields["account_id"]))]
        if r.fields.get("registration_ip") and p["role"] == "buyer" and not p["traits"]:
            assert geo.lookup(str(r.fields["registration_ip"])).country_code == p["country"]


def test_carrier_nat_addresses_are_shared(small: Op) -> None:
    owner = {
        (a["platform"], a["account_id"]): p["person_id"]
        for p in small.truth("persons")
        for a in p["accounts"]
    }
    users: dict[str, set[str]] = collections.defaultdict(set)
    for _, r in small.good("logins"):
        assert r.fields is not None
        users[str(r.fields["ip"])].add(
            owner[(str(r.fields["platform"]), str(r.fields["account_id"]))]
        )
    shared = [ip for ip, who in users.items() if len(who) >= 5]
    assert shared
    assert all(ipaddress.ip_address(ip).version == 4 for ip in shared)
