"""Back-office views of 营销中心: the shop coupons (店铺优惠券)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shop_sim.console.forms.marketing import CouponForm
from shop_sim.models import Coupon
from shop_sim.selectors.marketing import coupon_list as coupon_query
from shop_sim.services import marketing as services
from shop_sim.services.base import Actor, ShopError
from shop_sim.tenancy import console_view

PAGE_SIZE = 20


@console_view
@require_GET
def coupon_list(request):
    """优惠券 list with each coupon's phase (未开始/进行中/已结束) and claims."""
    page = Paginator(coupon_query(sandbox=request.sandbox), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(c, services.coupon_phase(coupon=c, now=now)) for c in page.object_list]
    return render(request, "console/marketing/coupon_list.html", {"page": page, "rows": rows})


@console_view
@require_http_methods(["GET", "POST"])
def coupon_create(request):
    if request.method == "GET":
        start = timezone.localtime().replace(second=0, microsecond=0)
        form = CouponForm(initial={"starts_at": start, "ends_at": start + timedelta(days=7)})
    else:
        form = CouponForm(request.POST)
        if form.is_valid():
            try:
                coupon = services.coupon_create(sandbox=request.sandbox, actor=Actor.merchant(request.user),
                                                **form.cleaned_data)
            except ShopError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("优惠券“%(name)s”已创建") % {"name": coupon.name})
                return redirect("console:coupon_list")
    return render(request, "console/marketing/coupon_form.html", {"form": form})


@console_view
def coupon_end(request, coupon_id: int):
    """提前结束 a coupon."""
    coupon = get_object_or_404(Coupon.objects.for_sandbox(request.sandbox), pk=coupon_id)
    if request.method != "POST":
        return redirect("console:coupon_list")
    try:
        services.coupon_end(sandbox=request.sandbox, actor=Actor.merchant(request.user), coupon=coupon)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("优惠券“%(name)s”已结束") % {"name": coupon.name})
    return redirect("console:coupon_list")


urlpatterns = [
    path("coupons/", coupon_list, name="coupon_list"),
    path("coupons/new/", coupon_create, name="coupon_create"),
    path("coupons/<int:coupon_id>/end/", coupon_end, name="coupon_end"),
]
