"""``scenarios verify`` on a fixture scenario whose solution drives the real console: a good scenario
passes every run; a mutant that declares the wrong criteria makes verification fail (exit code 1,
FAIL in the table, and what went wrong on stderr)."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from autograder.browser import BrowserPool
from autograder.verify import verify_command, verify_seeds
from task_scenarios.loader import load_scenario

FIXTURE = Path(__file__).resolve().parent / "scenario_fixtures" / "ship-memo-ui"
UUID = "38710454-4b2e-4d21-a7cf-bc2a1882d233"


@pytest.fixture(scope="module")
def pool(browser):
    return BrowserPool(browser=browser)


def table(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.startswith("ship-memo-ui")]


def test_a_good_scenario_passes_blank_solution_and_every_mutant(live_server_url, pool):
    out, err = io.StringIO(), io.StringIO()
    code = verify_command([str(FIXTURE)], stdout=out, stderr=err, base_url=live_server_url, pool=pool)
    assert code == 0, out.getvalue() + err.getvalue()
    rows = table(out.getvalue())
    seeds = verify_seeds(UUID, 2)
    runs = ["blank", "solution", "mutant no_memos", "mutant no_slogan", "mutant wrong_carrier"]
    assert [(int(r[1]), " ".join(r[2:4]) if r[2] == "mutant" else r[2]) for r in rows] == \
        [(seed, run) for seed in seeds for run in runs]
    assert all(r[-1] == "OK" for r in rows)
    assert "10 次运行，0 次失败" in out.getvalue() and err.getvalue() == ""
    assert rows[1][3:5] == ["满分", "20.00，无附带损害"]


def test_a_mutant_losing_other_criteria_than_declared_fails_verification(tmp_path, settings):
    folder = tmp_path / "ship-memo-ui"
    shutil.copytree(FIXTURE, folder)
    for name in ("wrong_carrier.py", "no_memos.py"):  # two mutants are enough here (fewer runs)
        (folder / "mutants" / name).unlink()
    (folder / "mutants" / "says_memo_only.py").write_text(
        (FIXTURE / "mutants" / "no_memos.py").read_text(encoding="utf-8").replace(
            'LOSES = ["memo_first", "memo_second", "first_listed", "second_listed"]', 'LOSES = ["memo_first"]'),
        encoding="utf-8")
    assert load_scenario(folder).mutants[1].loses == ("memo_first",)

    # The real command in its own process (its own Daphne and Chromium) on the test database.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
           "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    done = subprocess.run([sys.executable, "manage.py", "scenarios", "verify", str(folder), "--seeds", "1"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=600)
    out, err = done.stdout, done.stderr
    assert done.returncode == 1, out + err
    rows = {" ".join(r[2:4]) if r[2] == "mutant" else r[2]: r for r in table(out)}
    assert set(rows) == {"blank", "solution", "mutant no_slogan", "mutant says_memo_only"}
    assert [rows[run][-1] for run in ("blank", "solution", "mutant no_slogan")] == ["OK", "OK", "OK"]
    bad = rows["mutant says_memo_only"]
    assert bad[-1] == "FAIL" and "失分：memo_first" in bad and "失分：memo_first," in bad
    assert "4 次运行，1 次失败" in out and "场景验证未通过" in err
    assert f"FAIL ship-memo-ui #{verify_seeds(UUID, 1)[0]} mutant says_memo_only:" in err
    assert "多失分：memo_second" in err and "多失分：first_listed" in err
