"""Storefront routes (being built)."""

app_name = "storefront"
urlpatterns: list = []
