"""考评 (examiner review) pages: permissions and scoping, the live board (queries, extra time), results
(publish, export), an attempt's report with evidence and regrade (a real dry run), manual scoring
(anonymous, stable order) and 成绩复核 — and what each refusal must NOT write.

The exam's only task is the fixture scenario ship-and-memo (state, text and one manual criterion,
no browser), so every report here comes from the real grader.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sandbox.accounts.models import LoginThrottle, LoginUnlock
from sandbox.exams.models import (
    Exam, ExamPart, ManualScore, RegradePreview, Registration, ScoreReview, Sitting, SittingEvent,
)
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.review import services
from sandbox.review.services import ReviewError
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import attempt_grade, evidence_dir_for
from tests.unit.scenario_fixtures.helpers import catalog_use, edit, run_script

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(settings, tmp_path):
    """A scratch catalog with ship-and-memo (the task backend stays the one each test chooses)."""
    return catalog_use(settings, tmp_path, "ship-and-memo")
SLUG = "ship-and-memo"
MANUAL = "service_attitude"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def url(name, **kwargs):
    return reverse(f"review:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Queued tasks run at once (after the commit: see django_capture_on_commit_callbacks)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def examiner(make_user):
    return make_user("kaoping", "examiner")


@pytest.fixture
def ex(client, examiner):
    client.force_login(examiner)
    return client


def _exam(examiner, name="四级实操考试", **kwargs) -> Exam:
    now = timezone.now()
    exam = Exam.objects.create(name=name, duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=3), created_by=examiner, module_weight=0, **kwargs)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="订单发货", weight=Decimal("1"))
    return exam


@pytest.fixture
def exam(catalog, examiner):
    return _exam(examiner)


@pytest.fixture
def enrol(make_user):
    counter = iter(range(1, 1000))

    def _enrol(exam, full_name=None) -> Registration:
        n = next(counter)
        user = make_user(f"cand{exam.pk}x{n}")
        return Registration.objects.create(exam=exam, candidate=user, full_name=full_name or f"考生{n}号",
                                           id_number=f"11010119900101{n:04d}", ticket_number=f"T{exam.pk:03d}{n:04d}")

    return _enrol


def _sit(registration) -> Sitting:
    return sitting_start(registration=registration, actor=registration.candidate)


def _attempt(sitting) -> Attempt:
    return sitting.tasks.get().attempt


def _graded(registration, *, solve=False) -> Attempt:
    """Sit, (optionally do the work,) submit and grade for real: report version 1."""
    sitting = _sit(registration)
    attempt = _attempt(sitting)
    if solve:
        run_script(_folder() / "solution.py", attempt.instance)
    sitting_submit(sitting=sitting, actor=registration.candidate)
    attempt_grade(attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def _folder():
    from task_scenarios.loader import catalog_root

    return catalog_root() / SLUG


def _manual(attempt, examiner, level="优秀", comment="备注清楚"):
    return services.manual_score_record(attempt=attempt, criterion_id=MANUAL, level=level, comment=comment,
                                        examiner=examiner)


# -- permissions and scoping ------------------------------------------------------------------------

@pytest.fixture
def world(exam, enrol, examiner):
    """One graded attempt in ``exam`` and one in another exam, with a review request each."""
    registration = enrol(exam, "张三丰")
    attempt = _graded(registration)
    other_exam = _exam(examiner, name="另一场考试")
    other_registration = enrol(other_exam, "李四")
    other_attempt = _graded(other_registration)
    review = ScoreReview.objects.create(registration=registration, reason="请复核")
    other_review = ScoreReview.objects.create(registration=other_registration, reason="请复核")
    preview = RegradePreview.objects.create(attempt=attempt, requested_by=examiner, status="done",
                                            result={"criteria": [], "total": "0", "max": "10"})
    other_preview = RegradePreview.objects.create(attempt=other_attempt, requested_by=examiner, status="done",
                                                  result={"criteria": [], "total": "0", "max": "10"})
    return {"exam": exam, "registration": registration, "attempt": attempt, "review": review, "preview": preview,
            "other_exam": other_exam, "other_registration": other_registration, "other_attempt": other_attempt,
            "other_review": other_review, "other_preview": other_preview}


def _urls(w, *, other=False):
    """(method, url) of every review URL, with the other exam's objects under this exam when ``other``."""
    e = w["exam"].pk
    a = (w["other_attempt"] if other else w["attempt"]).pk
    r = (w["other_registration"] if other else w["registration"]).pk
    v = (w["other_review"] if other else w["review"]).pk
    p = (w["other_preview"] if other else w["preview"]).pk
    scoped = [
        ("post", url("extra_time", exam_id=e, registration_id=r)),
        ("post", url("login_unlock", exam_id=e, registration_id=r)),
        ("get", url("attempt_detail", exam_id=e, attempt_id=a)),
        ("get", url("evidence", exam_id=e, attempt_id=a, version=1, criterion="ship_orders", filename="s.png")),
        ("post", url("regrade_preview", exam_id=e, attempt_id=a)),
        ("get", url("regrade_status", exam_id=e, attempt_id=a)),
        ("post", url("regrade_confirm", exam_id=e, attempt_id=a, preview_id=p)),
        ("post", url("manual_score", exam_id=e, criterion_id=MANUAL, attempt_id=a)),
        ("post", url("criterion_settle", exam_id=e, attempt_id=a, criterion_id="ship_orders")),
        ("post", url("review_resolve", exam_id=e, scorereview_id=v)),
    ]
    if other:
        return scoped
    return [("get", url("exam_list")), ("get", url("board", exam_id=e)), ("get", url("board_rows", exam_id=e)),
            ("get", url("results", exam_id=e)), ("get", url("publish", exam_id=e)), ("post", url("publish", exam_id=e)),
            ("get", url("export_xlsx", exam_id=e)), ("get", url("export_csv", exam_id=e)),
            ("get", url("manual_list", exam_id=e)), ("get", url("manual_criterion", exam_id=e, criterion_id=MANUAL)),
            ("get", url("reviews", exam_id=e)), *scoped]


