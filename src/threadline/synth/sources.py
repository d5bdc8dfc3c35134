"""The files an operation receives: which agency delivered each, in which format and clock.

Platform returns come in UTC; remittance companies export in their head office's local time
with offsets; Philippine seizures come in Manila time, two of them (a pawnshop payout ledger
and a telco's cell-site records) with naive local timestamps and a manifest timezone.
"""

from __future__ import annotations

import numpy as np

from threadline.synth.writer import Source

MESSAGE_BASE = ("platform", "message_id", "sent_at", "sender", "recipient", "text")
_ATTACH = ("attachment_sha256", "attachment_name")
ACCOUNT_COLUMNS = (
    "platform",
    "account_id",
    "display_name",
    "email",
    "phone",
    "created_at",
    "registration_ip",
    "country",
)
LOCATION_COLUMNS = ("subject_type", "subject", "at", "lat", "lon", "accuracy_m", "source_note")
DUPLICATE_PLATFORM = "facebook"

# (kind, name) -> path, format, agency, zone, naive, columns
_TABLE: tuple[tuple[str, str, str, str, str, str, bool, tuple[str, ...]], ...] = (
    (
        "accounts",
        "facebook",
        "accounts/facebook_subscribers.csv",
        "csv",
        "US-HSI",
        "UTC",
        False,
        ACCOUNT_COLUMNS,
    ),
    (
        "accounts",
        "skype",
        "accounts/skype_subscribers.jsonl",
        "jsonl",
        "UK-NCA",
        "Europe/London",
        False,
        ACCOUNT_COLUMNS,
    ),
    (
        "accounts",
        "whatsapp",
        "accounts/whatsapp_subscribers.csv",
        "csv",
        "US-HSI",
        "UTC",
        False,
        ACCOUNT_COLUMNS,
    ),
    (
        "accounts",
        "telegram",
        "accounts/telegram_subscribers.jsonl",
        "jsonl",
        "AU-AFP",
        "UTC",
        False,
        ACCOUNT_COLUMNS,
    ),
    (
        "accounts",
        "viber",
        "accounts/viber_subscribers.csv",
        "csv",
        "PH-NBI",
        "Asia/Manila",
        False,
        ACCOUNT_COLUMNS,
    ),
    (
        "messages",
        "facebook",
        "messages/facebook_messages.csv",
        "csv",
        "US-HSI",
        "UTC",
        False,
        (*MESSAGE_BASE, "conversation_id", *_ATTACH),
    ),
    (
        "messages",
        "skype",
        "messages/skype_messages.jsonl",
        "jsonl",
        "UK-NCA",
        "UTC",
        False,
        MESSAGE_BASE,
    ),
    (
        "messages",
        "whatsapp",
        "messages/whatsapp_messages.csv",
        "csv",
        "PH-PNP-WCPC",
        "Asia/Manila",
        False,
        (*MESSAGE_BASE, *_ATTACH),
    ),
    (
        "messages",
        "telegram",
        "messages/telegram_messages.jsonl",
        "jsonl",
        "AU-AFP",
        "UTC",
        False,
        (*MESSAGE_BASE, "conversation_id"),
    ),
    (
        "messages",
        "viber",
        "messages/viber_messages.csv",
        "csv",
        "PH-NBI",
        "Asia/Manila",
        False,
        MESSAGE_BASE,
    ),
    (
        "messages",
        "duplicate",
        "messages/facebook_messages_device_copy.jsonl",
        "jsonl",
        "UK-NCA",
        "UTC",
        False,
        (*MESSAGE_BASE, "conversation_id", *_ATTACH),
    ),
    (
        "payments",
        "westernunion",
        "payments/westernunion.csv",
        "csv",
        "US-HSI",
        "America/New_York",
        False,
        (),
    ),
    (
        "payments",
        "moneygram",
        "payments/moneygram.jsonl",
        "jsonl",
        "CA-RCMP",
        "America/Chicago",
        False,
        (),
    ),
    (
        "payments",
        "remitly",
        "payments/remitly.csv",
        "csv",
        "AU-AFP",
        "America/Los_Angeles",
        False,
        (),
    ),
    ("payments", "paypal", "payments/paypal.jsonl", "jsonl", "UK-NCA", "UTC", False, ()),
    (
        "payments",
        "cebuana",
        "payments/cebuana_payouts.csv",
        "csv",
        "PH-PNP-WCPC",
        "Asia/Manila",
        True,
        (),
    ),
    ("payments", "gcash", "payments/gcash.csv", "csv", "PH-NBI", "Asia/Manila", False, ()),
    ("logins", "facebook", "logins/facebook_logins.csv", "csv", "US-HSI", "UTC", False, ()),
    ("logins", "skype", "logins/skype_logins.jsonl", "jsonl", "UK-NCA", "UTC", False, ()),
    ("logins", "whatsapp", "logins/whatsapp_logins.csv", "csv", "US-HSI", "UTC", False, ()),
    ("logins", "telegram", "logins/telegram_logins.jsonl", "jsonl", "AU-AFP", "UTC", False, ()),
    ("logins", "viber", "logins/viber_logins.csv", "csv", "PH-NBI", "Asia/Manila", False, ()),
    (
        "locations",
        "phone",
        "locations/telco_cell_sites.csv",
        "csv",
        "PH-PNP-WCPC",
        "Asia/Manila",
        True,
        LOCATION_COLUMNS,
    ),
    (
        "locations",
        "device",
        "locations/device_extractions.jsonl",
        "jsonl",
        "PH-NBI",
        "Asia/Manila",
        False,
        LOCATION_COLUMNS,
    ),
    (
        "locations",
        "account",
        "locations/platform_locations.csv",
        "csv",
        "US-HSI",
        "UTC",
        False,
        LOCATION_COLUMNS,
    ),
)


def sources(
    rng: np.random.Generator, columns: dict[tuple[str, str], tuple[str, ...]]
) -> dict[tuple[str, str], Source]:
    """Every source of the operation keyed by (kind, name); ``columns`` fills empty column sets.

    Seizure references are drawn per run so that different seeds describe different operations.
    """
    out: dict[tuple[str, str], Source] = {}
    refs: dict[str, str] = {}
    for kind, name, path, fmt, agency, zone, naive, cols in _TABLE:
        if agency not in refs:
            refs[agency] = (
                f"{agency}-{int(rng.integers(2019, 2025))}-{int(rng.integers(1, 9999)):04d}"
            )
        seizure = f"{refs[agency]}/{kind[:3].upper()}-{len(out) + 1:02d}"
        out[(kind, name)] = Source(
            path=path,
            kind=kind,
            format=fmt,
            agency=agency,
            seizure=seizure,
            zone=zone,
            naive=naive,
            columns=cols or columns[(kind, name)],
        )
    return out
