"""Value normalisers for selector-like values (phones, emails, IPs, countries, currencies).

Each takes the text as written in a seized file and returns the canonical form, or raises
:class:`InvalidValue`. They are idempotent: normalising a normalised value returns it unchanged.
Ingest applies them once per distinct value, never per row.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import zoneinfo
from functools import lru_cache

import phonenumbers
import pycountry

from threadline.errors import InvalidValue

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Names people write instead of the ISO name, seen in remittance and platform exports.
_COUNTRY_ALIASES = {
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "AMERICA": "US",
    "UNITED STATES OF AMERICA": "US",
    "SOUTH KOREA": "KR",
    "KOREA": "KR",
    "RUSSIA": "RU",
    "HOLLAND": "NL",
    "THE NETHERLANDS": "NL",
}


def _clean(raw: str) -> str:
    return unicodedata.normalize("NFC", raw).strip()


def normalise_email(raw: str) -> str:
    """Trim and lower-case an e-mail address; reject text that is not one."""
    value = _clean(raw).lower()
    if not _EMAIL.match(value):
        raise InvalidValue(f"not an e-mail address: {raw!r}")
    return value


def normalise_ip(raw: str) -> str:
    """Validate an IPv4/IPv6 address and return its canonical (compressed) text."""
    value = _clean(raw)
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidValue(f"not an IP address: {raw!r}") from None
    # An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is the IPv4 host as a dual-stack server
    # logs it; kept as IPv6 it would never match the same host logged elsewhere.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


@lru_cache(maxsize=4096)
def normalise_country(raw: str) -> str:
    """Return the ISO 3166-1 alpha-2 code for a code (alpha-2/alpha-3) or an English name."""
    value = _clean(raw)
    if not value:
        raise InvalidValue("empty country")
    upper = value.upper()
    if upper in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[upper]
    found = None
    if len(upper) == 2:
        found = pycountry.countries.get(alpha_2=upper)
    elif len(upper) == 3:
        found = pycountry.countries.get(alpha_3=upper)
    if found is None:
        try:
            found = pycountry.countries.lookup(value)
        except LookupError:
            found = None
    if found is None:
        raise InvalidValue(f"unknown country: {raw!r}")
    return str(found.alpha_2)


@lru_cache(maxsize=512)
def normalise_currency(raw: str) -> str:
    """Return the ISO 4217 alphabetic code of a currency code."""
    value = _clean(raw).upper()
    if len(value) != 3 or pycountry.currencies.get(alpha_3=value) is None:
        raise InvalidValue(f"not an ISO 4217 currency code: {raw!r}")
    return value


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return a phone number in E.164 form.

    Args:
        raw: the number as written (local or international format).
        region: ISO alpha-2 country used when the number has no international prefix.
    """
    value = _clean(raw)
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        parsed = phonenumbers.parse(value, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        raise InvalidValue(f"not a phone number: {raw!r}") from None
    # A possible number only has a plausible length; a valid one is in the numbering plan
    # (a digit short, or "12345" read as a UK number, is not a selector that links anyone).
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidValue(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Names the system's zone files answer to that are not IANA zones an engine knows: leap-second
# ("right/") and POSIX-rule copies, the machine's own "localtime", the placeholder "Factory".
_NOT_ZONES = ("localtime", "Factory", "posixrules")


@lru_cache(maxsize=64)
def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone (``Europe/Berlin``); else raise InvalidValue."""
    usable = zoneinfo.available_timezones().difference(_NOT_ZONES)
    if name not in usable or name.startswith(("right/", "posix/")):
        raise InvalidValue(
            f"unknown IANA time zone {name!r}: give a zone name such as Europe/Berlin or "
            "Asia/Manila (not right/..., posix/... or localtime)"
        )
    return name