def _state():
    return (Exam.objects.filter(results_published_at__isnull=False).count(), ManualScore.objects.count(),
            RegradePreview.objects.count(), AttemptReport.objects.count(),
            ScoreReview.objects.filter(status="open").count(), SittingEvent.objects.count(),
            list(Registration.objects.values_list("extra_minutes", flat=True)), LoginUnlock.objects.count())


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for method, target in _urls(world):
        response = getattr(client, method)(target)
        assert response.status_code == 302 and "/login/" in response["Location"], target


@pytest.mark.parametrize("role", ["candidate", "trainer"])
def test_candidates_and_trainers_are_refused_and_nothing_changes(client, make_user, world, role):
    client.force_login(make_user(f"someone_{role}", role))
    before = _state()
    for method, target in _urls(world):
        assert getattr(client, method)(target, {"extra-1-minutes": "5"}).status_code == 403, target
    assert _state() == before


def test_manual_scoring_needs_the_grade_manually_permission(client, make_user, world):
    from django.contrib.auth.models import Permission

    user = make_user("reviewer_only", "candidate")
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="review_exams"))
    client.force_login(user)
    e = world["exam"].pk
    assert client.get(url("board", exam_id=e)).status_code == 200
    assert client.get(url("manual_list", exam_id=e)).status_code == 403
    response = client.post(url("manual_score", exam_id=e, criterion_id=MANUAL, attempt_id=world["attempt"].pk),
                           {f"m{world['attempt'].pk}-level": "优秀"})
    assert response.status_code == 403 and not ManualScore.objects.exists()


def test_another_exams_objects_are_404_and_nothing_changes(ex, world):
    before = _state()
    for method, target in _urls(world, other=True):
        response = getattr(ex, method)(target, {"extra-1-minutes": "5", "r1-outcome": "unchanged",
                                                "r1-resolution": "x"})
        assert response.status_code == 404, target
    assert _state() == before
    assert ex.get(url("board", exam_id=999999)).status_code == 404


# -- exams list and board ---------------------------------------------------------------------------

def test_the_exams_list_counts_registered_started_submitted_graded(ex, exam, enrol):
    enrol(exam)
    _sit(enrol(exam))
    _graded(enrol(exam))
    sitting = _sit(enrol(exam))
    sitting_submit(sitting=sitting, actor="x")  # submitted, not graded
    page = html(ex.get(url("exam_list")))
    assert exam.name in page and "四级 / 中级工" in page and "未发布" in page
    assert "<td>4</td><td>3</td><td>2</td><td>1</td>" in page


def test_the_board_shows_each_candidate_status_progress_and_time_left(ex, exam, enrol):
    waiting = enrol(exam, "未开考")
    working = enrol(exam, "作答者")
    sitting = _sit(working)
    graded = enrol(exam, "已评者")
    _graded(graded)
    page = html(ex.get(url("board", exam_id=exam.pk)))
    rows = {r.ticket_number: page.split(f'data-ticket="{r.ticket_number}"')[1].split("</tr>")[0]
            for r in (waiting, working, graded)}
    assert "未开始" in rows[waiting.ticket_number] and "—" in rows[waiting.ticket_number]
    assert "作答中" in rows[working.ticket_number] and "0/1" in rows[working.ticket_number]
    left = sitting.deadline - timezone.now()
    assert f"1:{int(left.total_seconds()) % 3600 // 60:02d}:" in rows[working.ticket_number]
    assert "已评分" in rows[graded.ticket_number] and "1/1" in rows[graded.ticket_number]
    assert 'hx-trigger="every 5s' in page and url("board_rows", exam_id=exam.pk) in page
    for label in ("延长分钟数", "原因"):
        assert f">{label}" in page
    partial = html(ex.get(url("board_rows", exam_id=exam.pk)))
    assert partial.startswith("<tbody") and "作答中" in partial and "<html" not in partial


def test_the_board_counts_the_candidates_shop_events(ex, exam, enrol):
    from shop_sim.models import ShopEvent

    registration = enrol(exam)
    attempt = _attempt(_sit(registration))
    events = ShopEvent.objects.filter(sandbox=attempt.instance.sandbox).exclude(action="sandbox.provision")
    assert events.count() == 0
    assert "<td>0</td>" in html(ex.get(url("board", exam_id=exam.pk))).split('data-ticket="')[1].split("</tr>")[0]
    run_script(_folder() / "solution.py", attempt.instance)
    after = events.count()
    assert after > 0
    row = html(ex.get(url("board", exam_id=exam.pk))).split('data-ticket="')[1].split("</tr>")[0]
    assert f"<td>{after}</td>" in row


