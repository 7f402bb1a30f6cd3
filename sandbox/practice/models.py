"""Training classes and the scenarios their trainer publishes for practice (培训练习).

A candidate may practise every scenario published to a class they belong to. Practice attempts
themselves are ordinary ``runtime.Attempt`` rows (mode=practice) owned by the candidate; they are
not tied to a class, so a candidate in two classes has one practice history that both trainers see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TrainingClass(models.Model):
    """A trainer's class of candidates (培训班级)."""

    name = models.CharField(_("班级名称"), max_length=100)
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="classes_taught",
                                verbose_name=_("培训师"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="training_classes", blank=True,
                                     verbose_name=_("学员"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("培训班级")
        verbose_name_plural = _("培训班级")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["trainer", "name"], name="unique_training_class_name")]

    def __str__(self) -> str:
        return self.name


class PracticePublication(models.Model):
    """One catalog scenario opened to one class for practice."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="publications",
                                       verbose_name=_("班级"))
    scenario_slug = models.CharField(_("场景标识"), max_length=80)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    class Meta:
        verbose_name = _("练习发布")
        verbose_name_plural = _("练习发布")
        ordering = ["training_class_id", "scenario_slug"]
        constraints = [models.UniqueConstraint(fields=["training_class", "scenario_slug"],
                                               name="unique_practice_publication")]

    def __str__(self) -> str:
        return f"{self.training_class} · {self.scenario_slug}"
