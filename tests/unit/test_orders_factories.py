"""Small row builders shared by the trade tests (orders, refunds, customers, coupons, reviews).

Plain functions rather than fixtures so each test states exactly the rows it needs.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from shop_sim.models import Coupon, Customer, Order, OrderLine, Product, Refund, Review

_seq = itertools.count(1)


def make_product(sandbox, title: str = "纯棉短袖T恤", price: str = "59.00") -> Product:
    return Product.objects.create(sandbox=sandbox, title=title, price=Decimal(price), stock=100,
                                  status=Product.Status.ON_SALE)


def make_customer(sandbox, nickname: str | None = None, **fields) -> Customer:
    n = next(_seq)
    return Customer.objects.create(sandbox=sandbox, nickname=nickname or f"买家{n:03d}", **fields)


def make_order(sandbox, *, status: str = Order.Status.PAID, customer: Customer | None = None,
               lines=(("纯棉短袖T恤", "白色 M", "59.00", 2),), shipping_fee: str = "10.00",
               order_no: str | None = None, created_at=None, **fields) -> Order:
    """An order with lines; pay_amount = goods + shipping - discount, as checkout computes it."""
    customer = customer or make_customer(sandbox)
    goods = sum((Decimal(price) * qty for _t, _s, price, qty in lines), Decimal("0"))
    discount = Decimal(fields.pop("discount", "0"))
    now = timezone.now()
    stamps = {}
    if status in (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.FINISHED):
        stamps["paid_at"] = now
    if status in (Order.Status.SHIPPED, Order.Status.FINISHED):
        stamps.update(shipped_at=now, carrier="SF", waybill_no="SF1234567890123")
    defaults = dict(
        receiver_name="王小明", receiver_phone="13800138000", province="浙江省", city="杭州市",
        district="西湖区", address_detail="文三路 100 号",
    )
    defaults.update(stamps)
    defaults.update(fields)
    order = Order.objects.create(
        sandbox=sandbox, order_no=order_no or f"3{next(_seq):017d}", customer=customer, status=status,
        goods_total=goods, shipping_fee=Decimal(shipping_fee), discount=discount,
        pay_amount=goods + Decimal(shipping_fee) - discount,
        created_at=created_at or now, **defaults,
    )
    for title, spec, price, qty in lines:
        OrderLine.objects.create(sandbox=sandbox, order=order, title=title, spec_label=spec,
                                 unit_price=Decimal(price), quantity=qty, subtotal=Decimal(price) * qty)
    return order


def make_refund(order: Order, *, kind: str = Refund.Kind.REFUND_ONLY, status: str = Refund.Status.AWAITING_SELLER,
                amount: str | Decimal | None = None, reason: str = "不想要了") -> Refund:
    return Refund.objects.create(
        sandbox_id=order.sandbox_id, order=order, kind=kind, status=status,
        amount=Decimal(amount) if amount is not None else order.pay_amount, reason=reason,
        created_at=timezone.now(),
    )


def make_review(sandbox, *, rating: int = 5, content: str = "质量很好，物流也快", reply: str = "",
                product: Product | None = None, customer: Customer | None = None) -> Review:
    return Review.objects.create(
        sandbox=sandbox, product=product or make_product(sandbox), customer=customer or make_customer(sandbox),
        rating=rating, content=content, reply=reply, replied_at=timezone.now() if reply else None,
        created_at=timezone.now(),
    )


def make_coupon(sandbox, *, name: str = "满100减10", threshold: str = "100", amount: str = "10",
                starts_in: timedelta = timedelta(hours=-1), ends_in: timedelta = timedelta(days=7),
                **fields) -> Coupon:
    now = timezone.now()
    return Coupon.objects.create(sandbox=sandbox, name=name, threshold=Decimal(threshold), amount=Decimal(amount),
                                 total_quantity=fields.pop("total_quantity", 100), starts_at=now + starts_in,
                                 ends_at=now + ends_in, **fields)
