"""Back-office views: orders (being built)."""

urlpatterns: list = []
