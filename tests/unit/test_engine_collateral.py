"""Collateral damage: changes outside the task's scope, found by diffing against the baseline."""

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


def test_declared_severity_prices_particular_changes_and_the_rest_pay_deduct():
    current = after(product={"1": {"status": "off_sale"}, "2": None}, order={"7": {"seller_memo": "加急"}})
    changes = collateral_diff(BASE, current, Scope())
    scope = Scope(deduct=1, costs=[{"model": "product", "fields": ["status"], "deduct": "1.5"},
                                   {"model": "product", "kinds": ["removed"], "deduct": 2}])
    assert collateral_deduction(changes, scope, cap=Decimal(20)) == Decimal("4.50")  # 1.5 + 2 + 1 (the memo)
    # a product change of another field is not the severe kind; the cap still holds
    other = collateral_diff(BASE, after(product={"1": {"price": "1.00"}}), Scope())
    assert collateral_deduction(other, scope, cap=Decimal(20)) == Decimal("1.00")
    assert collateral_deduction(changes, scope, cap=Decimal(3)) == Decimal("3.00")
    with pytest.raises(ValueError):
        Scope(costs=[{"model": "nosuchmodel", "deduct": 1}])


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

    def test_the_context_exposes_the_baseline_ids(self, instance):
        ctx = CheckContext(sandbox=instance.sandbox, params={}, points=Decimal(1), instance=instance)
        products = Product.objects.for_sandbox(instance.sandbox).values_list("pk", flat=True)
        assert ctx.baseline_ids("product") == set(products)
        assert ctx.evidence_path("x.png") is None
        assert ctx.storefront_url("item/1/") == f"/s/{instance.sandbox.storefront_key}/item/1/"
        assert ctx.console_url("/orders/") == "/console/orders/"
