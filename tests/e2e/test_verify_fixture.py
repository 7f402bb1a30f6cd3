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


PERSONA_HEAD = '''"""{doc}"""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_fixture_solution", Path(__file__).resolve().parent.parent / "solution.py")
solution = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(solution)

KIND = "{kind}"
EXPECTED = {band}

'''


def test_personas_are_scored_against_their_bands_and_targets(tmp_path, live_server_url, pool):
    """A persona inside its band passes; one outside fails by how far; a gaming persona scoring more
    than 30 % fails its target; the agreement line gives the mean and the worst; with
    ``require_personas`` a short mix fails as its own row."""
    folder = tmp_path / "ship-memo-ui"
    shutil.copytree(FIXTURE, folder)
    (folder / "mutants" / "wrong_carrier.py").unlink()
    (folder / "personas").mkdir()
    slogan_only = "def run(ctx):\n    solution.slogan(ctx, ctx.params['slogan'])\n"
    for name, kind, band, body in (
        ("slogan_only", "partial", "(2.5, 3.5)", slogan_only),
        ("over_optimistic", "partial", "(10, 12)", slogan_only),
        ("does_it_all", "gaming", "(17, 20)", "def run(ctx):\n    solution.run(ctx)\n"),
    ):
        (folder / "personas" / f"{name}.py").write_text(
            PERSONA_HEAD.format(doc=f"{name}: test persona", kind=kind, band=band) + body, encoding="utf-8")
    seed = verify_seeds(UUID, 1)[0]

    out, err = io.StringIO(), io.StringIO()
    code = verify_command([str(folder)], stdout=out, stderr=err, base_url=live_server_url, pool=pool,
                          seeds=[seed], require_personas=True)

    assert code == 1
    rows = {" ".join(r[2:4]) if r[2] in ("mutant", "persona") else r[2]: r for r in table(out.getvalue())}
    assert rows["persona slogan_only"][-1] == "OK" and rows["persona slogan_only"][6:8] == ["3.00", "分"]
    assert rows["persona over_optimistic"][-1] == "FAIL"
    assert rows["persona does_it_all"][-1] == "FAIL" and rows["persona does_it_all"][6] == "20.00"
    assert rows["personas"][-1] == "FAIL"
    assert [rows[run][-1] for run in ("blank", "solution", "mutant no_memos", "mutant no_slogan")] == ["OK"] * 4
    errors = err.getvalue()
    assert "总分 3.00 不在考评员给出的区间 10–12 分 内" in errors
    assert "投机取巧 的得分应不高于 6.00 分（总分的 30%）" in errors
    assert "完全正确（做法与参考解法不同） 至少 2 个，现有 0 个" in errors and "人设至少 10 个，现有 3 个" in errors
    assert "总分 20.00 不在" not in errors  # does_it_all is inside its band; only its target fails
    assert (f"评分一致性 ship-memo-ui：3 次人设运行，与考评员区间平均偏差 2.33 分，最大 7.00 分"
            f"（persona over_optimistic #{seed}）") in out.getvalue()
    assert "8 次运行，3 次失败" in out.getvalue()
