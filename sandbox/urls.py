"""Top-level routes. The console takes its sandbox from the session, the storefront from its key."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("", include("sandbox.accounts.urls")),
    path("console/", include("shop_sim.console.urls")),
    path("s/<str:storefront_key>/", include("shop_sim.storefront.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Media is served by the app in the embedded default; production puts nginx in front.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
