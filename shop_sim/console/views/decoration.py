"""Back-office views: decoration (being built)."""

urlpatterns: list = []