def test_the_board_auto_submits_sittings_whose_time_is_up(ex, exam, enrol):
    registration = enrol(exam)
    sitting = _sit(registration)
    Sitting.objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=91))
    page = html(ex.get(url("board", exam_id=exam.pk)))
    sitting.refresh_from_db()
    assert sitting.status == "submitted" and sitting.auto_submitted
    assert "已交卷" in page and "自动交卷" in page


def test_the_board_costs_the_same_queries_for_one_or_many_candidates(ex, exam, enrol,
                                                                     django_assert_max_num_queries):
    _sit(enrol(exam))
    with django_assert_max_num_queries(12) as one:
        assert ex.get(url("board", exam_id=exam.pk)).status_code == 200
    for _ in range(4):
        _sit(enrol(exam))
    _graded(enrol(exam))
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = html(ex.get(url("board", exam_id=exam.pk)))
    assert page.count("data-ticket=") == 6
    with django_assert_max_num_queries(len(one.captured_queries)):
        ex.get(url("board_rows", exam_id=exam.pk))


def test_granting_extra_time_moves_the_deadline_and_is_journaled(ex, exam, enrol, examiner):
    registration = enrol(exam)
    sitting = _sit(registration)
    deadline = sitting.deadline
    response = ex.post(url("extra_time", exam_id=exam.pk, registration_id=registration.pk),
                       {f"extra-{registration.pk}-minutes": "15", f"extra-{registration.pk}-reason": "断网 15 分钟"})
    assert response.status_code == 302 and response["Location"] == url("board", exam_id=exam.pk)
    registration.refresh_from_db()
    sitting = Sitting.objects.get(pk=sitting.pk)
    assert registration.extra_minutes == 15 and sitting.deadline == deadline + timedelta(minutes=15)
    event = SittingEvent.objects.get(sitting=sitting, action="extra_time")
    assert event.actor == examiner.username and event.detail["minutes"] == 15 and event.detail["reason"] == "断网 15 分钟"
    assert "已延长 15 分钟" in html(ex.get(url("board", exam_id=exam.pk)))


def _wrong_ticket_tries(client, registration, n=5):
    """A neighbour in the hall types someone else's ticket number with wrong ID numbers."""
    for _ in range(n):
        client.post(reverse("exams:ticket_login"), {"ticket_number": registration.ticket_number,
                                                    "id_number": "110105199003071230"}, REMOTE_ADDR="10.0.0.7")


def test_an_examiner_unlocks_a_candidates_login_from_the_board_and_it_is_journaled(
        client, make_user, settings, exam, enrol, examiner):
    settings.LOGIN_STEP_DELAY_SECONDS = 60
    registration, other = enrol(exam), enrol(exam)
    _sit(other)
    _wrong_ticket_tries(client, registration)
    refused = client.post(reverse("exams:ticket_login"), {"ticket_number": registration.ticket_number,
                                                          "id_number": registration.id_number}, REMOTE_ADDR="10.0.0.7")
    assert refused.status_code == 429
    client.force_login(examiner)
    page = html(client.get(url("board", exam_id=exam.pk)))
    row = page.split(f'data-ticket="{registration.ticket_number}"')[1].split("</tr>")[0]
    assert "登录受限（5 次输错）" in row and url("login_unlock", exam_id=exam.pk, registration_id=registration.pk) in row
    assert "登录受限" not in page.split(f'data-ticket="{other.ticket_number}"')[1].split("</tr>")[0]

    response = client.post(url("login_unlock", exam_id=exam.pk, registration_id=registration.pk))
    assert response.status_code == 302 and response["Location"] == url("board", exam_id=exam.pk)
    unlock = LoginUnlock.objects.get()
    assert unlock.actor == examiner.username and unlock.at is not None
    assert unlock.identities == [f"ticket:{registration.ticket_number}", f"password:{registration.candidate.username}"]
    assert unlock.detail == {"exam": exam.pk, "registration": registration.pk}
    assert not LoginThrottle.objects.exists()
    assert "登录受限" not in html(client.get(url("board", exam_id=exam.pk)))
    client.logout()
    response = client.post(reverse("exams:ticket_login"), {"ticket_number": registration.ticket_number,
                                                           "id_number": registration.id_number}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_unlocking_a_candidate_who_started_is_journaled_on_the_sitting_too(ex, exam, enrol, examiner):
    registration = enrol(exam)
    sitting = _sit(registration)
    ex.post(url("login_unlock", exam_id=exam.pk, registration_id=registration.pk))
    event = SittingEvent.objects.get(sitting=sitting, action="login_unlock")
    assert event.actor == examiner.username


@pytest.mark.parametrize("minutes, reason, message", [
    ("0", "原因", "大于或等于1"), ("abc", "原因", "输入整数"), ("241", "原因", "小于或等于240"),
    ("10", "", "这个字段是必填项"), ("", "原因", "这个字段是必填项"),
])
def test_bad_extra_time_is_refused_with_the_error_shown(ex, exam, enrol, minutes, reason, message):
    registration = enrol(exam)
    sitting = _sit(registration)
    events = SittingEvent.objects.count()
    response = ex.post(url("extra_time", exam_id=exam.pk, registration_id=registration.pk),
                       {f"extra-{registration.pk}-minutes": minutes, f"extra-{registration.pk}-reason": reason})
    assert response.status_code == 400 and message in html(response)
    assert "<details open>" in html(response)
    registration.refresh_from_db()
    assert registration.extra_minutes == 0 and SittingEvent.objects.count() == events
    assert Sitting.objects.get(pk=sitting.pk).deadline == sitting.deadline


def test_extra_time_for_a_submitted_sitting_shows_the_services_refusal(ex, exam, enrol):
    registration = enrol(exam)
    sitting = _sit(registration)
    sitting_submit(sitting=sitting, actor="x")
    response = ex.post(url("extra_time", exam_id=exam.pk, registration_id=registration.pk),
                       {f"extra-{registration.pk}-minutes": "10", f"extra-{registration.pk}-reason": "迟到"})
    assert response.status_code == 400 and "该考生已交卷，不能再延长时间" in html(response)
    registration.refresh_from_db()
    assert registration.extra_minutes == 0


def test_extra_time_beyond_the_total_limit_is_refused(ex, exam, enrol):
    registration = enrol(exam)
    _sit(registration)
    Registration.objects.filter(pk=registration.pk).update(extra_minutes=235)
    response = ex.post(url("extra_time", exam_id=exam.pk, registration_id=registration.pk),
                       {f"extra-{registration.pk}-minutes": "10", f"extra-{registration.pk}-reason": "迟到"})
    assert response.status_code == 400 and "合计不能超过 240 分钟" in html(response)
    registration.refresh_from_db()
    assert registration.extra_minutes == 235


# -- results, publishing, export --------------------------------------------------------------------

def test_results_list_each_candidates_scores_with_links_to_the_attempts(ex, exam, enrol, examiner):
    registration = enrol(exam, "王五")
    attempt = _graded(registration, solve=True)
    _manual(attempt, examiner)  # 2 points
    report = attempt.reports.get()
    page = html(ex.get(url("results", exam_id=exam.pk)))
    assert "王五" in page and registration.ticket_number in page
    assert url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk) in page
    earned = report.total + 2
    assert f"{earned:.2f} / {report.max}" in page


