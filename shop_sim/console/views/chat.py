"""Back-office views: chat (being built)."""

urlpatterns: list = []
