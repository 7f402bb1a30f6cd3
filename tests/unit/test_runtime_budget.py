"""A grading worker is never held by what a candidate handed in: a workbook bomb in the 文件中心
costs its criterion ("文件超出限制…") and the rest of the attempt is graded as usual, in seconds; a
grade that runs past its wall-clock budget fails for good (no report, the attempt back to 已交卷)
and the clock never queues it again. Both run in a real ``grading_worker`` process."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks_db.models import DBTaskResult

from bench.table_files import xlsx_table
from sandbox.runtime.models import AttemptReport
from sandbox.runtime.services import attempt_start, attempt_submit
from sandbox.runtime.tasks import attempt_grade_enqueue, grading_jobs_recover
from shop_sim.services.base import Actor
from shop_sim.services.files import shopfile_upload
from tests.unit.scenario_fixtures.helpers import copy_good, edit, run_script

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "ship-and-memo"
FILE_CRITERION = """\
  - id: cleaned_file
    points: 2
    description: {zh: 上传清洗后的表格, en: Upload the cleaned table}
    check:
      kind: file
      upload: latest
      expected: {rows: [{订单号: "1"}]}
"""


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    folder = copy_good(root, SLUG)
    edit(folder / "scenario.yaml", "points: 10\n", "points: 12\n")
    (folder / "scenario.yaml").write_text((folder / "scenario.yaml").read_text(encoding="utf-8") + FILE_CRITERION,
                                          encoding="utf-8")
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


def submitted_attempt(catalog, candidate, upload: bytes | None = None, settings=None):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=5)
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    if upload is not None:
        # handed in while the limits were wider (or before there were any): the grader checks again
        settings.FILE_LIMITS = {"rows": 10**7, "columns": 10**4, "cells": 10**9, "zip_ratio": 10**6,
                                "decompressed_bytes": 10**10}
        shopfile_upload(sandbox=attempt.instance.sandbox, actor=Actor.merchant(candidate), name="清洗结果.xlsx",
                        data=upload)
        settings.FILE_LIMITS = {}
    return attempt_submit(attempt=attempt, actor=candidate)


def run_worker(catalog, tmp_path, **env_extra) -> float:
    database = connection.settings_dict["NAME"]
    assert os.path.isabs(database), "the worker needs the file-based test database"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SCENARIO_CATALOG_DIR": str(catalog),
           "DJANGO_MEDIA_ROOT": str(tmp_path / "media"), **env_extra}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "grading_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "1"],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return time.monotonic() - started


def test_a_workbook_bomb_costs_its_criterion_and_the_rest_is_graded_in_seconds(catalog, candidate, tmp_path,
                                                                               settings):
    bomb = xlsx_table(600, 500, refs=False, header=["订单号"])  # 300 000 cells in a few KB
    attempt = submitted_attempt(catalog, candidate, upload=bomb, settings=settings)
    result = attempt_grade_enqueue(attempt=attempt)
    seconds = run_worker(catalog, tmp_path)
    assert seconds < 60  # the worker process's start included (a shared machine)

    finished = default_task_backend.get_result(result.id)
    assert finished.status == TaskResultStatus.SUCCESSFUL, finished.errors
    report = AttemptReport.objects.get(attempt=attempt).report
    by_id = {c["id"]: c for c in report["criteria"]}
    assert by_id["cleaned_file"]["result"]["message"].startswith("文件超出限制：")
    assert by_id["cleaned_file"]["result"]["score"] in ("0", "0.00")
    # the rest is graded exactly as without the bomb: the solution's 4 + 2 + 2 (the manual line waits)
    earned = {c["id"]: c["result"]["score"] for c in report["criteria"] if c["id"] != "cleaned_file"}
    assert earned == {"ship_orders": "4.00", "memo": "2.00", "subtitle_copy": "2.00", "service_attitude": "0.00"}
    assert report["max"] == "12.00" and all(not c["result"]["error"] for c in report["criteria"])
    assert report["duration_seconds"] < 10


def test_a_grade_past_its_budget_fails_for_good_and_is_never_queued_again(catalog, candidate, tmp_path):
    attempt = submitted_attempt(catalog, candidate)
    result = attempt_grade_enqueue(attempt=attempt)
    run_worker(catalog, tmp_path, GRADING_JOB_BUDGET_SECONDS="0")

    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == "FAILED"
    assert job.exception_class_path == "sandbox.runtime.services.GradingOverBudget"
    assert not AttemptReport.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and "GradingOverBudget" in attempt.status_log[-1]["note"]
    assert grading_jobs_recover() == []
    assert not DBTaskResult.objects.filter(status="READY").exists()
