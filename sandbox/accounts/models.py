"""Role permissions that belong to no shop table, declared on an unmanaged model; login throttling's
counts and the examiners' unlock journal."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RolePermission(models.Model):
    """Holds the platform's own permissions; no table is created."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("sit_exam", "Can sit exams and practise"),
            ("review_attempts", "Can review attempts, replays and scores"),
            ("grade_manually", "Can enter manual scores"),
            ("manage_exams", "Can create exams and register candidates"),
            ("author_scenarios", "Can write, validate and verify scenarios"),
            ("view_class_results", "Can see practice results of a class"),
            ("review_exams", "Can watch sittings, review exam attempts and replays, publish results"),
            ("view_exam_statistics", "Can see exam statistics per criterion"),
        ]


class LoginLane(models.TextChoices):
    """The two ways in, throttled apart: a neighbour's wrong passwords never slow a ticket login."""

    PASSWORD = "password", _("用户名密码")
    TICKET = "ticket", _("准考证")


class LoginThrottle(models.Model):
    """One identity's (username's or ticket number's) run of failed logins, from any address.

    Every attempt is charged here before the credential is checked and the charge is taken back on
    success, so parallel guesses cannot slip past the count.
    """

    lane = models.CharField(_("登录方式"), max_length=10, choices=LoginLane.choices)
    identity = models.CharField(_("账号"), max_length=150)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        constraints = [models.UniqueConstraint(fields=["lane", "identity"], name="login_throttle_identity")]

    def __str__(self) -> str:
        return f"{self.lane}:{self.identity} ×{self.failures}"


class LoginFailure(models.Model):
    """One failed (or still unresolved) attempt and where it came from: what the per-address limits
    count. An identity's rows are dropped when it logs in, so a hall's typos do not pile up."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    lane = models.CharField(_("登录方式"), max_length=10, choices=LoginLane.choices)
    identity = models.CharField(_("账号"), max_length=150)
    address = models.CharField(_("地址"), max_length=45)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["address", "at"], name="login_failure_address"),
                   models.Index(fields=["lane", "identity"], name="login_failure_identity")]


class LoginUnlock(models.Model):
    """The journal of examiners lifting a login limit: who, when, for which identities (append-only)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.CharField(_("操作者"), max_length=150)
    identities = models.JSONField(_("账号"), default=list)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("登录解锁记录")
        verbose_name_plural = _("登录解锁记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor}"

    def save(self, *args, **kwargs):
        # integrity guard, not a business rule: the journal is evidence
        if not self._state.adding:
            raise TypeError("journal rows are append-only")
        super().save(*args, **kwargs)
