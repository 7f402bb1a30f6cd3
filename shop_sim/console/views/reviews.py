"""Back-office views: reviews (being built)."""

urlpatterns: list = []
