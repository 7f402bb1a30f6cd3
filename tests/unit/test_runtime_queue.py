"""Grading as a background job: the task wraps attempt_grade; a real ``db_worker`` process picks it up
from the database queue and the report appears."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks import TaskResultStatus, default_task_backend, task_backends

from sandbox.runtime.models import AttemptReport
from sandbox.runtime.services import attempt_start, attempt_submit
from sandbox.runtime.tasks import attempt_grade_enqueue, grade_attempt_task
from tests.unit.scenario_fixtures.helpers import copy_good, run_script

SLUG = "ship-and-memo"
WORKER_TIMEOUT_SECONDS = 120


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, SLUG)
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


def submitted_attempt(catalog, candidate, seed=5):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=seed)
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    return attempt_submit(attempt=attempt, actor=candidate)


@pytest.mark.django_db
def test_the_task_is_a_thin_wrapper_around_attempt_grade(catalog, candidate, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    attempt = submitted_attempt(catalog, candidate)
    result = grade_attempt_task.enqueue(attempt.pk)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"attempt": attempt.pk, "version": 1, "total": "8.00", "max": "10.00"}
    attempt.refresh_from_db()
    assert attempt.status == "graded" and AttemptReport.objects.get(attempt=attempt).total == 8


def test_the_default_backend_is_the_database_queue():
    assert django_settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"


@pytest.mark.django_db(transaction=True)
def test_a_real_db_worker_process_grades_the_queued_attempt(catalog, candidate, tmp_path):
    attempt = submitted_attempt(catalog, candidate)
    result = attempt_grade_enqueue(attempt=attempt)
    assert result.status == TaskResultStatus.READY and not AttemptReport.objects.exists()

    database = connection.settings_dict["NAME"]
    assert os.path.isabs(database), "the worker needs the file-based test database"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SCENARIO_CATALOG_DIR": str(catalog),
           "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "1"],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_SECONDS)
    assert done.returncode == 0, done.stdout + done.stderr

    finished = default_task_backend.get_result(result.id)
    assert finished.status == TaskResultStatus.SUCCESSFUL, finished.errors
    assert finished.return_value == {"attempt": attempt.pk, "version": 1, "total": "8.00", "max": "10.00"}
    report = AttemptReport.objects.get(attempt=attempt)
    assert report.version == 1 and report.report["total"] == "8.00"
    attempt.refresh_from_db()
    assert attempt.status == "graded"
