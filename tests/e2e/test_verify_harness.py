"""The verification harness around the runs: reproducible seeds, a database the server cannot share,
an empty catalog, and a scenario that does not load (a FAIL row, exit 1) — no browser needed."""

import io

from django.db import connection

from autograder.verify import verify_command, verify_seeds
from tests.unit.scenario_fixtures.helpers import FIXTURES


def test_seeds_are_derived_from_the_uuid_and_reproducible():
    seeds = verify_seeds("38710454-4b2e-4d21-a7cf-bc2a1882d233", 3)
    assert seeds == verify_seeds("38710454-4b2e-4d21-a7cf-bc2a1882d233", 3) and len(set(seeds)) == 3
    assert all(0 <= seed < 2**31 for seed in seeds)
    assert verify_seeds("38710454-4b2e-4d21-a7cf-bc2a1882d233", 2) == seeds[:2]
    assert verify_seeds("0b6f3c1e-5a2d-4e8b-9c61-7d2f0a9e4b11", 3) != seeds


def test_an_in_memory_database_is_refused(monkeypatch):
    monkeypatch.setattr(connection, "is_in_memory_db", lambda: True)
    out, err = io.StringIO(), io.StringIO()
    assert verify_command([str(FIXTURES / "ship-and-memo")], stdout=out, stderr=err) == 2
    assert "内存数据库无法与网站进程共享" in err.getvalue()


def test_an_empty_catalog_has_nothing_to_verify(tmp_path):
    out = io.StringIO()
    assert verify_command([], catalog=tmp_path, stdout=out) == 0
    assert out.getvalue() == "没有找到场景。\n"


def test_a_scenario_that_does_not_load_fails(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    assert verify_command([str(FIXTURES / "bad-points")], stdout=out, stderr=err, seeds=1) == 1
    row = [line.split() for line in out.getvalue().splitlines() if line.startswith("bad-points")]
    assert row == [["bad-points", "-", "load", "格式正确", row[0][4], "个问题", "FAIL"]]
    assert "FAIL bad-points #- load:" in err.getvalue() and "scenario.yaml: points" in err.getvalue()
