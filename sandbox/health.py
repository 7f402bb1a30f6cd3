"""``/healthz``: is this web process able to serve — database reachable, channel layer reachable?

For load balancers and docker-compose health checks: 200 with what was checked, or 503 naming the
part that failed. No authentication and nothing about the data.

``/healthz/live``: is the process alive at all (liveness) — touches neither the database nor
Redis, so a database outage does not make an orchestrator restart healthy web processes. It is
also the "bare Django view" the load bench (bench/load.py) compares the back office against."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

LAYER_TIMEOUT_SECONDS = 2


async def _layer_ping() -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    channel = await asyncio.wait_for(layer.new_channel(), LAYER_TIMEOUT_SECONDS)
    await asyncio.wait_for(layer.send(channel, {"type": "health.ping"}), LAYER_TIMEOUT_SECONDS)
    await asyncio.wait_for(layer.receive(channel), LAYER_TIMEOUT_SECONDS)


@never_cache
@require_GET
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # any failure is the answer, not an error page
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        async_to_sync(_layer_ping)()
        checks["channel_layer"] = "ok"
    except Exception as exc:
        checks["channel_layer"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@never_cache
@require_GET
def healthz_live(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
