"""Collateral damage: changes outside the task's scope, found by diffing against the baseline."""

from dataclasses import replace
from decimal import Decimal

import pytest

from autograder.collateral import collateral_changes, collateral_deduction, collateral_diff
from autograder.context import CheckContext
from shop_sim.models import Category, Coupon, Product, Sandbox
from task_scenarios.loader import load_scenario
from task_scenarios.schema import Scope
from task_scenarios.setup import scenario_instance_create
from tests.unit.scenario_fixtures.helpers import GOOD

BASE = {
    "product": {"1": {"title": "纯棉T恤", "price": "59.00", "subtitle": ""},
                "2": {"title": "加厚卫衣", "price": "129.00", "subtitle": ""}},
    "order": {"7": {"order_no": "T1", "status": "paid", "seller_memo": ""}},
    "coupon": {},
}


def after(**changes) -> dict:
    current = {model: {pk: dict(row) for pk, row in rows.items()} for model, rows in BASE.items()}
    for model, rows in changes.items():
        for pk, row in rows.items():
            if row is None:
                current[model].pop(pk)
            else:
                current[model].setdefault(pk, {}).update(row)
    return current


def test_no_change_no_collateral():
    assert collateral_diff(BASE, after(), Scope()) == []


def test_a_deleted_product_is_reported_unless_deletion_is_allowed():
    [change] = collateral_diff(BASE, after(product={"2": None}), Scope())
    assert (change.model, change.pk, change.kind) == ("product", 2, "removed")
    assert change.message == "删除了商品「加厚卫衣」（#2），本题不要求删除商品"
    assert collateral_diff(BASE, after(product={"2": None}), Scope(may_delete=["product"])) == []


def test_added_rows_and_changed_fields_outside_scope():
    current = after(coupon={"3": {"name": "满100减10"}}, product={"1": {"price": "49.00", "subtitle": "透气"}},
                    order={"7": {"status": "shipped", "seller_memo": "加急"}})
    scope = Scope(may_change=[{"model": "order", "fields": ["status"]}, {"model": "product", "fields": ["subtitle"]}])
    changes = collateral_diff(BASE, current, scope)
    assert [(c.model, c.kind, c.fields) for c in changes] == [
        ("coupon", "added", ()), ("order", "changed", ("seller_memo",)), ("product", "changed", ("price",))]
    assert changes[0].message == "新增了优惠券「满100减10」（#3），本题不要求新增优惠券"
    assert changes[1].message == "修改了订单「T1」（#7）（卖家备注：空 → 加急），超出本题要求的范围"
    assert "一口价(元)：59.00 → 49.00" in changes[2].message
    wider = Scope(may_change=[{"model": "order", "fields": ["*"]},
                              {"model": "product", "fields": ["price", "subtitle"]}],
                  may_create=["coupon"])
    assert collateral_diff(BASE, current, wider) == []


def test_deduction_per_change_capped_at_the_points_earned():
    changes = collateral_diff(BASE, after(product={"1": None, "2": None}), Scope())
    assert collateral_deduction(changes, Scope(deduct=Decimal("1.5")), cap=Decimal(10)) == Decimal("3.00")
    assert collateral_deduction(changes, Scope(deduct=Decimal("1.5")), cap=Decimal(2)) == Decimal("2.00")
    assert collateral_deduction(changes, Scope(), cap=Decimal(10)) == 0


ORDERS = {"order": {"7": {"order_no": "T1", "status": "paid", "flag": "", "receiver_name": "王一"},
                    "8": {"order_no": "T2", "status": "paid", "flag": "", "receiver_name": "李二", "carrier": ""},
                    "9": {"order_no": "T3", "status": "paid", "flag": "", "receiver_name": "张三"}},
          "refund": {"4": {"order_id": 8, "status": "awaiting_seller"}}}
