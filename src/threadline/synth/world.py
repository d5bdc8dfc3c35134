"""The synthetic world's people, networks, accounts and cash-pickup identities.

Built once per run by a loop over people (thousands, never events); the event generators
read it through the numpy arrays of :class:`Pairs` and the per-person columns it exposes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from threadline.synth import names, phones
from threadline.synth.names import Name
from threadline.synth.scales import END, START

PLATFORMS: tuple[str, ...] = ("facebook", "skype", "whatsapp", "telegram", "viber")
# Platform popularity in 2012, 2018 and 2024 (interpolated between): Skype and Facebook
# early, WhatsApp and Telegram later, as seen in published case reviews.
_POPULARITY = np.array(
    [
        [0.45, 0.45, 0.02, 0.0, 0.08],
        [0.40, 0.20, 0.18, 0.07, 0.15],
        [0.32, 0.05, 0.28, 0.25, 0.10],
    ]
)
PROVIDERS: tuple[str, ...] = ("westernunion", "moneygram", "remitly", "paypal", "cebuana", "gcash")
INTERNATIONAL: tuple[str, ...] = PROVIDERS[:5]


def platform_weights(t: int) -> np.ndarray:
    """Platform popularity at time t."""
    x = (t - START) / (END - START) * 2
    i = min(int(x), 1)
    w = _POPULARITY[i] + (_POPULARITY[i + 1] - _POPULARITY[i]) * (x - i)
    w = np.clip(w, 0.0, None)
    return w / w.sum()  # type: ignore[no-any-return]


@dataclass
class Person:
    """One person of the synthetic world: role, country, name, active years and traits."""

    idx: int
    role: str
    country: str
    name: Name
    female: bool
    start: int
    end: int
    network: int = -1
    city: str = ""
    home: tuple[float, float] | None = None
    admin_area: str = ""
    phones: list[str] = field(default_factory=list)
    email: str = ""
    accounts: list[int] = field(default_factory=list)
    buyer_kind: str = ""
    traits: list[str] = field(default_factory=list)
    trips: list[tuple[int, int, str]] = field(default_factory=list)
    vpn_country: str = ""
    vpn_share: float = 0.0
    sender_names: list[str] = field(default_factory=list)
    family_of: int = -1  # benign receivers: their remitter; relatives: their facilitator
    hub_kind: str = ""
    sessions_target: int = 0
    price_usd: float = 0.0
    escalation: float = 0.0
    favourite_provider: str = ""

    @property
    def person_id(self) -> str:
        """The person's id as written in the ground truth."""
        return f"P{self.idx:06d}"


@dataclass
class Account:
    """One platform account: its owner, id, shown name, contact details and active span."""

    idx: int
    platform: str
    account_id: str
    person: int
    display_name: str
    email: str | None
    phone: str | None
    created: int
    start: int
    end: int
    seller: bool = False


@dataclass
class Identity:
    """A name money is sent to (or from), with the phone and wallet written beside it."""

    idx: int
    person: int
    name: Name
    written: list[str]
    phone: str | None
    city: str
    wallet: str | None = None  # e-wallet / PayPal account shown on some providers


@dataclass
class Network:
    """A facilitator network: city, active span, members, and the providers and phones used."""

    idx: int
    solo: bool
    city: str
    start: int
    end: int
    facilitators: list[int] = field(default_factory=list)
    mules: list[int] = field(default_factory=list)
    relatives: list[int] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @property
    def network_id(self) -> str:
        """The network's id as written in the ground truth."""
        return f"N{self.idx:03d}"


