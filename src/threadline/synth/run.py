"""``generate``: build the world, then write every source file, the manifest and the truth."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.synth import addresses, chats, episodes, phones, planted
from threadline.synth.buyers import build_buyers
from threadline.synth.clock import rng_for
from threadline.synth.confounders import build_contacts, build_family_remitters, build_hubs
from threadline.synth.facilitators import build_networks
from threadline.synth.ledger import Ledger
from threadline.synth.locations import SOURCES as LOCATION_SOURCES
from threadline.synth.locations import build_subjects, point_columns, slice_points
from threadline.synth.logins import (
    LOGIN_COLUMNS,
    AccountArrays,
    account_arrays,
    login_columns,
    slice_logins,
)
from threadline.synth.messagefiles import Batch, MessageStream
from threadline.synth.netblocks import text as ip_text
from threadline.synth.payments import (
    PROVIDER_COLUMNS,
    domestic,
    family_remittances,
    forwards,
    transaction_ids,
    write_provider,
)
from threadline.synth.places import COUNTRIES
from threadline.synth.relations import BUYER_SELLER, PairList, Pairs
from threadline.synth.scales import END, START, Scale, scale_named
from threadline.synth.sessions import Sessions, build_sessions, person_texts
from threadline.synth.sources import DUPLICATE_PLATFORM, sources
from threadline.synth.truth import write_truth
from threadline.synth.world import PLATFORMS, PROVIDERS, World
from threadline.synth.writer import Source, SourceWriter

_OUTPUT_DIRS = ("accounts", "messages", "payments", "logins", "locations", "truth")


@dataclass
class SynthSummary:
    """What a run wrote: rows per kind, files, planted problems, truth counts, and the seed."""

    out: Path
    scale: str
    seed: int
    rows: dict[str, int] = field(
        default_factory=dict
    )  # good records per kind (duplicates included)
    files: dict[str, int] = field(
        default_factory=dict
    )  # path -> records written (planted included)
    planted_errors: int = 0
    planted_duplicates: int = 0
    truth: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary as printed after a run."""
        out = [f"threadline.synth scale={self.scale} seed={self.seed} -> {self.out}"]
        out += [f"  {kind:<10} {n:>12,} rows" for kind, n in self.rows.items()]
        out.append(
            f"  planted: {self.planted_errors} malformed rows, "
            f"{self.planted_duplicates} duplicate messages"
        )
        out.append("  truth: " + ", ".join(f"{k}={v}" for k, v in self.truth.items()))
        return out


