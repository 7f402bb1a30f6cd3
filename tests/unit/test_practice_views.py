"""Practice pages through the Django test client: what candidates and trainers see, who may open
what (403 for the wrong role, 404 for someone else's attempt, report or evidence), grading from the
page with its live status, reset, the console banner and the login landing."""

import re
import shutil
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.practice.models import PracticePublication
from sandbox.practice.rendering import markdown_html
from sandbox.practice.services import practice_grade_request, practice_start, publication_create, \
    training_class_create, training_class_member_add
from sandbox.runtime import services as runtime
from sandbox.runtime import tasks
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import GraderUnavailable, evidence_dir_for
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY
from tests.unit.scenario_fixtures.helpers import FIXTURES, copy_good, run_script

pytestmark = pytest.mark.django_db
SLUG = "ship-and-memo"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, SLUG)
    shutil.copytree(FIXTURES / "bad-points", root / "bad-points")
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = IMMEDIATE
    return root


@pytest.fixture
def trainer(make_user):
    return make_user("peixun_a", role="trainer")


@pytest.fixture
def klass(catalog, trainer, candidate):
    training_class = training_class_create(name="一班", trainer=trainer)
    training_class_member_add(training_class=training_class, user=candidate, actor=trainer)
    publication_create(training_class=training_class, scenario_slug=SLUG, actor=trainer)
    return training_class


@pytest.fixture
def me(client, candidate, klass):
    client.force_login(candidate)
    return client


@pytest.fixture
def attempt(klass, candidate):
    return practice_start(candidate=candidate, scenario_slug=SLUG)[0]


@pytest.fixture
def other(make_user, klass, trainer):
    """Another candidate of the same class, with an attempt and a report of their own."""
    user = make_user("cand_b")
    training_class_member_add(training_class=klass, user=user, actor=trainer)
    attempt = practice_start(candidate=user, scenario_slug=SLUG)[0]
    practice_grade_request(attempt=attempt, actor=user)
    attempt.refresh_from_db()
    return user, attempt


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def url(name, **kwargs) -> str:
    return reverse(f"practice:{name}", kwargs=kwargs)


# -- the list and starting -------------------------------------------------------------------------

def test_the_list_shows_published_tasks_with_their_facts(me, attempt, candidate):
    page = html(me.get(url("practice_list")))
    assert "订单发货与备注" in page and "网上交易管理" in page and "15 分钟" in page
    assert "继续练习" in page and "尚未评分" in page
    practice_grade_request(attempt=attempt, actor=candidate)
    page = html(me.get(url("practice_list")))
    assert "<strong>0.67</strong> / 10.00" in page and "最近得分 0.67 / 10.00" in page
    assert "bad-points" not in page


def test_nothing_published_says_so(client, make_user, catalog):
    client.force_login(make_user("lonely"))
    page = html(client.get(url("practice_list")))
    assert "暂无可练习的任务" in page and "开始练习" not in page


def test_start_builds_the_sandbox_makes_it_active_and_opens_the_task(me, candidate):
    assert "开始练习" in html(me.get(url("practice_list")))
    response = me.post(url("practice_start", scenario_slug=SLUG))
    attempt = Attempt.objects.get(candidate=candidate)
    assert response.status_code == 302 and response["Location"] == url("practice_task", attempt_id=attempt.pk)
    assert me.session[ACTIVE_SANDBOX_SESSION_KEY] == attempt.instance.sandbox_id
    assert me.post(url("practice_start", scenario_slug=SLUG)).status_code == 302
    assert Attempt.objects.count() == 1  # starting again opens the same practice
    assert me.get(url("practice_start", scenario_slug=SLUG)).status_code == 405


def test_start_of_an_unpublished_scenario_is_refused_with_a_message(me, candidate):
    response = me.post(url("practice_start", scenario_slug="bad-points"), follow=True)
    assert "该任务没有发布给你所在的班级" in html(response)
    assert not Attempt.objects.exists()


# -- the task page ---------------------------------------------------------------------------------

def test_the_task_page_renders_the_variants_instructions_and_the_actions(me, attempt):
    params = attempt.instance.params
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert f"<strong>{params['order_nos'][0]}</strong>" in page and "<ol>" in page
    assert "、".join(params["waybills"]) in page and f"“{params['memo']}”" in page
    assert "<h3>订单发货与备注</h3>" in page  # below the page's h1 and the section's h2
    for label in ("进入商家后台", "查看店铺", "提交评分", "重置沙箱"):
        assert label in page
    assert f"/s/{attempt.instance.sandbox.storefront_key}/" in page
    assert "还没有评分记录" in page


