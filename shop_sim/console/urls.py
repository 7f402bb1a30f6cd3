"""Back-office routes. Every object id in a URL is looked up inside ``request.sandbox``.

URL kwargs name their model as ``<model_name>_id`` (e.g. ``order_id``) so the isolation sweep in
``tests/unit/test_isolation.py`` can fill them with another sandbox's ids automatically.
"""

from django.urls import include, path

from .views import catalog, chat, customers, dashboard, decoration, files, marketing, orders, reviews

app_name = "console"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("", include(catalog.urlpatterns)),
    path("", include(orders.urlpatterns)),
    path("", include(customers.urlpatterns)),
    path("", include(marketing.urlpatterns)),
    path("", include(reviews.urlpatterns)),
    path("", include(chat.urlpatterns)),
    path("", include(decoration.urlpatterns)),
    path("", include(files.urlpatterns)),
]
