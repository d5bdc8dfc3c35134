"""The parameters of the synthetic world, one set per scale.

Each field says what it controls; docs/synth.md explains why the defaults are plausible.
Behaviour per person (session counts, amounts, rates) is the same at every scale except for
``activity``, which thins every rate so the small scales stay small while keeping the world's
shape (roles, confounders, twelve years).
"""

from __future__ import annotations

from dataclasses import dataclass

# The operation's data cover twelve years ending on this day (UTC, epoch seconds).
START = 1338508800  # 2012-06-01T00:00:00Z
END = 1717200000  # 2024-06-01T00:00:00Z
DAY = 86400
YEAR = 365 * DAY
# Activity grows over the twelve years: the density at the end is e**GROWTH times the start.
GROWTH = 1.6


@dataclass(frozen=True)
class Scale:
    """How many of each actor the world holds and how busy they are."""

    name: str
    # Facilitator networks with several facilitators, their size range, and solo facilitators.
    networks: int
    network_size: tuple[int, int]
    solo_facilitators: int
    # Seller accounts per facilitator (each on a platform, several platforms per facilitator).
    seller_accounts: tuple[int, int]
    # Money mules per network (cash-pickup identities shared by the network's facilitators)
    # and relatives per facilitator whose names are used for pickups.
    mules_per_network: tuple[int, int]
    relatives_per_facilitator: tuple[int, int]
    # Buyers and their kinds: window shoppers chat but never pay; occasional payers pay a few
    # times; heavy repeat payers pay often and escalate their amounts.
    buyers: int
    window_share: float = 0.45
    heavy_share: float = 0.15
    # Traits across kinds: travellers log in from the Philippines on trips; VPN users log in
    # through hosting ranges of other countries.
    traveller_share: float = 0.04
    vpn_share: float = 0.08
    # Median paid sessions of a heavy payer over their active years (lognormal, sigma 0.8)
    # and the range for occasional payers.
    heavy_sessions: float = 170.0
    occasional_sessions: tuple[int, int] = (1, 9)
    # Share of paid sessions paid in two remittances (a top-up after the first).
    split_payment_share: float = 0.1
    # Benign people: contacts of each facilitator, diaspora family remitters, hub accounts
    # (cargo forwarders, load retailers, shops) chatting with many unrelated accounts.
    contacts_per_facilitator: tuple[int, int] = (6, 18)
    benign_remitters: int = 40
    hubs: int = 3
    hub_degree: int = 60
    # Confounders that grow with the case beyond what its size alone brings: the share of
    # buyers who carry the name (and live in the city) of another buyer of their country,
    # and the share of paying buyers who also buy from a second network. Zero at the small
    # scales, whose worlds stay as they were.
    namesake_share: float = 0.0
    bridge_share: float = 0.0
    # Multiplies every rate (chat episodes, sessions, logins, location points).
    activity: float = 1.0
    # Episodes per pair-year: buyer-seller small talk, contacts, network logistics, family.
    chatter_rate: float = 6.0
    contact_rate: float = 45.0
    network_rate: float = 25.0
    family_rate: float = 24.0
    hub_rate: float = 3.0
    # Background logins per account-day by role group, and location points per person-day.
    buyer_login_rate: float = 0.5
    seller_login_rate: float = 2.0
    benign_login_rate: float = 0.35
    location_rate: float = 1.5
    # Share of buyer-seller conversations also exported from a second device (another agency).
    duplicate_share: float = 0.05
    # Share of rows planted as malformed (quarantined at ingest).
    error_rate: float = 0.0005
    # Time slices generated and written one after another (bounds memory).
    slices: int = 12


SCALE_TABLE: dict[str, Scale] = {
    s.name: s
    for s in (
        Scale(
            name="tiny",
            networks=1,
            network_size=(2, 3),
            solo_facilitators=1,
            seller_accounts=(2, 3),
            mules_per_network=(1, 2),
            relatives_per_facilitator=(0, 1),
            buyers=24,
            heavy_sessions=80.0,
            occasional_sessions=(1, 4),
            contacts_per_facilitator=(1, 3),
            benign_remitters=3,
            hubs=1,
            hub_degree=10,
            activity=0.12,
            slices=2,
            duplicate_share=0.1,
        ),
        Scale(
            name="small",
            networks=3,
            network_size=(2, 4),
            solo_facilitators=3,
            seller_accounts=(2, 4),
            mules_per_network=(1, 3),
            relatives_per_facilitator=(0, 2),
            buyers=400,
            contacts_per_facilitator=(4, 10),
            benign_remitters=60,
            hubs=3,
            hub_degree=60,
            activity=0.12,
            slices=6,
        ),
        Scale(
            name="medium",
            networks=6,
            network_size=(2, 5),
            solo_facilitators=5,
            seller_accounts=(2, 4),
            mules_per_network=(1, 4),
            relatives_per_facilitator=(0, 3),
            buyers=1000,
            contacts_per_facilitator=(6, 18),
            benign_remitters=150,
            hubs=6,
            hub_degree=150,
            namesake_share=0.05,
            bridge_share=0.15,
            activity=0.5,
            slices=16,
        ),
        Scale(
            name="europol",
            networks=10,
            network_size=(2, 5),
            solo_facilitators=10,
            seller_accounts=(2, 3),
            mules_per_network=(2, 5),
            relatives_per_facilitator=(0, 3),
            buyers=5200,
            contacts_per_facilitator=(15, 40),
            benign_remitters=600,
            hubs=20,
            hub_degree=500,
            namesake_share=0.08,
            bridge_share=0.25,
            slices=48,
        ),
    )
}
SCALES: tuple[str, ...] = tuple(SCALE_TABLE)


def scale_named(name: str) -> Scale:
    """Return the scale called ``name``; raise ValueError naming the choices."""
    try:
        return SCALE_TABLE[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