def test_the_task_page_links_the_handed_out_files_and_only_their_owner_can_download_them(
        me, attempt, other, candidate, make_sandbox):
    from shop_sim.services.base import Actor
    from shop_sim.services.files import shopfile_provide

    assert "本题下发文件" not in html(me.get(url("practice_task", attempt_id=attempt.pk)))  # nothing handed out
    logo = shopfile_provide(sandbox=attempt.instance.sandbox, actor=Actor.system("scenario"), name="logo_80x80.png",
                            data=PNG)
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    link = reverse("console:shopfile_download", kwargs={"shopfile_id": logo.pk})
    assert "本题下发文件" in page and f'href="{link}"' in page and "下载 logo_80x80.png" in page
    # the link works from the instructions even while another of the candidate's shops is active
    session = me.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = make_sandbox(owner=candidate, name="另一个店").pk
    session.save()
    response = me.get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    # another candidate gets a 404, and their own task page does not list it
    user, theirs = other
    them = Client()
    them.force_login(user)
    assert them.get(link).status_code == 404
    assert "logo_80x80.png" not in html(them.get(url("practice_task", attempt_id=theirs.pk)))


def test_instructions_markdown_is_safe():
    out = markdown_html("# 标题\n\n1. **粗体** `代码`\n   - 子项\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                        "&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) <b onclick=x>raw</b>")
    assert "<h3>标题</h3>" in out and "<strong>粗体</strong>" in out and "<code>代码</code>" in out
    assert "<ul>\n<li>子项</li>" in out and "<td>1</td>" in out
    assert "<script" not in out and "href=\"javascript" not in out and "<b " not in out
    assert "&lt;script&gt;" in out and "&lt;b onclick=x&gt;" in out  # shown as text, never as markup


def test_grading_from_the_page_shows_the_report_criterion_by_criterion(me, attempt, catalog):
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    response = me.post(url("practice_grade", attempt_id=attempt.pk))
    assert response.status_code == 302 and response["Location"].endswith("#report")
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "评分完成" in page and "<strong>8.00</strong> / 10.00" in page
    assert "4.00 / 4.00" in page and "0.00 / 2.00" in page and "待考评员评分" in page
    assert "人工评分项：练习中不自动评分" in page and "hx-trigger" not in page
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "评分完成" not in page  # said once


def test_a_lost_criterion_shows_expected_and_actual(me, attempt):
    me.post(url("practice_grade", attempt_id=attempt.pk))
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "0.00 / 4.00" in page and "期望与实际" in page and "卖家已发货" in page  # labels, never codes
    assert "(shipped)" not in page


def test_the_page_polls_while_the_queue_has_the_job_then_shows_the_report(me, attempt, settings, monkeypatch):
    settings.TASKS = DATABASE_QUEUE
    calls = []
    real = tasks.attempt_grade
    monkeypatch.setattr(tasks, "attempt_grade", lambda **kw: calls.append(kw["attempt"].pk) or real(**kw))
    me.post(url("practice_grade", attempt_id=attempt.pk))
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "评分中…" in page and 'hx-trigger="every 2s"' in page and "等待评分服务" in page
    assert url("practice_grade_status", attempt_id=attempt.pk) in page
    me.post(url("practice_grade", attempt_id=attempt.pk))  # a double click queues nothing more
    fragment = html(me.get(url("practice_grade_status", attempt_id=attempt.pk)))
    assert "评分中…" in fragment and "hx-trigger" in fragment and "<html" not in fragment
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 1
    tasks.grade_attempt_task.call(attempt.pk)  # the worker
    assert calls == [attempt.pk]
    fragment = html(me.get(url("practice_grade_status", attempt_id=attempt.pk)))
    assert "评分完成" in fragment and "hx-trigger" not in fragment and "<strong>0.67</strong> / 10.00" in fragment


def test_an_infrastructure_failure_is_shown_and_costs_nothing(me, attempt, monkeypatch):
    def unavailable(**kwargs):
        raise GraderUnavailable("无法启动评分用的 Chromium：没有浏览器")

    monkeypatch.setattr(runtime, "grade", unavailable)
    me.post(url("practice_grade", attempt_id=attempt.pk))
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "评分未能完成" in page and "无法启动评分用的 Chromium：没有浏览器" in page and 'role="alert"' in page
    assert not AttemptReport.objects.exists()


