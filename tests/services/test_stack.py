"""Guard: this suite must really run on PostgreSQL and Redis, never silently on the defaults."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from channels.layers import get_channel_layer
from django.db import connection


def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_channel_layer_is_redis_and_delivers_to_a_group():
    layer = get_channel_layer()
    assert type(layer).__module__.startswith("channels_redis")

    async def roundtrip():
        channel = await layer.new_channel()
        await layer.group_add("services-suite-check", channel)
        await layer.group_send("services-suite-check", {"type": "ping", "n": 7})
        message = await layer.receive(channel)
        await layer.group_discard("services-suite-check", channel)
        return message

    # a fresh thread: Playwright's sync API may have left an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, roundtrip()).result(timeout=10) == {"type": "ping", "n": 7}


def test_an_idle_receive_outlives_the_blocking_read():
    """Regression: redis-py 8's default 5 s read timeout equals channels-redis's 5 s BZPOPMIN, so an
    idle consumer (a merchant's open inbox) crashed after 5 s. Idle for 7 s, then a message."""
    layer = get_channel_layer()

    async def idle_then_message():
        channel = await layer.new_channel()

        async def later():
            await asyncio.sleep(7)
            await layer.send(channel, {"type": "late", "n": 1})

        sender = asyncio.create_task(later())
        message = await asyncio.wait_for(layer.receive(channel), 20)
        await sender
        return message

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, idle_then_message()).result(timeout=30) == {"type": "late", "n": 1}
