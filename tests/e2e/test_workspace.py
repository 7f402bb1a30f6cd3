"""The candidate's exam workspace in real Chromium: log in, start a one-task paper (order-fulfilment),
read the instructions beside the back office in its frame, watch the server's countdown, add a memo
to an order inside the frame (by labels), submit the task and see 已交卷; past the deadline a write
inside the frame is refused with a clear message and changes nothing; at 0 the page reloads itself
into the auto-submitted state.

The exam rows (Exam, ExamPart, Registration) are the test's setup, as an examiner's import would
leave them; time is moved by putting ``Sitting.started_at`` in the past, never by sleeping long.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sandbox.exams.models import Exam, ExamPart, Registration, Sitting
from shop_sim.models import Customer, Order, ShopEvent
from shop_sim.storefront.buyer import buyer_pass_url

SLUG = "order-fulfilment"
START_TIMEOUT_MS = 60_000  # provisioning the shop (the first time: its template too)


@pytest.fixture
def examinee(make_user):
    examiner = make_user("e2e_kaoping", role="examiner")
    candidate = make_user("e2e_kaosheng")

    def _exam(minutes: int = 90) -> Registration:
        now = timezone.now()
        exam = Exam.objects.create(name="四级实操考试（测试）", level="4", duration_minutes=minutes,
                                   window_start=now - timedelta(hours=1), window_end=now + timedelta(hours=3),
                                   created_by=examiner)
        ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="订单处理")
        return Registration.objects.create(exam=exam, candidate=candidate, full_name="王小明",
                                           id_number="110101199001011234", ticket_number="2025000101")

    return candidate, _exam


def _start(page, login, candidate):
    login(page, candidate.username)
    page.goto("/sitting/")
    row = page.get_by_role("row").filter(has_text="四级实操考试（测试）")
    expect(row).to_contain_text("未开始")
    row.get_by_role("link", name="进入考试").click()
    expect(page.get_by_role("heading", name="考场规则")).to_be_visible()
    expect(page.get_by_text("2025000101")).to_be_visible()
    page.get_by_role("button", name="开始考试").click()
    expect(page.get_by_role("heading", name="任务说明")).to_be_visible(timeout=START_TIMEOUT_MS)
    return Sitting.objects.select_related("registration").get(registration__candidate=candidate)


def _open_order(frame, order_no: str):
    frame.get_by_role("link", name="已卖出的宝贝").click()
    frame.get_by_label("搜索", exact=True).fill(order_no)
    frame.get_by_role("button", name="搜索订单").click()
    frame.locator("tbody.order").filter(has_text=order_no).get_by_role("link", name="详情").click()
    expect(frame.get_by_role("heading", name=re.compile("订单详情"))).to_be_visible()
    return frame.locator("#memo")


def test_a_candidate_sits_a_one_task_paper(new_page, login, examinee):
    candidate, make_exam = examinee
    make_exam()
    page = new_page()
    sitting = _start(page, login, candidate)
    task = sitting.tasks.select_related("attempt__instance__sandbox").get()
    params = task.attempt.instance.params
    order_no = params["orders"]["d"]["order_no"]

    # the instructions of this candidate's variant, the countdown, the storefront link
    expect(page.get_by_role("region", name="任务说明")).to_contain_text(order_no)
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^(90:00|89:[0-5]\d)$"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=3000)  # it ticks
    store = page.get_by_role("link", name="打开店铺前台")
    assert store.get_attribute("target") == "_blank"
    assert store.get_attribute("href") == buyer_pass_url(task.attempt.instance.sandbox)  # the shop's buyer pass
    expect(page.get_by_role("navigation", name="试题").get_by_role("link", name=re.compile("订单处理"))) \
        .to_have_attribute("aria-current", "page")

    # work inside the frame: the exam banner, then a memo on the order
    frame = page.frame_locator('iframe[title="商家后台"]')
    banner = frame.get_by_role("region", name="当前考试")
    expect(banner).to_contain_text("订单处理")
    expect(banner.get_by_role("link", name="返回答题页")).to_have_attribute("target", "_top")
    memo = _open_order(frame, order_no)
    memo.get_by_label("卖家备注").fill("考试中添加的备注")
    memo.get_by_role("button", name="保存备注").click()
    expect(frame.get_by_role("status")).to_contain_text("旗帜和备注已保存")
    assert Order.objects.for_sandbox(task.attempt.instance.sandbox).get(order_no=order_no).seller_memo == \
        "考试中添加的备注"

    # 交卷本题, confirmed: the task (the whole paper, here) is submitted, the frame gives way to a notice
    page.get_by_role("link", name="交卷本题").click()
    expect(page.get_by_text("确认交卷“订单处理”")).to_be_visible()
    page.get_by_role("button", name="确认交卷本题").click()
    expect(page.get_by_role("navigation", name="试题")).to_contain_text("已交卷")
    expect(page.get_by_text("本题已交卷，店铺已冻结，不能再修改。")).to_be_visible()
    expect(page.locator('iframe[title="商家后台"]')).to_have_count(0)
    expect(page.get_by_text("本场考试已交卷。")).to_be_visible()
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED and not sitting.auto_submitted
    page.goto("/sitting/")
    expect(page.get_by_role("row").filter(has_text="四级实操考试（测试）")).to_contain_text("已交卷")


def test_the_exam_shops_buyers_are_the_candidates_alone(new_page, login, examinee):
    """打开店铺前台 makes the candidate's browser the shop's buyer; a stranger's browser with the
    storefront key and a member name is refused and creates no customer."""
    candidate, make_exam = examinee
    make_exam()
    page = new_page()
    sitting = _start(page, login, candidate)
    sandbox = sitting.tasks.select_related("attempt__instance__sandbox").get().attempt.instance.sandbox
    customers = Customer.objects.for_sandbox(sandbox).count()

    with page.expect_popup() as popup:
        page.get_by_role("link", name="打开店铺前台").click()
    shop = popup.value
    expect(shop).to_have_url(re.compile(rf"/s/{re.escape(sandbox.storefront_key)}/$"))  # the pass left the bar
    shop.goto(f"/s/{sandbox.storefront_key}/login/")
    shop.get_by_label("会员名").fill("考生自己的买家")
    shop.get_by_role("button", name="登录").click()
    expect(shop.get_by_text("欢迎，考生自己的买家")).to_be_visible()

    stranger = new_page()
    stranger.goto(f"/s/{sandbox.storefront_key}/login/")
    expect(stranger.get_by_role("alert")).to_contain_text("只允许店主本人以模拟买家身份操作")
    expect(stranger.get_by_label("会员名")).to_have_count(0)
    assert Customer.objects.for_sandbox(sandbox).count() == customers + 1


def test_past_the_deadline_a_write_in_the_frame_is_refused(new_page, login, examinee):
    candidate, make_exam = examinee
    make_exam(minutes=1)
    page = new_page()
    sitting = _start(page, login, candidate)
    task = sitting.tasks.select_related("attempt__instance__sandbox").get()
    sandbox = task.attempt.instance.sandbox
    order_no = task.attempt.instance.params["orders"]["d"]["order_no"]
    frame = page.frame_locator('iframe[title="商家后台"]')
    memo = _open_order(frame, order_no)
    memo.get_by_label("卖家备注").fill("超时后的备注")
    before = Order.objects.for_sandbox(sandbox).get(order_no=order_no).seller_memo
    events = ShopEvent.objects.for_sandbox(sandbox).count()

    # the deadline passes while the form is open
    Sitting.objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=2))
    memo.get_by_role("button", name="保存备注").click()
    expect(frame.get_by_role("alert")).to_contain_text(re.compile("不能再修改"))
    expect(frame.get_by_text("这次操作没有保存，店铺数据保持原样。")).to_be_visible()
    assert Order.objects.for_sandbox(sandbox).get(order_no=order_no).seller_memo == before
    assert ShopEvent.objects.for_sandbox(sandbox).count() == events

    # the workspace learns it from the server (a re-sync, here when the tab is shown again) and reloads
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.get_by_text("考试时间已到，系统已自动交卷。").first).to_be_visible(timeout=15_000)
    expect(page.locator('iframe[title="商家后台"]')).to_have_count(0)
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED and sitting.auto_submitted


def test_at_zero_the_workspace_reloads_into_the_auto_submitted_state(new_page, login, examinee):
    candidate, make_exam = examinee
    make_exam(minutes=1)
    page = new_page()
    sitting = _start(page, login, candidate)
    Sitting.objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(seconds=56))
    page.reload()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^00:0[0-4]$"))
    expect(page.get_by_text("考试时间已到，系统已自动交卷。").first).to_be_visible(timeout=15_000)
    expect(page.locator('iframe[title="商家后台"]')).to_have_count(0)
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED and sitting.auto_submitted
