"""An exam shop's simulated buyers act only in the candidate's own session, or in one opened with
the buyer-pass link of the candidate's task page (issue #10, finding 5). Someone who learns the
storefront key and a buyer's nickname changes nothing: no login, no 确认收货, no new customer, no
chat. Practice and demo shops stay open to whoever has the storefront link (docs/exams.md).
"""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from autograder.browser import BrowserSession
from sandbox.exams.services import sitting_start
from shop_sim.models import Customer, Order, ShopEvent
from shop_sim.storefront.buyer import buyer_pass, buyer_pass_url
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create

from . import test_storefront_factories as f
from .test_orders_factories import make_order

pytestmark = pytest.mark.django_db
NO_QUEUE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def exam_shop(settings, tmp_path, make_user, candidate):
    """The sandbox of the candidate's first exam task, with a shipped order of the buyer 小李."""
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.TASKS = NO_QUEUE
    exam = exam_create(created_by=make_user("kaoping_b", role="examiner"))
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000140021")
    sitting = sitting_start(registration=registration, actor=candidate)
    sandbox = sitting.tasks.order_by("part__position").first().attempt.instance.sandbox
    buyer = f.customer(sandbox, nickname="小李")
    order = make_order(sandbox, customer=buyer, status=Order.Status.SHIPPED)
    return sandbox, buyer, order


def _url(name, sandbox, **kwargs):
    return reverse(f"storefront:{name}", kwargs={"storefront_key": sandbox.storefront_key, **kwargs})


def _confirm(client, sandbox, order):
    return client.post(_url("order_confirm", sandbox, order_id=order.pk))


def _graded_state(sandbox):
    return (list(Order.objects.for_sandbox(sandbox).values_list("pk", "status")),
            Customer.objects.for_sandbox(sandbox).count(), ShopEvent.objects.filter(sandbox=sandbox).count())


def test_an_outsider_with_the_key_and_a_nickname_changes_nothing_in_an_exam_shop(client, exam_shop):
    sandbox, buyer, order = exam_shop
    before = _graded_state(sandbox)
    page = client.get(_url("buyer_login", sandbox))
    assert page.status_code == 403 and "只允许店主本人以模拟买家身份操作" in page.content.decode()
    response = client.post(_url("buyer_login", sandbox), {"nickname": "小李", "phone": ""})
    assert response.status_code == 403
    response = _confirm(client, sandbox, order)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.post(_url("buyer_login", sandbox), {"nickname": "新来的", "phone": ""})
    assert _graded_state(sandbox) == before
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_a_buyer_session_without_the_pass_is_nobody_in_an_exam_shop(client, exam_shop):
    """A session holding only the buyer key (as a login made before the rule would) acts as nobody."""
    sandbox, buyer, order = exam_shop
    f.login_buyer(client, sandbox, buyer)
    response = _confirm(client, sandbox, order)
    assert response.status_code == 302 and "/login/" in response["Location"]
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_the_candidates_own_session_is_the_shops_buyer(client, exam_shop, candidate):
    sandbox, buyer, order = exam_shop
    client.force_login(candidate)
    assert client.get(_url("buyer_login", sandbox)).status_code == 200
    assert client.post(_url("buyer_login", sandbox), {"nickname": "小李", "phone": ""}).status_code == 302
    assert _confirm(client, sandbox, order).status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.FINISHED


def test_another_candidates_session_is_not(client, exam_shop, make_user):
    sandbox, _buyer, order = exam_shop
    client.force_login(make_user("cand_other"))
    assert client.post(_url("buyer_login", sandbox), {"nickname": "小李", "phone": ""}).status_code == 403
    _confirm(client, sandbox, order)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED


def test_the_pass_link_of_the_task_page_lets_another_browser_be_the_buyer(client, exam_shop):
    sandbox, _buyer, order = exam_shop
    response = client.get(buyer_pass_url(sandbox))
    assert response.status_code == 302 and response["Location"] == _url("home", sandbox)
    assert client.post(_url("buyer_login", sandbox), {"nickname": "小李", "phone": ""}).status_code == 302
    _confirm(client, sandbox, order)
    order.refresh_from_db()
    assert order.status == Order.Status.FINISHED


def test_a_wrong_pass_is_refused_and_grants_nothing(client, exam_shop):
    sandbox, _buyer, _order = exam_shop
    for wrong in ({"buyer_pass": "0" * 32}, {"buyer_pass": "x" * 500}, {}):
        response = client.get(_url("buyer_pass", sandbox), wrong)
        assert response.status_code == 400 and "买家链接无效" in response.content.decode()
    assert client.post(_url("buyer_login", sandbox), {"nickname": "小李", "phone": ""}).status_code == 403


def test_one_shops_pass_does_not_open_another(client, exam_shop, make_sandbox, make_user):
    sandbox, _buyer, _order = exam_shop
    other = make_sandbox(owner=make_user("cand_c"))
    assert client.get(_url("buyer_pass", other), {"buyer_pass": buyer_pass(sandbox)}).status_code == 400
    assert buyer_pass(other) != buyer_pass(sandbox)


def test_the_graders_buyer_session_still_works(client, exam_shop):
    """autograder.browser makes the buyer's Django session server-side: it carries the pass."""
    sandbox, buyer, order = exam_shop
    session = BrowserSession(None, base_url="http://testserver", sandbox=sandbox)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session._buyer_session("小李")
    page = client.get(_url("buyer_orders", sandbox))
    assert page.status_code == 200 and order.order_no in page.content.decode()
    session.close()


def test_the_task_page_links_to_the_shop_with_its_pass(client, exam_shop, candidate):
    sandbox, _buyer, _order = exam_shop
    task = sandbox.scenario_instance.attempt.sitting_task
    client.force_login(candidate)
    page = client.get(reverse("workspace:sitting_task", kwargs={"registration_id": task.sitting.registration_id,
                                                                "sittingtask_id": task.pk})).content.decode()
    link = f"/s/{sandbox.storefront_key}/buyer-pass/?buyer_pass={buyer_pass(sandbox)}"
    assert link == buyer_pass_url(sandbox) and f'href="{link}"' in page


def test_a_practice_or_demo_shop_stays_open_to_whoever_has_the_link(client, sandbox):
    """Not an exam shop: the storefront key is the only secret (what the README's buyer tour uses)."""
    buyer = f.customer(sandbox, nickname="小王")
    order = make_order(sandbox, customer=buyer, status=Order.Status.SHIPPED)
    assert client.post(_url("buyer_login", sandbox), {"nickname": "小王", "phone": ""}).status_code == 302
    _confirm(client, sandbox, order)
    order.refresh_from_db()
    assert order.status == Order.Status.FINISHED
