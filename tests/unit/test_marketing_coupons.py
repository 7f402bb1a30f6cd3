"""Shop coupons: the rules of a 满减 coupon, ending early, the checkout discount, and the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop_sim.models import Coupon, ShopEvent
from shop_sim.services import marketing as svc
from shop_sim.services.base import Actor, ShopError
from tests.unit.test_orders_factories import make_coupon

D = Decimal


@pytest.fixture
def seller(candidate):
    return Actor.merchant(candidate)


def valid(**over):
    now = timezone.now()
    data = dict(name="店铺满199减20", threshold=D("199"), amount=D("20"), total_quantity=1000,
                per_customer_limit=2, starts_at=now, ends_at=now + timedelta(days=3))
    data.update(over)
    return data


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def post_data(**over):
    data = valid(**over)
    return {k: local(v) if k.endswith("_at") else str(v) for k, v in data.items()}


# --- services -------------------------------------------------------------------------------

def test_create_a_coupon(sandbox, seller):
    coupon = svc.coupon_create(sandbox=sandbox, actor=seller, **valid())
    assert (coupon.status, coupon.claimed_count, coupon.amount) == (Coupon.Status.ACTIVE, 0, D("20"))
    event = ShopEvent.objects.for_sandbox(sandbox).get()
    assert event.action == "coupon.create" and event.before is None
    assert event.after["threshold"] == "199" and event.after["total_quantity"] == 1000


def test_a_no_threshold_coupon_is_allowed(sandbox, seller):
    assert svc.coupon_create(sandbox=sandbox, actor=seller, **valid(threshold=D("0"), amount=D("5"))).pk


@pytest.mark.parametrize("over", [
    {"name": ""}, {"name": "券" * 31}, {"threshold": D("-1")}, {"amount": D("0")}, {"amount": D("-5")},
    {"amount": D("199")}, {"amount": D("250")}, {"total_quantity": 0}, {"total_quantity": 100001},
    {"per_customer_limit": 0}, {"per_customer_limit": 11},
    {"ends_at": timezone.now() - timedelta(minutes=1), "starts_at": timezone.now() - timedelta(days=1)},
    {"starts_at": timezone.now() + timedelta(days=5)},  # after the end
])
def test_coupon_rules(sandbox, seller, over):
    with pytest.raises(ShopError):
        svc.coupon_create(sandbox=sandbox, actor=seller, **valid(**over))
    assert not Coupon.objects.exists() and not ShopEvent.objects.exists()


def test_end_a_coupon_early(sandbox, seller):
    coupon = make_coupon(sandbox)
    ended = svc.coupon_end(sandbox=sandbox, actor=seller, coupon=coupon)
    assert ended.status == Coupon.Status.ENDED and ended.ends_at <= timezone.now()
    event = ShopEvent.objects.for_sandbox(sandbox).get()
    assert event.action == "coupon.end" and event.before["status"] == "active" and event.after["status"] == "ended"
    with pytest.raises(ShopError, match="已结束"):
        svc.coupon_end(sandbox=sandbox, actor=seller, coupon=ended)
    expired = make_coupon(sandbox, starts_in=timedelta(days=-3), ends_in=timedelta(days=-1))
    with pytest.raises(ShopError, match="已结束"):
        svc.coupon_end(sandbox=sandbox, actor=seller, coupon=expired)
    assert ShopEvent.objects.count() == 1


def test_end_refuses_another_sandboxs_coupon(sandbox, seller, make_sandbox):
    coupon = make_coupon(make_sandbox(name="B"))
    with pytest.raises(ShopError):
        svc.coupon_end(sandbox=sandbox, actor=seller, coupon=coupon)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.ACTIVE


@pytest.mark.parametrize("goods,expected", [("199.00", "20.00"), ("500", "20.00"), ("198.99", "0.00"), ("0", "0.00")])
def test_discount_needs_the_threshold(sandbox, goods, expected):
    coupon = make_coupon(sandbox, threshold="199", amount="20")
    assert svc.coupon_discount(coupon=coupon, goods_total=D(goods), now=timezone.now()) == D(expected)


def test_discount_of_a_no_threshold_coupon_never_exceeds_the_goods(sandbox):
    coupon = make_coupon(sandbox, threshold="0", amount="10")
    now = timezone.now()
    assert svc.coupon_discount(coupon=coupon, goods_total=D("35"), now=now) == D("10.00")
    assert svc.coupon_discount(coupon=coupon, goods_total=D("6.5"), now=now) == D("6.50")


def test_discount_only_while_the_coupon_runs(sandbox):
    coupon = make_coupon(sandbox, threshold="100", amount="10", starts_in=timedelta(days=1), ends_in=timedelta(days=2))
    now = timezone.now()
    assert svc.coupon_discount(coupon=coupon, goods_total=D("150"), now=now) == 0
    assert svc.coupon_discount(coupon=coupon, goods_total=D("150"), now=now + timedelta(days=1, hours=1)) == D("10.00")
    assert svc.coupon_discount(coupon=coupon, goods_total=D("150"), now=now + timedelta(days=2)) == 0
    coupon.status = Coupon.Status.ENDED
    assert svc.coupon_discount(coupon=coupon, goods_total=D("150"), now=now + timedelta(days=1, hours=1)) == 0


# --- views ----------------------------------------------------------------------------------

def test_create_from_the_form(console_client, sandbox):
    page = console_client.get(reverse("console:coupon_create"))
    body = page.content.decode()
    for label in ("优惠券名称", "使用门槛（满多少元）", "优惠金额（减多少元）", "发行量（张）", "每人限领（张）", "开始时间", "结束时间"):
        assert f">{label}" in body, label
    response = console_client.post(reverse("console:coupon_create"), post_data(name="<b>新客券</b>"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("console:coupon_list")
    body = response.content.decode()
    assert "&lt;b&gt;新客券&lt;/b&gt;" in body and "<b>新客券</b>" not in body
    assert "满 199.00 减 20.00 元" in body and "进行中" in body
    assert Coupon.objects.for_sandbox(sandbox).get().name == "<b>新客券</b>"


@pytest.mark.parametrize("over,message", [
    ({"amount": D("300")}, "优惠金额必须小于使用门槛"),
    ({"amount": D("0")}, "优惠金额必须大于 0"),
    ({"threshold": D("-1")}, "大于或等于0"),
    ({"total_quantity": 100001}, "100000"),
    ({"per_customer_limit": 11}, "10"),
    ({"name": "券" * 31}, "30"),
    ({"starts_at": timezone.now() + timedelta(days=9)}, "开始时间必须早于结束时间"),
    ({"starts_at": timezone.now() - timedelta(days=9), "ends_at": timezone.now() - timedelta(days=1)},
     "结束时间必须晚于当前时间"),
])
def test_create_form_errors_write_nothing(console_client, sandbox, over, message):
    response = console_client.post(reverse("console:coupon_create"), post_data(**over))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Coupon.objects.exists() and not ShopEvent.objects.exists()


def test_garbage_dates_and_numbers_are_form_errors(console_client):
    data = post_data()
    data.update(starts_at="明天", amount="二十", total_quantity="1e3")
    response = console_client.post(reverse("console:coupon_create"), data)
    assert response.status_code == 200 and response.content.decode().count('class="errorlist"') >= 3
    assert not Coupon.objects.exists()


def test_end_from_the_list(console_client, sandbox):
    coupon = make_coupon(sandbox, name="限时券")
    response = console_client.post(reverse("console:coupon_end", kwargs={"coupon_id": coupon.pk}), follow=True)
    assert "优惠券“限时券”已结束" in response.content.decode()
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.ENDED
    response = console_client.post(reverse("console:coupon_end", kwargs={"coupon_id": coupon.pk}), follow=True)
    assert "该优惠券已结束" in response.content.decode()
    assert ShopEvent.objects.count() == 1


def test_another_sandboxs_coupon_is_404_and_unlisted(console_client, sandbox, make_sandbox):
    coupon = make_coupon(make_sandbox(name="B"), name="别人的券")
    for method in ("get", "post"):
        response = getattr(console_client, method)(reverse("console:coupon_end", kwargs={"coupon_id": coupon.pk}))
        assert response.status_code == 404
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.ACTIVE
    assert "别人的券" not in console_client.get(reverse("console:coupon_list")).content.decode()
