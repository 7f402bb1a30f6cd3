"""Writes of the candidate's workspace that are not exam delivery itself: filing a 成绩复核
(score review). Starting, submitting and the clock are ``sandbox.exams.services``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox.exams.models import Registration, ScoreReview, Sitting
from sandbox.exams.services import ExamError, sitting_event_record

from . import selectors

REVIEW_REASON_MAX = 1000


def score_review_file(*, registration: Registration, reason: str) -> ScoreReview:
    """成绩复核: a candidate asks for their scores to be reviewed — only after publication, within the
    exam's review window (working days), one open request at a time. Journaled on the sitting."""
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("请填写复核理由"))
    if len(reason) > REVIEW_REASON_MAX:
        raise ExamError(_("复核理由不能超过 %(max)d 个字") % {"max": REVIEW_REASON_MAX})
    now = timezone.now()
    with transaction.atomic():
        # the registration row is the lock: two tabs filing at once make one request
        locked = Registration.objects.select_for_update().select_related("exam", "candidate").get(pk=registration.pk)
        last_day = selectors.review_last_day(locked.exam)
        if last_day is None:
            raise ExamError(_("成绩尚未发布，发布后才能申请复核"))
        if timezone.localdate(now) > last_day:
            raise ExamError(_("复核申请期限已过（截至 %(date)s）") % {"date": last_day.isoformat()})
        if locked.score_reviews.filter(status=ScoreReview.Status.OPEN).exists():
            raise ExamError(_("你已有一份待处理的复核申请，处理完成后才能再次申请"))
        review = ScoreReview.objects.create(registration=locked, reason=reason, filed_at=now)
        sitting = Sitting.objects.filter(registration=locked).first()
        if sitting is not None:
            sitting_event_record(sitting=sitting, actor=locked.candidate, action="review_filed", review=review.pk)
    return review
