"""The case policy file: defaults, overrides, and refusal of anything malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.errors import UsageError
from threadline.web.policy import POLICY_FILE, User, load_policy

AU = User("a", "AFP", "AU", "analyst")
REVIEWER = User("r", "NCA", "GB", "reviewer")


def test_defaults(tmp_path: Path) -> None:
    p = load_policy(tmp_path)
    assert p.source == "defaults"
    assert p.sees(AU, "seller", ["PH"])
    assert p.sees(AU, "facilitator", [])
    assert p.sees(AU, "networks", [])
    assert p.sees(AU, "buyer", ["AU"])
    assert not p.sees(AU, "buyer", ["GB"])
    assert not p.sees(AU, "buyer", [])  # no known jurisdiction: nobody's
    assert not p.sees(AU, "other", ["GB"])
    assert p.sees(AU, "unknown-role", ["AU"])
    assert p.can(AU, "package")
    assert not p.can(AU, "audit")
    assert not p.can(REVIEWER, "package")
    assert p.can(REVIEWER, "review")
    assert p.sees_country(AU, "AU")
    assert not p.sees_country(AU, "GB")


def test_overrides_and_coordinators(tmp_path: Path) -> None:
    (tmp_path / POLICY_FILE).write_text(
        "version: 1\nvisibility:\n  seller: own\n  networks: none\n"
        "permissions:\n  analyst: [read]\ncoordinators: [EUROPOL]\n"
    )
    p = load_policy(tmp_path)
    assert not p.sees(AU, "seller", ["PH"])
    assert not p.sees(AU, "networks", ["AU"])
    assert not p.can(AU, "package")
    eu = User("e", "EUROPOL", "NL", "analyst")
    assert p.sees(eu, "buyer", ["GB"])
    assert p.sees_country(eu, "AU")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("visibility:\n  buyer: everyone\n", "not one of"),
        ("visibility:\n  Not A Role: all\n", "not a role name"),
        ("permissions:\n  boss: [read]\n", "unknown role"),
        ("permissions:\n  analyst: [fly]\n", "unknown action"),
        ("shared: true\n", "unknown setting"),
        ("- a list\n", "mapping"),
        ("visibility: [\n", "not valid YAML"),
    ],
)
def test_malformed_policy_is_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / POLICY_FILE).write_text(text)
    with pytest.raises(UsageError, match=message):
        load_policy(tmp_path)
