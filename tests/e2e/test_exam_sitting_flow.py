"""A whole sitting, end to end, in real Chromium against the real stack (Daphne + a db_worker):

the examiner imports two candidates; both log in with ticket number + ID number and sit a two-task
paper at the same time in their own browser contexts; 甲 works and submits early; 乙 works, runs out
of (shortened) time, is auto-submitted by the server and is then refused a late write; the worker
grades every task; the examiner opens 乙's replay and jumps to a journal event, enters the manual
scores (anonymised), regrades one attempt (a new version, the old one kept) and exports the results.

The paper is two copies of the browser-free fixture scenario ship-and-memo (each with a manual
criterion), so grading is real but quick.
"""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sandbox.exams.models import Exam, ExamPart, ManualScore, Registration, Sitting
from sandbox.recording.models import RecordingChunk
from sandbox.runtime.models import AttemptReport
from shop_sim.models import Order, ShopEvent
from tests.e2e.servers import catalog_server, grading_worker
from tests.unit.exam_helpers import PARTS, exam_catalog
from tests.unit.scenario_fixtures.helpers import edit

WAIT_S = 60
CSV = ("姓名,证件类型,证件号码,级别\n"
       "甲考生,居民身份证,110105199003071239,四级\n"
       "乙考生,居民身份证,44010619951212002X,四级\n")


@pytest.fixture(scope="module")
def sitting_catalog(tmp_path_factory):
    root = exam_catalog(tmp_path_factory.mktemp("sitting-catalog"))
    # the second task's manual criterion gets its own id and wording
    edit(root / PARTS[1] / "scenario.yaml", "id: service_attitude", "id: memo_wording")
    edit(root / PARTS[1] / "scenario.yaml", "description: {zh: 备注用语规范, en: Memo wording}",
         "description: {zh: 第二题备注措辞, en: Memo wording (task 2)}")
    return root


@pytest.fixture(scope="module")
def sitting_server(django_db_setup, django_db_blocker, tmp_path_factory, sitting_catalog):
    media = tmp_path_factory.mktemp("sitting-media")
    with catalog_server(django_db_blocker, catalog=sitting_catalog, media=media) as url:
        yield url, media


def _wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _context(browser, url):
    context = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1400, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    return context


def _ticket_login(page, registration):
    page.goto("/exam/login/")
    page.get_by_label("准考证号").fill(registration.ticket_number)
    page.get_by_label("证件号码").fill(registration.id_number)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/sitting/$"))


def _start(page):
    page.get_by_role("row").filter(has_text="四级实操（全流程）").get_by_role("link", name="进入考试").click()
    page.get_by_role("button", name="开始考试").click()
    expect(page.get_by_role("heading", name="任务说明")).to_be_visible(timeout=WAIT_S * 1000)
    expect(page.get_by_role("timer")).to_be_visible()


def _memo_in_frame(page, order_no: str, text: str):
    frame = page.frame_locator('iframe[title="商家后台"]')
    frame.get_by_role("link", name="已卖出的宝贝").click()
    frame.get_by_label("搜索", exact=True).fill(order_no)
    frame.get_by_role("button", name="搜索订单").click()
    frame.locator("tbody.order").filter(has_text=order_no).get_by_role("link", name="详情").click()
    memo = frame.locator("#memo")
    memo.get_by_label("卖家备注").fill(text)
    memo.get_by_role("button", name="保存备注").click()
    expect(frame.get_by_role("status")).to_contain_text("旗帜和备注已保存")


def _first_order_no(registration, position: int) -> str:
    task = Sitting.objects.get(registration=registration).tasks.get(part__position=position)
    return task.attempt.instance.params["order_nos"][0]