def test_report_versions_can_be_looked_at_one_by_one(me, attempt, candidate, catalog):
    practice_grade_request(attempt=attempt, actor=candidate)
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    practice_grade_request(attempt=attempt, actor=candidate)
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "<strong>8.00</strong>" in page and "评分记录" in page and "查看第 1 次评分" in page
    old = html(me.get(url("practice_task", attempt_id=attempt.pk), {"version": 1}))
    assert "<strong>0.67</strong>" in old and "这是较早的评分记录" in old
    assert me.get(url("practice_task", attempt_id=attempt.pk), {"version": 9}).status_code == 404


def test_enter_console_makes_the_sandbox_active_and_resumes_work(me, attempt, candidate, make_sandbox):
    make_sandbox(owner=candidate, name="后来的店")  # newer: the console would pick it by default
    practice_grade_request(attempt=attempt, actor=candidate)
    response = me.post(url("practice_console", attempt_id=attempt.pk))
    assert response.status_code == 302 and response["Location"] == reverse("console:dashboard")
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and attempt.status_log[-1]["from"] == "graded"
    page = html(me.get(reverse("console:dashboard")))
    assert attempt.instance.sandbox.name in page


def test_reset_asks_first_then_starts_fresh_and_keeps_the_old_reports(me, attempt, candidate):
    practice_grade_request(attempt=attempt, actor=candidate)
    confirm = html(me.get(url("practice_reset", attempt_id=attempt.pk)))
    assert "确认重置" in confirm and "以前的评分记录会保留" in confirm
    assert Attempt.objects.count() == 1
    response = me.post(url("practice_reset", attempt_id=attempt.pk))
    new = Attempt.objects.exclude(pk=attempt.pk).get()
    assert response["Location"] == url("practice_task", attempt_id=new.pk)
    assert me.session[ACTIVE_SANDBOX_SESSION_KEY] == new.instance.sandbox_id
    assert AttemptReport.objects.filter(attempt=attempt).count() == 1
    old_page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert "这次练习已经重置过" in old_page and url("practice_task", attempt_id=new.pk) in old_page
    assert url("practice_grade", attempt_id=attempt.pk) not in old_page
    assert "<strong>0.67</strong>" in old_page  # its report is still there
    assert "<strong>0.67</strong> / 10.00" in html(me.get(url("practice_list")))  # best of all attempts


# -- ownership: someone else's attempt, report, evidence -------------------------------------------

def _evidence(attempt, version=1) -> Path:
    folder = evidence_dir_for(attempt.pk, version) / "ship_orders"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ship_orders-1.png").write_bytes(PNG)
    (folder / "notes.html").write_text("<script>alert(1)</script>")
    return folder / "ship_orders-1.png"


def _evidence_url(attempt, version=1, name="ship_orders-1.png"):
    return url("practice_evidence", attempt_id=attempt.pk, version=version, criterion="ship_orders", filename=name)


@pytest.mark.parametrize("name, method", [("practice_task", "get"), ("practice_grade", "post"),
                                          ("practice_grade_status", "get"), ("practice_console", "post"),
                                          ("practice_reset", "get"), ("practice_reset", "post")])
def test_another_candidates_attempt_is_a_404_and_nothing_changes(me, other, name, method):
    _user, theirs = other
    before = (Attempt.objects.count(), AttemptReport.objects.count(), list(theirs.status_log))
    response = getattr(me, method)(url(name, attempt_id=theirs.pk))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (Attempt.objects.count(), AttemptReport.objects.count(), theirs.status_log) == before
    assert ACTIVE_SANDBOX_SESSION_KEY not in me.session


def test_an_exam_attempt_is_not_a_practice_page(me, candidate, klass):
    exam = runtime.attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3, mode="exam")
    assert me.get(url("practice_task", attempt_id=exam.pk)).status_code == 404
    assert me.post(url("practice_grade", attempt_id=exam.pk)).status_code == 404


