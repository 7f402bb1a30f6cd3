"""The two ends of 客服 chat: a buyer on the storefront and the merchant's inbox in the console.

Both accept the handshake before checking who is there and then close with an application code
(4404 unknown shop, 4403 not allowed): a close sent before accepting becomes a bare HTTP 403 that
browsers report as 1006, and the widget needs the real code to tell "please log in" from "no shop".
Errors in a message never close the socket: the client gets ``{"type": "error", "message": ...}``
in the language the person chose (the same cookie the pages follow).

Who may write is decided per frame, not once at connect: the scope keeps the session as it was loaded
at the handshake, so every frame re-reads the session from the store, and a socket whose merchant
logged out (the session flushed) or whose buyer signed out gets an error and is closed with 4403.
Whether the sandbox takes writes is the services' business: they pass the write gate, so after 交卷
or the deadline a message is refused with the gate's reason and nothing is stored or pushed.

Recovery (tests/services/test_faults.py): when Redis goes away the layer's receive fails and the
socket closes; chat.js reconnects with backoff and, on every (re)connection, asks for
``{"type": "sync", "after": <last message id it has>}`` — the server answers with the messages
stored since then, so nothing stored while the client was away stays invisible until a reload. A
message stored while the live push fails reaches its sender anyway (directly on its own socket)
with a notice that the other side sees it once the connection is back.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from shop_sim.models import ChatMessage, ChatSession, Sandbox
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.chat import chat_buyer_message, chat_mark_read, chat_merchant_reply
from shop_sim.storefront.buyer import buyer_session_key, current_customer
from shop_sim.tenancy import resolve_console_sandbox

from .broadcast import buyer_group, layer_call, merchant_group, message_pushes, pushes_send, read_pushes

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
BUYER_RATE_COUNT = 10
BUYER_RATE_SECONDS = 10.0
FRAME_MAX_BYTES = 16 * 1024
SYNC_MAX_MESSAGES = 200


class SignedOut(Exception):
    """The person this socket was opened for is no longer signed in to its session."""


def _chosen_language(scope) -> str:
    """As ``sandbox.middleware.ChosenLanguageMiddleware``: zh-hans unless the language cookie says otherwise."""
    chosen = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE


def _session_now(scope):
    """The socket's session as the store holds it now (a logout flushes it; the scope's copy is stale)."""
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=getattr(scope.get("session"), "session_key", None))


def _client_id(value) -> int | None:
    """An id a client sends (a sync cursor, a session id): a non-negative integer, as a JSON number or
    a digit string, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or len(str(value)) > 18:
        return None
    return int(value)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """Shared plumbing: JSON decoding that answers bad frames with an error, and group pushes."""

    own_group = ""  # the group whose payloads this socket shows (set in connect)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not getattr(self, "ready", False):
            return
        with translation.override(_chosen_language(self.scope)):
            try:
                await self.receive_frame(text_data)
            except SignedOut:
                await self.error(_("登录已失效，请重新登录"))
                self.ready = False
                await self.close(CLOSE_FORBIDDEN)

    async def receive_frame(self, text_data) -> None:
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

    @property
    def channel_receive(self):
        return self._channel_receive

    @channel_receive.setter
    def channel_receive(self, receive) -> None:
        # Set by Channels when the consumer starts: the layer read the consumer waits on, made
        # tolerant of the dead pooled connections a Redis restart leaves behind (see broadcast.layer_call).
        async def receive_retrying():
            return await layer_call(receive)

        self._channel_receive = receive_retrying

    async def join(self, group: str) -> None:
        # ``groups`` is what the base class discards on disconnect.
        self.groups.append(group)
        await layer_call(lambda: self.channel_layer.group_add(group, self.channel_name))

    async def chat_push(self, event: dict) -> None:
        await self.send_json(event["payload"])

    async def deliver(self, pushes: list[tuple[str, dict]]) -> None:
        """Push stored rows to every open socket; if the layer is down (Redis restarting), the row
        is stored all the same: show it to the sender on this socket and say the others get it on
        reconnection (their sync), never a silent loss."""
        try:
            await pushes_send(pushes)
        except Exception:  # noqa: BLE001 — the layer's failure modes are many (ConnectionError, timeouts, OSError)
            log.warning("chat push failed; the sender is told, the others sync on reconnection", exc_info=True)
            for group, payload in pushes:
                if group == self.own_group:
                    await self.send_json(payload)
            await self.error(_("消息已保存，但实时连接暂时中断：对方在连接恢复后即可看到。"))

    async def sync(self, content: dict) -> None:
        """``{"type": "sync", "after": N}``: the messages stored after N this socket's page should
        show (none for ``after: null``, the first connection), then ``{"type": "synced", "last_id"}``."""
        raw = content.get("after")
        after = None if raw is None else _client_id(raw)
        if raw is not None and after is None:
            await self.error(_("消息格式不正确"))
            return
        payloads, last_id = await self.sync_payloads(after)
        for payload in payloads:
            await self.send_json(payload)
        await self.send_json({"type": "synced", "last_id": last_id})


