"""Provisioning: a set-based, faithful, isolated copy of a template shop."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext

from fixtures.fingerprint import shop_fingerprint
from fixtures.generators import generate_shop
from shop_sim.models import (
    CartItem, Category, Customer, Order, OrderLine, Product, ProductImage, Sandbox, SandboxScoped, ShopEvent, Sku,
)
from shop_sim.services.base import ShopError
from shop_sim.services.provisioning import sandbox_provision, shop_models

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only


@pytest.fixture
def template(db):
    sandbox = Sandbox.objects.create(name="模板店铺", is_template=True)
    generate_shop(sandbox=sandbox, seed=5, products=10, orders=30, customers=15)
    return sandbox


def _counts(sandbox):
    return {m._meta.label: m.objects.filter(sandbox_id=sandbox.pk).count()
            for m in shop_models(include_uncopied=True)}


def _foreign_keys_stay_inside(sandbox):
    """Every foreign key of every copied row points at a row of the same sandbox."""
    for model in shop_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey) or field.name == "sandbox":
                continue
            target = field.related_model
            if not issubclass(target, SandboxScoped):
                continue
            ids = set(model.objects.filter(sandbox_id=sandbox.pk).exclude(**{field.attname: None})
                      .values_list(field.attname, flat=True))
            inside = set(target.objects.filter(sandbox_id=sandbox.pk, pk__in=ids).values_list("pk", flat=True))
            assert ids == inside, f"{model.__name__}.{field.name} points outside sandbox {sandbox.pk}"


def test_copy_is_the_same_shop_as_the_template(template, candidate):
    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    assert shop_fingerprint(copy) == shop_fingerprint(template)
    assert copy.owner == candidate and copy.template == template and not copy.is_template
    assert copy.name == "A的店铺" and copy.storefront_key and copy.storefront_key != template.storefront_key
    counts, original = _counts(copy), _counts(template)
    assert counts["shop_sim.ShopEvent"] == 1 and counts["shop_sim.CartItem"] == 0
    for label, n in counts.items():
        if label not in ("shop_sim.ShopEvent", "shop_sim.CartItem"):
            assert n == original[label], label


def test_foreign_keys_are_remapped_into_the_copy(template, candidate):
    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    _foreign_keys_stay_inside(copy)
    for order in Order.objects.for_sandbox(copy).select_related("customer"):
        assert order.customer.sandbox_id == copy.pk
    for sku in Sku.objects.for_sandbox(copy).select_related("product"):
        assert sku.product.sandbox_id == copy.pk
    children = Category.objects.for_sandbox(copy).filter(parent__isnull=False).select_related("parent")
    assert children.exists()
    assert all(c.parent.sandbox_id == copy.pk for c in children)
    template_ids = set(Category.objects.for_sandbox(template).values_list("pk", flat=True))
    assert not template_ids & set(children.values_list("parent_id", flat=True))


def test_template_is_unchanged_and_files_are_shared(template, candidate):
    before, counts = shop_fingerprint(template), _counts(template)
    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    assert shop_fingerprint(template) == before and _counts(template) == counts
    assert (sorted(ProductImage.objects.for_sandbox(copy).values_list("image", flat=True))
            == sorted(ProductImage.objects.for_sandbox(template).values_list("image", flat=True)))


def test_a_second_copy_works_and_is_independent(template, candidate, make_user):
    other = make_user("cand_b")
    first = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    second = sandbox_provision(template=template, owner=other, name="B的店铺")
    assert shop_fingerprint(first) == shop_fingerprint(second) == shop_fingerprint(template)
    for model in shop_models():
        ids = [set(model.objects.filter(sandbox_id=s.pk).values_list("pk", flat=True))
               for s in (template, first, second)]
        assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2]), model.__name__
    _foreign_keys_stay_inside(second)


def test_writing_in_the_copy_leaves_the_template_alone(template, candidate):
    before = shop_fingerprint(template)
    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    product = Product.objects.for_sandbox(copy).order_by("pk").first()
    Product.objects.filter(pk=product.pk).update(title="改过的标题", price=Decimal("1.00"))
    Sku.objects.for_sandbox(copy).update(stock=0)
    Order.objects.for_sandbox(copy).update(seller_memo="备注")
    Category.objects.for_sandbox(copy).filter(parent__isnull=True).first().delete()
    assert shop_fingerprint(template) == before
    assert shop_fingerprint(copy) != before
    # new rows after the copy get fresh ids (the sequences moved past the copied range)
    created = Customer.objects.create(sandbox=copy, nickname="新买家")
    assert created.pk > Customer.objects.exclude(pk=created.pk).order_by("-pk").first().pk


def test_one_insert_per_table_not_per_row(template, candidate):
    tables = [m for m in shop_models() if m.objects.filter(sandbox_id=template.pk).exists()]
    with CaptureQueriesContext(connection) as queries:
        sandbox_provision(template=template, owner=candidate, name="A的店铺")
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    # the sandbox row, one INSERT … SELECT per non-empty table, the event
    assert len(inserts) == len(tables) + 2
    assert sum(" SELECT " in sql for sql in inserts) == len(tables)


def test_one_provision_event_in_the_new_sandbox_only(template, candidate):
    events_before = ShopEvent.objects.for_sandbox(template).count()
    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    event = ShopEvent.objects.for_sandbox(copy).get()
    assert event.action == "sandbox.provision" and event.object_id == copy.pk
    assert event.after["template"] == template.pk and event.after["owner"] == candidate.username
    assert event.after["rows"]["product"] == 10 and event.after["rows"]["order"] == 30
    assert ShopEvent.objects.for_sandbox(template).count() == events_before


def test_carts_and_the_journal_are_not_copied(template, candidate):
    customer = Customer.objects.for_sandbox(template).first()
    product = Product.objects.for_sandbox(template).first()
    CartItem.objects.create(sandbox=template, customer=customer, product=product, quantity=2)
    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    assert not CartItem.objects.for_sandbox(copy).exists()
    assert list(ShopEvent.objects.for_sandbox(copy).values_list("action", flat=True)) == ["sandbox.provision"]


def test_every_shop_model_is_copied_except_the_journal_and_carts():
    scoped = {m for m in apps.get_app_config("shop_sim").get_models() if issubclass(m, SandboxScoped)}
    assert set(shop_models()) == scoped - {ShopEvent, CartItem}
    order = shop_models()
    for model in order:  # parents first
        for field in model._meta.concrete_fields:
            if isinstance(field, ForeignKey) and field.related_model in order and field.related_model is not model:
                assert order.index(field.related_model) < order.index(model)
    assert order.index(Product) < order.index(Sku) < order.index(OrderLine)


def test_refuses_a_sandbox_that_is_not_a_template(template, candidate, sandbox):
    before = Sandbox.objects.count()
    with pytest.raises(ShopError):
        sandbox_provision(template=sandbox, owner=candidate, name="复制")
    with pytest.raises(ShopError):
        sandbox_provision(template=template, owner=candidate, name="   ")
    with pytest.raises(ShopError):
        sandbox_provision(template=template, owner=candidate, name="长" * 101)
    assert Sandbox.objects.count() == before


def test_an_empty_template_gives_an_empty_shop(candidate):
    empty = Sandbox.objects.create(name="空模板", is_template=True)
    copy = sandbox_provision(template=empty, owner=None, name="空店")
    assert shop_fingerprint(copy) == shop_fingerprint(empty)
    assert ShopEvent.objects.for_sandbox(copy).get().after["owner"] is None


def test_shared_files_are_never_deletable(template, candidate, settings):
    from shop_sim.services.provisioning import shop_file_deletable

    copy = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    image = ProductImage.objects.for_sandbox(copy).order_by("pk").first()
    name = image.image.name
    assert name.startswith("shops/template-5/")
    ProductImage.objects.for_sandbox(copy).filter(image=name).delete()
    # the template (and every other copy) still shows it, and it is not in the copy's directory
    assert not shop_file_deletable(sandbox=copy, name=name)
    assert not shop_file_deletable(sandbox=template, name=name)
    own = f"shops/{copy.storefront_key}/upload.png"
    other = ProductImage.objects.for_sandbox(copy).order_by("pk").first()
    ProductImage.objects.filter(pk=other.pk).update(image=own)
    assert not shop_file_deletable(sandbox=copy, name=own)  # still used
    ProductImage.objects.filter(pk=other.pk).delete()
    assert shop_file_deletable(sandbox=copy, name=own)
    assert not shop_file_deletable(sandbox=copy, name="")