def test_evidence_is_served_to_its_owner_and_their_trainer_only(me, other, candidate, trainer, client, make_user):
    user, theirs = other
    _evidence(theirs)
    assert me.get(_evidence_url(theirs)).status_code == 404  # another candidate
    owner = Client()
    owner.force_login(user)
    response = owner.get(_evidence_url(theirs))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    for bad in (_evidence_url(theirs, name="notes.html"), _evidence_url(theirs, version=2),
                _evidence_url(theirs, name="missing.png")):
        assert owner.get(bad).status_code == 404
    reviewer = Client()
    reviewer.force_login(trainer)  # the trainer of their class
    assert reviewer.get(_evidence_url(theirs)).status_code == 200
    stranger = Client()
    stranger.force_login(make_user("peixun_b", role="trainer"))  # a trainer with no class
    assert stranger.get(_evidence_url(theirs)).status_code == 404
    examiner = Client()
    examiner.force_login(make_user("kaoping_a", role="examiner"))  # practice is not the examiners'
    assert examiner.get(_evidence_url(theirs)).status_code == 404
    anonymous = Client()
    assert anonymous.get(_evidence_url(theirs)).status_code == 302


def test_an_exams_evidence_is_not_served_by_the_practice_route(me, candidate, klass, trainer, make_user):
    """Not to its candidate, nor to their trainer (issue #10 finding 3: 200 where /review/ is a 403),
    nor to an examiner: exam evidence is served by the review route only."""
    exam = runtime.attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3, mode="exam")
    runtime.attempt_submit(attempt=exam, actor=candidate)
    runtime.attempt_grade(attempt=exam)
    _evidence(exam)
    assert me.get(_evidence_url(exam)).status_code == 404
    for user in (trainer, make_user("kaoping_b", role="examiner")):
        reviewer = Client()
        reviewer.force_login(user)
        assert reviewer.get(_evidence_url(exam)).status_code == 404


