"""WebSocket routes: the buyer's chat on a storefront and the merchant's 客服 inbox."""

from django.urls import path

from .consumers import BuyerChatConsumer, MerchantChatConsumer

websocket_urlpatterns = [
    path("ws/s/<str:storefront_key>/chat/", BuyerChatConsumer.as_asgi()),
    path("ws/console/chat/", MerchantChatConsumer.as_asgi()),
]