@database_sync_to_async
def _buyer_identity(session, storefront_key: str):
    sandbox = Sandbox.objects.filter(storefront_key=storefront_key, is_template=False).first()
    if sandbox is None:
        return CLOSE_NOT_FOUND, None, None
    customer = current_customer(session, sandbox)
    if customer is None:
        return CLOSE_FORBIDDEN, sandbox, None
    return 0, sandbox, customer


def _buyer_signed_in(scope, sandbox, customer) -> None:
    if _session_now(scope).get(buyer_session_key(sandbox.pk)) != customer.pk:
        raise SignedOut


@database_sync_to_async
def _buyer_post(scope, sandbox, customer, body):
    _buyer_signed_in(scope, sandbox, customer)
    return message_pushes(chat_buyer_message(sandbox=sandbox, customer=customer, body=body))


def _sync_rows(messages, after: int | None, group: str) -> tuple[list[dict], int]:
    """The payloads of ``group`` for ``messages`` with an id above ``after`` (oldest first, capped)
    and the newest id of ``messages`` (the client's next cursor)."""
    last_id = messages.order_by("-id").values_list("id", flat=True).first() or 0
    if after is None:
        return [], last_id
    rows = list(messages.filter(id__gt=after).select_related("session__customer").order_by("id")[:SYNC_MAX_MESSAGES])
    if len(rows) == SYNC_MAX_MESSAGES:
        last_id = rows[-1].pk  # the client asks again from there on its next connection
    return [payload for g, payload in message_pushes(rows) if g == group], last_id


@database_sync_to_async
def _buyer_sync(scope, sandbox, customer, after, group):
    _buyer_signed_in(scope, sandbox, customer)
    return _sync_rows(ChatMessage.objects.for_sandbox(sandbox).filter(session__customer=customer), after, group)


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
        self.own_group = buyer_group(self.sandbox.pk, self.customer.pk)
        await self.join(self.own_group)
        self.ready = True

    async def sync_payloads(self, after):
        return await _buyer_sync(self.scope, self.sandbox, self.customer, after, self.own_group)

    def rate_exceeded(self) -> bool:
        now = time.monotonic()
        if len(self.sent_at) == BUYER_RATE_COUNT and now - self.sent_at[0] < BUYER_RATE_SECONDS:
            return True
        self.sent_at.append(now)
        return False

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind not in ("message", "sync"):
            await self.error(_("不支持的消息类型"))
            return
        if self.rate_exceeded():
            await self.error(_("发送太频繁，请稍后再试"))
            return
        if kind == "sync":
            await self.sync(content)
            return
        try:
            pushes = await _buyer_post(self.scope, self.sandbox, self.customer, content.get("body"))
        except ShopError as exc:
            await self.error(exc.message)
            return
        await self.deliver(pushes)


@database_sync_to_async
def _merchant_identity(scope):
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.has_perm("shop_sim.use_console"):
        return None
    # The same rule as the console's views: the active sandbox in the session, else the newest own.
    return resolve_console_sandbox(SimpleNamespace(user=user, session=scope["session"]))


def _merchant_signed_in(scope, user) -> None:
    """The same user is still logged in to the socket's session (auth.get_user also checks the
    session hash, so a password change logs the socket out as it does the pages)."""
    now = auth.get_user(SimpleNamespace(session=_session_now(scope)))
    if not now.is_authenticated or now.pk != user.pk:
        raise SignedOut


@database_sync_to_async
def _merchant_action(scope, sandbox, user, kind: str, session_id: int, body):
    _merchant_signed_in(scope, user)
    session = ChatSession.objects.for_sandbox(sandbox).filter(pk=session_id).select_related("customer").first()
    if session is None:
        raise ShopError(_("会话不存在或不属于本店铺"))
    actor = Actor.merchant(user)
    if kind == "read":
        return read_pushes(chat_mark_read(sandbox=sandbox, actor=actor, session=session))
    message = chat_merchant_reply(sandbox=sandbox, actor=actor, session=session, body=body)
    return message_pushes([message])


@database_sync_to_async
def _merchant_sync(scope, sandbox, user, after, group):
    _merchant_signed_in(scope, user)
    return _sync_rows(ChatMessage.objects.for_sandbox(sandbox), after, group)


class MerchantChatConsumer(ChatConsumer):
    """ws/console/chat/ — the 客服工作台 of the user's own sandbox."""

    async def connect(self):
        await self.accept()
        self.sandbox = await _merchant_identity(self.scope)
        if self.sandbox is None:
            await self.close(CLOSE_FORBIDDEN)
            return
        self.user = self.scope["user"]
        self.own_group = merchant_group(self.sandbox.pk)
        await self.join(self.own_group)
        self.ready = True

    async def sync_payloads(self, after):
        return await _merchant_sync(self.scope, self.sandbox, self.user, after, self.own_group)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind not in ("message", "read", "sync"):
            await self.error(_("不支持的消息类型"))
            return
        if kind == "sync":
            await self.sync(content)
            return
        session_id = _client_id(content.get("session_id"))
        if session_id is None:
            await self.error(_("请指定会话"))
            return
        try:
            pushes = await _merchant_action(self.scope, self.sandbox, self.user, kind, session_id,
                                            content.get("body"))
        except ShopError as exc:
            await self.error(exc.message)
            return
        await self.deliver(pushes)