def test_a_request_queued_for_long_says_the_worker_may_be_down(me, attempt, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    settings.TASKS = DATABASE_QUEUE
    me.post(url("practice_grade", attempt_id=attempt.pk))
    assert "评分服务（db_worker）可能没有运行" not in html(me.get(url("practice_task", attempt_id=attempt.pk)))
    later = timezone.now() + timedelta(seconds=90)
    monkeypatch.setattr("sandbox.practice.selectors.timezone.now", lambda: later)
    fragment = html(me.get(url("practice_grade_status", attempt_id=attempt.pk)))
    assert re.search(r"已等待 9\d 秒仍未开始评分", fragment) and "hx-trigger" in fragment


def test_evidence_is_not_reachable_through_public_media(other, client, settings):
    _user, theirs = other
    _evidence(theirs)
    (Path(settings.MEDIA_ROOT) / "public.txt").write_text("ok")
    client.force_login(_user)
    assert client.get("/media/public.txt").status_code == 200
    for path in (f"/media/evidence/{theirs.pk}/1/ship_orders/ship_orders-1.png",
                 f"/media/./evidence/{theirs.pk}/1/ship_orders/ship_orders-1.png",
                 f"/media/x/../evidence/{theirs.pk}/1/ship_orders/ship_orders-1.png"):
        assert client.get(path).status_code == 404, path


def test_the_report_links_screenshots_through_the_checked_view(me, attempt, candidate):
    shot = _evidence(attempt)
    report = runtime.grade(instance=attempt.instance, scenario=runtime.attempt_scenario(attempt))
    data = report.as_dict()
    data["criteria"][0]["result"]["evidence"] = [{"kind": "screenshot", "path": str(shot), "url": "/console/orders/"},
                                                 {"kind": "screenshot", "path": "/etc/passwd"}]
    AttemptReport.objects.create(attempt=attempt, version=1, total=report.total, max=report.max, report=data,
                                 grader_version="test")
    page = html(me.get(url("practice_task", attempt_id=attempt.pk)))
    assert _evidence_url(attempt) in page and "评分截图 1" in page and "评分截图 2" not in page
    assert "/media/evidence" not in page


# -- roles -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["class_list", "class_detail", "class_results", "class_publish", "class_unpublish"])
def test_candidates_cannot_reach_trainer_pages(me, klass, name):
    kwargs = {} if name == "class_list" else {"trainingclass_id": klass.pk}
    method = me.post if name in ("class_publish", "class_unpublish") else me.get
    assert method(url(name, **kwargs), {"scenario_slug": SLUG}).status_code == 403
    assert PracticePublication.objects.count() == 1


def test_candidates_cannot_open_a_class_attempt_page(me, klass, attempt):
    assert me.get(url("class_attempt", trainingclass_id=klass.pk, attempt_id=attempt.pk)).status_code == 403


def test_trainers_do_not_use_candidate_pages(client, trainer, klass):
    client.force_login(trainer)
    assert client.get(url("practice_list")).status_code == 403
    assert client.post(url("practice_start", scenario_slug=SLUG)).status_code == 403


def test_every_post_needs_the_csrf_token(candidate, attempt):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(candidate)
    assert strict.post(url("practice_grade", attempt_id=attempt.pk)).status_code == 403
    assert strict.post(url("practice_reset", attempt_id=attempt.pk)).status_code == 403
    assert not AttemptReport.objects.exists() and Attempt.objects.count() == 1


# -- trainer pages ---------------------------------------------------------------------------------

@pytest.fixture
def coach(client, trainer):
    client.force_login(trainer)
    return client


def test_the_class_list_shows_own_classes_only(coach, klass, make_user):
    training_class_create(name="别人的班", trainer=make_user("peixun_z", role="trainer"))
    page = html(coach.get(url("class_list")))
    assert "一班" in page and "别人的班" not in page


def test_the_catalog_shows_what_can_be_published_and_why_not(coach, klass):
    page = html(coach.get(url("class_detail", trainingclass_id=klass.pk)))
    assert "订单发货与备注" in page and "已发布" in page and "取消发布" in page
    assert "bad-points" in page and "无法载入" in page and "不可发布" in page
    assert "points" in page  # the problem itself is listed
    assert page.count('name="scenario_slug"') == 1  # no publish button for the broken one
    assert "cand_a" in page


def test_publish_and_unpublish_through_the_page(coach, klass):
    response = coach.post(url("class_unpublish", trainingclass_id=klass.pk), {"scenario_slug": SLUG}, follow=True)
    assert "已取消发布" in html(response) and not PracticePublication.objects.exists()
    response = coach.post(url("class_publish", trainingclass_id=klass.pk), {"scenario_slug": SLUG}, follow=True)
    assert "已发布“订单发货与备注”" in html(response) and PracticePublication.objects.count() == 1
    for slug, message in (("bad-points", "无法载入"), ("", "请选择要发布的场景"), ("a b", "场景标识无效"),
                          (SLUG, "已发布给本班级")):
        response = coach.post(url("class_publish", trainingclass_id=klass.pk), {"scenario_slug": slug}, follow=True)
        assert message in html(response)
    assert PracticePublication.objects.count() == 1


def test_another_trainers_class_is_a_404(client, klass, make_user, attempt):
    client.force_login(make_user("peixun_z", role="trainer"))
    for name in ("class_detail", "class_results"):
        assert client.get(url(name, trainingclass_id=klass.pk)).status_code == 404
    assert client.post(url("class_publish", trainingclass_id=klass.pk), {"scenario_slug": SLUG}).status_code == 404
    assert client.get(url("class_attempt", trainingclass_id=klass.pk, attempt_id=attempt.pk)).status_code == 404


def test_an_admin_sees_every_class(client, klass, make_user):
    client.force_login(make_user("admin_a", role="admin"))
    assert "一班" in html(client.get(url("class_list")))
    assert html(client.get(url("class_results", trainingclass_id=klass.pk)))


def test_results_table_and_a_read_only_report(coach, klass, attempt, candidate, catalog, make_user, trainer):
    idle = make_user("cand_idle")
    training_class_member_add(training_class=klass, user=idle, actor=trainer)
    practice_grade_request(attempt=attempt, actor=candidate)
    run_script(catalog / SLUG / "solution.py", attempt.instance)
    practice_grade_request(attempt=attempt, actor=candidate)
    page = html(coach.get(url("class_results", trainingclass_id=klass.pk)))
    assert "订单发货与备注" in page and "<strong>8.00</strong> / 10.00" in page
    assert "练习 1 次 · 评分 2 次" in page and "最近评分" in page and "未开始" in page
    report_url = url("class_attempt", trainingclass_id=klass.pk, attempt_id=attempt.pk)
    assert report_url in page
    report = html(coach.get(report_url))
    assert "cand_a · 订单发货与备注" in report and "<strong>8.00</strong>" in report and "评分报告（只读）" in report
    assert url("practice_grade", attempt_id=attempt.pk) not in report and "重置沙箱" not in report


def test_a_non_members_attempt_is_not_in_the_class(coach, klass, make_user, trainer):
    stranger = make_user("cand_far")
    other_class = training_class_create(name="二班", trainer=make_user("peixun_q", role="trainer"))
    training_class_member_add(training_class=other_class, user=stranger, actor=other_class.trainer)
    publication_create(training_class=other_class, scenario_slug=SLUG, actor=other_class.trainer)
    theirs = practice_start(candidate=stranger, scenario_slug=SLUG)[0]
    assert coach.get(url("class_attempt", trainingclass_id=klass.pk, attempt_id=theirs.pk)).status_code == 404


# -- console banner and landing --------------------------------------------------------------------

def test_the_console_shows_the_practice_banner_in_a_practice_sandbox_only(me, attempt, candidate, make_sandbox):
    me.post(url("practice_console", attempt_id=attempt.pk))
    page = html(me.get(reverse("console:order_list")))
    assert "当前练习" in page and "订单发货与备注" in page and "返回练习" in page
    assert url("practice_task", attempt_id=attempt.pk) + "#instructions" in page
    assert f'action="{url("practice_grade", attempt_id=attempt.pk)}"' in page
    plain = make_sandbox(owner=candidate, name="普通店铺")
    session = me.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = plain.pk
    session.save()
    page = html(me.get(reverse("console:order_list")))
    assert "普通店铺" in page and "当前练习" not in page


def test_the_banner_costs_one_query_per_sandbox(me, attempt, make_sandbox, candidate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def banner_queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert me.get(reverse("console:order_list")).status_code == 200
        # the practice banner's own query (the exam banner's cached lookup is counted in its tests)
        return sum("runtime_attempt" in q["sql"] and "exams_sittingtask" not in q["sql"]
                   for q in seen.captured_queries)

    me.post(url("practice_console", attempt_id=attempt.pk))
    assert banner_queries() == 1 and banner_queries() == 0  # then cached: the sandbox's attempt never changes
    session = me.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = make_sandbox(owner=candidate, name="普通店铺").pk
    session.save()
    assert banner_queries() == 1 and banner_queries() == 0  # "no practice here" is cached too


def test_landing_after_login(client, candidate, klass, make_user, make_sandbox, trainer):
    client.force_login(candidate)
    assert client.get(reverse("accounts:home"))["Location"] == url("practice_list")
    outsider = make_user("cand_solo")
    make_sandbox(owner=outsider)
    client.force_login(outsider)
    assert client.get(reverse("accounts:home"))["Location"] == reverse("console:dashboard")
    client.force_login(make_user("cand_new"))
    assert url("practice_list") in html(client.get(reverse("accounts:home")))
    client.force_login(trainer)
    make_sandbox(owner=trainer)
    page = html(client.get(reverse("accounts:home")))
    assert url("class_list") in page and reverse("console:dashboard") in page


def test_the_start_hook_runs_when_the_candidate_first_opens_the_task(me, catalog, candidate):
    """The variant's start (a buyer writes in) waits for the task page, and runs once."""
    from shop_sim.models import ChatMessage, Customer

    variant = catalog / SLUG / "variant.py"
    variant.write_text(variant.read_text(encoding="utf-8") + '''

def start(ctx, params):
    from shop_sim.models import Customer
    buyer = ctx.objects(Customer).order_by("pk").first()
    ctx.services.chat.chat_buyer_message(sandbox=ctx.sandbox, customer=buyer, body="在吗？什么时候发货？")
''', encoding="utf-8")
    attempt = practice_start(candidate=candidate, scenario_slug=SLUG)[0]
    asked = ChatMessage.objects.for_sandbox(attempt.instance.sandbox).filter(body="在吗？什么时候发货？")
    assert not asked.exists() and attempt.instance.started_at is None
    url = reverse("practice:practice_task", kwargs={"attempt_id": attempt.pk})
    assert me.get(url).status_code == 200
    attempt.instance.refresh_from_db()
    assert attempt.instance.started_at is not None and asked.count() == 1
    assert me.get(url).status_code == 200
    me.post(reverse("practice:practice_console", kwargs={"attempt_id": attempt.pk}))
    assert asked.count() == 1
    assert Customer.objects.for_sandbox(attempt.instance.sandbox).exists()
