"""培训练习 as a trainee does it, in real Chromium against the real stack: a web server and a grading
worker (``db_worker``) on the task queue, as ``make run`` starts them.

The trainer has published the fixture scenario ship-memo-ui to the class. The candidate logs in,
lands on 培训练习, starts the task, reads the instructions, ships one order in the console, asks
for grading from the console's practice banner, sees a partial score with the criteria's messages,
then does the rest and sees full marks on the regrade.

The session's live server was started with the default catalog, so this module serves from its own
Daphne process whose settings point at tests/e2e/scenario_fixtures (set in the forked process before
it serves); the worker gets the same catalog, database and media folder through the environment,
and grades against this server (GRADER_BASE_URL).
"""

import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from autograder.solution import script_import
from sandbox.practice.services import publication_create, training_class_create, training_class_member_add
from sandbox.runtime.models import Attempt, AttemptReport
from tests.e2e.servers import catalog_server, grading_worker

FIXTURES = Path(__file__).resolve().parent / "scenario_fixtures"
SLUG = "ship-memo-ui"
GRADING_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def practice_server(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("practice-media")
    with catalog_server(django_db_blocker, catalog=FIXTURES, media=media) as url:
        yield url, media


@pytest.fixture
def worker(practice_server, tmp_path):
    """One grading worker, as `make run` starts it, on the test database."""
    url, media = practice_server
    with grading_worker(url=url, catalog=FIXTURES, media=media, log_path=tmp_path / "worker.log") as process:
        yield process


@pytest.fixture
def trainee(settings, make_user):
    settings.SCENARIO_CATALOG_DIR = str(FIXTURES)
    trainer = make_user("e2e_peixun", role="trainer")
    candidate = make_user("e2e_xueyuan")
    training_class = training_class_create(name="电商一班", trainer=trainer)
    training_class_member_add(training_class=training_class, user=candidate, actor=trainer)
    publication_create(training_class=training_class, scenario_slug=SLUG, actor=trainer)
    return candidate


def _ask_for_grading(page):
    """From any console page: the practice banner's 提交评分, then wait on the task page."""
    page.get_by_role("region", name="当前练习").get_by_role("button", name="提交评分").click()
    report = page.locator("#report")
    expect(report.get_by_role("status")).to_contain_text(re.compile("评分中…|评分完成"))
    expect(report.get_by_role("status")).to_contain_text("评分完成", timeout=GRADING_TIMEOUT_MS)
    return report


def test_a_trainee_practises_a_published_task_until_full_marks(browser, practice_server, worker, trainee):
    started = time.monotonic()
    base_url, _media = practice_server
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    solution = script_import(FIXTURES / SLUG / "solution.py")
    try:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(trainee.username)
        page.get_by_label("密码").fill("pass-1234")
        page.get_by_role("button", name="登录").click()

        # 培训练习: the published task, then start it
        expect(page.get_by_role("heading", level=1)).to_have_text("培训练习")
        row = page.get_by_role("row").filter(has_text="订单发货、备注与店招文字")
        expect(row).to_contain_text("网上交易管理")
        row.get_by_role("button", name="开始练习").click()

        # the task page: the instructions of this candidate's variant
        attempt = Attempt.objects.get(candidate=trainee)
        params = attempt.instance.params
        instructions = page.get_by_role("region", name="任务说明")
        expect(instructions).to_contain_text(f"订单 {params['order_nos'][0]} 和 {params['order_nos'][1]} 已付款")
        expect(instructions).to_contain_text(params["slogan"])
        expect(page.locator("#report")).to_contain_text("还没有评分记录")

        # part of the task in the console: ship the first order
        page.get_by_role("button", name="进入商家后台").click()
        expect(page.get_by_role("region", name="当前练习")).to_contain_text("订单发货、备注与店招文字")
        ctx = SimpleNamespace(page=page, expect=expect, console_url=lambda path: f"{base_url}/console/{path}")
        solution.ship(ctx, params["order_nos"][0], params["carrier_name"], params["waybills"][0])

        report = _ask_for_grading(page)
        first = AttemptReport.objects.get(attempt=attempt, version=1)
        assert 0 < first.total < 20, first.report
        expect(report).to_contain_text(f"得分 {first.total} / 20.00")
        lost = report.get_by_role("row").filter(has_text=f"订单 {params['order_nos'][1]} 用{params['carrier_name']}发货")
        expect(lost).to_contain_text("0.00 / 3.00")
        expect(lost).to_contain_text("期望")  # the message says what was expected and what was found
        expect(report.get_by_role("row").filter(has_text=f"订单 {params['order_nos'][0]} 用")).to_contain_text(
            "3.00 / 3.00")
        # a page check that lost points keeps a screenshot as evidence
        expect(report.get_by_role("link", name="评分截图 1").first).to_be_visible()
        shot = report.get_by_role("link", name="评分截图 1").first.get_attribute("href")

        # the rest of the task, then grading again: full marks
        page.get_by_role("button", name="进入商家后台").click()
        solution.ship(ctx, params["order_nos"][1], params["carrier_name"], params["waybills"][1])
        solution.memo(ctx, params["order_nos"][0], params["memos"][0], params["flag_name"])
        solution.memo(ctx, params["order_nos"][1], params["memos"][1])
        solution.slogan(ctx, params["slogan"])
        report = _ask_for_grading(page)
        expect(report).to_contain_text("得分 20.00 / 20.00")
        expect(report.get_by_role("table", name="历次评分")).to_contain_text("第 2 次")
        assert [r.total for r in AttemptReport.objects.filter(attempt=attempt).order_by("version")] == \
            [first.total, 20]

        # full marks: no check lost points, so none kept a screenshot (GRADER_SCREENSHOTS = on_fail)
        expect(report.get_by_role("link", name="评分截图 1")).to_have_count(0)
        # the first report's evidence opens for the candidate (and only through the checked view)
        assert shot.startswith(f"/practice/attempts/{attempt.pk}/evidence/1/")
        assert context.request.get(base_url + shot).headers["content-type"] == "image/jpeg"
    finally:
        context.close()
    worker.log.seek(0)
    assert worker.poll() is None, worker.log.read()
    assert time.monotonic() - started < 60
