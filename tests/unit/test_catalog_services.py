"""Catalogue services: listing rules, SKU matrix, images, categories, shipping templates and the
freight quote. Every refusal must leave the database (and the media folder) as it was."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop_sim.models import Category, Product, ProductImage, ShippingRule, ShippingTemplate, ShopEvent, Sku
from shop_sim.services import catalog as svc
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.text import byte_length

# ---------------------------------------------------------------------------------------------
# helpers shared with the form and view tests


def image_bytes(width: int, height: int, fmt: str = "JPEG", color=(200, 60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format=fmt)
    return buf.getvalue()


def image_upload(width: int = 800, height: int = 800, fmt: str = "JPEG", name: str | None = None) -> SimpleUploadedFile:
    ext = "png" if fmt == "PNG" else "jpg"
    content_type = "image/png" if fmt == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name or f"pic.{ext}", image_bytes(width, height, fmt), content_type=content_type)


def big_upload(max_bytes: int) -> SimpleUploadedFile:
    """A real, valid 800×800 PNG padded with noise-free metadata to just over ``max_bytes``."""
    img = Image.new("RGB", (800, 800), (10, 20, 30))
    buf = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("padding", "x" * (max_bytes + 10))
    img.save(buf, format="PNG", pnginfo=info)
    data = buf.getvalue()
    assert len(data) > max_bytes
    return SimpleUploadedFile("big.png", data, content_type="image/png")


def text_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("fake.jpg", b"this is not an image, just text\n" * 20, content_type="image/jpeg")


def media_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def db_counts(sandbox) -> dict:
    return {
        "products": Product.objects.for_sandbox(sandbox).count(),
        "skus": Sku.objects.for_sandbox(sandbox).count(),
        "images": ProductImage.objects.for_sandbox(sandbox).count(),
        "events": ShopEvent.objects.for_sandbox(sandbox).count(),
        "categories": Category.objects.for_sandbox(sandbox).count(),
        "templates": ShippingTemplate.objects.for_sandbox(sandbox).count(),
        "rules": ShippingRule.objects.for_sandbox(sandbox).count(),
    }


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def actor():
    return Actor("merchant", "cand_a")


@pytest.fixture
def category(sandbox):
    return Category.objects.create(sandbox=sandbox, name="女装", position=1)


def product_data(**overrides) -> svc.ProductData:
    values = dict(title="夏季纯棉T恤", price=Decimal("59.00"), stock=10, status=Product.Status.IN_WAREHOUSE)
    values.update(overrides)
    return svc.ProductData(**values)


SPECS = [{"name": "颜色", "values": ["红色", "蓝色"]}, {"name": "尺码", "values": ["S", "M"]}]


def full_matrix(price="50", stock=5) -> list[svc.SkuData]:
    return [svc.SkuData(values=(c, s), price=Decimal(price), stock=stock) for c in ("红色", "蓝色") for s in ("S", "M")]


# ---------------------------------------------------------------------------------------------
# byte_length


@pytest.mark.parametrize("text,expected", [
    ("", 0),
    ("abc", 3),
    ("中文", 4),
    ("T恤2024新款", 1 + 2 + 4 + 4),
    ("ＡＢＣ", 6),        # full-width letters
    ("，。！", 6),        # Chinese punctuation
    ("ｱｲ", 2),           # half-width katakana count 1
    ("中" * 30, 60),
])
def test_byte_length_counts_cjk_and_full_width_as_two(text, expected):
    assert byte_length(text) == expected


# ---------------------------------------------------------------------------------------------
# pure checks


def test_title_check_30_chinese_accepted_31_rejected():
    assert svc.title_check("好" * 30) == "好" * 30
    with pytest.raises(ShopError, match="60"):
        svc.title_check("好" * 31)
    assert svc.title_check("a" * 60) == "a" * 60
    with pytest.raises(ShopError):
        svc.title_check("a" * 61)
    # mixed: 29 Chinese (58 bytes) + 2 ASCII = 60 ok, + 3 ASCII = 61 refused
    assert svc.title_check("好" * 29 + "ab")
    with pytest.raises(ShopError):
        svc.title_check("好" * 29 + "abc")
    with pytest.raises(ShopError):
        svc.title_check("   ")


@pytest.mark.parametrize("bad", ["0", "-1", "1.234", "abc", "", "NaN", "100000000.01", "1e30"])
def test_price_check_refuses(bad):
    with pytest.raises(ShopError):
        svc.price_check(bad)


@pytest.mark.parametrize("good,expected", [("0.01", "0.01"), ("59", "59.00"), ("12.5", "12.50"),
                                           ("100000000", "100000000.00")])
def test_price_check_accepts(good, expected):
    assert svc.price_check(good) == Decimal(expected)


@pytest.mark.parametrize("bad", ["-1", "1.5", "abc", "", True])
def test_stock_check_refuses(bad):
    with pytest.raises(ShopError):
        svc.stock_check(bad)


def test_stock_check_accepts_whole_numbers():
    assert svc.stock_check("0") == 0
    assert svc.stock_check(" 12 ") == 12
    assert svc.stock_check(7) == 7


def test_spec_values_parse_accepts_chinese_commas():
    assert svc.spec_values_parse("红色,蓝色，黑色、白色 , ") == ["红色", "蓝色", "黑色", "白色"]


def test_specs_check_refuses_duplicates_and_blanks():
    with pytest.raises(svc.SpecError, match="重复") as info:
        svc.specs_check([{"name": "颜色", "values": ["红色", "红色"]}])
    assert info.value.index == 0 and info.value.part == "values"
    with pytest.raises(svc.SpecError, match="重复") as info:
        svc.specs_check([{"name": "颜色", "values": ["红"]}, {"name": "颜色", "values": ["S"]}])
    assert info.value.index == 1 and info.value.part == "name"
    with pytest.raises(svc.SpecError):
        svc.specs_check([{"name": "", "values": ["红色"]}])
    with pytest.raises(svc.SpecError):
        svc.specs_check([{"name": "颜色", "values": []}])
    with pytest.raises(svc.SpecError):
        svc.specs_check([{"name": "a", "values": ["1"]}, {"name": "b", "values": ["1"]}, {"name": "c", "values": ["1"]}])


def test_sku_matrix_check_complete_duplicated_and_extra():
    rows = svc.sku_matrix_check(SPECS, list(reversed(full_matrix())))
    assert [r.values for r in rows] == [("红色", "S"), ("红色", "M"), ("蓝色", "S"), ("蓝色", "M")]
    with pytest.raises(ShopError, match="不完整"):
        svc.sku_matrix_check(SPECS, full_matrix()[:3])
    with pytest.raises(ShopError, match="重复"):
        svc.sku_matrix_check(SPECS, full_matrix() + [full_matrix()[0]])
    with pytest.raises(ShopError, match="不一致"):
        svc.sku_matrix_check(SPECS, full_matrix() + [svc.SkuData(values=("绿色", "S"), price=Decimal("1"), stock=1)])
    bad_price = full_matrix()
    bad_price[0].price = Decimal("0")
    with pytest.raises(ShopError, match="价格"):
        svc.sku_matrix_check(SPECS, bad_price)
    bad_stock = full_matrix()
    bad_stock[1].stock = -1
    with pytest.raises(ShopError, match="库存"):
        svc.sku_matrix_check(SPECS, bad_stock)


def test_detail_html_clean_strips_script_and_handlers():
    dirty = ('<p onclick="steal()">好<strong>物</strong></p><script>alert(1)</script>'
             '<img src="https://x/a.jpg" alt="a" onerror="x()"><iframe src="//evil"></iframe>'
             '<a href="javascript:alert(1)">link</a><h2 style="color:red">标题</h2>')
    clean = svc.detail_html_clean(dirty)
    assert "<script" not in clean and "alert(1)" not in clean
    assert "onclick" not in clean and "onerror" not in clean and "iframe" not in clean
    assert "javascript:" not in clean and "style=" not in clean
    assert "<strong>物</strong>" in clean
    assert '<img src="https://x/a.jpg" alt="a">' in clean
    assert "<h2>标题</h2>" in clean


def test_image_inspect_checks_content_size_and_dimensions(settings):
    info = svc.image_inspect(upload=image_upload(800, 800), kind="main")
    assert (info.format, info.width, info.height) == ("JPEG", 800, 800)
    assert svc.image_inspect(upload=image_upload(1000, 1000, "PNG"), kind="main").ext == "png"
    with pytest.raises(ShopError, match="不是有效的图片"):
        svc.image_inspect(upload=text_as_jpg(), kind="main")
    with pytest.raises(ShopError, match="800"):
        svc.image_inspect(upload=image_upload(500, 500), kind="main")
    with pytest.raises(ShopError, match="正方形"):
        svc.image_inspect(upload=image_upload(900, 800), kind="main")
    gif = SimpleUploadedFile("a.jpg", image_bytes(800, 800, "GIF"), content_type="image/jpeg")
    with pytest.raises(ShopError, match="JPG或PNG"):
        svc.image_inspect(upload=gif, kind="main")
    with pytest.raises(ShopError, match="MB"):
        svc.image_inspect(upload=big_upload(settings.SHOP_IMAGE_MAX_BYTES), kind="main")
    assert svc.image_inspect(upload=image_upload(750, 1200), kind="detail").width == 750
    with pytest.raises(ShopError, match="1500"):
        svc.image_inspect(upload=image_upload(1600, 800), kind="detail")


# ---------------------------------------------------------------------------------------------
# product_create / product_update


def test_product_create_simple_writes_one_event(sandbox, actor, category):
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(
        category=category, status=Product.Status.ON_SALE, attributes={"品牌": "某某", "材质": "棉"},
        detail_html="<p>好</p><script>x()</script>", merchant_code="SKU-001"))
    product.refresh_from_db()
    assert product.status == "on_sale" and product.price == Decimal("59.00") and product.stock == 10
    assert product.attributes == {"品牌": "某某", "材质": "棉"}
    assert product.detail_html == "<p>好</p>"
    assert product.skus.count() == 0
    events = list(ShopEvent.objects.for_sandbox(sandbox))
    assert [e.action for e in events] == ["product.create"]
    assert events[0].object_id == product.pk and events[0].after["title"] == "夏季纯棉T恤"
    assert events[0].actor == "merchant:cand_a"


def test_product_create_with_sku_matrix_derives_price_and_stock(sandbox, actor, category):
    rows = full_matrix()
    rows[0].price, rows[0].stock = Decimal("39.90"), 1
    rows[3].stock = 20
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(
        price=None, stock=None, specs=SPECS, skus=rows, category=category, status=Product.Status.ON_SALE))
    product.refresh_from_db()
    assert product.price == Decimal("39.90")
    assert product.stock == 1 + 5 + 5 + 20
    skus = list(product.skus.all())
    assert [s.spec_label for s in skus] == ["红色 / S", "红色 / M", "蓝色 / S", "蓝色 / M"]
    assert skus[0].spec_values == {"颜色": "红色", "尺码": "S"}
    assert all(s.sandbox_id == sandbox.pk for s in skus)
    assert product.spec_names == SPECS


@pytest.mark.parametrize("overrides,message", [
    ({"title": "好" * 31}, "60"),
    ({"price": Decimal("0")}, "价格"),
    ({"price": Decimal("-1")}, "价格"),
    ({"price": Decimal("1.234")}, "两位小数"),
    ({"price": "abc"}, "数字"),
    ({"stock": -1}, "库存"),
    ({"stock": "1.5"}, "整数"),
    ({"merchant_code": "码" * 33}, "商家编码"),
    ({"specs": SPECS, "skus": full_matrix()[:3]}, "不完整"),
    ({"specs": SPECS, "skus": full_matrix() + full_matrix()[:1]}, "重复"),
    ({"specs": [{"name": "颜色", "values": ["红色", "红色"]}], "skus": []}, "重复"),
    ({"status": Product.Status.ON_SALE}, "商品分类"),  # on sale needs a category
    ({"status": Product.Status.ON_SALE, "stock": 0}, "库存"),
    ({"status": "deleted"}, "状态"),
])
def test_product_create_refuses_and_writes_nothing(sandbox, actor, overrides, message, media_root):
    before = db_counts(sandbox)
    with pytest.raises(ShopError, match=message):
        svc.product_create(sandbox=sandbox, actor=actor, data=product_data(**overrides),
                           main_images=[image_upload()])
    assert db_counts(sandbox) == before
    assert not media_root.exists() or media_files(media_root) == []


def test_product_create_refuses_other_sandboxes_category_and_template(sandbox, actor, make_sandbox):
    other = make_sandbox(name="B")
    foreign_cat = Category.objects.create(sandbox=other, name="别人的")
    foreign_tpl = ShippingTemplate.objects.create(sandbox=other, name="别人的模板")
    before = db_counts(sandbox)
    with pytest.raises(ShopError, match="分类"):
        svc.product_create(sandbox=sandbox, actor=actor, data=product_data(category=foreign_cat))
    with pytest.raises(ShopError, match="运费模板"):
        svc.product_create(sandbox=sandbox, actor=actor, data=product_data(shipping_template=foreign_tpl))
    assert db_counts(sandbox) == before


def test_product_create_stores_images_under_random_names(sandbox, actor, media_root):
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(),
                                 main_images=[image_upload(800, 800, name="我的主图.jpg"), image_upload(1000, 1000, "PNG")],
                                 detail_images=[image_upload(750, 1000)])
    images = list(product.images.order_by("kind", "position"))
    assert [(i.kind, i.width, i.height) for i in images] == [
        ("detail", 750, 1000), ("main", 800, 800), ("main", 1000, 1000)]
    for img in images:
        assert img.image.name.startswith(f"shops/{sandbox.storefront_key}/")
        assert "我的主图" not in img.image.name
    assert len(media_files(media_root)) == 3
    event = ShopEvent.objects.for_sandbox(sandbox).get()
    assert len(event.after["images"]) == 3


def test_product_create_bad_second_image_leaves_no_file(sandbox, actor, media_root, monkeypatch):
    """A failure after the first file was written removes it again (no orphan on disk)."""
    real = svc.image_inspect
    calls = {"n": 0}

    def flaky(*, upload, kind):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ShopError("坏图")
        return real(upload=upload, kind=kind)

    monkeypatch.setattr(svc, "image_inspect", flaky)
    before = db_counts(sandbox)
    with pytest.raises(ShopError, match="坏图"):
        svc.product_create(sandbox=sandbox, actor=actor, data=product_data(),
                           main_images=[image_upload(), image_upload()])
    assert db_counts(sandbox) == before
    assert media_files(media_root) == []


def test_product_create_refuses_six_main_images(sandbox, actor):
    before = db_counts(sandbox)
    with pytest.raises(ShopError, match="5"):
        svc.product_create(sandbox=sandbox, actor=actor, data=product_data(),
                           main_images=[image_upload() for _ in range(6)])
    assert db_counts(sandbox) == before


def test_product_update_records_only_changed_fields(sandbox, actor, category):
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data())
    svc.product_update(sandbox=sandbox, actor=actor, product=product,
                       data=product_data(price=Decimal("49.90"), category=category))
    event = ShopEvent.objects.for_sandbox(sandbox).filter(action="product.update").get()
    assert set(event.before) == {"price", "category"}
    assert event.before == {"price": "59.00", "category": None}
    assert event.after == {"price": "49.90", "category": category.pk}
    # saving the same data again changes nothing and records nothing
    svc.product_update(sandbox=sandbox, actor=actor, product=product,
                       data=product_data(price=Decimal("49.90"), category=category))
    assert ShopEvent.objects.for_sandbox(sandbox).filter(action="product.update").count() == 1


def test_product_update_matrix_keeps_sku_ids_of_surviving_combinations(sandbox, actor):
    product = svc.product_create(sandbox=sandbox, actor=actor,
                                 data=product_data(price=None, stock=None, specs=SPECS, skus=full_matrix()))
    red_s = product.skus.get(spec_label="红色 / S")
    specs = [{"name": "颜色分类", "values": ["红色", "绿色"]}, {"name": "尺码", "values": ["S", "M"]}]
    rows = [svc.SkuData(values=(c, s), price=Decimal("10"), stock=2) for c in ("红色", "绿色") for s in ("S", "M")]
    svc.product_update(sandbox=sandbox, actor=actor, product=product,
                       data=product_data(price=None, stock=None, specs=specs, skus=rows))
    product.refresh_from_db()
    assert product.skus.count() == 4
    kept = product.skus.get(pk=red_s.pk)
    assert kept.spec_values == {"颜色分类": "红色", "尺码": "S"} and kept.price == Decimal("10.00")
    assert not product.skus.filter(spec_label__startswith="蓝色").exists()
    assert product.stock == 8 and product.price == Decimal("10.00")
    # removing the specs removes the SKUs and uses the plain price/stock
    svc.product_update(sandbox=sandbox, actor=actor, product=product, data=product_data(price=Decimal("9"), stock=3))
    product.refresh_from_db()
    assert product.skus.count() == 0 and product.stock == 3 and product.spec_names == []


def test_product_update_remove_and_add_images(sandbox, actor, media_root, django_capture_on_commit_callbacks):
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(),
                                 main_images=[image_upload(), image_upload()])
    first = product.images.order_by("position").first()
    with django_capture_on_commit_callbacks(execute=True):
        svc.product_update(sandbox=sandbox, actor=actor, product=product, data=product_data(),
                           main_images=[image_upload(900, 900)], remove_image_ids=[first.pk])
    assert not ProductImage.objects.filter(pk=first.pk).exists()
    assert sorted(i.width for i in product.images.all()) == [800, 900]
    assert len(media_files(media_root)) == 2
    event = ShopEvent.objects.for_sandbox(sandbox).filter(action="product.update").get()
    assert set(event.before) == {"images"}


def test_product_update_refuses_other_products_image(sandbox, actor):
    p1 = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(), main_images=[image_upload()])
    p2 = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(title="另一个"))
    before = db_counts(sandbox)
    with pytest.raises(ShopError, match="图片不存在"):
        svc.product_update(sandbox=sandbox, actor=actor, product=p2, data=product_data(title="改名"),
                           remove_image_ids=[p1.images.get().pk])
    assert db_counts(sandbox) == before
    p2.refresh_from_db()
    assert p2.title == "另一个"


def test_product_update_refuses_other_sandboxes_product(sandbox, actor, make_sandbox):
    other = make_sandbox(name="B")
    foreign = svc.product_create(sandbox=other, actor=actor, data=product_data(title="B的宝贝"))
    with pytest.raises(ShopError):
        svc.product_update(sandbox=sandbox, actor=actor, product=foreign, data=product_data(title="偷改"))
    foreign.refresh_from_db()
    assert foreign.title == "B的宝贝"


# ---------------------------------------------------------------------------------------------
# status


def test_product_set_status_listing_rules_and_event(sandbox, actor, category):
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(stock=0))
    with pytest.raises(ShopError, match="库存为0") as info:
        svc.product_set_status(sandbox=sandbox, actor=actor, product=product, status="on_sale")
    assert "商品分类" in info.value.message
    assert Product.objects.get(pk=product.pk).status == "in_warehouse"
    assert not ShopEvent.objects.filter(action="product.status").exists()

    svc.product_update(sandbox=sandbox, actor=actor, product=product, data=product_data(stock=3, category=category))
    svc.product_set_status(sandbox=sandbox, actor=actor, product=product, status="on_sale")
    event = ShopEvent.objects.get(action="product.status")
    assert event.before == {"status": "in_warehouse"} and event.after == {"status": "on_sale"}
    # same status again: nothing recorded
    svc.product_set_status(sandbox=sandbox, actor=actor, product=product, status="on_sale")
    assert ShopEvent.objects.filter(action="product.status").count() == 1


def test_bulk_status_reports_per_product_reasons(sandbox, actor, category):
    ok = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(title="好宝贝", category=category))
    no_cat = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(title="没分类"))
    no_stock = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(title="没库存", category=category,
                                                                                   stock=0))
    already = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(
        title="已上架", category=category, status=Product.Status.ON_SALE))
    events_before = ShopEvent.objects.count()
    result = svc.product_bulk_set_status(sandbox=sandbox, actor=actor, status="on_sale",
                                         product_ids=[ok.pk, no_cat.pk, no_stock.pk, already.pk])
    assert [p.pk for p in result.changed] == [ok.pk]
    assert [p.pk for p in result.unchanged] == [already.pk]
    reasons = {p.pk: r for p, r in result.refused}
    assert "商品分类" in reasons[no_cat.pk] and "库存" in reasons[no_stock.pk]
    assert ShopEvent.objects.count() == events_before + 1
    assert Product.objects.get(pk=no_cat.pk).status == "in_warehouse"

    result = svc.product_bulk_set_status(sandbox=sandbox, actor=actor, status="in_warehouse",
                                         product_ids=[ok.pk, already.pk, no_cat.pk])
    assert {p.pk for p in result.changed} == {ok.pk, already.pk}
    assert ShopEvent.objects.filter(action="product.status").count() == 3


def test_bulk_status_refuses_foreign_ids_entirely(sandbox, actor, make_sandbox, category):
    mine = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(category=category))
    other = make_sandbox(name="B")
    foreign = svc.product_create(sandbox=other, actor=actor, data=product_data(title="B的"))
    before = ShopEvent.objects.count()
    with pytest.raises(ShopError, match="不存在"):
        svc.product_bulk_set_status(sandbox=sandbox, actor=actor, status="on_sale", product_ids=[mine.pk, foreign.pk])
    with pytest.raises(ShopError, match="不存在"):
        svc.product_bulk_set_status(sandbox=sandbox, actor=actor, status="on_sale", product_ids=[999999])
    with pytest.raises(ShopError):
        svc.product_bulk_set_status(sandbox=sandbox, actor=actor, status="on_sale", product_ids=[])
    with pytest.raises(ShopError):
        svc.product_bulk_set_status(sandbox=sandbox, actor=actor, status="draft", product_ids=[mine.pk])
    assert ShopEvent.objects.count() == before
    assert Product.objects.get(pk=mine.pk).status == "in_warehouse"


# ---------------------------------------------------------------------------------------------
# categories


def test_category_create_update_move_delete(sandbox, actor):
    top = svc.category_create(sandbox=sandbox, actor=actor, name=" 女装 ")
    second = svc.category_create(sandbox=sandbox, actor=actor, name="男装")
    child = svc.category_create(sandbox=sandbox, actor=actor, name="连衣裙", parent=top)
    assert (top.name, top.position, second.position, child.position) == ("女装", 1, 2, 1)
    svc.category_move(sandbox=sandbox, actor=actor, category=second, direction="up")
    assert Category.objects.get(pk=second.pk).position == 1 and Category.objects.get(pk=top.pk).position == 2
    with pytest.raises(ShopError):
        svc.category_move(sandbox=sandbox, actor=actor, category=second, direction="up")
    svc.category_update(sandbox=sandbox, actor=actor, category=child, name="半身裙", parent=second, position=5)
    child.refresh_from_db()
    assert (child.name, child.parent_id, child.position) == ("半身裙", second.pk, 5)
    svc.category_delete(sandbox=sandbox, actor=actor, category=child)
    assert not Category.objects.filter(pk=child.pk).exists()
    actions = list(ShopEvent.objects.for_sandbox(sandbox).values_list("action", flat=True))
    assert actions == ["category.create"] * 3 + ["category.move", "category.update", "category.delete"]


def test_category_rules_refused_without_writes(sandbox, actor, make_sandbox):
    top = svc.category_create(sandbox=sandbox, actor=actor, name="女装")
    child = svc.category_create(sandbox=sandbox, actor=actor, name="连衣裙", parent=top)
    foreign = Category.objects.create(sandbox=make_sandbox(name="B"), name="别人")
    svc.product_create(sandbox=sandbox, actor=actor, data=product_data(category=child))
    before = db_counts(sandbox)
    cases = [
        lambda: svc.category_create(sandbox=sandbox, actor=actor, name="  "),
        lambda: svc.category_create(sandbox=sandbox, actor=actor, name="长" * 31),
        lambda: svc.category_create(sandbox=sandbox, actor=actor, name="女装"),  # duplicate at its level
        lambda: svc.category_create(sandbox=sandbox, actor=actor, name="三级", parent=child),  # three levels
        lambda: svc.category_create(sandbox=sandbox, actor=actor, name="x", parent=foreign),
        lambda: svc.category_update(sandbox=sandbox, actor=actor, category=top, name="女装", parent=top, position=1),
        lambda: svc.category_delete(sandbox=sandbox, actor=actor, category=top),   # has a child
        lambda: svc.category_delete(sandbox=sandbox, actor=actor, category=child),  # has a product
        lambda: svc.category_delete(sandbox=sandbox, actor=actor, category=foreign),
    ]
    for case in cases:
        with pytest.raises(ShopError):
            case()
    assert db_counts(sandbox) == before


def test_category_with_children_cannot_move_under_another(sandbox, actor):
    a = svc.category_create(sandbox=sandbox, actor=actor, name="A")
    b = svc.category_create(sandbox=sandbox, actor=actor, name="B")
    svc.category_create(sandbox=sandbox, actor=actor, name="A1", parent=a)
    with pytest.raises(ShopError, match="子分类"):
        svc.category_update(sandbox=sandbox, actor=actor, category=a, name="A", parent=b, position=1)


def test_category_delete_message_names_product_count(sandbox, actor, category):
    svc.product_create(sandbox=sandbox, actor=actor, data=product_data(category=category))
    with pytest.raises(ShopError, match="1个宝贝"):
        svc.category_delete(sandbox=sandbox, actor=actor, category=category)


# ---------------------------------------------------------------------------------------------
# shipping templates


def shipping_data(**overrides) -> svc.ShippingTemplateData:
    values = dict(name="江浙沪包邮模板", first_unit=Decimal("1"), first_fee=Decimal("10"), extra_unit=Decimal("1"),
                  extra_fee=Decimal("5"))
    values.update(overrides)
    return svc.ShippingTemplateData(**values)


def test_shipping_template_create_with_rules(sandbox, actor):
    tpl = svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data(rules=[
        svc.ShippingRuleData(regions=["上海", "浙江", "江苏"], first_unit=Decimal("1"), first_fee=Decimal("0"),
                             extra_unit=Decimal("1"), extra_fee=Decimal("0")),
        svc.ShippingRuleData(regions=["新疆", "西藏"], first_unit=Decimal("1"), first_fee=Decimal("20"),
                             extra_unit=Decimal("1"), extra_fee=Decimal("15")),
    ]))
    rules = list(tpl.rules.order_by("id"))
    assert rules[0].regions == ["上海", "江苏", "浙江"]  # stored in the picker's order
    assert all(r.sandbox_id == sandbox.pk for r in rules)
    event = ShopEvent.objects.get(action="shippingtemplate.create")
    assert len(event.after["rules"]) == 2


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "名称"),
    ({"name": "模" * 26}, "50"),
    ({"first_fee": Decimal("10"), "extra_fee": Decimal("12")}, "续费不能高于首费"),
    ({"first_fee": Decimal("-1")}, "首费"),
    ({"first_fee": Decimal("1.234")}, "两位小数"),
    ({"first_unit": Decimal("1.5")}, "整数"),
    ({"extra_unit": Decimal("0")}, "大于0"),
    ({"payer": "nobody"}, "包邮"),
    ({"pricing": "volume"}, "计价"),
    ({"rules": [svc.ShippingRuleData(regions=["火星"], first_unit=Decimal(1), first_fee=Decimal(1),
                                     extra_unit=Decimal(1), extra_fee=Decimal(1))]}, "未知地区"),
    ({"rules": [svc.ShippingRuleData(regions=[], first_unit=Decimal(1), first_fee=Decimal(1),
                                     extra_unit=Decimal(1), extra_fee=Decimal(1))]}, "地区"),
    ({"rules": [svc.ShippingRuleData(regions=["北京"], first_unit=Decimal(1), first_fee=Decimal(1),
                                     extra_unit=Decimal(1), extra_fee=Decimal(1)),
                svc.ShippingRuleData(regions=["北京"], first_unit=Decimal(1), first_fee=Decimal(2),
                                     extra_unit=Decimal(1), extra_fee=Decimal(1))]}, "已在第1条"),
    ({"rules": [svc.ShippingRuleData(regions=["北京"], first_unit=Decimal(1), first_fee=Decimal(5),
                                     extra_unit=Decimal(1), extra_fee=Decimal(6))]}, "续费不能高于首费"),
])
def test_shipping_template_refused_without_writes(sandbox, actor, overrides, message):
    before = db_counts(sandbox)
    with pytest.raises(ShopError, match=message):
        svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data(**overrides))
    assert db_counts(sandbox) == before


def test_shipping_extra_fee_may_exceed_zero_first_fee_and_weight_units_may_be_decimal(sandbox, actor):
    tpl = svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data(
        first_fee=Decimal("0"), extra_fee=Decimal("3"), pricing="weight", first_unit=Decimal("0.5"),
        extra_unit=Decimal("0.5")))
    assert tpl.extra_fee == Decimal("3.00") and tpl.first_unit == Decimal("0.50")


def test_shipping_template_name_unique_update_and_delete(sandbox, actor):
    tpl = svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data())
    with pytest.raises(ShopError, match="已有"):
        svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data())
    svc.shipping_template_update(sandbox=sandbox, actor=actor, template=tpl, data=shipping_data(first_fee=Decimal("8")))
    event = ShopEvent.objects.get(action="shippingtemplate.update")
    assert event.before == {"first_fee": "10.00"} and event.after == {"first_fee": "8.00"}
    product = svc.product_create(sandbox=sandbox, actor=actor, data=product_data(shipping_template=tpl))
    with pytest.raises(ShopError, match="正被1个宝贝使用"):
        svc.shipping_template_delete(sandbox=sandbox, actor=actor, template=tpl)
    product.delete()
    svc.shipping_template_delete(sandbox=sandbox, actor=actor, template=tpl)
    assert not ShippingTemplate.objects.filter(pk=tpl.pk).exists()
    assert ShopEvent.objects.filter(action="shippingtemplate.delete", object_id=tpl.pk).exists()


def test_shipping_fee_quote(sandbox, actor):
    tpl = svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data(
        first_unit=Decimal("2"), first_fee=Decimal("10"), extra_unit=Decimal("2"), extra_fee=Decimal("4"),
        rules=[svc.ShippingRuleData(regions=["新疆", "西藏"], first_unit=Decimal("1"), first_fee=Decimal("20"),
                                    extra_unit=Decimal("1"), extra_fee=Decimal("15"))]))
    quote = svc.shipping_fee_quote
    assert quote(template=tpl, province="浙江省", quantity=1) == Decimal("10.00")
    assert quote(template=tpl, province="浙江", quantity=2) == Decimal("10.00")
    assert quote(template=tpl, province="浙江", quantity=3) == Decimal("14.00")  # one started extra unit
    assert quote(template=tpl, province="浙江", quantity=5) == Decimal("18.00")  # two started extra units
    assert quote(template=tpl, province="新疆维吾尔自治区", quantity=1) == Decimal("20.00")
    assert quote(template=tpl, province="西藏", quantity=3) == Decimal("50.00")


def test_shipping_fee_quote_by_weight_and_seller_pays(sandbox, actor):
    tpl = svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data(
        pricing="weight", first_unit=Decimal("1"), first_fee=Decimal("8"), extra_unit=Decimal("0.5"),
        extra_fee=Decimal("2")))
    quote = svc.shipping_fee_quote
    assert quote(template=tpl, province="北京", quantity=1, weight=Decimal("0.8")) == Decimal("8.00")
    assert quote(template=tpl, province="北京", quantity=1, weight=Decimal("1.6")) == Decimal("12.00")
    assert quote(template=tpl, province="北京", quantity=2) == Decimal("12.00")  # no weight: 1 kg per piece
    free = svc.shipping_template_create(sandbox=sandbox, actor=actor, data=shipping_data(name="包邮", payer="seller"))
    assert quote(template=free, province="新疆", quantity=10) == Decimal("0")
    with pytest.raises(ValueError):
        quote(template=tpl, province="北京", quantity=0)


def test_removing_an_image_in_a_provisioned_copy_keeps_the_templates_file(
        make_sandbox, actor, media_root, django_capture_on_commit_callbacks, make_user):
    """A copy shares its template's files: removing the picture in the copy must not delete it."""
    from shop_sim.services.provisioning import sandbox_provision

    template = make_sandbox(name="模板")
    template.is_template = True
    template.save(update_fields=["is_template"])
    product = svc.product_create(sandbox=template, actor=actor, data=product_data(), main_images=[image_upload()])
    shared = product.images.get().image.name
    copy = sandbox_provision(template=template, owner=make_user("copy_owner"), name="副本")
    copied = Product.objects.for_sandbox(copy).get()
    with django_capture_on_commit_callbacks(execute=True):
        svc.product_update(sandbox=copy, actor=actor, product=copied, data=product_data(),
                           remove_image_ids=[copied.images.get().pk])
    assert not copied.images.exists()
    assert (media_root / shared).exists()
    assert product.images.get().image.name == shared
