"""Practice (培训练习): trainers publish scenarios to classes; candidates start, grade and reset
practice attempts as often as they like.

Practice runs on the exam runtime (``sandbox.runtime``): a practice attempt is an ``Attempt`` with
mode=practice and is graded by the same queue task as an exam. What differs is the status
handling, which stays the runtime's pipeline as data: asking for grading submits the attempt
(in_progress → submitted) and queues ``grade_attempt_task`` (→ grading → graded); going back to
work after a report is the practice-only move graded → in_progress (``attempt_resume``), and a
graded attempt can always be regraded (graded → grading). Nothing is ever frozen for good, and
every report version stays. A reset starts a new attempt (a fresh sandbox and a new variant) and
leaves the old one and its reports as they were.

Refusals raise ``PracticeError`` with a message for the person; nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus

from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import AttemptError, attempt_resume, attempt_scenario, attempt_start, attempt_submit
from sandbox.runtime.tasks import grade_attempt_task
from shop_sim.services.base import ShopError

from .models import PracticePublication, TrainingClass
from .selectors import attempt_superseded, candidate_may_practise, catalog_entry, grading_failure, user_is_admin

S = Attempt.Status
PRACTICE = Attempt.Mode.PRACTICE


class PracticeError(Exception):
    """A practice operation refused for a reason the person can read (nothing was written)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- classes and publications ----------------------------------------------------------------------

def training_class_create(*, name: str, trainer) -> TrainingClass:
    """A new class of ``trainer``; names are unique per trainer so a class is easy to find again."""
    name = (name or "").strip()
    if not name:
        raise PracticeError(_("请填写班级名称"))
    with transaction.atomic():
        if TrainingClass.objects.filter(trainer=trainer, name=name).exists():
            raise PracticeError(_("已有同名班级“%(name)s”") % {"name": name})
        return TrainingClass.objects.create(name=name, trainer=trainer)


def training_class_member_add(*, training_class: TrainingClass, user, actor) -> None:
    """Enrol a candidate (only candidates practise: the permission accounts.sit_exam)."""
    _require_manager(training_class, actor)
    if not user.has_perm("accounts.sit_exam"):
        raise PracticeError(_("%(name)s 不是考生，不能加入班级") % {"name": user.get_username()})
    with transaction.atomic():
        training_class.members.add(user)


def _require_manager(training_class: TrainingClass, actor) -> None:
    if training_class.trainer_id != actor.pk and not user_is_admin(actor):
        raise PracticeError(_("只有本班级的培训师可以管理本班级"))


def publication_create(*, training_class: TrainingClass, scenario_slug: str, actor) -> PracticePublication:
    """Open a catalog scenario to the class. Only a scenario that loads can be published: a
    candidate must never start a task that cannot be provisioned or graded."""
    _require_manager(training_class, actor)
    entry = catalog_entry(scenario_slug)
    if entry is None:
        raise PracticeError(_("场景目录中没有“%(slug)s”") % {"slug": scenario_slug})
    if not entry.loads:
        raise PracticeError(_("场景“%(slug)s”无法载入（%(n)d 个问题），不能发布")
                            % {"slug": scenario_slug, "n": len(entry.problems)})
    try:
        with transaction.atomic():
            if training_class.publications.filter(scenario_slug=scenario_slug).exists():
                raise PracticeError(_("“%(title)s”已发布给本班级") % {"title": entry.title})
            return PracticePublication.objects.create(training_class=training_class, scenario_slug=scenario_slug,
                                                      published_by=actor, published_at=timezone.now())
    except IntegrityError as exc:  # published by someone else a moment ago
        raise PracticeError(_("“%(title)s”已发布给本班级") % {"title": entry.title}) from exc


def publication_delete(*, training_class: TrainingClass, scenario_slug: str, actor) -> None:
    """Stop practice of a scenario for the class; attempts made so far and their reports stay."""
    _require_manager(training_class, actor)
    with transaction.atomic():
        deleted, _rows = training_class.publications.filter(scenario_slug=scenario_slug).delete()
    if not deleted:
        raise PracticeError(_("该场景未发布给本班级"))


# -- attempts --------------------------------------------------------------------------------------

def _require_owner(attempt: Attempt, actor) -> None:
    if attempt.candidate_id != actor.pk or attempt.mode != PRACTICE:
        raise PracticeError(_("这不是你的练习"))


