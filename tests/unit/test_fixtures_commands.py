"""make_shop and load_demo: what they create, what they print, and that load_demo is idempotent."""

import time
from io import StringIO

import pytest
from django.utils import timezone
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from fixtures.fingerprint import shop_fingerprint
from fixtures.management.commands import load_demo
from shop_sim.models import Order, Product, Sandbox, ShopEvent
from shop_sim.services.provisioning import shop_models

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_make_shop_creates_and_fills_a_sandbox():
    output = _run("make_shop", "--seed", "4", "--products", "6", "--orders", "12", "--customers", "8",
                  "--name", "测试店")
    sandbox = Sandbox.objects.get(name="测试店")
    assert not sandbox.is_template and sandbox.owner is None
    assert f"sandbox_id={sandbox.pk}" in output and "orders" in output and "12" in output
    assert Product.objects.for_sandbox(sandbox).count() == 6
    assert Order.objects.for_sandbox(sandbox).count() == 12


def test_make_shop_template_flag_and_same_seed_same_shop():
    _run("make_shop", "--seed", "4", "--products", "6", "--orders", "12", "--customers", "8", "--template",
         "--name", "模板一")
    _run("make_shop", "--seed", "4", "--products", "6", "--orders", "12", "--customers", "8", "--name", "副本")
    template, plain = Sandbox.objects.get(name="模板一"), Sandbox.objects.get(name="副本")
    assert template.is_template and not plain.is_template
    assert shop_fingerprint(template) == shop_fingerprint(plain)


def test_make_shop_reference_moves_the_timeline():
    _run("make_shop", "--seed", "4", "--products", "3", "--orders", "5", "--customers", "3", "--name", "定时",
         "--reference", "2027-01-01T12:00:00+08:00")
    sandbox = Sandbox.objects.get(name="定时")
    latest = Order.objects.for_sandbox(sandbox).order_by("-created_at").first().created_at
    assert latest.year in (2026, 2027) and latest.isoformat() <= "2027-01-01T04:00:00+00:00"


@pytest.mark.parametrize("args", [["--products", "0"], ["--orders", "3", "--customers", "0"],
                                  ["--reference", "不是日期"]])
def test_make_shop_refuses_bad_arguments_and_writes_nothing(args):
    with pytest.raises(CommandError):
        _run("make_shop", "--seed", "1", *args)
    assert not Sandbox.objects.exists() and not ShopEvent.objects.exists()


@pytest.fixture
def small_demo(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    monkeypatch.setattr(load_demo, "DEMO_TEMPLATE", {**load_demo.DEMO_TEMPLATE, "products": 8, "orders": 20,
                                                     "customers": 10})


def _state():
    User = get_user_model()
    users = list(User.objects.order_by("username").values_list("username", "password", "is_superuser", "last_login"))
    groups = list(User.groups.through.objects.order_by("pk").values_list("pk", "user_id", "group_id"))
    rows = {m._meta.label: list(m.objects.order_by("pk").values_list("pk", flat=True))
            for m in shop_models(include_uncopied=True)}
    sandboxes = list(Sandbox.objects.order_by("pk").values_list("pk", "name", "owner_id", "is_template",
                                                                "storefront_key"))
    return users, groups, rows, sandboxes


def test_load_demo_creates_logins_template_and_candidate_shops(small_demo, client):
    output = _run("load_demo")
    User = get_user_model()
    for username, role in load_demo.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password("demo12345")
        assert user.groups.filter(name=role).exists()
        assert username in output
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="kaosheng1").is_superuser
    template = Sandbox.objects.get(is_template=True)
    assert template.name == "示例模板店铺" and template.owner is None
    assert Product.objects.for_sandbox(template).count() == 8
    for username in ("kaosheng1", "kaosheng2", "peixun"):
        shop = Sandbox.objects.get(owner__username=username)
        assert shop.template == template and not shop.is_template and shop.name == f"{username}的店铺"
        assert shop_fingerprint(shop) == shop_fingerprint(template)
        assert f"/s/{shop.storefront_key}/" in output
    assert not Sandbox.objects.filter(owner__username__in=["kaoping", "admin"]).exists()
    assert "demo12345" in output
    assert get_user_model().objects.get(username="kaosheng1").check_password("demo12345")


def test_load_demo_opens_a_demo_exam_with_the_candidates_registered(small_demo):
    from sandbox.exams.models import Exam

    output = _run("load_demo")
    exam = Exam.objects.get()
    assert exam.window_start <= timezone.now() < exam.window_end
    assert list(exam.parts.values_list("scenario_slug", flat=True)) == ["order-fulfilment", "customer-service"]
    tickets = dict(exam.registrations.values_list("candidate__username", "ticket_number"))
    assert set(tickets) == {"kaosheng1", "kaosheng2"}
    for ticket in tickets.values():
        assert ticket in output
    _run("load_demo")
    assert Exam.objects.count() == 1 and exam.registrations.count() == 2


def test_load_demo_twice_changes_nothing_and_is_fast(small_demo):
    _run("load_demo")
    before = _state()
    started = time.perf_counter()
    output = _run("load_demo")
    elapsed = time.perf_counter() - started
    assert _state() == before
    assert elapsed < 2.0
    assert "未做任何修改" in output


def test_load_demo_fills_in_only_what_is_missing(small_demo):
    _run("load_demo")
    template = Sandbox.objects.get(is_template=True)
    lost = Sandbox.objects.get(owner__username="kaosheng2")
    Sandbox.objects.filter(pk=lost.pk).update(owner=None)
    get_user_model().objects.filter(username="kaoping").delete()
    kept = Sandbox.objects.get(owner__username="kaosheng1").pk
    output = _run("load_demo")
    assert Sandbox.objects.filter(is_template=True).get() == template
    assert Sandbox.objects.get(owner__username="kaosheng1").pk == kept
    regained = Sandbox.objects.get(owner__username="kaosheng2")
    assert regained.template == template and regained.pk != lost.pk
    assert get_user_model().objects.get(username="kaoping").check_password("demo12345")
    assert "kaosheng2" in output and "kaoping" in output
