"""A grading worker killed mid-job (SIGKILL, a lost machine) leaves its job RUNNING and the attempt
claimed; the queue never retries by itself. ``grading_jobs_recover`` (run by ``manage.py clock``)
marks such a job failed once it is stale and queues the attempt again, so another worker grades it
and exactly one report results. A job still within its time is left alone."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sandbox.runtime import services
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import attempt_start, attempt_submit, grading_stale_after
from sandbox.runtime.tasks import LOST_WORKER, grade_attempt_task, grading_jobs_recover
from tests.unit.scenario_fixtures.helpers import catalog_use

pytestmark = pytest.mark.django_db
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def dead_workers_job(settings, tmp_path, candidate, django_capture_on_commit_callbacks):
    """What a worker SIGKILLed mid-grade leaves: its job RUNNING, the attempt claimed (grading)."""
    catalog_use(settings, tmp_path, "ship-and-memo", tasks=DB_QUEUE)

    def _make(minutes_ago: float):
        attempt = attempt_start(candidate=candidate, scenario_slug="ship-and-memo", seed=4)
        attempt_submit(attempt=attempt, actor=candidate)
        grade_attempt_task.enqueue(attempt.pk)
        job = DBTaskResult.objects.get(args_kwargs__args=[attempt.pk])
        job.claim("worker-that-died")  # exactly what db_worker does before running the task
        services._claim(attempt.pk)  # and what attempt_grade does first
        then = timezone.now() - timedelta(minutes=minutes_ago)
        DBTaskResult.objects.filter(pk=job.pk).update(started_at=then)
        attempt.refresh_from_db()
        attempt.status_log[-1]["at"] = then.isoformat()
        Attempt.objects.filter(pk=attempt.pk).update(status_log=attempt.status_log)
        return attempt, job

    return _make


def test_a_stale_job_is_failed_and_the_attempt_queued_again_then_graded_once(dead_workers_job,
                                                                              django_capture_on_commit_callbacks):
    attempt, job = dead_workers_job(grading_stale_after().total_seconds() / 60 + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_jobs_recover() == [attempt.pk]
    job.refresh_from_db()
    assert job.status == "FAILED" and job.exception_class_path == LOST_WORKER
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["args"] == [attempt.pk]
    assert grading_jobs_recover() == []  # idempotent
    # another worker takes the retry: the stale claim is released and one report results
    result = grade_attempt_task.call(attempt.pk)
    assert result["version"] == 1
    assert AttemptReport.objects.filter(attempt=attempt).count() == 1
    attempt.refresh_from_db()
    assert attempt.status == "graded"


def test_a_job_still_within_its_time_is_left_alone(dead_workers_job):
    attempt, job = dead_workers_job(1)
    assert grading_jobs_recover() == []
    job.refresh_from_db()
    assert job.status == "RUNNING" and not DBTaskResult.objects.filter(status="READY").exists()


def test_the_clock_command_runs_both_housekeeping_steps(dead_workers_job, django_capture_on_commit_callbacks):
    from io import StringIO

    attempt, job = dead_workers_job(grading_stale_after().total_seconds() / 60 + 1)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("clock", stdout=out)
    assert f"[{attempt.pk}]" in out.getvalue()
    assert DBTaskResult.objects.filter(status="READY", args_kwargs__args=[attempt.pk]).exists()


def _make_stale(attempt, job):
    then = timezone.now() - grading_stale_after() - timedelta(minutes=1)
    DBTaskResult.objects.filter(pk=job.pk).update(started_at=then)
    attempt.refresh_from_db()
    attempt.status_log[-1]["at"] = then.isoformat()
    Attempt.objects.filter(pk=attempt.pk).update(status_log=attempt.status_log)


def test_an_attempt_is_queued_again_at_most_once(dead_workers_job, django_capture_on_commit_callbacks):
    """A job that stops its worker again (a 3M-cell upload once ran 196 s, past the stale limit, and
    was queued twice: 13.5 worker-minutes) is not run a third time; the attempt waits for a regrade."""
    attempt, job = dead_workers_job(grading_stale_after().total_seconds() / 60 + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_jobs_recover() == [attempt.pk]
    retry = DBTaskResult.objects.get(status="READY")
    retry.claim("second-worker-that-died")
    services._claim(attempt.pk)  # the stale claim is taken over, as the retry's attempt_grade does
    _make_stale(attempt, retry)

    with django_capture_on_commit_callbacks(execute=True):
        assert grading_jobs_recover() == []
    retry.refresh_from_db()
    assert retry.status == "FAILED" and retry.exception_class_path == LOST_WORKER
    assert "not queued a second time" in retry.traceback
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and "lost twice" in attempt.status_log[-1]["note"]
    assert not AttemptReport.objects.exists()
    # an examiner's regrade still works
    assert grade_attempt_task.call(attempt.pk)["version"] == 1
