"""The server's state: the case, its read pool, the policy, sessions and the access index.

The access index maps every person to its role and jurisdictions; views consult it to
decide what a user may see. It is rebuilt when an analyst merges or splits persons.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from threadline.case import Case
from threadline.store.audit import os_user
from threadline.store.engine import Rows
from threadline.store.web_pool import ReadPool
from threadline.web import parties_sql
from threadline.web import sql as web_sql
from threadline.web.auditlog import AuditWriter
from threadline.web.errors import BadRequest, Forbidden, NotFound, ReadOnly, ReadsThrottled
from threadline.web.package_jobs import PackageJobs
from threadline.web.policy import Policy, User
from threadline.web.sessions import LoginLimiter, SessionStore
from threadline.web.throttle import ReadBucket

PERSON_ID = re.compile(r"^P[0-9a-f]{6,64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CACHE_ENTRIES = 1024
# Rows the remembered values may hold in all: a facilitator's timeline can be a hundred
# thousand events, and a server must not grow without bound while analysts browse.
CACHE_ROWS = 2_000_000
# A remembered value this many rows or more is frozen out of the cyclic garbage collector:
# its full collections would otherwise walk every cached row (hundreds of milliseconds at
# `medium`, every request waiting). The values are plain rows, freed by reference counting.
FREEZE_ROWS = 1_000

if TYPE_CHECKING:
    from threadline.share.progress import ProgressFn


class PackageBuilder(Protocol):
    """Writes one country's referral package into a folder (``share.package.build_package``)."""

    def __call__(
        self, case: Case, country: str, out_dir: Path, *, progress: ProgressFn | None = None
    ) -> Any:
        """Build the package, reporting each step's progress to ``progress`` when given."""


@dataclass(frozen=True)
class Access:
    """A person's role and jurisdictions: what the policy decides their visibility by."""

    role: str
    countries: tuple[str, ...]


