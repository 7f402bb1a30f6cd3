"""The DOM recording of exam attempts: the ingest URL's validation and limits (and that a refused
batch stores nothing), idempotent retries, the merged events feed, the replay page's permission and
content, and the {% recorder %} tag that only exam pages in progress get."""

import json
import time
import zlib
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from sandbox.exams.models import Exam, ExamPart, Registration, SittingEvent
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.recording import services
from sandbox.recording.models import RecordingChunk
from sandbox.runtime.models import Attempt
from sandbox.runtime.services import attempt_start
from shop_sim.models import Product
from shop_sim.services.base import Actor
from shop_sim.services.catalog import category_create, product_set_status
from tests.unit.scenario_fixtures.helpers import catalog_use

pytestmark = pytest.mark.django_db
SLUG = "ship-and-memo"


@pytest.fixture
def catalog(settings, tmp_path):
    return catalog_use(settings, tmp_path, SLUG,
                       tasks={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})


@pytest.fixture
def exam(catalog, make_user):
    examiner = make_user("examiner_r", "examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操", duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=5), created_by=examiner)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="订单发货")
    return exam


def _sit(exam, user, ticket):
    registration = Registration.objects.create(exam=exam, candidate=user, full_name=f"考生{ticket}",
                                               id_number=f"1101011990010{ticket}", ticket_number=f"T{ticket}")
    return sitting_start(registration=registration, actor=user)


@pytest.fixture
def sitting(exam, candidate):
    return _sit(exam, candidate, "001")


@pytest.fixture
def attempt(sitting):
    return sitting.tasks.get().attempt


def now_ms() -> int:
    return int(time.time() * 1000)


def batch(seq=0, segment="a" * 32, events=None, **extra):
    body = {"segment": segment, "seq": seq, "page_url": "/console/products/?q=%E8%A1%A3",
            "events": events if events is not None else [
                {"type": 4, "timestamp": now_ms(), "data": {"href": "http://x/", "width": 1, "height": 1}},
                {"type": 2, "timestamp": now_ms(), "data": {"node": {}, "initialOffset": {}}},
                {"type": 3, "timestamp": now_ms() + 5, "data": {"source": 2, "type": 2, "id": 7}},
            ]}
    body.update(extra)
    return body


def post(client, attempt, body, *, raw=None, **headers):
    url = reverse("recording:ingest", kwargs={"attempt_id": attempt.pk})
    data = raw if raw is not None else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


@pytest.fixture
def cand_client(client, candidate):
    client.force_login(candidate)
    return client


# -- ingest: the happy path and idempotency --------------------------------------------------------

def test_a_batch_is_stored_compressed_with_its_bounds(cand_client, attempt):
    body = batch()
    response = post(cand_client, attempt, body)
    assert response.status_code == 200 and response.json() == {"ok": True, "stored": True, "seq": 0}
    chunk = RecordingChunk.objects.get()
    raw = json.dumps(body["events"], ensure_ascii=False, separators=(",", ":")).encode()
    assert chunk.attempt == attempt and chunk.segment == "a" * 32 and chunk.seq == 0
    assert chunk.page_url == "/console/products/?q=%E8%A1%A3" and chunk.event_count == 3
    assert chunk.first_ts == body["events"][0]["timestamp"] and chunk.last_ts == body["events"][2]["timestamp"]
    assert chunk.raw_bytes == len(raw) and bytes(chunk.data) == zlib.compress(raw, 6)
    assert json.loads(zlib.decompress(bytes(chunk.data))) == body["events"]


def test_a_retried_batch_is_acknowledged_not_stored_twice(cand_client, attempt):
    body = batch(seq=3)
    first, second = post(cand_client, attempt, body), post(cand_client, attempt, body)
    assert first.status_code == second.status_code == 200
    assert first.json()["stored"] is True and second.json()["stored"] is False
    assert RecordingChunk.objects.count() == 1
    # another seq, or the same seq of another page load, is new data
    assert post(cand_client, attempt, batch(seq=4)).json()["stored"] is True
    assert post(cand_client, attempt, batch(seq=3, segment="b" * 32)).json()["stored"] is True
    assert RecordingChunk.objects.count() == 3


# -- ingest: bad input, each refused with nothing stored ------------------------------------------

