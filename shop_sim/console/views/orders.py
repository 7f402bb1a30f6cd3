"""Back-office views of 交易管理: 已卖出的宝贝 (order list and detail) and 退款管理.

Each seller action posts its own form to its own URL. On success the browser is redirected back
to the detail page with a message; on failure the detail page is rendered again with that form's
errors (the section stays open even if the order's state would normally hide it), nothing written.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from shop_sim.console.forms.orders import (
    ORDER_TAB_CHOICES, AddressForm, CloseForm, MemoForm, OrderFilterForm, RefundAgreeReturnForm,
    RefundFilterForm, RefundRefuseForm, ShipForm,
)
from shop_sim.models import Order, Refund, ShopAction
from shop_sim.selectors.orders import (
    order_search, order_tab_counts, order_timeline, refund_search, refund_status_counts,
)
from shop_sim.services import orders as services
from shop_sim.services.base import ShopError
from shop_sim.console.helpers import merchant_actor
from shop_sim.tenancy import console_view

PAGE_SIZE = 20

ACTOR_KINDS = {"merchant": _lazy("卖家"), "buyer": _lazy("买家"), "system": _lazy("系统")}


def _row(*, at, action: str, actor: str = "", after: dict | None = None, object_type: str = "", object_id=None) -> dict:
    kind, _sep, ident = actor.partition(":")
    return {"at": at, "action": action, "label": ShopAction.label_of(action),
            "actor_kind": ACTOR_KINDS.get(kind, kind), "actor": ident, "after": after or {},
            "object_type": object_type, "object_id": object_id}


def _timeline(order: Order, refunds: list[Refund]) -> list[dict]:
    """The journal of the order and its refunds, oldest first. Rows created before the journal
    existed (imported or generated shops) have no events; their milestones are shown from the
    order's and refunds' own timestamps so the history never looks empty."""
    rows = [_row(at=e.at, action=e.action, actor=e.actor, after=e.after, object_type=e.object_type,
                 object_id=e.object_id) for e in order_timeline(order=order)]
    seen = {(r["object_type"], r["object_id"], r["action"]) for r in rows}
    milestones = [
        ("created_at", "order.create", {}), ("paid_at", "order.pay", {}),
        ("shipped_at", "order.ship", {"waybill_no": order.waybill_no}),
        ("finished_at", "order.confirm_receipt", {}), ("closed_at", "order.close", {"close_reason": order.close_reason}),
    ]
    for field, action, after in milestones:
        at = getattr(order, field)
        if at and ("order", order.pk, action) not in seen:
            rows.append(_row(at=at, action=action, after=after, object_type="order", object_id=order.pk))
    for refund in refunds:
        if ("refund", refund.pk, "refund.request") not in seen:
            rows.append(_row(at=refund.created_at, action="refund.request", object_type="refund", object_id=refund.pk))
    rows.sort(key=lambda r: r["at"])
    return rows


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------

@console_view
@require_GET
def order_list(request):
    """已卖出的宝贝: status tabs, search, date range and flag filters, 20 orders a page."""
    form = OrderFilterForm(request.GET)
    form.is_valid()
    # Invalid filters are reported next to their field and ignored; the valid ones still apply.
    filters = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    status = filters.get("status") or ""
    orders = order_search(sandbox=request.sandbox, **filters)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = order_tab_counts(sandbox=request.sandbox)
    tabs = [{"key": key, "label": label, "count": counts[key or "all"], "current": key == status}
            for key, label in ORDER_TAB_CHOICES]
    return render(request, "console/orders/order_list.html", {
        "form": form, "page": page, "tabs": tabs, "status": status,
    })


def _order_get(request, order_id: int) -> Order:
    return get_object_or_404(Order.objects.for_sandbox(request.sandbox).select_related("customer"), pk=order_id)


def _order_context(request, order: Order, bound: dict | None = None) -> dict:
    """The detail page; ``bound`` holds the one submitted form (with its errors) by key."""
    bound = bound or {}
    S = Order.Status
    refunds = list(order.refunds.order_by("-created_at", "-id"))
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "refunds": refunds,
        "refunded_total": services.order_refunded_total(order),
        "carrier_name": services.carrier_name(order.carrier),
        "timeline": _timeline(order, refunds),
        "ship_form": bound.get("ship") or ShipForm(prefix="ship"),
        "waybill_form": bound.get("waybill") or ShipForm(
            prefix="waybill", initial={"carrier": order.carrier, "waybill_no": order.waybill_no}),
        "address_form": bound.get("address") or AddressForm(
            prefix="address", initial={name: getattr(order, name) for name in services.ADDRESS_FIELDS}),
        "memo_form": bound.get("memo") or MemoForm(
            prefix="memo", initial={"flag": order.flag, "seller_memo": order.seller_memo}),
        "close_form": bound.get("close") or CloseForm(prefix="close"),
        "show_ship": order.status == S.PAID or "ship" in bound,
        "show_waybill": order.status == S.SHIPPED or "waybill" in bound,
        "show_address": order.status in (S.AWAITING_PAYMENT, S.PAID) or "address" in bound,
        "show_close": order.status == S.AWAITING_PAYMENT or "close" in bound,
    }


@console_view
def order_detail(request, order_id: int):
    order = _order_get(request, order_id)  # 404 first, so a foreign id never learns it exists
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "console/orders/order_detail.html", _order_context(request, order))


def _order_action(key: str, form_class: type[forms.Form], call: Callable, done: str):
    """A POST-only action on one order: validate the form, call the service, report."""

    @console_view
    def view(request, order_id: int) -> HttpResponse:
        order = _order_get(request, order_id)  # 404 for another sandbox's id, whatever the method
        if request.method != "POST":
            return redirect("console:order_detail", order_id=order.pk)
        form = form_class(request.POST, prefix=key)
        if form.is_valid():
            try:
                call(request, order, form.cleaned_data)
            except ShopError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, str(done))
                return redirect("console:order_detail", order_id=order.pk)
        order.refresh_from_db()
        return render(request, "console/orders/order_detail.html", _order_context(request, order, {key: form}))

    view.__name__ = f"order_{key}"
    return view


order_ship = _order_action(
    "ship", ShipForm,
    lambda request, order, data: services.order_ship(
        sandbox=request.sandbox, actor=merchant_actor(request), order=order, **data),
    _lazy("已发货"),
)
order_waybill_update = _order_action(
    "waybill", ShipForm,
    lambda request, order, data: services.order_waybill_update(
        sandbox=request.sandbox, actor=merchant_actor(request), order=order, **data),
    _lazy("运单号已修改"),
)
order_address = _order_action(
    "address", AddressForm,
    lambda request, order, data: services.order_address_update(
        sandbox=request.sandbox, actor=merchant_actor(request), order=order, **data),
    _lazy("收货地址已修改"),
)
order_memo = _order_action(
    "memo", MemoForm,
    lambda request, order, data: services.order_memo_update(
        sandbox=request.sandbox, actor=merchant_actor(request), order=order, **data),
    _lazy("旗帜和备注已保存"),
)
order_close = _order_action(
    "close", CloseForm,
    lambda request, order, data: services.order_close(
        sandbox=request.sandbox, actor=merchant_actor(request), order=order, reason=data["reason"]),
    _lazy("订单已关闭"),
)


# ---------------------------------------------------------------------------------------------
# Refunds
# ---------------------------------------------------------------------------------------------

@console_view
@require_GET
def refund_list(request):
    """退款管理: refunds by status, the open ones (处理中) being the seller's to-do list."""
    form = RefundFilterForm(request.GET)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    page = Paginator(refund_search(sandbox=request.sandbox, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = refund_status_counts(sandbox=request.sandbox)
    tabs = [{"key": key, "label": label, "count": counts[key or "all"], "current": key == status}
            for key, label in form.fields["status"].choices]
    return render(request, "console/orders/refund_list.html", {"form": form, "page": page, "tabs": tabs})


def _refund_get(request, refund_id: int) -> Refund:
    return get_object_or_404(
        Refund.objects.for_sandbox(request.sandbox).select_related("order", "order__customer", "line"),
        pk=refund_id,
    )


def _refund_context(request, refund: Refund, bound: dict | None = None) -> dict:
    bound = bound or {}
    R, K = Refund.Status, Refund.Kind
    return {
        "refund": refund,
        "order": refund.order,
        "lines": list(refund.order.lines.all()),
        "refunded_total": services.order_refunded_total(refund.order),
        "return_carrier_name": services.carrier_name(refund.return_carrier),
        "timeline": [row for row in _timeline(refund.order, [refund])
                     if row["object_type"] == "refund" and row["object_id"] == refund.pk],
        "agree_form": bound.get("agree") or forms.Form(prefix="agree"),
        "agree_return_form": bound.get("agree_return") or RefundAgreeReturnForm(prefix="agree_return"),
        "confirm_form": bound.get("confirm") or forms.Form(prefix="confirm"),
        "refuse_form": bound.get("refuse") or RefundRefuseForm(prefix="refuse"),
        "show_agree": (refund.kind == K.REFUND_ONLY and refund.status == R.AWAITING_SELLER) or "agree" in bound,
        "show_agree_return": (refund.kind == K.RETURN_REFUND and refund.status == R.AWAITING_SELLER)
        or "agree_return" in bound,
        "show_confirm": refund.status == R.AWAITING_RECEIPT or "confirm" in bound,
        "show_refuse": refund.status in (R.AWAITING_SELLER, R.AWAITING_RECEIPT) or "refuse" in bound,
    }


@console_view
def refund_detail(request, refund_id: int):
    refund = _refund_get(request, refund_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "console/orders/refund_detail.html", _refund_context(request, refund))


def _refund_action(key: str, form_class: type[forms.Form], call: Callable, done: str):
    """A POST-only action on one refund, same contract as ``_order_action``."""

    @console_view
    def view(request, refund_id: int) -> HttpResponse:
        refund = _refund_get(request, refund_id)
        if request.method != "POST":
            return redirect("console:refund_detail", refund_id=refund.pk)
        form = form_class(request.POST, prefix=key)
        if form.is_valid():
            try:
                call(request, refund, form.cleaned_data)
            except ShopError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, str(done))
                return redirect("console:refund_detail", refund_id=refund.pk)
        refund = _refund_get(request, refund_id)
        return render(request, "console/orders/refund_detail.html", _refund_context(request, refund, {key: form}))

    view.__name__ = f"refund_{key}"
    return view


refund_agree = _refund_action(
    "agree", forms.Form,
    lambda request, refund, data: services.refund_agree(sandbox=request.sandbox, actor=merchant_actor(request), refund=refund),
    _lazy("已同意退款，款项已退回买家"),
)
refund_agree_return = _refund_action(
    "agree_return", RefundAgreeReturnForm,
    lambda request, refund, data: services.refund_agree_return(
        sandbox=request.sandbox, actor=merchant_actor(request), refund=refund, return_address=data["return_address"]),
    _lazy("已同意退货，等待买家寄回商品"),
)
refund_confirm_receipt = _refund_action(
    "confirm", forms.Form,
    lambda request, refund, data: services.refund_confirm_receipt(
        sandbox=request.sandbox, actor=merchant_actor(request), refund=refund),
    _lazy("已确认收货，款项已退回买家"),
)
refund_refuse = _refund_action(
    "refuse", RefundRefuseForm,
    lambda request, refund, data: services.refund_refuse(
        sandbox=request.sandbox, actor=merchant_actor(request), refund=refund, reason=data["reason"], note=data["note"]),
    _lazy("已拒绝退款"),
)


urlpatterns = [
    path("orders/", order_list, name="order_list"),
    path("orders/<int:order_id>/", order_detail, name="order_detail"),
    path("orders/<int:order_id>/ship/", order_ship, name="order_ship"),
    path("orders/<int:order_id>/waybill/", order_waybill_update, name="order_waybill_update"),
    path("orders/<int:order_id>/address/", order_address, name="order_address"),
    path("orders/<int:order_id>/memo/", order_memo, name="order_memo"),
    path("orders/<int:order_id>/close/", order_close, name="order_close"),
    path("refunds/", refund_list, name="refund_list"),
    path("refunds/<int:refund_id>/", refund_detail, name="refund_detail"),
    path("refunds/<int:refund_id>/agree/", refund_agree, name="refund_agree"),
    path("refunds/<int:refund_id>/agree-return/", refund_agree_return, name="refund_agree_return"),
    path("refunds/<int:refund_id>/confirm-receipt/", refund_confirm_receipt, name="refund_confirm_receipt"),
    path("refunds/<int:refund_id>/refuse/", refund_refuse, name="refund_refuse"),
]