def test_publishing_is_refused_while_sittings_are_incomplete(ex, exam, enrol):
    working = enrol(exam, "作答者")
    _sit(working)
    pending = enrol(exam, "待人工")
    _graded(pending)
    ungraded = enrol(exam, "未评分")
    sitting = _sit(ungraded)
    sitting_submit(sitting=sitting, actor="x")
    enrol(exam, "缺考")  # never started: not a blocker
    confirm = html(ex.get(url("publish", exam_id=exam.pk)))
    assert "暂不能发布" in confirm and "确认发布成绩" not in confirm
    events = SittingEvent.objects.count()
    response = ex.post(url("publish", exam_id=exam.pk))
    page = html(response)
    assert response.status_code == 409
    assert f"{working.ticket_number} 作答者：仍在作答中" in page
    # the criterion by its name, not its id (issue 13: words, not codes)
    assert f"{pending.ticket_number} 待人工：1. 订单发货 的人工评分项 备注用语规范 待评分" in page
    assert MANUAL not in page.split("<main", 1)[1]
    assert f"{ungraded.ticket_number} 未评分：1. 订单发货 尚未评分" in page
    assert "缺考" not in page
    exam.refresh_from_db()
    assert exam.results_published_at is None and SittingEvent.objects.count() == events


def test_publishing_complete_results(ex, exam, enrol, examiner):
    attempt = _graded(enrol(exam))
    _manual(attempt, examiner, level="合格")
    assert "确认发布成绩" in html(ex.get(url("publish", exam_id=exam.pk)))
    response = ex.post(url("publish", exam_id=exam.pk))
    assert response.status_code == 302 and response["Location"] == url("results", exam_id=exam.pk)
    exam.refresh_from_db()
    assert exam.results_published_at is not None
    assert SittingEvent.objects.filter(action="results_published", actor=examiner.username).count() == 1
    published_at = exam.results_published_at
    with pytest.raises(ReviewError):  # once only
        services.exam_results_publish(exam=exam, actor=examiner)
    exam.refresh_from_db()
    assert exam.results_published_at == published_at
    assert "已发布" in html(ex.get(url("exam_list")))


def _not_evaluated(attempt, criterion_id="ship_orders") -> AttemptReport:
    """A later report in which the grader could not judge ``criterion_id`` (未评定)."""
    latest = AttemptReport.objects.filter(attempt=attempt).order_by("-version").first()
    data = json.loads(json.dumps(latest.report))
    lost = Decimal(0)
    for item in data["criteria"]:
        if item["id"] == criterion_id:
            lost = Decimal(item["result"]["score"])
            item["result"].update(score="0.00", verdict="not_evaluated", error="browser crashed",
                                  message="未评定：评分检查未能完成（browser crashed），需考评员重新评分或核定。")
    data["not_evaluated"] = [criterion_id]
    data["total"] = str(latest.total - lost)
    return AttemptReport.objects.create(attempt=attempt, version=latest.version + 1, total=latest.total - lost,
                                        max=latest.max, report=data, grader_version="test")