BAD_BODIES = {
    "missing segment": lambda: {k: v for k, v in batch().items() if k != "segment"},
    "segment too short": lambda: batch(segment="abc"),
    "segment upper case": lambda: batch(segment="A" * 32),
    "segment not a string": lambda: batch(segment=12345678901234567890123456789012),
    "seq negative": lambda: batch(seq=-1),
    "seq too large": lambda: batch(seq=100_001),
    "seq a string": lambda: batch(seq="1"),
    "seq a float": lambda: batch(seq=1.0),
    "seq a bool": lambda: batch(seq=True),
    "page_url absolute": lambda: batch(page_url="https://evil.example/console/"),
    "page_url protocol-relative": lambda: batch(page_url="//evil.example/console/"),
    "page_url javascript": lambda: batch(page_url="javascript:alert(1)"),
    "page_url too long": lambda: batch(page_url="/" + "a" * 500),
    "page_url with a newline": lambda: batch(page_url="/console/\nx"),
    "page_url not a string": lambda: batch(page_url=["/console/"]),
    "events empty": lambda: batch(events=[]),
    "events not a list": lambda: batch(events={"type": 2, "timestamp": now_ms()}),
    "too many events": lambda: batch(events=[{"type": 3, "timestamp": now_ms()}] * 5001),
    "event not an object": lambda: batch(events=[[3, now_ms()]]),
    "event type missing": lambda: batch(events=[{"timestamp": now_ms()}]),
    "event type out of range": lambda: batch(events=[{"type": 7, "timestamp": now_ms()}]),
    "event type a string": lambda: batch(events=[{"type": "3", "timestamp": now_ms()}]),
    "event type a bool": lambda: batch(events=[{"type": True, "timestamp": now_ms()}]),
    "timestamp missing": lambda: batch(events=[{"type": 3}]),
    "timestamp a float": lambda: batch(events=[{"type": 3, "timestamp": now_ms() + 0.5}]),
    "timestamp a string": lambda: batch(events=[{"type": 3, "timestamp": str(now_ms())}]),
    "timestamp two days ago": lambda: batch(events=[{"type": 3, "timestamp": now_ms() - 2 * 86_400_000}]),
    "timestamp tomorrow + 1 h": lambda: batch(events=[{"type": 3, "timestamp": now_ms() + 25 * 3_600_000}]),
    "timestamp in seconds": lambda: batch(events=[{"type": 3, "timestamp": int(time.time())}]),
    "an unknown key": lambda: batch(extra_field=1),
    "a list, not an object": lambda: [batch()],
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_batches_are_refused_with_a_message_and_nothing_stored(cand_client, attempt, case):
    response = post(cand_client, attempt, BAD_BODIES[case]())
    assert response.status_code == 400, response.content
    assert response.json()["ok"] is False and response.json()["error"]
    assert not RecordingChunk.objects.exists()


@pytest.mark.parametrize("raw", [b"not json", b"{\"segment\": ", "{}".encode("utf-16"), b"\xff\xfe\x00"])
def test_a_body_that_is_not_json_is_refused(cand_client, attempt, raw):
    response = post(cand_client, attempt, None, raw=raw)
    assert response.status_code == 400 and response.json()["ok"] is False
    assert not RecordingChunk.objects.exists()


def test_a_body_over_1_mb_is_refused_before_it_is_parsed(cand_client, attempt, monkeypatch):
    parsed = []
    from types import SimpleNamespace

    from sandbox.recording import views

    monkeypatch.setattr(views, "json", SimpleNamespace(loads=lambda *a, **k: parsed.append(1)))
    big = json.dumps(batch(events=[{"type": 3, "timestamp": now_ms(), "data": "x" * 1000}] * 1100))
    assert len(big) > 1024 * 1024
    response = post(cand_client, attempt, None, raw=big)
    assert response.status_code == 413 and "1 MB" in response.json()["error"]
    assert parsed == [] and not RecordingChunk.objects.exists()


def test_a_lying_content_length_does_not_get_past_the_limit(cand_client, attempt):
    big = json.dumps(batch(events=[{"type": 3, "timestamp": now_ms(), "data": "x" * 1000}] * 1100))
    response = post(cand_client, attempt, None, raw=big, CONTENT_LENGTH="100")
    assert response.status_code in (400, 413) and not RecordingChunk.objects.exists()


def test_only_post_and_only_with_the_csrf_token(client, candidate, attempt):
    client.force_login(candidate)
    url = reverse("recording:ingest", kwargs={"attempt_id": attempt.pk})
    assert client.get(url).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(candidate)
    assert strict.post(url, data=json.dumps(batch()), content_type="application/json").status_code == 403
    strict.get(reverse("console:dashboard"))
    token = strict.cookies["csrftoken"].value
    ok = strict.post(url, data=json.dumps(batch()), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200 and RecordingChunk.objects.count() == 1


# -- ingest: whose attempt, and when ---------------------------------------------------------------

def test_anonymous_gets_403_json_not_a_login_redirect(client, attempt):
    response = post(client, attempt, batch())
    assert response.status_code == 403 and response.json()["ok"] is False
    assert not RecordingChunk.objects.exists()


def test_another_candidates_attempt_is_404(client, make_user, exam, attempt):
    other = make_user("cand_b")
    _sit(exam, other, "002")
    client.force_login(other)
    response = post(client, attempt, batch())
    assert response.status_code == 404 and not RecordingChunk.objects.exists()


def test_an_unknown_attempt_is_404(cand_client, attempt):
    response = cand_client.post(reverse("recording:ingest", kwargs={"attempt_id": attempt.pk + 999}),
                                data=json.dumps(batch()), content_type="application/json")
    assert response.status_code == 404


def test_a_practice_attempt_is_not_recorded(cand_client, candidate, catalog):
    practice = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3)
    assert practice.mode == Attempt.Mode.PRACTICE
    response = post(cand_client, practice, batch())
    assert response.status_code == 404 and not RecordingChunk.objects.exists()


def test_after_the_deadline_409_and_nothing_stored(cand_client, attempt, sitting):
    exam = sitting.registration.exam
    type(sitting).objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=exam.duration_minutes + 1))
    response = post(cand_client, attempt, batch())
    assert response.status_code == 409 and "时间已到" in response.json()["error"]
    assert not RecordingChunk.objects.exists()


