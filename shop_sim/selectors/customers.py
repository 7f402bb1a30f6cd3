"""Read queries of 客户管理: customer search with order totals, one customer's orders."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from shop_sim.models import Customer, CustomerTag, CustomerTagging, Order, Refund, Sandbox

# Orders whose money the shop has received (closed ones were never paid or were refunded in full).
SPENDING_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.FINISHED)
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _paid_sum():
    return Coalesce(Subquery(
        Order.objects.filter(customer=OuterRef("pk"), sandbox_id=OuterRef("sandbox_id"), status__in=SPENDING_STATUSES)
        .values("customer").annotate(s=Sum("pay_amount")).values("s")[:1], output_field=_MONEY,
    ), Value(Decimal("0")), output_field=_MONEY)


def _refunded_sum():
    # Scoped to the customer's sandbox: without it PostgreSQL may start from every sandbox's
    # successful refunds (the status index) and join each to the customer's orders — a customer
    # list that slows down with every candidate's shop in the database (measured by bench.load).
    return Coalesce(Subquery(
        Refund.objects.filter(sandbox_id=OuterRef("sandbox_id"), order__customer=OuterRef("pk"),
                              order__status__in=SPENDING_STATUSES, status=Refund.Status.SUCCESS)
        .values("order__customer").annotate(s=Sum("amount")).values("s")[:1], output_field=_MONEY,
    ), Value(Decimal("0")), output_field=_MONEY)


def _order_count():
    return Coalesce(Subquery(
        Order.objects.filter(customer=OuterRef("pk"), sandbox_id=OuterRef("sandbox_id"))
        .values("customer").annotate(c=Count("id")).values("c")[:1]
    ), Value(0))


def customer_search(*, sandbox: Sandbox, q: str = "", tag: CustomerTag | None = None,
                    level: int | None = None) -> QuerySet[Customer]:
    """Customers for the list page with tags, order count and total spent, in a fixed number of
    queries per page."""
    qs = Customer.objects.for_sandbox(sandbox)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(nickname__icontains=q) | Q(name__icontains=q) | Q(phone__contains=q))
    if tag is not None:
        qs = qs.filter(taggings__tag=tag)
    if level is not None:
        qs = qs.filter(level=level)
    return (
        qs.annotate(order_count=_order_count(),
                    total_spent=ExpressionWrapper(_paid_sum() - _refunded_sum(), output_field=_MONEY))
        .prefetch_related(Prefetch("taggings", queryset=CustomerTagging.objects.select_related("tag").order_by("tag__id")))
        .order_by("-id")
    )


def customer_total_spent(*, customer: Customer) -> Decimal:
    """累计消费: paid, shipped and finished orders minus what was refunded on them."""
    paid = Order.objects.filter(customer=customer, sandbox_id=customer.sandbox_id,
                                status__in=SPENDING_STATUSES).aggregate(s=Sum("pay_amount"))["s"] or Decimal("0")
    refunded = Refund.objects.filter(order__customer=customer, sandbox_id=customer.sandbox_id,
                                     order__status__in=SPENDING_STATUSES,
                                     status=Refund.Status.SUCCESS).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return paid - refunded


def customer_orders(*, customer: Customer) -> QuerySet[Order]:
    return (Order.objects.for_sandbox(customer.sandbox_id).filter(customer=customer)
            .prefetch_related("lines").order_by("-created_at", "-id"))


def customertag_list(*, sandbox: Sandbox) -> QuerySet[CustomerTag]:
    return CustomerTag.objects.for_sandbox(sandbox).annotate(customer_count=Count("taggings")).order_by("id")
