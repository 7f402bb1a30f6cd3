"""客服 chat after a lost connection (a Redis restart, a replica restart): a reconnecting page asks
``{"type": "sync", "after": <newest id it has>}`` and gets what was stored meanwhile — its own
shop's or its own conversation's messages only, in order — then ``{"type": "synced"}``.

Through the real ASGI stack with the in-memory layer; the Redis outage itself is
tests/services/test_faults.py.
"""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from sandbox.asgi import application
from shop_sim.models import ChatMessage, Customer
from shop_sim.services.chat import chat_buyer_message
from shop_sim.storefront.buyer import buyer_session_key

pytestmark = pytest.mark.django_db(transaction=True)

MERCHANT_PATH = "/ws/console/chat/"


@pytest.fixture(autouse=True)
def fresh_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def _socket(path: str, sessionid: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=[(b"origin", b"http://testserver"),
                                                             (b"cookie", f"sessionid={sessionid}".encode())])


def _buyer_cookie(sandbox, customer) -> str:
    store = SessionStore()
    store[buyer_session_key(sandbox.pk)] = customer.pk
    store.create()
    return store.session_key


def _merchant_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _synced(comm, after) -> tuple[list[dict], dict]:
    """Send a sync and collect what comes back up to and including "synced"."""
    await comm.send_json_to({"type": "sync", "after": after})
    got = []
    while True:
        frame = await comm.receive_json_from(timeout=2)
        if frame["type"] == "synced":
            return got, frame
        got.append(frame)


def test_a_reconnecting_page_gets_what_was_stored_while_it_was_away(candidate, sandbox, make_sandbox, make_user):
    buyer = Customer.objects.create(sandbox=sandbox, nickname="回来的买家")
    neighbour = Customer.objects.create(sandbox=sandbox, nickname="同店的别人")
    other_shop = make_sandbox(owner=make_user("cand_other"), name="别人的店")
    stranger = Customer.objects.create(sandbox=other_shop, nickname="别店买家")
    before = chat_buyer_message(sandbox=sandbox, customer=buyer, body="断线前")[-1].pk
    merchant_cookie, buyer_cookie = _merchant_cookie(candidate), _buyer_cookie(sandbox, buyer)

    async def scenario():
        merchant = _socket(MERCHANT_PATH, merchant_cookie)
        buyer_ws = _socket(f"/ws/s/{sandbox.storefront_key}/chat/", buyer_cookie)
        assert (await merchant.connect())[0] and (await buyer_ws.connect())[0]

        # the first connection of a page: nothing replayed, only the cursor
        replayed, synced = await _synced(merchant, None)
        assert replayed == [] and synced == {"type": "synced", "last_id": before}
        assert (await _synced(buyer_ws, None)) == ([], {"type": "synced", "last_id": before})

        # stored while the pages were away (no push reached them)
        from channels.db import database_sync_to_async

        @database_sync_to_async
        def store():
            mine = chat_buyer_message(sandbox=sandbox, customer=buyer, body="断线时发的")
            chat_buyer_message(sandbox=sandbox, customer=neighbour, body="别人发的")
            chat_buyer_message(sandbox=other_shop, customer=stranger, body="别的店")
            return mine[-1].pk, ChatMessage.objects.filter(sandbox=sandbox).order_by("-id").first().pk

        buyer_last, shop_last = await store()

        replayed, synced = await _synced(merchant, before)
        bodies = [frame["message"]["body"] for frame in replayed]
        assert bodies == ["断线时发的", "别人发的"]  # the shop's, oldest first; not the other shop's
        assert all(frame["type"] == "message" and frame["session"]["customer"] for frame in replayed)
        assert synced["last_id"] == shop_last

        replayed, synced = await _synced(buyer_ws, before)
        assert [frame["message"]["body"] for frame in replayed] == ["断线时发的"]  # not the neighbour's
        assert "session" not in replayed[0]  # a buyer never gets inbox details
        assert synced["last_id"] == buyer_last

        assert (await _synced(merchant, shop_last)) == ([], {"type": "synced", "last_id": shop_last})
        for bad in ("abc", True, -1, [1]):
            await merchant.send_json_to({"type": "sync", "after": bad})
            assert (await merchant.receive_json_from(timeout=2))["type"] == "error"
        assert await merchant.receive_nothing(timeout=0.2)
        await merchant.disconnect()
        await buyer_ws.disconnect()

    async_to_sync(scenario)()
