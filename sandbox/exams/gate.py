"""The exam's write gate: once a sitting's deadline has passed, none of its sandboxes takes a write,
whether or not the auto-submit has run yet (the clock, not a job, decides). The deadline is also the
latest freeze instant the grader counts up to (``sitting_freeze_at``). And the exam's buyer policy:
an exam shop's simulated buyers act only in the candidate's own session (or one opened with the pass
link of the candidate's task page), never for someone who knows the key."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Sitting, SittingTask


def sitting_freeze_at(attempt) -> datetime | None:
    """An exam attempt froze at its sitting's deadline at the latest (a 交卷 before it is earlier)."""
    task = (SittingTask.objects.filter(attempt_id=attempt.pk)
            .select_related("sitting__registration__exam").first())
    return task.sitting.deadline if task is not None else None


def sitting_write_refusal(sandbox_id: int) -> str | None:
    task = (SittingTask.objects.filter(attempt__instance__sandbox_id=sandbox_id)
            .select_related("sitting__registration__exam").first())
    if task is None:
        return None
    sitting = task.sitting
    if sitting.status != Sitting.Status.IN_PROGRESS:
        return _("本场考试已交卷，不能再修改。")
    if timezone.now() >= sitting.deadline:
        return _("考试时间已到，不能再修改；作答已按交卷处理。")
    return None


def sitting_buyer_pass_required(sandbox_id: int) -> bool:
    """Exam shops require the buyer pass (practice and demo shops do not: see docs/exams.md)."""
    return SittingTask.objects.filter(attempt__instance__sandbox_id=sandbox_id).exists()
