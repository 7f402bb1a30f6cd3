"""宝贝管理 pages through the Django test client: list, bulk 上架/下架, editor with SKU matrix and
images, categories, shipping templates; isolation (another shop's ids → 404) and no partial writes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from shop_sim.models import Category, Product, ProductImage, ShippingRule, ShippingTemplate, ShopEvent, Sku
from shop_sim.services import catalog as svc
from shop_sim.services.base import Actor

from .test_catalog_forms import FULL, product_post, shipping_post, spec_post, with_attributes, with_rules, with_skus
from .test_catalog_services import big_upload, db_counts, image_upload, media_files, text_as_jpg

SYSTEM = Actor.system("test")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def category(sandbox):
    return Category.objects.create(sandbox=sandbox, name="女装", position=1)


def make_product(sandbox, **kw) -> Product:
    data = dict(title="纯棉T恤", price=Decimal("59"), stock=10, status=Product.Status.IN_WAREHOUSE)
    data.update(kw)
    return svc.product_create(sandbox=sandbox, actor=SYSTEM, data=svc.ProductData(**data))


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# product list


def test_list_tabs_search_and_columns(console_client, sandbox, category):
    on_sale = make_product(sandbox, title="在售连衣裙", category=category, status="on_sale", merchant_code="DRESS-1")
    make_product(sandbox, title="仓库里的裤子")
    make_product(sandbox, title="草稿帽子", status="draft")
    skus = [svc.SkuData(values=(c,), price=Decimal(p), stock=s) for c, p, s in (("红", "30.5", 2), ("蓝", "20", 3))]
    make_product(sandbox, title="多规格袜子", price=None, stock=None, specs=[{"name": "颜色", "values": ["红", "蓝"]}],
                 skus=skus)
    url = reverse("console:product_list")

    page = html(console_client.get(url))
    for title in ("在售连衣裙", "仓库里的裤子", "草稿帽子", "多规格袜子"):
        assert title in page
    assert "¥20.00" in page  # lowest SKU price
    assert re.search(r"<td>5</td>", page)  # total SKU stock
    assert "出售中的宝贝 (1)" in page and "仓库中的宝贝 (3)" in page and "全部宝贝 (4)" in page

    page = html(console_client.get(url, {"status": "on_sale"}))
    assert "在售连衣裙" in page and "仓库里的裤子" not in page
    page = html(console_client.get(url, {"status": "in_warehouse"}))
    assert "仓库里的裤子" in page and "草稿帽子" in page and "在售连衣裙" not in page

    page = html(console_client.get(url, {"q": "DRESS"}))
    assert "在售连衣裙" in page and "仓库里的裤子" not in page
    page = html(console_client.get(url, {"q": "裤子"}))
    assert "仓库里的裤子" in page and "在售连衣裙" not in page
    page = html(console_client.get(url, {"category": str(category.pk)}))
    assert "在售连衣裙" in page and "仓库里的裤子" not in page
    assert f'href="{reverse("console:product_edit", kwargs={"product_id": on_sale.pk})}"' in page


def test_list_category_filter_includes_children(console_client, sandbox, category):
    child = Category.objects.create(sandbox=sandbox, name="连衣裙", parent=category)
    make_product(sandbox, title="子分类宝贝", category=child)
    page = html(console_client.get(reverse("console:product_list"), {"category": str(category.pk)}))
    assert "子分类宝贝" in page


def test_list_pagination(console_client, sandbox):
    for i in range(25):
        make_product(sandbox, title=f"宝贝{i:02d}")
    url = reverse("console:product_list")
    first = html(console_client.get(url))
    assert "宝贝24" in first and "宝贝04" not in first and "第 1 / 2 页" in first
    second = html(console_client.get(url, {"page": "2"}))
    assert "宝贝04" in second and "宝贝00" in second and "宝贝24" not in second
    assert console_client.get(url, {"page": "abc"}).status_code == 200


def test_list_escapes_html_in_titles(console_client, sandbox):
    make_product(sandbox, title="<script>alert(1)</script>好物")
    page = html(console_client.get(reverse("console:product_list")))
    assert "&lt;script&gt;" in page
    assert "<script>alert" not in page


def test_list_does_not_show_other_sandboxes_products(console_client, make_sandbox):
    other = make_sandbox(name="B")
    make_product(other, title="B店的秘密宝贝")
    assert "B店的秘密宝贝" not in html(console_client.get(reverse("console:product_list")))


def test_list_requires_login(client):
    response = client.get(reverse("console:product_list"))
    assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------------------------------------
# bulk and per-row status


def test_bulk_on_sale_reports_reasons_and_writes_one_event_per_change(console_client, sandbox, category):
    good = make_product(sandbox, title="合格宝贝", category=category)
    bad = make_product(sandbox, title="没分类宝贝")
    response = console_client.post(reverse("console:product_bulk_status"),
                                   {"ids": [good.pk, bad.pk], "action": "on_sale",
                                    "next": reverse("console:product_list") + "?status=in_warehouse"})
    assert response.status_code == 302 and response["Location"].endswith("?status=in_warehouse")
    messages = msgs(response)
    assert any("已上架 1 个宝贝" in m for m in messages)
    assert any("没分类宝贝" in m and "未选择商品分类" in m for m in messages)
    assert Product.objects.get(pk=good.pk).status == "on_sale"
    assert Product.objects.get(pk=bad.pk).status == "in_warehouse"
    assert list(ShopEvent.objects.filter(action="product.status").values_list("object_id", flat=True)) == [good.pk]

    response = console_client.post(reverse("console:product_bulk_status"), {"ids": [good.pk], "action": "in_warehouse"})
    assert Product.objects.get(pk=good.pk).status == "in_warehouse"
    assert ShopEvent.objects.filter(action="product.status").count() == 2


def test_bulk_refuses_other_sandboxes_ids(console_client, sandbox, make_sandbox, category):
    mine = make_product(sandbox, category=category)
    other = make_sandbox(name="B")
    foreign = make_product(other, title="B的", category=Category.objects.create(sandbox=other, name="c"))
    before = ShopEvent.objects.count()
    response = console_client.post(reverse("console:product_bulk_status"),
                                   {"ids": [mine.pk, foreign.pk], "action": "on_sale"})
    assert response.status_code == 302
    assert any("不存在" in m for m in msgs(response))
    assert ShopEvent.objects.count() == before
    assert Product.objects.get(pk=mine.pk).status == "in_warehouse"
    assert Product.objects.get(pk=foreign.pk).status == "in_warehouse"


def test_bulk_without_selection_and_with_bad_next(console_client):
    response = console_client.post(reverse("console:product_bulk_status"),
                                   {"action": "on_sale", "next": "https://evil.example/"})
    assert response["Location"] == reverse("console:product_list")
    assert "请先勾选宝贝" in msgs(response)
    assert console_client.get(reverse("console:product_bulk_status")).status_code == 405


def test_row_status_button(console_client, sandbox, category):
    product = make_product(sandbox, category=category)
    url = reverse("console:product_status", kwargs={"product_id": product.pk})
    page = html(console_client.get(reverse("console:product_list")))
    assert f'action="{url}"' in page and ">上架</button>" in page
    response = console_client.post(url, {"status": "on_sale"})
    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).status == "on_sale"
    assert ">下架</button>" in html(console_client.get(reverse("console:product_list")))
    console_client.post(url, {"status": "in_warehouse"})
    assert Product.objects.get(pk=product.pk).status == "in_warehouse"
    assert ShopEvent.objects.filter(action="product.status").count() == 2
    assert console_client.get(url).status_code == 405


def test_row_status_refused_by_listing_rules(console_client, sandbox):
    product = make_product(sandbox, stock=0)
    response = console_client.post(reverse("console:product_status", kwargs={"product_id": product.pk}),
                                   {"status": "on_sale"})
    assert any("不能上架" in m and "库存为0" in m for m in msgs(response))
    assert Product.objects.get(pk=product.pk).status == "in_warehouse"
    assert not ShopEvent.objects.filter(action="product.status").exists()


# ---------------------------------------------------------------------------------------------
# editor


def test_create_page_has_labels_counter_and_matrix_button(console_client, sandbox, category):
    page = html(console_client.get(reverse("console:product_create")))
    assert '<label for="id_title">宝贝标题</label>' in page
    assert 'id="title-bytes"' in page and ">0/60<" in page
    assert 'data-max-bytes="60"' in page and "codePointAt" in page
    assert f'hx-post="{reverse("console:product_sku_matrix")}"' in page and "生成SKU表" in page
    assert 'enctype="multipart/form-data"' in page
    assert "女装" in page


def test_edit_page_counter_shows_current_bytes(console_client, sandbox):
    product = make_product(sandbox, title="T恤2024新款")  # 1 + 2 + 4 + 4 = 11 bytes
    page = html(console_client.get(reverse("console:product_edit", kwargs={"product_id": product.pk})))
    assert ">11/60<" in page
    assert 'value="T恤2024新款"' in page


def test_create_simple_product(console_client, sandbox, category, media_root):
    data = with_attributes(product_post(category=str(category.pk), status="on_sale", merchant_code="A-1",
                                        detail_html="<p>好</p><script>alert(1)</script>"),
                           [("品牌", "某某"), ("材质", "棉")])
    data["main_images"] = [image_upload(), image_upload(1000, 1000, "PNG")]
    data["detail_images"] = [image_upload(750, 1500)]
    response = console_client.post(reverse("console:product_create"), data)
    assert response.status_code == 302, html(response)
    assert response["Location"].endswith("?status=on_sale")
    product = Product.objects.for_sandbox(sandbox).get()
    assert (product.title, product.status, product.price, product.stock) == ("夏季纯棉T恤", "on_sale", Decimal("59.00"), 10)
    assert product.detail_html == "<p>好</p>"
    assert product.attributes == {"品牌": "某某", "材质": "棉"}
    assert product.images.filter(kind="main").count() == 2 and product.images.filter(kind="detail").count() == 1
    assert len(media_files(media_root)) == 3
    assert list(ShopEvent.objects.for_sandbox(sandbox).values_list("action", flat=True)) == ["product.create"]
    page = html(console_client.get(reverse("console:product_list")))
    assert product.images.filter(kind="main").order_by("position").first().image.url in page


def test_create_with_sku_matrix_totals(console_client, sandbox, category):
    data = with_skus(spec_post(category=str(category.pk), status="on_sale"), FULL)
    response = console_client.post(reverse("console:product_create"), data)
    assert response.status_code == 302, html(response)
    product = Product.objects.for_sandbox(sandbox).get()
    assert product.stock == 1 + 2 + 3 + 4
    assert product.price == Decimal("45.50")
    assert list(product.skus.values_list("spec_label", "price", "stock")) == [
        ("红色 / S", Decimal("50.00"), 1), ("红色 / M", Decimal("45.50"), 2),
        ("蓝色 / S", Decimal("50.00"), 3), ("蓝色 / M", Decimal("60.00"), 4)]
    page = html(console_client.get(reverse("console:product_list")))
    assert "¥45.50" in page and "<td>10</td>" in page


BAD_POSTS = [
    ("title", {"title": "好" * 31}, "最多60个字节"),
    ("price0", {"price": "0"}, "价格必须大于0"),
    ("price-1", {"price": "-1"}, "价格必须大于0"),
    ("price3dp", {"price": "1.234"}, "价格最多保留两位小数"),
    ("priceabc", {"price": "abc"}, "价格必须是数字"),
    ("stock-1", {"stock": "-1"}, "库存不能小于0"),
    ("stock1.5", {"stock": "1.5"}, "库存必须是整数"),
    ("onsale-nocat", {"status": "on_sale"}, "未选择商品分类"),
]


@pytest.mark.parametrize("case,overrides,message", BAD_POSTS, ids=[c[0] for c in BAD_POSTS])
def test_create_bad_input_writes_nothing(console_client, sandbox, media_root, case, overrides, message):
    data = product_post(**overrides)
    data["main_images"] = [image_upload()]
    before = db_counts(sandbox)
    response = console_client.post(reverse("console:product_create"), data)
    assert response.status_code == 200
    assert message in html(response)
    assert db_counts(sandbox) == before
    assert ShopEvent.objects.count() == 0
    assert media_files(media_root) == []


def test_create_incomplete_or_duplicated_matrix_writes_nothing(console_client, sandbox):
    before = db_counts(sandbox)
    response = console_client.post(reverse("console:product_create"), with_skus(spec_post(), FULL[:3]))
    assert response.status_code == 200 and "SKU表不完整" in html(response) and "蓝色 / M" in html(response)
    response = console_client.post(reverse("console:product_create"), with_skus(spec_post(), FULL + FULL[:1]))
    assert response.status_code == 200 and "重复" in html(response)
    response = console_client.post(reverse("console:product_create"), spec_post(spec1_values="红色,红色"))
    assert response.status_code == 200 and "重复" in html(response)
    assert db_counts(sandbox) == before


@pytest.mark.parametrize("upload,message", [
    (text_as_jpg, "不是有效的图片"),
    (lambda: image_upload(500, 500), "至少800×800"),
    (lambda: big_upload(2 * 1024 * 1024), "超过2MB"),
])
def test_create_bad_main_image_writes_nothing(console_client, sandbox, media_root, upload, message):
    data = product_post()
    data["main_images"] = [image_upload(), upload()]
    before = db_counts(sandbox)
    response = console_client.post(reverse("console:product_create"), data)
    assert response.status_code == 200
    assert message in html(response)
    assert db_counts(sandbox) == before
    assert media_files(media_root) == []


def test_create_with_other_sandboxes_category_or_template(console_client, sandbox, make_sandbox):
    other = make_sandbox(name="B")
    cat = Category.objects.create(sandbox=other, name="别人的分类")
    tpl = ShippingTemplate.objects.create(sandbox=other, name="别人的模板")
    response = console_client.post(reverse("console:product_create"),
                                   product_post(category=str(cat.pk), shipping_template=str(tpl.pk)))
    assert response.status_code == 200
    page = html(response)
    assert "所选商品分类不存在" in page and "所选运费模板不存在" in page
    assert "别人的分类" not in page and "别人的模板" not in page
    assert Product.objects.count() == 0 and ShopEvent.objects.count() == 0


def test_title_with_html_is_stored_as_text(console_client, sandbox):
    console_client.post(reverse("console:product_create"), product_post(title="<b>粗</b><script>x</script>"))
    product = Product.objects.for_sandbox(sandbox).get()
    assert product.title == "<b>粗</b><script>x</script>"
    page = html(console_client.get(reverse("console:product_edit", kwargs={"product_id": product.pk})))
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_edit_updates_and_records_changed_fields(console_client, sandbox, category):
    product = make_product(sandbox)
    url = reverse("console:product_edit", kwargs={"product_id": product.pk})
    response = console_client.post(url, product_post(title="纯棉T恤", price="49.9", stock="10",
                                                     category=str(category.pk)))
    assert response.status_code == 302, html(response)
    product.refresh_from_db()
    assert product.price == Decimal("49.90") and product.category == category
    event = ShopEvent.objects.get(action="product.update")
    assert set(event.before) == {"price", "category"}
    assert event.after["price"] == "49.90"


def test_edit_bad_input_changes_nothing(console_client, sandbox):
    product = make_product(sandbox, title="原标题")
    url = reverse("console:product_edit", kwargs={"product_id": product.pk})
    before = db_counts(sandbox)
    response = console_client.post(url, product_post(title="新标题", price="abc"))
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.title == "原标题" and db_counts(sandbox) == before


def test_edit_removes_image(console_client, sandbox, media_root):
    product = svc.product_create(sandbox=sandbox, actor=SYSTEM, data=svc.ProductData(
        title="有图", price=Decimal("1"), stock=1), main_images=[image_upload(), image_upload()])
    doomed = product.images.order_by("position").first()
    url = reverse("console:product_edit", kwargs={"product_id": product.pk})
    page = html(console_client.get(url))
    assert f'id="remove-image-{doomed.pk}"' in page and f'for="remove-image-{doomed.pk}"' in page
    response = console_client.post(url, product_post(title="有图", price="1", stock="1",
                                                     remove_images=[str(doomed.pk)], status="in_warehouse"))
    assert response.status_code == 302, html(response)
    assert not ProductImage.objects.filter(pk=doomed.pk).exists()
    assert product.images.count() == 1


def test_edit_other_sandboxes_product_is_404(console_client, make_sandbox):
    other = make_sandbox(name="B")
    foreign = make_product(other, title="B的宝贝")
    url = reverse("console:product_edit", kwargs={"product_id": foreign.pk})
    assert console_client.get(url).status_code == 404
    assert console_client.post(url, product_post(title="偷改")).status_code == 404
    status_url = reverse("console:product_status", kwargs={"product_id": foreign.pk})
    assert console_client.post(status_url, {"status": "in_warehouse"}).status_code == 404
    assert console_client.get(status_url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.title == "B的宝贝" and ShopEvent.objects.for_sandbox(other).count() == 1


def test_edit_page_shows_existing_matrix(console_client, sandbox):
    product = make_product(sandbox, price=None, stock=None, specs=[{"name": "颜色", "values": ["红", "蓝"]}],
                           skus=[svc.SkuData(values=("红",), price=Decimal("5"), stock=1),
                                 svc.SkuData(values=("蓝",), price=Decimal("6"), stock=2)])
    page = html(console_client.get(reverse("console:product_edit", kwargs={"product_id": product.pk})))
    assert "红 价格" in page and 'name="sku-0-price"' in page and 'value="5.00"' in page


def test_sku_matrix_htmx_generates_rows_and_keeps_values(console_client):
    data = with_skus(spec_post(spec2_values="S,M,L", price="99"), FULL)
    response = console_client.post(reverse("console:product_sku_matrix"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page  # a fragment
    assert page.count("<tr>") == 1 + 6
    assert "红色 / L" in page and 'name="sku-TOTAL_FORMS"' in page and 'value="6"' in page
    # the typed price for 红色 / M survives, new rows get the product price
    m = re.search(r'name="sku-(\d+)-combo" value="\[&quot;红色&quot;, &quot;M&quot;\]"', page)
    assert m, page
    assert f'name="sku-{m.group(1)}-price" value="45.5"' in page
    assert 'value="99"' in page
    assert '<label class="visually-hidden" for="id_sku-0-price">红色 / S 价格</label>' in page
    assert Sku.objects.count() == 0


def test_sku_matrix_htmx_shows_spec_errors(console_client):
    response = console_client.post(reverse("console:product_sku_matrix"), spec_post(spec1_values="红色，红色"))
    assert response.status_code == 200
    assert "重复" in html(response)
    assert console_client.get(reverse("console:product_sku_matrix")).status_code == 405


def test_regenerate_without_javascript_saves_nothing(console_client, sandbox):
    data = spec_post(title="", _regenerate="1")
    response = console_client.post(reverse("console:product_create"), data)
    assert response.status_code == 200
    page = html(response)
    assert "红色 / S" in page and "蓝色 / M" in page
    assert "请填写宝贝标题" not in page
    assert Product.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# categories


def test_category_pages(console_client, sandbox):
    url = reverse("console:category_list")
    page = html(console_client.get(url))
    assert '<label for="id_name">分类名称</label>' in page
    response = console_client.post(reverse("console:category_create"), {"name": "女装"})
    assert response.status_code == 302
    top = Category.objects.for_sandbox(sandbox).get()
    console_client.post(reverse("console:category_create"), {"name": "连衣裙", "parent": str(top.pk)})
    console_client.post(reverse("console:category_create"), {"name": "男装"})
    child = Category.objects.get(name="连衣裙")
    assert child.parent == top
    page = html(console_client.get(url))
    assert page.index("女装") < page.index("连衣裙") < page.index("男装")

    response = console_client.post(reverse("console:category_create"), {"name": "女装"})
    assert response.status_code == 200 and "已有名为“女装”的分类" in html(response)
    assert Category.objects.count() == 3

    men = Category.objects.get(name="男装")
    console_client.post(reverse("console:category_move", kwargs={"category_id": men.pk}), {"direction": "up"})
    page = html(console_client.get(url))
    assert page.index("男装") < page.index("女装")

    edit = reverse("console:category_edit", kwargs={"category_id": child.pk})
    assert "排序" in html(console_client.get(edit))
    response = console_client.post(edit, {"name": "长裙", "parent": str(top.pk), "position": "3"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.name, child.position) == ("长裙", 3)


def test_category_delete_refused_when_used(console_client, sandbox, category):
    make_product(sandbox, category=category)
    url = reverse("console:category_delete", kwargs={"category_id": category.pk})
    response = console_client.post(url)
    assert any("还有1个宝贝，不能删除" in m for m in msgs(response))
    assert Category.objects.filter(pk=category.pk).exists()
    assert not ShopEvent.objects.filter(action="category.delete").exists()
    Product.objects.all().delete()
    response = console_client.post(url)
    assert not Category.objects.filter(pk=category.pk).exists()
    assert ShopEvent.objects.filter(action="category.delete").count() == 1


def test_category_bad_edit_changes_nothing(console_client, sandbox, category):
    url = reverse("console:category_edit", kwargs={"category_id": category.pk})
    response = console_client.post(url, {"name": "", "position": "x"})
    assert response.status_code == 200
    assert "请填写分类名称" in html(response) and "排序必须是整数" in html(response)
    category.refresh_from_db()
    assert category.name == "女装" and ShopEvent.objects.count() == 0


def test_category_other_sandbox_404(console_client, make_sandbox):
    foreign = Category.objects.create(sandbox=make_sandbox(name="B"), name="别人的")
    for name in ("category_edit", "category_move", "category_delete"):
        url = reverse(f"console:{name}", kwargs={"category_id": foreign.pk})
        assert console_client.get(url).status_code == 404
        assert console_client.post(url, {"name": "x", "position": "1", "direction": "up"}).status_code == 404
    assert Category.objects.get(pk=foreign.pk).name == "别人的"
    response = console_client.post(reverse("console:category_create"), {"name": "子", "parent": str(foreign.pk)})
    assert response.status_code == 200 and "上级分类不存在" in html(response)


# ---------------------------------------------------------------------------------------------
# shipping templates


def test_shipping_create_edit_delete(console_client, sandbox):
    page = html(console_client.get(reverse("console:shipping_create")))
    assert '<label for="id_name">模板名称</label>' in page and " 新疆</label>" in page
    assert 'for="id_rules-0-regions_0"' in page
    data = with_rules(shipping_post(name="偏远加价"), [
        {"regions": ["新疆", "西藏"], "first_unit": "1", "first_fee": "20", "extra_unit": "1", "extra_fee": "15"}])
    response = console_client.post(reverse("console:shipping_create"), data)
    assert response.status_code == 302, html(response)
    tpl = ShippingTemplate.objects.for_sandbox(sandbox).get()
    assert tpl.rules.get().regions == ["西藏", "新疆"]
    assert svc.shipping_fee_quote(template=tpl, province="新疆", quantity=2) == Decimal("35.00")
    page = html(console_client.get(reverse("console:shipping_list")))
    assert "偏远加价" in page and "1件内 ¥10.00" in page

    edit = reverse("console:shipping_edit", kwargs={"shippingtemplate_id": tpl.pk})
    page = html(console_client.get(edit))
    assert 'value="偏远加价"' in page and "checked" in page
    data = with_rules(shipping_post(name="偏远加价", first_fee="12"), [
        {"regions": ["新疆", "西藏"], "first_unit": "1", "first_fee": "20", "extra_unit": "1", "extra_fee": "15",
         "DELETE": "on"}])
    data["rules-INITIAL_FORMS"] = "1"
    response = console_client.post(edit, data)
    assert response.status_code == 302, html(response)
    tpl.refresh_from_db()
    assert tpl.first_fee == Decimal("12.00") and tpl.rules.count() == 0

    make_product(sandbox, shipping_template=tpl)
    delete = reverse("console:shipping_delete", kwargs={"shippingtemplate_id": tpl.pk})
    response = console_client.post(delete)
    assert any("正被1个宝贝使用" in m for m in msgs(response))
    Product.objects.all().delete()
    console_client.post(delete)
    assert not ShippingTemplate.objects.exists()


def test_shipping_bad_input_writes_nothing(console_client, sandbox):
    before = db_counts(sandbox)
    response = console_client.post(reverse("console:shipping_create"),
                                   shipping_post(first_fee="10", extra_fee="20", name="模" * 26))
    assert response.status_code == 200
    page = html(response)
    assert "续费不能高于首费" in page and "50个字节" in page
    rule = {"first_unit": "1", "first_fee": "5", "extra_unit": "1", "extra_fee": "2"}
    response = console_client.post(reverse("console:shipping_create"), with_rules(
        shipping_post(), [{**rule, "regions": ["北京"]}, {**rule, "regions": ["北京", "上海"]}]))
    assert response.status_code == 200 and "重复设置" in html(response)
    assert db_counts(sandbox) == before


def test_shipping_other_sandbox_404(console_client, make_sandbox):
    foreign = ShippingTemplate.objects.create(sandbox=make_sandbox(name="B"), name="别人的模板")
    for name in ("shipping_edit", "shipping_delete"):
        url = reverse(f"console:{name}", kwargs={"shippingtemplate_id": foreign.pk})
        assert console_client.get(url).status_code == 404
        assert console_client.post(url, shipping_post()).status_code == 404
    assert ShippingTemplate.objects.get(pk=foreign.pk).name == "别人的模板"
    assert not ShippingRule.objects.exists()


def test_live_byte_counter_matches_server_rule():
    """The counter's JavaScript (run in Node when available) counts exactly like byte_length."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from django.conf import settings

    from shop_sim.services.text import byte_length

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    template = Path(settings.BASE_DIR, "shop_sim/templates/console/catalog/_byte_counter.html").read_text()
    function = re.search(r"function bytes\(text\) \{.*?\n  \}", template, re.S).group(0)
    samples = ["", "abc", "中文", "T恤2024新款", "ＡＢＣ", "，。！“”", "ｱｲ", "好" * 31, "😀a", "<script>"]
    script = f"{function}\nconsole.log(JSON.stringify({json.dumps(samples)}.map(bytes)));"
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout
    assert json.loads(out) == [byte_length(s) for s in samples]