SEVERE = Scope(
    may_change=[{"model": "order", "fields": ["status", "flag"], "rows": {"order_no__in": ["T1"]}}],
    deduct=Decimal(1), cap=Decimal(20),
    costs=[{"model": "order", "fields": ["status"], "to": ["shipped"], "deduct": 4},
           {"model": "order", "fields": ["flag"], "deduct": "0.5", "severity": "minor"},
           {"model": "refund", "fields": ["status"], "deduct": 3, "cap": 4}])


def moved(**rows) -> dict:
    current = {model: {pk: dict(row) for pk, row in table.items()} for model, table in ORDERS.items()}
    for key, values in rows.items():
        model, pk = key.rsplit("_", 1)
        current[model][pk].update(values)
    return current


def test_rows_limit_where_allowed_fields_may_change():
    """Shipping the listed order is the task; shipping another one with the same fields is damage."""
    current = moved(order_7={"status": "shipped"}, order_8={"status": "shipped"})
    [change] = collateral_diff(ORDERS, current, SEVERE, rows={0: {"7"}})
    assert (change.model, change.pk, change.fields) == ("order", 8, ("status",))
    assert change.message == ("修改了订单「T2」（#8）（交易状态：买家已付款，等待发货 → 卖家已发货，等待买家确认），"
                              "超出本题要求的范围（严重，扣 4 分）")
    assert "shipped" not in change.message and change.deduct == 4 and change.severity == "severe"
    [sf] = collateral_diff(ORDERS, moved(order_8={"carrier": "SF"}), SEVERE, rows={0: {"7"}})
    assert "物流公司：空 → 顺丰速运" in sf.message and "SF" not in sf.message
    # without the rows resolved, no row is allowed: the listed one is damage too
    assert len(collateral_diff(ORDERS, current, SEVERE)) == 2


def test_the_costliest_matching_rule_prices_a_change_once():
    current = moved(order_8={"status": "shipped", "flag": "red"}, order_9={"flag": "red"})
    changes = collateral_diff(ORDERS, current, SEVERE, rows={0: {"7"}})
    assert [(c.pk, c.deduct, c.severity) for c in changes] == [(8, 4, "severe"), (9, Decimal("0.5"), "minor")]
    assert changes[1].message.endswith("（轻微，扣 0.5 分）")
    assert collateral_deduction(changes, SEVERE, cap=Decimal(20)) == Decimal("4.50")


def test_a_rule_matches_only_the_values_it_names():
    """status → closed is not status → shipped: it costs the scope's default, never nothing."""
    [change] = collateral_diff(ORDERS, moved(order_9={"status": "closed"}), SEVERE, rows={0: {"7"}})
    assert (change.deduct, change.severity) == (1, "")
    assert change.message.endswith("（扣 1 分）")
    [renamed] = collateral_diff(ORDERS, moved(order_9={"receiver_name": "赵四"}), SEVERE, rows={0: {"7"}})
    assert renamed.deduct == 1


def test_caps_per_rule_per_scope_and_the_points_earned():
    shipped = {f"order_{pk}": {"status": "shipped"} for pk in ("8", "9")}
    changes = collateral_diff(ORDERS, moved(**shipped, refund_4={"status": "success"}), SEVERE, rows={0: {"7"}})
    assert collateral_deduction(changes, SEVERE, cap=Decimal(20)) == Decimal("11.00")  # 4 + 4 + 3
    many = changes + [replace(changes[-1], pk=5), replace(changes[-1], pk=6)]  # three refunds: 9, capped at 4
    assert collateral_deduction(many, SEVERE, cap=Decimal(20)) == Decimal("12.00")
    assert collateral_deduction(many, SEVERE.model_copy(update={"cap": Decimal(10)}), cap=Decimal(20)) == 10
    assert collateral_deduction(many, SEVERE, cap=Decimal(7)) == 7  # never below 0
    assert collateral_deduction(many, SEVERE.model_copy(update={"cap": None}), cap=Decimal(20)) == 12


