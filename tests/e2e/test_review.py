"""考评 as an examiner does it, in real Chromium against the real stack: a Daphne web server and a
grading worker (``db_worker``) on the task queue.

Two candidates sit a one-task paper (the fixture scenario ship-and-memo: state, text and a manual
criterion, graded without a browser): one is still working, the other did the task, submitted and
was graded by the worker. The examiner opens the live board and grants the first one extra time,
opens the second one's attempt, scores the manual criterion on the anonymous manual page, runs a
regrade dry run after a rubric correction and confirms it (version 2, version 1 kept), and exports
the results as CSV.

Like the practice flow, this module serves from its own Daphne process whose settings point at a
catalog folder of its own; the worker gets the same catalog, database and media through the
environment.
"""

import re
import shutil
import time
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sandbox.exams.models import Exam, ExamPart, ManualScore, Registration
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.runtime.models import AttemptReport
from tests.e2e.servers import catalog_server, grading_worker
from tests.unit.scenario_fixtures.helpers import GOOD, edit, run_script

SLUG = "ship-and-memo"
GRADING_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def review_catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("review-catalog")
    shutil.copytree(GOOD, root / SLUG)
    return root


@pytest.fixture(scope="module")
def review_server(django_db_setup, django_db_blocker, tmp_path_factory, review_catalog):
    media = tmp_path_factory.mktemp("review-media")
    with catalog_server(django_db_blocker, catalog=review_catalog, media=media) as url:
        yield url, media


@pytest.fixture
def start_worker(review_server, review_catalog, tmp_path):
    """Starts one grading worker on the test database (after the test has set up its rows)."""
    url, media = review_server
    with ExitStack() as stack:
        yield lambda: stack.enter_context(grading_worker(url=url, catalog=review_catalog, media=media,
                                                         log_path=tmp_path / "worker.log"))


