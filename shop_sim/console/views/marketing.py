"""Back-office views: marketing (being built)."""

urlpatterns: list = []
