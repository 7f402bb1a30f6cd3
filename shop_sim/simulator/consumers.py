"""The two ends of 客服 chat: a buyer on the storefront and the merchant's inbox in the console.

Both accept the handshake before checking who is there and then close with an application code
(4404 unknown shop, 4403 not allowed): a close sent before accepting becomes a bare HTTP 403 that
browsers report as 1006, and the widget needs the real code to tell "please log in" from "no shop".
Errors in a message never close the socket: the client gets ``{"type": "error", "message": ...}``.
"""

from __future__ import annotations

import json
import time
from collections import deque
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from shop_sim.models import ChatSession, Sandbox
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.chat import chat_buyer_message, chat_mark_read, chat_merchant_reply
from shop_sim.storefront.buyer import current_customer
from shop_sim.tenancy import resolve_console_sandbox

from .broadcast import buyer_group, merchant_group, message_pushes, pushes_send, read_pushes

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
BUYER_RATE_COUNT = 10
BUYER_RATE_SECONDS = 10.0
FRAME_MAX_BYTES = 16 * 1024


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """Shared plumbing: JSON decoding that answers bad frames with an error, and group pushes."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not getattr(self, "ready", False):
            return
        if not text_data or len(text_data) > FRAME_MAX_BYTES:
            await self.error(_("消息格式不正确"))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error(_("消息格式不正确"))
            return
        if not isinstance(content, dict):
            await self.error(_("消息格式不正确"))
            return
        await self.receive_json(content)

    async def error(self, message: str) -> None:
        await self.send_json({"type": "error", "message": str(message)})

    async def join(self, group: str) -> None:
        # ``groups`` is what the base class discards on disconnect.
        self.groups.append(group)
        await self.channel_layer.group_add(group, self.channel_name)

    async def chat_push(self, event: dict) -> None:
        await self.send_json(event["payload"])


@database_sync_to_async
def _buyer_identity(session, storefront_key: str):
    sandbox = Sandbox.objects.filter(storefront_key=storefront_key, is_template=False).first()
    if sandbox is None:
        return CLOSE_NOT_FOUND, None, None
    customer = current_customer(session, sandbox)
    if customer is None:
        return CLOSE_FORBIDDEN, sandbox, None
    return 0, sandbox, customer


@database_sync_to_async
def _buyer_post(sandbox, customer, body):
    return message_pushes(chat_buyer_message(sandbox=sandbox, customer=customer, body=body))


class BuyerChatConsumer(ChatConsumer):
    """ws/s/<storefront_key>/chat/ — a logged-in buyer of that shop talks to its 客服."""

    async def connect(self):
        await self.accept()
        key = self.scope["url_route"]["kwargs"].get("storefront_key", "")
        code, self.sandbox, self.customer = await _buyer_identity(self.scope["session"], key)
        if code:
            await self.close(code)
            return
        self.sent_at: deque[float] = deque(maxlen=BUYER_RATE_COUNT)
        await self.join(buyer_group(self.sandbox.pk, self.customer.pk))
        self.ready = True

    def rate_exceeded(self) -> bool:
        now = time.monotonic()
        if len(self.sent_at) == BUYER_RATE_COUNT and now - self.sent_at[0] < BUYER_RATE_SECONDS:
            return True
        self.sent_at.append(now)
        return False

    async def receive_json(self, content, **kwargs):
        if content.get("type") != "message":
            await self.error(_("不支持的消息类型"))
            return
        if self.rate_exceeded():
            await self.error(_("发送太频繁，请稍后再试"))
            return
        try:
            pushes = await _buyer_post(self.sandbox, self.customer, content.get("body"))
        except ShopError as exc:
            await self.error(exc.message)
            return
        await pushes_send(pushes)


@database_sync_to_async
def _merchant_identity(scope):
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.has_perm("shop_sim.use_console"):
        return None
    # The same rule as the console's views: the active sandbox in the session, else the newest own.
    return resolve_console_sandbox(SimpleNamespace(user=user, session=scope["session"]))


@database_sync_to_async
def _merchant_action(sandbox, user, kind: str, session_id: int, body):
    session = ChatSession.objects.for_sandbox(sandbox).filter(pk=session_id).select_related("customer").first()
    if session is None:
        raise ShopError(_("会话不存在或不属于本店铺"))
    actor = Actor.merchant(user)
    if kind == "read":
        return read_pushes(chat_mark_read(sandbox=sandbox, actor=actor, session=session))
    message = chat_merchant_reply(sandbox=sandbox, actor=actor, session=session, body=body)
    return message_pushes([message])


class MerchantChatConsumer(ChatConsumer):
    """ws/console/chat/ — the 客服工作台 of the user's own sandbox."""

    async def connect(self):
        await self.accept()
        self.sandbox = await _merchant_identity(self.scope)
        if self.sandbox is None:
            await self.close(CLOSE_FORBIDDEN)
            return
        self.user = self.scope["user"]
        await self.join(merchant_group(self.sandbox.pk))
        self.ready = True

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind not in ("message", "read"):
            await self.error(_("不支持的消息类型"))
            return
        session_id = content.get("session_id")
        if isinstance(session_id, bool) or not isinstance(session_id, (int, str)) or not str(session_id).isdigit() \
                or len(str(session_id)) > 18:
            await self.error(_("请指定会话"))
            return
        try:
            pushes = await _merchant_action(self.sandbox, self.user, kind, int(session_id), content.get("body"))
        except ShopError as exc:
            await self.error(exc.message)
            return
        await pushes_send(pushes)