def test_after_submit_409_and_nothing_stored(cand_client, candidate, attempt, sitting):
    sitting_submit(sitting=sitting, actor=candidate)
    response = post(cand_client, attempt, batch())
    assert response.status_code == 409 and "交卷" in response.json()["error"]
    assert not RecordingChunk.objects.exists()


def test_a_batch_stored_before_submit_is_still_acknowledged_after(cand_client, candidate, attempt, sitting):
    body = batch(seq=9)
    assert post(cand_client, attempt, body).status_code == 200
    sitting_submit(sitting=sitting, actor=candidate)
    again = post(cand_client, attempt, body)
    assert again.status_code == 200 and again.json()["stored"] is False
    assert post(cand_client, attempt, batch(seq=10)).status_code == 409
    assert RecordingChunk.objects.count() == 1


# -- ingest: rate limit and cap --------------------------------------------------------------------

def test_rate_limit_120_batches_a_minute(cand_client, attempt, monkeypatch):
    monkeypatch.setattr(services, "MAX_BATCHES_PER_MINUTE", 5)
    for seq in range(5):
        assert post(cand_client, attempt, batch(seq=seq)).status_code == 200
    refused = post(cand_client, attempt, batch(seq=5))
    assert refused.status_code == 429 and refused.json()["error"]
    assert RecordingChunk.objects.count() == 5
    # a minute later the window has moved on
    RecordingChunk.objects.update(received_at=timezone.now() - timedelta(seconds=61))
    assert post(cand_client, attempt, batch(seq=5)).status_code == 200


def test_the_default_limits_are_the_documented_ones():
    assert services.MAX_BATCHES_PER_MINUTE == 120 and services.MAX_RAW_BYTES_PER_ATTEMPT == 50 * 1024 * 1024


def test_cap_on_raw_bytes_per_attempt(cand_client, attempt, monkeypatch):
    first = batch(seq=0)
    size = len(json.dumps(first["events"], ensure_ascii=False, separators=(",", ":")).encode())
    monkeypatch.setattr(services, "MAX_RAW_BYTES_PER_ATTEMPT", size * 2 + 10)
    assert post(cand_client, attempt, first).status_code == 200
    assert post(cand_client, attempt, batch(seq=1)).status_code == 200
    refused = post(cand_client, attempt, batch(seq=2))
    assert refused.status_code == 413 and "上限" in refused.json()["error"]
    assert RecordingChunk.objects.count() == 2


# -- events.json -----------------------------------------------------------------------------------

def _store(attempt, segment, seq, events):
    return services.recording_chunk_store(attempt=attempt, segment=segment, seq=seq, page_url="/console/",
                                          events=events)


