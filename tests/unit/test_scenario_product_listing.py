"""product-listing-sku v2: the faults examiners found (issue "Scores a fair examiner would sign") are
gone — SKUs keyed by their spec values, sets scored against the expected SKUs, the merchant code
graded without losing the product, banned words and the length gating the title, the supplier pictures
handed out, and collateral damage priced per 处.

The product is published through the shop's services (unit tests have no browser), so the page
criterion ``storefront`` is 未评定 here and left out of the sums."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from autograder.engine import grade
from shop_sim.models import Category, Product, ShippingTemplate, ShopFile
from shop_sim.services.base import Actor
from shop_sim.services.catalog import ProductData, SkuData, product_create, product_update
from task_scenarios.loader import scenario_load
from task_scenarios.setup import scenario_instance_create

pytestmark = pytest.mark.django_db
MACHINE = 19  # the rubric's 20 points less the page criterion (no browser in unit tests)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def scenario(django_db_blocker):
    with django_db_blocker.unblock():
        return scenario_load("product-listing-sku")


@pytest.fixture
def instance(scenario, candidate):
    return scenario_instance_create(scenario=scenario, seed=3, owner=candidate)


def handed_out(instance, name):
    """A picture from 文件中心 (下发文件), as the candidate downloads it."""
    shop_file = ShopFile.objects.for_sandbox(instance.sandbox).get(kind=ShopFile.Kind.PROVIDED, name=name)
    with shop_file.file.open("rb") as handle:
        return SimpleUploadedFile(name, handle.read(), content_type="image/png")


def publish(instance, *, swap=False, case=str, code=None, title=None, extra=(), status=Product.Status.ON_SALE,
            picture=True):
    """The product as a candidate enters it; ``swap`` puts the second spec first."""
    p, sandbox = instance.params, instance.sandbox
    specs = [{"name": p["spec1"], "values": [case(v) for v in p["values1"]]},
             {"name": p["spec2"], "values": [case(v) for v in p["values2"]] + list(extra)}]
    rows = [(a, b) for a in specs[0]["values"] for b in specs[1]["values"]]
    skus = []
    for a, b in rows:
        special = sorted([a.casefold(), b.casefold()]) == sorted(v.casefold() for v in p["special_key"])
        skus.append(SkuData(values=(b, a) if swap else (a, b), stock=p["stock"],
                            price=Decimal(p["special_price"] if special else p["price"])))
    if swap:
        specs.reverse()
    leaf = Category.objects.for_sandbox(sandbox).get(name=p["category"], parent__name=p["category_top"])
    template = ShippingTemplate.objects.for_sandbox(sandbox).get(name=p["shipping_template"])
    return product_create(sandbox=sandbox, actor=Actor("merchant", "cand"), data=ProductData(
        title=title or p["sample_title"], category=leaf, attributes={"品牌": p["brand"], "材质": p["material_attr"]},
        merchant_code=p["merchant_code"] if code is None else code, shipping_template=template, status=status,
        specs=specs, skus=skus), main_images=[handed_out(instance, p["main_image"])] if picture else [])


def graded(scenario, instance):
    report = grade(instance=instance, scenario=scenario)
    scores = {c.id: c.result.score for c in report.criteria if c.id != "storefront"}
    return report, scores


def test_the_supplier_pictures_are_handed_out(instance):
    p = instance.params
    handed = set(ShopFile.objects.for_sandbox(instance.sandbox).filter(kind=ShopFile.Kind.PROVIDED)
                 .values_list("name", flat=True))
    assert handed == {p["main_image"], p["image_distractor"]}


def test_a_blank_attempt_scores_nothing(scenario, instance):
    report, scores = graded(scenario, instance)
    assert sum(scores.values()) == 0 and report.deduction == 0 and not report.collateral


def test_specs_in_the_other_order_and_lower_case_values_lose_nothing(scenario, instance):
    publish(instance, swap=True, case=str.lower)
    report, scores = graded(scenario, instance)
    assert sum(scores.values()) == MACHINE, {c.id: c.result.message for c in report.criteria}
    assert not report.collateral


def test_a_missing_sku_costs_its_share_and_an_extra_sku_costs_the_matrix_only(scenario, instance):
    p = instance.params
    publish(instance, extra=["均码"])
    _report, scores = graded(scenario, instance)
    extras = len(p["values1"])
    assert scores["sku_matrix"] == (Decimal(2) * (p["sku_count"] - extras) / p["sku_count"]).quantize(Decimal("0.01"))
    assert scores["sku_price"] == 2 and scores["sku_stock"] == 2 and scores["sku_special_price"] == 2


def test_prices_are_scored_against_the_expected_skus_not_the_rows_that_exist(scenario, instance, candidate):
    # the old rubric passed "all but X cost P" with a single SKU: the denominator is now the expected set
    p = instance.params
    sandbox = instance.sandbox
    leaf = Category.objects.for_sandbox(sandbox).get(name=p["category"], parent__name=p["category_top"])
    a, b = p["regular_keys"][0]
    product_create(sandbox=sandbox, actor=Actor("merchant", "cand"), data=ProductData(
        title=p["sample_title"], category=leaf, merchant_code=p["merchant_code"], status=Product.Status.DRAFT,
        specs=[{"name": p["spec1"], "values": [a]}, {"name": p["spec2"], "values": [b]}],
        skus=[SkuData(values=(a, b), price=Decimal(p["price"]), stock=p["stock"])]))
    report, scores = graded(scenario, instance)
    regular = p["sku_count"] - 1
    assert scores["sku_price"] == (Decimal(2) / regular).quantize(Decimal("0.01"))
    assert scores["sku_stock"] == (Decimal(2) / p["sku_count"]).quantize(Decimal("0.01"))
    assert scores["sku_special_price"] == 0
    assert "缺少SKU" in report.criterion("sku_price").result.message


def test_a_mistyped_merchant_code_costs_its_own_point_only(scenario, instance):
    publish(instance, code=instance.params["merchant_code"][:-1] + "X")
    report, scores = graded(scenario, instance)
    assert scores["merchant_code"] == 0
    assert sum(scores.values()) == MACHINE - 1
    message = report.criterion("merchant_code").result.message
    assert f"没有找到商家编码 {instance.params['merchant_code']}的商品" in message
    assert f"标题含“{instance.params['brand']}”" in message


@pytest.mark.parametrize("suffix", ["全网销量第一", "最好用"])
def test_a_banned_word_in_the_title_loses_the_title(scenario, instance, suffix):
    publish(instance, title=instance.params["sample_title"][:20] + suffix)
    report, scores = graded(scenario, instance)
    assert scores["title_copy"] == 0
    assert "不得分" in report.criterion("title_copy").result.message


def test_a_title_is_scored_by_its_keywords_and_repeating_one_is_no_fault_here(scenario, instance):
    # The instructions ask for the keywords and the length and warn about banned words; they say
    # nothing against repeating a word, so a title that repeats a keyword loses nothing for it.
    p = instance.params
    repeated = f"{p['brand']}{p['noun']}{p['material']}{p['style']}{p['noun']}{p['brand']}"
    publish(instance, title=repeated)
    report, scores = graded(scenario, instance)
    assert scores["title_copy"] == Decimal("3.00")
    assert "堆砌" not in report.criterion("title_copy").result.message
    Product.objects.for_sandbox(instance.sandbox).filter(merchant_code=p["merchant_code"]).update(
        title=f"{p['brand']}{p['noun']}")
    _report, scores = graded(scenario, instance)
    assert scores["title_copy"] == Decimal("1.50")  # 2 of the 4 keywords


def test_a_product_published_twice_is_judged_by_its_best_listing(scenario, instance):
    p = instance.params
    publish(instance, code="", title=f"{p['brand']}{p['noun']}", status=Product.Status.DRAFT, picture=False)
    publish(instance, code="")  # both found by the brand in the title, neither by the code
    report, scores = graded(scenario, instance)
    assert sum(scores.values()) == MACHINE - 1  # the merchant code only
    assert "找到 2 个商品，按其中最符合要求的一个" in report.criterion("on_sale").result.message
    assert report.deduction == 1  # the second listing


def test_a_missing_main_image_costs_the_main_image_criterion(scenario, instance):
    publish(instance, picture=False)
    _report, scores = graded(scenario, instance)
    assert scores["main_image"] == 0 and sum(scores.values()) == MACHINE - 2


def test_a_second_product_and_an_edited_product_cost_one_point_each(scenario, instance):
    p = instance.params
    publish(instance)
    publish(instance, code="OTHER1", title=f"{p['brand']}{p['noun']}备用款", status=Product.Status.DRAFT)
    existing = Product.objects.for_sandbox(instance.sandbox).filter(skus__isnull=False).exclude(
        merchant_code__in=[p["merchant_code"], "OTHER1"]).distinct().first()
    skus = list(existing.skus.order_by("position"))
    product_update(sandbox=instance.sandbox, actor=Actor("merchant", "cand"), product=existing, data=ProductData(
        title=existing.title, category=existing.category, attributes=existing.attributes,
        merchant_code=existing.merchant_code, shipping_template=existing.shipping_template, status=existing.status,
        specs=existing.spec_names,
        skus=[SkuData(values=tuple(s.spec_values[d["name"]] for d in existing.spec_names),
                      price=s.price + 1, stock=s.stock, code=s.code) for s in skus]))
    report, scores = graded(scenario, instance)
    assert sum(scores.values()) == MACHINE  # the task's own product is still found and right
    assert report.deduction == 2  # one for the second listing, one for the product edited with its SKUs
    paying = [c for c in report.collateral if c.deduct > 0]
    assert sorted((c.model, c.kind) for c in paying) == [("product", "added"), ("product", "changed")]
    assert any("计为一处" in c.message for c in report.collateral)
