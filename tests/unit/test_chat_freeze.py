"""客服 over WebSockets after 交卷, after the deadline and after logout: refused, nothing stored, nothing pushed.

Through the real ASGI stack (origin check, cookies, session, auth) with channels' WebsocketCommunicator,
as tests/unit/test_chat_consumers.py; the sandboxes are frozen by the real gates (an exam sitting's
task submitted, or its clock run out), never by a stand-in.
"""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sandbox.exams.models import Sitting
from sandbox.exams.services import sitting_start, sitting_task_submit
from shop_sim.models import ChatMessage, ChatSession, Customer, ShopEvent
from shop_sim.services.chat import chat_buyer_message
from shop_sim.simulator import consumers
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create
from shop_sim.storefront.buyer import buyer_session_data
from tests.unit.test_chat_consumers import MERCHANT_PATH, buyer_path, connected, socket

pytestmark = pytest.mark.django_db(transaction=True)
NO_QUEUE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def fresh_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def exam_shop(settings, tmp_path, make_user, candidate):
    """A candidate in a running exam, a buyer in the first task's shop who has already asked."""
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.TASKS = NO_QUEUE
    exam = exam_create(created_by=make_user("kaoping_f", role="examiner"))
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000150001")
    sitting = sitting_start(registration=registration, actor=candidate)
    task = sitting.tasks.select_related("attempt__instance__sandbox").order_by("part__position").first()
    sandbox = task.attempt.instance.sandbox
    buyer = Customer.objects.create(sandbox=sandbox, nickname="考场买家")
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="请问几天发货？")
    client = Client()
    client.force_login(candidate)
    session = client.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = sandbox.pk
    session.save()
    return {"sitting": sitting, "task": task, "sandbox": sandbox, "buyer": buyer, "client": client,
            "merchant_cookie": client.cookies["sessionid"].value,
            "buyer_cookie": _exam_buyer_cookie(sandbox, buyer)}


def _exam_buyer_cookie(sandbox, customer) -> str:
    """The buyer's session in an exam shop: the candidate's own, so it holds the buyer pass."""
    store = SessionStore()
    store.update(buyer_session_data(sandbox, customer))
    store.create()
    return store.session_key


def _submit(shop):
    sitting_task_submit(task=shop["task"], actor=shop["task"].attempt.candidate)


def _run_out_the_clock(shop):
    """The deadline passed a minute ago; nobody has auto-submitted yet (the gate alone must hold)."""
    Sitting.objects.filter(pk=shop["sitting"].pk).update(started_at=timezone.now() - timedelta(minutes=91))


def _shop_state(sandbox):
    session = ChatSession.objects.get(customer__nickname="考场买家")
    return (list(ChatMessage.objects.for_sandbox(sandbox).values_list("sender", "body")), session.unread_count,
            ShopEvent.objects.for_sandbox(sandbox).count())


@pytest.mark.parametrize("freeze,reason", [(_submit, "该任务已交卷"), (_run_out_the_clock, "考试时间已到")])
def test_open_sockets_cannot_chat_in_a_frozen_sandbox(exam_shop, freeze, reason):
    shop = exam_shop
    session_id = ChatSession.objects.get(customer=shop["buyer"]).pk
    before = _shop_state(shop["sandbox"])

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, shop["merchant_cookie"]))
        buyer = await connected(socket(buyer_path(shop["sandbox"]), shop["buyer_cookie"]))
        await database_sync_to_async(freeze)(shop)
        frames = {}
        await merchant.send_json_to({"type": "message", "session_id": session_id, "body": "48小时内发货，顺丰"})
        frames["merchant message"] = await merchant.receive_json_from(timeout=2)
        await merchant.send_json_to({"type": "read", "session_id": session_id})
        frames["merchant read"] = await merchant.receive_json_from(timeout=2)
        await buyer.send_json_to({"type": "message", "body": "还在吗？"})
        frames["buyer message"] = await buyer.receive_json_from(timeout=2)
        # Nothing was pushed to anyone, and both sockets are still open (reading is still allowed).
        assert await merchant.receive_nothing(timeout=0.3)
        assert await buyer.receive_nothing(timeout=0.3)
        await merchant.send_json_to({"type": "sync", "after": 0})
        synced = []
        while not synced or synced[-1]["type"] != "synced":
            synced.append(await merchant.receive_json_from(timeout=2))
        await merchant.disconnect()
        await buyer.disconnect()
        return frames, synced

    frames, synced = async_to_sync(scenario)()
    for who, frame in frames.items():
        assert frame["type"] == "error" and reason in frame["message"], who
    assert {f["type"] for f in synced[:-1]} == {"message"} and synced[-1]["type"] == "synced"
    assert _shop_state(shop["sandbox"]) == before


