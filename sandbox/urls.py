"""Top-level routes. The console takes its sandbox from the session, the storefront from its key."""

from django.contrib import admin
from django.urls import include, path, re_path

from sandbox.csp_report import csp_report
from sandbox.health import healthz, healthz_live
from sandbox.practice.media import public_media

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/live", healthz_live, name="healthz_live"),
    path("csp-report", csp_report, name="csp_report"),
    path("", include("sandbox.accounts.urls")),
    path("console/", include("shop_sim.console.urls")),
    path("practice/", include("sandbox.practice.urls")),
    path("exam/", include("sandbox.exams.urls")),
    path("sitting/", include("sandbox.workspace.urls")),
    path("replay/", include("sandbox.recording.urls")),
    path("review/", include("sandbox.review.urls")),
    path("statistics/", include("sandbox.statistics.urls")),
    path("s/<str:storefront_key>/", include("shop_sim.storefront.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Media is served by the app in the embedded default; production puts nginx in front. Grading
    # evidence (media/evidence/) is not public: practice_evidence serves it after a permission check.
    re_path(r"^media/(?P<path>.*)$", public_media),
]
