"""Which scenario, variant and starting state a sandbox was built for; cached template shops."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScenarioInstance(models.Model):
    """A candidate's sandbox as built for one scenario variant: the grader's frame of reference.

    ``baseline`` is the shop as it stood when the candidate got it (zlib of canonical JSON, see
    task_scenarios.snapshot); the grader diffs the frozen shop against it for collateral damage, so
    a regrade months later still knows what the candidate started from.
    """

    sandbox = models.OneToOneField("shop_sim.Sandbox", on_delete=models.CASCADE, related_name="scenario_instance",
                                   verbose_name=_("沙箱"))
    scenario_uuid = models.UUIDField(_("场景UUID"), db_index=True)
    slug = models.CharField(_("场景标识"), max_length=80)
    version = models.PositiveIntegerField(_("场景版本"))
    seed = models.PositiveBigIntegerField(_("变体种子"))
    params = models.JSONField(_("变体参数"), default=dict)
    baseline = models.BinaryField(_("初始状态"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # when the candidate first opened the task and the variant's start hook ran (its clock's zero)
    started_at = models.DateTimeField(_("首次打开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("场景实例")
        verbose_name_plural = _("场景实例")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version} #{self.seed}"

    def baseline_rows(self) -> dict:
        """The starting state as a dict: model name → str(pk) → field → value."""
        from .snapshot import snapshot_decompress

        return snapshot_decompress(self.baseline)


class ScenarioTemplate(models.Model):
    """A generated base shop kept as a template, one per (scenario, version, shop spec).

    Generating a shop takes seconds; copying a template takes one statement per table. Deleting the
    template sandbox deletes this row, and the next instance regenerates it.
    """

    scenario_uuid = models.UUIDField(_("场景UUID"))
    version = models.PositiveIntegerField(_("场景版本"))
    spec_key = models.CharField(_("店铺规格"), max_length=200)
    sandbox = models.OneToOneField("shop_sim.Sandbox", on_delete=models.CASCADE, related_name="scenario_template",
                                   verbose_name=_("模板沙箱"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("场景模板店铺")
        verbose_name_plural = _("场景模板店铺")
        constraints = [models.UniqueConstraint(fields=["scenario_uuid", "version", "spec_key"],
                                               name="unique_scenario_template")]

    def __str__(self) -> str:
        return f"{self.scenario_uuid} v{self.version} {self.spec_key}"
