"""Shop coupons (店铺优惠券, 满 X 减 Y): creation, ending early, and the discount at checkout."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop_sim.models import Coupon, Sandbox

from .base import Actor, ShopError, event_record, sandbox_write_check, snapshot

NAME_MAX = 30
QUANTITY_MIN, QUANTITY_MAX = 1, 100_000
PER_CUSTOMER_MIN, PER_CUSTOMER_MAX = 1, 10
MONEY_MAX = Decimal("99999999.99")
COUPON_FIELDS = ["name", "threshold", "amount", "total_quantity", "per_customer_limit",
                 "starts_at", "ends_at", "status"]


def coupon_rules_error(*, name: str, threshold: Decimal, amount: Decimal, total_quantity: int,
                       per_customer_limit: int, starts_at: datetime, ends_at: datetime,
                       now: datetime) -> tuple[str, str] | None:
    """The first broken coupon rule as (field name, message), or None. Shared by the form and the
    service so both refuse the same coupons."""
    if not name or len(name) > NAME_MAX:
        return "name", _("优惠券名称为 1–%(max)d 个字") % {"max": NAME_MAX}
    if threshold < 0 or threshold > MONEY_MAX:
        return "threshold", _("使用门槛不能小于 0")
    if amount <= 0 or amount > MONEY_MAX:
        return "amount", _("优惠金额必须大于 0")
    if threshold > 0 and amount >= threshold:
        return "amount", _("优惠金额必须小于使用门槛（满 %(threshold)s 元减 %(amount)s 元不合理）") % {
            "threshold": threshold, "amount": amount}
    if not QUANTITY_MIN <= total_quantity <= QUANTITY_MAX:
        return "total_quantity", _("发行量为 %(min)d–%(max)d 张") % {"min": QUANTITY_MIN, "max": QUANTITY_MAX}
    if not PER_CUSTOMER_MIN <= per_customer_limit <= PER_CUSTOMER_MAX:
        return "per_customer_limit", _("每人限领 %(min)d–%(max)d 张") % {
            "min": PER_CUSTOMER_MIN, "max": PER_CUSTOMER_MAX}
    if starts_at >= ends_at:
        return "ends_at", _("开始时间必须早于结束时间")
    if ends_at <= now:
        return "ends_at", _("结束时间必须晚于当前时间")
    return None


def coupon_create(*, sandbox: Sandbox, actor: Actor, name: str, threshold: Decimal, amount: Decimal,
                  total_quantity: int, per_customer_limit: int, starts_at: datetime,
                  ends_at: datetime) -> Coupon:
    """Issue a 满减 coupon buyers can claim on the storefront between ``starts_at`` and ``ends_at``."""
    name = (name or "").strip()
    error = coupon_rules_error(name=name, threshold=threshold, amount=amount, total_quantity=total_quantity,
                               per_customer_limit=per_customer_limit, starts_at=starts_at,
                               ends_at=ends_at, now=timezone.now())
    if error:
        raise ShopError(error[1])
    with transaction.atomic():
        sandbox_write_check(sandbox)
        coupon = Coupon.objects.create(
            sandbox=sandbox, name=name, threshold=threshold, amount=amount, total_quantity=total_quantity,
            per_customer_limit=per_customer_limit, starts_at=starts_at, ends_at=ends_at,
        )
        event_record(sandbox=sandbox, actor=actor, action="coupon.create", obj=coupon,
                     before=None, after=snapshot(coupon, COUPON_FIELDS))
    return coupon


def coupon_end(*, sandbox: Sandbox, actor: Actor, coupon: Coupon) -> Coupon:
    """提前结束: stop a coupon now; claimed coupons can no longer be used."""
    if coupon.sandbox_id != sandbox.pk:
        raise ShopError(_("对象不属于当前店铺"))
    now = timezone.now()
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = Coupon.objects.select_for_update().get(pk=coupon.pk, sandbox=sandbox)
        if locked.status == Coupon.Status.ENDED or locked.ends_at <= now:
            raise ShopError(_("该优惠券已结束"))
        fields = ["status", "ends_at"]
        before = snapshot(locked, fields)
        locked.status = Coupon.Status.ENDED
        locked.ends_at = now
        locked.save(update_fields=fields)
        event_record(sandbox=sandbox, actor=actor, action="coupon.end", obj=locked,
                     before=before, after=snapshot(locked, fields))
    return locked


def coupon_phase(*, coupon: Coupon, now: datetime) -> str:
    """未开始 / 进行中 / 已结束 as the list shows it: "ended" covers both ended early and expired."""
    if coupon.status == Coupon.Status.ENDED or now >= coupon.ends_at:
        return "ended"
    if now < coupon.starts_at:
        return "upcoming"
    return "active"


def coupon_discount(*, coupon: Coupon, goods_total: Decimal, now: datetime) -> Decimal:
    """What ``coupon`` takes off an order of ``goods_total`` at ``now``: its amount when the coupon
    is running and the threshold is met, never more than the goods cost; else 0."""
    goods_total = Decimal(goods_total)
    if coupon_phase(coupon=coupon, now=now) != "active":
        return Decimal("0.00")
    if goods_total <= 0 or goods_total < coupon.threshold:
        return Decimal("0.00")
    return min(coupon.amount, goods_total).quantize(Decimal("0.01"))
