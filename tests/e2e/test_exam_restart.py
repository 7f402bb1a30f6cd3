"""The server is killed (SIGKILL) in the middle of a sitting and started again: every change the
candidate saw acknowledged is still there, the clock has not moved (the deadline is data, not a
timer in a process), and the candidate goes on in the same session."""

import re
from functools import partial

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from playwright.sync_api import expect

from sandbox.exams.models import Sitting, SittingEvent
from sandbox.exams.services import sitting_start
from shop_sim.models import Order
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create


def _unblock(blocker):
    blocker.unblock()


def _server(blocker) -> DaphneProcess:
    process = DaphneProcess("127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler),
                            setup=partial(_unblock, blocker))
    process.start()
    assert process.ready.wait(timeout=30), "Daphne did not start"
    return process


@pytest.fixture
def exam_setup(settings, tmp_path, make_user):
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    examiner = make_user("kaoping_r", role="examiner")
    candidate = make_user("kaosheng_r")
    exam = exam_create(created_by=examiner)
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000140101")
    sitting = sitting_start(registration=registration, actor=candidate)
    return candidate, sitting


def test_kill_9_mid_sitting_loses_no_acknowledged_change_and_keeps_the_clock(exam_setup, browser, django_db_blocker):
    candidate, sitting = exam_setup
    deadline = sitting.deadline
    # the console opens the newest of the candidate's sandboxes: the second task's
    sandbox = sitting.tasks.order_by("-part__position").first().attempt.instance.sandbox
    order = Order.objects.for_sandbox(sandbox).order_by("order_no").first()
    server = _server(django_db_blocker)
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        base = f"http://127.0.0.1:{server.port.value}"
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("kaosheng_r")
        page.get_by_label("密码").fill("pass-1234")
        page.get_by_role("button", name="登录").click()
        expect(page).not_to_have_url(re.compile("/accounts/login/"))
        page.goto(f"{base}/console/orders/{order.pk}/")
        page.get_by_label("卖家备注").fill("重启前保存的备注")
        page.get_by_role("button", name="保存备注").click()
        expect(page.locator("dd.memo")).to_have_text("重启前保存的备注")  # acknowledged
        clock_url = f"/sitting/{sitting.registration_id}/clock/"
        clock_before = page.request.get(base + clock_url).json()

        server.kill()  # SIGKILL: no shutdown handlers run
        server.join(timeout=10)
        server = _server(django_db_blocker)
        base = f"http://127.0.0.1:{server.port.value}"

        clock_after = page.request.get(base + clock_url).json()
        assert clock_after["deadline"] == clock_before["deadline"] and clock_after["status"] == "in_progress"
        assert 0 <= clock_before["seconds_left"] - clock_after["seconds_left"] <= 30
        page.goto(f"{base}/console/orders/{order.pk}/")  # same browser session, new process
        expect(page.locator("dd.memo")).to_have_text("重启前保存的备注")
        page.get_by_label("卖家备注").fill("重启后继续作答")
        page.get_by_role("button", name="保存备注").click()
        expect(page.locator("dd.memo")).to_have_text("重启后继续作答")
    finally:
        context.close()
        server.kill()
        server.join(timeout=10)
    order.refresh_from_db()
    assert order.seller_memo == "重启后继续作答"
    after = Sitting.objects.select_related("registration__exam").get(pk=sitting.pk)
    assert after.status == "in_progress" and after.deadline == deadline
    assert list(SittingEvent.objects.filter(sitting=sitting).values_list("action", flat=True)) == ["started"]
