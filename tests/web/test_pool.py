"""Read connections: each read runs under a time limit and is interrupted past it."""

from __future__ import annotations

import pytest

from threadline import Case
from threadline.errors import EngineError
from threadline.store.web_pool import QueryTimeout, ReadPool


def test_a_read_past_its_time_limit_is_interrupted(case: Case) -> None:
    pool = ReadPool(case.engine, size=1, time_limit_s=0.2)
    try:
        with pool.reader() as r, pytest.raises(QueryTimeout):
            r.query("SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3")
        with pool.reader() as r:  # the connection is usable again
            assert r.query("SELECT 41 + 1") == [(42,)]
            with pytest.raises(EngineError):
                r.query("SELECT * FROM no_such_table")
    finally:
        pool.close()


def test_readers_see_committed_writes(case: Case) -> None:
    pool = ReadPool(case.engine, size=2)
    try:
        with case.engine.transaction():
            case.engine.execute("CREATE TABLE t_web (x INTEGER)")
            case.engine.execute("INSERT INTO t_web VALUES (1)")
        with pool.reader() as a, pool.reader() as b:
            assert a.query("SELECT x FROM t_web") == b.query("SELECT x FROM t_web") == [(1,)]
    finally:
        pool.close()
