"""Faults the production stack must survive, on this machine's PostgreSQL (pytest-django's test
database) and Redis: the scenarios of bench/faults.py — the same functions ``make bench-faults``
times five times each — run once here and fail the suite when an expectation breaks.

- Redis SIGKILLed under a merchant and a buyer chatting across two replicas, then started again.
- The database cut (a TCP proxy closes every connection and refuses new ones) while a merchant saves.
- The replica serving the merchant's chat page SIGKILLed and started again.
- Under the widget: a buyer's message arriving as Redis dies is stored and echoed with a notice, or
  not stored at all.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from bench.faults import (database_outage, database_url_of, fault_shop, other_backends_terminate, redis_restart,
                          web_replica_restart_chat)


@pytest.fixture
def shop(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    yield fault_shop("fault_merchant")
    other_backends_terminate()  # killed processes' connections must not keep the test database busy


def test_chat_recovers_from_a_redis_restart_and_loses_no_message(tmp_path, shop):
    figures = redis_restart(shop, database_url=database_url_of(connection.settings_dict), work_dir=tmp_path)
    print(figures)
    # the figures themselves are asserted inside (each step waits at most RECOVERY_LIMIT_S); here: sane
    assert 0 < figures["healthz_recovery_s"] < figures["chat_recovery_s"] < 60, figures
    assert figures["missed_message_synced_s"] < 60, figures


@pytest.mark.parametrize("conn_max_age", [0, 60], ids=["connection-per-request", "persistent-connections"])
def test_a_database_outage_during_a_save_shows_503_saves_nothing_and_the_retry_saves_once(tmp_path, shop,
                                                                                           conn_max_age):
    """With persistent connections the cut also kills connections the processes hold: they must
    notice (CONN_HEALTH_CHECKS) and reconnect by themselves."""
    figures = database_outage(shop, database_url=database_url_of(connection.settings_dict),
                              redis_url=settings.REDIS_URL, work_dir=tmp_path,
                              extra_env={"DATABASE_CONN_MAX_AGE": conn_max_age})
    print(figures)
    assert 0 < figures["healthz_recovery_s"] <= figures["first_write_s"] < 60, figures
    assert figures["worker_survived"], "the grading worker exited in the outage (manage.py grading_worker waits it out)"
    if conn_max_age:
        assert figures["connections_cut"] > 0, "the web process held no connection: the variant tests nothing"


def test_chat_sockets_reconnect_after_their_replica_is_killed_and_restarted(tmp_path, shop):
    figures = web_replica_restart_chat(shop, database_url=database_url_of(connection.settings_dict),
                                       redis_url=settings.REDIS_URL, work_dir=tmp_path)
    print(figures)
    assert 0 < figures["reconnected_s"] <= figures["chat_recovery_s"] < 60, figures


def test_a_buyer_message_sent_as_redis_dies_is_either_stored_and_shown_or_never_stored(tmp_path, shop, settings):
    """The protocol-level invariant under the widget: a message the server stored while the live
    push failed comes back to its sender (with a notice); one the server could not take is not
    stored and the socket closes (chat.js then gives the text back). Never stored-but-silent."""
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator
    from django.contrib.sessions.backends.db import SessionStore

    from bench.faults import RedisServer
    from sandbox.asgi import application
    from shop_sim.models import ChatMessage, Customer
    from shop_sim.storefront.buyer import buyer_session_key

    customer = Customer.objects.create(sandbox_id=shop.sandbox_id, nickname="临界买家")
    store = SessionStore()
    store[buyer_session_key(shop.sandbox_id)] = customer.pk
    store.create()
    with RedisServer(tmp_path) as redis:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
            "hosts": [{"address": redis.url, "socket_timeout": 15, "socket_connect_timeout": 2}]}}}

        async def scenario(body: str):
            ws = WebsocketCommunicator(application, f"/ws/s/{shop.storefront_key}/chat/", headers=[
                (b"origin", b"http://testserver"), (b"cookie", f"sessionid={store.session_key}".encode())])
            assert (await ws.connect())[0]
            await ws.send_json_to({"type": "sync", "after": None})
            assert (await ws.receive_json_from(timeout=5))["type"] == "synced"
            redis.kill()
            await ws.send_json_to({"type": "message", "body": body})
            frames = []
            try:
                while True:
                    frame = await ws.receive_output(timeout=3)
                    frames.append(frame)
                    if frame["type"] == "websocket.close" or '"error"' in frame.get("text", ""):
                        break
            except Exception:  # noqa: BLE001 — went quiet, or the consumer ended (its layer receive failed)
                pass
            try:
                await ws.disconnect()
            except Exception:  # noqa: BLE001 — the application's own exit error (Redis is gone) surfaces here
                pass
            return frames

        import json

        for attempt in range(2):
            body = f"Redis挂掉那一刻的消息{attempt}"
            frames = async_to_sync(scenario)(body)
            texts = [json.loads(f["text"]) for f in frames if f.get("text")]
            stored = ChatMessage.objects.filter(sandbox_id=shop.sandbox_id, body=body).count()
            if stored:
                assert stored == 1
                assert any(t.get("type") == "message" and t["message"]["body"] == body for t in texts), texts
                assert any(t.get("type") == "error" and "消息已保存" in t["message"] for t in texts), texts
            else:
                assert not any(t.get("type") == "message" for t in texts), texts  # nothing shown as sent
            redis.start()
