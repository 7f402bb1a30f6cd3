"""Attempts (a candidate working one scenario variant) and their grade reports.

These are exam-runtime rows, not shop rows: they point at a ``ScenarioInstance`` (which points at
the candidate's sandbox, the scenario uuid/slug/version, the seed and the params) and never write
``ShopEvent``s. Status moves are declared in ``sandbox.runtime.services.ATTEMPT_PIPELINE`` and
logged with timestamps on the attempt itself (``status_log``).

A report is immutable evidence of what the grader said at the time: a regrade adds version n+1
and leaves every earlier version as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Attempt(models.Model):
    """One candidate, one scenario variant, one sandbox: from start to graded."""

    class Mode(models.TextChoices):
        EXAM = "exam", _("考试")
        PRACTICE = "practice", _("练习")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("作答中")
        SUBMITTED = "submitted", _("已交卷")
        GRADING = "grading", _("评分中")
        GRADED = "graded", _("已评分")

    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts",
                                  verbose_name=_("考生"))
    instance = models.OneToOneField("task_scenarios.ScenarioInstance", on_delete=models.PROTECT,
                                    related_name="attempt", verbose_name=_("场景实例"))
    mode = models.CharField(_("模式"), max_length=16, choices=Mode.choices, default=Mode.PRACTICE)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS,
                              db_index=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    graded_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    # [{"from": "in_progress", "to": "submitted", "at": ISO-8601, "by": "username"}, …]
    status_log = models.JSONField(_("状态记录"), default=list, blank=True)

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.instance.slug} v{self.instance.version} ({self.candidate})"


class AttemptReportQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("AttemptReport rows are immutable: regrade to add a new version")


class AttemptReport(models.Model):
    """What the grader said about an attempt, version by version (1, 2, …); never changed."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="reports", verbose_name=_("作答"))
    version = models.PositiveIntegerField(_("版本"))
    total = models.DecimalField(_("得分"), max_digits=8, decimal_places=2)
    max = models.DecimalField(_("满分"), max_digits=8, decimal_places=2)
    report = models.JSONField(_("评分报告"), encoder=DjangoJSONEncoder)  # autograder.engine.GradeReport.as_dict()
    grader_version = models.CharField(_("评分程序版本"), max_length=40)
    created_at = models.DateTimeField(_("评分时间"), auto_now_add=True)

    objects = AttemptReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("评分报告")
        verbose_name_plural = _("评分报告")
        ordering = ["attempt_id", "version"]
        constraints = [models.UniqueConstraint(fields=["attempt", "version"], name="unique_attempt_report_version")]

    def __str__(self) -> str:
        return f"#{self.attempt_id} v{self.version}: {self.total}/{self.max}"

    def save(self, *args, **kwargs):
        # An integrity guard, not a business rule: a stored report is evidence and is never rewritten.
        if not self._state.adding:
            raise TypeError("AttemptReport rows are immutable: regrade to add a new version")
        super().save(*args, **kwargs)
