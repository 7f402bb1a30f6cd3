"""Background grading on Django's Tasks API (django-tasks backport; django-tasks-db by default).

The task only wraps ``attempt_grade``: the grader does not know about the queue, and any other
backend (a Celery-backed one, the immediate backend in tests) runs the same function. A worker
process (``manage.py grading_worker``) grades in one thread, so ``attempt_grade``'s default
``shared_pool()`` gives it exactly one Chromium for its whole life.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Attempt
from .services import GradingOverBudget, attempt_grade, attempt_grading_abandon, grading_stale_after

LOST_WORKER = "sandbox.runtime.tasks.WorkerLost"
# How a job failed when running it again would fail the same way: over its budget, or lost twice.
NOT_RETRIED = (LOST_WORKER, f"{GradingOverBudget.__module__}.{GradingOverBudget.__qualname__}")


@task()
def grade_attempt_task(attempt_id: int) -> dict:
    """Grade one attempt; the result (stored by the backend) says which report version was written."""
    report = attempt_grade(attempt=Attempt.objects.get(pk=attempt_id))
    return {"attempt": attempt_id, "version": report.version, "total": str(report.total), "max": str(report.max)}


def attempt_grade_enqueue(*, attempt: Attempt):
    """Queue ``attempt`` for grading; returns the backend's TaskResult (its id tracks the job)."""
    return grade_attempt_task.enqueue(attempt.pk)


def grading_jobs_recover(*, now: datetime | None = None) -> list[int]:
    """Grading jobs a dead worker left RUNNING (SIGKILL, a lost machine) are marked failed and their
    attempts queued again; returns the attempt ids. The queue (django-tasks-db) never retries by
    itself. A job counts as lost once it has run longer than grading_stale_after() — by then the
    attempt's own grading claim is stale too, so the new job may claim it and one report results.

    An attempt is queued again at most once: if an earlier job of it was already lost, or failed
    over its budget, what it holds is what stops the worker, and another run would only take a
    worker from the other candidates again. Its claim is released instead (an examiner regrades)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    requeued = []
    with transaction.atomic():
        lost = (DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(task_path=grade_attempt_task.module_path, status="RUNNING",
                        started_at__lt=now - grading_stale_after()))
        for job in lost:
            attempt_id = (job.args_kwargs.get("args") or [None])[0]
            failed_before = isinstance(attempt_id, int) and (
                DBTaskResult.objects.filter(task_path=grade_attempt_task.module_path, status="FAILED",
                                            exception_class_path__in=NOT_RETRIED,
                                            args_kwargs__args=[attempt_id])
                .exclude(pk=job.pk).exists())
            worker = job.worker_ids[-1:] or "?"
            job.status, job.finished_at = "FAILED", now
            job.exception_class_path = LOST_WORKER
            job.traceback = (f"the worker {worker} stopped mid-job again; not queued a second time" if failed_before
                             else f"the worker {worker} stopped mid-job; the attempt was queued again")
            job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            if not isinstance(attempt_id, int):
                continue
            if failed_before:
                attempt_grading_abandon(attempt_id=attempt_id,
                                        note="grading job lost twice: not queued again, regrade by hand")
            else:
                requeued.append(attempt_id)
                transaction.on_commit(lambda pk=attempt_id: grade_attempt_task.enqueue(pk))
    return requeued

