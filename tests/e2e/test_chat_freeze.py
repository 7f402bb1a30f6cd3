"""Chat after 交卷 and after logout, in real Chromium against real Daphne (the WebSockets the pages open).

The candidate's sandbox is an exam attempt of the catalog's customer-service task; the merchant has a
buyer's conversation open in 客服工作台 and the buyer has the widget open on the storefront. The task
is submitted (in the database, as the sitting page does): both sockets stay open, both messages are
refused with the gate's reason on the page, nothing is stored. Then the merchant logs out in another
tab: the still-open workbench socket cannot write any more either.
"""

import re

from playwright.sync_api import expect

from sandbox.runtime.models import Attempt
from sandbox.runtime.services import attempt_start, attempt_submit, attempt_task_open
from shop_sim.models import ChatMessage, ChatSession

SUBMITTED = "该任务已交卷，不能再修改。"


def test_chat_sockets_are_refused_after_submit_and_after_logout(new_page, login, make_user, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    candidate = make_user("e2e_freeze")
    attempt = attempt_start(candidate=candidate, scenario_slug="customer-service", seed=5, mode=Attempt.Mode.EXAM)
    attempt_task_open(attempt=attempt)  # the candidate opens the task: the buyers write in
    sandbox = attempt.instance.sandbox
    nickname = attempt.instance.params["buyers"][0]["nickname"]
    session = ChatSession.objects.for_sandbox(sandbox).get(customer__nickname=nickname)

    merchant = new_page()
    login(merchant, candidate.username)
    merchant.goto(f"/console/chat/{session.pk}/")
    expect(merchant.locator("[data-chat-conn]")).to_have_text("实时连接已建立")

    buyer = new_page()
    buyer.goto(f"/s/{sandbox.storefront_key}/")
    buyer.get_by_role("link", name="登录").first.click()
    buyer.get_by_label("会员名").fill(nickname)
    buyer.get_by_role("button", name=re.compile("登录")).click()
    buyer.get_by_role("button", name="联系客服").click()
    buyer_error = buyer.locator("#chat-widget [data-chat-error]")
    expect(buyer.locator("#chat-widget").get_by_label("输入消息")).to_be_editable()
    merchant.wait_for_timeout(300)  # the buyer's socket has synced

    attempt_submit(attempt=attempt, actor=candidate)
    stored = ChatMessage.objects.for_sandbox(sandbox).count()

    merchant.get_by_label("回复内容").fill("亲，48小时内发货")
    merchant.get_by_role("button", name="发送").click()
    expect(merchant.get_by_role("alert")).to_have_text(SUBMITTED)
    expect(merchant.get_by_label("回复内容")).to_have_value("亲，48小时内发货")  # given back, not lost

    buyer.get_by_label("输入消息").fill("还在吗？")
    buyer.get_by_role("button", name="发送").click()
    expect(buyer_error).to_have_text(SUBMITTED)
    assert ChatMessage.objects.for_sandbox(sandbox).count() == stored

    # Logging out in another tab of the same browser: the open workbench socket is refused and closed.
    other_tab = merchant.context.new_page()
    other_tab.goto("/console/")
    other_tab.get_by_role("button", name="退出").click()
    expect(other_tab).to_have_url(re.compile(r"/accounts/login/"))
    merchant.get_by_role("button", name="发送").click()
    expect(merchant.get_by_role("alert")).to_have_text("登录已失效，请重新登录")
    expect(merchant.locator("[data-chat-conn]")).to_contain_text("实时连接已断开")
    assert ChatMessage.objects.for_sandbox(sandbox).count() == stored
