"""Who may see and do what: the case's access policy, read from ``CASE/web-policy.yaml``.

Every rule is applied in the API layer (:mod:`threadline.web.views`), so a page and a JSON
request are refused alike. Without a file the defaults below apply: networks, sellers and
facilitators for every signed-in user; buyers' and other persons' identities only for the
users whose country is the person's jurisdiction (``targets.country``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from threadline.errors import UsageError

POLICY_FILE = "web-policy.yaml"
ROLES = ("admin", "analyst", "reviewer")
LEVELS = ("all", "own", "none")
# Visibility is set per person role (as the graph stage names them) and for networks; a role
# the policy does not name is treated as ``other``.
SUBJECT = re.compile(r"^[a-z][a-z_]{0,31}$")
ACTIONS = ("read", "review", "package", "thumbnail", "audit")

DEFAULT: dict[str, Any] = {
    "visibility": {
        "networks": "all",
        "seller": "all",
        "facilitator": "all",
        "mule": "all",  # takes buyers' payments for a facilitator: every payer's country needs it
        "buyer": "own",
        "other": "own",
    },
    "permissions": {
        "admin": ["read", "review", "package", "thumbnail", "audit"],
        "analyst": ["read", "review", "package", "thumbnail"],
        "reviewer": ["read", "review"],
    },
    "coordinators": [],
}


@dataclass(frozen=True)
class User:
    """A signed-in person: an agency's analyst, reviewer or administrator."""

    name: str
    agency: str
    country: str
    role: str


@dataclass(frozen=True)
class Policy:
    """Whose identities each user sees, what each role may do, and which agencies coordinate."""

    visibility: dict[str, str]
    permissions: dict[str, frozenset[str]]
    coordinators: frozenset[str]
    source: str

    def can(self, user: User, action: str) -> bool:
        """Whether the user's role carries ``action`` (read, review, package, ...)."""
        return action in self.permissions.get(user.role, frozenset())

    def coordinates(self, user: User) -> bool:
        """Coordinating agencies see every country's data."""
        return user.agency in self.coordinators

    def sees(self, user: User, subject: str, jurisdictions: Iterable[str]) -> bool:
        """Whether the user may see a person (subject = its role) or a network."""
        if not self.can(user, "read"):
            return False
        if self.coordinates(user):
            return True
        level = self.visibility.get(subject, self.visibility.get("other", "none"))
        if level == "all":
            return True
        return level == "own" and user.country in set(jurisdictions)

    def sees_country(self, user: User, country: str) -> bool:
        """Whether the user may see everything of one country (its package, its buyers)."""
        return self.coordinates(user) or country == user.country

    def as_dict(self) -> dict[str, Any]:
        """The policy as JSON values, with the file it was read from (or "defaults")."""
        return {
            "source": self.source,
            "visibility": dict(self.visibility),
            "permissions": {r: sorted(a) for r, a in self.permissions.items()},
            "coordinators": sorted(self.coordinators),
        }


def load_policy(case_dir: Path) -> Policy:
    """The case's policy file merged over the defaults; a malformed file is a usage error."""
    path = case_dir / POLICY_FILE
    data: dict[str, Any] = {}
    source = "defaults"
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"{path}: expected a mapping at the top level")
        data = loaded
        source = str(path)
    unknown = set(data) - set(DEFAULT) - {"version"}
    if unknown:
        raise UsageError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    visibility = {**DEFAULT["visibility"], **(data.get("visibility") or {})}
    for subject, level in visibility.items():
        if not SUBJECT.match(str(subject)):
            raise UsageError(f"{path}: visibility of {subject!r}: not a role name")
        if level not in LEVELS:
            raise UsageError(f"{path}: visibility {subject}: {level!r} is not one of {LEVELS}")
    permissions = {**DEFAULT["permissions"], **(data.get("permissions") or {})}
    perms: dict[str, frozenset[str]] = {}
    for role, actions in permissions.items():
        if role not in ROLES:
            raise UsageError(f"{path}: permissions for unknown role {role!r}")
        bad = set(actions) - set(ACTIONS)
        if bad:
            raise UsageError(f"{path}: unknown action(s) {', '.join(sorted(bad))} for {role}")
        perms[role] = frozenset(actions)
    coordinators = frozenset(str(a) for a in (data.get("coordinators") or []))
    return Policy(visibility, perms, coordinators, source)
