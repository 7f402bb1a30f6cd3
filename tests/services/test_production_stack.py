"""The production configuration on this machine's PostgreSQL and Redis: two Daphne web processes
and two grading workers (`db_worker`), started as separate processes the way docker-compose starts
the replicas, sharing nothing but the database, Redis and the media folder.

- A merchant's session works on either replica; a buyer chatting through replica 1 reaches the
  merchant's inbox open on replica 2 live (Channels over Redis).
- Killing one replica (SIGKILL) loses no acknowledged change; the other serves on.
- Grading jobs spread over both workers and every attempt is graded exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from bench.stack import production_stack, stack_env, worker_command
from fixtures.generators import generate_shop
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.runtime.models import AttemptReport
from shop_sim.models import Order
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WAIT_S = 90


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(catalog: Path, media: Path, base_url: str) -> dict:
    return stack_env(database_url=_database_url(), redis_url=settings.REDIS_URL, catalog=catalog, media=media,
                     grader_base_url=base_url, extra={"GRADING_STALE_SECONDS": settings.GRADING_STALE_SECONDS})


@contextmanager
def _stack(tmp_path: Path, *, webs: int = 2, workers: int = 2, catalog: Path | None = None):
    catalog = catalog or exam_catalog(tmp_path / "catalog")
    try:
        with production_stack(database_url=_database_url(), redis_url=settings.REDIS_URL, media=tmp_path / "media",
                              log_dir=tmp_path, webs=webs, workers=workers, catalog=catalog,
                              extra_env={"GRADING_STALE_SECONDS": settings.GRADING_STALE_SECONDS}) as stack:
            yield {"urls": stack.urls, "processes": stack.processes, "catalog": catalog, "stack": stack}
    finally:
        # a SIGKILLed replica's connections may linger a moment; the test database must be droppable
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _login(page, base: str, username: str):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-1234")
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


@pytest.fixture
def merchant_shop(transactional_db, make_user, make_sandbox, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    owner = make_user("prod_merchant")
    sandbox = make_sandbox(owner=owner, name="生产配置店")
    generate_shop(sandbox=sandbox, seed=12, products=5, orders=10, customers=5)
    return owner, sandbox


def test_replicas_share_sessions_and_chat_and_survive_losing_one(tmp_path, merchant_shop):
    owner, sandbox = merchant_shop
    order = Order.objects.for_sandbox(sandbox).order_by("id").first()
    with _stack(tmp_path, workers=0) as stack, sync_playwright() as pw:
        web1, web2 = stack["urls"]
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            merchant = browser.new_context(locale="zh-CN").new_page()
            merchant.set_default_timeout(15_000)
            _login(merchant, web1, owner.username)
            merchant.goto(f"{web2}/console/")  # the session cookie is per host:port — log in on web2 too
            if "/accounts/login/" in merchant.url:
                _login(merchant, web2, owner.username)
            assert merchant.goto(f"{web2}/console/chat/").status == 200  # one session, any replica
            expect(merchant.get_by_text("实时连接已建立")).to_be_visible(timeout=15_000)  # WebSocket via web2

            buyer = browser.new_context(locale="zh-CN").new_page()
            buyer.set_default_timeout(15_000)
            buyer.goto(f"{web1}/s/{sandbox.storefront_key}/")
            buyer.get_by_role("link", name="登录").first.click()
            buyer.get_by_label("会员名").fill("跨副本的买家")
            buyer.get_by_role("button", name=re.compile("登录")).click()
            buyer.get_by_role("button", name="联系客服").click()
            for _try in range(20):  # the widget's socket opens a moment after the page
                buyer.get_by_label("输入消息").fill("两台服务器之间能收到吗？")
                buyer.get_by_role("button", name="发送").click()
                buyer.wait_for_timeout(300)
                if not buyer.get_by_label("输入消息").input_value():
                    break
            # live on web2 without a reload: the new conversation (its preview is the shop's greeting
            # auto-reply, the latest message) — the push crossed processes through Redis
            new = merchant.locator("[data-chat-session-list] li").filter(has_text="跨副本的买家")
            expect(new).to_be_visible(timeout=15_000)
            expect(new.locator(".chat-unread")).to_be_visible()

            # an acknowledged change on web1, then web1 dies; web2 has it and serves on
            page = browser.new_context(locale="zh-CN").new_page()
            page.set_default_timeout(15_000)
            _login(page, web1, owner.username)
            page.goto(f"{web1}/console/orders/{order.pk}/")
            page.get_by_label("卖家备注").fill("副本一确认保存")
            page.get_by_role("button", name="保存备注").click()
            expect(page.locator("dd.memo")).to_have_text("副本一确认保存")
            os.kill(stack["processes"][0].pid, signal.SIGKILL)
            merchant.goto(f"{web2}/console/orders/{order.pk}/")
            expect(merchant.locator("dd.memo")).to_have_text("副本一确认保存")
        finally:
            browser.close()
    order.refresh_from_db()
    assert order.seller_memo == "副本一确认保存"


def test_grading_jobs_spread_over_workers_and_each_attempt_is_graded_once(tmp_path, transactional_db, make_user,
                                                                         settings):
    from django_tasks_db.models import DBTaskResult

    catalog = exam_catalog(tmp_path / "catalog")  # one catalog for setup and workers: same scenario uuids
    settings.SCENARIO_CATALOG_DIR = str(catalog)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    examiner = make_user("prod_examiner", "examiner")
    exam = exam_create(created_by=examiner)
    sittings = []
    for n in range(4):
        candidate = make_user(f"prod_cand_{n}")
        registration = registration_create(exam=exam, candidate=candidate, ticket=f"20260001400{n:02d}")
        sittings.append(sitting_start(registration=registration, actor=candidate))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for sitting in sittings:
        sitting_submit(sitting=sitting, actor=sitting.registration.candidate)  # queues 2 gradings each
    with _stack(tmp_path, webs=1, workers=2, catalog=catalog):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and AttemptReport.objects.count() < 2 * len(sittings):
            time.sleep(0.5)
    reports = list(AttemptReport.objects.values_list("attempt_id", "version"))
    assert len(reports) == 2 * len(sittings), f"graded {len(reports)} of {2 * len(sittings)}"
    assert sorted(v for _a, v in reports) == [1] * len(reports)  # once each
    workers = {worker for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for worker in ids}
    assert workers == {"worker-0", "worker-1"}, workers


@contextmanager
def _silent_server():
    """A TCP server that accepts connections and never answers: a site that hangs."""
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


def test_a_worker_killed_mid_job_is_replaced_and_the_attempt_graded_once(tmp_path, transactional_db, make_user,
                                                                         settings):
    """SIGKILL a grading worker while it waits on a page check; the clock's recovery queues the job
    again once it is stale and another worker grades it: one report, version 1."""
    import shutil

    from django_tasks_db.models import DBTaskResult

    from sandbox.runtime.services import attempt_start, attempt_submit
    from sandbox.runtime.tasks import grade_attempt_task, grading_jobs_recover

    catalog = tmp_path / "catalog"
    shutil.copytree(Path(settings.BASE_DIR) / "tests" / "e2e" / "scenario_fixtures" / "ship-memo-ui",
                    catalog / "ship-memo-ui")
    media = tmp_path / "media"
    media.mkdir()
    settings.SCENARIO_CATALOG_DIR = str(catalog)
    settings.MEDIA_ROOT = str(media)
    settings.GRADING_STALE_SECONDS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    candidate = make_user("prod_killed")
    attempt = attempt_start(candidate=candidate, scenario_slug="ship-memo-ui", seed=2)
    attempt_submit(attempt=attempt, actor=candidate)
    grade_attempt_task.enqueue(attempt.pk)
    with _silent_server() as hanging_site:
        worker = subprocess.Popen(
            worker_command("doomed"),
            cwd=settings.BASE_DIR, env=_env(catalog, media, hanging_site), stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "doomed.log").open("w"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not DBTaskResult.objects.filter(status="RUNNING").exists():
            time.sleep(0.2)
        assert DBTaskResult.objects.filter(status="RUNNING").exists(), "the worker never took the job"
        time.sleep(1.5)  # Chromium is up and waiting on the silent site
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert grading_jobs_recover() == []  # not stale yet
    time.sleep(settings.GRADING_STALE_SECONDS + 0.5)
    assert grading_jobs_recover() == [attempt.pk]
    with _stack(tmp_path, webs=1, workers=1, catalog=catalog):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and not AttemptReport.objects.filter(attempt=attempt).exists():
            time.sleep(0.5)
    assert list(AttemptReport.objects.filter(attempt=attempt).values_list("version", flat=True)) == [1]
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["FAILED", "SUCCESSFUL"], statuses
