"""After the freeze: the chat services refuse to write, and the grader never counts what got in anyway.

The sandboxes are frozen by the real gates (an exam attempt submitted, a sitting's deadline, a practice
attempt being graded). A write that "slipped through" is simulated the only way it can happen once the
services refuse: a row inserted directly, dated after the freeze.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from autograder.engine import grade
from sandbox.exams.models import Exam, Sitting
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.practice.views import _report_view
from sandbox.runtime.gate import attempt_frozen_at
from sandbox.runtime.management.commands.grade import report_lines
from sandbox.runtime.models import Attempt
from sandbox.runtime.services import attempt_grade, attempt_scenario, attempt_start, attempt_submit, \
    attempt_task_open
from shop_sim.models import AutoReplyRule, ChatMessage, ChatSession, Customer, Sandbox, ShopEvent
from shop_sim.services.base import Actor, SandboxFrozen
from shop_sim.services.chat import (autoreply_create, autoreply_delete, autoreply_update, chat_buyer_message,
                                    chat_mark_read, chat_merchant_reply, service_status_set)
from shop_sim.services.files import shopfile_upload
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create
from tests.unit.scenario_fixtures.helpers import check_ctx, run_check

pytestmark = pytest.mark.django_db
NO_QUEUE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
SLUG = "customer-service"  # the catalog's chat task: transcript and autoreply criteria, no browser


def _buyer_session(attempt: Attempt, index: int = 0) -> ChatSession:
    nickname = attempt.instance.params["buyers"][index]["nickname"]
    return ChatSession.objects.for_sandbox(attempt.instance.sandbox_id).get(customer__nickname=nickname)


def _answer(attempt: Attempt) -> str:
    params = attempt.instance.params
    return f"亲，本店{params['ship_promise']}，默认发{params['carrier']}，一般2-4天就能收到哦～"


def _state(sandbox_id: int) -> tuple:
    return (ChatMessage.objects.for_sandbox(sandbox_id).count(), ShopEvent.objects.for_sandbox(sandbox_id).count(),
            list(ChatSession.objects.for_sandbox(sandbox_id).order_by("id").values_list("unread_count", flat=True)),
            list(AutoReplyRule.objects.for_sandbox(sandbox_id).order_by("id").values_list("reply", "enabled")),
            Sandbox.objects.get(pk=sandbox_id).service_status)


@pytest.fixture
def settings_no_queue(settings):
    settings.TASKS = NO_QUEUE
    return settings


# -- the services refuse -------------------------------------------------------------------------

def test_every_chat_service_refuses_a_submitted_exam_sandbox_and_changes_nothing(candidate, settings_no_queue):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3, mode=Attempt.Mode.EXAM)
    attempt_task_open(attempt=attempt)  # the candidate opens the task: the buyers write in
    sandbox = attempt.instance.sandbox
    session = _buyer_session(attempt)
    actor = Actor.merchant(candidate)
    rule = autoreply_create(sandbox=sandbox, actor=actor, kind="keyword", keywords=["发货"], reply="48小时内发货")
    attempt_submit(attempt=attempt, actor=candidate)
    before = _state(sandbox.pk)
    writes = {
        "buyer message": lambda: chat_buyer_message(sandbox=sandbox, customer=session.customer, body="还在吗"),
        "merchant reply": lambda: chat_merchant_reply(sandbox=sandbox, actor=actor, session=session, body=_answer(attempt)),
        "mark read": lambda: chat_mark_read(sandbox=sandbox, actor=actor, session=session),
        "service status": lambda: service_status_set(sandbox=sandbox, actor=actor, status="offline"),
        "rule create": lambda: autoreply_create(sandbox=sandbox, actor=actor, kind="keyword", keywords=["包邮"],
                                                reply="全场包邮"),
        "rule update": lambda: autoreply_update(sandbox=sandbox, actor=actor, rule=rule, reply="不知道"),
        "rule delete": lambda: autoreply_delete(sandbox=sandbox, actor=actor, rule=rule),
    }
    for what, write in writes.items():
        with pytest.raises(SandboxFrozen, match="该任务已交卷，不能再修改。"):
            write()
        assert _state(sandbox.pk) == before, what


def test_practice_chat_is_refused_only_while_grading(candidate, settings_no_queue):
    """Practice: frozen from 提交评分 until the report; afterwards the candidate chats on, and the next
    grading (a regrade of the graded attempt) counts that new work."""
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3)
    attempt_task_open(attempt=attempt)  # the candidate opens the task: the buyers write in
    sandbox = attempt.instance.sandbox
    session = _buyer_session(attempt)
    actor = Actor.merchant(candidate)
    attempt_submit(attempt=attempt, actor=candidate)
    with pytest.raises(SandboxFrozen, match="正在评分"):
        chat_merchant_reply(sandbox=sandbox, actor=actor, session=session, body=_answer(attempt))
    first = attempt_grade(attempt=attempt)
    assert _criterion(first.report, "reply_shipping")["result"]["score"] == "0.00"

    chat_merchant_reply(sandbox=sandbox, actor=actor, session=session, body=_answer(attempt))
    second = attempt_grade(attempt=attempt)  # graded → grading: frozen at this claim, after the reply
    assert Decimal(_criterion(second.report, "reply_shipping")["result"]["score"]) > 0
    assert second.report["after_freeze"] == [] and second.report["frozen_at"]


# -- the grader counts nothing after the freeze --------------------------------------------------

def _criterion(report: dict, criterion_id: str) -> dict:
    return next(c for c in report["criteria"] if c["id"] == criterion_id)


def test_a_reply_stored_after_submit_does_not_change_the_transcript_points(candidate, settings_no_queue):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3, mode=Attempt.Mode.EXAM)
    attempt_task_open(attempt=attempt)  # the candidate opens the task: the buyers write in
    attempt = attempt_submit(attempt=attempt, actor=candidate)
    session = _buyer_session(attempt)
    # A reply 46 s after the freeze, as the dry-run regrade of issue #10 found one.
    ChatMessage.objects.create(sandbox_id=session.sandbox_id, session=session, sender=ChatMessage.Sender.MERCHANT,
                               body=_answer(attempt), created_at=attempt.submitted_at + timedelta(seconds=46))
    # The late reply would earn points if it were counted — so the test means something.
    unfrozen = grade(instance=attempt.instance, scenario=attempt_scenario(attempt))
    assert unfrozen.criterion("reply_shipping").result.score > 0

    dry = attempt_grade(attempt=attempt, dry_run=True)
    stored = attempt_grade(attempt=attempt)
    assert dry.criterion("reply_shipping").result.score == 0
    assert _criterion(stored.report, "reply_shipping")["result"]["score"] == "0.00"
    assert stored.report["frozen_at"] == attempt.submitted_at.isoformat()
    late = stored.report["after_freeze"]
    assert [(item["kind"], item["count"]) for item in late] == [("chatmessage", 1)]
    assert "不计分" in late[0]["message"] and "请考评员核对" in stored.report["after_freeze_note"]
    # The examiner sees it: on the report page (shared by practice and review) and in the grade command.
    page = render_to_string("practice/_report.html", {"shown": _report_view(attempt, stored), "reports": [stored]})
    assert stored.report["after_freeze_note"] in page and late[0]["message"] in page
    assert late[0]["message"] in "\n".join(report_lines(stored.report, heading="#1"))


def test_the_deadline_freezes_before_a_late_submit(catalog_exam, candidate):
    """Grace policy: the candidate's own 交卷 is accepted after the deadline, but the grader counts
    only up to the deadline — and reports the chat message written in between."""
    exam = exam_create(created_by=catalog_exam, timeout_policy=Exam.TimeoutPolicy.GRACE, grace_minutes=5)
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000160001")
    sitting = sitting_start(registration=registration, actor=candidate)
    Sitting.objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=92))
    sitting = Sitting.objects.select_related("registration__exam").get(pk=sitting.pk)
    sitting_submit(sitting=sitting, actor=candidate)
    attempt = Attempt.objects.get(sitting_task__sitting=sitting, sitting_task__part__position=1)
    assert attempt.submitted_at > sitting.deadline
    assert attempt_frozen_at(attempt) == sitting.deadline

    sandbox_id = attempt.instance.sandbox_id
    customer = Customer.objects.for_sandbox(sandbox_id).order_by("id").first()
    late = sitting.deadline + timedelta(seconds=30)
    session = ChatSession.objects.create(sandbox_id=sandbox_id, customer=customer, started_at=late, last_message_at=late)
    ChatMessage.objects.create(sandbox_id=sandbox_id, session=session, sender="buyer", body="在吗", created_at=late)
    stored = attempt_grade(attempt=attempt)
    assert stored.report["frozen_at"] == sitting.deadline.isoformat()
    # (The shop's setup events are listed too: the test moved the start back, not the setup.)
    assert ("chatmessage", 1) in [(item["kind"], item["count"]) for item in stored.report["after_freeze"]]


@pytest.fixture
def catalog_exam(settings, tmp_path, make_user):
    """The exam fixture catalog (browser-free scenarios); returns the examiner."""
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.TASKS = NO_QUEUE
    return make_user("kaoping_g", role="examiner")


def test_an_in_progress_practice_dry_run_grades_the_shop_as_it_stands(candidate, settings_no_queue):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3)
    attempt_task_open(attempt=attempt)  # the candidate opens the task: the buyers write in
    assert attempt_frozen_at(attempt) is None
    report = attempt_grade(attempt=attempt, dry_run=True)
    assert report.frozen_at == "" and report.after_freeze == ()


def test_autoreply_rules_are_judged_as_they_were_at_the_freeze(make_sandbox, candidate):
    sandbox = make_sandbox(name="自动回复店")
    actor = Actor.merchant(candidate)
    greeting = autoreply_create(sandbox=sandbox, actor=actor, kind="greeting", reply="欢迎光临小鹿旗舰店")
    rule = autoreply_create(sandbox=sandbox, actor=actor, kind="keyword", keywords=["发货"], reply="48小时内发货，顺丰")
    params = {"greeting_must_mention": ["小鹿旗舰店"],
              "questions": [{"text": "几天发货？", "must_mention": ["48小时内发货"]},
                            {"text": "包邮吗？", "must_mention": ["包邮"]}]}
    frozen_at = timezone.now()
    # After the freeze: one rule spoilt, the greeting deleted and replaced, a missing rule added.
    autoreply_update(sandbox=sandbox, actor=actor, rule=rule, reply="不清楚")
    autoreply_delete(sandbox=sandbox, actor=actor, rule=greeting)
    autoreply_create(sandbox=sandbox, actor=actor, kind="greeting", reply="你好")
    autoreply_create(sandbox=sandbox, actor=actor, kind="keyword", keywords=["包邮"], reply="全场包邮")

    at_freeze = run_check("autoreply", params, sandbox, points="3", frozen_at=frozen_at)
    now = run_check("autoreply", params, sandbox, points="3")
    assert at_freeze.score == Decimal("2.00")  # greeting and 发货 right, 包邮 rule not there yet
    assert [item["rule"]["reply"] if item["rule"] else None for item in at_freeze.actual["items"]] == [
        "欢迎光临小鹿旗舰店", "48小时内发货，顺丰", None]
    assert now.score == Decimal("1.00")  # what the late writes would have made of it


def test_uploads_after_the_freeze_are_not_the_candidates_answer(make_sandbox, candidate, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sandbox = make_sandbox(name="上传店")
    actor = Actor.merchant(candidate)
    shopfile_upload(sandbox=sandbox, actor=actor, name="clean.csv", data="编号\n1\n".encode())
    frozen_at = timezone.now()
    shopfile_upload(sandbox=sandbox, actor=actor, name="clean.csv", data="编号\n2\n".encode())
    shopfile_upload(sandbox=sandbox, actor=actor, name="other.csv", data="编号\n3\n".encode())

    ctx = check_ctx(sandbox, frozen_at=frozen_at)
    assert ctx.uploaded_file("clean.csv").read_text(encoding="utf-8") == "编号\n1\n"
    assert ctx.uploaded_file("latest").read_text(encoding="utf-8") == "编号\n1\n"
    assert check_ctx(sandbox).uploaded_file("latest").read_text(encoding="utf-8") == "编号\n3\n"


def test_opening_an_unread_conversation_of_a_frozen_shop_shows_it_and_writes_nothing(client, candidate,
                                                                                      settings_no_queue):
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=3, mode=Attempt.Mode.EXAM)
    attempt_task_open(attempt=attempt)  # the candidate opens the task: the buyers write in
    session = _buyer_session(attempt)
    ChatSession.objects.filter(pk=session.pk).update(unread_count=2)
    attempt_submit(attempt=attempt, actor=candidate)
    before = _state(session.sandbox_id)
    client.force_login(candidate)
    store = client.session
    store[ACTIVE_SANDBOX_SESSION_KEY] = session.sandbox_id
    store.save()
    response = client.get(reverse("console:chat_session", kwargs={"chatsession_id": session.pk}))
    assert response.status_code == 200 and session.customer.nickname in response.content.decode()
    assert _state(session.sandbox_id) == before


def test_a_shop_change_journaled_after_the_freeze_makes_the_state_criteria_not_evaluated(candidate, settings_no_queue):
    """Nothing written after the freeze can count: the shop-state kinds read the shop as it stands, so a
    shop change that slipped past the gates (simulated: a row changed directly, journaled after the
    freeze as a service would) makes them 未评定 for an examiner, never points."""
    from shop_sim.models import Order

    attempt = attempt_start(candidate=candidate, scenario_slug="order-fulfilment", seed=5, mode=Attempt.Mode.EXAM)
    attempt_task_open(attempt=attempt)
    attempt = attempt_submit(attempt=attempt, actor=candidate)
    on_time = attempt_grade(attempt=attempt, dry_run=True)
    assert on_time.criterion("ship_near_region").result.verdict == "evaluated"
    assert on_time.criterion("ship_near_region").result.score == 0  # nothing was shipped in time

    target = attempt.instance.params["orders"]["a"]
    sandbox_id = attempt.instance.sandbox_id
    order = Order.objects.for_sandbox(sandbox_id).get(order_no=target["order_no"])
    Order.objects.filter(pk=order.pk).update(status="shipped", carrier=target["carrier"], waybill_no=target["waybill"],
                                              shipped_at=attempt.submitted_at + timedelta(seconds=30))
    event = ShopEvent.objects.create(sandbox_id=sandbox_id, actor=candidate.username, action="order.ship",
                                     object_type="order", object_id=order.pk)
    ShopEvent.objects.filter(pk=event.pk).update(at=attempt.submitted_at + timedelta(seconds=30))
    # The late shipment would earn the criterion if it were counted — so the test means something.
    assert grade(instance=attempt.instance, scenario=attempt_scenario(attempt)).criterion(
        "ship_near_region").result.score > 0

    late = attempt_grade(attempt=attempt, dry_run=True)
    shipped = late.criterion("ship_near_region").result
    assert shipped.verdict == "not_evaluated" and shipped.score == 0
    assert "order.ship" in shipped.message and "冻结" in shipped.message
    assert all(c.result.verdict == "not_evaluated" for c in late.criteria if c.kind == "state")
    assert late.total == 0 and "未评定" in late.after_freeze_note


def test_chat_written_after_the_freeze_leaves_the_shop_state_criteria_evaluated(make_sandbox):
    """Only changes to what the state kinds read count as late shop changes: chat, uploads and
    auto-reply rules are rewound by their own kinds."""
    from autograder.freeze import state_writes_after

    sandbox = make_sandbox()
    frozen_at = timezone.now()
    for action in ("chat.session_read", "autoreply.update", "file.upload"):
        event = ShopEvent.objects.create(sandbox=sandbox, actor="x", action=action, object_type="x")
        ShopEvent.objects.filter(pk=event.pk).update(at=frozen_at + timedelta(seconds=5))
    assert state_writes_after(sandbox, frozen_at) == []
    event = ShopEvent.objects.create(sandbox=sandbox, actor="x", action="product.update", object_type="product")
    ShopEvent.objects.filter(pk=event.pk).update(at=frozen_at + timedelta(seconds=6))
    assert state_writes_after(sandbox, frozen_at) == ["product.update"]
