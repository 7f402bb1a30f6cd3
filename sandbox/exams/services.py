"""Exam delivery: start a sitting, submit a task or the paper, the clock's auto-submit, extra time.

Every move is one short transaction on the locked sitting and leaves one ``SittingEvent``. The
deadline is data (``Sitting.deadline``); the write gate (``gate.py``) refuses shop writes past it
whether or not the auto-submit job has run, and ``sitting_expire_due`` (run by a scheduled task at
the deadline, by ``manage.py sittings_expire`` and lazily by every exam page) does the submit.
"""

from __future__ import annotations

import secrets
import threading
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox.runtime.models import Attempt
from sandbox.runtime.services import AttemptError, attempt_start, attempt_submit

from .models import Exam, Registration, Sitting, SittingEvent, SittingTask

MAX_EXTRA_MINUTES = 240
AUTO = "system:clock"
# SQLite has one writer at a time: threads of one process queue here, in order, instead of
# spinning in SQLite's busy handler (which is unfair and gives up after busy_timeout).
_SQLITE_START_LOCK = threading.Lock()


class ExamError(Exception):
    """An exam operation refused for a reason the caller can show (nothing was written)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    get_username = getattr(actor, "get_username", None)
    return get_username() if callable(get_username) else str(actor)


def sitting_event_record(*, sitting: Sitting, actor, action: str, **detail) -> SittingEvent:
    return SittingEvent.objects.create(sitting=sitting, actor=_label(actor), action=action, detail=detail)


def _locked(sitting_id: int) -> Sitting:
    return Sitting.objects.select_for_update().select_related("registration__exam").get(pk=sitting_id)


def _enqueue_grading(attempt_ids: list[int]) -> None:
    from sandbox.runtime.tasks import grade_attempt_task

    for attempt_id in attempt_ids:
        transaction.on_commit(lambda pk=attempt_id: grade_attempt_task.enqueue(pk))


def _schedule_expiry(sitting: Sitting) -> None:
    """Ask the task queue to run the auto-submit at the moment it is due (best effort: the gate
    enforces the deadline without it, and pages and ``sittings_expire`` catch up)."""
    from .tasks import sitting_expire_task

    due = sitting.submit_until
    transaction.on_commit(lambda: _enqueue_expiry(sitting_expire_task, sitting.pk, due))


def _enqueue_expiry(task, sitting_id: int, due: datetime) -> None:
    try:
        task.using(run_after=due).enqueue(sitting_id)
    except Exception:  # a backend without scheduling (immediate, dummy): the catch-ups still run
        pass


# -- start -----------------------------------------------------------------------------------------

def sitting_start(*, registration: Registration, actor) -> Sitting:
    """开始考试: inside the window, provision one sandbox per part (a random variant each) and start
    the clock. Starting again returns the same sitting (a reload, a second tab, a crash)."""
    exam = registration.exam
    now = timezone.now()
    existing = Sitting.objects.filter(registration=registration).first()
    if existing is not None:
        return existing
    if now < exam.window_start:
        raise ExamError(_("考试尚未开始（开考时间 %(at)s）")
                        % {"at": timezone.localtime(exam.window_start).strftime("%Y-%m-%d %H:%M")})
    if now >= exam.window_end:
        raise ExamError(_("考试已结束，不能再开始作答"))
    if not exam.parts.exists():
        raise ExamError(_("这场考试还没有试题"))
    serialise = _SQLITE_START_LOCK if connection.vendor == "sqlite" else nullcontext()
    try:
        with serialise:
            return _sitting_create(registration=registration, exam=exam, actor=actor, now=now)
    except OperationalError as exc:  # the database stayed busy: nothing was written, try again
        raise ExamError(_("考场人数较多，系统繁忙，请稍后再点一次“开始考试”（未产生任何数据）")) from exc


def _exam_share_lock(exam: Exam) -> None:
    """Paper edits lock the exam row FOR UPDATE and refuse once a sitting exists; a start holds it
    FOR SHARE, so starts run side by side but never under a paper edit. (SQLite: one writer anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Exam._meta.db_table} WHERE id = %s FOR SHARE", [exam.pk])


def _sitting_create(*, registration: Registration, exam: Exam, actor, now) -> Sitting:
    with transaction.atomic():
        # one sitting per registration, even when two tabs press 开始 at once
        Registration.objects.select_for_update().get(pk=registration.pk)
        _exam_share_lock(exam)
        existing = Sitting.objects.filter(registration=registration).first()
        if existing is not None:
            return existing
        sitting = Sitting.objects.create(registration=registration, started_at=now)
        parts = list(exam.parts.order_by("position"))
        for part in parts:
            try:
                attempt = attempt_start(candidate=registration.candidate, scenario_slug=part.scenario_slug,
                                        seed=secrets.randbits(31), mode=Attempt.Mode.EXAM)
            except AttemptError as exc:
                raise ExamError(exc.message) from exc
            SittingTask.objects.create(sitting=sitting, part=part, attempt=attempt)
        sitting_event_record(sitting=sitting, actor=actor, action="started",
                             deadline=sitting.deadline.isoformat(), parts=[p.scenario_slug for p in parts])
        _schedule_expiry(sitting)
    return sitting


