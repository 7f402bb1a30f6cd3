"""客服 over WebSockets, through the real ASGI stack (origin check, cookies, session, auth).

pytest-asyncio is not installed: each test runs one coroutine with ``async_to_sync``, so all its
sockets share one event loop. The consumers touch the database from worker threads, hence
``transaction=True``.
"""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from sandbox.asgi import application
from shop_sim.models import AutoReplyRule, ChatMessage, ChatSession, Customer, Sandbox, ShopEvent
from shop_sim.simulator import consumers
from shop_sim.storefront.buyer import buyer_session_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_layer(settings):
    """A new in-memory channel layer per test (changing the setting resets Channels' backends)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def buyer_cookie(sandbox, customer) -> str:
    store = SessionStore()
    store[buyer_session_key(sandbox.pk)] = customer.pk
    store.create()
    return store.session_key


def merchant_cookie(client, user) -> str:
    client.force_login(user)
    return client.cookies["sessionid"].value


def own_login(user) -> str:
    """A separate browser per user: logging another user into the same client would flush the session."""
    return merchant_cookie(Client(), user)


def socket(path: str, sessionid: str | None = None, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    headers = [(b"origin", origin)]
    if sessionid:
        headers.append((b"cookie", f"sessionid={sessionid}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def buyer_path(sandbox) -> str:
    return f"/ws/s/{sandbox.storefront_key}/chat/"


MERCHANT_PATH = "/ws/console/chat/"


async def connected(comm: WebsocketCommunicator) -> WebsocketCommunicator:
    ok, _ = await comm.connect()
    assert ok
    return comm


async def closed_with(comm: WebsocketCommunicator) -> int | None:
    """Accepted, then closed by the server: the application close code."""
    ok, _ = await comm.connect()
    if not ok:
        return None
    message = await comm.receive_output(timeout=2)
    assert message["type"] == "websocket.close"
    await comm.wait()
    return message.get("code")


@pytest.fixture
def shop(sandbox):
    return {"sandbox": sandbox, "buyer": Customer.objects.create(sandbox=sandbox, nickname="小明同学")}


@pytest.fixture
def other_shop(make_sandbox, make_user):
    owner = make_user("cand_b")
    other = make_sandbox(owner=owner, name="B的店铺")
    return {"sandbox": other, "owner": owner, "buyer": Customer.objects.create(sandbox=other, nickname="B的买家")}


def test_buyer_message_reaches_merchant_and_reply_reaches_buyer(client, candidate, shop):
    sandbox, buyer = shop["sandbox"], shop["buyer"]
    AutoReplyRule.objects.create(sandbox=sandbox, kind="greeting", reply="亲，欢迎光临")
    bcookie, mcookie = buyer_cookie(sandbox, buyer), merchant_cookie(client, candidate)

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, mcookie))
        buyer_ws = await connected(socket(buyer_path(sandbox), bcookie))
        await buyer_ws.send_json_to({"type": "message", "body": " 在吗？ "})

        got = await merchant.receive_json_from(timeout=2)
        assert got["type"] == "message"
        assert got["message"]["sender"] == "buyer" and got["message"]["body"] == "在吗？"
        assert got["session"]["customer"] == "小明同学" and got["session"]["unread_count"] == 1
        session_id = got["session_id"]
        auto = await merchant.receive_json_from(timeout=2)
        assert (auto["message"]["sender"], auto["message"]["body"]) == ("auto", "亲，欢迎光临")

        echo = await buyer_ws.receive_json_from(timeout=2)
        assert echo["message"]["body"] == "在吗？" and echo["session_id"] == session_id
        assert "session" not in echo  # the buyer gets no inbox details
        assert (await buyer_ws.receive_json_from(timeout=2))["message"]["sender"] == "auto"

        await merchant.send_json_to({"type": "message", "session_id": session_id, "body": "在的，亲"})
        reply = await buyer_ws.receive_json_from(timeout=2)
        assert reply == {"type": "message", "session_id": session_id, "message": reply["message"]}
        assert (reply["message"]["sender"], reply["message"]["body"]) == ("merchant", "在的，亲")
        assert set(reply["message"]) >= {"id", "sender", "body", "created_at"}
        mine = await merchant.receive_json_from(timeout=2)  # other console tabs see the reply too
        assert mine["message"]["id"] == reply["message"]["id"] and mine["session"]["unread_count"] == 0

        await merchant.disconnect()
        await buyer_ws.disconnect()
        return session_id

    session_id = async_to_sync(scenario)()
    session = ChatSession.objects.get(pk=session_id)
    assert session.sandbox_id == sandbox.pk and session.unread_count == 0
    assert list(session.messages.values_list("sender", "body")) == [
        ("buyer", "在吗？"), ("auto", "亲，欢迎光临"), ("merchant", "在的，亲")]


def test_merchant_read_clears_unread_and_is_journaled(client, candidate, shop):
    sandbox, buyer = shop["sandbox"], shop["buyer"]
    bcookie, mcookie = buyer_cookie(sandbox, buyer), merchant_cookie(client, candidate)

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, mcookie))
        buyer_ws = await connected(socket(buyer_path(sandbox), bcookie))
        await buyer_ws.send_json_to({"type": "message", "body": "你好"})
        got = await merchant.receive_json_from(timeout=2)
        await merchant.send_json_to({"type": "read", "session_id": got["session_id"]})
        assert await merchant.receive_json_from(timeout=2) == {"type": "read", "session_id": got["session_id"]}
        await merchant.disconnect()
        await buyer_ws.disconnect()

    async_to_sync(scenario)()
    assert ChatSession.objects.get().unread_count == 0
    assert ShopEvent.objects.get().action == "chat.session_read"


def test_shops_and_buyers_are_isolated(client, candidate, shop, other_shop):
    a, b = shop, other_shop
    a_cookie, b_cookie = buyer_cookie(a["sandbox"], a["buyer"]), buyer_cookie(b["sandbox"], b["buyer"])
    a_second = Customer.objects.create(sandbox=a["sandbox"], nickname="A的另一位买家")
    a2_cookie = buyer_cookie(a["sandbox"], a_second)
    ma_cookie = merchant_cookie(client, candidate)

    async def scenario():
        merchant_a = await connected(socket(MERCHANT_PATH, ma_cookie))
        buyer_a = await connected(socket(buyer_path(a["sandbox"]), a_cookie))
        buyer_a2 = await connected(socket(buyer_path(a["sandbox"]), a2_cookie))
        buyer_b = await connected(socket(buyer_path(b["sandbox"]), b_cookie))

        await buyer_b.send_json_to({"type": "message", "body": "B店的问题"})
        assert (await buyer_b.receive_json_from(timeout=2))["message"]["body"] == "B店的问题"
        b_session = ChatSession.objects.get(sandbox=b["sandbox"]).pk
        # Merchant A may not post into B's conversation.
        await merchant_a.send_json_to({"type": "message", "session_id": b_session, "body": "抢答"})
        error = await merchant_a.receive_json_from(timeout=2)
        assert error["type"] == "error" and "会话不存在" in error["message"]
        await merchant_a.send_json_to({"type": "read", "session_id": b_session})
        assert (await merchant_a.receive_json_from(timeout=2))["type"] == "error"

        await buyer_a.send_json_to({"type": "message", "body": "A店的问题"})
        assert (await merchant_a.receive_json_from(timeout=2))["message"]["body"] == "A店的问题"
        assert (await buyer_a.receive_json_from(timeout=2))["message"]["body"] == "A店的问题"

        # Nobody received anything that was not theirs.
        assert await buyer_a.receive_nothing(timeout=0.3)
        assert await buyer_a2.receive_nothing(timeout=0.3)
        assert await buyer_b.receive_nothing(timeout=0.3)
        assert await merchant_a.receive_nothing(timeout=0.3)
        for comm in (merchant_a, buyer_a, buyer_a2, buyer_b):
            await comm.disconnect()

    async_to_sync(scenario)()
    b_session = ChatSession.objects.get(sandbox=b["sandbox"])
    assert list(b_session.messages.values_list("body", flat=True)) == ["B店的问题"]
    assert b_session.unread_count == 1
    assert not ShopEvent.objects.exists()


def test_buyer_of_shop_b_cannot_chat_in_shop_a(shop, other_shop):
    # A session that is logged in as a buyer of B only: shop A's socket refuses it.
    cookie = buyer_cookie(other_shop["sandbox"], other_shop["buyer"])

    async def scenario():
        return await closed_with(socket(buyer_path(shop["sandbox"]), cookie))

    assert async_to_sync(scenario)() == consumers.CLOSE_FORBIDDEN


def test_refused_sockets_close_with_codes(shop, make_user, make_sandbox):
    sandbox = shop["sandbox"]
    template = Sandbox.objects.create(name="模板", is_template=True)
    tbuyer = Customer.objects.create(sandbox=template, nickname="模板买家")
    examiner = make_user("exam_1", role="examiner")
    make_sandbox(owner=examiner, name="考评员名下的店")  # owns a shop, but lacks shop_sim.use_console
    examiner_cookie = own_login(examiner)
    no_shop_cookie = own_login(make_user("cand_c"))
    buyer_only = buyer_cookie(sandbox, shop["buyer"])

    async def scenario():
        return {
            "anonymous buyer": await closed_with(socket(buyer_path(sandbox))),
            "unknown key": await closed_with(socket("/ws/s/no-such-shop/chat/", buyer_only)),
            "template": await closed_with(socket(buyer_path(template), buyer_cookie_t)),
            "anonymous merchant": await closed_with(socket(MERCHANT_PATH)),
            "buyer session on console": await closed_with(socket(MERCHANT_PATH, buyer_only)),
            "no console permission": await closed_with(socket(MERCHANT_PATH, examiner_cookie)),
            "no own sandbox": await closed_with(socket(MERCHANT_PATH, no_shop_cookie)),
        }

    buyer_cookie_t = buyer_cookie(template, tbuyer)
    codes = async_to_sync(scenario)()
    assert codes == {
        "anonymous buyer": 4403, "unknown key": 4404, "template": 4404, "anonymous merchant": 4403,
        "buyer session on console": 4403, "no console permission": 4403, "no own sandbox": 4403,
    }
    assert not ChatMessage.objects.exists()


def test_foreign_origin_is_rejected(shop):
    cookie = buyer_cookie(shop["sandbox"], shop["buyer"])

    async def scenario():
        ok, _ = await socket(buyer_path(shop["sandbox"]), cookie, origin=b"http://evil.example").connect()
        return ok

    assert async_to_sync(scenario)() is False


def test_merchant_socket_uses_the_active_sandbox_of_the_session(client, candidate, shop, make_sandbox):
    """Same rule as the console: the active sandbox kept in the session, else the newest own."""
    from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY

    newer = make_sandbox(owner=candidate, name="A的新店")
    newer_buyer = Customer.objects.create(sandbox=newer, nickname="新店买家")
    cookie = merchant_cookie(client, candidate)
    session = client.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = shop["sandbox"].pk
    session.save()

    async def scenario():
        merchant = await connected(socket(MERCHANT_PATH, cookie))
        old_buyer = await connected(socket(buyer_path(shop["sandbox"]), buyer_cookie(shop["sandbox"], shop["buyer"])))
        new_buyer = await connected(socket(buyer_path(newer), buyer_cookie(newer, newer_buyer)))
        await new_buyer.send_json_to({"type": "message", "body": "新店"})
        await new_buyer.receive_json_from(timeout=2)
        assert await merchant.receive_nothing(timeout=0.3)
        await old_buyer.send_json_to({"type": "message", "body": "老店"})
        assert (await merchant.receive_json_from(timeout=2))["message"]["body"] == "老店"
        for comm in (merchant, old_buyer, new_buyer):
            await comm.disconnect()

    async_to_sync(scenario)()


def test_bad_frames_get_errors_and_store_nothing(client, candidate, shop):
    sandbox, buyer = shop["sandbox"], shop["buyer"]
    bcookie, mcookie = buyer_cookie(sandbox, buyer), merchant_cookie(client, candidate)

    async def scenario():
        buyer_ws = await connected(socket(buyer_path(sandbox), bcookie))
        merchant = await connected(socket(MERCHANT_PATH, mcookie))
        errors = []
        for frame in ({"type": "message", "body": "字" * 501}, {"type": "message", "body": "   "},
                      {"type": "message"}, {"type": "message", "body": 42}, {"type": "typing"}, ["x"]):
            await buyer_ws.send_json_to(frame)
            errors.append(await buyer_ws.receive_json_from(timeout=2))
        await buyer_ws.send_to(text_data="{not json")
        errors.append(await buyer_ws.receive_json_from(timeout=2))
        for frame in ({"type": "message", "session_id": "abc", "body": "x"}, {"type": "message", "body": "x"},
                      {"type": "message", "session_id": 999999, "body": "x"}, {"type": "delete", "session_id": 1}):
            await merchant.send_json_to(frame)
            errors.append(await merchant.receive_json_from(timeout=2))
        assert await merchant.receive_nothing(timeout=0.2)
        # Still connected after all that.
        await buyer_ws.send_json_to({"type": "message", "body": "正常消息"})
        assert (await buyer_ws.receive_json_from(timeout=2))["message"]["body"] == "正常消息"
        await buyer_ws.disconnect()
        await merchant.disconnect()
        return errors

    errors = async_to_sync(scenario)()
    assert all(e["type"] == "error" and e["message"] for e in errors)
    assert "不能超过500个字" in errors[0]["message"]
    assert "不能为空" in errors[1]["message"]
    assert list(ChatMessage.objects.values_list("body", flat=True)) == ["正常消息"]


def test_merchant_oversized_reply_stores_nothing(client, candidate, shop):
    sandbox, buyer = shop["sandbox"], shop["buyer"]
    bcookie, mcookie = buyer_cookie(sandbox, buyer), merchant_cookie(client, candidate)

    async def scenario():
        buyer_ws = await connected(socket(buyer_path(sandbox), bcookie))
        merchant = await connected(socket(MERCHANT_PATH, mcookie))
        await buyer_ws.send_json_to({"type": "message", "body": "你好"})
        got = await merchant.receive_json_from(timeout=2)
        await buyer_ws.receive_json_from(timeout=2)
        await merchant.send_json_to({"type": "message", "session_id": got["session_id"], "body": "长" * 501})
        error = await merchant.receive_json_from(timeout=2)
        assert error["type"] == "error" and "500" in error["message"]
        assert await buyer_ws.receive_nothing(timeout=0.3)
        await buyer_ws.disconnect()
        await merchant.disconnect()

    async_to_sync(scenario)()
    assert list(ChatMessage.objects.values_list("sender", flat=True)) == ["buyer"]
    assert ChatSession.objects.get().unread_count == 1


def test_buyer_rate_limit(shop, monkeypatch):
    monkeypatch.setattr(consumers, "BUYER_RATE_COUNT", 3)
    cookie = buyer_cookie(shop["sandbox"], shop["buyer"])

    async def scenario():
        ws = await connected(socket(buyer_path(shop["sandbox"]), cookie))
        replies = []
        for i in range(4):
            await ws.send_json_to({"type": "message", "body": f"第{i}条"})
            replies.append(await ws.receive_json_from(timeout=2))
        await ws.disconnect()
        return replies

    replies = async_to_sync(scenario)()
    assert [r["type"] for r in replies] == ["message", "message", "message", "error"]
    assert "发送太频繁" in replies[-1]["message"]
    assert ChatMessage.objects.count() == 3


def test_in_an_exam_shop_a_session_without_the_buyer_pass_cannot_chat(shop, make_user):
    """Someone who knows the key and a member name gets no buyer socket in an exam shop (finding 5);
    the grader's buyer session (buyer_session_data: the pass included) does."""
    from shop_sim.storefront.buyer import buyer_session_data
    from tests.unit.exam_helpers import exam_shop_mark

    sandbox, buyer = shop["sandbox"], shop["buyer"]
    exam_shop_mark(sandbox, examiner=make_user("kaoping_chat", role="examiner"))

    without_pass = buyer_cookie(sandbox, buyer)  # what a storefront login made without the pass holds
    store = SessionStore()
    for name, value in buyer_session_data(sandbox, buyer).items():
        store[name] = value
    store.create()

    async def run():
        code = await closed_with(socket(buyer_path(sandbox), without_pass))
        comm = await connected(socket(buyer_path(sandbox), store.session_key))
        await comm.disconnect()
        return code

    assert async_to_sync(run)() == consumers.CLOSE_FORBIDDEN
    assert not ChatMessage.objects.exists()
