"""WebSocket routes (being built)."""

websocket_urlpatterns: list = []
