"""Provisioning on PostgreSQL: the key copy tests, plus concurrent runs (advisory lock, sequences)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import ForeignKey

from fixtures.fingerprint import shop_fingerprint
from fixtures.generators import generate_shop
from shop_sim.models import Category, Customer, Order, Sandbox, SandboxScoped, Sku
from shop_sim.services.provisioning import sandbox_provision, shop_models

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only


def _template():
    sandbox = Sandbox.objects.create(name="模板店铺", is_template=True)
    generate_shop(sandbox=sandbox, seed=5, products=10, orders=30, customers=15)
    return sandbox


def _foreign_keys_stay_inside(sandbox):
    for model in shop_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey) or field.name == "sandbox":
                continue
            if not issubclass(field.related_model, SandboxScoped):
                continue
            ids = set(model.objects.filter(sandbox_id=sandbox.pk).exclude(**{field.attname: None})
                      .values_list(field.attname, flat=True))
            inside = set(field.related_model.objects.filter(sandbox_id=sandbox.pk, pk__in=ids)
                         .values_list("pk", flat=True))
            assert ids == inside, f"{model.__name__}.{field.name}"


@pytest.mark.django_db
def test_copy_matches_template_and_stays_inside(candidate):
    assert connection.vendor == "postgresql"
    template = _template()
    before = shop_fingerprint(template)
    first = sandbox_provision(template=template, owner=candidate, name="A的店铺")
    second = sandbox_provision(template=template, owner=candidate, name="A的第二个店铺")
    assert shop_fingerprint(first) == shop_fingerprint(second) == before == shop_fingerprint(template)
    for copy in (first, second):
        _foreign_keys_stay_inside(copy)
        assert all(o.customer.sandbox_id == copy.pk for o in Order.objects.for_sandbox(copy).select_related("customer"))
        assert all(s.product.sandbox_id == copy.pk for s in Sku.objects.for_sandbox(copy).select_related("product"))
        assert all(c.parent.sandbox_id == copy.pk
                   for c in Category.objects.for_sandbox(copy).filter(parent__isnull=False).select_related("parent"))
    Sku.objects.for_sandbox(first).update(stock=0)
    assert shop_fingerprint(template) == before
    # the id sequences were moved past the copied ranges: ordinary inserts do not collide
    for copy in (first, second):
        Customer.objects.create(sandbox=copy, nickname="新买家")


@pytest.mark.django_db(transaction=True)
def test_concurrent_provisioning_and_inserts_do_not_collide(make_user):
    template = _template()
    busy = Sandbox.objects.create(name="营业中的店铺")
    expected = shop_fingerprint(template)
    owners = [make_user(f"cand_{i}") for i in range(4)]
    errors: list[BaseException] = []
    made: list[int] = []

    def provision(owner):
        try:
            made.append(sandbox_provision(template=template, owner=owner, name=f"{owner.username}的店铺").pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def shop_activity():
        try:
            for i in range(40):
                Customer.objects.create(sandbox=busy, nickname=f"并发买家{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=provision, args=(o,)) for o in owners]
    threads.append(threading.Thread(target=shop_activity))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(made) == len(owners)
    assert {shop_fingerprint(pk) for pk in made} == {expected}
    assert Customer.objects.for_sandbox(busy).count() == 40
    for pk in made:
        _foreign_keys_stay_inside(Sandbox.objects.get(pk=pk))


@pytest.mark.django_db(transaction=True)
def test_a_provisioning_does_not_wait_for_another_to_commit(make_user):
    """The advisory lock covers only the id reservation: a copy whose transaction is still open (a
    start whose remaining work is not done) does not hold up the next candidate's copy."""
    template = _template()
    expected = shop_fingerprint(template)
    first_copied, second_done = threading.Event(), threading.Event()
    made: dict[str, int] = {}
    errors: list[BaseException] = []

    def slow_start():
        try:
            with transaction.atomic():
                made["slow"] = sandbox_provision(template=template, owner=make_user("slow"), name="慢的店铺").pk
                first_copied.set()
                second_done.wait(timeout=20)  # still inside the transaction: nothing committed yet
        except BaseException as exc:
            errors.append(exc)
        finally:
            first_copied.set()
            connections.close_all()

    slow = threading.Thread(target=slow_start)
    slow.start()
    assert first_copied.wait(timeout=20)
    owner = make_user("quick")
    started = time.monotonic()
    made["quick"] = sandbox_provision(template=template, owner=owner, name="快的店铺").pk
    waited = time.monotonic() - started
    second_done.set()
    slow.join(timeout=30)
    assert not errors, errors
    assert waited < 10, f"the second copy waited {waited:.1f} s for the first transaction"
    assert {shop_fingerprint(pk) for pk in made.values()} == {expected}
    for pk in made.values():
        _foreign_keys_stay_inside(Sandbox.objects.get(pk=pk))
    assert len(set(made.values())) == 2