# -- submit ----------------------------------------------------------------------------------------

def _submit_open_tasks(sitting: Sitting, *, actor) -> list[int]:
    submitted = []
    for task in sitting.tasks.select_related("attempt").order_by("part__position"):
        if task.attempt.status == Attempt.Status.IN_PROGRESS:
            attempt_submit(attempt=task.attempt, actor=actor)
            submitted.append(task.attempt_id)
    return submitted


def sitting_task_submit(*, task: SittingTask, actor) -> SittingTask:
    """交卷 one task: its sandbox freezes and grading is queued; the others go on."""
    now = timezone.now()
    with transaction.atomic():
        sitting = _locked(task.sitting_id)
        if sitting.status != Sitting.Status.IN_PROGRESS:
            raise ExamError(_("本场考试已交卷"))
        if now >= sitting.submit_until:
            raise ExamError(_("考试时间已到，系统已自动交卷"))
        attempt = Attempt.objects.select_for_update().get(pk=task.attempt_id)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise ExamError(_("该任务已交卷"))
        attempt_submit(attempt=attempt, actor=actor)
        sitting_event_record(sitting=sitting, actor=actor, action="task_submitted",
                             part=task.part.scenario_slug, attempt=attempt.pk)
        _enqueue_grading([attempt.pk])
        if not Attempt.objects.filter(sitting_task__sitting=sitting, status=Attempt.Status.IN_PROGRESS).exists():
            sitting.status = Sitting.Status.SUBMITTED
            sitting.submitted_at = now
            sitting.save(update_fields=["status", "submitted_at"])
            sitting_event_record(sitting=sitting, actor=actor, action="submitted", tasks=0)
    task.refresh_from_db()
    return task


def sitting_submit(*, sitting: Sitting, actor, auto: bool = False) -> Sitting:
    """交卷 the whole paper (the candidate, or the clock with ``auto``): every open task freezes and
    is queued for grading."""
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(sitting.pk)
        if locked.status != Sitting.Status.IN_PROGRESS:
            if auto:
                return locked
            raise ExamError(_("本场考试已交卷"))
        if not auto and now >= locked.submit_until:
            auto = True  # too late for the candidate's own 交卷: the clock's submit it is
        by = AUTO if auto else actor
        submitted = _submit_open_tasks(locked, actor=by)
        locked.status = Sitting.Status.SUBMITTED
        locked.submitted_at = now
        locked.auto_submitted = auto
        locked.save(update_fields=["status", "submitted_at", "auto_submitted"])
        sitting_event_record(sitting=locked, actor=by, action="auto_submitted" if auto else "submitted",
                             tasks=len(submitted))
        _enqueue_grading(submitted)
    return locked


def sitting_expire_due(*, now: datetime | None = None) -> list[int]:
    """Auto-submit every sitting whose time is up; returns their ids. Idempotent and safe to run
    from any number of places at once."""
    now = now or timezone.now()
    due = []
    open_sittings = Sitting.objects.filter(status=Sitting.Status.IN_PROGRESS).select_related("registration__exam")
    for sitting in open_sittings:
        if now >= sitting.submit_until:
            sitting_submit(sitting=sitting, actor=AUTO, auto=True)
            due.append(sitting.pk)
    return due


def sitting_refresh(sitting: Sitting) -> Sitting:
    """The sitting as it stands now: auto-submitted first if its time is up (pages call this, so a
    closed browser or a stopped worker never leaves a sitting open past its time)."""
    if sitting.status == Sitting.Status.IN_PROGRESS and timezone.now() >= sitting.submit_until:
        return sitting_submit(sitting=sitting, actor=AUTO, auto=True)
    return sitting


# -- extra time ------------------------------------------------------------------------------------

def registration_extra_time_grant(*, registration: Registration, minutes: int, actor, reason: str) -> Registration:
    """延长时间 for one candidate (journaled). Refused once the sitting is submitted."""
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise ExamError(_("延长时间须为正整数分钟"))
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("请填写延长时间的原因"))
    with transaction.atomic():
        locked = Registration.objects.select_for_update().select_related("exam").get(pk=registration.pk)
        if locked.extra_minutes + minutes > MAX_EXTRA_MINUTES:
            raise ExamError(_("延长时间合计不能超过 %(max)d 分钟") % {"max": MAX_EXTRA_MINUTES})
        sitting = Sitting.objects.select_for_update().filter(registration=locked).first()
        if sitting is not None and sitting.status != Sitting.Status.IN_PROGRESS:
            raise ExamError(_("该考生已交卷，不能再延长时间"))
        locked.extra_minutes += minutes
        locked.save(update_fields=["extra_minutes"])
        if sitting is not None:
            sitting.registration = locked
            sitting_event_record(sitting=sitting, actor=actor, action="extra_time", minutes=minutes,
                                 reason=reason[:500], deadline=sitting.deadline.isoformat())
            _schedule_expiry(sitting)
    return locked


def sitting_time_left(sitting: Sitting, *, now: datetime | None = None) -> timedelta:
    now = now or timezone.now()
    return max(sitting.deadline - now, timedelta(0))


def exam_window_open(exam: Exam, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return exam.window_start <= now < exam.window_end
