"""Offline geolocation: IP to country and ASN (geoip2fast data in its wheel), phone to country."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import phonenumbers
import pyarrow as pa


@cache
def _geoip() -> object:
    import geoip2fast
    from geoip2fast import GeoIP2Fast

    data = Path(geoip2fast.__file__).parent / "geoip2fast-asn.dat.gz"
    return GeoIP2Fast(geoip2fast_data_file=str(data))


def ip_table(ips: list[str], hosting_keywords: list[str]) -> pa.Table:
    """Country, ASN name and a hosting/VPN flag for each distinct IP address."""
    g = _geoip()
    countries, asns, hosting = [], [], []
    words = [w.lower() for w in hosting_keywords]
    for ip in ips:
        r = g.lookup(ip)  # type: ignore[attr-defined]
        code = r.country_code if r.country_code and len(r.country_code) == 2 else None
        asn = r.asn_name or ""
        countries.append(code)
        asns.append(asn or None)
        hosting.append(any(w in asn.lower() for w in words))
    return pa.table({"ip": ips, "country": countries, "asn": asns, "hosting": hosting})


def phone_country(e164: str) -> str | None:
    """The country of an E.164 phone number, or None when it cannot be told."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or None
    except phonenumbers.NumberParseException:
        return None
