"""The core shop flows, driven in real Chromium as a candidate and a buyer would.

Every step uses what a person sees: labels, roles and visible text. The only shortcut is the
setup of a small shop with the ORM (a category, a product to buy), which a task would provide.
"""

import re

import pytest
from playwright.sync_api import expect

from shop_sim.models import Category, Order, Product, ShopEvent, Sku


@pytest.fixture
def shop(make_user, make_sandbox):
    owner = make_user("e2e_cand")
    sandbox = make_sandbox(owner=owner, name="青禾服饰旗舰店")
    women = Category.objects.create(sandbox=sandbox, name="女装")
    return owner, sandbox, women


def _buyable_product(sandbox, category) -> Product:
    product = Product.objects.create(
        sandbox=sandbox, category=category, title="纯棉印花短袖T恤女", price="59.00", stock=12, status="on_sale",
        spec_names=[{"name": "颜色", "values": ["白色", "黑色"]}],
    )
    for i, colour in enumerate(["白色", "黑色"]):
        Sku.objects.create(sandbox=sandbox, product=product, spec_values={"颜色": colour}, spec_label=colour,
                           price="59.00" if i == 0 else "69.00", stock=6, position=i)
    return product


def test_candidate_lists_a_2x3_sku_product_puts_it_on_sale_and_finds_it_on_the_storefront(new_page, login, shop):
    owner, sandbox, _women = shop
    page = new_page()
    login(page, owner.username)

    page.get_by_role("navigation", name="后台菜单").get_by_role("link", name="发布宝贝").click()
    page.get_by_label("宝贝标题").fill("夏季新款雪纺连衣裙女")
    expect(page.get_by_text("20/60")).to_be_visible()  # the byte counter: 10 CJK characters
    page.get_by_label("商品分类").select_option(label="女装")
    page.get_by_label("规格一名称").fill("颜色")
    page.get_by_label("规格一的值").fill("红色，蓝色")
    page.get_by_label("规格二名称").fill("尺码")
    page.get_by_label("规格二的值").fill("S、M、L")
    page.get_by_role("button", name="生成SKU表").click()
    expect(page.get_by_text("SKU表（共 6 个组合）")).to_be_visible()
    page.get_by_label("批量价格").fill("129.00")
    page.get_by_label("批量库存").fill("10")
    page.get_by_role("button", name="批量填充SKU").click()
    page.get_by_label(re.compile(r"^蓝色\s*/\s*L 价格$")).fill("99.90")
    page.get_by_label("上架设置").select_option(label="放入仓库")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("status")).to_contain_text("夏季新款雪纺连衣裙女")

    product = Product.objects.for_sandbox(sandbox).get(title="夏季新款雪纺连衣裙女")
    assert product.status == "in_warehouse"
    assert product.skus.count() == 6 and product.stock == 60
    assert str(product.price) == "99.90"

    # 仓库中的宝贝 -> 上架
    page.get_by_role("navigation", name="后台菜单").get_by_role("link", name="商品管理").click()
    page.get_by_role("link", name=re.compile("仓库中")).first.click()
    row = page.get_by_role("row").filter(has_text="夏季新款雪纺连衣裙女")
    row.get_by_role("button", name="上架").click()
    expect(page.get_by_role("status")).to_contain_text("上架")
    product.refresh_from_db()
    assert product.status == "on_sale"

    # 查看店铺 opens the storefront in a new tab; search finds the product with its lowest price
    with page.context.expect_page() as storefront_tab:
        page.get_by_role("link", name="查看店铺").click()
    shop_page = storefront_tab.value
    shop_page.get_by_label("搜索本店宝贝").fill("雪纺连衣裙")
    shop_page.get_by_role("button", name="搜索").click()
    result = shop_page.get_by_role("link", name=re.compile("夏季新款雪纺连衣裙女")).first
    expect(result).to_be_visible()
    result.click()
    expect(shop_page.get_by_role("heading", name="夏季新款雪纺连衣裙女")).to_be_visible()
    expect(shop_page.get_by_text(re.compile(r"99\.90"))).to_be_visible()
    shop_page.get_by_text("红色", exact=True).click()
    shop_page.get_by_text("M", exact=True).click()
    expect(shop_page.locator("main")).to_contain_text("129.00")


