"""order_place and the cart services: totals, stock, refusals that write nothing, events."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop_sim.models import CartItem, Coupon, Customer, Order, OrderLine, Product, ShopEvent, Sku
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.checkout import (
    Address, LineRequest, cartitem_add, cartitem_remove, cartitem_update, checkout_quote, customer_signin,
    order_place, usable_coupons,
)

from . import test_storefront_factories as f

pytestmark = pytest.mark.django_db

ADDR = Address(**f.ADDRESS)


def _state(sandbox):
    return {
        "orders": Order.objects.for_sandbox(sandbox).count(),
        "lines": OrderLine.objects.for_sandbox(sandbox).count(),
        "events": ShopEvent.objects.for_sandbox(sandbox).count(),
        "stock": sorted(Product.objects.for_sandbox(sandbox).values_list("pk", "stock")),
        "sku_stock": sorted(Sku.objects.for_sandbox(sandbox).values_list("pk", "stock")),
        "cart": sorted(CartItem.objects.for_sandbox(sandbox).values_list("pk", "quantity")),
        "coupons": sorted(Coupon.objects.for_sandbox(sandbox).values_list("pk", "claimed_count")),
    }


def test_order_totals_goods_shipping_coupon(sandbox):
    tpl = f.shipping_template(sandbox, first_fee="8.00", extra_fee="2.00", rules=[(["新疆"], "20.00", "10.00")])
    tee = f.product(sandbox, price="59.00", stock=10, shipping_template=tpl)
    hoodie = f.product_with_skus(sandbox, shipping_template=tpl)
    blue_m = hoodie.skus.get(spec_label="蓝色 / M")
    cp = f.coupon(sandbox, threshold="200.00", amount="30.00")
    buyer = f.customer(sandbox)
    order = order_place(sandbox=sandbox, customer=buyer, address=ADDR, coupon=cp, buyer_message="请尽快发货",
                        lines=[LineRequest(tee.pk, None, 2), LineRequest(hoodie.pk, blue_m.pk, 1)])
    # goods: 2 × 59 + 99 = 217; shipping (one template, 3 pieces): 8 + 2 × 2 = 12; coupon 30
    assert order.goods_total == Decimal("217.00")
    assert order.shipping_fee == Decimal("12.00")
    assert order.discount == Decimal("30.00")
    assert order.pay_amount == Decimal("199.00")
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.coupon == cp and order.buyer_message == "请尽快发货"
    assert len(order.order_no) == 18 and order.order_no.isdigit()
    lines = list(order.lines.order_by("id"))
    assert [(ln.title, ln.spec_label, ln.unit_price, ln.quantity, ln.subtotal) for ln in lines] == [
        (tee.title, "", Decimal("59.00"), 2, Decimal("118.00")),
        (hoodie.title, "蓝色 / M", Decimal("99.00"), 1, Decimal("99.00")),
    ]
    cp.refresh_from_db()
    assert cp.claimed_count == 1


def test_shipping_of_different_templates_is_summed_and_regional_rule_applies(sandbox):
    a = f.shipping_template(sandbox, first_fee="8.00", extra_fee="2.00", rules=[(["新疆"], "20.00", "10.00")])
    b = f.shipping_template(sandbox, first_fee="5.00", extra_fee="1.00")
    free = f.shipping_template(sandbox, payer="seller")
    p1 = f.product(sandbox, shipping_template=a)
    p2 = f.product(sandbox, shipping_template=b)
    p3 = f.product(sandbox, shipping_template=free)
    p4 = f.product(sandbox)  # no template: free
    buyer = f.customer(sandbox)
    lines = [LineRequest(p1.pk, None, 2), LineRequest(p2.pk, None, 1), LineRequest(p3.pk, None, 1),
             LineRequest(p4.pk, None, 1)]
    assert checkout_quote(sandbox=sandbox, customer=buyer, lines=lines, province="浙江省").shipping_fee == Decimal("15.00")
    order = order_place(sandbox=sandbox, customer=buyer, lines=lines,
                        address=Address(**{**f.ADDRESS, "province": "新疆维吾尔自治区"}))
    assert order.shipping_fee == Decimal("35.00")  # (20 + 10) + 5


def test_stock_is_taken_when_ordered_and_cart_lines_cleared(sandbox):
    tee = f.product(sandbox, stock=5)
    hoodie = f.product_with_skus(sandbox)
    red_m = hoodie.skus.get(spec_label="红色 / M")
    buyer = f.customer(sandbox)
    other = f.customer(sandbox)
    actor = Actor.buyer(buyer)
    c1 = cartitem_add(sandbox=sandbox, actor=actor, customer=buyer, product=tee, sku=None, quantity=2)
    c2 = cartitem_add(sandbox=sandbox, actor=actor, customer=buyer, product=hoodie, sku=red_m, quantity=3)
    keep = cartitem_add(sandbox=sandbox, actor=Actor.buyer(other), customer=other, product=tee, sku=None, quantity=1)
    order = order_place(sandbox=sandbox, customer=buyer, address=ADDR, lines=[
        LineRequest(tee.pk, None, 2, cartitem_id=c1.pk), LineRequest(hoodie.pk, red_m.pk, 3, cartitem_id=c2.pk)])
    tee.refresh_from_db(); hoodie.refresh_from_db(); red_m.refresh_from_db()
    assert tee.stock == 3
    assert red_m.stock == 0
    assert hoodie.stock == 10 - 3 == sum(hoodie.skus.values_list("stock", flat=True))
    assert list(CartItem.objects.for_sandbox(sandbox).values_list("pk", flat=True)) == [keep.pk]
    event = ShopEvent.objects.for_sandbox(sandbox).get(action="order.create")
    assert event.actor == f"buyer:{buyer.nickname}" and event.object_id == order.pk
    assert event.after["pay_amount"] == str(order.pay_amount)
    assert sorted(event.after["cart_cleared"]) == sorted([c1.pk, c2.pk])
    assert {m["product"]: m["product_stock"] for m in event.after["stock"]} == {tee.pk: [5, 3], hoodie.pk: [10, 7]}


def test_insufficient_stock_refused_and_nothing_written(sandbox):
    tee = f.product(sandbox, stock=2)
    hoodie = f.product_with_skus(sandbox)
    blue_m = hoodie.skus.get(spec_label="蓝色 / M")
    buyer = f.customer(sandbox)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="库存不足"):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR,
                    lines=[LineRequest(hoodie.pk, blue_m.pk, 1), LineRequest(tee.pk, None, 3)])
    assert _state(sandbox) == before


def test_same_sku_in_two_lines_counts_together(sandbox):
    tee = f.product(sandbox, stock=3)
    buyer = f.customer(sandbox)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="库存不足"):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR,
                    lines=[LineRequest(tee.pk, None, 2), LineRequest(tee.pk, None, 2)])
    assert _state(sandbox) == before


def test_sold_out_sku_refused(sandbox):
    hoodie = f.product_with_skus(sandbox)
    red_l = hoodie.skus.get(spec_label="红色 / L")  # stock 0
    before = _state(sandbox)
    with pytest.raises(ShopError, match="已售罄"):
        order_place(sandbox=sandbox, customer=f.customer(sandbox), address=ADDR,
                    lines=[LineRequest(hoodie.pk, red_l.pk, 1)])
    assert _state(sandbox) == before


def test_product_taken_off_sale_after_carting_is_refused(sandbox):
    tee = f.product(sandbox, stock=5)
    buyer = f.customer(sandbox)
    item = cartitem_add(sandbox=sandbox, actor=Actor.buyer(buyer), customer=buyer, product=tee, sku=None, quantity=1)
    Product.objects.filter(pk=tee.pk).update(status=Product.Status.IN_WAREHOUSE)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="已下架"):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR,
                    lines=[LineRequest(tee.pk, None, 1, cartitem_id=item.pk)])
    assert _state(sandbox) == before
    assert CartItem.objects.filter(pk=item.pk).exists()


def test_sku_required_when_product_has_skus_and_must_belong_to_it(sandbox):
    hoodie = f.product_with_skus(sandbox)
    other = f.product_with_skus(sandbox, title="另一件")
    buyer = f.customer(sandbox)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="请选择"):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR, lines=[LineRequest(hoodie.pk, None, 1)])
    with pytest.raises(ShopError, match="请选择"):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR,
                    lines=[LineRequest(hoodie.pk, other.skus.first().pk, 1)])
    assert _state(sandbox) == before


def test_other_sandboxes_products_and_coupons_refused(sandbox, make_sandbox):
    other = make_sandbox(name="别人的店")
    foreign = f.product(other)
    foreign_coupon = f.coupon(other, threshold="0.00", amount="5.00")
    mine = f.product(sandbox)
    buyer = f.customer(sandbox)
    before = _state(sandbox), _state(other)
    with pytest.raises(ShopError):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR, lines=[LineRequest(foreign.pk, None, 1)])
    with pytest.raises(ShopError):
        order_place(sandbox=sandbox, customer=buyer, address=ADDR, lines=[LineRequest(mine.pk, None, 1)],
                    coupon=foreign_coupon)
    with pytest.raises(ShopError):
        order_place(sandbox=other, customer=buyer, address=ADDR, lines=[LineRequest(foreign.pk, None, 1)])
    assert (_state(sandbox), _state(other)) == before


@pytest.mark.parametrize("change, message", [
    ({"receiver_phone": "12800138000"}, "手机号码"),
    ({"receiver_phone": "1380013800"}, "手机号码"),
    ({"province": "火星"}, "省份"),
    ({"receiver_name": " "}, "不能为空"),
])
def test_bad_address_refused(sandbox, change, message):
    tee = f.product(sandbox)
    before = _state(sandbox)
    with pytest.raises(ShopError, match=message):
        order_place(sandbox=sandbox, customer=f.customer(sandbox), lines=[LineRequest(tee.pk, None, 1)],
                    address=Address(**{**f.ADDRESS, **change}))
    assert _state(sandbox) == before


def test_buyer_message_limit(sandbox):
    tee = f.product(sandbox)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="留言"):
        order_place(sandbox=sandbox, customer=f.customer(sandbox), lines=[LineRequest(tee.pk, None, 1)],
                    address=ADDR, buyer_message="好" * 201)
    assert _state(sandbox) == before


def test_coupon_threshold_expiry_and_per_customer_limit(sandbox):
    tee = f.product(sandbox, price="50.00", stock=50)
    buyer = f.customer(sandbox)
    high = f.coupon(sandbox, threshold="200.00", amount="20.00")
    expired = f.coupon(sandbox, threshold="0.00", amount="5.00", ends_at=timezone.now() - timedelta(minutes=1),
                       starts_at=timezone.now() - timedelta(days=2))
    once = f.coupon(sandbox, threshold="100.00", amount="10.00", per_customer=1)
    line = [LineRequest(tee.pk, None, 2)]  # goods 100
    assert usable_coupons(sandbox=sandbox, customer=buyer, goods_total=Decimal("100.00")) == [once]
    before = _state(sandbox)
    for bad in (high, expired):
        with pytest.raises(ShopError, match="不可用"):
            order_place(sandbox=sandbox, customer=buyer, lines=line, address=ADDR, coupon=bad)
    assert _state(sandbox) == before
    order_place(sandbox=sandbox, customer=buyer, lines=line, address=ADDR, coupon=once)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="每人限用"):
        order_place(sandbox=sandbox, customer=buyer, lines=line, address=ADDR, coupon=once)
    assert _state(sandbox) == before
    assert usable_coupons(sandbox=sandbox, customer=buyer, goods_total=Decimal("100.00")) == []


def test_coupon_used_up(sandbox):
    tee = f.product(sandbox, price="50.00", stock=50)
    cp = f.coupon(sandbox, threshold="0.00", amount="5.00", total=1, per_customer=5)
    order_place(sandbox=sandbox, customer=f.customer(sandbox), lines=[LineRequest(tee.pk, None, 1)], address=ADDR,
                coupon=cp)
    before = _state(sandbox)
    with pytest.raises(ShopError, match="领完"):
        order_place(sandbox=sandbox, customer=f.customer(sandbox), lines=[LineRequest(tee.pk, None, 1)],
                    address=ADDR, coupon=cp)
    assert _state(sandbox) == before


def test_order_numbers_unique_and_retried_on_collision(sandbox, monkeypatch):
    from shop_sim.services import checkout

    tee = f.product(sandbox, stock=10)
    draws = iter([123456, 123456, 654321])
    monkeypatch.setattr(checkout.secrets, "randbelow", lambda n: next(draws))
    buyer = f.customer(sandbox)
    first = order_place(sandbox=sandbox, customer=buyer, lines=[LineRequest(tee.pk, None, 1)], address=ADDR)
    second = order_place(sandbox=sandbox, customer=buyer, lines=[LineRequest(tee.pk, None, 1)], address=ADDR)
    assert first.order_no.endswith("123456")
    assert second.order_no.endswith("654321")


def test_cart_add_merges_and_caps_at_stock(sandbox):
    tee = f.product(sandbox, stock=3)
    buyer = f.customer(sandbox)
    actor = Actor.buyer(buyer)
    item = cartitem_add(sandbox=sandbox, actor=actor, customer=buyer, product=tee, sku=None, quantity=2)
    again = cartitem_add(sandbox=sandbox, actor=actor, customer=buyer, product=tee, sku=None, quantity=1)
    assert again.pk == item.pk and again.quantity == 3
    events = ShopEvent.objects.for_sandbox(sandbox).count()
    with pytest.raises(ShopError, match="库存不足"):
        cartitem_add(sandbox=sandbox, actor=actor, customer=buyer, product=tee, sku=None, quantity=1)
    with pytest.raises(ShopError, match="库存不足"):
        cartitem_update(sandbox=sandbox, actor=actor, cartitem=item, quantity=4)
    item.refresh_from_db()
    assert item.quantity == 3 and ShopEvent.objects.for_sandbox(sandbox).count() == events
    cartitem_update(sandbox=sandbox, actor=actor, cartitem=item, quantity=1)
    cartitem_remove(sandbox=sandbox, actor=actor, cartitem=item)
    assert not CartItem.objects.filter(pk=item.pk).exists()
    assert list(ShopEvent.objects.for_sandbox(sandbox).values_list("action", flat=True)) == [
        "cart.add", "cart.add", "cart.update", "cart.remove"]


def test_cart_refuses_off_sale_product(sandbox):
    draft = f.product(sandbox, status=Product.Status.DRAFT)
    buyer = f.customer(sandbox)
    with pytest.raises(ShopError, match="已下架"):
        cartitem_add(sandbox=sandbox, actor=Actor.buyer(buyer), customer=buyer, product=draft, sku=None, quantity=1)
    assert not CartItem.objects.exists() and not ShopEvent.objects.exists()


def test_customer_signin_creates_once_with_event(sandbox):
    first = customer_signin(sandbox=sandbox, nickname="小明_01", phone="13912345678")
    again = customer_signin(sandbox=sandbox, nickname="小明_01", phone="")
    assert first.pk == again.pk and again.phone == "13912345678"
    assert list(ShopEvent.objects.for_sandbox(sandbox).values_list("action", "actor")) == [
        ("customer.register", "buyer:小明_01")]
    for bad in ("a", "x" * 21, "<script>", "有 空格"):
        with pytest.raises(ShopError):
            customer_signin(sandbox=sandbox, nickname=bad)
    with pytest.raises(ShopError):
        customer_signin(sandbox=sandbox, nickname="好名字", phone="123")
    assert Customer.objects.for_sandbox(sandbox).count() == 1
