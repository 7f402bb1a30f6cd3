"""Catalogue forms: every bad input gets a zh-hans message on the right field, and another shop's
ids are invalid choices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils.datastructures import MultiValueDict

from shop_sim.console.forms import catalog as forms
from shop_sim.models import Category, Product, ProductImage, ShippingTemplate
from shop_sim.services import catalog as svc
from shop_sim.services.base import Actor

from .test_catalog_services import big_upload, image_upload, text_as_jpg


def product_post(**overrides) -> dict:
    """A valid editor POST for a product without specs (strings, as a browser sends them)."""
    data = {
        "title": "夏季纯棉T恤", "subtitle": "", "category": "", "price": "59.00", "stock": "10",
        "merchant_code": "", "shipping_template": "", "status": "in_warehouse", "detail_html": "",
        "spec1_name": "", "spec1_values": "", "spec2_name": "", "spec2_values": "",
        "attr-TOTAL_FORMS": "0", "attr-INITIAL_FORMS": "0", "attr-MIN_NUM_FORMS": "0", "attr-MAX_NUM_FORMS": "30",
        "sku-TOTAL_FORMS": "0", "sku-INITIAL_FORMS": "0", "sku-MIN_NUM_FORMS": "0", "sku-MAX_NUM_FORMS": "300",
    }
    data.update(overrides)
    return data


def with_attributes(data: dict, rows: list[tuple[str, str]]) -> dict:
    data["attr-TOTAL_FORMS"] = str(len(rows))
    for i, (key, value) in enumerate(rows):
        data[f"attr-{i}-key"], data[f"attr-{i}-value"] = key, value
    return data


def with_skus(data: dict, rows: list[tuple[tuple[str, ...], str, str]]) -> dict:
    data["sku-TOTAL_FORMS"] = str(len(rows))
    for i, (values, price, stock) in enumerate(rows):
        data[f"sku-{i}-combo"] = json.dumps(list(values), ensure_ascii=False)
        data[f"sku-{i}-price"], data[f"sku-{i}-stock"], data[f"sku-{i}-code"] = price, stock, ""
    return data


def spec_post(**overrides) -> dict:
    data = product_post(spec1_name="颜色", spec1_values="红色，蓝色", spec2_name="尺码", spec2_values="S、M",
                        price="", stock="")
    data.update(overrides)
    return data


FULL = [(("红色", "S"), "50", "1"), (("红色", "M"), "45.5", "2"), (("蓝色", "S"), "50", "3"), (("蓝色", "M"), "60", "4")]


def editor(sandbox, data, files=None, product=None) -> forms.ProductEditor:
    return forms.ProductEditor(sandbox=sandbox, product=product, data=data,
                               files=MultiValueDict(files or {}))


def field_errors(ed: forms.ProductEditor, name: str) -> list[str]:
    return ed.form.errors.get(name, [])


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# ---------------------------------------------------------------------------------------------
# product editor


def test_valid_simple_post(sandbox):
    ed = editor(sandbox, with_attributes(product_post(), [("品牌", "某某"), ("", ""), ("材质", "棉")]))
    assert ed.is_valid(), (ed.form.errors, ed.errors)
    data = ed.product_data()
    assert data.price == Decimal("59.00") and data.stock == 10
    assert data.attributes == {"品牌": "某某", "材质": "棉"}
    assert data.specs == [] and data.skus == []


@pytest.mark.parametrize("title,ok", [
    ("好" * 30, True), ("好" * 31, False), ("a" * 60, True), ("a" * 61, False),
    ("好" * 29 + "ab", True), ("好" * 29 + "abc", False), ("ＡＢ" * 15, True), ("ＡＢ" * 15 + "x", False),
])
def test_title_byte_limit(sandbox, title, ok):
    ed = editor(sandbox, product_post(title=title))
    assert ed.is_valid() is ok
    if not ok:
        assert any("60个字节" in e for e in field_errors(ed, "title"))


def test_title_required_message(sandbox):
    ed = editor(sandbox, product_post(title="   "))
    assert not ed.is_valid()
    assert field_errors(ed, "title") == ["请填写宝贝标题"]


@pytest.mark.parametrize("price,message", [
    ("0", "价格必须大于0"), ("-1", "价格必须大于0"), ("1.234", "价格最多保留两位小数"), ("abc", "价格必须是数字"),
    ("", "请填写价格"), ("100000001", "价格不能超过"),
])
def test_bad_price(sandbox, price, message):
    ed = editor(sandbox, product_post(price=price))
    assert not ed.is_valid()
    assert any(message in e for e in field_errors(ed, "price")), field_errors(ed, "price")


@pytest.mark.parametrize("stock,message", [("-1", "库存不能小于0"), ("1.5", "库存必须是整数"), ("", "请填写库存"),
                                           ("十", "库存必须是整数")])
def test_bad_stock(sandbox, stock, message):
    ed = editor(sandbox, product_post(stock=stock))
    assert not ed.is_valid()
    assert any(message in e for e in field_errors(ed, "stock"))


def test_merchant_code_bytes(sandbox):
    assert editor(sandbox, product_post(merchant_code="A" * 64)).is_valid()
    ed = editor(sandbox, product_post(merchant_code="码" * 33))
    assert not ed.is_valid() and field_errors(ed, "merchant_code")


def test_other_sandboxes_category_and_template_are_invalid_choices(sandbox, make_sandbox):
    other = make_sandbox(name="B")
    cat = Category.objects.create(sandbox=other, name="别人的分类")
    tpl = ShippingTemplate.objects.create(sandbox=other, name="别人的模板")
    ed = editor(sandbox, product_post(category=str(cat.pk), shipping_template=str(tpl.pk)))
    assert not ed.is_valid()
    assert field_errors(ed, "category") == ["所选商品分类不存在"]
    assert field_errors(ed, "shipping_template") == ["所选运费模板不存在"]


def test_category_choices_are_this_shop_in_tree_order(sandbox, make_sandbox):
    top = Category.objects.create(sandbox=sandbox, name="女装", position=1)
    Category.objects.create(sandbox=sandbox, name="连衣裙", parent=top, position=1)
    Category.objects.create(sandbox=make_sandbox(name="B"), name="别人的")
    form = forms.ProductForm(sandbox=sandbox)
    labels = [label for _value, label in form.fields["category"].choices]
    assert labels == ["请选择分类", "女装", "— 连衣裙"]


def test_detail_html_sanitised_in_form(sandbox):
    ed = editor(sandbox, product_post(detail_html='<p>详情</p><script>alert("x")</script><img src=x onerror=alert(1)>'))
    assert ed.is_valid()
    html = ed.product_data().detail_html
    assert "<script" not in html and "onerror" not in html and "<p>详情</p>" in html


def test_attribute_rows(sandbox):
    ed = editor(sandbox, with_attributes(product_post(), [("品牌", "")]))
    assert not ed.is_valid()
    assert ed.attributes.forms[0].errors["value"] == ["请填写属性值"]
    ed = editor(sandbox, with_attributes(product_post(), [("品牌", "a"), ("品牌", "b")]))
    assert not ed.is_valid()
    assert "重复" in ed.attributes.non_form_errors()[0]


def test_specs_and_full_matrix_valid(sandbox):
    ed = editor(sandbox, with_skus(spec_post(), FULL))
    assert ed.is_valid(), (ed.form.errors, ed.errors, ed.skus.errors)
    data = ed.product_data()
    assert data.specs == [{"name": "颜色", "values": ["红色", "蓝色"]}, {"name": "尺码", "values": ["S", "M"]}]
    assert [s.values for s in data.skus] == [v for v, _p, _s in FULL]
    assert data.price is None and data.stock is None  # derived by the service


def test_incomplete_matrix_rejected(sandbox):
    ed = editor(sandbox, with_skus(spec_post(), FULL[:3]))
    assert not ed.is_valid()
    assert any("不完整" in e and "蓝色 / M" in e for e in ed.errors)


def test_duplicated_matrix_row_rejected(sandbox):
    ed = editor(sandbox, with_skus(spec_post(), FULL + FULL[:1]))
    assert not ed.is_valid()
    assert any("重复" in e for e in ed.errors)


def test_matrix_never_generated(sandbox):
    ed = editor(sandbox, spec_post())
    assert not ed.is_valid()
    assert any("生成SKU表" in e for e in ed.errors)


def test_stale_matrix_rejected(sandbox):
    ed = editor(sandbox, with_skus(spec_post(spec1_values="红色,绿色"), FULL))
    assert not ed.is_valid()
    assert any("重新生成" in e for e in ed.errors)


@pytest.mark.parametrize("price,stock,field,message", [
    ("0", "1", "price", "价格必须大于0"), ("abc", "1", "price", "价格必须是数字"), ("1.234", "1", "price", "两位小数"),
    ("", "1", "price", "请填写价格"), ("5", "-1", "stock", "库存不能小于0"), ("5", "1.5", "stock", "库存必须是整数"),
])
def test_bad_sku_row(sandbox, price, stock, field, message):
    rows = list(FULL)
    rows[2] = (rows[2][0], price, stock)
    ed = editor(sandbox, with_skus(spec_post(), rows))
    assert not ed.is_valid()
    assert any(message in e for e in ed.skus.forms[2].errors[field])


def test_duplicated_spec_values_rejected_on_field(sandbox):
    ed = editor(sandbox, spec_post(spec2_values="S,M,S"))
    assert not ed.is_valid()
    assert any("重复" in e for e in field_errors(ed, "spec2_values"))
    ed = editor(sandbox, spec_post(spec2_name="颜色"))
    assert not ed.is_valid()
    assert any("重复" in e for e in field_errors(ed, "spec2_name"))
    ed = editor(sandbox, spec_post(spec1_name=""))
    assert not ed.is_valid()
    assert field_errors(ed, "spec1_name") == ["请填写规格名称"]


def test_tampered_combo_rejected(sandbox):
    data = with_skus(spec_post(), FULL)
    data["sku-0-combo"] = "not json"
    ed = editor(sandbox, data)
    assert not ed.is_valid()
    assert ed.skus.forms[0].errors["combo"]


def test_images_checked_by_content(sandbox, settings):
    ed = editor(sandbox, product_post(), files={"main_images": [text_as_jpg()]})
    assert not ed.is_valid()
    assert any("不是有效的图片" in e for e in field_errors(ed, "main_images"))
    ed = editor(sandbox, product_post(), files={"main_images": [image_upload(500, 500)]})
    assert not ed.is_valid()
    assert any("至少800×800" in e for e in field_errors(ed, "main_images"))
    ed = editor(sandbox, product_post(), files={"main_images": [big_upload(settings.SHOP_IMAGE_MAX_BYTES)]})
    assert not ed.is_valid()
    assert any("2MB" in e for e in field_errors(ed, "main_images"))
    ed = editor(sandbox, product_post(), files={"detail_images": [image_upload(1600, 900)]})
    assert not ed.is_valid()
    assert any("1500" in e for e in field_errors(ed, "detail_images"))
    ed = editor(sandbox, product_post(), files={"main_images": [image_upload(), image_upload(800, 800, "PNG")],
                                                "detail_images": [image_upload(750, 2000)]})
    assert ed.is_valid()
    assert len(ed.main_images) == 2 and len(ed.detail_images) == 1


def test_main_image_count_includes_existing(sandbox):
    product = svc.product_create(sandbox=sandbox, actor=Actor.system(), data=svc.ProductData(
        title="t", price=Decimal("1"), stock=1), main_images=[image_upload() for _ in range(4)])
    ed = editor(sandbox, product_post(), product=product, files={"main_images": [image_upload(), image_upload()]})
    assert not ed.is_valid()
    assert any("最多5张" in e for e in field_errors(ed, "main_images"))
    first = product.images.first()
    ed = editor(sandbox, product_post(remove_images=[str(first.pk)]), product=product,
                files={"main_images": [image_upload(), image_upload()]})
    assert ed.is_valid(), ed.form.errors
    assert ed.remove_image_ids == [first.pk]


def test_remove_images_refuses_other_products_images(sandbox):
    actor = Actor.system()
    p1 = svc.product_create(sandbox=sandbox, actor=actor, data=svc.ProductData(title="a", price=Decimal(1), stock=1),
                            main_images=[image_upload()])
    p2 = svc.product_create(sandbox=sandbox, actor=actor, data=svc.ProductData(title="b", price=Decimal(1), stock=1))
    ed = editor(sandbox, product_post(remove_images=[str(p1.images.get().pk)]), product=p2)
    assert not ed.is_valid()
    assert field_errors(ed, "remove_images")


def test_edit_initial_values(sandbox):
    product = svc.product_create(sandbox=sandbox, actor=Actor.system(), data=svc.ProductData(
        title="T恤", attributes={"品牌": "某"}, specs=[{"name": "颜色", "values": ["红", "蓝"]}],
        skus=[svc.SkuData(values=("红",), price=Decimal("5"), stock=1, code="R"),
              svc.SkuData(values=("蓝",), price=Decimal("6"), stock=2)]))
    ed = forms.ProductEditor(sandbox=sandbox, product=product)
    assert ed.form.initial["spec1_values"] == "红,蓝"
    assert [f.spec_label for f in ed.skus.forms] == ["红", "蓝"]
    assert ed.skus.forms[0].initial["code"] == "R"
    assert ed.attributes.forms[0].initial == {"key": "品牌", "value": "某"}


def test_sku_regeneration_keeps_typed_values():
    data = with_skus(spec_post(spec2_values="S,M,L", price="88"), FULL)
    formset, errors = forms.sku_formset_regenerated(data)
    assert errors == []
    rows = {f.spec_label: f.initial for f in formset.forms}
    assert list(rows) == ["红色 / S", "红色 / M", "红色 / L", "蓝色 / S", "蓝色 / M", "蓝色 / L"]
    assert rows["红色 / M"]["price"] == "45.5" and rows["红色 / M"]["stock"] == "2"
    assert rows["蓝色 / L"]["price"] == "88" and rows["蓝色 / L"]["stock"] == ""


def test_sku_regeneration_with_bad_specs_keeps_rows():
    formset, errors = forms.sku_formset_regenerated(with_skus(spec_post(spec1_values="红色,红色"), FULL))
    assert errors and "重复" in errors[0]
    assert [f.spec_label for f in formset.forms] == ["红色 / S", "红色 / M", "蓝色 / S", "蓝色 / M"]


# ---------------------------------------------------------------------------------------------
# list filters and bulk action


def test_filter_form_category_must_be_this_shops(sandbox, make_sandbox):
    mine = Category.objects.create(sandbox=sandbox, name="女装")
    foreign = Category.objects.create(sandbox=make_sandbox(name="B"), name="别人的")
    assert forms.ProductFilterForm({"category": str(mine.pk)}, sandbox=sandbox).is_valid()
    assert not forms.ProductFilterForm({"category": str(foreign.pk)}, sandbox=sandbox).is_valid()


def test_bulk_form():
    assert forms.BulkStatusForm({"ids": ["1", "2"], "action": "on_sale"}).is_valid()
    form = forms.BulkStatusForm({"action": "on_sale"})
    assert not form.is_valid() and form.errors["ids"] == ["请先勾选宝贝"]
    form = forms.BulkStatusForm({"ids": ["x"], "action": "on_sale"})
    assert not form.is_valid() and form.errors["ids"] == ["无效的宝贝编号"]
    assert not forms.BulkStatusForm({"ids": ["1"], "action": "draft"}).is_valid()


# ---------------------------------------------------------------------------------------------
# categories


def test_category_form_parent_is_this_shops_top_level(sandbox, make_sandbox):
    top = Category.objects.create(sandbox=sandbox, name="女装")
    child = Category.objects.create(sandbox=sandbox, name="裙", parent=top)
    foreign = Category.objects.create(sandbox=make_sandbox(name="B"), name="别人的")
    assert forms.CategoryForm({"name": "新", "parent": str(top.pk)}, sandbox=sandbox).is_valid()
    for bad in (child, foreign):
        form = forms.CategoryForm({"name": "新", "parent": str(bad.pk)}, sandbox=sandbox)
        assert not form.is_valid() and form.errors["parent"] == ["上级分类不存在"]
    form = forms.CategoryForm({"name": ""}, sandbox=sandbox)
    assert not form.is_valid() and form.errors["name"] == ["请填写分类名称"]
    edit = forms.CategoryForm({"name": "女装", "parent": str(top.pk), "position": "1"}, sandbox=sandbox, category=top)
    assert not edit.is_valid()  # itself is not offered as its own parent
    edit = forms.CategoryForm({"name": "女装", "position": "-1"}, sandbox=sandbox, category=top)
    assert not edit.is_valid() and edit.errors["position"] == ["排序不能小于0"]


# ---------------------------------------------------------------------------------------------
# shipping templates


def shipping_post(**overrides) -> dict:
    data = {
        "name": "默认模板", "payer": "buyer", "pricing": "item", "first_unit": "1", "first_fee": "10",
        "extra_unit": "1", "extra_fee": "5",
        "rules-TOTAL_FORMS": "0", "rules-INITIAL_FORMS": "0", "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "31",
    }
    data.update(overrides)
    return data


def with_rules(data: dict, rules: list[dict]) -> dict:
    data["rules-TOTAL_FORMS"] = str(len(rules))
    for i, rule in enumerate(rules):
        for key, value in rule.items():
            data[f"rules-{i}-{key}"] = value
    return data


def shipping_forms(sandbox, data, template=None):
    form = forms.ShippingTemplateForm(data, sandbox=sandbox, template=template)
    rules = forms.ShippingRuleFormSet(data, prefix="rules", form_kwargs={"pricing": form.pricing})
    return form, rules


def test_shipping_valid_with_rules(sandbox):
    from django.http import QueryDict

    data = with_rules(shipping_post(), [
        {"regions": ["新疆", "西藏"], "first_unit": "1", "first_fee": "20", "extra_unit": "1", "extra_fee": "15"},
        {"regions": [], "first_unit": "", "first_fee": "", "extra_unit": "", "extra_fee": ""},  # blank extra row
    ])
    qd = QueryDict(mutable=True)
    for key, value in data.items():
        qd.setlist(key, value if isinstance(value, list) else [value])
    form, rules = shipping_forms(sandbox, qd)
    assert form.is_valid() and rules.is_valid(), (form.errors, rules.errors, rules.non_form_errors())
    payload = forms.shipping_template_data(form, rules)
    assert payload.first_fee == Decimal("10.00")
    assert [r.regions for r in payload.rules] == [["新疆", "西藏"]]


@pytest.mark.parametrize("overrides,field,message", [
    ({"name": ""}, "name", "请填写模板名称"),
    ({"name": "模" * 26}, "name", "50个字节"),
    ({"first_fee": "10", "extra_fee": "12"}, "extra_fee", "续费不能高于首费"),
    ({"first_fee": "-1"}, "first_fee", "不能小于0"),
    ({"first_fee": "1.234"}, "first_fee", "两位小数"),
    ({"first_fee": "abc"}, "first_fee", "数字"),
    ({"first_unit": "1.5"}, "first_unit", "整数"),
    ({"first_unit": "0"}, "first_unit", "大于0"),
    ({"payer": "x"}, "payer", "请选择是否包邮"),
])
def test_shipping_bad_input(sandbox, overrides, field, message):
    form, _rules = shipping_forms(sandbox, shipping_post(**overrides))
    assert not form.is_valid()
    assert any(message in e for e in form.errors[field]), form.errors


def test_shipping_weight_units_allow_decimals_and_zero_first_fee(sandbox):
    form, _ = shipping_forms(sandbox, shipping_post(pricing="weight", first_unit="0.5", first_fee="0", extra_fee="3"))
    assert form.is_valid(), form.errors


def test_shipping_name_unique_in_this_shop_only(sandbox, make_sandbox):
    ShippingTemplate.objects.create(sandbox=make_sandbox(name="B"), name="默认模板")
    assert shipping_forms(sandbox, shipping_post())[0].is_valid()
    tpl = ShippingTemplate.objects.create(sandbox=sandbox, name="默认模板")
    form, _ = shipping_forms(sandbox, shipping_post())
    assert not form.is_valid() and "已有" in form.errors["name"][0]
    assert shipping_forms(sandbox, shipping_post(), template=tpl)[0].is_valid()


def test_shipping_rules_errors(sandbox):
    rule = {"first_unit": "1", "first_fee": "5", "extra_unit": "1", "extra_fee": "2"}
    _, rules = shipping_forms(sandbox, with_rules(shipping_post(), [{**rule, "regions": ["北京"]},
                                                                    {**rule, "regions": ["北京"]}]))
    assert not rules.is_valid() and "重复" in rules.non_form_errors()[0]
    _, rules = shipping_forms(sandbox, with_rules(shipping_post(), [{**rule, "regions": ["火星"]}]))
    assert not rules.is_valid() and rules.forms[0].errors["regions"]
    _, rules = shipping_forms(sandbox, with_rules(shipping_post(), [{**rule, "first_fee": "7", "regions": []}]))
    assert not rules.is_valid() and rules.forms[0].errors["regions"] == ["请选择至少一个地区"]
    _, rules = shipping_forms(sandbox, with_rules(shipping_post(), [{**rule, "regions": ["上海"], "extra_fee": "9"}]))
    assert not rules.is_valid() and "续费不能高于首费" in rules.forms[0].errors["extra_fee"][0]


def test_models_untouched_by_forms(sandbox):
    """Forms never write: validating a full editor POST creates nothing."""
    editor(sandbox, with_skus(spec_post(), FULL)).is_valid()
    assert Product.objects.count() == 0 and ProductImage.objects.count() == 0