def test_declared_costs_need_a_default_above_zero():
    with pytest.raises(ValueError, match="deduct"):
        Scope(costs=[{"model": "order", "fields": ["status"], "deduct": 2}])
    with pytest.raises(ValueError):
        Scope(deduct=1, costs=[{"model": "order", "fields": ["prize"], "deduct": 2}])
    with pytest.raises(ValueError):
        Scope(deduct=1, costs=[{"model": "order", "to": ["shipped"], "deduct": 2}])
    with pytest.raises(ValueError):
        Scope(may_change=[{"model": "order", "fields": ["status"], "rows": {"order_nr__in": ["T1"]}}])


def test_scope_names_are_validated():
    with pytest.raises(ValueError):
        Scope(may_change=[{"model": "product", "fields": ["prize"]}])
    with pytest.raises(ValueError):
        Scope(may_create=["users"])
    with pytest.raises(ValueError):
        Scope(may_change=[{"model": "sandbox", "fields": ["owner"]}])
    assert Scope(may_change=[{"model": "Sandbox", "fields": ["service_status"]}]).may_change[0].model == "sandbox"
    assert Scope(may_change=[{"model": "order", "fields": ["customer"]}]).may_change[0].fields == ["customer"]


@pytest.mark.django_db
class TestOnARealShop:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path / "media")
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    @pytest.fixture
    def instance(self, candidate):
        return scenario_instance_create(scenario=load_scenario(GOOD), seed=2, owner=candidate)

    def test_allowed_changes_and_the_journal_are_not_collateral(self, instance):
        scope = load_scenario(GOOD).spec.scope
        Product.objects.for_sandbox(instance.sandbox).filter(merchant_code=instance.params["product_code"]).update(
            subtitle="透气纯棉")
        product = Product.objects.for_sandbox(instance.sandbox).get(merchant_code=instance.params["product_code"])
        product.save()  # touches updated_at (auto_now): bookkeeping, not a change
        assert collateral_changes(instance, scope) == []

    def test_deleted_created_and_shop_settings_changes_are_found(self, instance):
        scope = load_scenario(GOOD).spec.scope
        sandbox = instance.sandbox
        category = Category.objects.for_sandbox(sandbox).filter(parent__isnull=False, products__isnull=True).first() \
            or Category.objects.for_sandbox(sandbox).create(name="新分类")
        category_pk = category.pk
        Category.objects.filter(pk=category_pk).delete()
        Coupon.objects.create(sandbox=sandbox, name="满99减5", amount=Decimal(5), total_quantity=10,
                              starts_at=instance.created_at, ends_at=instance.created_at)
        Sandbox.objects.filter(pk=sandbox.pk).update(service_status="offline")
        changes = collateral_changes(instance, scope)
        kinds = {(c.model, c.kind) for c in changes}
        assert ("coupon", "added") in kinds and ("sandbox", "changed") in kinds
        assert any(c.model == "category" and c.pk == category_pk for c in changes)

    def test_rows_are_resolved_in_the_candidates_shop_from_the_params(self, instance):
        """The listed orders may be shipped; the same change on an unlisted order costs its severity."""
        from shop_sim.models import Order

        scope = Scope(may_change=[{"model": "order", "fields": ["status", "flag"],
                                   "rows": {"order_no__in": "{{ params.order_nos }}"}}],
                      deduct=Decimal(1), costs=[{"model": "order", "fields": ["status"], "to": ["shipped"],
                                                 "deduct": 4}])
        orders = Order.objects.for_sandbox(instance.sandbox)
        listed = orders.get(order_no=instance.params["order_nos"][0])
        other = orders.exclude(order_no__in=instance.params["order_nos"]).filter(status="paid").first() \
            or orders.exclude(order_no__in=instance.params["order_nos"]).first()
        orders.filter(pk=listed.pk).update(status="shipped", flag="red")
        assert collateral_changes(instance, scope) == []
        orders.filter(pk=other.pk).update(status="shipped" if other.status != "shipped" else "closed")
        [change] = collateral_changes(instance, scope)
        assert change.pk == other.pk and change.deduct in (4, 1)

    def test_the_context_exposes_the_baseline_ids(self, instance):
        ctx = CheckContext(sandbox=instance.sandbox, params={}, points=Decimal(1), instance=instance)
        products = Product.objects.for_sandbox(instance.sandbox).values_list("pk", flat=True)
        assert ctx.baseline_ids("product") == set(products)
        assert ctx.evidence_path("x.png") is None
        assert ctx.storefront_url("item/1/") == f"/s/{instance.sandbox.storefront_key}/item/1/"
        assert ctx.console_url("/orders/") == "/console/orders/"