@dataclass
class World:
    """The whole synthetic world: persons, accounts, networks and pickup identities."""

    persons: list[Person] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    # Pickup identities a facilitator uses, with weights.
    pickup: dict[int, tuple[list[int], list[float]]] = field(default_factory=dict)
    _taken_ids: dict[str, set[str]] = field(default_factory=dict)
    _taken_phones: set[str] = field(default_factory=set)
    _taken_emails: set[str] = field(default_factory=set)

    def add_person(self, **kw: object) -> Person:
        """Add a person under the next index."""
        p = Person(idx=len(self.persons), **kw)  # type: ignore[arg-type]
        self.persons.append(p)
        return p

    def new_phone(self, rng: np.random.Generator, person: Person) -> str:
        """A fresh mobile number of the person's country, unique in the world."""
        while True:
            num = phones.mobile_number(rng, person.country)
            if num not in self._taken_phones:
                self._taken_phones.add(num)
                person.phones.append(num)
                return num

    def new_email(self, rng: np.random.Generator, name: Name) -> str:
        """A mailbox for ``name`` that no one else in the world holds.

        Namesakes would otherwise get one mailbox between them, a shared strong selector
        that no real pair of strangers has; a number is added instead, as providers do.
        """
        email = email_for(rng, name)
        local, domain = email.split("@", 1)
        n = 1
        while email in self._taken_emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self._taken_emails.add(email)
        return email

    def add_identity(
        self, rng: np.random.Generator, person: Person, phone: str | None, city: str
    ) -> Identity:
        """Add a pickup identity in the person's name, written as senders write it."""
        ident = Identity(
            idx=len(self.identities),
            person=person.idx,
            name=person.name,
            written=names.receiver_variants(rng, person.name),
            phone=phone,
            city=city,
            wallet=person.phones[0] if person.phones else None,
        )
        self.identities.append(ident)
        return ident

    def add_account(
        self,
        rng: np.random.Generator,
        person: Person,
        platform: str,
        start: int,
        end: int,
        *,
        seller: bool = False,
    ) -> Account:
        """Open an account with a platform-style id.

        Phone platforms use one of the person's numbers (a new one when all are taken by the
        person's other accounts there).
        """
        taken = self._taken_ids.setdefault(platform, set())
        phone: str | None = None
        if platform in ("whatsapp", "viber"):
            used = {
                self.accounts[a].phone
                for a in person.accounts
                if self.accounts[a].platform == platform
            }
            free = [p for p in person.phones if p not in used]
            phone = free[0] if free else self.new_phone(rng, person)
            account_id = phone[1:] if platform == "whatsapp" else phone
        else:
            while True:
                if platform == "facebook":
                    account_id = "1000" + str(int(rng.integers(10**10, 10**11)))
                elif platform == "telegram":
                    account_id = str(int(rng.integers(10**8, 7 * 10**9)))
                else:
                    h = names.handle(rng, person.name)
                    account_id = f"live:{h}" if rng.random() < 0.6 else h
                if account_id not in taken:
                    break
            if rng.random() < 0.35 and person.phones:
                phone = person.phones[0]
        taken.add(account_id)
        email = None
        if platform in ("facebook", "skype") and person.email and rng.random() < 0.7:
            email = person.email
        created = start - int(rng.integers(0, 120 * 86400))
        account = Account(
            idx=len(self.accounts),
            platform=platform,
            account_id=account_id,
            person=person.idx,
            display_name=_display(rng, person.name),
            email=email,
            phone=phone,
            created=created,
            start=start,
            end=end,
            seller=seller,
        )
        self.accounts.append(account)
        person.accounts.append(account.idx)
        return account


def _display(rng: np.random.Generator, name: Name) -> str:
    first = name.first
    style = int(rng.integers(5))
    if style == 0:
        return first.split()[0]
    if style == 1:
        return f"{first} {name.last[0]}."
    if style == 2:
        return names.strip_diacritics(name.short)
    return name.short


def email_for(rng: np.random.Generator, name: Name) -> str:
    """A mailbox at a reserved example domain (never a real provider)."""
    domain = ("example.com", "example.net", "example.org", "mail.example.com")[int(rng.integers(4))]
    return f"{names.handle(rng, name)}@{domain}"


def pick_platform(rng: np.random.Generator, t: int, allowed: tuple[str, ...] = PLATFORMS) -> str:
    """A platform drawn by its popularity at time t, among the allowed ones."""
    w = platform_weights(t) * np.array([p in allowed for p in PLATFORMS])
    return PLATFORMS[int(rng.choice(len(PLATFORMS), p=w / w.sum()))]


def sub_interval(
    rng: np.random.Generator, start: int, end: int, min_share: float = 0.4
) -> tuple[int, int]:
    """A random part of [start, end] covering at least ``min_share`` of it."""
    span = max(end - start, 1)
    length = int(span * rng.uniform(min_share, 1.0))
    s = start + int(rng.integers(0, span - length + 1))
    return s, s + length


def jitter_home(rng: np.random.Generator, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point scattered around a centre by about ``km`` kilometres."""
    dlat = rng.normal(0, km / 111.0)
    dlon = rng.normal(0, km / (111.0 * np.cos(np.radians(lat))))
    return round(lat + dlat, 6), round(lon + dlon, 6)