def test_a_whole_sitting_from_import_to_export(browser, sitting_server, sitting_catalog, make_user, settings,
                                              tmp_path):
    url, media = sitting_server
    settings.SCENARIO_CATALOG_DIR = str(sitting_catalog)
    settings.MEDIA_ROOT = str(media)
    examiner = make_user("kaoping_flow", "examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操（全流程）", level="4", duration_minutes=60, module_weight=0,
                               window_start=now - timedelta(minutes=5), window_end=now + timedelta(hours=2),
                               created_by=examiner)
    for position, slug in enumerate(PARTS, start=1):
        ExamPart.objects.create(exam=exam, position=position, scenario_slug=slug, title=f"第{position}题")
    csv_path = tmp_path / "candidates.csv"
    csv_path.write_text(CSV, encoding="utf-8-sig")

    examiner_ctx = _context(browser, url)
    jia_ctx, yi_ctx = _context(browser, url), _context(browser, url)
    try:
        # -- the examiner imports the candidates ------------------------------------------------
        page = examiner_ctx.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill("kaoping_flow")
        page.get_by_label("密码").fill("pass-1234")
        page.get_by_role("button", name="登录").click()
        page.goto(f"/exam/{exam.pk}/")
        page.get_by_role("link", name="导入考生").click()
        page.get_by_label("考生名单文件（CSV 或 XLSX）").set_input_files(str(csv_path))
        page.get_by_role("button", name="导入").click()
        expect(page.get_by_role("status")).to_contain_text("已导入 2 名考生")
        jia = Registration.objects.get(exam=exam, full_name="甲考生")
        yi = Registration.objects.get(exam=exam, full_name="乙考生")

        # -- both candidates sit the paper at once ------------------------------------------------
        jia_page, yi_page = jia_ctx.new_page(), yi_ctx.new_page()
        _ticket_login(jia_page, jia)
        _ticket_login(yi_page, yi)
        _start(jia_page)
        _start(yi_page)
        _memo_in_frame(jia_page, _first_order_no(jia, 1), "甲的备注：已联系买家")
        _memo_in_frame(yi_page, _first_order_no(yi, 1), "乙的备注：按时发货")

        # 甲 submits the whole paper early
        jia_page.get_by_role("link", name="交卷（全部）").click()
        jia_page.get_by_role("button", name="确认交卷").click()
        expect(jia_page.get_by_text("本场考试已交卷。")).to_be_visible()

        # 乙's time runs out (shortened: the deadline is a few seconds away); the page follows the server
        Sitting.objects.filter(registration=yi).update(started_at=timezone.now() - timedelta(minutes=60, seconds=-6))
        yi_page.reload()
        expect(yi_page.get_by_text("考试时间已到，系统已自动交卷。").first).to_be_visible(timeout=30_000)
        yi_sitting = Sitting.objects.get(registration=yi)
        assert yi_sitting.status == "submitted" and yi_sitting.auto_submitted
        assert Sitting.objects.get(registration=jia).auto_submitted is False

        # …and a late write from an old console tab is refused, changing nothing
        yi_sandbox = yi_sitting.tasks.get(part__position=1).attempt.instance.sandbox
        order = Order.objects.for_sandbox(yi_sandbox).get(order_no=_first_order_no(yi, 1))
        events = ShopEvent.objects.for_sandbox(yi_sandbox).count()
        console = yi_ctx.new_page()
        console.goto(f"/console/orders/{order.pk}/")
        console.locator("#memo").get_by_label("卖家备注").fill("交卷后还想改")
        console.locator("#memo").get_by_role("button", name="保存备注").click()
        expect(console.get_by_role("alert")).to_contain_text("不能再修改")
        order.refresh_from_db()
        assert order.seller_memo == "乙的备注：按时发货"
        assert ShopEvent.objects.for_sandbox(yi_sandbox).count() == events

        # -- grading runs on the worker --------------------------------------------------------------
        with grading_worker(url=url, catalog=sitting_catalog, media=media, log_path=tmp_path / "worker.log"):
            _wait_for(lambda: AttemptReport.objects.filter(attempt__sitting_task__sitting__registration__exam=exam)
                      .count() == 4, "four graded tasks")
            yi_attempt = yi_sitting.tasks.get(part__position=1).attempt
            assert RecordingChunk.objects.filter(attempt=yi_attempt).exists()

            # -- the examiner: board, replay, manual scores, regrade, export ----------------------------
            page.goto(f"/review/{exam.pk}/board/")
            for registration in (jia, yi):
                expect(page.get_by_role("row").filter(has_text=registration.ticket_number)).to_contain_text("已评分")

            page.goto(f"/review/{exam.pk}/attempts/{yi_attempt.pk}/")
            page.get_by_role("link", name="查看作答回放").click()
            expect(page.locator("#player")).to_have_attribute("data-state", "ready", timeout=20_000)
            memo_event = page.locator("#journal .journal-row", has=page.locator(".action", has_text="修改旗帜/备注")).first
            memo_event.get_by_role("button").click()
            expect(memo_event).to_have_attribute("aria-current", "true")

            page.goto(f"/review/{exam.pk}/manual/")
            page.get_by_role("link", name="评分：备注用语规范").click()
            assert "甲考生" not in page.content() and "乙考生" not in page.content()
            for code in ("A1", "A2"):
                heading = page.get_by_role("heading", name=re.compile(f"答卷 {code}"))
                expect(heading).to_be_visible()
                form = page.locator("form").filter(has=page.get_by_role("button", name=f"保存答卷 {code} 的评分"))
                form.get_by_label("合格（1 分）：信息基本完整").check()
                form.get_by_label(f"答卷 {code} 的评语").fill("信息基本完整")
                form.get_by_role("button", name=f"保存答卷 {code} 的评分").click()
                expect(page.get_by_text(f"答卷 {code} 的评分已保存")).to_be_visible()
            assert ManualScore.objects.filter(criterion_id="service_attitude").count() == 2

            page.goto(f"/review/{exam.pk}/attempts/{yi_attempt.pk}/")
            page.get_by_role("button", name="试评（不保存）").click()
            expect(page.locator("#regrade")).to_contain_text("试评结果", timeout=WAIT_S * 1000)
            page.get_by_role("button", name="确认重新评分（生成新版本）").click()
            expect(page.get_by_text("重新评分完成，已生成新的评分版本")).to_be_visible(timeout=WAIT_S * 1000)
            assert list(AttemptReport.objects.filter(attempt=yi_attempt).values_list("version", flat=True)) == [1, 2]

        page.goto(f"/review/{exam.pk}/results/")
        with page.expect_download() as download:
            page.get_by_role("link", name="导出 CSV").click()
        target = tmp_path / "results.csv"
        download.value.save_as(target)
        text = target.read_bytes().decode("utf-8-sig")
        assert jia.ticket_number in text and yi.ticket_number in text and "甲考生" in text
    finally:
        for context in (examiner_ctx, jia_ctx, yi_ctx):
            context.close()
