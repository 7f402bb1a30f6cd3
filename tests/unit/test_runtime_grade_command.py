"""``manage.py grade``: one attempt's report table, dry runs, refusals, and ``--all`` with progress."""

import io

import pytest
from django.core.management import CommandError, call_command

from sandbox.runtime.models import AttemptReport
from sandbox.runtime.services import attempt_start, attempt_submit
from tests.unit.scenario_fixtures.helpers import copy_good, edit, run_script

pytestmark = pytest.mark.django_db
SLUG = "ship-and-memo"


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, SLUG)
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


@pytest.fixture
def submitted(catalog, candidate):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=5)
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    return attempt_submit(attempt=attempt, actor=candidate)


def grade(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("grade", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_grade_prints_the_report_table_and_stores_version_1(submitted):
    out, _err = grade(str(submitted.pk))
    lines = out.splitlines()
    assert f"作答 #{submitted.pk}  ship-and-memo v1  变体种子 5  （报告第 1 版）" == lines[0]
    assert lines[1].split() == ["评分项", "分值", "得分", "说明"]
    ship = next(line for line in lines if line.strip().startswith("ship_orders"))
    assert ship.split()[:3] == ["ship_orders", "4.00", "4.00"] and "符合要求（2 条订单记录）" in ship
    manual = next(line for line in lines if line.strip().startswith("service_attitude"))
    assert manual.split()[:3] == ["service_attitude", "2.00", "待评"]
    assert "扣分 0.00，总分 8.00 / 10.00" in out and "待考评员评分：service_attitude" in out
    assert AttemptReport.objects.get(attempt=submitted).version == 1


def test_grade_dry_run_prints_and_stores_nothing(submitted):
    out, _err = grade(str(submitted.pk), "--dry-run")
    assert "（试评，未保存）" in out and "总分 8.00 / 10.00" in out
    submitted.refresh_from_db()
    assert AttemptReport.objects.count() == 0 and submitted.status == "submitted"


def test_grade_refusals_are_command_errors_and_write_nothing(catalog, candidate, submitted):
    in_progress = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=6)
    with pytest.raises(CommandError, match="作答中 → 评分中"):
        grade(str(in_progress.pk))
    with pytest.raises(CommandError, match="不存在"):
        grade("999999")
    with pytest.raises(CommandError, match="一个作答编号，或使用 --all"):
        grade()
    with pytest.raises(CommandError, match="一个作答编号，或使用 --all"):
        grade(str(submitted.pk), "--all")
    with pytest.raises(CommandError, match="不能同时使用"):
        grade(str(submitted.pk), "--dry-run", "--enqueue")
    assert AttemptReport.objects.count() == 0


def test_grade_all_grades_the_batch_with_a_progress_bar(catalog, candidate, submitted, make_user):
    other = make_user("cand_b")
    second = attempt_submit(attempt=attempt_start(candidate=other, scenario_slug=SLUG, seed=7), actor=other)
    untouched = attempt_start(candidate=other, scenario_slug=SLUG, seed=8)
    out, err = grade("--all")
    assert "2/2" in err and "100%" in err
    assert "已评分 2 份，失败 0 份" in out
    assert set(AttemptReport.objects.values_list("attempt_id", "version")) == {(submitted.pk, 1), (second.pk, 1)}
    untouched.refresh_from_db()
    assert untouched.status == "in_progress"
    out, _err = grade("--all")
    assert "没有状态为“已交卷”的作答" in out
    out, err = grade("--all", "--status", "graded")  # regrade everything graded
    assert "2/2" in err and AttemptReport.objects.filter(version=2).count() == 2


def test_grade_all_goes_on_after_a_failure_and_exits_1(catalog, candidate, submitted):
    copy_good(catalog, "other-scenario")
    edit(catalog / "other-scenario" / "scenario.yaml", "0b6f3c1e-5a2d-4e8b-9c61-7d2f0a9e4b11",
         "0b6f3c1e-5a2d-4e8b-9c61-7d2f0a9e4b12")
    broken = attempt_submit(attempt=attempt_start(candidate=candidate, scenario_slug="other-scenario", seed=1),
                            actor=candidate)
    edit(catalog / "other-scenario" / "scenario.yaml", "version: 1", "version: 2")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("grade", "--all", stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert f"作答 #{broken.pk} 评分失败" in err.getvalue() and "第 2 版" in err.getvalue()
    assert "已评分 1 份，失败 1 份" in out.getvalue()
    assert list(AttemptReport.objects.values_list("attempt_id", flat=True)) == [submitted.pk]
    broken.refresh_from_db()
    assert broken.status == "submitted"


def test_grade_all_enqueue_hands_the_batch_to_the_queue(submitted, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    out, _err = grade("--all", "--enqueue")
    assert "已将 1 份作答加入评分队列" in out
    assert AttemptReport.objects.get(attempt=submitted).version == 1