def test_a_criterion_the_grader_could_not_judge_blocks_publishing_until_an_examiner_settles_it(
        ex, exam, enrol, examiner):
    registration = enrol(exam, "王五")
    attempt = _graded(registration, solve=True)
    _manual(attempt, examiner)
    report = _not_evaluated(attempt)
    detail = html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk)))
    assert "有评分项未评定" in detail and "核定未评定的评分项" in detail and "未评定" in detail
    response = ex.post(url("publish", exam_id=exam.pk))
    assert response.status_code == 409
    # by the criterion's generic name (its description without the variant's values), not its id
    assert f"{registration.ticket_number} 王五：1. 订单发货 的评分项 用…发货订单 … 未评定" in html(response)
    assert "ship_orders" not in html(response).split("<main", 1)[1]
    settle = url("criterion_settle", exam_id=exam.pk, attempt_id=attempt.pk, criterion_id="ship_orders")
    points = Decimal(next(c["points"] for c in report.report["criteria"] if c["id"] == "ship_orders"))
    events = SittingEvent.objects.count()
    for data, message in (({"s-ship_orders-points": str(points + 1), "s-ship_orders-reason": "看了回放"}, "核定分数应在 0 到"),
                          ({"s-ship_orders-points": "-1", "s-ship_orders-reason": "看了回放"}, "0"),
                          ({"s-ship_orders-points": "1", "s-ship_orders-reason": "  "}, "这个字段是必填项"),
                          ({"s-ship_orders-points": "abc", "s-ship_orders-reason": "看了回放"}, "输入一个数字")):
        refused = ex.post(settle, data)
        assert refused.status_code == 400 and message in html(refused), data
    judged = url("criterion_settle", exam_id=exam.pk, attempt_id=attempt.pk, criterion_id=MANUAL)
    refused = ex.post(judged, {f"s-{MANUAL}-points": "1", f"s-{MANUAL}-reason": "x"})
    assert refused.status_code == 400 and "不是该答卷最新评分报告中未评定的评分项" in html(refused)
    assert not ManualScore.objects.filter(level="核定").exists() and SittingEvent.objects.count() == events
    done = ex.post(settle, {"s-ship_orders-points": str(points), "s-ship_orders-reason": "回放显示两单均已按要求发货"})
    assert done.status_code == 302
    settled = ManualScore.objects.get(level="核定")
    assert (settled.criterion_id, settled.points, settled.examiner) == ("ship_orders", points, examiner)
    event = SittingEvent.objects.get(action="criterion_settled")
    assert event.detail["criterion"] == "ship_orders" and event.detail["report_version"] == report.version
    from sandbox.exams.scores import exam_results

    line = next(r for r in exam_results(exam) if r.registration.pk == registration.pk)
    assert line.tasks[0].not_evaluated == [] and line.tasks[0].earned == report.total + points + 2
    assert ex.post(url("publish", exam_id=exam.pk)).status_code == 302


@pytest.fixture
def exported(exam, enrol, examiner):
    """Two candidates, one complete (with a formula-like name), one who never started."""
    attempt = _graded(enrol(exam, "=HYPERLINK(\"http://evil\")"), solve=True)
    _manual(attempt, examiner)
    enrol(exam, "@缺考")
    return attempt


def test_the_xlsx_export_has_a_header_and_numbers_as_numbers(ex, exam, exported):
    from openpyxl import load_workbook

    response = ex.get(url("export_xlsx", exam_id=exam.pk))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:4] == ["准考证号", "姓名", "证件类型", "证件号码"] and "1. 订单发货 得分" in header
    assert len(rows) == 3
    complete = rows[1]
    report = exported.reports.get()
    score = complete[header.index("1. 订单发货 得分")]
    assert isinstance(score, (int, float)) and Decimal(str(score)) == report.total + 2
    assert isinstance(complete[header.index("操作技能成绩")], (int, float))
    assert complete[1] == "=HYPERLINK(\"http://evil\")"  # text, not a formula
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert rows[2][header.index("1. 订单发货 得分")] is None and rows[2][-1] == "未完成"


def test_the_csv_export_has_a_bom_and_defuses_formulas(ex, exam, exported):
    response = ex.get(url("export_csv", exam_id=exam.pk))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "准考证号" and len(rows) == 3
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")" and rows[2][1] == "'@缺考"
    score = rows[1][rows[0].index("1. 订单发货 得分")]
    assert Decimal(score) == exported.reports.get().total + 2  # a plain number, no quote
    for value in (v for row in rows for v in row):
        assert not value.startswith(("=", "+", "-", "@")), value


# -- the attempt page, evidence ---------------------------------------------------------------------

def test_the_attempt_page_shows_candidate_task_log_report_and_links(ex, exam, enrol, examiner):
    registration = enrol(exam, "赵六")
    attempt = _graded(registration)
    _manual(attempt, examiner, level="合格", comment="第一次")
    _manual(attempt, examiner, level="优秀", comment="复评")
    page = html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk)))
    assert "赵六" in page and registration.ticket_number in page and "1. 订单发货" in page
    assert "作答中 → 已交卷" in page and "已交卷 → 评分中" in page and "评分中 → 已评分" in page
    report = attempt.reports.get()
    assert f"得分 <strong>{report.total}</strong>" in page
    assert "考评员评分：优秀，2.00 分" in page and "练习中不自动评分" not in page
    assert "第一次" in page and "复评" in page
    assert f"/replay/{attempt.pk}/" in page and f"/s/{attempt.instance.sandbox.storefront_key}/" in page
    assert "试评（不保存）" in page