@dataclass
class Workbench:
    """Everything requests share: the open case, its read pool, policy, sessions, access index."""

    case: Case
    policy: Policy
    read_only: bool = False
    # A TLS-terminating proxy in front says the browser uses HTTPS: cookies are Secure.
    behind_tls_proxy: bool = False
    pool_size: int = 8
    time_limit_s: float = 10.0
    # "auto": threadline.share.package.build_package when installed; None: no packaging.
    package_builder: PackageBuilder | Literal["auto"] | None = "auto"
    sessions: SessionStore = field(default_factory=SessionStore)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    reads: ReadBucket = field(default_factory=ReadBucket)
    package_jobs: PackageJobs = field(default_factory=PackageJobs)

    def __post_init__(self) -> None:
        self.pool = ReadPool(self.case.engine, self.pool_size, self.time_limit_s)
        self.audit_log = AuditWriter(self.case.engine)
        self._lock = threading.Lock()
        self._making: dict[tuple[Any, ...], threading.Lock] = {}
        self.generation = 0
        self._index: dict[str, Access] = {}
        self._labels: dict[str, str] = {}
        # (sha256, row) -> (source agency, record id -> parties): who each linked row is about.
        self._rows: dict[tuple[str, int], tuple[str, dict[str, list[str | None]]]] = {}
        self.cache: dict[tuple[Any, ...], Any] = {}
        self._weights: dict[tuple[Any, ...], int] = {}
        self._held_rows = 0  # the sum of the weights
        self.refresh()

    # -- access index -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the access index, the person labels and the parties of every event.

        That is every person's role and jurisdictions, and who is on each side of every
        message, payment and login (at start and after a merge or split).
        """
        with self.pool.reader() as r:
            index = {p: Access(role, tuple(cs)) for p, role, cs in web_sql.person_access(r)}
            labels = web_sql.person_labels(r)
            parties = {name: r.query_arrow(sql) for name, sql in web_sql.PARTY_INDEX.items()}
        self.pool.share(parties)
        with self._lock:
            self._index, self._labels = index, labels
            self._rows = {}
            self.generation += 1
            self.cache.clear()
            self._weights.clear()
            self._held_rows = 0
        # What was frozen before may now be garbage (the old index and values): collect it
        # once, then keep the new index out of later collections (see FREEZE_ROWS).
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def access(self, person_id: str | None) -> Access:
        """The person's role and jurisdictions; an unknown person is ``other`` with none."""
        return self._index.get(person_id or "", Access("other", ()))

    def label(self, person_id: str) -> str:
        """A readable handle for the person (first account, else payment name), else its id."""
        return self._labels.get(person_id, person_id)

    def known(self, person_id: str) -> bool:
        """Whether the person is in the access index."""
        return person_id in self._index

    def visible(self, user: User, person_id: str | None) -> bool:
        """Whether the policy lets the user see this person's identity."""
        a = self.access(person_id)
        return self.policy.sees(user, a.role, a.countries)

    def record_visible(
        self, user: User, source_agency: str | None, parties: Iterable[str | None]
    ) -> bool:
        """The one rule for stored records and the findings made of them.

        A record is shown in full when its source was seized by the user's agency, when the
        user's agency coordinates, or when every person it is evidence for or held by (its
        ``parties``; None for a party that belongs to no known person) is visible to the user.
        Otherwise it is withheld whole: only that a restricted record exists is shown.
        """
        if not self.policy.can(user, "read"):
            return False
        if self.policy.coordinates(user):
            return True
        if source_agency is not None and source_agency == user.agency:
            return True
        return all(self.visible(user, p) for p in parties)

    def openable(self, user: User, refs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
        """The evidence rows among ``refs`` the user may open (one record they may see)."""
        wanted = {(str(sha), int(row)) for sha, row in refs}
        missing = sorted(wanted - self._rows.keys())
        if missing:
            found: dict[tuple[str, int], tuple[str, dict[str, list[str | None]]]] = {
                ref: ("", {}) for ref in missing
            }
            with self.pool.reader() as r:
                for sha, row, agency, rid, pid, has in parties_sql.row_parties(r, missing):
                    parties = found[sha, row][1].setdefault(rid, [])
                    if has:
                        parties.append(pid)
                    found[sha, row] = (agency, found[sha, row][1])
            with self._lock:
                self._rows.update(found)
        out = set()
        for ref in wanted:
            agency, records = self._rows.get(ref, ("", {}))
            if any(self.record_visible(user, agency, ps) for ps in records.values()):
                out.add(ref)
        return out

    def throttle_reads(self, user: User) -> None:
        """Refuse (429 with Retry-After) a user who reads stored records faster than allowed."""
        wait = self.reads.take(user.name)
        if wait is not None:
            self.audit(user, "throttled", "evidence", user.name, retry_after=wait)
            raise ReadsThrottled(
                f"too many records read; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )

    def view_key(self, user: User) -> tuple[Any, ...]:
        """Users with the same key see exactly the same persons (for caching their views)."""
        p = self.policy
        return (p.coordinates(user), user.country, p.can(user, "read"))

    def placeholder(self, person_id: str | None) -> str:
        """What is shown instead of a restricted person: its role and jurisdictions only."""
        a = self.access(person_id)
        where = ", ".join(a.countries) or "jurisdiction unknown"
        return f"[restricted {a.role} · {where}]"

    # -- checks -----------------------------------------------------------------------------
    def require(self, user: User, action: str) -> None:
        """Refuse unless the user's role carries ``action``."""
        if not self.policy.can(user, action):
            raise Forbidden(f"your role ({user.role}) may not {action}")

    def require_writable(self) -> None:
        """Refuse any change while the case is served read-only."""
        if self.read_only:
            raise ReadOnly("the workbench is serving this case read-only")

    def require_person(self, user: User, person_id: str) -> Access:
        """The person's access entry, if the user may see them; a refusal is audited."""
        if not PERSON_ID.match(person_id):
            raise BadRequest(f"{person_id!r} is not a person id")
        if not self.known(person_id):
            raise NotFound(f"no person {person_id}")
        if not self.visible(user, person_id):
            self.audit(user, "denied", "person", person_id)
            raise Forbidden("this person's identity is restricted to another jurisdiction")
        return self.access(person_id)

    # -- reads and the audit log --------------------------------------------------------------
    def reader(self) -> Any:
        """A read connection from the pool, returned after use."""
        return self.pool.reader()

    def cached(self, key: tuple[Any, ...], make: Callable[[Rows], Any]) -> Any:
        """A read whose result holds until the next merge or split."""

        def read() -> Any:
            with self.pool.reader() as r:
                return make(r)

        return self.remember(key, read)

    def remember(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """A value computed once per ``key`` until the next merge or split.

        Concurrent requests for one missing key wait for the first to compute it; requests
        for other keys go on (each key has its own lock).
        """
        full = (self.generation, *key)
        with self._lock:
            if full in self.cache:  # the least recently used go first: this one is now last
                value = self.cache[full] = self.cache.pop(full)
                return value
            making = self._making.setdefault(full, threading.Lock())
        with making:
            if full in self.cache:
                return self.cache[full]
            try:
                value = make()
                weight = rows_in(value)
                with self._lock:
                    while self.cache and (
                        len(self.cache) >= CACHE_ENTRIES or self._held_rows + weight > CACHE_ROWS
                    ):
                        oldest = next(iter(self.cache))
                        self.cache.pop(oldest)
                        self._held_rows -= self._weights.pop(oldest, 0)
                    self.cache[full] = value
                    self._weights[full] = weight
                    self._held_rows += weight
                if weight >= FREEZE_ROWS:
                    gc.freeze()
            finally:
                with self._lock:
                    self._making.pop(full, None)
        return value

    def record_key(self, user: User) -> tuple[Any, ...]:
        """Users with the same key may open exactly the same records (see record_visible)."""
        return (*self.view_key(user), user.agency)

    def audit(self, user: User, verb: str, what: str, ident: str, **extra: Any) -> None:
        """Append ``verb:what`` by ``user`` to the case's hash-chained audit log."""
        details = {
            "user": user.name,
            "agency": user.agency,
            "role": user.role,
            "what": what,
            "id": ident,
            **extra,
        }
        self.audit_log.append(f"{verb}:{what}", details, f"web:{os_user()}")

    def audit_event(self, action: str, details: dict[str, Any]) -> None:
        """An audit entry not made by a signed-in user (failed or blocked sign-ins)."""
        self.audit_log.append(action, details, f"web:{os_user()}")

    def update_password_hash(self, name: str, password_hash: str) -> None:
        """Store a user's new password hash."""
        with self.case.engine.transaction():
            web_sql.set_password_hash(self.case.engine, name, password_hash)

    def close(self) -> None:
        """Stop the audit writer once its queue is committed, and close the read pool."""
        self.package_jobs.join()  # a running package build still writes to the case
        self.audit_log.close()
        self.pool.close()


def rows_in(value: Any) -> int:
    """About how many rows a remembered value holds (lists count their items; at least 1)."""
    if isinstance(value, list):
        return max(1, len(value))
    if isinstance(value, tuple):
        return max(1, sum(rows_in(v) for v in value))
    return 1


def jsonable(value: Any) -> Any:
    """Store values as JSON values: exact decimals as text, times as ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


PLAIN = (str, int, float, bool, type(None))


def rows(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as JSON values (the common, plain values are passed through untouched)."""
    return [
        {k: v if isinstance(v, PLAIN) else jsonable(v) for k, v in item.items()} for item in items
    ]
