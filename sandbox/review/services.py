"""What examiners change: publishing results, regrades (dry run first), manual scores and 成绩复核.

Each function checks its rules, writes in one short transaction and journals the move on the
candidate's sitting (``SittingEvent``) where there is one. Refusals raise ``ReviewError`` with a
message for the page and write nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox.exams.models import Exam, ManualScore, RegradePreview, Registration, ScoreReview, Sitting, SittingTask
from sandbox.exams.scores import exam_results
from sandbox.exams.services import sitting_event_record
from sandbox.runtime.models import Attempt, AttemptReport

from . import selectors

MAX_COMMENT = 2000
MAX_RESOLUTION = 2000
SETTLED_LEVEL = "核定"  # the level of a ManualScore that settles a 未评定 criterion (stored, like levels, as written)
REGRADABLE = (Attempt.Status.SUBMITTED, Attempt.Status.GRADED)


class ReviewError(Exception):
    """An examiner's action refused for a reason the page shows (nothing was written)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def _sitting_of(attempt: Attempt) -> Sitting | None:
    task = SittingTask.objects.filter(attempt=attempt).select_related("sitting").first()
    return task.sitting if task else None


def _journal(attempt: Attempt, *, actor, action: str, **detail) -> None:
    sitting = _sitting_of(attempt)
    if sitting is not None:
        sitting_event_record(sitting=sitting, actor=actor, action=action, attempt=attempt.pk, **detail)


# -- the live board --------------------------------------------------------------------------------

def registration_login_unlock(*, registration: Registration, actor) -> None:
    """解除登录限制: the candidate's ticket and username may try again at once. Journalled in the login
    unlock journal (who, when) and, once the candidate has started, on their sitting too."""
    from sandbox.accounts.throttling import login_unlock

    with transaction.atomic():
        login_unlock(keys=selectors.registration_login_keys(registration), actor=actor,
                     detail={"exam": registration.exam_id, "registration": registration.pk})
        sitting = Sitting.objects.filter(registration=registration).first()
        if sitting is not None:
            sitting_event_record(sitting=sitting, actor=actor, action="login_unlock")


# -- results ---------------------------------------------------------------------------------------

def exam_results_publish(*, exam: Exam, actor) -> Exam:
    """发布成绩: only when every started sitting is complete (submitted, every task graded, every
    manual criterion scored); candidates see their results from then on."""
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        if locked.results_published_at is not None:
            raise ReviewError(_("成绩已于 %(at)s 发布")
                              % {"at": timezone.localtime(locked.results_published_at).strftime("%Y-%m-%d %H:%M")})
        problems = selectors.publish_blockers(locked, exam_results(locked))
        if problems:
            raise ReviewError(_("还有 %(n)d 项未完成，暂不能发布成绩") % {"n": len(problems)}, problems)
        locked.results_published_at = timezone.now()
        locked.save(update_fields=["results_published_at"])
        for sitting in Sitting.objects.filter(registration__exam=locked):
            sitting_event_record(sitting=sitting, actor=actor, action="results_published")
    return locked


# -- regrade ---------------------------------------------------------------------------------------

def regrade_preview_request(*, attempt: Attempt, actor) -> RegradePreview:
    """试评: queue a dry-run grade of a submitted or graded attempt; nothing about the attempt
    changes. A preview already waiting is returned instead of queueing a second one."""
    from .tasks import regrade_preview_task

    attempt = Attempt.objects.get(pk=attempt.pk)
    if attempt.status not in REGRADABLE:
        raise ReviewError(_("该作答尚未交卷或正在评分，不能试评"))
    waiting = RegradePreview.objects.filter(attempt=attempt, status=RegradePreview.Status.PENDING).first()
    if waiting is not None:
        return waiting
    with transaction.atomic():
        preview = RegradePreview.objects.create(attempt=attempt, requested_by=actor)
        transaction.on_commit(lambda: regrade_preview_task.enqueue(preview.pk))
    return preview


