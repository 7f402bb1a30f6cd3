"""Response headers (issue #10 finding 7): a Permissions-Policy that denies the browser features no
page uses, and ``Cache-Control: no-store`` on HTML made for a signed-in user — without touching
static files, downloads that chose their own caching, or the recording ingest's JSON.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sandbox.exams.models import Exam, ExamPart, Registration
from sandbox.exams.services import sitting_start
from tests.unit.scenario_fixtures.helpers import catalog_use

pytestmark = pytest.mark.django_db

DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi", "display-capture",
          "clipboard-read", "publickey-credentials-get", "xr-spatial-tracking")


def _policy(response) -> dict[str, str]:
    header = response.get("Permissions-Policy", "")
    return dict(item.strip().split("=", 1) for item in header.split(",") if item.strip())


def _store_forbidden(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def signed_in(client, candidate, sandbox):
    client.force_login(candidate)
    return client


@pytest.mark.parametrize("path", ["/", "/login/", "/healthz", "/no-such-page/"])
def test_every_response_denies_the_features_no_page_uses(client, path):
    policy = _policy(client.get(path))
    for feature in DENIED:
        assert policy.get(feature) == "()", (feature, policy)
    assert policy["fullscreen"] == "(self)"  # the replay player's full-screen button


def test_a_signed_in_users_html_is_never_stored(signed_in):
    for path in (reverse("console:dashboard"), reverse("practice:practice_list"), "/no-such-page/"):
        response = signed_in.get(path)
        assert response["Content-Type"].startswith("text/html"), path
        assert _store_forbidden(response), (path, response.get("Cache-Control"))
        assert "Permissions-Policy" in response


def test_an_htmx_fragment_for_a_signed_in_user_is_never_stored(signed_in):
    response = signed_in.get(reverse("console:dashboard"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and _store_forbidden(response)


def test_anonymous_pages_keep_their_own_caching(client, sandbox):
    """The storefront is public: a shopper's page may be cached as before."""
    response = client.get(reverse("storefront:home", kwargs={"storefront_key": sandbox.storefront_key}))
    assert response.status_code == 200 and not _store_forbidden(response)


def test_static_files_stay_cacheable_for_a_signed_in_user(signed_in):
    response = signed_in.get("/static/site.js")
    assert response.status_code == 200
    assert not _store_forbidden(response) and "max-age" in response["Cache-Control"]
    response.close()


def test_never_cache_views_keep_djangos_header(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.fixture
def exam_world(settings, tmp_path, make_user):
    catalog_use(settings, tmp_path, "ship-and-memo")
    candidate, examiner = make_user("hdr_cand"), make_user("hdr_examiner", role="examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="响应头考试", duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=3), created_by=examiner, module_weight=0)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug="ship-and-memo")
    registration = Registration.objects.create(exam=exam, candidate=candidate, full_name="头", ticket_number="H1",
                                               id_number="110101199001019999")
    attempt = sitting_start(registration=registration, actor=candidate).tasks.get().attempt
    return candidate, examiner, exam, attempt


def test_downloads_keep_the_caching_they_chose(exam_world):
    _candidate, examiner, exam, _attempt = exam_world
    client = Client()
    client.force_login(examiner)
    response = client.get(reverse("review:export_csv", kwargs={"exam_id": exam.pk}))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")


def test_the_recording_ingest_answers_json_untouched(exam_world):
    candidate, _examiner, _exam, attempt = exam_world
    client = Client()
    client.force_login(candidate)
    batch = {"segment": "c" * 32, "seq": 0, "page_url": "/console/", "events": [
        {"type": 4, "timestamp": int(time.time() * 1000), "data": {"href": "http://x/", "width": 1, "height": 1}}]}
    response = client.post(reverse("recording:ingest", kwargs={"attempt_id": attempt.pk}), json.dumps(batch),
                           content_type="application/json")
    assert response.status_code == 200 and response.json() == {"ok": True, "stored": True, "seq": 0}
    assert response["Content-Type"] == "application/json" and "Cache-Control" not in response
