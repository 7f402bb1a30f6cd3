"""Storefront pages through the Django test client: visibility, isolation, escaping, buying."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop_sim.models import (
    Banner, CartItem, Customer, HomeModule, HomeModuleItem, NavItem, Order, Product, ProductImage, Refund, Review,
    Sandbox, ShopDecoration, ShopEvent,
)
from shop_sim.storefront.buyer import buyer_session_key

from . import test_storefront_factories as f

pytestmark = pytest.mark.django_db


def url(sandbox, name, **kwargs):
    return reverse(f"storefront:{name}", kwargs={"storefront_key": sandbox.storefront_key, **kwargs})


# --- who may see what ----------------------------------------------------------------------------

def test_unknown_key_is_404(client, sandbox):
    for name in ("home", "all_products", "search", "buyer_login", "cart"):
        assert client.get(reverse(f"storefront:{name}", kwargs={"storefront_key": "no-such-shop"})).status_code == 404


def test_template_sandbox_is_never_shown(client, make_sandbox):
    template = make_sandbox(name="模板店")
    Sandbox.objects.filter(pk=template.pk).update(is_template=True)
    item = f.product(template)
    assert client.get(url(template, "home")).status_code == 404
    assert client.get(url(template, "product", product_id=item.pk)).status_code == 404


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.IN_WAREHOUSE])
def test_product_not_on_sale_is_404(client, sandbox, status):
    item = f.product(sandbox, status=status)
    assert client.get(url(sandbox, "product", product_id=item.pk)).status_code == 404
    assert client.post(url(sandbox, "cart_add", product_id=item.pk), {"quantity": 1}).status_code == 404


def test_other_sandboxes_ids_are_404_under_this_key(client, sandbox, make_sandbox):
    other = make_sandbox(name="B店")
    their_product = f.product(other)
    their_category = f.category(other)
    their_buyer = f.customer(other)
    from tests.unit.test_orders_factories import make_order

    their_order = make_order(other, customer=their_buyer)
    their_item = CartItem.objects.create(sandbox=other, customer=their_buyer, product=their_product, quantity=1)
    me = f.customer(sandbox)
    f.login_buyer(client, sandbox, me)
    for path in (url(sandbox, "product", product_id=their_product.pk),
                 url(sandbox, "category", category_id=their_category.pk),
                 url(sandbox, "buyer_order", order_id=their_order.pk),
                 url(sandbox, "order_pay", order_id=their_order.pk),
                 url(sandbox, "cart_update", cartitem_id=their_item.pk),
                 url(sandbox, "cart_remove", cartitem_id=their_item.pk)):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
    client.logout()
    # without a buyer too: the id is checked before the login redirect
    assert client.get(url(sandbox, "buyer_order", order_id=their_order.pk)).status_code == 404
    their_order.refresh_from_db()
    assert their_order.status == Order.Status.PAID and CartItem.objects.filter(pk=their_item.pk).exists()


def test_buyer_cannot_see_or_pay_another_buyers_order(client, sandbox):
    from tests.unit.test_orders_factories import make_order

    alice, bob = f.customer(sandbox, "alice"), f.customer(sandbox, "bob")
    order = make_order(sandbox, customer=alice, status=Order.Status.AWAITING_PAYMENT)
    f.login_buyer(client, sandbox, bob)
    assert client.get(url(sandbox, "buyer_order", order_id=order.pk)).status_code == 404
    assert client.post(url(sandbox, "order_pay", order_id=order.pk)).status_code == 404
    assert order.order_no not in client.get(url(sandbox, "buyer_orders")).content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    f.login_buyer(client, sandbox, alice)
    page = client.get(url(sandbox, "buyer_order", order_id=order.pk))
    assert page.status_code == 200 and order.order_no in page.content.decode()


def test_pages_needing_a_buyer_redirect_to_login(client, sandbox):
    for name in ("cart", "checkout", "buyer_orders"):
        response = client.get(url(sandbox, name))
        assert response.status_code == 302
        assert response["Location"].startswith(url(sandbox, "buyer_login") + "?next=")


# --- browsing ------------------------------------------------------------------------------------

def test_search_finds_on_sale_products_by_title_and_subtitle(client, sandbox):
    f.product(sandbox, title="纯棉白色T恤")
    f.product(sandbox, title="卫衣", subtitle="纯棉加厚")
    f.product(sandbox, title="纯棉草稿款", status=Product.Status.DRAFT)
    f.product(sandbox, title="纯棉仓库款", status=Product.Status.IN_WAREHOUSE)
    f.product(sandbox, title="牛仔裤")
    body = client.get(url(sandbox, "search"), {"q": "纯棉"}).content.decode()
    assert "纯棉白色T恤" in body and "卫衣" in body
    assert "草稿款" not in body and "仓库款" not in body and "牛仔裤" not in body
    assert "共 2 件宝贝" in body
    assert "没有找到" in client.get(url(sandbox, "search"), {"q": "草稿"}).content.decode()


def test_category_page_includes_child_categories(client, sandbox):
    top = f.category(sandbox, "女装")
    child = f.category(sandbox, "连衣裙", parent=top)
    f.product(sandbox, title="碎花连衣裙", category=child)
    f.product(sandbox, title="女装外套", category=top)
    f.product(sandbox, title="男装夹克", category=f.category(sandbox, "男装"))
    f.product(sandbox, title="女装草稿", category=top, status=Product.Status.DRAFT)
    body = client.get(url(sandbox, "category", category_id=top.pk)).content.decode()
    assert "碎花连衣裙" in body and "女装外套" in body
    assert "男装夹克" not in body and "女装草稿" not in body


def test_all_products_sorted_by_price_sales_newest(client, sandbox):
    f.product(sandbox, title="中价", price="50.00", sales_count=5)
    f.product(sandbox, title="低价", price="10.00", sales_count=1)
    f.product(sandbox, title="高价", price="90.00", sales_count=9)

    def order_of(sort):
        body = client.get(url(sandbox, "all_products"), {"sort": sort}).content.decode()
        return sorted(["中价", "低价", "高价"], key=body.index)

    assert order_of("price_asc") == ["低价", "中价", "高价"]
    assert order_of("price_desc") == ["高价", "中价", "低价"]
    assert order_of("sales") == ["高价", "中价", "低价"]
    assert order_of("newest") == ["高价", "低价", "中价"]
    assert client.get(url(sandbox, "all_products"), {"sort": "<bad>"}).status_code == 200


def test_product_page_shows_sku_price_range_and_sku_data(client, sandbox):
    hoodie = f.product_with_skus(sandbox, subtitle="加绒加厚", attributes={"面料": "棉"})
    response = client.get(url(sandbox, "product", product_id=hoodie.pk))
    body = response.content.decode()
    assert "¥79.00–99.00" in body
    assert "加绒加厚" in body and "面料" in body
    data = response.context["sku_data"]
    assert data["specs"] == ["颜色", "尺码"]
    by_label = {s["label"]: s for s in data["skus"]}
    assert by_label["蓝色 / M"]["price"] == "99.00" and by_label["红色 / L"]["stock"] == 0
    assert 'id="sku-data"' in body and '<legend>颜色</legend>' in body
    assert 'id="id_quantity"' in body and "加入购物车" in body and "立即购买" in body


def test_fully_sold_out_spec_value_is_disabled(client, sandbox):
    item = f.product_with_skus(sandbox, skus=(("红色", "M", "10.00", 0), ("红色", "L", "10.00", 0),
                                               ("蓝色", "M", "12.00", 4), ("蓝色", "L", "12.00", 1)))
    body = client.get(url(sandbox, "product", product_id=item.pk)).content.decode()
    red = body[body.index('value="红色"') - 80: body.index('value="红色"') + 40]
    blue = body[body.index('value="蓝色"') - 80: body.index('value="蓝色"') + 40]
    assert "disabled" in red and "disabled" not in blue


def test_product_detail_html_is_sanitised_on_output(client, sandbox):
    item = f.product(sandbox, detail_html='<p>好面料</p><script>alert("x")</script><img src="x" onerror="alert(1)">')
    body = client.get(url(sandbox, "product", product_id=item.pk)).content.decode()
    assert "<p>好面料</p>" in body
    assert 'alert("x")' not in body and "onerror" not in body


def test_reviews_and_shipping_hint(client, sandbox):
    from django.utils import timezone

    tpl = f.shipping_template(sandbox, first_fee="8.00", rules=[(["新疆"], "20.00", "10.00")])
    item = f.product(sandbox, shipping_template=tpl)
    buyer = f.customer(sandbox, "reviewer")
    Review.objects.create(sandbox=sandbox, product=item, customer=buyer, rating=5, content="<b>很好</b>",
                          reply="谢谢亲", created_at=timezone.now())
    body = client.get(url(sandbox, "product", product_id=item.pk)).content.decode()
    assert "&lt;b&gt;很好&lt;/b&gt;" in body and "谢谢亲" in body and "r***r" in body
    assert "快递：¥8.00 起" in body and "部分地区运费不同" in body
    free = f.product(sandbox, title="包邮款", shipping_template=f.shipping_template(sandbox, payer="seller"))
    assert "包邮" in client.get(url(sandbox, "product", product_id=free.pk)).content.decode()


# --- decoration on the storefront ---------------------------------------------------------------

def test_user_text_is_escaped_on_the_storefront(client, sandbox):
    ShopDecoration.objects.filter(sandbox=sandbox).update(
        shop_name="<script>alert(1)</script>", slogan="<img src=x onerror=alert(2)>",
        announcement="<b>公告</b>", theme_color="#12ab34")
    HomeModule.objects.create(sandbox=sandbox, kind=HomeModule.Kind.TEXT, title="<i>标题</i>",
                              body="第一行<script>alert(3)</script>\n第二行")
    body = client.get(url(sandbox, "home")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in body
    assert "&lt;b&gt;公告&lt;/b&gt;" in body and "&lt;i&gt;标题&lt;/i&gt;" in body
    assert "第一行&lt;script&gt;alert(3)&lt;/script&gt;<br>第二行" in body
    for raw in ("<script>alert(1)", "<script>alert(3)", "<img src=x", "<b>公告", "<i>标题"):
        assert raw not in body
    assert "--theme: #12ab34;" in body


def test_bad_theme_colour_in_db_falls_back_to_default(client, sandbox):
    ShopDecoration.objects.filter(sandbox=sandbox).update(theme_color='red;}')
    body = client.get(url(sandbox, "home")).content.decode()
    assert "--theme: #ff5000;" in body and "red;}" not in body


def test_unsafe_links_in_db_are_not_rendered_as_href(client, sandbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cat = f.category(sandbox, "上新")
    NavItem.objects.create(sandbox=sandbox, label="坏链接", link="javascript:alert(1)", position=0)
    NavItem.objects.create(sandbox=sandbox, label="好链接", link="https://example.com/a", position=1)
    NavItem.objects.create(sandbox=sandbox, label="分类", category=cat, position=2)
    banner = Banner(sandbox=sandbox, link="JaVaScRiPt:alert(2)", alt="海报")
    banner.image.save("b.png", f.image_file(1920, 540), save=True)
    body = client.get(url(sandbox, "home")).content.decode()
    assert "javascript:" not in body.lower()
    assert '<span class="sf-nav-entry sf-nav-dead">坏链接</span>' in body
    assert '<a class="sf-nav-entry" href="https://example.com/a">好链接</a>' in body
    assert f'href="{url(sandbox, "category", category_id=cat.pk)}">分类</a>' in body
    assert 'alt="海报"' in body


def test_home_modules_show_only_on_sale_products(client, sandbox):
    shown = f.product(sandbox, title="在售推荐款")
    hidden = f.product(sandbox, title="下架推荐款", status=Product.Status.IN_WAREHOUSE)
    module = HomeModule.objects.create(sandbox=sandbox, kind=HomeModule.Kind.PRODUCTS, title="掌柜推荐")
    for i, p in enumerate((shown, hidden)):
        HomeModuleItem.objects.create(sandbox=sandbox, module=module, product=p, position=i)
    body = client.get(url(sandbox, "home")).content.decode()
    assert "掌柜推荐" in body and "在售推荐款" in body and "下架推荐款" not in body


def test_search_box_and_buyer_bar(client, sandbox):
    body = client.get(url(sandbox, "home")).content.decode()
    assert '<label for="sf-search-q">搜索本店宝贝</label>' in body
    assert "登录" in body and "购物车" in body and "我的订单" in body
    f.login_buyer(client, sandbox, f.customer(sandbox, "阿花"))
    body = client.get(url(sandbox, "home")).content.decode()
    assert "你好，阿花" in body and "退出" in body


# --- buyer login ---------------------------------------------------------------------------------

def test_buyer_login_creates_customer_and_logs_in(client, sandbox):
    page = client.get(url(sandbox, "buyer_login"))
    assert "模拟买家登录" in page.content.decode()
    response = client.post(url(sandbox, "buyer_login"),
                           {"nickname": "新买家_1", "phone": "", "next": url(sandbox, "cart")})
    assert response.status_code == 302 and response["Location"] == url(sandbox, "cart")
    buyer = Customer.objects.for_sandbox(sandbox).get(nickname="新买家_1")
    assert client.session[buyer_session_key(sandbox.pk)] == buyer.pk
    assert ShopEvent.objects.for_sandbox(sandbox).filter(action="customer.register").count() == 1
    client.post(url(sandbox, "buyer_logout"))
    assert buyer_session_key(sandbox.pk) not in client.session


@pytest.mark.parametrize("data", [{"nickname": "a"}, {"nickname": "x" * 21}, {"nickname": "<b>hi</b>"},
                                  {"nickname": "好名字", "phone": "1234"}, {"nickname": ""}])
def test_buyer_login_rejects_bad_input(client, sandbox, data):
    response = client.post(url(sandbox, "buyer_login"), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not Customer.objects.exists() and not ShopEvent.objects.exists()


def test_login_next_must_stay_in_this_shop(client, sandbox):
    response = client.post(url(sandbox, "buyer_login") + "?next=https://evil.example/", {"nickname": "buyer_x"})
    assert response["Location"] == url(sandbox, "home")


# --- buying --------------------------------------------------------------------------------------

def test_add_to_cart_needs_login_and_resolves_sku_from_specs(client, sandbox):
    hoodie = f.product_with_skus(sandbox)
    add = url(sandbox, "cart_add", product_id=hoodie.pk)
    response = client.post(add, {"spec_0": "蓝色", "spec_1": "M", "quantity": 2, "action": "cart"})
    assert response.status_code == 302 and url(sandbox, "buyer_login") in response["Location"]
    assert not CartItem.objects.exists()
    buyer = f.customer(sandbox)
    f.login_buyer(client, sandbox, buyer)
    response = client.post(add, {"spec_0": "蓝色", "spec_1": "M", "quantity": 2, "action": "cart"})
    assert response.status_code == 302 and response["Location"] == url(sandbox, "cart")
    item = CartItem.objects.get()
    assert item.sku.spec_label == "蓝色 / M" and item.quantity == 2 and item.customer == buyer
    cart = client.get(url(sandbox, "cart")).content.decode()
    assert "蓝色 / M" in cart and "¥198.00" in cart


@pytest.mark.parametrize("data, message", [
    ({"spec_0": "蓝色", "quantity": 1}, "请选择尺码"),
    ({"spec_0": "绿色", "spec_1": "M", "quantity": 1}, "请选择有效的颜色"),
    ({"spec_0": "红色", "spec_1": "L", "quantity": 1}, "该规格已售罄"),
    ({"spec_0": "蓝色", "spec_1": "M", "quantity": 6}, "库存不足：仅剩 5 件"),
    ({"spec_0": "蓝色", "spec_1": "M", "quantity": 0}, "购买数量至少为 1 件"),
    ({"spec_0": "蓝色", "spec_1": "M", "quantity": "abc"}, "请填写整数数量"),
])
def test_add_to_cart_bad_choices(client, sandbox, data, message):
    hoodie = f.product_with_skus(sandbox)
    f.login_buyer(client, sandbox, f.customer(sandbox))
    response = client.post(url(sandbox, "cart_add", product_id=hoodie.pk), {**data, "action": "cart"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CartItem.objects.exists() and not ShopEvent.objects.exists()


def test_buy_now_goes_to_checkout_without_touching_the_cart(client, sandbox):
    hoodie = f.product_with_skus(sandbox)
    sku = hoodie.skus.get(spec_label="蓝色 / M")
    f.login_buyer(client, sandbox, f.customer(sandbox))
    response = client.post(url(sandbox, "cart_add", product_id=hoodie.pk),
                           {"spec_0": "蓝色", "spec_1": "M", "quantity": 1, "action": "buy"})
    assert response.status_code == 302
    assert response["Location"] == url(sandbox, "checkout") + f"?buy={hoodie.pk}&qty=1&sku={sku.pk}"
    assert not CartItem.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and "确认订单" in page.content.decode() and "¥99.00" in page.content.decode()


def _checkout_post(extra=None):
    return {**f.ADDRESS, "buyer_message": "", "coupon": "", **(extra or {})}


def test_checkout_from_cart_places_order_then_pay(client, sandbox):
    tpl = f.shipping_template(sandbox, first_fee="6.00", extra_fee="1.00")
    tee = f.product(sandbox, price="60.00", stock=5, shipping_template=tpl)
    cp = f.coupon(sandbox, threshold="100.00", amount="15.00")
    buyer = f.customer(sandbox)
    f.login_buyer(client, sandbox, buyer)
    item = CartItem.objects.create(sandbox=sandbox, customer=buyer, product=tee, quantity=2)
    page = client.get(url(sandbox, "checkout"))
    body = page.content.decode()
    assert page.status_code == 200 and "¥120.00" in body and cp.name in body
    assert '<label for="id_receiver_phone">' in body and '<label for="id_coupon">' in body
    response = client.post(url(sandbox, "checkout"), _checkout_post({"items": [item.pk], "coupon": cp.pk}))
    order = Order.objects.for_sandbox(sandbox).get()
    assert response.status_code == 302 and response["Location"] == url(sandbox, "buyer_order", order_id=order.pk)
    assert (order.goods_total, order.shipping_fee, order.discount, order.pay_amount) == (
        Decimal("120.00"), Decimal("7.00"), Decimal("15.00"), Decimal("112.00"))
    assert not CartItem.objects.exists()
    tee.refresh_from_db()
    assert tee.stock == 3
    detail = client.get(response["Location"]).content.decode()
    assert "等待买家付款" in detail and "立即付款" in detail and order.order_no in detail
    client.post(url(sandbox, "order_pay", order_id=order.pk))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at is not None
    assert ShopEvent.objects.for_sandbox(sandbox).filter(action="order.pay", object_id=order.pk).exists()
    assert "买家已付款" in client.get(url(sandbox, "buyer_order", order_id=order.pk)).content.decode()


@pytest.mark.parametrize("change, field", [
    ({"receiver_phone": "23800138000"}, "receiver_phone"),
    ({"receiver_phone": "138001380001"}, "receiver_phone"),
    ({"province": "台北"}, "province"),
    ({"city": ""}, "city"),
    ({"address_detail": ""}, "address_detail"),
    ({"buyer_message": "长" * 201}, "buyer_message"),
    ({"coupon": "999999"}, "coupon"),
])
def test_checkout_form_errors_write_nothing(client, sandbox, change, field):
    tee = f.product(sandbox, stock=5)
    buyer = f.customer(sandbox)
    f.login_buyer(client, sandbox, buyer)
    item = CartItem.objects.create(sandbox=sandbox, customer=buyer, product=tee, quantity=1)
    response = client.post(url(sandbox, "checkout"), _checkout_post({"items": [item.pk], **change}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Order.objects.exists() and not ShopEvent.objects.exists()
    tee.refresh_from_db()
    assert tee.stock == 5 and CartItem.objects.filter(pk=item.pk).exists()


def test_checkout_refuses_product_taken_off_sale_after_carting(client, sandbox):
    tee = f.product(sandbox, stock=5)
    buyer = f.customer(sandbox)
    f.login_buyer(client, sandbox, buyer)
    item = CartItem.objects.create(sandbox=sandbox, customer=buyer, product=tee, quantity=1)
    Product.objects.filter(pk=tee.pk).update(status=Product.Status.IN_WAREHOUSE)
    response = client.post(url(sandbox, "checkout"), _checkout_post({"items": [item.pk]}), follow=True)
    assert "已下架" in response.content.decode()
    assert not Order.objects.exists() and not ShopEvent.objects.exists()
    assert CartItem.objects.filter(pk=item.pk).exists()
    assert "宝贝已下架" in client.get(url(sandbox, "cart")).content.decode()


def test_checkout_ignores_other_buyers_cart_lines(client, sandbox):
    tee = f.product(sandbox, stock=5)
    me, other = f.customer(sandbox), f.customer(sandbox)
    theirs = CartItem.objects.create(sandbox=sandbox, customer=other, product=tee, quantity=1)
    f.login_buyer(client, sandbox, me)
    response = client.post(url(sandbox, "checkout"), _checkout_post({"items": [theirs.pk]}))
    assert response.status_code == 302 and response["Location"] == url(sandbox, "cart")
    assert not Order.objects.exists() and CartItem.objects.filter(pk=theirs.pk).exists()


def test_checkout_summary_partial_quotes_province(client, sandbox):
    tpl = f.shipping_template(sandbox, first_fee="8.00", rules=[(["新疆"], "20.00", "10.00")])
    tee = f.product(sandbox, price="30.00", shipping_template=tpl)
    f.login_buyer(client, sandbox, f.customer(sandbox))
    body = client.get(url(sandbox, "checkout_summary"),
                      {"buy": tee.pk, "qty": 1, "province": "新疆维吾尔自治区"}).content.decode()
    assert "¥20.00" in body and "¥50.00" in body


def test_cart_update_and_remove(client, sandbox):
    tee = f.product(sandbox, stock=4)
    buyer = f.customer(sandbox)
    f.login_buyer(client, sandbox, buyer)
    item = CartItem.objects.create(sandbox=sandbox, customer=buyer, product=tee, quantity=1)
    client.post(url(sandbox, "cart_update", cartitem_id=item.pk), {f"c{item.pk}-quantity": 3})
    item.refresh_from_db()
    assert item.quantity == 3
    response = client.post(url(sandbox, "cart_update", cartitem_id=item.pk), {f"c{item.pk}-quantity": 9}, follow=True)
    assert "库存不足" in response.content.decode()
    item.refresh_from_db()
    assert item.quantity == 3
    client.post(url(sandbox, "cart_remove", cartitem_id=item.pk))
    assert not CartItem.objects.exists()


def test_another_buyers_cart_line_is_404(client, sandbox):
    tee = f.product(sandbox)
    other = f.customer(sandbox)
    item = CartItem.objects.create(sandbox=sandbox, customer=other, product=tee, quantity=1)
    f.login_buyer(client, sandbox, f.customer(sandbox))
    assert client.post(url(sandbox, "cart_remove", cartitem_id=item.pk)).status_code == 404
    assert CartItem.objects.filter(pk=item.pk).exists()


# --- after the purchase --------------------------------------------------------------------------

def test_shipped_order_shows_carrier_and_confirm_receipt(client, sandbox):
    from tests.unit.test_orders_factories import make_order

    buyer = f.customer(sandbox)
    order = make_order(sandbox, customer=buyer, status=Order.Status.SHIPPED)
    f.login_buyer(client, sandbox, buyer)
    body = client.get(url(sandbox, "buyer_order", order_id=order.pk)).content.decode()
    assert "顺丰速运" in body and "SF1234567890123" in body and "确认收货" in body
    client.post(url(sandbox, "order_confirm", order_id=order.pk))
    order.refresh_from_db()
    assert order.status == Order.Status.FINISHED
    assert "交易成功" in client.get(url(sandbox, "buyer_order", order_id=order.pk)).content.decode()


def test_refund_request_from_the_order_page(client, sandbox):
    from tests.unit.test_orders_factories import make_order

    buyer = f.customer(sandbox)
    order = make_order(sandbox, customer=buyer, status=Order.Status.PAID)  # pay 128.00
    f.login_buyer(client, sandbox, buyer)
    page = client.get(url(sandbox, "buyer_order", order_id=order.pk)).content.decode()
    assert "申请退款" in page and "退货退款" not in page  # not shipped: refund only
    refund_url = url(sandbox, "refund_request", order_id=order.pk)
    bad = client.post(refund_url, {"kind": "refund_only", "amount": "999", "reason": "质量问题"})
    assert bad.status_code == 200 and "amount" in bad.context["refund_form"].errors
    bad = client.post(refund_url, {"kind": "refund_only", "amount": "10", "reason": "其他", "note": ""})
    assert "note" in bad.context["refund_form"].errors
    bad = client.post(refund_url, {"kind": "return_refund", "amount": "10", "reason": "质量问题"})
    assert "kind" in bad.context["refund_form"].errors
    assert not Refund.objects.exists()
    ok = client.post(refund_url, {"kind": "refund_only", "amount": "50.00", "reason": "不想要了/拍错了",
                                  "note": "<b>拍错</b>"})
    assert ok.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.buyer_note) == (Decimal("50.00"), "不想要了/拍错了", "<b>拍错</b>")
    body = client.get(url(sandbox, "buyer_order", order_id=order.pk)).content.decode()
    assert "等待卖家处理" in body and "&lt;b&gt;拍错&lt;/b&gt;" in body
    assert 'action="%s"' % refund_url not in body  # no second request while one is open


def test_orders_list_status_tabs(client, sandbox):
    from tests.unit.test_orders_factories import make_order

    buyer = f.customer(sandbox)
    paid = make_order(sandbox, customer=buyer, status=Order.Status.PAID)
    unpaid = make_order(sandbox, customer=buyer, status=Order.Status.AWAITING_PAYMENT)
    f.login_buyer(client, sandbox, buyer)
    body = client.get(url(sandbox, "buyer_orders"), {"status": "paid"}).content.decode()
    assert paid.order_no in body and unpaid.order_no not in body
    body = client.get(url(sandbox, "buyer_orders")).content.decode()
    assert paid.order_no in body and unpaid.order_no in body and "等待买家付款" in body


def test_chat_widget_include_point_renders(client, sandbox):
    body = client.get(url(sandbox, "home")).content.decode()
    assert client.get(url(sandbox, "home")).status_code == 200
    assert "storefront/_chat_widget.html" in [t.name for t in client.get(url(sandbox, "home")).templates]
    assert body.count("<footer") == 1


def test_product_images_on_page(client, sandbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = f.product(sandbox)
    for kind in (ProductImage.Kind.MAIN, ProductImage.Kind.MAIN, ProductImage.Kind.DETAIL):
        img = ProductImage(sandbox=sandbox, product=item, kind=kind)
        img.image.save("p.png", f.image_file(800, 800), save=True)
    body = client.get(url(sandbox, "product", product_id=item.pk)).content.decode()
    assert body.count('class="sf-thumb"') == 2 and body.count('class="sf-detail-img"') == 1
    listing = client.get(url(sandbox, "all_products")).content.decode()
    assert "/media/shops/" in listing
