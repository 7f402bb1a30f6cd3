"""The candidate's exam workspace through the Django test client: starting (inside the window only,
once), the workspace page (instructions, the console frame, the server's countdown), submitting a
task and the paper, the clock's auto-submit and the write gate past the deadline, the clock endpoint,
results (hidden until published) with the criterion report, 成绩复核 filing, the console's exam banner,
and that another candidate's registration or task is a 404 everywhere.

Time is moved by putting the exam window and ``Sitting.started_at`` in the past, never by sleeping.
The fixture scenario (ship-and-memo) grades without a browser, so the results tests grade for real.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from sandbox.exams.models import Exam, ExamPart, ManualScore, Registration, ScoreReview, Sitting, SittingEvent, \
    SittingTask
from sandbox.exams.scores import exam_results
from sandbox.exams.services import ExamError, registration_extra_time_grant, sitting_start
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.workspace import selectors
from sandbox.workspace import urls as workspace_urls
from sandbox.workspace.services import score_review_file
from shop_sim.models import Order, Sandbox, ShopEvent
from shop_sim.storefront.buyer import buyer_pass_url
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY
from tests.unit.scenario_fixtures.helpers import catalog_use

pytestmark = pytest.mark.django_db
SLUG, SLUG_B = "ship-and-memo", "ship-and-memo-b"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def catalog(settings, tmp_path):
    return catalog_use(settings, tmp_path, SLUG, SLUG_B, tasks=IMMEDIATE)


@pytest.fixture
def examiner(make_user):
    return make_user("kaoping_a", role="examiner")


@pytest.fixture
def exam(catalog, examiner):
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操考试", level="4", duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=3), created_by=examiner, module_weight=30)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="发货与备注", weight=Decimal("2"))
    ExamPart.objects.create(exam=exam, position=2, scenario_slug=SLUG_B, weight=Decimal("1"))
    return exam


def register(exam, user, n: int) -> Registration:
    return Registration.objects.create(exam=exam, candidate=user, full_name=f"考生{n}", id_number=f"11010119900101{n:04d}",
                                       ticket_number=f"2025{n:06d}")


@pytest.fixture
def reg(exam, candidate):
    return register(exam, candidate, 1)


@pytest.fixture
def me(client, candidate):
    client.force_login(candidate)
    return client


@pytest.fixture
def started(reg, candidate) -> Sitting:
    return sitting_start(registration=reg, actor=candidate)


def url(name: str, **kwargs) -> str:
    return reverse(f"workspace:{name}", kwargs=kwargs)


def tasks_of(sitting) -> list[SittingTask]:
    return list(sitting.tasks.select_related("attempt__instance").order_by("part__position"))


def task_url(reg, task) -> str:
    return url("sitting_task", registration_id=reg.pk, sittingtask_id=task.pk)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def age(sitting, minutes: float) -> None:
    """The sitting started ``minutes`` ago (the window moved back too, so the window does not cut it)."""
    now = timezone.now()
    Sitting.objects.filter(pk=sitting.pk).update(started_at=now - timedelta(minutes=minutes))
    Exam.objects.filter(registrations__sitting=sitting).update(window_start=now - timedelta(minutes=minutes + 10))


def timer_text(page: str) -> str:
    return re.search(r'role="timer"[^>]*>([^<]*)<', page).group(1)


# -- starting --------------------------------------------------------------------------------------

@pytest.mark.parametrize("when, message", [("before", "考试尚未开始"), ("after", "考试已结束")])
def test_start_outside_the_window_is_refused_and_creates_nothing(me, exam, reg, when, message):
    now = timezone.now()
    if when == "before":
        Exam.objects.filter(pk=exam.pk).update(window_start=now + timedelta(hours=1), window_end=now + timedelta(hours=4))
    else:
        Exam.objects.filter(pk=exam.pk).update(window_start=now - timedelta(hours=4), window_end=now - timedelta(minutes=1))
    sandboxes = Sandbox.objects.count()
    page = html(me.get(url("sitting_start_page", registration_id=reg.pk)))
    assert "开始考试</button>" not in page  # the start page says why instead
    response = me.post(url("sitting_start", registration_id=reg.pk), follow=True)
    assert message in html(response)
    assert response.redirect_chain[0][0] == url("sitting_start_page", registration_id=reg.pk)
    assert not Sitting.objects.exists() and not Attempt.objects.exists()
    assert Sandbox.objects.count() == sandboxes


def test_the_start_page_shows_rules_paper_and_identity(me, exam, reg):
    page = html(me.get(url("sitting_start_page", registration_id=reg.pk)))
    for text in ("四级实操考试", "考生1", reg.ticket_number, "90 分钟", "考场规则", "发货与备注", "订单发货与备注",
                 "剩余时间以服务器为准", "开始考试</button>"):
        assert text in page, text
    Exam.objects.filter(pk=exam.pk).update(rules="第一条：不得交头接耳\n第二条：<b>关闭手机</b>")
    page = html(me.get(url("sitting_start_page", registration_id=reg.pk)))
    assert "第一条：不得交头接耳" in page and "&lt;b&gt;关闭手机&lt;/b&gt;" in page
    assert "剩余时间以服务器为准" not in page  # the exam's own rules replace the default text


def test_starting_twice_makes_one_sitting_and_lands_in_the_workspace(me, reg):
    first = me.post(url("sitting_start", registration_id=reg.pk))
    second = me.post(url("sitting_start", registration_id=reg.pk))  # a second tab, a double click
    sitting = Sitting.objects.get()
    tasks = tasks_of(sitting)
    assert len(tasks) == 2 and Attempt.objects.count() == 2
    assert first["Location"] == second["Location"] == task_url(reg, tasks[0])
    assert SittingEvent.objects.filter(sitting=sitting, action="started").count() == 1
    # the start page of a started sitting is the workspace
    assert me.get(url("sitting_start_page", registration_id=reg.pk))["Location"] == task_url(reg, tasks[0])


# -- the workspace ---------------------------------------------------------------------------------

def test_the_workspace_shows_instructions_frame_storefront_and_the_servers_countdown(me, reg, started):
    age(started, 10)
    first, second = tasks_of(started)
    page = html(me.get(task_url(reg, first)))
    params = first.attempt.instance.params
    assert "任务说明" in page and params["order_nos"][0] in page and params["memo"] in page
    console = url("sitting_task_console", registration_id=reg.pk, sittingtask_id=first.pk)
    assert re.search(rf'<iframe[^>]*title="商家后台"[^>]*src="{console}"', page)
    # the storefront opens with the shop's buyer pass: the candidate (and only they) can act as its buyers
    shop = first.attempt.instance.sandbox
    assert f'href="{escape(buyer_pass_url(shop))}" target="_blank"' in page
    assert buyer_pass_url(shop).startswith(f"/s/{shop.storefront_key}/buyer-pass/?buyer_pass=")
    assert "打开店铺前台" in page
    assert timer_text(page) in ("80:00", "79:59")  # 90 minutes, started 10 minutes ago
    assert 'aria-live="polite"' in page and "workspace/workspace.js" in page
    assert timer_text(html(me.get(task_url(reg, first)))) in ("80:00", "79:59")  # a reload: same time left
    # one tab per task, the current one marked; the second part's title comes from the catalog
    assert f'href="{task_url(reg, first)}" aria-current="page">1. 发货与备注' in page
    assert f'href="{task_url(reg, second)}">2. 订单发货与备注' in page
    assert "交卷本题" in page and "交卷（全部）" in page
    # the files the task hands out are listed under its instructions, each with its download link
    from django.urls import reverse

    from shop_sim.services.base import Actor
    from shop_sim.services.files import shopfile_provide

    assert "本题下发文件" not in page
    handed = shopfile_provide(sandbox=shop, actor=Actor.system("scenario"), name="素材.png",
                              data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    page = html(me.get(task_url(reg, first)))
    assert "本题下发文件" in page and reverse("console:shopfile_download", kwargs={"shopfile_id": handed.pk}) in page
    assert "素材.png" not in html(me.get(task_url(reg, second)))  # another task's shop: not its file


def test_the_frame_url_switches_the_console_to_the_tasks_sandbox(me, reg, started):
    first, second = tasks_of(started)
    response = me.get(url("sitting_task_console", registration_id=reg.pk, sittingtask_id=second.pk))
    assert response["Location"] == reverse("console:dashboard")
    assert me.session[ACTIVE_SANDBOX_SESSION_KEY] == second.attempt.instance.sandbox_id
    me.get(url("sitting_task_console", registration_id=reg.pk, sittingtask_id=first.pk))
    assert me.session[ACTIVE_SANDBOX_SESSION_KEY] == first.attempt.instance.sandbox_id


def test_submitting_one_task_freezes_it_and_the_others_go_on(me, reg, started):
    first, second = tasks_of(started)
    submit = url("sitting_task_submit", registration_id=reg.pk, sittingtask_id=first.pk)
    confirm = html(me.get(submit))
    assert "确认交卷“发货与备注”" in confirm and "确认交卷本题" in confirm
    first.attempt.refresh_from_db()
    assert first.attempt.status == Attempt.Status.IN_PROGRESS  # the confirmation page changes nothing
    page = html(me.post(submit, follow=True))
    first.attempt.refresh_from_db()
    second.attempt.refresh_from_db()
    assert first.attempt.status == Attempt.Status.SUBMITTED and second.attempt.status == Attempt.Status.IN_PROGRESS
    assert "已交卷，店铺已冻结" in page and "本题已交卷" in page
    assert "<iframe" not in page and "交卷本题</a>" not in page
    assert re.search(r'1\. 发货与备注 <span class="badge done">已交卷', page)
    started.refresh_from_db()
    assert started.status == Sitting.Status.IN_PROGRESS
    assert SittingEvent.objects.filter(sitting=started, action="task_submitted", actor=reg.candidate.username).count() == 1
    # the other task still has its console
    assert "<iframe" in html(me.get(task_url(reg, second)))
    # submitting it again says so and changes nothing
    me.post(submit)
    assert SittingEvent.objects.filter(sitting=started, action="task_submitted").count() == 1


def test_submit_all_confirms_with_the_unsubmitted_tasks_then_submits(me, reg, started):
    first, second = tasks_of(started)
    me.post(url("sitting_task_submit", registration_id=reg.pk, sittingtask_id=first.pk))
    confirm = html(me.get(url("sitting_submit", registration_id=reg.pk)))
    listed = re.search(r'<ul class="open-tasks">(.*?)</ul>', confirm, re.S).group(1)
    assert listed.count("<li>") == 1 and "<li>订单发货与备注</li>" in listed
    assert "还有 1 道题没有交卷" in confirm
    started.refresh_from_db()
    assert started.status == Sitting.Status.IN_PROGRESS
    page = html(me.post(url("sitting_submit", registration_id=reg.pk), follow=True))
    started.refresh_from_db()
    assert started.status == Sitting.Status.SUBMITTED and not started.auto_submitted
    assert {t.attempt.status for t in tasks_of(started)} == {Attempt.Status.SUBMITTED}
    assert "已交卷。所有题目的店铺已冻结" in page and "<iframe" not in page and "交卷（全部）</a>" not in page
    assert SittingEvent.objects.filter(sitting=started, action="submitted").count() == 1


@pytest.mark.parametrize("what", ["paper", "task"])
def test_a_late_submit_after_submit_until_is_the_clocks_auto_submit(me, exam, reg, started, what):
    Exam.objects.filter(pk=exam.pk).update(timeout_policy=Exam.TimeoutPolicy.GRACE, grace_minutes=5)
    age(started, 90 + 6)
    first, _second = tasks_of(started)
    target = url("sitting_submit", registration_id=reg.pk) if what == "paper" else \
        url("sitting_task_submit", registration_id=reg.pk, sittingtask_id=first.pk)
    page = html(me.post(target, follow=True))
    assert "考试时间已到，系统已自动交卷" in page
    started.refresh_from_db()
    assert started.status == Sitting.Status.SUBMITTED and started.auto_submitted
    actions = list(SittingEvent.objects.filter(sitting=started).values_list("actor", "action"))
    assert ("system:clock", "auto_submitted") in actions
    assert not [a for a in actions if a[1] in ("submitted", "task_submitted")]  # nothing in the candidate's name


def test_in_the_grace_period_the_page_says_time_is_up_and_only_offers_submit(me, exam, reg, started):
    Exam.objects.filter(pk=exam.pk).update(timeout_policy=Exam.TimeoutPolicy.GRACE, grace_minutes=5)
    age(started, 91)
    first, _second = tasks_of(started)
    page = html(me.get(task_url(reg, first)))
    assert "作答时间已到" in page and "<iframe" not in page
    assert "交卷（全部）" in page and "交卷本题" in page
    assert timer_text(page) in ("04:00", "03:59")  # what is left of the grace period
    started.refresh_from_db()
    assert started.status == Sitting.Status.IN_PROGRESS
    me.post(url("sitting_submit", registration_id=reg.pk))
    started.refresh_from_db()
    assert started.status == Sitting.Status.SUBMITTED and not started.auto_submitted  # in time: the candidate's


def test_a_page_opened_after_the_deadline_auto_submits(me, reg, started):
    age(started, 95)
    first, _ = tasks_of(started)
    page = html(me.get(task_url(reg, first)))
    started.refresh_from_db()
    assert started.status == Sitting.Status.SUBMITTED and started.auto_submitted
    assert "考试时间已到，系统已自动交卷" in page and "<iframe" not in page and "交卷本题</a>" not in page


# -- the console past the deadline -----------------------------------------------------------------

def _memo_post(client, sitting, memo: str):
    task = tasks_of(sitting)[0]
    sandbox = task.attempt.instance.sandbox
    session = client.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = sandbox.pk
    session.save()
    order = Order.objects.for_sandbox(sandbox).order_by("pk").first()
    response = client.post(reverse("console:order_memo", kwargs={"order_id": order.pk}),
                           {"memo-flag": "red", "memo-seller_memo": memo})
    return response, order, sandbox


def test_a_console_write_inside_the_time_is_saved(me, started):
    response, order, _sandbox = _memo_post(me, started, "按时备注")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.seller_memo == "按时备注"


@pytest.mark.parametrize("how", ["deadline", "submitted"])
def test_a_console_write_after_the_deadline_or_submit_is_refused_and_changes_nothing(me, reg, started, how):
    if how == "deadline":
        age(started, 91)  # no page has run the auto-submit yet: the gate alone refuses
    else:
        me.post(url("sitting_submit", registration_id=reg.pk))
    task = tasks_of(started)[0]
    sandbox = task.attempt.instance.sandbox
    order = Order.objects.for_sandbox(sandbox).order_by("pk").first()
    before = (order.seller_memo, order.flag)
    events = ShopEvent.objects.for_sandbox(sandbox).count()
    response, order, _sandbox = _memo_post(me, started, "超时备注")
    assert response.status_code == 409
    assert ("考试时间已到" if how == "deadline" else "已交卷，不能再修改") in response.content.decode()
    assert "这次操作没有保存" in response.content.decode()
    order.refresh_from_db()
    assert (order.seller_memo, order.flag) == before
    assert ShopEvent.objects.for_sandbox(sandbox).count() == events


# -- the clock -------------------------------------------------------------------------------------

def test_the_clock_follows_extra_time(me, reg, started, examiner):
    age(started, 30)
    clock = me.get(url("sitting_clock", registration_id=reg.pk)).json()
    assert clock["status"] == "in_progress" and not clock["submitted"]
    assert 60 * 60 - 5 <= clock["seconds_left"] <= 60 * 60
    registration_extra_time_grant(registration=reg, minutes=10, actor=examiner, reason="电脑故障")
    later = me.get(url("sitting_clock", registration_id=reg.pk)).json()
    assert 70 * 60 - 5 <= later["seconds_left"] <= 70 * 60
    assert timezone.datetime.fromisoformat(later["deadline"]) - timezone.datetime.fromisoformat(clock["deadline"]) \
        == timedelta(minutes=10)
    page = html(me.get(task_url(reg, tasks_of(started)[0])))
    assert timer_text(page) in ("70:00", "69:59")


def test_the_clock_auto_submits_when_the_time_is_up(me, reg, started):
    age(started, 91)
    first, _ = tasks_of(started)
    clock = me.get(url("sitting_clock", registration_id=reg.pk)).json()
    assert clock["status"] == "submitted" and clock["submitted"] and clock["seconds_left"] == 0
    assert sorted(clock["submitted_tasks"]) == sorted(t.pk for t in tasks_of(started))
    started.refresh_from_db()
    assert started.auto_submitted


def test_the_clock_lists_submitted_tasks(me, reg, started):
    first, second = tasks_of(started)
    me.post(url("sitting_task_submit", registration_id=reg.pk, sittingtask_id=first.pk))
    clock = me.get(url("sitting_clock", registration_id=reg.pk)).json()
    assert clock["status"] == "in_progress" and clock["submitted_tasks"] == [first.pk]


# -- another candidate's ids -----------------------------------------------------------------------

def test_another_candidates_registration_or_task_is_a_404_everywhere(me, exam, reg, started, make_user):
    other_user = make_user("cand_b")
    other_reg = register(exam, other_user, 2)
    other = sitting_start(registration=other_reg, actor=other_user)
    other_task = tasks_of(other)[0]
    mine = tasks_of(started)[0]
    ScoreReview.objects.create(registration=other_reg, reason="别人的申请")
    events = SittingEvent.objects.filter(sitting=other).count()
    session_before = me.session.get(ACTIVE_SANDBOX_SESSION_KEY)
    urls = [
        url("sitting_start_page", registration_id=other_reg.pk),
        url("sitting_start", registration_id=other_reg.pk),
        url("sitting_clock", registration_id=other_reg.pk),
        url("sitting_submit", registration_id=other_reg.pk),
        url("sitting_results", registration_id=other_reg.pk),
        url("score_review", registration_id=other_reg.pk),
        # the other's task under their registration, and under mine
        url("sitting_task", registration_id=other_reg.pk, sittingtask_id=other_task.pk),
        url("sitting_task", registration_id=reg.pk, sittingtask_id=other_task.pk),
        url("sitting_task_console", registration_id=other_reg.pk, sittingtask_id=other_task.pk),
        url("sitting_task_console", registration_id=reg.pk, sittingtask_id=other_task.pk),
        url("sitting_task_submit", registration_id=other_reg.pk, sittingtask_id=other_task.pk),
        url("sitting_task_submit", registration_id=reg.pk, sittingtask_id=other_task.pk),
        # my task under their registration
        url("sitting_task", registration_id=other_reg.pk, sittingtask_id=mine.pk),
    ]
    names = {p.name for p in workspace_urls.urlpatterns if "registration_id" in str(p.pattern)}
    assert names == {"sitting_start_page", "sitting_start", "sitting_clock", "sitting_submit", "sitting_results",
                     "score_review", "sitting_task", "sitting_task_console", "sitting_task_submit"}
    for target in urls:
        for method in ("get", "post"):
            code = getattr(me, method)(target, {"reason": "想看别人的"}).status_code
            assert code in (404, 405), f"{method.upper()} {target}: {code}"
        assert 404 in (me.get(target).status_code, me.post(target).status_code), target
    other.refresh_from_db()
    assert other.status == Sitting.Status.IN_PROGRESS
    assert {t.attempt.status for t in tasks_of(other)} == {Attempt.Status.IN_PROGRESS}
    assert SittingEvent.objects.filter(sitting=other).count() == events
    assert ScoreReview.objects.filter(registration=other_reg).count() == 1
    assert me.session.get(ACTIVE_SANDBOX_SESSION_KEY) == session_before
    assert "考生2" not in html(me.get(url("sitting_list")))


def test_only_candidates_reach_the_workspace(client, examiner, reg):
    assert client.get(url("sitting_list"))["Location"].startswith(reverse("accounts:login"))
    client.force_login(examiner)
    assert client.get(url("sitting_list")).status_code == 403
    assert client.get(url("sitting_start_page", registration_id=reg.pk)).status_code == 403


# -- my exams --------------------------------------------------------------------------------------

def test_my_exams_lists_each_registration_with_its_status(me, exam, reg, candidate, examiner):
    page = html(me.get(url("sitting_list")))
    assert "四级实操考试" in page and reg.ticket_number in page and "未开始" in page and "进入考试" in page
    sitting = sitting_start(registration=reg, actor=candidate)
    age(sitting, 5)
    page = html(me.get(url("sitting_list")))
    assert "作答中" in page and re.search(r"剩余 8[45]:\d\d", page) and "继续作答" in page
    me.post(url("sitting_submit", registration_id=reg.pk))
    assert "已交卷" in html(me.get(url("sitting_list")))
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now())
    page = html(me.get(url("sitting_list")))
    assert "成绩已发布" in page and url("sitting_results", registration_id=reg.pk) in page


# -- results ---------------------------------------------------------------------------------------

@pytest.fixture
def graded(me, reg, started, django_capture_on_commit_callbacks):
    """The paper submitted and really graded (the fixture scenario needs no browser)."""
    with django_capture_on_commit_callbacks(execute=True):
        me.post(url("sitting_submit", registration_id=reg.pk))
    assert AttemptReport.objects.count() == 2
    return started


def test_results_are_hidden_until_published(me, exam, reg, graded):
    page = html(me.get(url("sitting_results", registration_id=reg.pk)))
    assert "成绩尚未发布" in page
    assert "成绩汇总" not in page and "评分报告" not in page and "复核理由" not in page
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now())
    page = html(me.get(url("sitting_results", registration_id=reg.pk)))
    assert "成绩尚未发布" not in page and "成绩汇总" in page and "评分报告" in page


def test_results_show_the_exam_results_line_and_each_criterion(me, exam, reg, graded, examiner):
    tasks = tasks_of(graded)
    for task in tasks:
        ManualScore.objects.create(attempt=task.attempt, criterion_id="service_attitude", level="合格", points=1,
                                   comment="信息基本完整", examiner=examiner)
    Registration.objects.filter(pk=reg.pk).update(module_score=80, theory_score=75)
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now())
    exam.refresh_from_db()
    line = next(x for x in exam_results(exam) if x.registration.pk == reg.pk)
    assert line.operational is not None and line.composed is not None  # a blank shop: low, but scored
    page = html(me.get(url("sitting_results", registration_id=reg.pk)))
    for score in line.tasks:
        assert f"{score.earned} / {score.max}" in page and f"<td>{score.percent}</td>" in page
    assert f"<dd>{line.operational}</dd>" in page and f"<dd>{line.composed}</dd>" in page
    assert "<dd>80.00</dd>" in page and "<dd>75.00</dd>" in page
    assert ("不合格" if line.passed is False else "合格") in page
    # the criterion report: the examiner's manual score and comment replace the machine's 0
    assert "备注用语规范" in page and "1.00 / 2.00" in page and "合格：信息基本完整" in page
    assert "练习中不自动评分" not in page and "评分截图 1" not in page and "/evidence/" not in page
    assert "评分截图等证据由考评员查看" in page


# -- 成绩复核 ----------------------------------------------------------------------------------------

def test_working_days_skip_weekends():
    friday = date(2025, 1, 3)
    assert friday.weekday() == 4
    assert selectors.working_days_after(friday, 1) == date(2025, 1, 6)
    assert selectors.working_days_after(friday, 10) == date(2025, 1, 17)
    assert selectors.working_days_after(date(2025, 1, 6), 5) == date(2025, 1, 13)


def test_the_review_window_is_counted_in_working_days(exam):
    published = timezone.make_aware(timezone.datetime(2025, 1, 3, 16, 0))  # a Friday afternoon, Shanghai time
    exam.results_published_at = published
    assert selectors.review_last_day(exam) == date(2025, 1, 17)
    assert selectors.review_window_open(exam, today=date(2025, 1, 17))
    assert not selectors.review_window_open(exam, today=date(2025, 1, 18))
    exam.results_published_at = None
    assert selectors.review_last_day(exam) is None and not selectors.review_window_open(exam, today=date(2025, 1, 4))


def test_a_review_before_publication_is_refused(me, reg, graded):
    with pytest.raises(ExamError, match="成绩尚未发布"):
        score_review_file(registration=reg, reason="分数不对")
    me.post(url("score_review", registration_id=reg.pk), {"reason": "分数不对"})
    assert not ScoreReview.objects.exists()


def test_a_review_inside_the_window_is_filed_shown_escaped_and_journaled(me, exam, reg, graded):
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now() - timedelta(days=1))
    page = html(me.post(url("score_review", registration_id=reg.pk), {"reason": "第一题<script>alert(1)</script>备注"},
                        follow=True))
    review = ScoreReview.objects.get()
    assert review.registration == reg and review.status == ScoreReview.Status.OPEN
    assert "复核申请已提交" in page and "待处理" in page
    assert "第一题&lt;script&gt;alert(1)&lt;/script&gt;备注" in page and "<script>alert(1)" not in page
    assert "正在处理中" in page and 'name="reason"' not in page  # one open request at a time
    assert SittingEvent.objects.filter(sitting=graded, action="review_filed").count() == 1


def test_one_open_review_at_a_time_then_another_after_resolution(me, exam, reg, graded, examiner):
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now())
    me.post(url("score_review", registration_id=reg.pk), {"reason": "第一次"})
    page = html(me.post(url("score_review", registration_id=reg.pk), {"reason": "第二次"}, follow=True))
    assert "已有一份待处理的复核申请" in page
    assert list(ScoreReview.objects.values_list("reason", flat=True)) == ["第一次"]
    ScoreReview.objects.update(status=ScoreReview.Status.RESOLVED, outcome=ScoreReview.Outcome.UNCHANGED,
                               resolution="经复核，评分无误", resolved_by=examiner, resolved_at=timezone.now())
    page = html(me.get(url("sitting_results", registration_id=reg.pk)))
    assert "已处理" in page and "维持原成绩" in page and "经复核，评分无误" in page and 'name="reason"' in page
    me.post(url("score_review", registration_id=reg.pk), {"reason": "第二次"})
    assert ScoreReview.objects.count() == 2


def test_a_review_after_the_window_is_refused(me, exam, reg, graded):
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now() - timedelta(days=30))
    page = html(me.get(url("sitting_results", registration_id=reg.pk)))
    assert "复核申请期限已过" in page and 'name="reason"' not in page
    page = html(me.post(url("score_review", registration_id=reg.pk), {"reason": "晚了"}, follow=True))
    assert "复核申请期限已过（截至" in page
    assert not ScoreReview.objects.exists()


@pytest.mark.parametrize("reason, message", [("字" * 1001, "复核理由不能超过 1000 个字"), ("   ", "请填写复核理由")])
def test_a_review_reason_must_be_given_and_short(me, exam, reg, graded, reason, message):
    Exam.objects.filter(pk=exam.pk).update(results_published_at=timezone.now())
    page = html(me.post(url("score_review", registration_id=reg.pk), {"reason": reason}))
    assert message in page
    assert not ScoreReview.objects.exists()
    with pytest.raises(ExamError):
        score_review_file(registration=reg, reason=reason)
    assert score_review_file(registration=reg, reason="字" * 1000).reason == "字" * 1000


# -- the console's exam banner ---------------------------------------------------------------------

def test_the_console_shows_the_exam_banner_in_an_exam_sandbox_only(me, reg, started, candidate, make_sandbox):
    first = tasks_of(started)[0]
    me.get(url("sitting_task_console", registration_id=reg.pk, sittingtask_id=first.pk))
    page = html(me.get(reverse("console:order_list")))
    assert 'aria-label="当前考试"' in page and "发货与备注" in page
    assert f'<a href="{task_url(reg, first)}" target="_top">返回答题页</a>' in page
    assert 'role="timer"' in page and url("sitting_clock", registration_id=reg.pk) in page
    plain = make_sandbox(owner=candidate, name="普通店铺")
    session = me.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = plain.pk
    session.save()
    page = html(me.get(reverse("console:order_list")))
    assert "普通店铺" in page and "当前考试" not in page and "返回答题页" not in page


def _render_banner(sandbox, user) -> tuple[str, int]:
    request = RequestFactory().get("/console/")
    request.sandbox, request.user = sandbox, user
    with CaptureQueriesContext(connection) as seen:
        out = Template("{% load exam_banner %}{% exam_banner %}").render(Context({"request": request}))
    return out.strip(), len(seen.captured_queries)


def test_the_banner_is_cheap(reg, started, candidate, make_sandbox, make_user):
    sandbox = tasks_of(started)[0].attempt.instance.sandbox
    out, _first = _render_banner(sandbox, candidate)
    assert "当前考试" in out
    out, queries = _render_banner(sandbox, candidate)
    assert "当前考试" in out and queries == 1  # the live deadline and status: one query
    plain = make_sandbox(owner=candidate, name="普通店铺")
    assert _render_banner(plain, candidate) == ("", 1)
    assert _render_banner(plain, candidate) == ("", 0)  # "no exam here" is cached
    # someone else in this sandbox (an admin looking) gets no candidate's banner
    assert _render_banner(sandbox, make_user("cand_c"))[0] == ""


def test_banner_and_recorder_share_one_query_per_page(reg, started, candidate):
    """Both ask "which exam task of this user works here" on every console page of an exam sandbox:
    one query answers both for the request, and each still draws its own conclusion."""
    sandbox = tasks_of(started)[0].attempt.instance.sandbox
    _render_banner(sandbox, candidate)  # warms the per-sandbox cache, as the first page does
    request = RequestFactory().get("/console/")
    request.sandbox, request.user = sandbox, candidate
    with CaptureQueriesContext(connection) as seen:
        out = Template("{% load exam_banner recording %}{% exam_banner %}{% recorder %}").render(
            Context({"request": request}))
    assert "当前考试" in out and "rrweb" in out.lower()
    assert len(seen.captured_queries) == 1, [q["sql"] for q in seen.captured_queries]
    other = RequestFactory().get("/console/")  # a new request asks the database again: live status
    other.sandbox, other.user = sandbox, candidate
    with CaptureQueriesContext(connection) as seen:
        Template("{% load exam_banner %}{% exam_banner %}").render(Context({"request": other}))
    assert len(seen.captured_queries) == 1


def test_a_tasks_start_hook_runs_when_the_candidate_first_opens_that_task(catalog, reg, candidate, me):
    """Every task is provisioned at 开始考试; task 2's buyer writes in only when the candidate opens
    task 2 (its page or its console frame), once — not while they work on task 1."""
    from shop_sim.models import ChatMessage

    variant = catalog / SLUG_B / "variant.py"
    variant.write_text(variant.read_text(encoding="utf-8") + '''

def start(ctx, params):
    from shop_sim.models import Customer
    buyer = ctx.objects(Customer).order_by("pk").first()
    ctx.services.chat.chat_buyer_message(sandbox=ctx.sandbox, customer=buyer, body="在吗？什么时候发货？")
''', encoding="utf-8")
    sitting = sitting_start(registration=reg, actor=candidate)
    first, second = tasks_of(sitting)
    asked = ChatMessage.objects.for_sandbox(second.attempt.instance.sandbox).filter(body="在吗？什么时候发货？")
    html(me.get(task_url(reg, first)))
    me.get(url("sitting_task_console", registration_id=reg.pk, sittingtask_id=first.pk))
    second.attempt.instance.refresh_from_db()
    assert not asked.exists() and second.attempt.instance.started_at is None
    before = timezone.now()
    html(me.get(task_url(reg, second)))
    me.get(url("sitting_task_console", registration_id=reg.pk, sittingtask_id=second.pk))
    html(me.get(task_url(reg, second)))
    second.attempt.instance.refresh_from_db()
    assert asked.count() == 1 and before <= second.attempt.instance.started_at <= timezone.now()
    assert before <= asked.get().created_at