def test_events_feed_merges_chunks_and_page_loads_in_time_order(client, make_user, attempt):
    t = now_ms()
    seg_a, seg_b = "a" * 32, "b" * 32
    # stored out of order: page B's batch first, page A's second batch before its first
    _store(attempt, seg_b, 0, [{"type": 4, "timestamp": t + 100, "data": {}}, {"type": 2, "timestamp": t + 100, "data": {}},
                               {"type": 3, "timestamp": t + 150, "data": {"n": "b1"}}])
    _store(attempt, seg_a, 1, [{"type": 3, "timestamp": t + 40, "data": {"n": "a2"}}])
    _store(attempt, seg_a, 0, [{"type": 4, "timestamp": t, "data": {}}, {"type": 2, "timestamp": t, "data": {}},
                               {"type": 3, "timestamp": t + 20, "data": {"n": "a1"}}])
    client.force_login(make_user("kp", "examiner"))
    response = client.get(reverse("recording:events", kwargs={"attempt_id": attempt.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    events = response.json()
    assert [(e["type"], e["timestamp"] - t) for e in events] == [(4, 0), (2, 0), (3, 20), (3, 40), (4, 100), (2, 100), (3, 150)]


def test_events_feed_is_gzipped_for_a_browser_that_takes_it(client, make_user, attempt):
    _store(attempt, "a" * 32, 0, [{"type": 3, "timestamp": now_ms(), "data": {"x": "y" * 500}}] * 20)
    client.force_login(make_user("kp", "examiner"))
    response = client.get(reverse("recording:events", kwargs={"attempt_id": attempt.pk}), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


def test_events_feed_of_an_attempt_without_recording_is_an_empty_list(client, make_user, attempt):
    client.force_login(make_user("kp", "examiner"))
    assert client.get(reverse("recording:events", kwargs={"attempt_id": attempt.pk})).json() == []


# -- the replay page -------------------------------------------------------------------------------

@pytest.mark.parametrize("url_name", ["recording:replay", "recording:events"])
def test_candidates_may_not_open_a_replay_not_even_their_own(cand_client, attempt, url_name):
    assert cand_client.get(reverse(url_name, kwargs={"attempt_id": attempt.pk})).status_code == 403


@pytest.mark.parametrize("role,status", [("examiner", 200), ("admin", 200), ("trainer", 403)])
def test_only_exam_reviewers_open_the_replay(client, make_user, attempt, role, status):
    client.force_login(make_user(f"u_{role}", role))
    for url_name in ("recording:replay", "recording:events"):
        assert client.get(reverse(url_name, kwargs={"attempt_id": attempt.pk})).status_code == status


def test_anonymous_is_sent_to_log_in(client, attempt):
    response = client.get(reverse("recording:replay", kwargs={"attempt_id": attempt.pk}))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_practice_attempt_or_unknown_id_has_no_replay(client, make_user, candidate, catalog, attempt):
    practice = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3)
    client.force_login(make_user("kp", "examiner"))
    for attempt_id in (practice.pk, attempt.pk + 999):
        assert client.get(reverse("recording:replay", kwargs={"attempt_id": attempt_id})).status_code == 404
        assert client.get(reverse("recording:events", kwargs={"attempt_id": attempt_id})).status_code == 404


def test_replay_page_shows_candidate_journal_and_state_changes(client, make_user, candidate, attempt, sitting):
    sandbox = attempt.instance.sandbox
    product = Product.objects.for_sandbox(sandbox).filter(status="on_sale").order_by("pk").first()
    product_set_status(sandbox=sandbox, actor=Actor.merchant(candidate), product=product, status="in_warehouse")
    category_create(sandbox=sandbox, actor=Actor.merchant(candidate), name="<img src=x onerror=alert(1)>")
    _store(attempt, "a" * 32, 0, [{"type": 4, "timestamp": now_ms(), "data": {}}, {"type": 2, "timestamp": now_ms(), "data": {}}])
    client.force_login(make_user("kp", "examiner"))
    response = client.get(reverse("recording:replay", kwargs={"attempt_id": attempt.pk}))
    html = response.content.decode()
    assert "考生001" in html and "T001" in html  # examiners see who it is
    assert 'id="player"' in html and "data-events-url" in html and "rrweb-player.min.js" in html
    # the journal: the shop's events and the exam's own, each a button that jumps the player
    assert SittingEvent.objects.filter(sitting=sitting, action="started").exists()
    # …by their labels, never their codes (the code stays in data-action for tests and tools)
    for code, label in (("started", "开始考试"), ("product.status", "宝贝上架/下架"), ("category.create", "新建分类")):
        assert f'<span class="action" data-action="{code}">{label}</span>' in html, code
    assert html.count('class="jump"') >= 3
    # the product's status change reads 出售中 → 仓库中, not on_sale → in_warehouse
    journal_html = html[html.index('id="journal"'):html.index("changes-heading")]
    assert "出售中" in journal_html and "仓库中" in journal_html
    assert "on_sale" not in journal_html and "in_warehouse" not in journal_html
    # the state diff: the product's status before → after, and the added category, escaped
    section = html[html.index("changes-heading"):]
    assert "出售中" in section and "仓库中" in section and "新增" in section and "&lt;img src=x onerror=alert(1)&gt;" in section
    assert "on_sale" not in section and "in_warehouse" not in section
    assert "<img src=x onerror" not in html


def test_replay_without_recording_says_so_and_still_shows_the_journal(client, make_user, attempt):
    client.force_login(make_user("kp", "examiner"))
    html = client.get(reverse("recording:replay", kwargs={"attempt_id": attempt.pk})).content.decode()
    assert "没有录像" in html and "rrweb-player.min.js" not in html
    assert 'data-action="started">开始考试<' in html  # the sitting's journal


# -- {% recorder %} --------------------------------------------------------------------------------

def _render_tag(user, sandbox):
    request = RequestFactory().get("/console/")
    request.user, request.sandbox = user, sandbox
    request.session = {}
    return Template("{% load recording %}{% recorder %}").render(Context({"request": request}))


def test_recorder_renders_on_an_exam_sandbox_in_progress(candidate, attempt, django_assert_max_num_queries):
    sandbox = attempt.instance.sandbox
    _render_tag(candidate, sandbox)  # the first page learns (and caches) that this is an exam sandbox
    with django_assert_max_num_queries(1):
        html = _render_tag(candidate, sandbox)
    assert "vendor/rrweb/record.min.js" in html and "recording/recorder.js" in html
    assert f'data-attempt="{attempt.pk}"' in html
    assert f'data-ingest-url="/replay/ingest/{attempt.pk}/"' in html
    import re

    segments = {re.search(r'data-segment="([0-9a-f]{32})"', _render_tag(candidate, sandbox)).group(1) for _ in range(3)}
    assert len(segments) == 3  # a fresh segment per page load


def test_recorder_renders_nothing_elsewhere(candidate, make_user, make_sandbox, catalog, attempt, sitting,
                                            django_assert_max_num_queries):
    examiner = make_user("kp", "examiner")
    practice = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3)
    demo = make_sandbox(owner=candidate, name="演示店")
    from django.contrib.auth.models import AnonymousUser

    cases = [(examiner, attempt.instance.sandbox), (candidate, practice.instance.sandbox), (candidate, demo),
             (candidate, None), (AnonymousUser(), attempt.instance.sandbox)]
    for user, sandbox in cases:
        _render_tag(user, sandbox)  # the first page learns (and caches) whether it is an exam sandbox
        with django_assert_max_num_queries(1):
            assert _render_tag(user, sandbox) == ""
    for sandbox in (practice.instance.sandbox, demo):
        with django_assert_max_num_queries(0):  # not an exam sandbox: no query at all
            assert _render_tag(candidate, sandbox) == ""
    # past the deadline, and after submit
    exam = sitting.registration.exam
    type(sitting).objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=exam.duration_minutes + 1))
    assert _render_tag(candidate, attempt.instance.sandbox) == ""
    type(sitting).objects.filter(pk=sitting.pk).update(started_at=timezone.now())
    assert _render_tag(candidate, attempt.instance.sandbox) != ""
    sitting_submit(sitting=sitting, actor=candidate)
    assert _render_tag(candidate, attempt.instance.sandbox) == ""


def test_console_pages_of_the_exam_sandbox_carry_the_recorder(cand_client, attempt):
    html = cand_client.get(reverse("console:dashboard")).content.decode()
    assert "recording/recorder.js" in html and f'data-attempt="{attempt.pk}"' in html


def test_blind_replay_leaves_out_who_the_candidate_is(client, make_user, candidate, attempt):
    sandbox = attempt.instance.sandbox
    category_create(sandbox=sandbox, actor=Actor.merchant(candidate), name="新分类")
    client.force_login(make_user("kp", "examiner"))
    url = reverse("recording:replay", kwargs={"attempt_id": attempt.pk})
    named = client.get(url).content.decode()
    assert "考生001" in named and "merchant:cand_a" in named
    blind = client.get(url + "?blind=1").content.decode()
    assert "考生001" not in blind and "T001" not in blind and "cand_a" not in blind
    assert "category.create" in blind and "merchant:考生" in blind
