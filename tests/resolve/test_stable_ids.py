"""Person and network ids survive new files, re-runs and decisions; their changes are recorded.

Real cases: the synthetic 'tiny' operation (seed 3, see conftest), ingested and analysed
once, copied per test. The unrelated file is two invented strangers chatting on another
platform (fixture helpers, no randomness).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures import Party, account_row, message_row, write_csv
from threadline import Case
from threadline.cli import cli
from threadline.errors import UsageError
from threadline.resolve import stable_ids


def persons(case: Case) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for p, k in case.engine.query("SELECT person_id, member_key FROM person_members"):
        groups.setdefault(str(p), set()).add(str(k))
    return {p: frozenset(ks) for p, ks in groups.items()}


def networks(case: Case) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for n, p in case.engine.query(
        "SELECT network_id, person_id FROM network_members WHERE role <> 'buyer'"
    ):
        groups.setdefault(str(n), set()).add(str(p))
    return {n: frozenset(ps) for n, ps in groups.items()}


def history(case: Case, table: str = "person_history") -> list[dict[str, object]]:
    return case.engine.query_dicts(f'SELECT * FROM {table} ORDER BY "at", old_id, new_id')


def _strangers(folder: Path) -> dict[str, Path]:
    a = Party("quiet_heron", "Quiet Heron", "NZ", platform="otherchat")
    b = Party("still_lake", "Still Lake", "NZ", platform="otherchat")
    accounts = [account_row(p, p.name, "2021-03-01T00:00:00Z", "203.0.113.9") for p in (a, b)]
    accounts[1]["registration_ip"] = "198.51.100.7"
    messages = [
        message_row(f"x-{i}", f"2021-03-0{1 + i}T10:00:00Z", *pair, "[GREETING]", "c-x")
        for i, pair in enumerate(((a, b), (b, a), (a, b)))
    ]
    return {
        "accounts": write_csv(folder / "accounts.csv", "accounts", accounts),
        "messages": write_csv(folder / "messages.csv", "messages", messages),
    }


def _buyers(case: Case, n: int) -> list[str]:
    rows = case.engine.query(
        "SELECT person_id FROM person_roles WHERE role = 'buyer' ORDER BY person_id LIMIT ?", [n]
    )
    assert len(rows) == n
    return [str(r[0]) for r in rows]


def test_an_unrelated_file_and_a_rerun_change_no_id(tiny_case_copy: Case, tmp_path: Path) -> None:
    case = tiny_case_copy
    people, nets = persons(case), networks(case)
    assert len(people) > 50
    assert len(nets) >= 2
    for kind, path in _strangers(tmp_path / "more").items():
        case.ingest(kind, [path], agency="NZP", seizure="EX-NZ-1")
    case.analyze()
    now, nets_now = persons(case), networks(case)
    for pid, members in people.items():
        assert now.get(pid) == members, pid  # same id, same members
    added = {p: m for p, m in now.items() if p not in people}
    assert set().union(*added.values()) == {"otherchat:quiet_heron", "otherchat:still_lake"}
    assert nets_now == nets
    assert history(case) == []
    assert history(case, "network_history") == []


def test_a_merge_names_both_old_ids_and_survives_a_rerun(tiny_case_copy: Case) -> None:
    case = tiny_case_copy
    one, two = _buyers(case, 2)
    before = persons(case)
    done = case.decide("merge", one, two, "same device in both phones' backups", by="analyst")
    kept = done["person_id"]
    assert kept in (one, two)
    gone = two if kept == one else one
    rows = history(case)
    assert len(rows) == 1
    row = rows[0]
    assert (row["old_id"], row["new_id"], row["change"]) == (gone, kept, "merge")
    assert row["cause"] == "decision:merge"
    assert row["decision"] == done["decision"]
    evidence = json.loads(str(row["evidence"]))
    assert evidence["old_ids_of_new"] == sorted([one, two])
    assert set(evidence["members"]) == before[gone]
    # The old id leads to the person it became.
    assert case.person(gone)["person_id"] == kept
    assert case.person(gone)["resolved_from"] == gone
    assert case.id_history(gone)["successors"] == [kept]
    case.analyze()
    after = persons(case)
    assert after[kept] == before[one] | before[two]
    assert gone not in after
    assert len(history(case)) == 1  # the re-run re-applies the merge: no id changes again
    for pid, members in before.items():
        if pid not in (one, two):
            assert after.get(pid) == members, pid


def test_a_split_names_its_successors_and_an_undo_rejoins_them(tiny_case_copy: Case) -> None:
    case = tiny_case_copy
    big = str(
        case.engine.scalar(
            "SELECT person_id FROM person_members GROUP BY person_id HAVING count(*) >= 3 "
            "ORDER BY count(*) DESC, person_id LIMIT 1"
        )
    )
    members = sorted(persons(case)[big])
    # The anchor itself (the smallest key): the id stays with the rest of the person.
    anchor = members[0]
    assert stable_ids.person_id(anchor) == big
    done = case.decide("split", anchor, None, "another person entirely", by="analyst")
    now = persons(case)
    assert big in now
    assert anchor not in now[big]
    moved = done["person_id"]
    assert moved != big
    assert anchor in now[moved]
    rows = history(case)
    assert {r["old_id"] for r in rows} == {big}
    assert {r["change"] for r in rows} == {"split"}
    successors = {str(r["new_id"]) for r in rows}
    assert {big, moved} <= successors
    assert successors <= set(now)
    assert set().union(*(now[s] for s in successors)) == set(members)
    case.undo_decision(int(done["decision"]), "taken by mistake")
    assert persons(case)[big] == frozenset(members)
    undo = [r for r in history(case) if r["cause"] == "decision:undo"]
    assert {(r["old_id"], r["new_id"], r["change"]) for r in undo} >= {(moved, big, "merge")}
    assert case.id_history(moved)["successors"] == [big]


def test_the_cli_follows_an_old_id(tiny_case_copy: Case) -> None:
    case = tiny_case_copy
    one, two = _buyers(case, 2)
    kept = case.decide("merge", one, two, "same person", by="analyst")["person_id"]
    gone = two if kept == one else one
    case.close()
    runner = CliRunner()
    shown = runner.invoke(cli, ["persons", str(case.path), "--show", gone, "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["person_id"] == kept
    told = runner.invoke(cli, ["history", str(case.path), gone])
    assert told.exit_code == 0, told.output
    assert f"person {gone} is now {kept}" in " ".join(told.output.split())
    unknown = runner.invoke(cli, ["history", str(case.path), "P000000000000"])
    assert "no person P000000000000" in unknown.output


def test_the_json_export_carries_the_history(tiny_case_copy: Case, tmp_path: Path) -> None:
    case = tiny_case_copy
    one, two = _buyers(case, 2)
    case.merge(one, two, "same person")
    case.export(tmp_path / "out")
    lines = (tmp_path / "out" / "person_history.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [(r["change"], sorted(r["evidence"]["old_ids_of_new"])) for r in rows] == [
        ("merge", sorted([one, two]))
    ]
    assert rows[0]["at"].endswith("Z")
    assert (tmp_path / "out" / "network_history.jsonl").exists()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "person_history.jsonl" in json.dumps(manifest["files"])


def test_several_successors_are_refused_with_their_ids(tiny_case_copy: Case) -> None:
    case = tiny_case_copy
    case.engine.execute(
        "INSERT INTO person_history VALUES ('Pdeadbeef0000', ?, 'split', now()::TIMESTAMP, "
        "'test', NULL, '{}'), ('Pdeadbeef0000', ?, 'split', now()::TIMESTAMP, 'test', NULL, "
        "'{}')",
        _buyers(case, 2),
    )
    with pytest.raises(UsageError, match="became 2 persons"):
        case.person("Pdeadbeef0000")


# -- the id rules on their own ------------------------------------------------------------------
keys = st.lists(st.text("abcdef:", min_size=1, max_size=4), min_size=1, max_size=12, unique=True)


@given(keys, st.data())
def test_assign_keeps_every_id_on_a_rerun_and_on_new_members(
    nodes: list[str], data: st.DataObject
) -> None:
    nodes = sorted(nodes)
    membership = [data.draw(st.integers(0, 3)) for _ in nodes]
    ids = stable_ids.assign(nodes, membership, {})
    assert len(set(ids.values())) == len(ids)  # one id per person, none shared
    old = {k: ids[c] for k, c in zip(nodes, membership, strict=True)}
    assert stable_ids.assign(nodes, membership, old) == ids
    # New members, alone or joining persons, never move an id.
    extra = sorted({*nodes, *data.draw(keys)})
    more = [
        membership[nodes.index(k)] if k in nodes else data.draw(st.integers(0, 6)) for k in extra
    ]
    again = stable_ids.assign(extra, more, old)
    for c in set(membership):
        assert again[c] == ids[c]
    assert len(set(again.values())) == len(again)
    assert stable_ids.lineage(old, old) == []


def test_network_ids_follow_the_largest_overlap_and_merges_are_recorded(
    tiny_case_copy: Case,
) -> None:
    from threadline.graph import stable_ids as network_ids

    case = tiny_case_copy
    e = case.engine
    nets = networks(case)
    (big, core), (small, other) = sorted(nets.items(), key=lambda x: (-len(x[1]), x[0]))[:2]
    network_ids.take_baseline(e)
    ids = network_ids.assign(e, [sorted(core | other), sorted(core)[:1], ["Pnot0a0person"]])
    # The union holds all of the larger network: its id; the rest are new and unused ids.
    assert ids[0] == big
    assert ids[1] not in nets
    assert ids[2] not in nets
    assert len(set(ids)) == 3
    e.execute("UPDATE network_members SET network_id = ? WHERE network_id = ?", [big, small])
    e.execute("DELETE FROM networks WHERE network_id = ?", [small])
    assert network_ids.settle(e) == 1
    rows = history(case, "network_history")
    assert [(r["old_id"], r["new_id"], r["change"]) for r in rows] == [(small, big, "merge")]
    assert set(json.loads(str(rows[0]["evidence"]))["members"]) == other
    assert case.id_history(small)["successors"] == [big]
    assert e.scalar("SELECT count(*) FROM network_id_baseline") == 0