def _current_attempt(candidate, slug: str) -> Attempt | None:
    return (Attempt.objects.filter(candidate=candidate, mode=PRACTICE, instance__slug=slug)
            .select_related("instance").defer("instance__baseline").order_by("-started_at", "-id").first())


def _new_attempt(candidate, slug: str) -> Attempt:
    try:
        return attempt_start(candidate=candidate, scenario_slug=slug, mode=PRACTICE)
    except AttemptError as exc:
        raise PracticeError(exc.message) from exc
    except ShopError as exc:  # the scenario's setup refused to build the shop
        raise PracticeError(_("练习环境创建失败：%(error)s") % {"error": exc}) from exc


def practice_start(*, candidate, scenario_slug: str) -> tuple[Attempt, bool]:
    """The candidate's current practice of ``scenario_slug``, created (a fresh sandbox) if there is
    none yet. Returns (attempt, created): starting twice never builds a second sandbox — a fresh
    one is what ``practice_reset`` is for."""
    if not candidate_may_practise(candidate, scenario_slug):
        raise PracticeError(_("该任务没有发布给你所在的班级"))
    current = _current_attempt(candidate, scenario_slug)
    if current is not None:
        return current, False
    return _new_attempt(candidate, scenario_slug), True


def practice_reset(*, attempt: Attempt, actor) -> Attempt:
    """重置沙箱: a new attempt of the same scenario in a fresh sandbox, with a new variant (new order
    numbers and values, so practice is not memorising). The old attempt keeps its sandbox and
    reports and is no longer the current one."""
    _require_owner(attempt, actor)
    slug = attempt.instance.slug
    if attempt_superseded(attempt):
        raise PracticeError(_("这次练习已经重置过，请在最新的练习中操作"))
    if Attempt.objects.filter(pk=attempt.pk, status=S.GRADING).exists():
        raise PracticeError(_("正在评分中，请等评分完成后再重置"))
    if not candidate_may_practise(actor, slug):
        raise PracticeError(_("该任务已停止发布，不能重新开始"))
    return _new_attempt(actor, slug)


def practice_resume(*, attempt: Attempt, actor) -> Attempt:
    """Back to work in the console: a graded practice attempt becomes in progress again, so the
    status says what the candidate is doing. Any other status stays (a queued grading must not
    be disturbed)."""
    _require_owner(attempt, actor)
    if attempt.status != S.GRADED:
        return attempt
    return attempt_resume(attempt=attempt, actor=actor)


@dataclass(frozen=True)
class GradeRequest:
    """What the page needs to follow one grading request: the queued task, the report version that
    was newest when it was asked for, and when — a newer version means done."""

    attempt_id: int
    task_id: str
    after_version: int
    requested_at: str
    failure: str = ""  # known at once when the backend ran the task immediately and it failed

    def as_session(self) -> dict:
        return {"task": self.task_id, "after": self.after_version, "at": self.requested_at, "failure": self.failure}


def practice_grade_request(*, attempt: Attempt, actor) -> GradeRequest:
    """提交评分: submit the attempt (if still in progress) and queue ``grade_attempt_task``, in one
    transaction so a request is never lost. Refused for another candidate's attempt, a reset
    (superseded) attempt, an attempt being graded now, and a scenario that cannot grade it (the
    catalog's version changed, or it no longer loads) — that last one is said at once, rather than
    after a round trip through the queue."""
    _require_owner(attempt, actor)
    if attempt_superseded(attempt):
        raise PracticeError(_("这次练习已经重置过，请在最新的练习中提交评分"))
    try:
        attempt_scenario(attempt)
    except AttemptError as exc:
        raise PracticeError(exc.message) from exc
    requested_at = timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status == S.GRADING:
            raise PracticeError(_("正在评分中，请稍候"))
        after = AttemptReport.objects.filter(attempt=locked).aggregate(n=Max("version"))["n"] or 0
        if locked.status == S.IN_PROGRESS:
            attempt_submit(attempt=locked, actor=actor)
        result = grade_attempt_task.enqueue(locked.pk)
    failure = ""
    if result.status == TaskResultStatus.FAILED:  # an immediate backend ran it already
        attempt.refresh_from_db(fields=["status", "status_log"])
        failure = grading_failure(attempt, since=requested_at, errors=result.errors) or ""
    return GradeRequest(attempt_id=attempt.pk, task_id=str(result.id), after_version=after,
                        requested_at=requested_at.isoformat(), failure=failure)
