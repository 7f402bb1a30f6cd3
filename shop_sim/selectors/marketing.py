"""Read queries of 营销中心 (coupons)."""

from __future__ import annotations

from django.db.models import QuerySet

from shop_sim.models import Coupon, Sandbox


def coupon_list(*, sandbox: Sandbox) -> QuerySet[Coupon]:
    """Coupons of the sandbox, newest first."""
    return Coupon.objects.for_sandbox(sandbox).order_by("-id")
