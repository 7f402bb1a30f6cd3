"""Back-office views: customers (being built)."""

urlpatterns: list = []
