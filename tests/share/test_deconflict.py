"""Deconfliction between two agencies whose cases overlap on a planted set of persons."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import BUYERS, SELLERS, build_case, pid
from threadline import Case
from threadline.errors import UsageError
from threadline.share import deconflict
from threadline.store import audit

# Agency A holds buyers 0-3, agency B buyers 2-5: both hold buyers 2 and 3 and both
# facilitators. B also holds buyer 0 under another handle with only the phone in common.
HALF_A = list(enumerate(BUYERS))[:4]
TOM_ELSEWHERE = dataclasses.replace(
    BUYERS[0],
    handle="t_bright_77",
    name="T. Bright",
    email="tb77@mail.test",
    device="dev-gb-77",
    pay_account="A-7777",
)
HALF_B = [*list(enumerate(BUYERS))[2:], (0, TOM_ELSEWHERE)]
ALL_KINDS = ["device", "email", "payment_account", "phone", "username"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, Case, Path]]:
    root = tmp_path_factory.mktemp("deconflict")
    a = build_case(root / "a", HALF_A, agency="AGENCY-A")
    b = build_case(root / "b", HALF_B, agency="AGENCY-B")
    key = deconflict.generate_key(root / "operation.key")
    yield a, b, key
    a.close()
    b.close()


def test_match_finds_exactly_the_planted_overlap(
    cases: tuple[Case, Case, Path], tmp_path: Path
) -> None:
    a, b, key_file = cases
    key = deconflict.load_key(key_file)
    deconflict.share_selectors(b, key, tmp_path / "b.jsonl", "AGENCY-B")
    rows = deconflict.share_match(a, key, [tmp_path / "b.jsonl"])
    found = {r["person_id"]: r["kinds"] for r in rows}
    shared = [*SELLERS, BUYERS[2], BUYERS[3]]
    expected = {pid(a, p): ALL_KINDS for p in shared}
    # facilitators have no login device in the fixture
    for s in SELLERS:
        expected[pid(a, s)] = ["email", "payment_account", "phone", "username"]
    expected[pid(a, BUYERS[0])] = ["phone"]
    assert found == expected
    assert all(r["holder"] == "AGENCY-B" for r in rows)
    tom = next(r for r in rows if r["person_id"] == pid(a, BUYERS[0]))
    assert tom["their_roles"] == ["buyer"]
    assert tom["their_first_seen"] <= tom["their_last_seen"]
    # and the other way round: B learns which of its persons A holds
    deconflict.share_selectors(a, key, tmp_path / "a.jsonl", "AGENCY-A")
    back = {r["person_id"] for r in deconflict.share_match(b, key, [tmp_path / "a.jsonl"])}
    assert back == {pid(b, p) for p in (*shared, TOM_ELSEWHERE)}


def test_selector_file_holds_no_raw_selector(
    cases: tuple[Case, Case, Path], tmp_path: Path
) -> None:
    _, b, key_file = cases
    key = deconflict.load_key(key_file)
    out = tmp_path / "b.jsonl"
    header = deconflict.write_selectors(b.engine, key, out, "AGENCY-B")
    text = out.read_text().lower()
    raw: list[str] = []
    for _, party in HALF_B:
        raw += [v.lower() for v in party.raw_values]
        raw += [f"{party.platform}:{party.handle}", f"remitco:{party.pay_account.lower()}"]
        raw.append(pid(b, party).lower())
    for s in SELLERS:
        raw += [v.lower() for v in s.raw_values]
    for value in raw:
        assert value not in text, value
    # every stored raw selector value, straight from the store, is absent too
    for (value,) in b.engine.query("SELECT DISTINCT value FROM selectors"):
        assert str(value).lower() not in text, value
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["selectors"] == len(lines) - 1
    assert set(lines[1]) == {"kind", "hmac", "roles", "first_seen", "last_seen"}
    hashes = [line["hmac"] for line in lines[1:]]
    assert hashes == sorted(hashes)  # ordered by hash: no grouping by person
    assert header["kinds"]["username"] == len(HALF_B) + len(SELLERS)


def test_other_key_matches_nothing_and_actions_are_audited(
    cases: tuple[Case, Case, Path], tmp_path: Path
) -> None:
    a, b, key_file = cases
    key = deconflict.load_key(key_file)
    other = deconflict.load_key(deconflict.generate_key(tmp_path / "other.key"))
    header = deconflict.share_selectors(b, other, tmp_path / "b.jsonl")
    assert header["selectors"] > 0
    assert deconflict.share_match(a, key, [tmp_path / "b.jsonl"]) == []
    actions = [e.action for e in audit.entries(b.engine)]
    assert "share_selectors" in actions
    assert deconflict.selector_hash(key, "phone", "+1") != deconflict.selector_hash(
        other, "phone", "+1"
    )


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "a sixteen byte passphrase that a person typed",  # long, but typed, not random
        "00" * 16,  # 128 bits of hex: below the 256 the brief asks for
    ],
)
def test_operation_keys_come_from_keygen_or_256_bits(tmp_path: Path, text: str) -> None:
    with pytest.raises(UsageError, match="share keygen"):
        deconflict.load_key(_write(tmp_path / "weak.key", text))


def test_selector_file_has_no_offline_checkable_key_id(
    cases: tuple[Case, Case, Path], tmp_path: Path
) -> None:
    """A value derived from the key alone would let a file's holder confirm a guessed key."""
    _, b, key_file = cases
    key = deconflict.load_key(key_file)
    out = tmp_path / "b.jsonl"
    deconflict.write_selectors(b.engine, key, out, "AGENCY-B")
    header = json.loads(out.read_text().splitlines()[0])
    assert set(header) == {
        "format",
        "version",
        "holder",
        "created_at",
        "hash",
        "selectors",
        "kinds",
    }
    hashes = {json.loads(line)["hmac"] for line in out.read_text().splitlines()[1:]}
    label = deconflict.hmac.new(key, deconflict.DOMAIN + b"|key-id", "sha256").hexdigest()
    assert not any(label[:16] in v for v in [*map(str, header.values()), *hashes])


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
