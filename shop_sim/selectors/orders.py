"""Read queries of 交易管理: the order list with its tabs, an order's timeline, the refund list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from shop_sim.models import Order, OrderLine, Refund, Sandbox, ShopEvent
from shop_sim.services.orders import REFUND_OPEN_STATUSES

# The tabs of 已卖出的宝贝, as ``?status=`` values; "" is 全部, "refunding" has an open refund (退款中).
ORDER_TAB_KEYS: tuple[str, ...] = (
    "", Order.Status.AWAITING_PAYMENT, Order.Status.PAID, Order.Status.SHIPPED,
    Order.Status.FINISHED, Order.Status.CLOSED, "refunding",
)
FLAG_NONE = "none"


def _open_refund_exists():
    return Exists(Refund.objects.filter(order=OuterRef("pk"), status__in=REFUND_OPEN_STATUSES))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_search(*, sandbox: Sandbox, status: str = "", q: str = "", date_from: date | None = None,
                 date_to: date | None = None, flag: str = "") -> QuerySet[Order]:
    """Orders of the sandbox for the list page, lines prefetched, so a page costs a fixed number
    of queries whatever its size."""
    qs = Order.objects.for_sandbox(sandbox)
    if status == "refunding":
        qs = qs.filter(_open_refund_exists())
    elif status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(order_no__icontains=q) | Q(customer__nickname__icontains=q)
            | Q(receiver_name__icontains=q) | Q(receiver_phone__contains=q)
        )
    if date_from:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    if flag == FLAG_NONE:
        qs = qs.filter(flag="")
    elif flag:
        qs = qs.filter(flag=flag)
    return (
        qs.select_related("customer")
        .annotate(has_open_refund=_open_refund_exists())
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("-created_at", "-id")
    )


def order_tab_counts(*, sandbox: Sandbox) -> dict[str, int]:
    """The number on each tab of the order list, in one query."""
    base = Order.objects.for_sandbox(sandbox)
    counts = base.aggregate(
        all=Count("id"),
        **{s: Count("id", filter=Q(status=s)) for s in Order.Status.values},
    )
    counts["refunding"] = base.filter(_open_refund_exists()).count()
    return counts


def order_timeline(*, order: Order) -> list[ShopEvent]:
    """The journal of an order, its refunds included, oldest first: what the seller and buyer did."""
    refund_ids = list(Refund.objects.filter(order=order, sandbox_id=order.sandbox_id).values_list("pk", flat=True))
    return list(
        ShopEvent.objects.for_sandbox(order.sandbox_id)
        .filter(Q(object_type="order", object_id=order.pk) | Q(object_type="refund", object_id__in=refund_ids))
        .order_by("at", "id")
    )


def refund_search(*, sandbox: Sandbox, status: str = "") -> QuerySet[Refund]:
    """Refunds of the sandbox for 退款管理, newest first, "open" meaning any in-progress state."""
    qs = Refund.objects.for_sandbox(sandbox)
    if status == "open":
        qs = qs.filter(status__in=REFUND_OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("order", "order__customer", "line").order_by("-created_at", "-id")


def refund_status_counts(*, sandbox: Sandbox) -> dict[str, int]:
    base = Refund.objects.for_sandbox(sandbox)
    return base.aggregate(
        all=Count("id"),
        open=Count("id", filter=Q(status__in=REFUND_OPEN_STATUSES)),
        **{s: Count("id", filter=Q(status=s)) for s in Refund.Status.values},
    )
