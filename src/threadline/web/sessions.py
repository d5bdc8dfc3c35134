"""Server-side sessions, CSRF tokens, one-time media grants and login rate limiting.

Sessions live in the server's memory: a restart signs everyone out, which is the safe
failure. The cookie carries only a random session id (HttpOnly, Secure, SameSite=Strict).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from threadline.web.policy import User

COOKIE = "threadline_session"
IDLE_S = 8 * 3600
ABSOLUTE_S = 12 * 3600
GRANT_S = 120.0


@dataclass
class Session:
    """One visitor's session: its user once signed in, its CSRF token and thumbnail grants."""

    sid: str
    csrf: str
    user: User | None = None
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    # One-time permissions to fetch a blurred thumbnail, given after an audited request.
    grants: dict[str, tuple[str, float]] = field(default_factory=dict)

    def csrf_ok(self, token: str | None) -> bool:
        """Whether the token is this session's CSRF token (compared in constant time)."""
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


class SessionStore:
    """The live sessions; one ends after 8 hours idle or 12 hours after it began."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def new(self, user: User | None = None) -> Session:
        """A new session with a random id and CSRF token, signed in as ``user`` if given."""
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), user)
        with self._lock:
            self._sessions[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, or None; finding it counts as activity."""
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if now - s.seen > IDLE_S or now - s.created > ABSOLUTE_S:
                del self._sessions[sid]
                return None
            s.seen = now
            return s

    def drop(self, sid: str) -> None:
        """End a session."""
        with self._lock:
            self._sessions.pop(sid, None)

    def grant(self, s: Session, sha256: str) -> str:
        """A one-time token to fetch one media file's thumbnail within two minutes."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            s.grants[token] = (sha256, time.monotonic() + GRANT_S)
        return token

    def use_grant(self, s: Session, token: str, sha256: str) -> bool:
        """Spend a grant: whether it was this session's, for this media file, and still valid."""
        with self._lock:
            found = s.grants.pop(token, None)
        return found is not None and found[0] == sha256 and found[1] >= time.monotonic()


class LoginLimiter:
    """Failed sign-ins, counted per account and per client address separately, with back-off.

    An account that keeps failing waits longer after each failure past ``limit`` (``base_s``
    doubled per failure, at most ``cap_s``). An address is blocked only once ``address_limit``
    failures came from it (someone trying many accounts), so one analyst's typos never lock
    out colleagues behind the same office NAT.
    """

    def __init__(
        self,
        limit: int = 5,
        address_limit: int = 30,
        window_s: float = 900.0,
        base_s: float = 30.0,
        cap_s: float = 900.0,
    ) -> None:
        self.limit = limit
        self.address_limit = address_limit
        self.window_s = window_s
        self.base_s = base_s
        self.cap_s = cap_s
        self._lock = threading.Lock()
        self._fails: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def _wait(self, key: str, limit: int, now: float) -> float:
        q = self._recent(key, now)
        if len(q) < limit:
            return 0.0
        backoff = min(self.base_s * float(2 ** (len(q) - limit)), self.cap_s)
        return backoff - (now - q[-1])

    def retry_after(self, account: str, address: str) -> int | None:
        """Seconds until this account may try again from this address, or None if it may now."""
        now = time.monotonic()
        with self._lock:
            wait = max(
                self._wait(f"account:{account}", self.limit, now),
                self._wait(f"address:{address}", self.address_limit, now),
            )
        return int(wait) + 1 if wait > 0 else None

    def failed(self, account: str, address: str) -> None:
        """Count one failed sign-in against the account and against the address."""
        now = time.monotonic()
        with self._lock:
            for key in (f"account:{account}", f"address:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, account: str) -> None:
        """Forget an account's failed sign-ins (the address's stay counted)."""
        with self._lock:
            self._fails.pop(f"account:{account}", None)
