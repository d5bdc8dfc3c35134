"""Workbench users: one row per person in the case, passwords hashed with argon2id."""

from __future__ import annotations

import re

import pycountry
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from threadline.case import Case
from threadline.errors import UsageError
from threadline.store import audit
from threadline.store.engine import Rows
from threadline.web import sql as web_sql
from threadline.web.policy import ROLES, User

MIN_PASSWORD = 12
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_hasher = PasswordHasher()
# Verifying against this keeps a failed login for an unknown name as slow as a wrong password.
_DUMMY = _hasher.hash("not a password of anyone")


def country_of(agency: str, country: str | None) -> str:
    """The user's jurisdiction: ``country``, or the agency code when it is a country code."""
    code = (country or agency).strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise UsageError(
            f"{code!r} is not an ISO 3166-1 alpha-2 country; give the agency's --country"
        )
    return code


def add_user(
    case: Case, name: str, *, agency: str, role: str, password: str, country: str | None = None
) -> User:
    """Create a user of the workbench; the addition is recorded in the audit log."""
    if not NAME.match(name):
        raise UsageError(f"user name {name!r}: letters, digits and . _ @ - only (max 64)")
    if role not in ROLES:
        raise UsageError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password needs at least {MIN_PASSWORD} characters")
    if not agency.strip():
        raise UsageError("--agency is required")
    cc = country_of(agency, country)
    engine = case.engine
    details = {"user": name, "agency": agency.strip(), "country": cc, "role": role}
    with case.audited("user:add", details):
        if web_sql.user(engine, name) is not None:
            raise UsageError(f"user {name!r} already exists in this case")
        web_sql.add_user(
            engine, name, agency.strip(), cc, role, _hasher.hash(password), audit.os_user()
        )
    return User(name, agency.strip(), cc, role)


def authenticate(r: Rows, name: str, password: str) -> tuple[User | None, str | None]:
    """The user if the password matches, and a new hash when the stored one is outdated."""
    row = web_sql.user(r, name) if NAME.match(name) else None
    stored = str(row["password_hash"]) if row else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None, None
    if row is None:
        return None, None
    rehash = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else None
    return User(str(row["name"]), str(row["agency"]), str(row["country"]), str(row["role"])), rehash


def load_user(r: Rows, name: str) -> User | None:
    """The stored user of that name, or None."""
    row = web_sql.user(r, name)
    if row is None:
        return None
    return User(str(row["name"]), str(row["agency"]), str(row["country"]), str(row["role"]))
