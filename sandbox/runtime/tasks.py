"""Background grading on Django's Tasks API (django-tasks backport; django-tasks-db by default).

The task only wraps ``attempt_grade``: the grader does not know about the queue, and any other
backend (a Celery-backed one, the immediate backend in tests) runs the same function. A worker
process (``manage.py db_worker``) grades in one thread, so ``attempt_grade``'s default
``shared_pool()`` gives it exactly one Chromium for its whole life.
"""

from __future__ import annotations

from django_tasks import task

from .models import Attempt
from .services import attempt_grade


@task()
def grade_attempt_task(attempt_id: int) -> dict:
    """Grade one attempt; the result (stored by the backend) says which report version was written."""
    report = attempt_grade(attempt=Attempt.objects.get(pk=attempt_id))
    return {"attempt": attempt_id, "version": report.version, "total": str(report.total), "max": str(report.max)}


def attempt_grade_enqueue(*, attempt: Attempt):
    """Queue ``attempt`` for grading; returns the backend's TaskResult (its id tracks the job)."""
    return grade_attempt_task.enqueue(attempt.pk)
