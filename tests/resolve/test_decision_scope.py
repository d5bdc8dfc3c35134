"""Analyst decisions change only the persons they are about, and can be taken back exactly.

The fixture world is the workbench's (two networks, AU and GB buyers). Before the decision a
link is added between two other persons, as a later analysis pass (session links) can leave
one that the stored persons do not yet reflect: re-forming every person would merge them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import Built, build
from threadline import Case
from threadline.errors import UsageError

Membership = dict[str, tuple[str, str, float, str]]


def members(case: Case) -> Membership:
    rows = case.engine.query(
        "SELECT member_key, person_id, member_type, confidence, via FROM person_members"
    )
    return {str(k): (str(p), str(t), float(c), str(v)) for k, p, t, c, v in rows}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("decisions"), networks=2, buyers=2)


def _stray_link(case: Case, built: Built) -> tuple[str, str]:
    """A link between two unrelated persons that the stored persons do not reflect."""
    a, b = "chatapp:au1_1", "chatapp:gb1_1"
    case.engine.execute(
        "INSERT INTO person_links VALUES (?, ?, 'session', 0.9, 'ip', '81.2.69.160')", [a, b]
    )
    return a, b


def test_a_reject_changes_no_person_but_the_one_that_held_the_member(
    world: Built, tmp_path: Path
) -> None:
    import shutil

    shutil.copytree(world.path, tmp_path / "case")
    with Case.open(tmp_path / "case") as case:
        a, b = _stray_link(case, world)
        before = members(case)
        member = world.merge_pair[1]
        held = before[member][0]
        pid = case.split(member, "different person: other city, other phone")
        after = members(case)
        assert set(after) == set(before)  # nothing lost
        assert before[a][0] != before[b][0]
        assert after[a][0] != after[b][0]
        for key, was in before.items():
            if was[0] != held:
                assert after[key] == was, key  # every other person: same id, same members
        # The person keeps its id (its target row still names it); the member moved out, and
        # a member that only the rejected one joined to the rest becomes its own person.
        assert "chatapp:fac0" in {k for k, v in after.items() if v[0] == held}
        assert pid != held
        assert after[member][0] == pid
        assert {v[0] for k, v in after.items() if before[k][0] == held} - {held, pid}


def test_undo_restores_the_exact_prior_membership(world: Built, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(world.path, tmp_path / "case")
    with Case.open(tmp_path / "case") as case:
        _stray_link(case, world)
        before = members(case)
        member = world.merge_pair[1]
        case.split(member, "different person")
        seq = int(case.engine.scalar("SELECT max(seq) FROM decisions"))
        assert members(case) != before
        undone = case.undo_decision(seq, "taken by mistake")
        assert members(case) == before
        assert member in {m["member"] for m in undone["moved"]}
        assert case.engine.scalar("SELECT count(*) FROM decisions WHERE seq = ?", [seq]) == 0
        actions = [r[0] for r in case.engine.query("SELECT action FROM audit ORDER BY seq")]
        assert actions[-2:] == ["decision:split", "decision:undo"]
        with pytest.raises(UsageError):
            case.undo_decision(seq, "again")


def test_preview_says_what_a_merge_will_change_and_changes_nothing(
    world: Built, tmp_path: Path
) -> None:
    import shutil

    shutil.copytree(world.path, tmp_path / "case")
    with Case.open(tmp_path / "case") as case:
        before = members(case)
        one, two = "chatapp:au0_1", "chatapp:gb0_1"
        p = case.preview_decision("merge", one, two)
        assert members(case) == before
        assert p["persons_before"] == 2
        assert p["persons_after"] == 1
        assert len(p["emptied"]) == 1
        assert p["merged"]
        assert {t["country"] for t in p["targets"]} == {"AU", "GB"}
        case.merge(one, two, "same device")
        after = members(case)
        assert after[one][0] == after[two][0] == p["merged"][0]
        assert {k for k in before if before[k] != after[k]} == {one, two} | {
            k for k, v in before.items() if v[0] in (before[one][0], before[two][0])
        }


def test_a_decision_and_its_undo_keep_the_custody_verifiable(tiny_case_copy: Case) -> None:
    case = tiny_case_copy
    member = str(
        case.engine.scalar(
            "SELECT member_key FROM person_members WHERE person_id IN (SELECT person_id "
            "FROM person_members GROUP BY 1 HAVING count(*) > 1) ORDER BY member_key LIMIT 1"
        )
    )
    before = members(case)
    case.split(member, "not the same person")
    seq = int(case.engine.scalar("SELECT max(seq) FROM decisions"))
    assert case.verify().ok, case.verify().problems
    case.undo_decision(seq, "taken by mistake")
    assert members(case) == before
    report = case.verify()
    assert report.ok, report.problems