def _wait_for(condition, what: str):
    deadline = time.monotonic() + GRADING_TIMEOUT_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_examiner_board_extra_time_manual_score_regrade_and_export(
        browser, review_server, review_catalog, start_worker, make_user, settings, tmp_path):
    url, media = review_server
    settings.SCENARIO_CATALOG_DIR = str(review_catalog)
    settings.MEDIA_ROOT = str(media)
    examiner = make_user("kaoping", "examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操考试（考评演示）", duration_minutes=90, window_start=now - timedelta(hours=1),
                               window_end=now + timedelta(hours=3), created_by=examiner, module_weight=0)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="订单发货", weight=Decimal("1"))
    working = Registration.objects.create(exam=exam, candidate=make_user("kaosheng1"), full_name="张三",
                                          id_number="110101199001010011", ticket_number="T20250001")
    done = Registration.objects.create(exam=exam, candidate=make_user("kaosheng2"), full_name="李四",
                                       id_number="110101199001010022", ticket_number="T20250002")
    sitting_start(registration=working, actor=working.candidate)
    sitting = sitting_start(registration=done, actor=done.candidate)
    attempt = sitting.tasks.get().attempt
    run_script(review_catalog / SLUG / "solution.py", attempt.instance)
    sitting_submit(sitting=sitting, actor=done.candidate)  # queues the grading
    start_worker()
    _wait_for(lambda: AttemptReport.objects.filter(attempt=attempt).exists(), "the worker's grading")
    v1 = AttemptReport.objects.get(attempt=attempt)

    context = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1366, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill("kaoping")
        page.get_by_label("密码").fill("pass-1234")
        page.get_by_role("button", name="登录").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

        # the exams list → the live board
        page.goto("/review/")
        row = page.get_by_role("row").filter(has_text="四级实操考试（考评演示）")
        expect(row).to_contain_text("2")
        row.get_by_role("link", name="考场监控").click()
        working_row = page.get_by_role("row").filter(has_text="T20250001")
        expect(working_row).to_contain_text("作答中")
        expect(working_row).to_contain_text(re.compile(r"1:\d\d:\d\d"))
        expect(page.get_by_role("row").filter(has_text="T20250002")).to_contain_text("已评分")

        # 延长时间 for the candidate still working; a bad value first
        working_row.get_by_text("为 T20250001 延长时间").click()
        working_row.get_by_label("延长分钟数").fill("10")
        working_row.get_by_label("原因").fill("   ")  # passes the browser's check, not the server's
        working_row.get_by_role("button", name="确认延长").click()
        working_row = page.get_by_role("row").filter(has_text="T20250001")
        expect(working_row).to_contain_text("这个字段是必填项")
        working.refresh_from_db()
        assert working.extra_minutes == 0
        working_row.get_by_label("原因").fill("机器故障，更换座位")
        working_row.get_by_role("button", name="确认延长").click()
        expect(page.get_by_text("已为 T20250001 张三 延长 10 分钟")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="T20250001")).to_contain_text("已延长 10 分钟")
        working.refresh_from_db()
        assert working.extra_minutes == 10

        # results → the graded attempt
        page.get_by_role("navigation").get_by_role("link", name="成绩", exact=True).click()
        page.get_by_role("row").filter(has_text="T20250002").get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("李四")
        expect(page.get_by_text("待考评员评分").first).to_be_visible()
        expect(page.get_by_role("link", name="查看作答回放")).to_have_attribute("href", f"/replay/{attempt.pk}/")

        # manual scoring, one criterion across the (anonymous) answers
        page.get_by_role("navigation").get_by_role("link", name="人工评分").click()
        page.get_by_role("link", name="评分：备注用语规范").click()
        expect(page.get_by_role("heading", name=re.compile("答卷 A1"))).to_be_visible()
        assert "李四" not in page.content() and "T20250002" not in page.content()
        page.get_by_label("合格（1 分）：信息基本完整").check()
        page.get_by_label("答卷 A1 的评语").fill("备注信息基本完整，用语可更规范")
        page.get_by_role("button", name="保存答卷 A1 的评分").click()
        expect(page.get_by_text("答卷 A1 的评分已保存")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("答卷 A1"))).to_contain_text("已评：合格（1.00 分）")
        score = ManualScore.objects.get(attempt=attempt)
        assert (score.level, score.points, score.examiner) == ("合格", Decimal("1"), examiner)

        # the rubric is corrected after the exam: a dry run shows what would change, then the regrade
        edit(review_catalog / SLUG / "scenario.yaml", 'expect: {seller_memo: {contains: "{{ params.memo }}"}}',
             'expect: {seller_memo: {contains: "不可能的备注"}}')
        page.goto(f"/review/{exam.pk}/attempts/{attempt.pk}/")
        page.get_by_role("button", name="试评（不保存）").click()
        regrade = page.locator("#regrade")
        expect(regrade).to_contain_text("试评结果", timeout=GRADING_TIMEOUT_S * 1000)
        expect(regrade).to_contain_text(f"总分 {v1.total} → {v1.total - 2}")
        expect(regrade.locator("tr.changed")).to_have_count(1)
        expect(regrade.locator("tr.changed")).to_contain_text("有变化")
        assert AttemptReport.objects.filter(attempt=attempt).count() == 1
        page.get_by_role("button", name="确认重新评分（生成新版本）").click()
        expect(page.get_by_text("重新评分完成，已生成新的评分版本")).to_be_visible(timeout=GRADING_TIMEOUT_S * 1000)
        expect(page.locator("#report")).to_contain_text("第 2 次评分")
        expect(page.get_by_role("link", name="查看第 1 次评分")).to_be_visible()
        versions = list(AttemptReport.objects.filter(attempt=attempt).order_by("version"))
        assert [r.version for r in versions] == [1, 2]
        assert versions[0].total == v1.total and versions[1].total == v1.total - 2

        # export
        page.get_by_role("navigation").get_by_role("link", name="成绩", exact=True).click()
        with page.expect_download() as download_info:
            page.get_by_role("link", name="导出 CSV").click()
        target = tmp_path / "results.csv"
        download_info.value.save_as(target)
        raw = target.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        assert "准考证号" in text and "T20250001" in text and "T20250002,李四" in text

        # the board follows the sitting without a reload (htmx polling)
        page.get_by_role("navigation").get_by_role("link", name="考场监控").click()
        expect(page).to_have_title(re.compile("考场监控 - 考评"))
        working_row = page.get_by_role("row").filter(has_text="T20250001")
        expect(working_row).to_contain_text("作答中")
        sitting_submit(sitting=working.sitting, actor=working.candidate)
        expect(working_row).to_contain_text(re.compile("已交卷|评分中|已评分"), timeout=12_000)
    finally:
        context.close()