# -- one 处: a product with its SKUs; a limited number of new rows -----------------------------------

CATALOG = {
    "product": {"1": {"title": "纯棉T恤", "price": "59.00"}, "2": {"title": "加厚卫衣", "price": "129.00"}},
    "sku": {"10": {"product_id": 1, "spec_label": "白色 / M", "price": "59.00"},
            "11": {"product_id": 1, "spec_label": "白色 / L", "price": "59.00"},
            "12": {"product_id": 2, "spec_label": "黑色 / L", "price": "129.00"}},
}
PER_PLACE = Scope(may_create=[{"model": "product", "max": 1}, "sku"], deduct=1, costs=[
    {"model": "product", "change": "added", "deduct": 1, "severity": "moderate"},
    {"model": "product", "deduct": 1, "severity": "moderate"},
    {"model": "sku", "part_of": "product", "deduct": 1, "severity": "moderate"},
    {"model": "sku", "change": "removed", "part_of": "product", "deduct": 1, "severity": "moderate"},
])


def catalog(**rows) -> dict:
    current = {model: {pk: dict(row) for pk, row in table.items()} for model, table in CATALOG.items()}
    for key, values in rows.items():
        model, pk = key.rsplit("_", 1)
        if values is None:
            current[model].pop(pk)
        else:
            current[model].setdefault(pk, {}).update(values)
    return current


def test_a_product_edited_with_its_skus_is_one_change():
    current = catalog(product_1={"price": "49.00"}, sku_10={"price": "49.00"}, sku_11={"price": "49.00"})
    changes = collateral_diff(CATALOG, current, PER_PLACE)
    assert [(c.model, c.pk, c.deduct) for c in changes] == [("product", 1, 1), ("sku", 10, 0), ("sku", 11, 0)]
    assert changes[1].message.endswith("（与商品 #1 的改动计为一处）")
    assert collateral_deduction(changes, PER_PLACE, cap=Decimal(20)) == 1


def test_skus_of_two_products_are_two_changes_even_without_the_product_row():
    current = catalog(sku_10={"price": "49.00"}, sku_12=None)
    changes = collateral_diff(CATALOG, current, PER_PLACE)
    assert [(c.model, c.pk, c.kind, c.deduct) for c in changes] == [("sku", 10, "changed", 1),
                                                                   ("sku", 12, "removed", 1)]
    assert collateral_deduction(changes, PER_PLACE, cap=Decimal(20)) == 2


def test_new_rows_beyond_the_limit_are_collateral():
    one = catalog(product_3={"title": "新款连衣裙"}, sku_13={"product_id": 3})
    assert collateral_diff(CATALOG, one, PER_PLACE) == []
    two = catalog(product_3={"title": "新款连衣裙"}, product_4={"title": "新款连衣裙（重复）"})
    [change] = collateral_diff(CATALOG, two, PER_PLACE)
    assert (change.model, change.pk, change.kind, change.deduct) == ("product", 4, "added", 1)
    assert change.message == "新增了商品「新款连衣裙（重复）」（#4），本题只要求新增 1 条商品（较重，扣 1 分）"


def test_limits_and_part_of_are_validated():
    with pytest.raises(ValueError):
        Scope(deduct=1, costs=[{"model": "sku", "part_of": "price", "deduct": 1}])
    with pytest.raises(ValueError):
        Scope(deduct=1, costs=[{"model": "sku", "part_of": "sandbox", "deduct": 1}])
    with pytest.raises(ValueError):
        Scope(may_create=[{"model": "product", "max": -1}])
    assert Scope(may_create=["sku", {"model": "product", "max": 2}]).create_limits() == {"sku": None, "product": 2}
