"""Back-office views: catalog (being built)."""

urlpatterns: list = []