def test_the_refusal_speaks_the_chosen_language(exam_shop):
    shop = exam_shop
    session_id = ChatSession.objects.get(customer=shop["buyer"]).pk
    _submit(shop)

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, f"{shop['merchant_cookie']}; django_language=en"))
        await merchant.send_json_to({"type": "message", "session_id": session_id, "body": "你好"})
        frame = await merchant.receive_json_from(timeout=2)
        await merchant.disconnect()
        return frame

    assert async_to_sync(scenario)() == {"type": "error",
                                         "message": "This task has been submitted and can no longer be changed."}


def test_a_socket_open_across_a_merchant_logout_cannot_write(exam_shop):
    shop = exam_shop
    session_id = ChatSession.objects.get(customer=shop["buyer"]).pk
    before = _shop_state(shop["sandbox"])

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, shop["merchant_cookie"]))
        buyer = await connected(socket(buyer_path(shop["sandbox"]), shop["buyer_cookie"]))
        response = await database_sync_to_async(shop["client"].post)(reverse("accounts:logout"))
        assert response.status_code == 302
        await merchant.send_json_to({"type": "message", "session_id": session_id, "body": "退出后还想回复"})
        error = await merchant.receive_json_from(timeout=2)
        close = await merchant.receive_output(timeout=2)
        assert await buyer.receive_nothing(timeout=0.3)
        await buyer.disconnect()
        return error, close

    error, close = async_to_sync(scenario)()
    assert error["type"] == "error" and "登录已失效" in error["message"]
    assert close == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}
    assert _shop_state(shop["sandbox"]) == before


def test_a_socket_open_across_a_buyer_logout_cannot_write(exam_shop):
    shop = exam_shop
    before = _shop_state(shop["sandbox"])
    browser = Client()
    browser.cookies["sessionid"] = shop["buyer_cookie"]

    async def scenario():
        buyer = await connected(socket(buyer_path(shop["sandbox"]), shop["buyer_cookie"]))
        merchant = await connected(socket(MERCHANT_PATH, shop["merchant_cookie"]))
        logout = reverse("storefront:buyer_logout", kwargs={"storefront_key": shop["sandbox"].storefront_key})
        response = await database_sync_to_async(browser.post)(logout)
        assert response.status_code == 302
        await buyer.send_json_to({"type": "message", "body": "退出后还想问"})
        error = await buyer.receive_json_from(timeout=2)
        close = await buyer.receive_output(timeout=2)
        await buyer.send_json_to({"type": "sync", "after": 0})  # closed: nothing more is read
        assert await merchant.receive_nothing(timeout=0.3)
        await merchant.disconnect()
        return error, close

    error, close = async_to_sync(scenario)()
    assert error["type"] == "error" and "登录已失效" in error["message"]
    assert close == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}
    assert _shop_state(shop["sandbox"]) == before


def test_a_live_socket_still_chats_before_the_freeze(exam_shop):
    """The per-frame session check lets a signed-in merchant and buyer talk as before."""
    shop = exam_shop
    session_id = ChatSession.objects.get(customer=shop["buyer"]).pk

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, shop["merchant_cookie"]))
        buyer = await connected(socket(buyer_path(shop["sandbox"]), shop["buyer_cookie"]))
        await merchant.send_json_to({"type": "message", "session_id": session_id, "body": "48小时内发货"})
        assert (await buyer.receive_json_from(timeout=2))["message"]["body"] == "48小时内发货"
        assert (await merchant.receive_json_from(timeout=2))["message"]["body"] == "48小时内发货"
        await merchant.disconnect()
        await buyer.disconnect()

    async_to_sync(scenario)()
    assert ChatMessage.objects.filter(session_id=session_id, sender="merchant").count() == 1
