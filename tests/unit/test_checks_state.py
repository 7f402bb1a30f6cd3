"""The ``state`` kind: rows of the shop, counted and compared tolerantly, with per-row credit."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from autograder.checks.state import StateParams
from shop_sim.models import Order, Product
from tests.unit.scenario_fixtures.helpers import run_check, small_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def shop():
    sandbox = small_shop()
    orders = list(Order.objects.for_sandbox(sandbox).order_by("pk")[:3])
    for index, order in enumerate(orders):
        order.order_no = f"T00{index}"
        order.status = Order.Status.PAID
        order.carrier, order.waybill_no, order.seller_memo = "", "", ""
        order.save()
    return sandbox


def ship(sandbox, order_no, carrier="SF", waybill="SF123456789012"):
    Order.objects.for_sandbox(sandbox).filter(order_no=order_no).update(
        status=Order.Status.SHIPPED, carrier=carrier, waybill_no=waybill)


SHIP = {"model": "order", "filter": {"order_no__in": ["T000", "T001", "T002"]},
        "expect": {"status": "shipped", "waybill_no": {"empty": False}}, "partial": "per_row"}


def test_all_rows_match_full_marks(shop):
    for no in ("T000", "T001", "T002"):
        ship(shop, no)
    result = run_check("state", SHIP, shop, points="6")
    assert result.score == Decimal("6.00") and result.max == Decimal("6.00")
    assert "符合要求" in result.message and result.error == ""
    assert result.actual["rows"] == 3 and result.actual["matching"] == 3


def test_per_row_partial_credit_and_a_message_naming_the_order(shop):
    ship(shop, "T000")
    result = run_check("state", SHIP, shop, points="6")
    assert result.score == Decimal("2.00")
    assert "1/3 条订单符合要求" in result.message
    assert "订单 T001：期望 交易状态 卖家已发货，等待买家确认，实际 买家已付款，等待发货" in result.message
    assert "期望 运单号 已填写，实际 空" in result.message
    assert [m["row"] for m in result.actual["mismatches"]] == ["订单 T001", "订单 T002"]


def test_all_or_nothing_gives_zero_unless_every_row_matches(shop):
    ship(shop, "T000")
    ship(shop, "T001")
    result = run_check("state", {**SHIP, "partial": "all_or_nothing"}, shop)
    assert result.score == 0
    ship(shop, "T002")
    assert run_check("state", {**SHIP, "partial": "all_or_nothing"}, shop).score == Decimal(10)


def test_no_rows_is_zero_with_a_clear_message(shop):
    result = run_check("state", {**SHIP, "filter": {"order_no": "NOPE"}}, shop)
    assert result.score == 0 and "没有找到符合条件的订单记录" in result.message


def test_tolerant_matching_full_width_spaces_and_case(shop):
    ship(shop, "T000", waybill="ＳＦ１２３４５６７８９０１２")
    params = {"model": "order", "filter": {"order_no": "T000"}, "expect": {"waybill_no": "sf 123456789012"}}
    assert run_check("state", params, shop).score == Decimal(10)
    strict = {**params, "expect": {"waybill_no": {"eq": "SF123456789012", "strict": True}}}
    assert run_check("state", strict, shop).score == 0


def test_amounts_compare_by_value_and_choice_labels_mean_their_value(shop):
    Order.objects.for_sandbox(shop).filter(order_no="T000").update(shipping_fee=Decimal("0"))
    params = {"model": "order", "filter": {"order_no": "T000"},
              "expect": {"shipping_fee": "¥0.00", "status": "买家已付款，等待发货"}}
    assert run_check("state", params, shop).score == Decimal(10)
    params["expect"] = {"shipping_fee": {"lte": "0元"}, "status": {"in": ["paid", "shipped"]}}
    assert run_check("state", params, shop).score == Decimal(10)


def test_count_expectations(shop):
    on_sale = Product.objects.for_sandbox(shop).filter(status="on_sale").count()
    base = {"model": "product", "filter": {"status": "on_sale"}}
    assert run_check("state", {**base, "count": {"eq": on_sale}}, shop).score == Decimal(10)
    result = run_check("state", {**base, "count": {"min": on_sale + 2}}, shop)
    assert result.score == 0 and f"期望 至少 {on_sale + 2} 条，实际 {on_sale} 条" in result.message
    partial = run_check("state", {**base, "count": {"min": on_sale * 2}, "partial": "per_row"}, shop)
    assert partial.score == Decimal(5)
    none = run_check("state", {"model": "product", "filter": {"title": "不存在"}, "count": {"eq": 0}}, shop)
    assert none.score == Decimal(10)


def test_per_row_with_too_many_rows_costs_the_surplus(shop):
    for no in ("T000", "T001", "T002"):
        ship(shop, no)
    params = {"model": "order", "filter": {"status": "shipped", "order_no__startswith": "T00"},
              "expect": {"carrier": "SF"}, "count": {"max": 2}, "partial": "per_row"}
    result = run_check("state", params, shop, points="3")
    assert result.score == Decimal("2.00")  # 3 good rows, 1 over the ceiling: (3 - 1) / 3
    assert "期望 至多 2 条，实际 3 条" in result.message


def test_relations_within_the_shop(shop):
    order = Order.objects.for_sandbox(shop).get(order_no="T000")
    params = {"model": "order", "filter": {"order_no": "T000"},
              "expect": {"customer__nickname": order.customer.nickname}}
    assert run_check("state", params, shop).score == Decimal(10)
    lines = {"model": "order", "filter": {"lines__title__icontains": order.lines.first().title[:4]},
             "count": {"min": 1}}
    assert run_check("state", lines, shop).score == Decimal(10)


def test_another_sandbox_is_never_read(shop):
    other = small_shop(seed=4, name="别人的店")
    Order.objects.for_sandbox(other).filter(pk=Order.objects.for_sandbox(other).first().pk).update(order_no="T000X")
    params = {"model": "order", "filter": {"order_no": "T000X"}, "count": {"min": 1}}
    assert run_check("state", params, shop).score == 0


@pytest.mark.parametrize("bad, where", [
    ({"model": "user", "count": {"min": 1}}, "model"),
    ({"model": "sandbox", "count": {"min": 1}}, "model"),
    ({"model": "order", "filter": {"sandbox__owner__username": "x"}, "count": {"min": 1}}, "沙箱"),
    ({"model": "order", "filter": {"customer__sandbox_id": 1}, "count": {"min": 1}}, "沙箱"),
    ({"model": "order", "filter": {"order_no__regex": ".*"}, "count": {"min": 1}}, "regex"),
    ({"model": "order", "filter": {"order_no__in": "T1"}, "count": {"min": 1}}, "列表"),
    ({"model": "order", "expect": {"lines__title": "x"}}, "一对多"),
    ({"model": "order", "expect": {"nope": "x"}}, "nope"),
    ({"model": "order"}, "expect 或 count"),
    ({"model": "order", "count": {"eq": 1, "min": 1}}, "eq"),
    ({"model": "order", "expect": {"status": {"eq": "paid", "ne": "shipped"}}}, "只能写一个"),
    ({"model": "order", "count": {"min": 1}, "partial": "some"}, "partial"),
])
def test_params_that_are_refused_at_load(bad, where):
    with pytest.raises(ValidationError) as info:
        StateParams.model_validate(bad)
    assert where in str(info.value)


def test_a_carrier_is_named_as_the_candidate_saw_it_never_by_its_code(shop):
    ship(shop, "T000", carrier="YTO", waybill="YT6012345678901")
    result = run_check("state", {"model": "order", "filter": {"order_no": "T000"},
                                 "expect": {"carrier": "STO"}, "count": {"eq": 1}}, shop, points="2")
    assert result.score == 0
    assert "期望 物流公司 申通快递，实际 圆通速递" in result.message
    assert "STO" not in result.message and "YTO" not in result.message


def test_place_and_address_operators_accept_other_writings_only(shop):
    Order.objects.for_sandbox(shop).filter(order_no="T000").update(province="福建", city="厦门", district="思明区")
    where = {"model": "order", "filter": {"order_no": "T000"}, "count": {"eq": 1}}
    good = run_check("state", {**where, "expect": {"province": {"place": "福建省"}, "city": {"place": "厦门市"},
                                                   "district": {"place": "思明区"}}}, shop, points="2")
    assert good.score == 2
    wrong = run_check("state", {**where, "expect": {"city": {"place": "福州市"}}}, shop, points="2")
    assert wrong.score == 0 and "期望 市 福州市，实际 厦门" in wrong.message
    Order.objects.for_sandbox(shop).filter(order_no="T000").update(
        seller_memo="收件人：周仓管 电话：138 1234 5678 地址：浙江杭州余杭区仓前街道良睦路12号3号仓库")
    address = "周仓管，13812345678，浙江省杭州市余杭区仓前街道良睦路12号3号仓库"
    assert run_check("state", {**where, "expect": {"seller_memo": {"address": address}}}, shop, points="2").score == 2
    other = address.replace("12号3号", "12号4号")
    result = run_check("state", {**where, "expect": {"seller_memo": {"address": other}}}, shop, points="2")
    assert result.score == 0 and "期望 卖家备注 写明地址 周仓管" in result.message


# -- keyed sets: rows matched by meaning and scored against the expected set -----------------------

def _skus(sandbox, rows, *, specs=("颜色", "尺码"), code="K1", title="测试多规格"):
    """A product with SKUs (values, price, stock), created straight in the table."""
    from shop_sim.models import Sku

    product = Product.objects.create(sandbox=sandbox, title=title, price=Decimal("1"), merchant_code=code)
    for position, (values, price, stock) in enumerate(rows):
        Sku.objects.create(sandbox=sandbox, product=product, spec_values=dict(zip(specs, values)),
                           spec_label=" / ".join(values), price=Decimal(price), stock=stock, position=position)
    return product


KEYS = [["白色", "M"], ["白色", "L"], ["黑色", "M"], ["黑色", "L"]]


def keyed(**extra):
    return {"model": "sku", "filter": {"product__merchant_code": "K1"}, "key": "spec_values", "keys": KEYS,
            "partial": "per_row", **extra}


def test_keys_match_spec_values_in_any_order_case_and_width(shop):
    _skus(shop, [(("m", "白色"), "99", 5), (("Ｌ", "白色"), "99", 5), (("M", "黑色"), "99", 5),
                 (("l", "黑色"), "99", 5)], specs=("尺码", "颜色"))
    result = run_check("state", keyed(expect={"price": "99.00"}), shop, points="4")
    assert result.score == 4, result.message
    assert "4/4 个期望的SKU符合要求" in result.message


def test_the_denominator_is_the_expected_set_never_the_rows_that_exist(shop):
    _skus(shop, [(("白色", "M"), "99", 5)])
    result = run_check("state", keyed(expect={"price": "99"}), shop, points="4")
    assert result.score == 1  # one of four expected SKUs
    assert "缺少SKU：白色 / L、黑色 / M、黑色 / L" in result.message
    assert result.actual["missing"] == ["白色 / L", "黑色 / M", "黑色 / L"]


def test_extra_rows_cost_a_share_unless_they_are_not_this_criterions_business(shop):
    _skus(shop, [(("白色", "M"), "99", 5), (("白色", "L"), "99", 5), (("黑色", "M"), "99", 5),
                 (("黑色", "L"), "99", 5), (("白色", "XL"), "99", 5)])
    matrix = run_check("state", keyed(), shop, points="4")
    assert matrix.score == 3 and "多出SKU（题目没有要求）：白色 / XL" in matrix.message
    price = run_check("state", keyed(expect={"price": "99"}, extra_cost=0), shop, points="4")
    assert price.score == 4 and "另有SKU（不属本项）：白色 / XL" in price.message
    strict = run_check("state", keyed(partial="all_or_nothing"), shop, points="4")
    assert strict.score == 0


def test_a_wrong_value_on_an_expected_row_costs_that_row(shop):
    _skus(shop, [(("白色", "M"), "99", 5), (("白色", "L"), "89", 5), (("黑色", "M"), "99", 5),
                 (("黑色", "L"), "99", 5)])
    result = run_check("state", keyed(expect={"price": "99"}), shop, points="4")
    assert result.score == 3
    assert "SKU 白色 / L：期望 价格(元) 99，实际 89.00" in result.message


@pytest.mark.parametrize("bad, where", [
    ({"model": "sku", "key": "spec_values", "keys": KEYS, "count": {"eq": 4}}, "count"),
    ({"model": "sku", "keys": KEYS}, "key"),
    ({"model": "sku", "key": "spec_values", "keys": []}, "keys"),
    ({"model": "sku", "key": "nope", "keys": KEYS}, "nope"),
    ({"model": "sku", "count": {"min": 1}, "created": "price"}, "created"),
    ({"model": "product", "count": {"min": 1}, "fallback": [{"filter": {"titel": "x"}, "label": "x"}]}, "titel"),
])
def test_keyed_and_fallback_params_that_are_refused(bad, where):
    with pytest.raises(ValidationError) as info:
        StateParams.model_validate(bad)
    assert where in str(info.value)


# -- finding the candidate's rows: created, fallback ------------------------------------------------

def test_a_fallback_finds_the_rows_when_the_filter_does_not_and_says_how(shop):
    _skus(shop, [(("白色", "M"), "99", 5)], code="K9", title="森屿连衣裙")
    params = {"model": "product", "filter": {"merchant_code": "K1"}, "filter_label": "商家编码 K1",
              "fallback": [{"filter": {"title__icontains": "森屿"}, "label": "标题含“森屿”"}],
              "expect": {"merchant_code": "K1"}, "count": {"eq": 1}}
    result = run_check("state", params, shop, points="1")
    assert result.score == 0
    assert "没有找到商家编码 K1的商品，按“标题含“森屿””找到 1 条" in result.message
    assert "期望 商家编码 K1，实际 K9" in result.message
    found = run_check("state", {**params, "expect": {"title": "森屿连衣裙"}}, shop, points="1")
    assert found.score == 1


def test_created_leaves_out_the_rows_of_the_shop_as_handed_out(shop):
    from autograder.checks.state import StateCheck
    from tests.unit.scenario_fixtures.helpers import check_ctx

    old = Product.objects.for_sandbox(shop).first()
    new = _skus(shop, [(("白色", "M"), "99", 5)], code="K1")
    handed_out = Product.objects.for_sandbox(shop).exclude(pk=new.pk).values_list("pk", flat=True)
    ctx = check_ctx(shop, points="1", _baseline={"product": {str(pk): {} for pk in handed_out}})
    everything = StateParams.model_validate({"model": "product", "count": {"min": 1}, "created": True,
                                             "filter": {"id__in": [old.pk, new.pk]}, "partial": "per_row"})
    result = StateCheck().run(ctx, everything)
    assert result.actual["rows"] == 1
    skus = StateParams.model_validate({"model": "sku", "created": "product", "count": {"eq": 1}})
    assert StateCheck().run(ctx, skus).score == 1
    ctx_old_only = check_ctx(shop, points="1", _baseline={"product": {str(new.pk): {}}})
    assert StateCheck().run(ctx_old_only, skus).score == 0


def test_one_of_judges_the_best_of_several_attempts(shop):
    _skus(shop, [(("白色", "M"), "89", 5)], code="K1", title="草稿")
    _skus(shop, [(("白色", "M"), "99", 5), (("白色", "L"), "99", 5), (("黑色", "M"), "99", 5),
                 (("黑色", "L"), "99", 5)], code="K1", title="正式")
    products = {"model": "product", "filter": {"merchant_code": "K1"}, "expect": {"title": "正式"},
                "count": {"eq": 1}}
    assert run_check("state", products, shop, points="1").score == 0  # two rows, count 1: without one_of
    best = run_check("state", {**products, "one_of": "id"}, shop, points="1")
    assert best.score == 1 and "找到 2 个商品，按其中最符合要求的一个" in best.message
    skus = run_check("state", keyed(expect={"price": "99"}, one_of="product"), shop, points="4")
    assert skus.score == 4  # the draft's SKU is neither an extra nor a wrong price of the best listing
    with pytest.raises(ValidationError):
        StateParams.model_validate({"model": "sku", "count": {"min": 1}, "one_of": "price"})
