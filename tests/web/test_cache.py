"""The workbench's remembered values: computed once, per key, within a bound, on one connection."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Built, copy_case
from threadline import Case
from threadline.web import workbench as wb_module
from threadline.web.policy import load_policy
from threadline.web.workbench import Workbench


@pytest.fixture
def wb(built: Built, tmp_path: Path) -> Any:
    path = copy_case(built, tmp_path / "case")
    with Case.open(path) as case:
        bench = Workbench(case, load_policy(path), package_builder=None, pool_size=1)
        try:
            yield bench
        finally:
            bench.close()


def test_one_missing_value_is_computed_once_for_concurrent_requests(wb: Workbench) -> None:
    calls: list[int] = []

    def make() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    got: list[int] = []
    threads = [
        threading.Thread(target=lambda: got.append(wb.remember(("k",), make))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42] * 6
    assert len(calls) == 1


def test_values_of_other_keys_are_computed_side_by_side(wb: Workbench) -> None:
    # A value waiting on another's computation: under one lock for all keys it would wait
    # the whole timeout.
    b_started = threading.Event()

    def make_a() -> bool:
        return b_started.wait(5)

    def make_b() -> str:
        b_started.set()
        return "b"

    got: dict[str, Any] = {}
    a = threading.Thread(target=lambda: got.setdefault("a", wb.remember(("a",), make_a)))
    a.start()
    time.sleep(0.1)
    got["b"] = wb.remember(("b",), make_b)
    a.join()
    assert got == {"a": True, "b": "b"}


def test_remembered_rows_are_bounded_and_the_least_recently_used_go_first(
    wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wb_module, "CACHE_ROWS", 10)
    calls: list[str] = []

    def rows(name: str, n: int) -> Any:
        def make() -> list[int]:
            calls.append(name)
            return list(range(n))

        return make

    wb.remember(("a",), rows("a", 4))
    wb.remember(("b",), rows("b", 4))
    wb.remember(("a",), rows("a", 4))  # a used again: b is now the least recently used
    wb.remember(("c",), rows("c", 4))  # 12 rows > 10: b goes
    assert calls == ["a", "b", "c"]
    wb.remember(("a",), rows("a", 4))
    wb.remember(("b",), rows("b", 4))
    assert calls == ["a", "b", "c", "b"]
    assert sum(len(v) for v in wb.cache.values() if isinstance(v, list)) <= 10


def test_a_read_nested_in_another_uses_the_same_connection(wb: Workbench) -> None:
    # One connection in the pool: a nested read that waited for a second one would time out.
    def outer(r: Any) -> bool:
        inner = wb.cached(("inner",), lambda r2: r2 is r and r2.query("SELECT 1") == [(1,)])
        return bool(inner)

    assert wb.cached(("outer",), outer) is True


def test_a_large_remembered_value_is_kept_out_of_cyclic_collections(
    wb: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full collection walks every tracked object: the cached rows would make each one
    # stall every request for hundreds of milliseconds.
    monkeypatch.setattr(wb_module, "FREEZE_ROWS", 3)
    gc.unfreeze()
    try:
        wb.remember(("small",), lambda: [{"row": 1}])
        assert gc.get_freeze_count() == 0
        rows = wb.remember(("large",), lambda: [{"row": i} for i in range(5)])
        assert gc.get_freeze_count() > 0
        young = {id(o) for o in gc.get_objects(0)}
        assert not any(id(r) in young for r in rows)
    finally:
        gc.unfreeze()
