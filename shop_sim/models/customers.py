"""Customers (客户) with member levels and merchant-defined tags."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import SandboxScoped


class Customer(SandboxScoped):
    """A buyer of this shop, known by a nickname (会员名) as on Taobao."""

    class Level(models.IntegerChoices):
        NORMAL = 0, _("普通会员")
        SILVER = 1, _("银卡会员")
        GOLD = 2, _("金卡会员")
        DIAMOND = 3, _("钻石会员")

    nickname = models.CharField(_("会员名"), max_length=40)
    name = models.CharField(_("姓名"), max_length=30, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    province = models.CharField(_("省份"), max_length=20, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    level = models.PositiveSmallIntegerField(_("会员等级"), choices=Level.choices, default=Level.NORMAL)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "nickname"], name="unique_customer_nickname")]

    def __str__(self) -> str:
        return self.nickname


class CustomerTag(SandboxScoped):
    name = models.CharField(_("标签名称"), max_length=20)

    class Meta:
        verbose_name = _("客户标签")
        verbose_name_plural = _("客户标签")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "name"], name="unique_customer_tag_name")]

    def __str__(self) -> str:
        return self.name


class CustomerTagging(SandboxScoped):
    """Explicit through table, so it carries the tenant column like every shop row."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="taggings")
    tag = models.ForeignKey(CustomerTag, on_delete=models.CASCADE, related_name="taggings")

    class Meta:
        verbose_name = _("客户标签关联")
        verbose_name_plural = _("客户标签关联")
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="unique_customer_tagging")]