def _prepare(out: Path) -> None:
    """Use an empty directory, or clear the output of an earlier run; refuse anything else."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    if manifest.exists():
        if json.loads(manifest.read_text()).get("generator") != "threadline.synth":
            raise FileExistsError(f"{out} holds a manifest not written by threadline.synth")
        for d in _OUTPUT_DIRS:
            shutil.rmtree(out / d, ignore_errors=True)
        manifest.unlink()
    elif any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; generate into an empty directory")


def build_world(scale_name: str, seed: int) -> tuple[World, PairList]:
    """The persons, accounts, networks and conversation pairs of a synthetic world."""
    sc = scale_named(scale_name)
    world, pl = World(), PairList()
    build_networks(world, pl, sc, rng_for(seed, "networks"))
    build_buyers(world, pl, sc, rng_for(seed, "buyers"))
    build_contacts(world, pl, sc, rng_for(seed, "contacts"))
    build_family_remitters(world, pl, sc, rng_for(seed, "family"))
    build_hubs(world, pl, sc, rng_for(seed, "hubs"))
    return world, pl


def generate(out: Path | str, scale: str = "small", seed: int = 0) -> SynthSummary:
    """Write a synthetic operation's seized data, manifest and ground truth into ``out``.

    Args:
        out: output directory (created; must be empty or hold an earlier synth run).
        scale: one of ``SCALES`` (tiny, small, medium, europol).
        seed: the same seed always gives byte-identical files.

    Returns:
        A summary with row counts per kind, the files written and the seed.
    """
    sc = scale_named(scale)
    out = Path(out)
    _prepare(out)
    world, pl = build_world(scale, seed)
    pairs = pl.arrays()
    book, sessions, ids = _money(world, pairs, sc, seed)
    acc = account_arrays(world, sc, seed)
    addr = addresses.build(
        world, rng_for(seed, "addresses"), cgnat_size=max(16, len(world.persons) // 40)
    )
    cols = {("payments", p): c for p, c in PROVIDER_COLUMNS.items()}
    cols.update({("logins", p): c for p, c in LOGIN_COLUMNS.items()})
    srcs = sources(rng_for(seed, "sources"), cols)
    writers = {
        k: SourceWriter(out, s, rng_for(seed, "errors", s.path), sc.error_rate)
        for k, s in srcs.items()
    }
    _write_accounts(world, addr, writers, rng_for(seed, "accounts"))
    for provider in PROVIDERS:
        write_provider(writers[("payments", provider)], book, ids, provider)
    duplicates = _write_events(out, world, pairs, sessions, book, ids, acc, addr, writers, sc, seed)
    errors = _finish(out, writers, srcs)
    truth_counts = write_truth(out / "truth", world, pairs, sessions, book, ids)
    media_sources = _media(out, world, scale, seed)
    manifest = {
        "schema_version": 1,
        "generator": "threadline.synth",
        "scale": scale,
        "seed": seed,
        "sources": [s.manifest() for s in srcs.values()] + media_sources,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    summary = SynthSummary(
        out=out,
        scale=scale,
        seed=seed,
        planted_errors=len(errors),
        planted_duplicates=duplicates,
        truth=truth_counts,
    )
    for (kind, _), w in writers.items():
        summary.rows[kind] = summary.rows.get(kind, 0) + w.good
        summary.files[w.source.path] = w.records
    return summary


def _media(out: Path, world: World, scale: str, seed: int) -> list[dict[str, object]]:
    """Seized phones' media folders and two hash lists, as the Philippine police would deliver them.

    The media are generated shapes and noise, with edited copies.
    """
    from threadline.synth.media import write_media

    holders = [
        f"{world.accounts[p.accounts[0]].platform}:{world.accounts[p.accounts[0]].account_id}"
        for p in world.persons
        if p.role == "facilitator" and p.accounts
    ]
    media = write_media(out, seed=seed, scale=scale, holders=holders)
    entries: list[dict[str, object]] = [
        {
            "path": rel,
            "kind": "hashlist",
            "format": "csv",
            "agency": "INTERPOL-ICSE",
            "seizure": f"ICSE-LIST-{i + 1:02d}",
            "timezone": None,
        }
        for i, rel in enumerate(media.hashlists)
    ]
    entries += [
        {
            "path": folder,
            "kind": "media",
            "format": "folder",
            "agency": "PH-NBI",
            "seizure": f"PH-NBI-PHONE-{i + 1:03d}",
            "timezone": None,
            "found_on": found_on,
        }
        for i, (folder, found_on) in enumerate(sorted(media.folders.items()))
    ]
    return entries


def _money(world: World, pairs: Pairs, sc: Scale, seed: int) -> tuple[Ledger, Sessions, pa.Array]:
    """Paid sessions and every payment, in time order, with their transaction ids."""
    book = Ledger()
    texts = person_texts(world, book.strings)
    sessions = build_sessions(world, pairs, book, texts, sc, rng_for(seed, "sessions"))
    family_remittances(world, book, texts, sc, rng_for(seed, "remittances"))
    book.freeze()
    forwards(world, book, texts, rng_for(seed, "forwards"))
    domestic(world, book, texts, sc, rng_for(seed, "domestic"))
    book.freeze()
    book.columns["session"][book.position[sessions.pay1]] = np.arange(len(sessions))
    split = sessions.pay2 >= 0
    book.columns["session"][book.position[sessions.pay2[split]]] = np.flatnonzero(split)
    return book, sessions, transaction_ids(book, seed, rng_for(seed, "transaction-ids"))


def _write_events(
    out: Path,
    world: World,
    pairs: Pairs,
    sessions: Sessions,
    book: Ledger,
    ids: pa.Array,
    acc: AccountArrays,
    addr: addresses.AddressBook,
    writers: dict[tuple[str, str], SourceWriter],
    sc: Scale,
    seed: int,
) -> int:
    """Messages, logins and locations, one time slice after another.

    Returns the number of messages also exported from the second device.
    """
    table = chats.PhraseTable()
    buyer_kind = [p.buyer_kind for p in world.persons]
    plan = episodes.plan(pairs, sessions, acc, buyer_kind, sc, rng_for(seed, "episodes"))
    pay_pos = book.position[sessions.pay1]
    pay_time = book.columns["t"][pay_pos]
    full_names = pa.array([p.name.full for p in world.persons], pa.string())
    # What the seller tells the buyer (whose name to send to) and what he sends back (the
    # control number) for each session.
    name_fill = full_names.take(pa.array(book.columns["receiver_person"][pay_pos]))
    code_fill = ids.take(pa.array(pay_pos))
    dup_pairs = _duplicate_pairs(
        world, pairs, sessions, sc.duplicate_share, rng_for(seed, "duplicates")
    )
    subjects = build_subjects(world, acc.device, sc)
    session_buyer, session_seller = pairs.a[sessions.pair], pairs.b[sessions.pair]
    (out / "truth").mkdir(parents=True, exist_ok=True)
    with (out / "truth" / "planted_duplicates.jsonl").open("wb") as dup_log:
        stream = MessageStream(
            {p: writers[("messages", p)] for p in PLATFORMS},
            writers[("messages", "duplicate")],
            DUPLICATE_PLATFORM,
            dup_pairs,
            dup_log,
            table,
            acc.ids,
            seed,
        )
        for k in range(sc.slices):
            lo = START + (END - START) * k // sc.slices
            hi = START + (END - START) * (k + 1) // sc.slices
            rng = rng_for(seed, "slice", k)
            eps = episodes.slice_episodes(rng, plan, sessions, lo, hi)
            msgs = chats.expand(
                rng, table, eps, sessions.neg_start, pay_time, sessions.start, sessions.end
            )
            chats.plant_multiline(rng, table, msgs, eps, 4e-4, minimum=int(k == sc.slices - 1))
            text = chats.texts(table, msgs, eps, name_fill, code_fill)
            stream.push(Batch.of(msgs, eps, text, acc.platform), hi)
            rows = slice_logins(rng, acc, addr, sessions, session_buyer, session_seller, lo, hi)
            for p, platform in enumerate(PLATFORMS):
                m = acc.platform[rows["account"]] == p
                writers[("logins", platform)].write(
                    login_columns(acc, {name: v[m] for name, v in rows.items()}, platform)
                )
            points = slice_points(rng, subjects, lo, hi)
            for i, name in enumerate(LOCATION_SOURCES):
                writers[("locations", name)].write(point_columns(subjects, points, i))
        stream.flush()
    return stream.duplicates


def _finish(
    out: Path, writers: dict[tuple[str, str], SourceWriter], srcs: dict[tuple[str, str], Source]
) -> list[dict[str, object]]:
    """Top up the planted reasons, close the files, drop empty sources, list planted rows."""
    _ensure_every_reason(writers)
    for w in writers.values():
        w.close()
    # A source with no rows was not part of this operation (an empty file is not an export).
    for key in [k for k, w in writers.items() if w.records == 0]:
        writers.pop(key).path.unlink()
        srcs.pop(key)
    errors = sorted(
        (e for w in writers.values() for e in w.errors),
        key=lambda e: (str(e["path"]), int(str(e["row"]))),
    )
    with (out / "truth" / "planted_errors.jsonl").open("w", encoding="utf-8") as fh:
        for e in errors:
            fh.write(json.dumps(e, sort_keys=True) + "\n")
    return errors


def _duplicate_pairs(
    world: World, pairs: Pairs, sessions: Sessions, share: float, rng: np.random.Generator
) -> npt.NDArray[np.bool_]:
    """Buyer-seller conversations on the duplicated platform also found on a seized device."""
    on_platform = np.array(
        [world.accounts[int(a)].platform == DUPLICATE_PLATFORM for a in pairs.a], dtype=bool
    )
    cand = np.flatnonzero((pairs.kind == BUYER_SELLER) & on_platform)
    mask = np.zeros(len(pairs), dtype=bool)
    if cand.shape[0] == 0:
        return mask
    chosen = cand[rng.random(cand.shape[0]) < share]
    paid = np.intersect1d(cand, sessions.pair)
    if paid.shape[0] and np.intersect1d(chosen, paid).shape[0] == 0:
        chosen = np.append(chosen, paid[int(rng.integers(paid.shape[0]))])
    elif chosen.shape[0] == 0:
        chosen = cand[:1]
    mask[chosen] = True
    return mask


def _ensure_every_reason(writers: dict[tuple[str, str], SourceWriter]) -> None:
    """At least one planted row per reason code and exactly two naive timestamps.

    Malformed rows are planted in both CSV and JSON Lines, and the naive timestamps are never
    planted at random; all go in the first files that fit.
    """

    def have(reason: str, fmt: str | None) -> int:
        return sum(
            1
            for w in writers.values()
            for e in w.errors
            if e["reason"] == reason and (fmt is None or w.source.format == fmt)
        )

    for reason in planted.REASONS:
        targets = (
            (("csv", 1), ("jsonl", 1))
            if reason == "malformed_record"
            else ((None, 2 if reason == "naive_timestamp" else 1),)
        )
        for fmt, want in targets:
            missing = want - have(reason, fmt)
            if missing <= 0:
                continue
            fits = [
                w
                for w in writers.values()
                if w.has_template
                and reason in planted.reasons_for(w.source.kind, w.source.naive)
                and (fmt is None or w.source.format == fmt)
            ]
            for w in fits[:missing]:
                w.plant(reason)


def _write_accounts(
    world: World,
    addr: addresses.AddressBook,
    writers: dict[tuple[str, str], SourceWriter],
    rng: np.random.Generator,
) -> None:
    """Subscriber records per platform, in order of account creation."""
    created = np.array([a.created for a in world.accounts], dtype=np.int64)
    person = np.array([a.person for a in world.accounts], dtype=np.int64)
    reg_ip, _ = addresses.addresses(rng, addr, person, np.maximum(created, START))
    for platform in PLATFORMS:
        idx = [a.idx for a in world.accounts if a.platform == platform]
        idx.sort(key=lambda i: (world.accounts[i].created, i))
        rows: dict[str, list[str | None]] = {
            k: []
            for k in (
                "platform",
                "account_id",
                "display_name",
                "email",
                "phone",
                "registration_ip",
                "country",
            )
        }
        for i in idx:
            a = world.accounts[i]
            p = world.persons[a.person]
            u = rng.random()
            country = p.country if u < 0.75 else COUNTRIES[p.country].name if u < 0.85 else None
            phone = None
            if a.phone:
                style = phones.STYLES[int(rng.integers(len(phones.STYLES)))] if country else "e164"
                phone = phones.written(a.phone, style)
            rows["platform"].append(platform)
            rows["account_id"].append(a.account_id)
            rows["display_name"].append(a.display_name)
            rows["email"].append(a.email)
            rows["phone"].append(phone)
            rows["registration_ip"].append(ip_text(int(reg_ip[i])) if rng.random() < 0.7 else None)
            rows["country"].append(country)
        cols: dict[str, object] = {k: pa.array(v, pa.string()) for k, v in rows.items()}
        cols["created_at"] = created[np.array(idx, dtype=np.int64)]
        writers[("accounts", platform)].write(cols)
