"""Storefront routes, mounted at /s/<storefront_key>/ (the key resolves the sandbox).

Object ids are named ``<model_name>_id`` like the console's, and are looked up inside the
storefront's sandbox (orders and cart lines also inside the current buyer).
"""

from django.urls import path

from . import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("all/", views.all_products, name="all_products"),
    path("category/<int:category_id>/", views.category, name="category"),
    path("search/", views.search, name="search"),
    path("item/<int:product_id>/", views.product, name="product"),
    path("item/<int:product_id>/buy/", views.cart_add, name="cart_add"),
    path("login/", views.buyer_login, name="buyer_login"),
    path("logout/", views.buyer_logout, name="buyer_logout"),
    path("buyer-pass/", views.buyer_pass, name="buyer_pass"),
    path("cart/", views.cart, name="cart"),
    path("cart/<int:cartitem_id>/update/", views.cart_update, name="cart_update"),
    path("cart/<int:cartitem_id>/remove/", views.cart_remove, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/summary/", views.checkout_summary, name="checkout_summary"),
    path("orders/", views.buyer_orders, name="buyer_orders"),
    path("orders/<int:order_id>/", views.buyer_order, name="buyer_order"),
    path("orders/<int:order_id>/pay/", views.order_pay, name="order_pay"),
    path("orders/<int:order_id>/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<int:order_id>/refund/", views.refund_request, name="refund_request"),
    path("orders/<int:order_id>/refunds/<int:refund_id>/return/", views.refund_return_ship,
         name="refund_return_ship"),
]
