"""What each list of the workbench shows: its columns, sort orders, filters and headings.

Declared as data (:class:`threadline.web.listing.Spec`): :mod:`threadline.web.lists` reads
the rows and applies the policy, :mod:`threadline.web.listing` checks a request against
these and pages, sorts and filters.
"""

from __future__ import annotations

from threadline.web.listing import Filter, Spec

SESSIONS = Spec(
    "sessions",
    columns=(
        *("start", "end", "buyer_label", "buyer_person", "seller_label", "seller_person"),
        *("networks", "payment_transaction_ids", "login_ips", "confidence", "session_id"),
    ),
    sortable=("start", "end", "buyer_label", "seller_label", "confidence", "session_id"),
    default_sort="-start",
    filters=(
        Filter("buyer", "buyer_search", "contains", "buyer (handle or person id)"),
        Filter("facilitator", "seller_search", "contains", "seller / facilitator"),
        Filter("network", "networks", "has", "network id"),
        Filter("from", "start", "from", "from (date)"),
        Filter("to", "start", "to", "to (date)"),
    ),
)
TARGETS = Spec(
    "targets",
    columns=(
        "country_rank",
        "rank",
        "label",
        "person_id",
        "role",
        "priority",
        "confidence",
        "score",
        "signals",
    ),
    sortable=("country_rank", "rank", "label", "role", "priority", "confidence", "score"),
    default_sort="country_rank",
    filters=(
        Filter("priority", "country_rank", "max", "top N in the country"),
        Filter("min_score", "score", "min", "score at least"),
        Filter("reason", "signals", "has", "reason (signal)"),
        Filter("role", "role", "eq", "role"),
    ),
)
PERSONS = Spec(
    "persons",
    columns=("label", "person_id", "role", "jurisdictions", "score", "members", "sessions"),
    sortable=("label", "person_id", "role", "score", "members", "sessions"),
    default_sort="-score",
    filters=(
        Filter("q", "name_search", "contains", "handle, name or id"),
        Filter("role", "role", "eq", "role"),
        Filter("country", "jurisdictions", "has", "jurisdiction"),
        Filter("network", "networks", "has", "network id"),
    ),
)
MEDIA = Spec(
    "media",
    columns=("sha256", "match", "distance", "list_name", "category", "series_id", "found_on"),
    sortable=("sha256", "match", "distance", "list_name", "category", "series_id"),
    default_sort="sha256",
    filters=(
        Filter("series", "series_id", "eq", "series"),
        Filter("category", "category", "eq", "category"),
        Filter("list", "list_name", "eq", "matched list"),
        Filter("match", "match", "eq", "match kind"),
    ),
)
QUARANTINE = Spec(
    "quarantine",
    columns=("file", "source_agency", "kind", "row", "field", "reason", "detail", "original"),
    sortable=("file", "row", "field", "reason", "kind"),
    default_sort="file",
    filters=(
        Filter("reason", "reason", "eq", "reason"),
        Filter("file", "file", "contains", "source file"),
        Filter("field", "field", "eq", "field"),
    ),
)
AUDIT = Spec(
    "audit",
    columns=("seq", "at", "os_user", "action", "details"),
    sortable=("seq", "at", "action"),
    default_sort="-seq",
    filters=(
        Filter("action", "action", "contains", "action"),
        Filter("user", "details", "contains", "user or detail"),
        Filter("from", "at", "from", "from (date)"),
        Filter("to", "at", "to", "to (date)"),
    ),
)
TIMELINE = Spec(
    "timeline",
    columns=("at", "kind", "direction", "other", "detail", "source_agency"),
    sortable=("at", "kind"),
    default_sort="-at",
    filters=(
        Filter("kind", "kind", "eq", "kind"),
        Filter("from", "at", "from", "from (date)"),
        Filter("to", "at", "to", "to (date)"),
    ),
)
SPECS = {s.name: s for s in (SESSIONS, TARGETS, PERSONS, MEDIA, QUARANTINE, AUDIT, TIMELINE)}
SINGULAR = {
    "sessions": "session",
    "targets": "target",
    "persons": "person",
    "media": "media",
    "quarantine": "quarantined",
    "audit": "audit",
    "timeline": "event",
}
HEADINGS = {
    "buyer_label": "buyer",
    "seller_label": "seller",
    "buyer_person": "buyer id",
    "seller_person": "seller id",
    "payment_transaction_ids": "payments",
    "country_rank": "rank in country",
    "rank": "global rank",
    "label": "person",
    "person_id": "person id",
    "os_user": "by",
    "at": "when (UTC)",
    "seq": "#",
}