def test_report_versions_are_selectable_and_evidence_is_served_after_the_check(ex, exam, enrol):
    attempt = _graded(enrol(exam))
    attempt_grade(attempt=attempt)  # version 2
    # version 3: a stored report whose criterion has screenshots (the fixture scenario takes none)
    folder = evidence_dir_for(attempt.pk, 3) / "ship_orders"
    folder.mkdir(parents=True)
    (folder / "s.png").write_bytes(PNG)
    (folder / "notes.html").write_text("<script>alert(1)</script>")
    v1 = AttemptReport.objects.get(attempt=attempt, version=1)
    data = dict(v1.report)
    data["criteria"][0]["result"]["evidence"] = [{"kind": "screenshot", "path": str(folder / "s.png")},
                                                 {"kind": "screenshot", "path": "/etc/passwd"}]
    AttemptReport.objects.create(attempt=attempt, version=3, total=v1.total, max=v1.max, report=data,
                                 grader_version="test")
    page = html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk)))
    shot = url("evidence", exam_id=exam.pk, attempt_id=attempt.pk, version=3, criterion="ship_orders", filename="s.png")
    assert shot in page and "评分截图 2" not in page and "/media/evidence" not in page and "/practice/attempts" not in page
    assert "查看第 1 次评分" in page and "查看第 2 次评分" in page
    old = html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk) + "?version=1"))
    assert "第 1 次评分" in old and "这是较早的评分记录" in old
    assert ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk) + "?version=9").status_code == 404
    response = ex.get(shot)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    for version, name in ((3, "notes.html"), (3, "..%2F..%2Fpasswd"), (4, "s.png"), (3, "missing.png")):
        target = url("evidence", exam_id=exam.pk, attempt_id=attempt.pk, version=version, criterion="ship_orders",
                     filename="x.png").replace("x.png", name)
        assert ex.get(target).status_code == 404, target


# -- regrade ----------------------------------------------------------------------------------------

def test_regrade_preview_runs_the_real_grader_without_storing_a_version(ex, exam, enrol, examiner,
                                                                      django_capture_on_commit_callbacks):
    attempt = _graded(enrol(exam), solve=True)
    v1 = attempt.reports.get()
    memo = next(c for c in v1.report["criteria"] if c["id"] == "memo")
    assert Decimal(memo["result"]["score"]) == 2
    # the rubric is corrected after the exam (same scenario version): the memo must now say something else
    edit(_folder() / "scenario.yaml", 'expect: {seller_memo: {contains: "{{ params.memo }}"}}',
         'expect: {seller_memo: {contains: "不可能的备注"}}')
    with django_capture_on_commit_callbacks(execute=True):
        response = ex.post(url("regrade_preview", exam_id=exam.pk, attempt_id=attempt.pk))
    assert response.status_code == 302 and response["Location"].endswith("#regrade")
    preview = RegradePreview.objects.get(attempt=attempt)
    assert preview.status == "done" and preview.requested_by == examiner and preview.error == ""
    after = {c["id"]: c["result"]["score"] for c in preview.result["criteria"]}
    assert Decimal(after["memo"]) == 0 and Decimal(after["ship_orders"]) == 4
    assert Decimal(preview.result["total"]) == v1.total - 2
    assert attempt.reports.count() == 1  # a dry run stores no version
    attempt.refresh_from_db()
    assert attempt.status == "graded"
    page = html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk)))
    assert f"总分 {v1.total} → <strong>{Decimal(preview.result['total'])}</strong>" in page
    changed = page.split('<tr class="changed">')
    assert len(changed) == 2 and "有变化" in changed[1].split("</tr>")[0]
    assert "1 个评分项有变化" in page and "确认重新评分（生成新版本）" in page


def test_confirming_a_regrade_adds_version_2_and_keeps_version_1(ex, exam, enrol, examiner,
                                                                 django_capture_on_commit_callbacks):
    attempt = _graded(enrol(exam), solve=True)
    v1 = attempt.reports.get()
    v1_data = (v1.total, v1.report, v1.created_at)
    edit(_folder() / "scenario.yaml", 'expect: {seller_memo: {contains: "{{ params.memo }}"}}',
         'expect: {seller_memo: {contains: "不可能的备注"}}')
    with django_capture_on_commit_callbacks(execute=True):
        ex.post(url("regrade_preview", exam_id=exam.pk, attempt_id=attempt.pk))
    preview = RegradePreview.objects.get(attempt=attempt)
    with django_capture_on_commit_callbacks(execute=True):
        response = ex.post(url("regrade_confirm", exam_id=exam.pk, attempt_id=attempt.pk, preview_id=preview.pk))
    assert response.status_code == 302
    versions = list(attempt.reports.order_by("version"))
    assert [r.version for r in versions] == [1, 2]
    assert (versions[0].total, versions[0].report, versions[0].created_at) == v1_data
    assert versions[1].total == Decimal(preview.result["total"]) == v1.total - 2
    event = SittingEvent.objects.get(action="regrade_requested")
    assert event.actor == examiner.username and event.detail["attempt"] == attempt.pk
    # the polled section notices the new version and reloads the page
    status = ex.get(url("regrade_status", exam_id=exam.pk, attempt_id=attempt.pk))
    assert status.status_code == 204 and status["HX-Refresh"] == "true"
    page = html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk)))
    assert "第 2 次评分" in page and "查看第 1 次评分" in page


