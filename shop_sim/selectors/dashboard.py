from django.db.models import Count, Q

from shop_sim.models import ChatSession, Order, Product, Refund, Review, Sandbox


def dashboard_counts(*, sandbox: Sandbox) -> dict[str, int]:
    """The numbers on the console home, a handful of aggregate queries."""
    orders = Order.objects.for_sandbox(sandbox).aggregate(
        awaiting_payment=Count("id", filter=Q(status=Order.Status.AWAITING_PAYMENT)),
        awaiting_shipment=Count("id", filter=Q(status=Order.Status.PAID)),
        shipped=Count("id", filter=Q(status=Order.Status.SHIPPED)),
    )
    products = Product.objects.for_sandbox(sandbox).aggregate(
        on_sale=Count("id", filter=Q(status=Product.Status.ON_SALE)),
        in_warehouse=Count("id", filter=Q(status__in=[Product.Status.IN_WAREHOUSE, Product.Status.DRAFT])),
    )
    return {
        **orders,
        **products,
        "refunds_pending": Refund.objects.for_sandbox(sandbox).filter(
            status__in=[Refund.Status.AWAITING_SELLER, Refund.Status.AWAITING_RECEIPT]).count(),
        "reviews_unreplied": Review.objects.for_sandbox(sandbox).filter(reply="").count(),
        "chats_unread": ChatSession.objects.for_sandbox(sandbox).filter(unread_count__gt=0).count(),
    }