def _json_ready(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def regrade_preview_run(*, preview: RegradePreview) -> RegradePreview:
    """Run the dry run (the worker calls this): the grader's report is kept on the preview, never as
    a report version; a grader that cannot run is recorded as the preview's error."""
    from sandbox.runtime.services import attempt_grade

    if preview.status != RegradePreview.Status.PENDING:
        return preview
    try:
        report = attempt_grade(attempt=preview.attempt, dry_run=True)
    except Exception as exc:  # anything the grader raises is the examiner's to read, not a 500
        preview.status = RegradePreview.Status.FAILED
        preview.error = (getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")[:2000]
    else:
        preview.status = RegradePreview.Status.DONE
        preview.result = _json_ready(report.as_dict())
    preview.save(update_fields=["status", "result", "error"])
    return preview


def regrade_confirm(*, preview: RegradePreview, actor) -> None:
    """重新评分 after a finished dry run: the attempt is queued for a real grade, which stores the
    next report version (every earlier version stays)."""
    from sandbox.runtime.tasks import grade_attempt_task

    if preview.status != RegradePreview.Status.DONE:
        raise ReviewError(_("试评尚未完成，不能确认重新评分"))
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=preview.attempt_id)
        if attempt.status not in REGRADABLE:
            raise ReviewError(_("该作答正在评分中，请稍后再试"))
        version = AttemptReport.objects.filter(attempt=attempt).count()
        _journal(attempt, actor=actor, action="regrade_requested", preview=preview.pk, after_version=version)
        transaction.on_commit(lambda: grade_attempt_task.enqueue(attempt.pk))


# -- manual scores ---------------------------------------------------------------------------------

def manual_score_record(*, attempt: Attempt, criterion_id: str, level: str, comment: str, examiner) -> ManualScore:
    """人工评分: one level of the criterion's descriptors for one exam attempt. Earlier scores stay
    as history; the newest counts."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewError(_("评语不能超过 %(n)d 字") % {"n": MAX_COMMENT})
    if attempt.mode != Attempt.Mode.EXAM:
        raise ReviewError(_("只能为考试作答评分"))
    report = AttemptReport.objects.filter(attempt=attempt).order_by("-version").first()
    item = selectors.manual_criterion(report, criterion_id)
    if item is None:
        raise ReviewError(_("“%(id)s”不是该答卷最新评分报告中的人工评分项") % {"id": criterion_id})
    descriptors, _guidance = selectors.manual_scale(attempt, item)
    chosen = next((d for d in descriptors if d["level"] == level), None)
    if chosen is None:
        raise ReviewError(_("档次“%(level)s”不在该评分项的评分标准中") % {"level": level})
    points = min(Decimal(chosen["points"]), Decimal(str(item.get("points", chosen["points"]))))
    with transaction.atomic():
        score = ManualScore.objects.create(attempt=attempt, criterion_id=criterion_id, level=level, points=points,
                                           comment=comment, examiner=examiner)
        _journal(attempt, actor=examiner, action="manual_scored", criterion=criterion_id, level=level,
                 points=str(points), report_version=report.version)
    return score


def criterion_settle(*, attempt: Attempt, criterion_id: str, points: Decimal, reason: str, examiner) -> ManualScore:
    """核定: an examiner's score for a criterion the grader could not judge (未评定) in the attempt's
    latest report — after looking at the work (replay, shop) themselves. Kept as a ManualScore row
    (level 核定), so it counts like a manual score and stays in the history; a later regrade that
    judges the criterion makes it moot."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("请写明核定的依据"))
    if len(reason) > MAX_COMMENT:
        raise ReviewError(_("核定依据不能超过 %(n)d 字") % {"n": MAX_COMMENT})
    if attempt.mode != Attempt.Mode.EXAM:
        raise ReviewError(_("只能核定考试作答的评分项"))
    report = AttemptReport.objects.filter(attempt=attempt).order_by("-version").first()
    item = selectors.not_evaluated_criterion(report, criterion_id)
    if item is None:
        raise ReviewError(_("“%(id)s”不是该答卷最新评分报告中未评定的评分项") % {"id": criterion_id})
    most = Decimal(str(item.get("points", "0")))
    points = Decimal(points)
    if not (Decimal(0) <= points <= most) or points != points.quantize(Decimal("0.01")):
        raise ReviewError(_("核定分数应在 0 到 %(max)s 之间，最多两位小数") % {"max": most})
    with transaction.atomic():
        score = ManualScore.objects.create(attempt=attempt, criterion_id=criterion_id, level=SETTLED_LEVEL,
                                           points=points, comment=reason, examiner=examiner)
        _journal(attempt, actor=examiner, action="criterion_settled", criterion=criterion_id, points=str(points),
                 report_version=report.version)
    return score


# -- 成绩复核 --------------------------------------------------------------------------------------

def score_review_resolve(*, review: ScoreReview, outcome: str, resolution: str, actor) -> ScoreReview:
    """Resolve a 成绩复核 with a reason. "成绩已更正" needs the correction to exist: a report version or
    a manual score of the candidate's attempts made after the request was filed."""
    resolution = (resolution or "").strip()
    if outcome not in ScoreReview.Outcome.values:
        raise ReviewError(_("请选择处理结果"))
    if not resolution:
        raise ReviewError(_("请填写处理说明"))
    if len(resolution) > MAX_RESOLUTION:
        raise ReviewError(_("处理说明不能超过 %(n)d 字") % {"n": MAX_RESOLUTION})
    with transaction.atomic():
        locked = ScoreReview.objects.select_for_update().select_related("registration").get(pk=review.pk)
        if locked.status != ScoreReview.Status.OPEN:
            raise ReviewError(_("该复核申请已处理"))
        if outcome == ScoreReview.Outcome.CHANGED:
            attempts = Attempt.objects.filter(sitting_task__sitting__registration=locked.registration)
            corrected = (AttemptReport.objects.filter(attempt__in=attempts, created_at__gt=locked.filed_at).exists()
                         or ManualScore.objects.filter(attempt__in=attempts, at__gt=locked.filed_at).exists())
            if not corrected:
                raise ReviewError(_("申请提交后该考生没有新的评分版本或人工评分：请先重新评分或修改人工评分，再选择“成绩已更正”"))
        locked.status = ScoreReview.Status.RESOLVED
        locked.outcome = outcome
        locked.resolution = resolution
        locked.resolved_by = actor
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "outcome", "resolution", "resolved_by", "resolved_at"])
        sitting = Sitting.objects.filter(registration=locked.registration).first()
        if sitting is not None:
            sitting_event_record(sitting=sitting, actor=actor, action="score_review_resolved", review=locked.pk,
                                 outcome=outcome)
    return locked