def test_a_pending_preview_is_polled_and_not_queued_twice(ex, exam, enrol, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    attempt = _graded(enrol(exam))
    ex.post(url("regrade_preview", exam_id=exam.pk, attempt_id=attempt.pk))
    ex.post(url("regrade_preview", exam_id=exam.pk, attempt_id=attempt.pk))
    preview = RegradePreview.objects.get(attempt=attempt)
    assert preview.status == "pending"
    section = html(ex.get(url("regrade_status", exam_id=exam.pk, attempt_id=attempt.pk)))
    assert "试评中" in section and 'hx-trigger="every 2s"' in section and "试评（不保存）" not in section
    response = ex.post(url("regrade_confirm", exam_id=exam.pk, attempt_id=attempt.pk, preview_id=preview.pk))
    assert response.status_code == 302 and attempt.reports.count() == 1
    assert not SittingEvent.objects.filter(action="regrade_requested").exists()


def test_a_dry_run_the_grader_cannot_run_is_recorded_as_failed(exam, enrol, examiner, catalog):
    attempt = _graded(enrol(exam))
    edit(_folder() / "scenario.yaml", "version: 1", "version: 2")  # the catalog moved on: refuse to grade
    preview = RegradePreview.objects.create(attempt=attempt, requested_by=examiner)
    services.regrade_preview_run(preview=preview)
    preview.refresh_from_db()
    assert preview.status == "failed" and "拒绝按不同的评分标准评分" in preview.error and preview.result is None
    with pytest.raises(ReviewError):
        services.regrade_confirm(preview=preview, actor=examiner)
    assert attempt.reports.count() == 1


def test_preview_is_refused_for_an_attempt_not_yet_submitted(ex, exam, enrol):
    attempt = _attempt(_sit(enrol(exam)))
    response = ex.post(url("regrade_preview", exam_id=exam.pk, attempt_id=attempt.pk), follow=True)
    assert "该作答尚未交卷或正在评分，不能试评" in html(response)
    assert not RegradePreview.objects.exists()
    assert "作答交卷并评分后才能重新评分" in html(ex.get(url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk)))


# -- manual scoring ---------------------------------------------------------------------------------

@pytest.fixture
def answers(exam, enrol):
    return [_graded(enrol(exam, name)) for name in ("甲考生", "乙考生", "丙考生", "丁考生")]


def test_the_manual_list_counts_scored_answers(ex, exam, answers, examiner):
    _manual(answers[0], examiner)
    page = html(ex.get(url("manual_list", exam_id=exam.pk)))
    assert "备注用语规范" in page and "1 / 4" in page
    assert url("manual_criterion", exam_id=exam.pk, criterion_id=MANUAL) in page
    assert "ship_orders" not in page  # machine-scored criteria are not listed


def test_one_criterion_across_all_answers_anonymous_in_a_stable_shuffled_order(ex, exam, answers):
    page = html(ex.get(url("manual_criterion", exam_id=exam.pk, criterion_id=MANUAL)))
    expected = sorted(answers, key=lambda a: hashlib.sha256(f"{exam.pk}:{MANUAL}:{a.pk}".encode()).hexdigest())
    positions = [page.index(url("manual_score", exam_id=exam.pk, criterion_id=MANUAL, attempt_id=a.pk))
                 for a in expected]
    assert positions == sorted(positions)
    for n, attempt in enumerate(expected, start=1):
        section = page.split(f'id="sheet-A{n}"')[1].split("</section>")[0]
        assert url("manual_score", exam_id=exam.pk, criterion_id=MANUAL, attempt_id=attempt.pk) in section
        assert f"/replay/{attempt.pk}/?blind=1" in section  # the replay hides names too
    again = html(ex.get(url("manual_criterion", exam_id=exam.pk, criterion_id=MANUAL)))
    assert [again.index(url("manual_score", exam_id=exam.pk, criterion_id=MANUAL, attempt_id=a.pk))
            for a in expected] == positions  # stable
    for registration in Registration.objects.filter(exam=exam):
        for secret in (registration.full_name, registration.ticket_number, registration.candidate.username,
                       registration.id_number):
            assert secret not in page
    assert "备注用语规范" in page and "优秀（2 分）：备注简洁、信息完整" in page
    assert page.count('type="radio"') == 4 * 3
    assert "答卷 A1 的评语" in page and "答卷 A4 的作答回放" in page


def test_saving_a_manual_score_records_it_and_the_history(ex, exam, answers, examiner):
    attempt = answers[0]
    target = url("manual_score", exam_id=exam.pk, criterion_id=MANUAL, attempt_id=attempt.pk)
    response = ex.post(target, {f"m{attempt.pk}-level": "合格", f"m{attempt.pk}-comment": "基本完整"})
    assert response.status_code == 302
    response = ex.post(target, {f"m{attempt.pk}-level": "优秀", f"m{attempt.pk}-comment": "复评后上调"})
    scores = list(ManualScore.objects.filter(attempt=attempt).order_by("id"))
    assert [(s.level, s.points, s.examiner) for s in scores] == [("合格", Decimal("1"), examiner),
                                                                ("优秀", Decimal("2"), examiner)]
    assert SittingEvent.objects.filter(action="manual_scored").count() == 2
    page = html(ex.get(url("manual_criterion", exam_id=exam.pk, criterion_id=MANUAL)))
    assert "已评：优秀（2.00 分）" in page and "评分历史" in page and "已评 1 / 4 份答卷" in page
    assert 'value="优秀" required id="id_m%d-level_0" checked' % attempt.pk in page


