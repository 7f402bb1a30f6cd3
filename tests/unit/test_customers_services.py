"""Customer services: level and note, tag management, tagging one and many customers."""

import pytest

from shop_sim.models import Customer, CustomerTag, CustomerTagging, ShopEvent
from shop_sim.services import customers as svc
from shop_sim.services.base import Actor, ShopError
from tests.unit.test_orders_factories import make_customer


@pytest.fixture
def seller(candidate):
    return Actor.merchant(candidate)


def events(sandbox):
    return ShopEvent.objects.for_sandbox(sandbox)


def tag_names(customer):
    return sorted(customer.taggings.values_list("tag__name", flat=True))


def test_update_level_and_note(sandbox, seller):
    customer = make_customer(sandbox)
    svc.customer_update(sandbox=sandbox, actor=seller, customer=customer, level=Customer.Level.GOLD, note="老客户")
    customer.refresh_from_db()
    assert (customer.level, customer.note) == (2, "老客户")
    (event,) = events(sandbox)
    assert event.action == "customer.update" and event.before == {"level": 0, "note": ""}
    assert event.after == {"level": 2, "note": "老客户"}


@pytest.mark.parametrize("level,note", [(9, ""), (-1, ""), (1, "备" * 201), (0, "")])
def test_update_refuses_bad_values_and_no_change(sandbox, seller, level, note):
    customer = make_customer(sandbox)
    with pytest.raises(ShopError):
        svc.customer_update(sandbox=sandbox, actor=seller, customer=customer, level=level, note=note)
    customer.refresh_from_db()
    assert (customer.level, customer.note) == (0, "") and not events(sandbox).exists()


def test_tag_create_rename_delete(sandbox, seller):
    tag = svc.customertag_create(sandbox=sandbox, actor=seller, name=" 高价值客户 ")
    assert tag.name == "高价值客户"
    customer = make_customer(sandbox, nickname="老王")
    CustomerTagging.objects.create(sandbox=sandbox, customer=customer, tag=tag)
    svc.customertag_rename(sandbox=sandbox, actor=seller, tag=tag, name="VIP")
    tag.refresh_from_db()
    assert tag.name == "VIP" and tag_names(customer) == ["VIP"]
    svc.customertag_delete(sandbox=sandbox, actor=seller, tag=tag)
    assert not CustomerTag.objects.exists() and not CustomerTagging.objects.exists()
    rows = list(events(sandbox).order_by("id"))
    assert [e.action for e in rows] == ["customertag.create", "customertag.rename", "customertag.delete"]
    assert rows[1].before == {"name": "高价值客户"} and rows[1].after == {"name": "VIP"}
    assert rows[2].before == {"name": "VIP", "customers": ["老王"]} and rows[2].after is None


@pytest.mark.parametrize("name", ["", "   ", "标" * 21])
def test_tag_name_rules(sandbox, seller, name):
    with pytest.raises(ShopError):
        svc.customertag_create(sandbox=sandbox, actor=seller, name=name)
    assert not CustomerTag.objects.exists() and not events(sandbox).exists()


def test_tag_names_are_unique_per_sandbox(sandbox, seller, make_sandbox):
    svc.customertag_create(sandbox=sandbox, actor=seller, name="复购")
    other = svc.customertag_create(sandbox=sandbox, actor=seller, name="新客")
    with pytest.raises(ShopError, match="已存在"):
        svc.customertag_create(sandbox=sandbox, actor=seller, name="复购")
    with pytest.raises(ShopError, match="已存在"):
        svc.customertag_rename(sandbox=sandbox, actor=seller, tag=other, name="复购")
    with pytest.raises(ShopError, match="没有变化"):
        svc.customertag_rename(sandbox=sandbox, actor=seller, tag=other, name="新客")
    other.refresh_from_db()
    assert other.name == "新客" and events(sandbox).count() == 2
    # another shop may use the same name
    second = make_sandbox(name="B")
    svc.customertag_create(sandbox=second, actor=seller, name="复购")


def test_set_tags_of_one_customer(sandbox, seller):
    a = svc.customertag_create(sandbox=sandbox, actor=seller, name="A")
    b = svc.customertag_create(sandbox=sandbox, actor=seller, name="B")
    customer = make_customer(sandbox)
    svc.customer_tags_set(sandbox=sandbox, actor=seller, customer=customer, tags=[a])
    svc.customer_tags_set(sandbox=sandbox, actor=seller, customer=customer, tags=[b])
    assert tag_names(customer) == ["B"]
    with pytest.raises(ShopError, match="没有变化"):
        svc.customer_tags_set(sandbox=sandbox, actor=seller, customer=customer, tags=[b])
    rows = list(events(sandbox).filter(action="customer.tags").order_by("id"))
    assert [(e.before, e.after) for e in rows] == [({"tags": []}, {"tags": ["A"]}), ({"tags": ["A"]}, {"tags": ["B"]})]


def test_bulk_tag_and_untag(sandbox, seller):
    tag = svc.customertag_create(sandbox=sandbox, actor=seller, name="双11老客")
    c1, c2, c3 = (make_customer(sandbox) for _ in range(3))
    CustomerTagging.objects.create(sandbox=sandbox, customer=c1, tag=tag)
    assert svc.customer_tag_bulk(sandbox=sandbox, actor=seller, customers=[c1, c2, c3], tag=tag, add=True) == 2
    assert all(tag_names(c) == ["双11老客"] for c in (c1, c2, c3))
    assert events(sandbox).filter(action="customer.tags").count() == 2  # c1 was already tagged
    assert svc.customer_tag_bulk(sandbox=sandbox, actor=seller, customers=[c1, c2], tag=tag, add=False) == 2
    assert tag_names(c1) == [] and tag_names(c3) == ["双11老客"]
    with pytest.raises(ShopError, match="都没有标签"):
        svc.customer_tag_bulk(sandbox=sandbox, actor=seller, customers=[c1], tag=tag, add=False)
    with pytest.raises(ShopError, match="都已有标签"):
        svc.customer_tag_bulk(sandbox=sandbox, actor=seller, customers=[c3], tag=tag, add=True)
    with pytest.raises(ShopError, match="勾选"):
        svc.customer_tag_bulk(sandbox=sandbox, actor=seller, customers=[], tag=tag, add=True)
    assert events(sandbox).filter(action="customer.tags").count() == 4


def test_services_refuse_another_sandboxs_rows(sandbox, seller, make_sandbox):
    other = make_sandbox(name="B")
    foreign_tag = CustomerTag.objects.create(sandbox=other, name="外店标签")
    foreign_customer = make_customer(other)
    mine = make_customer(sandbox)
    with pytest.raises(ShopError):
        svc.customer_tags_set(sandbox=sandbox, actor=seller, customer=mine, tags=[foreign_tag])
    with pytest.raises(ShopError):
        svc.customer_tag_bulk(sandbox=sandbox, actor=seller, customers=[foreign_customer], tag=foreign_tag, add=True)
    with pytest.raises(ShopError):
        svc.customer_update(sandbox=sandbox, actor=seller, customer=foreign_customer, level=3, note="")
    with pytest.raises(ShopError):
        svc.customertag_delete(sandbox=sandbox, actor=seller, tag=foreign_tag)
    assert not CustomerTagging.objects.exists() and CustomerTag.objects.filter(pk=foreign_tag.pk).exists()
    assert not ShopEvent.objects.exists()