def test_buyer_checks_out_merchant_ships_buyer_sees_the_waybill(new_page, login, shop):
    owner, sandbox, women = shop
    product = _buyable_product(sandbox, women)

    buyer = new_page()
    buyer.goto(f"/s/{sandbox.storefront_key}/")
    buyer.get_by_role("link", name=re.compile("纯棉印花短袖T恤女")).first.click()
    buyer.get_by_text("黑色", exact=True).click()
    buyer.get_by_label("数量").fill("2")
    buyer.get_by_role("button", name="立即购买").click()
    # not logged in as a buyer yet: the simulated buyer login comes first
    buyer.get_by_label("会员名").fill("小明爱购物")
    buyer.get_by_role("button", name=re.compile("登录")).click()
    if buyer.get_by_role("button", name="立即购买").count():
        buyer.get_by_text("黑色", exact=True).click()
        buyer.get_by_label("数量").fill("2")
        buyer.get_by_role("button", name="立即购买").click()
    buyer.get_by_label("收货人").fill("王小明")
    buyer.get_by_label("手机号码").fill("13912345678")
    buyer.get_by_label("省份").select_option("浙江省")
    buyer.get_by_label("城市").fill("杭州市")
    buyer.get_by_label("区/县").fill("西湖区")
    buyer.get_by_label("详细地址").fill("文三路 100 号")
    buyer.get_by_role("button", name="提交订单").click()
    buyer.get_by_role("button", name="立即付款").click()
    expect(buyer.locator("main")).to_contain_text("买家已付款")

    order = Order.objects.for_sandbox(sandbox).get()
    assert order.status == "paid" and str(order.goods_total) == "138.00"
    assert Sku.objects.get(product=product, spec_label="黑色").stock == 4

    merchant = new_page()
    login(merchant, owner.username)
    merchant.get_by_role("navigation", name="后台菜单").get_by_role("link", name="已卖出的宝贝").click()
    merchant.get_by_role("link", name=re.compile("等待发货")).first.click()
    expect(merchant.locator("main")).to_contain_text(order.order_no)
    merchant.get_by_role("rowgroup").filter(has_text=order.order_no).get_by_role("link", name="发货").click()
    merchant.get_by_label("物流公司").select_option(label="顺丰速运")
    merchant.get_by_label("运单号").fill("SF1234567890123")
    merchant.get_by_role("button", name="发货").click()
    expect(merchant.locator("main")).to_contain_text("卖家已发货")

    order.refresh_from_db()
    assert order.status == "shipped" and order.carrier == "SF" and order.waybill_no == "SF1234567890123"
    assert ShopEvent.objects.for_sandbox(sandbox).filter(action="order.ship", object_id=order.pk).count() == 1

    buyer.reload()
    expect(buyer.locator("main")).to_contain_text("顺丰速运")
    expect(buyer.locator("main")).to_contain_text("SF1234567890123")


def test_buyer_chat_message_appears_live_in_the_merchant_inbox(new_page, login, shop):
    owner, sandbox, _women = shop
    merchant = new_page()
    login(merchant, owner.username)
    merchant.get_by_role("navigation", name="后台菜单").get_by_role("link", name="客服工作台").click()

    buyer = new_page()
    buyer.goto(f"/s/{sandbox.storefront_key}/")
    buyer.get_by_role("link", name="登录").first.click()
    buyer.get_by_label("会员名").fill("咨询的买家")
    buyer.get_by_role("button", name=re.compile("登录")).click()
    buyer.get_by_role("button", name="联系客服").click()
    buyer.get_by_label("输入消息").fill("请问什么时候发货？")
    buyer.get_by_role("button", name="发送").click()

    # no reload on the merchant side: the message arrives over the WebSocket
    expect(merchant.get_by_text("请问什么时候发货？").first).to_be_visible()
    expect(merchant.locator("main")).to_contain_text("咨询的买家")