@pytest.mark.parametrize("level", ["特优", "", "优秀 "])
def test_an_invalid_level_is_refused_and_nothing_written(ex, exam, answers, level):
    attempt = answers[0]
    events = SittingEvent.objects.count()
    response = ex.post(url("manual_score", exam_id=exam.pk, criterion_id=MANUAL, attempt_id=attempt.pk),
                       {f"m{attempt.pk}-level": level, f"m{attempt.pk}-comment": "x"})
    assert response.status_code == 400
    page = html(response)
    assert "errorlist" in page and "张三" not in page
    assert not ManualScore.objects.exists() and SittingEvent.objects.count() == events


def test_only_manual_criteria_of_the_latest_report_can_be_scored(ex, exam, answers, examiner):
    attempt = answers[0]
    assert ex.post(url("manual_score", exam_id=exam.pk, criterion_id="memo", attempt_id=attempt.pk),
                   {f"m{attempt.pk}-level": "优秀"}).status_code == 404
    assert ex.get(url("manual_criterion", exam_id=exam.pk, criterion_id="memo")).status_code == 404
    for criterion, level in (("memo", "优秀"), ("nope", "优秀"), (MANUAL, "特优")):
        with pytest.raises(ReviewError):
            services.manual_score_record(attempt=attempt, criterion_id=criterion, level=level, comment="",
                                         examiner=examiner)
    with pytest.raises(ReviewError):
        services.manual_score_record(attempt=attempt, criterion_id=MANUAL, level="优秀", comment="x" * 2001,
                                     examiner=examiner)
    assert not ManualScore.objects.exists()


# -- 成绩复核 ----------------------------------------------------------------------------------------

@pytest.fixture
def review(exam, enrol):
    registration = enrol(exam, "钱七")
    attempt = _graded(registration)
    filed = ScoreReview.objects.create(registration=registration, reason="我认为备注分数偏低")
    return filed, attempt


def _resolve(ex, exam, review, outcome, resolution):
    return ex.post(url("review_resolve", exam_id=exam.pk, scorereview_id=review.pk),
                   {f"r{review.pk}-outcome": outcome, f"r{review.pk}-resolution": resolution})


def test_the_reviews_page_lists_open_requests_with_a_form(ex, exam, review):
    filed, attempt = review
    page = html(ex.get(url("reviews", exam_id=exam.pk)))
    assert "我认为备注分数偏低" in page and "钱七" in page and "维持原成绩" in page and "成绩已更正" in page
    assert f"{filed.registration.ticket_number} 的处理说明" in page
    assert url("attempt_detail", exam_id=exam.pk, attempt_id=attempt.pk) in page


def test_resolving_unchanged_with_a_reason(ex, exam, review, examiner):
    filed, _attempt = review
    response = _resolve(ex, exam, filed, "unchanged", "核查评分记录，评分无误")
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.status, filed.outcome, filed.resolution, filed.resolved_by) == (
        "resolved", "unchanged", "核查评分记录，评分无误", examiner)
    page = html(ex.get(url("reviews", exam_id=exam.pk)))
    assert "没有待处理的复核申请" in page and "核查评分记录，评分无误" in page
    with pytest.raises(ReviewError):  # once only
        services.score_review_resolve(review=filed, outcome="unchanged", resolution="再次", actor=examiner)


@pytest.mark.parametrize("outcome, resolution, message", [
    ("unchanged", "", "这个字段是必填项"), ("unchanged", "x" * 2001, "2000"), ("maybe", "理由", "选择一个有效的选项"),
    ("changed", "已重新评分", "申请提交后该考生没有新的评分版本或人工评分"),
])
def test_bad_resolutions_are_refused_and_nothing_written(ex, exam, review, outcome, resolution, message):
    filed, _attempt = review
    response = _resolve(ex, exam, filed, outcome, resolution)
    assert response.status_code == 400 and message in html(response)
    filed.refresh_from_db()
    assert filed.status == "open" and filed.outcome == "" and filed.resolved_by is None


def test_changed_needs_a_correction_made_after_the_request(ex, exam, review, examiner):
    filed, attempt = review
    ScoreReview.objects.filter(pk=filed.pk).update(filed_at=timezone.now() - timedelta(days=1))
    _manual(attempt, examiner)  # scored after the request
    ScoreReview.objects.filter(pk=filed.pk).update(filed_at=timezone.now() + timedelta(seconds=1))
    assert _resolve(ex, exam, filed, "changed", "人工评分已更正").status_code == 400  # the score predates it
    ScoreReview.objects.filter(pk=filed.pk).update(filed_at=timezone.now() - timedelta(days=1))
    assert _resolve(ex, exam, filed, "changed", "人工评分已更正").status_code == 302
    filed.refresh_from_db()
    assert filed.outcome == "changed" and filed.status == "resolved"
    assert SittingEvent.objects.filter(action="score_review_resolved").count() == 1


def test_changed_is_accepted_after_a_new_report_version(ex, exam, review):
    filed, attempt = review
    ScoreReview.objects.filter(pk=filed.pk).update(filed_at=timezone.now() - timedelta(minutes=5))
    attempt_grade(attempt=attempt)  # version 2, made after the request
    assert _resolve(ex, exam, filed, "changed", "重新评分后更正").status_code == 302
