"""Property tests for the value normalisers: idempotent, and only typed errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline import values
from threadline.errors import InvalidValue

NORMALISERS = [
    values.normalise_email,
    values.normalise_ip,
    values.normalise_country,
    values.normalise_currency,
    values.normalise_phone,
]


@pytest.mark.parametrize("func", NORMALISERS, ids=lambda f: f.__name__)
@given(text=st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_normalisers_raise_only_invalid_value_and_are_idempotent(func, text) -> None:  # type: ignore[no-untyped-def]
    try:
        once = func(text)
    except InvalidValue:
        return
    assert func(once) == once


@given(
    number=st.from_regex(r"\A9[0-9]{9}\Z"),
    style=st.sampled_from(["0{a} {b} {c}", "+63 {a} {b} {c}", "0063{a}{b}{c}", "(0{a}) {b}-{c}"]),
)
def test_philippine_mobiles_in_any_style_give_one_e164(number: str, style: str) -> None:
    a, b, c = number[:3], number[3:6], number[6:]
    written = style.format(a=a, b=b, c=c)
    try:
        got = values.normalise_phone(written, "PH")
    except InvalidValue:
        return
    assert got == "+63" + number


@given(st.ip_addresses())
def test_ip_addresses_round_trip(ip) -> None:  # type: ignore[no-untyped-def]
    mapped = getattr(ip, "ipv4_mapped", None)
    expected = str(mapped) if mapped is not None else str(ip)
    assert values.normalise_ip(str(ip)) == expected
    assert values.normalise_ip(f" {ip.exploded.upper()} ") == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("PH", "PH"),
        ("phl", "PH"),
        ("Philippines", "PH"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("usa", "US"),
        ("Deutschland", None),
        ("", None),
    ],
)
def test_countries(raw: str, code: str | None) -> None:
    if code is None:
        with pytest.raises(InvalidValue):
            values.normalise_country(raw)
    else:
        assert values.normalise_country(raw) == code


def test_email_and_currency() -> None:
    assert values.normalise_email("  Tom@Example.ORG ") == "tom@example.org"
    assert values.normalise_currency(" php") == "PHP"
    with pytest.raises(InvalidValue):
        values.normalise_currency("XYZ1")
    with pytest.raises(InvalidValue):
        values.normalise_email("not-an-email")
