"""Pushing chat rows to open sockets through the channel layer (in-memory or Redis).

The database row is the truth; a push is best effort. Group names use only ASCII letters, digits
and hyphens and stay short, which both the in-memory and the Redis layer accept.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from shop_sim.models import ChatMessage, ChatSession

log = logging.getLogger(__name__)

PUSH_TYPE = "chat.push"  # the consumers' ``chat_push`` handler


def merchant_group(sandbox_id: int) -> str:
    """Every console tab of one shop."""
    return f"chat-merchant-{int(sandbox_id)}"


def buyer_group(sandbox_id: int, customer_id: int) -> str:
    """Every storefront tab of one buyer in one shop (the buyer's own session group)."""
    return f"chat-buyer-{int(sandbox_id)}-{int(customer_id)}"


def message_data(message: ChatMessage) -> dict:
    """One message as the widget and the inbox render it; the body is plain text (JS uses textContent)."""
    return {
        "id": message.pk,
        "sender": message.sender,
        "sender_label": str(ChatMessage.Sender(message.sender).label),
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "time": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


def session_data(session: ChatSession) -> dict:
    return {
        "id": session.pk,
        "customer": session.customer.nickname,
        "unread_count": session.unread_count,
    }


def message_pushes(messages: list[ChatMessage]) -> list[tuple[str, dict]]:
    """(group, payload) pairs for new messages: the shop's inbox and the buyer's widget. Sync code
    (reads the session's customer), so consumers call it through ``database_sync_to_async``."""
    pushes: list[tuple[str, dict]] = []
    for message in messages:
        session = message.session
        base = {"type": "message", "session_id": session.pk, "message": message_data(message)}
        pushes.append((merchant_group(message.sandbox_id), {**base, "session": session_data(session)}))
        pushes.append((buyer_group(message.sandbox_id, session.customer_id), base))
    return pushes


def read_pushes(session: ChatSession) -> list[tuple[str, dict]]:
    """Tell the shop's other console tabs a conversation was read, so their badges clear too."""
    return [(merchant_group(session.sandbox_id), {"type": "read", "session_id": session.pk})]


LAYER_TRIES = 3


async def layer_call(call):
    """``await call()``, again on failure, up to LAYER_TRIES times. After a Redis restart the
    layer's pooled connections are dead and each fails once before it is replaced: without a
    retry a push is lost although both ends are connected again, and a socket joining its group
    closes and waits for its backoff (tests/services/test_faults.py). A Redis that is really down
    refuses the new connections at once, and the last error reaches the caller. A retried push may
    arrive twice; pages drop a message id they already show."""
    for attempt in range(LAYER_TRIES):
        try:
            return await call()
        except Exception:  # noqa: BLE001 — redis-py's ConnectionError, OSError, timeouts
            if attempt == LAYER_TRIES - 1:
                raise


async def pushes_send(pushes: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, payload in pushes:
        await layer_call(lambda: layer.group_send(group, {"type": PUSH_TYPE, "payload": payload}))


def pushes_send_sync(pushes: list[tuple[str, dict]]) -> None:
    """From views and the simulator: deliver, and never fail the request when the layer is down."""
    try:
        async_to_sync(pushes_send)(pushes)
    except Exception:  # noqa: BLE001 — the rows are stored; a missed live push only delays the screen
        log.exception("chat push failed")


def chat_broadcast(messages: list[ChatMessage]) -> None:
    """Push messages created outside a socket (POST fallback, scripted buyers) to open sockets."""
    pushes_send_sync(message_pushes(messages))
