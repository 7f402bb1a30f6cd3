"""Read-only queries of the candidate's workspace: their registrations, a sitting's tasks and clock,
the console banner's task, one candidate's result line, the score-review window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from sandbox.exams.models import Registration, ScoreReview, Sitting, SittingTask
from sandbox.exams.scores import ResultLine, exam_results
from sandbox.exams.selectors import sandbox_exam_task
from sandbox.runtime.models import Attempt


# -- registrations and sittings --------------------------------------------------------------------

def candidate_registrations(user) -> QuerySet[Registration]:
    """The user's own registrations (the only ones a candidate's URL may name), newest exam first."""
    return (Registration.objects.filter(candidate=user).select_related("exam", "sitting")
            .order_by("-exam__window_start", "-id"))


def registration_sitting(registration: Registration) -> Sitting | None:
    try:
        return registration.sitting
    except Sitting.DoesNotExist:
        return None


def exam_window_state(exam, *, now: datetime | None = None) -> str:
    """before | open | after the exam's window (when 开始考试 is accepted)."""
    now = now or timezone.now()
    if now < exam.window_start:
        return "before"
    return "open" if now < exam.window_end else "after"


def sitting_tasks(sitting: Sitting) -> list[SittingTask]:
    """The sitting's tasks in paper order, with what the workspace shows of each."""
    return list(sitting.tasks.select_related("part", "attempt", "attempt__instance", "attempt__instance__sandbox")
                .defer("attempt__instance__baseline").order_by("part__position"))


def part_title(part) -> str:
    """The paper's own title for a part, else the scenario's title in the page's language."""
    return part.display_title


def task_submitted(task: SittingTask) -> bool:
    return task.attempt.status != Attempt.Status.IN_PROGRESS


# -- the clock -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """Where a sitting stands on the server's clock. ``time_up`` is the grace period: no more work,
    交卷 still accepted until ``submit_until``."""

    status: str  # in_progress | time_up | submitted
    now: datetime
    deadline: datetime
    submit_until: datetime
    seconds_left: int  # to the deadline
    submit_seconds_left: int  # to submit_until

    @property
    def now_iso(self) -> str:
        return _iso(self.now)

    @property
    def deadline_iso(self) -> str:
        return _iso(self.deadline)

    @property
    def submit_until_iso(self) -> str:
        return _iso(self.submit_until)

    @property
    def working(self) -> bool:
        return self.status == "in_progress"

    @property
    def may_submit(self) -> bool:
        return self.status in ("in_progress", "time_up")

    def as_json(self, submitted_tasks: list[int]) -> dict:
        return {"status": self.status, "server_now": self.now_iso, "deadline": self.deadline_iso,
                "submit_until": self.submit_until_iso, "seconds_left": self.seconds_left,
                "submit_seconds_left": self.submit_seconds_left, "submitted": self.status == "submitted",
                "submitted_tasks": submitted_tasks}


def _iso(moment: datetime) -> str:
    """UTC with milliseconds: what every browser's Date.parse reads."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _seconds(delta: timedelta) -> int:
    return max(int(delta.total_seconds()), 0)


def sitting_clock(sitting: Sitting, *, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    deadline, submit_until = sitting.deadline, sitting.submit_until
    if sitting.status != Sitting.Status.IN_PROGRESS:
        status = "submitted"
    elif now < deadline:
        status = "in_progress"
    else:
        status = "time_up"
    return Clock(status, now, deadline, submit_until, _seconds(deadline - now), _seconds(submit_until - now))


def minutes_seconds(seconds: int) -> str:
    """mm:ss (minutes may pass 59: a 120-minute paper starts at 120:00), as the script shows it."""
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


# -- the console banner ----------------------------------------------------------------------------

# Which exam task works in a sandbox is cached per sandbox (sandbox_sitting_task_id): other
# sandboxes cost no query; an exam sandbox one (the deadline and status are live data).

def banner_task(sandbox, user, request=None) -> SittingTask | None:
    """The exam task of ``user`` working in ``sandbox`` (with part and sitting → exam), or None."""
    return sandbox_exam_task(sandbox=sandbox, user=user, request=request)


# -- results ---------------------------------------------------------------------------------------

def registration_result(registration: Registration) -> ResultLine | None:
    """This candidate's line of ``exam_results`` (the one place scores are composed)."""
    for line in exam_results(registration.exam):
        if line.registration.pk == registration.pk:
            return line
    return None


# -- score reviews (成绩复核) -----------------------------------------------------------------------

def working_days_after(start: date, days: int) -> date:
    """The ``days``-th working day (Mon–Fri) after ``start``. Public holidays are not known to the
    platform and count as working days."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def review_last_day(exam) -> date | None:
    """The last day a 成绩复核 request is accepted: review_window_days working days after the
    (local) day of publication; None while results are unpublished."""
    if exam.results_published_at is None:
        return None
    return working_days_after(timezone.localdate(exam.results_published_at), exam.review_window_days)


def review_window_open(exam, *, today: date | None = None) -> bool:
    last_day = review_last_day(exam)
    return last_day is not None and (today or timezone.localdate()) <= last_day


def registration_reviews(registration: Registration) -> list[ScoreReview]:
    return list(registration.score_reviews.order_by("-filed_at", "-id"))


def review_open_exists(registration: Registration) -> bool:
    return registration.score_reviews.filter(status=ScoreReview.Status.OPEN).exists()
