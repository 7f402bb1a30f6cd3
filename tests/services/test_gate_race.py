"""交卷 racing a write on PostgreSQL: a write that passed the gate commits before the freeze, and
one that comes after the freeze is refused — no write passes the gate and lands after 交卷."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from sandbox.exams.services import sitting_start, sitting_task_submit
from sandbox.runtime.models import Attempt
from shop_sim.models import ChatMessage, ChatSession, Customer
from shop_sim.services.base import Actor, SandboxFrozen
from shop_sim.services.chat import chat_buyer_message, chat_merchant_reply
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
HOLD = 1.5


@pytest.fixture
def exam_task(settings, tmp_path, make_user, candidate):
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    exam = exam_create(created_by=make_user("kaoping_race", role="examiner"))
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000190001")
    sitting = sitting_start(registration=registration, actor=candidate)
    task = sitting.tasks.select_related("attempt__instance__sandbox").order_by("part__position").first()
    sandbox = task.attempt.instance.sandbox
    buyer = Customer.objects.create(sandbox=sandbox, nickname="赛跑买家")
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="在吗？")
    return task, sandbox, ChatSession.objects.get(sandbox=sandbox, customer=buyer)


def test_submit_waits_for_a_write_that_passed_the_gate_and_refuses_the_next(exam_task, candidate):
    assert connection.vendor == "postgresql"
    task, sandbox, session = exam_task
    passed, release, done = threading.Event(), threading.Event(), {}

    def slow_writer():
        close_old_connections()
        try:
            with transaction.atomic():
                chat_merchant_reply(sandbox=sandbox, actor=Actor.merchant(candidate), session=session,
                                    body="亲，48小时内发货")
                passed.set()
                release.wait(10)  # the reply is written; its transaction is still open
            done["committed_at"] = time.monotonic()
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert passed.wait(10)
    threading.Timer(HOLD, release.set).start()
    started = time.monotonic()
    sitting_task_submit(task=task, actor=candidate)  # 交卷 while the write is in flight
    submitted = time.monotonic()
    writer.join(10)

    assert submitted - started >= HOLD * 0.8, "交卷 did not wait for the write that passed the gate"
    assert done["committed_at"] <= submitted
    attempt = Attempt.objects.get(pk=task.attempt_id)
    reply = ChatMessage.objects.get(sandbox=sandbox, body="亲，48小时内发货")
    assert reply.created_at <= attempt.submitted_at  # counted: it was written before the freeze
    with pytest.raises(SandboxFrozen):
        chat_merchant_reply(sandbox=sandbox, actor=Actor.merchant(candidate), session=session, body="迟到的回复")
    assert not ChatMessage.objects.filter(body="迟到的回复").exists()


def test_writers_do_not_wait_for_one_another(exam_task, candidate):
    """FOR SHARE: a second write goes through while the first one's transaction is still open."""
    task, sandbox, session = exam_task
    other = Customer.objects.create(sandbox=sandbox, nickname="另一位买家")
    chat_buyer_message(sandbox=sandbox, customer=other, body="发什么快递？")
    other_session = ChatSession.objects.get(sandbox=sandbox, customer=other)
    passed, release = threading.Event(), threading.Event()

    def holder():
        close_old_connections()
        try:
            with transaction.atomic():
                chat_merchant_reply(sandbox=sandbox, actor=Actor.merchant(candidate), session=session, body="第一条")
                passed.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert passed.wait(10)
    started = time.monotonic()
    chat_merchant_reply(sandbox=sandbox, actor=Actor.merchant(candidate), session=other_session, body="第二条")
    waited = time.monotonic() - started
    release.set()
    thread.join(10)
    assert waited < 1.0
    assert ChatMessage.objects.filter(sandbox=sandbox, body__in=["第一条", "第二条"]).count() == 2
