"""Exams (考试), their papers, registered candidates, sittings and everything examiners add.

An ``Exam`` is a level, a paper (ordered ``ExamPart``s: catalog scenarios with weights), a duration
and a time window. A ``Registration`` is one candidate admitted to one exam with an admission-ticket
number (准考证号). Starting the exam creates the ``Sitting``: one ``runtime.Attempt`` (mode=exam) per
part, linked by ``SittingTask``. The deadline lives in the database (start + duration + extra time,
never past the window's end + extra time), so reloads, second tabs and server restarts all see the
same clock.

Exam-level moves (started, task submitted, auto-submitted, extra time, …) are journaled in
``SittingEvent``; shop changes are journaled by the shop itself (``shop_sim.ShopEvent``). Both are
append-only.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop_sim.models.tenancy import ActionVocabulary


class Level(models.TextChoices):
    L5 = "5", _("五级 / 初级工")
    L4 = "4", _("四级 / 中级工")
    L3 = "3", _("三级 / 高级工")
    L2 = "2", _("二级 / 技师")
    L1 = "1", _("一级 / 高级技师")


class IdType(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    OTHER = "other", _("其他")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("journal rows are append-only")


class Exam(models.Model):
    """One exam an organisation runs: a level, a paper, a duration and a window."""

    class TimeoutPolicy(models.TextChoices):
        AUTO_SUBMIT = "auto_submit", _("到时自动交卷")
        GRACE = "grace", _("到时停止作答，宽限期内可交卷")

    name = models.CharField(_("考试名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=2, choices=Level.choices, default=Level.L4)
    duration_minutes = models.PositiveIntegerField(_("考试时长（分钟）"), default=90,
                                                   validators=[MinValueValidator(1), MaxValueValidator(600)])
    window_start = models.DateTimeField(_("开考时间"))
    window_end = models.DateTimeField(_("截止时间"))
    timeout_policy = models.CharField(_("到时处理"), max_length=16, choices=TimeoutPolicy.choices,
                                      default=TimeoutPolicy.AUTO_SUBMIT)
    grace_minutes = models.PositiveIntegerField(_("宽限期（分钟）"), default=5, validators=[MaxValueValidator(60)])
    module_weight = models.PositiveSmallIntegerField(
        _("过程模块测验占比（%）"), default=30, validators=[MaxValueValidator(100)],
        help_text=_("其余为终结式考试（操作技能）占比；0 表示只计操作技能成绩"))
    pass_mark = models.DecimalField(_("合格线"), max_digits=5, decimal_places=2, default=Decimal("60"))
    review_window_days = models.PositiveSmallIntegerField(_("复核申请期限（工作日）"), default=10)
    rules = models.TextField(_("考场规则"), blank=True)
    results_published_at = models.DateTimeField(_("成绩发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考试")
        verbose_name_plural = _("考试")
        ordering = ["-window_start", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None


class ExamPart(models.Model):
    """One task of the paper: a catalog scenario and its weight in the operational score."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="parts", verbose_name=_("考试"))
    position = models.PositiveSmallIntegerField(_("顺序"))
    scenario_slug = models.CharField(_("场景标识"), max_length=80)
    title = models.CharField(_("题目名称"), max_length=100, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=Decimal("1"),
                                 validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["exam_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "position"], name="unique_exam_part_position"),
            models.UniqueConstraint(fields=["exam", "scenario_slug"], name="unique_exam_part_scenario"),
        ]

    def __str__(self) -> str:
        return f"{self.exam} · {self.position}. {self.display_title}"

    @property
    def display_title(self) -> str:
        """The part's name as pages and exports show it: the paper's own title, or — when the paper left
        it blank or kept the scenario's default (its Chinese title) — the scenario's title in the page's
        language. Never the slug: a part whose scenario left the catalog reads as 第 n 题."""
        from django.utils.translation import get_language

        from sandbox.practice.selectors import catalog_entry, localized

        if self.title and not (get_language() or "").startswith("en"):
            return self.title  # the paper's own (Chinese) title: no catalog read on every console page
        entry = catalog_entry(self.scenario_slug)
        if entry is not None and entry.loads:
            spec_title = entry.scenario.spec.title
            if not self.title or self.title == spec_title.zh[:100]:
                return localized(spec_title)
        return self.title or _("第 %(n)d 题") % {"n": self.position}

    @property
    def scenario_title(self) -> str:
        """The catalog scenario's title in the page's language (the slug only if it left the catalog)."""
        from sandbox.practice.selectors import scenario_title

        return scenario_title(self.scenario_slug)


class Registration(models.Model):
    """A candidate admitted to an exam (报名), with the admission ticket number (准考证号)."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("考试"))
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations",
                                  verbose_name=_("考生账号"))
    full_name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = models.CharField(_("证件号码"), max_length=30)
    ticket_number = models.CharField(_("准考证号"), max_length=20, unique=True)
    photo = models.ImageField(_("照片"), upload_to="exam-photos/", blank=True)
    module_score = models.DecimalField(_("过程模块测验成绩"), max_digits=5, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0), MaxValueValidator(100)])
    theory_score = models.DecimalField(_("理论知识成绩"), max_digits=5, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0), MaxValueValidator(100)])
    extra_minutes = models.PositiveIntegerField(_("延长时间（分钟）"), default=0)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考生报名")
        verbose_name_plural = _("考生报名")
        ordering = ["exam_id", "ticket_number"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "id_number"], name="unique_registration_id_number"),
            models.UniqueConstraint(fields=["exam", "candidate"], name="unique_registration_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_number} {self.full_name}"


class Sitting(models.Model):
    """One registration's run of the exam, from 开始考试 to 交卷 (by the candidate or the clock)."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("作答中")
        SUBMITTED = "submitted", _("已交卷")

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="sitting",
                                        verbose_name=_("考生报名"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS,
                              db_index=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("自动交卷"), default=False)

    class Meta:
        verbose_name = _("考试作答")
        verbose_name_plural = _("考试作答")
        ordering = ["registration__exam_id", "registration__ticket_number"]

    def __str__(self) -> str:
        return f"{self.registration} ({self.get_status_display()})"

    @property
    def deadline(self):
        """When writing stops: start + duration + extra time, and never past the window's end
        (+ extra time) — a late start does not buy time past the window."""
        registration = self.registration
        exam = registration.exam
        extra = timedelta(minutes=registration.extra_minutes)
        return min(self.started_at + timedelta(minutes=exam.duration_minutes) + extra, exam.window_end + extra)

    @property
    def submit_until(self):
        """The last moment a candidate's own 交卷 is accepted (the deadline, or + the grace period);
        past it the clock submits."""
        exam = self.registration.exam
        if exam.timeout_policy == Exam.TimeoutPolicy.GRACE:
            return self.deadline + timedelta(minutes=exam.grace_minutes)
        return self.deadline


class SittingTask(models.Model):
    """The attempt a sitting made at one part of the paper."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("考试作答"))
    part = models.ForeignKey(ExamPart, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("试题"))
    attempt = models.OneToOneField("runtime.Attempt", on_delete=models.PROTECT, related_name="sitting_task",
                                   verbose_name=_("作答"))

    class Meta:
        verbose_name = _("考试任务")
        verbose_name_plural = _("考试任务")
        ordering = ["sitting_id", "part__position"]
        constraints = [models.UniqueConstraint(fields=["sitting", "part"], name="unique_sitting_part")]

    def __str__(self) -> str:
        return f"{self.sitting} · {self.part}"


class SittingAction(ActionVocabulary):
    """Every ``SittingEvent.action`` with how a person reads it (the exam half of the journal's
    vocabulary; the shop half is ``shop_sim.models.ShopAction``). The stored codes never change."""

    STARTED = "started", _("开始考试")
    TASK_SUBMITTED = "task_submitted", _("提交本题")
    SUBMITTED = "submitted", _("交卷")
    AUTO_SUBMITTED = "auto_submitted", _("到时自动交卷")
    EXTRA_TIME = "extra_time", _("延长时间")
    LOGIN_UNLOCK = "login_unlock", _("解除登录锁定")
    RESULTS_PUBLISHED = "results_published", _("发布成绩")
    REGRADE_REQUESTED = "regrade_requested", _("申请重新评分")
    MANUAL_SCORED = "manual_scored", _("人工评分")
    CRITERION_SETTLED = "criterion_settled", _("核定评分项")
    REVIEW_FILED = "review_filed", _("申请成绩复核")
    SCORE_REVIEW_RESOLVED = "score_review_resolved", _("处理成绩复核")


# How the keys of an exam event's ``detail`` read.
SITTING_DETAIL_LABELS = {
    "deadline": _("截止时间"), "parts": _("试题"), "part": _("试题"), "attempt": _("作答"),
    "tasks": _("题数"), "minutes": _("分钟"), "reason": _("原因"), "preview": _("试评"),
    "after_version": _("报告版本"), "report_version": _("报告版本"), "criterion": _("评分项"),
    "level": _("等级"), "points": _("得分"), "review": _("复核申请"), "outcome": _("结果"),
}


class SittingEvent(models.Model):
    """The exam journal: who did what to a sitting and when (append-only)."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="events", verbose_name=_("考试作答"))
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.CharField(_("操作者"), max_length=100)
    action = models.CharField(_("动作"), max_length=40)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("考试事件")
        verbose_name_plural = _("考试事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.actor} {self.action}"

    def save(self, *args, **kwargs):
        # integrity guard, not a business rule: the journal is evidence
        if not self._state.adding:
            raise TypeError("journal rows are append-only")
        super().save(*args, **kwargs)


class ManualScore(models.Model):
    """An examiner's score for one manual criterion of one attempt. Rows are kept: the latest per
    (attempt, criterion) counts, earlier ones are the history."""

    attempt = models.ForeignKey("runtime.Attempt", on_delete=models.PROTECT, related_name="manual_scores",
                                verbose_name=_("作答"))
    criterion_id = models.CharField(_("评分项"), max_length=80)
    level = models.CharField(_("档次"), max_length=40)
    points = models.DecimalField(_("得分"), max_digits=8, decimal_places=2)
    comment = models.TextField(_("评语"), blank=True)
    examiner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("考评员"))
    at = models.DateTimeField(_("评分时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("人工评分")
        verbose_name_plural = _("人工评分")
        ordering = ["attempt_id", "criterion_id", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.attempt_id} {self.criterion_id}: {self.points}"


class RegradePreview(models.Model):
    """A dry-run regrade an examiner asked for: what the grader would say now, not stored as a report."""

    class Status(models.TextChoices):
        PENDING = "pending", _("评分中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    attempt = models.ForeignKey("runtime.Attempt", on_delete=models.CASCADE, related_name="regrade_previews",
                                verbose_name=_("作答"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(_("试评结果"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("重新评分试评")
        verbose_name_plural = _("重新评分试评")
        ordering = ["-requested_at", "-id"]


class ScoreReview(models.Model):
    """成绩复核: a candidate's request after publication, resolved by an examiner with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")

    class Outcome(models.TextChoices):
        UNCHANGED = "unchanged", _("维持原成绩")
        CHANGED = "changed", _("成绩已更正")

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="score_reviews",
                                     verbose_name=_("考生报名"))
    reason = models.TextField(_("复核理由"), max_length=1000)
    filed_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("处理说明"), blank=True, max_length=2000)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("处理人"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("成绩复核")
        verbose_name_plural = _("成绩复核")
        ordering = ["-filed_at", "-id"]
