"""Mobile numbers valid for their country, written the ways people write them.

Each number is drawn from real mobile prefixes of its country and kept only when the
``phonenumbers`` library accepts it as valid for that country, so every phone in the data
normalises at ingest. Numbers are random: any match with a real subscriber is coincidence.
"""

from __future__ import annotations

import numpy as np
import phonenumbers
from phonenumbers import PhoneNumberFormat

# National significant number: one of these mobile prefixes, then this many random digits.
_MOBILE: dict[str, tuple[str, int]] = {
    "PH": (
        "905 906 915 916 917 926 927 935 936 945 953 955 956 965 966 975 977 995 997 907 "
        "908 909 910 912 918 919 920 921 928 929 930 938 939 946 947 948 949 950 951 961 "
        "998 999 991 992 993",
        7,
    ),
    "US": ("212 310 415 512 602 702 713 206 303 404 503 614 615 619 727 813 904 916 919 480", 7),
    "CA": ("416 647 604 778 403 587 613 514 902 204 306 905", 7),
    "GB": ("7400 7411 7500 7538 7700 7712 7723 7766 7800 7815 7900 7911 7958 7970", 6),
    "AU": ("400 401 402 403 404 405 406 407 408 409 412 413 414 415 416 417 418 419", 6),
    "NZ": ("21 22 27", 7),
    "SE": ("70 72 73 76 79", 7),
    "NO": ("4 9", 7),
    "DK": ("20 21 22 23 24 25 26 27 28 29 30 31 40 41 42 50 51 52 53 60 61", 6),
    "FI": ("40 41 44 45 46 50", 7),
    "DE": ("151 152 157 160 162 163 170 171 172 173 174 175 176 177 178 179", 8),
    "AT": ("650 660 664 676 680 681 688 699", 7),
    "CH": ("75 76 77 78 79", 7),
    "NL": ("61 62 63 64 65", 7),
    "BE": ("470 471 472 473 474 475 476 477 478 479 484 485 486 487 488 489", 6),
    "FR": ("6 7", 8),
    "IE": ("83 85 86 87 89", 7),
    "JP": ("70 80 90", 8),
    "SA": ("50 53 54 55 56 58 59", 7),
    "AE": ("50 52 54 55 56 58", 7),
    "QA": ("33 55 66 77", 6),
    "KW": ("5 6 9", 7),
    "HK": ("51 52 53 54 55 56 59 61 62 63 64 65 66 67 68 69 90 91 92 93 94 95 96 97 98", 6),
    "SG": ("8 9", 7),
    "IT": (
        "320 324 327 328 329 330 333 334 335 338 339 340 345 346 347 348 349 360 366 380 "
        "388 389 392 393",
        7,
    ),
}
COUNTRIES: tuple[str, ...] = tuple(sorted(_MOBILE))


def mobile_number(rng: np.random.Generator, country: str) -> str:
    """A valid mobile number of the country in E.164 (``+639171234567``)."""
    text, digits = _MOBILE[country]
    prefixes = text.split(" ")
    code = phonenumbers.country_code_for_region(country)
    for _ in range(200):
        nsn = prefixes[int(rng.integers(len(prefixes)))] + "".join(
            str(int(d)) for d in rng.integers(0, 10, digits)
        )
        parsed = phonenumbers.parse(f"+{code}{nsn}")
        if phonenumbers.is_valid_number_for_region(parsed, country):
            return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    raise RuntimeError(f"no valid mobile number found for {country}")  # pragma: no cover


STYLES = ("national", "international", "e164", "compact_national", "dashed_international")


def written(e164: str, style: str) -> str:
    """How a person writes the number: ``0917 123 4567``, ``+63 917 123 4567``, ..."""
    parsed = phonenumbers.parse(e164)
    if style == "national":
        return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    if style == "international":
        return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)
    if style == "compact_national":
        text = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
        return "".join(c for c in text if c.isdigit() or c == "+")
    if style == "dashed_international":
        text = phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)
        return text.replace(" ", "-")
    return e164


def writings(e164: str) -> tuple[str, ...]:
    """The number in every style (for picking one per row in bulk)."""
    return tuple(written(e164, s) for s in STYLES)
