"""The shop generator: a complete, believable, consistent and deterministic shop."""

import random
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from PIL import Image

from fixtures.fingerprint import shop_dump, shop_fingerprint
from fixtures.generators import generate_shop, reference_for_seed
from fixtures.generators import words as W
from shop_sim.models import (
    AutoReplyRule, Banner, Category, ChatMessage, ChatSession, Coupon, Customer, CustomerTag, CustomerTagging,
    HomeModule, HomeModuleItem, NavItem, Order, OrderLine, Product, ProductImage, Refund, Review, Sandbox,
    ShippingRule, ShippingTemplate, ShopDecoration, ShopEvent, Sku,
)
from shop_sim.services.base import ShopError
from shop_sim.services.catalog import shipping_fee_quote, sku_combinations, sku_label, specs_check, title_check
from shop_sim.services.marketing import coupon_rules_error
from shop_sim.services.orders import CARRIERS, PROVINCES
from shop_sim.services.text import byte_length

pytestmark = pytest.mark.django_db

SMALL = {"products": 10, "orders": 30, "customers": 15}
BANNED = ("最", "第一", "唯一", "独家", "首家", "顶级", "极致", "国家级", "NO.1")
WAYBILL_FORMATS = {
    "SF": r"SF\d{12}", "ZTO": r"75\d{12}", "YTO": r"YT\d{13}", "YUNDA": r"43\d{11}", "STO": r"77\d{13}",
    "JD": r"JD\d{13}", "EMS": r"98\d{11}", "JTSEXPRESS": r"JT\d{13}",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def _shop(seed=7, template=False, **sizes):
    sandbox = Sandbox.objects.create(name=f"店{seed}", is_template=template)
    stats = generate_shop(sandbox=sandbox, seed=seed, **{**SMALL, **sizes})
    return sandbox, stats


@pytest.fixture
def shop():
    return _shop()


def test_counts_match_the_request_and_the_stats(shop):
    sandbox, stats = shop
    scoped = lambda model: model.objects.for_sandbox(sandbox).count()  # noqa: E731
    assert (scoped(Product), scoped(Order), scoped(Customer)) == (10, 30, 15)
    expected = {
        "categories": Category, "shipping_templates": ShippingTemplate, "shipping_rules": ShippingRule,
        "products": Product, "skus": Sku, "product_images": ProductImage, "customers": Customer,
        "customer_tags": CustomerTag, "customer_taggings": CustomerTagging, "coupons": Coupon, "orders": Order,
        "order_lines": OrderLine, "refunds": Refund, "reviews": Review, "chat_sessions": ChatSession,
        "chat_messages": ChatMessage, "auto_reply_rules": AutoReplyRule, "nav_items": NavItem, "banners": Banner,
        "home_modules": HomeModule, "home_module_items": HomeModuleItem,
    }
    for key, model in expected.items():
        assert getattr(stats, key) == scoped(model), key
    assert stats.sandbox_id == sandbox.pk and stats.seed == 7
    assert stats.reference == reference_for_seed(7).isoformat()
    events = ShopEvent.objects.for_sandbox(sandbox)
    assert [e.action for e in events] == ["shop.generate"]
    assert events[0].after["orders"] == 30


def test_category_tree_is_two_levels_deep(shop):
    sandbox, _ = shop
    categories = list(Category.objects.for_sandbox(sandbox))
    tops = [c for c in categories if c.parent_id is None]
    children = [c for c in categories if c.parent_id is not None]
    top_names = {name for name, _leaves in W.TOP_CATEGORIES}
    assert len(tops) >= 2 and {c.name for c in tops} <= top_names
    assert children and all(c.parent.parent_id is None and c.parent.sandbox_id == sandbox.pk for c in children)
    assert all(Category.objects.filter(parent=top).exists() for top in tops)
    # products sit in leaf categories
    assert not Product.objects.for_sandbox(sandbox).filter(category__parent__isnull=True).exists()


def test_products_are_valid_listings(shop):
    sandbox, _ = shop
    products = list(Product.objects.for_sandbox(sandbox).prefetch_related("skus", "images"))
    titles = [p.title for p in products]
    assert len(set(titles)) == len(titles)
    for product in products:
        assert title_check(product.title) == product.title
        assert byte_length(product.title) <= 60
        assert byte_length(product.title) >= 30  # titles use the space, as sellers do
        for text in (product.title, product.subtitle, product.detail_html, *product.attributes.values()):
            assert not any(word in text for word in BANNED), text
        assert product.attributes["品牌"] and len(product.attributes) >= 3
        assert product.price.as_tuple().exponent == -2 and product.price > 0
        skus = list(product.skus.all())
        assert specs_check(product.spec_names) == product.spec_names
        assert len(skus) == len(sku_combinations(product.spec_names))
        # key order of a JSON object is not kept by PostgreSQL's jsonb: read values in spec order
        combos = [tuple(s.spec_values[spec["name"]] for spec in product.spec_names) for s in skus]
        assert combos == sku_combinations(product.spec_names)
        assert all(s.spec_label == sku_label(combo) for s, combo in zip(skus, combos))
        assert product.stock == sum(s.stock for s in skus)
        assert product.price == min(s.price for s in skus)
        assert all(s.price.as_tuple().exponent == -2 and s.price > 0 for s in skus)
        assert all(s.code.startswith(product.merchant_code + "-") for s in skus)
        assert len({s.code for s in skus}) == len(skus)
        assert product.shipping_template.sandbox_id == sandbox.pk
        images = list(product.images.all())
        assert 1 <= len(images) <= 2 and all(i.width == i.height == 800 for i in images)
    statuses = [p.status for p in products]
    assert statuses.count(Product.Status.ON_SALE) > len(products) / 2
    assert Product.Status.IN_WAREHOUSE in statuses and Product.Status.DRAFT in statuses
    # drafts are never sold; sales counts add up to what paid, unrefunded orders hold
    sold = {}
    for line in OrderLine.objects.for_sandbox(sandbox).select_related("order"):
        order = line.order
        if order.paid_at and order.close_reason != "退款成功":
            sold[line.product_id] = sold.get(line.product_id, 0) + line.quantity
    for product in products:
        assert product.sales_count == sold.get(product.pk, 0)
        if product.status == Product.Status.DRAFT:
            assert product.sales_count == 0


def test_shipping_templates_and_fees(shop):
    sandbox, _ = shop
    templates = {t.name: t for t in ShippingTemplate.objects.for_sandbox(sandbox).prefetch_related("rules")}
    free = templates["全国包邮"]
    assert free.payer == ShippingTemplate.Payer.SELLER
    by_item = templates["普通快递（按件计费）"]
    assert by_item.payer == ShippingTemplate.Payer.BUYER and by_item.pricing == ShippingTemplate.Pricing.ITEM
    regions = {r for rule in by_item.rules.all() for r in rule.regions}
    assert {"新疆", "西藏", "内蒙古"} <= regions
    for rule in ShippingRule.objects.for_sandbox(sandbox):
        assert rule.extra_fee <= rule.first_fee and rule.template.sandbox_id == sandbox.pk
    # every order's freight is what the checkout quote would charge
    for order in Order.objects.for_sandbox(sandbox).prefetch_related("lines__product__shipping_template__rules"):
        units = {}
        for line in order.lines.all():
            template = line.product.shipping_template
            units[template] = units.get(template, 0) + line.quantity
        quoted = sum((shipping_fee_quote(template=t, province=order.province, quantity=n) for t, n in units.items()),
                     Decimal("0"))
        assert order.shipping_fee == quoted


def test_orders_cover_every_status_with_consistent_money_and_times(shop):
    sandbox, stats = shop
    reference = reference_for_seed(7)
    orders = list(Order.objects.for_sandbox(sandbox).prefetch_related("lines"))
    assert {o.status for o in orders} == set(Order.Status.values)
    numbers = [o.order_no for o in orders]
    assert all(re.fullmatch(r"[1-4]\d{17}", n) for n in numbers) and len(set(numbers)) == len(numbers)
    for order in orders:
        assert order.customer.sandbox_id == sandbox.pk
        assert order.created_at.tzinfo is not None and order.created_at.utcoffset() == timedelta(0)
        assert reference - timedelta(days=60) <= order.created_at <= reference
        stamps = [t for t in (order.created_at, order.paid_at, order.shipped_at, order.finished_at, order.closed_at)
                  if t is not None]
        assert stamps == sorted(stamps) and stamps[-1] <= reference
        lines = list(order.lines.all())
        assert lines
        for line in lines:
            assert line.subtotal == line.unit_price * line.quantity
            assert line.sku.product_id == line.product_id and line.title == line.product.title
        assert order.goods_total == sum(line.subtotal for line in lines)
        assert order.pay_amount == order.goods_total + order.shipping_fee - order.discount
        assert re.fullmatch(r"1[3-9]\d{9}", order.receiver_phone)
        assert order.province in PROVINCES and order.address_detail
        if order.coupon_id:
            assert order.discount == order.coupon.amount and order.goods_total >= order.coupon.threshold
        else:
            assert order.discount == 0
        status = order.status
        assert (order.paid_at is None) == (status == Order.Status.AWAITING_PAYMENT or
                                           (status == Order.Status.CLOSED and order.close_reason != "退款成功"))
        if status in (Order.Status.SHIPPED, Order.Status.FINISHED):
            assert order.shipped_at is not None
        if order.shipped_at:
            assert re.fullmatch(CARRIERS[order.carrier][1], order.waybill_no)
            assert re.fullmatch(WAYBILL_FORMATS[order.carrier], order.waybill_no)
        else:
            assert order.carrier == order.waybill_no == ""
        assert (order.finished_at is not None) == (status == Order.Status.FINISHED)
        assert (order.closed_at is not None) == (status == Order.Status.CLOSED) == bool(order.close_reason)
    # ids follow time, as on a real platform
    by_id = sorted(orders, key=lambda o: o.pk)
    assert [o.created_at for o in by_id] == sorted(o.created_at for o in orders)


def test_refunds_of_both_kinds_in_several_states(shop):
    sandbox, _ = shop
    refunds = list(Refund.objects.for_sandbox(sandbox).select_related("order", "line"))
    assert {r.kind for r in refunds} == set(Refund.Kind.values)
    assert len({r.status for r in refunds}) >= 3
    for refund in refunds:
        order = refund.order
        assert order.sandbox_id == sandbox.pk and refund.line.order_id == order.pk
        assert 0 < refund.amount <= order.pay_amount
        assert order.created_at <= refund.created_at <= refund.updated_at <= reference_for_seed(7)
        if order.status == Order.Status.CLOSED:
            assert refund.status == Refund.Status.SUCCESS and refund.amount == order.pay_amount
        if refund.status == Refund.Status.AWAITING_RECEIPT:
            assert refund.return_carrier and refund.return_waybill_no
        if refund.status == Refund.Status.REFUSED:
            assert refund.seller_note
        assert order.status != Order.Status.AWAITING_PAYMENT


def test_reviews_chats_auto_replies_and_coupons(shop):
    sandbox, _ = shop
    reference = reference_for_seed(7)
    reviews = list(Review.objects.for_sandbox(sandbox).select_related("order"))
    assert reviews and all(1 <= r.rating <= 5 and r.content for r in reviews)
    for review in reviews:
        assert review.order.status == Order.Status.FINISHED and review.order.customer_id == review.customer_id
        assert review.order.finished_at <= review.created_at <= reference
        if review.reply:
            assert review.created_at <= review.replied_at <= reference
        else:
            assert review.replied_at is None
    assert any(r.reply for r in reviews)

    sessions = list(ChatSession.objects.for_sandbox(sandbox).prefetch_related("messages"))
    assert len(sessions) >= 3
    for session in sessions:
        messages = list(session.messages.all())
        assert messages and messages[0].sender == ChatMessage.Sender.BUYER
        assert session.started_at == messages[0].created_at and session.last_message_at == messages[-1].created_at
        assert session.last_message_at <= reference
        trailing = 0
        for message in reversed(messages):
            if message.sender != ChatMessage.Sender.BUYER:
                break
            trailing += 1
        assert session.unread_count == trailing
        assert all("{" not in m.body for m in messages)
    assert any(s.unread_count for s in sessions)

    rules = list(AutoReplyRule.objects.for_sandbox(sandbox))
    kinds = [r.kind for r in rules]
    assert kinds.count("greeting") == 1 and kinds.count("offline") == 1 and kinds.count("keyword") == 3
    greeting = next(r for r in rules if r.kind == "greeting")
    assert len(greeting.reply) <= 50
    assert all(1 <= len(r.keywords) <= 10 for r in rules if r.kind == "keyword")

    coupons = list(Coupon.objects.for_sandbox(sandbox))
    assert 2 <= len(coupons) <= 3
    for coupon in coupons:
        assert coupon.claimed_count <= coupon.total_quantity
        assert coupon.claimed_count >= Order.objects.for_sandbox(sandbox).filter(coupon=coupon).count()
        if coupon.ends_at > reference:
            assert coupon_rules_error(
                name=coupon.name, threshold=coupon.threshold, amount=coupon.amount,
                total_quantity=coupon.total_quantity, per_customer_limit=coupon.per_customer_limit,
                starts_at=coupon.starts_at, ends_at=coupon.ends_at, now=reference) is None


def test_customers_and_tags(shop):
    sandbox, _ = shop
    customers = list(Customer.objects.for_sandbox(sandbox))
    assert len({c.nickname for c in customers}) == len(customers)
    for customer in customers:
        assert re.fullmatch(r"1[3-9]\d{9}", customer.phone)
        assert customer.province in PROVINCES and customer.city and customer.name
        assert customer.level in Customer.Level.values
        first = Order.objects.for_sandbox(sandbox).filter(customer=customer).order_by("created_at").first()
        if first:
            assert customer.created_at < first.created_at
    tags = {t.name for t in CustomerTag.objects.for_sandbox(sandbox)}
    assert {"高价值", "复购", "差评风险"} <= tags
    taggings = CustomerTagging.objects.for_sandbox(sandbox).select_related("customer", "tag")
    assert taggings.filter(tag__name="高价值").exists()
    for tagging in taggings.filter(tag__name="复购"):
        assert Order.objects.filter(customer=tagging.customer, paid_at__isnull=False).count() >= 2


def test_decoration_and_images(shop, media):
    sandbox, _ = shop
    decoration = ShopDecoration.objects.get(sandbox=sandbox)
    assert decoration.shop_name and decoration.slogan and re.fullmatch(r"#[0-9a-f]{6}", decoration.theme_color)
    assert not any(word in decoration.slogan + decoration.announcement for word in BANNED)
    tops = list(Category.objects.for_sandbox(sandbox).filter(parent__isnull=True).order_by("position"))
    nav = list(NavItem.objects.for_sandbox(sandbox).order_by("position"))
    assert [n.category_id for n in nav] == [c.pk for c in tops] and [n.label for n in nav] == [c.name for c in tops]
    featured = HomeModule.objects.for_sandbox(sandbox).get(title="宝贝推荐")
    items = list(HomeModuleItem.objects.filter(module=featured))
    on_sale = Product.objects.for_sandbox(sandbox).filter(status=Product.Status.ON_SALE).count()
    assert len(items) == min(8, on_sale)
    assert all(i.product.status == Product.Status.ON_SALE and i.product.sandbox_id == sandbox.pk for i in items)
    banner = Banner.objects.for_sandbox(sandbox).get()
    names = set(ProductImage.objects.for_sandbox(sandbox).values_list("image", flat=True))
    names |= {banner.image.name, decoration.logo.name}
    assert len(names) <= 2 * len(tops) + 2  # a handful of files shared by every product
    for name in names:
        assert name.startswith(f"shops/{sandbox.storefront_key}/")
        with Image.open(media / name) as image:
            assert image.format == "PNG"
            size = image.size
        if name.endswith("logo.png"):
            assert size == (100, 100)
        elif "banner" in name:
            assert size == (1920, 540)
        else:
            assert size == (800, 800)


def test_templates_keep_their_images_under_the_seed_directory():
    sandbox, _ = _shop(seed=11, template=True)
    names = set(ProductImage.objects.for_sandbox(sandbox).values_list("image", flat=True))
    assert names and all(n.startswith("shops/template-11/") for n in names)


def test_an_existing_decoration_row_is_filled_not_duplicated(make_sandbox):
    sandbox = make_sandbox(name="已有装修")
    generate_shop(sandbox=sandbox, seed=3, **SMALL)
    decoration = ShopDecoration.objects.get(sandbox=sandbox)
    assert decoration.shop_name != "已有装修"


def test_same_seed_same_shop_byte_for_byte():
    first, _ = _shop(seed=42)
    # neither the clock nor the global random generator may leak into the shop
    random.seed(999)
    later = datetime(2031, 5, 5, tzinfo=timezone.utc)
    with mock.patch("django.utils.timezone.now", return_value=later):
        second, _ = _shop(seed=42)
    assert first.pk != second.pk
    assert shop_dump(first) == shop_dump(second)
    assert shop_fingerprint(first) == shop_fingerprint(second)
    other, _ = _shop(seed=43)
    assert shop_fingerprint(other) != shop_fingerprint(first)


def test_fingerprint_sees_a_single_changed_value(shop):
    sandbox, _ = shop
    before = shop_fingerprint(sandbox)
    sku = Sku.objects.for_sandbox(sandbox).order_by("pk").last()
    Sku.objects.filter(pk=sku.pk).update(stock=sku.stock + 1)
    assert shop_fingerprint(sandbox) != before


def test_more_orders_leave_the_catalogue_unchanged():
    small, _ = _shop(seed=5, orders=10)
    large, _ = _shop(seed=5, orders=40)
    fields = ("title", "subtitle", "price", "merchant_code", "status")
    assert (list(Product.objects.for_sandbox(small).order_by("pk").values_list(*fields))
            == list(Product.objects.for_sandbox(large).order_by("pk").values_list(*fields)))


def test_refuses_a_sandbox_that_already_has_a_shop(shop):
    sandbox, _ = shop
    before = shop_fingerprint(sandbox)
    events = ShopEvent.objects.for_sandbox(sandbox).count()
    with pytest.raises(ShopError):
        generate_shop(sandbox=sandbox, seed=8, **SMALL)
    assert shop_fingerprint(sandbox) == before
    assert ShopEvent.objects.for_sandbox(sandbox).count() == events


@pytest.mark.parametrize("sizes", [
    {"products": 0, "orders": 5, "customers": 5},
    {"products": 5, "orders": -1, "customers": 5},
    {"products": 5, "orders": 5, "customers": 0},
])
def test_refuses_impossible_sizes(sizes):
    sandbox = Sandbox.objects.create(name="空")
    with pytest.raises(ShopError):
        generate_shop(sandbox=sandbox, seed=1, **sizes)
    assert not Product.objects.for_sandbox(sandbox).exists()
    assert not ShopEvent.objects.for_sandbox(sandbox).exists()


def test_a_shop_without_orders_still_has_customers_and_decoration():
    sandbox, stats = _shop(seed=9, products=3, orders=0, customers=4)
    assert stats.orders == stats.refunds == stats.reviews == 0
    assert Customer.objects.for_sandbox(sandbox).count() == 4
    assert HomeModuleItem.objects.for_sandbox(sandbox).exists()
