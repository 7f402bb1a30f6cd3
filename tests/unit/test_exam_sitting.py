"""The exam's clock and the sandbox write gates: starting a sitting, submitting tasks and the paper,
the auto-submit at the deadline (with or without a grace period), extra time, and writes refused
after the deadline or after 交卷 — with nothing changed."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from sandbox.exams.models import Exam, Sitting, SittingEvent
from sandbox.exams.services import (ExamError, registration_extra_time_grant, sitting_expire_due, sitting_refresh,
                                    sitting_start, sitting_submit, sitting_task_submit)
from sandbox.runtime.models import Attempt
from shop_sim.models import Order, ShopEvent
from shop_sim.services import orders as order_services
from shop_sim.services.base import Actor, SandboxFrozen, sandbox_write_refusal
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create

pytestmark = pytest.mark.django_db
NO_QUEUE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def catalog(settings, tmp_path):
    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "catalog"))
    settings.TASKS = NO_QUEUE
    return tmp_path / "catalog"


@pytest.fixture
def examiner(make_user):
    return make_user("kaoping_a", role="examiner")


@pytest.fixture
def exam(catalog, examiner):
    return exam_create(created_by=examiner)


@pytest.fixture
def registration(exam, candidate):
    return registration_create(exam=exam, candidate=candidate, ticket="2026000140001")


def _age(sitting: Sitting, minutes: float) -> Sitting:
    """Pretend the sitting started ``minutes`` ago."""
    Sitting.objects.filter(pk=sitting.pk).update(started_at=timezone.now() - timedelta(minutes=minutes))
    return Sitting.objects.select_related("registration__exam").get(pk=sitting.pk)


def test_start_provisions_one_sandbox_per_part_and_journals_it(registration, candidate):
    sitting = sitting_start(registration=registration, actor=candidate)
    tasks = list(sitting.tasks.select_related("attempt__instance", "part"))
    assert [t.part.scenario_slug for t in tasks] == ["ship-and-memo", "ship-and-memo-b"]
    assert all(t.attempt.mode == "exam" and t.attempt.status == "in_progress" for t in tasks)
    assert all(t.attempt.candidate == candidate for t in tasks)
    assert len({t.attempt.instance.sandbox_id for t in tasks}) == 2
    event = SittingEvent.objects.get(sitting=sitting)
    assert event.action == "started" and event.actor == candidate.username
    assert sitting.deadline == sitting.started_at + timedelta(minutes=90)


def test_starting_again_returns_the_same_sitting(registration, candidate):
    first = sitting_start(registration=registration, actor=candidate)
    second = sitting_start(registration=registration, actor=candidate)
    assert first.pk == second.pk and Attempt.objects.count() == 2 and Sitting.objects.count() == 1


@pytest.mark.parametrize("opens_ago,closes_in,message", [
    (timedelta(minutes=-10), timedelta(hours=3), "考试尚未开始"),
    (timedelta(hours=4), timedelta(minutes=-1), "考试已结束"),
])
def test_start_outside_the_window_is_refused_and_creates_nothing(catalog, examiner, candidate, opens_ago,
                                                                 closes_in, message):
    exam = exam_create(created_by=examiner, opens_ago=opens_ago, closes_in=closes_in)
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000140002")
    with pytest.raises(ExamError, match=message):
        sitting_start(registration=registration, actor=candidate)
    assert not Sitting.objects.exists() and not Attempt.objects.exists()


def test_deadline_never_passes_the_window_end(catalog, examiner, candidate):
    exam = exam_create(created_by=examiner, minutes=90, closes_in=timedelta(minutes=30))
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000140003")
    sitting = sitting_start(registration=registration, actor=candidate)
    assert sitting.deadline == exam.window_end


def test_one_sitting_per_registration_in_the_database(registration, candidate):
    sitting_start(registration=registration, actor=candidate)
    with pytest.raises(IntegrityError):
        Sitting.objects.create(registration=registration)


def test_task_submit_freezes_only_that_task(registration, candidate):
    sitting = sitting_start(registration=registration, actor=candidate)
    first, second = sitting.tasks.order_by("part__position")
    sitting_task_submit(task=first, actor=candidate)
    first.attempt.refresh_from_db()
    second.attempt.refresh_from_db()
    assert first.attempt.status == "submitted" and second.attempt.status == "in_progress"
    assert sandbox_write_refusal(first.attempt.instance.sandbox_id) == "该任务已交卷，不能再修改。"
    assert sandbox_write_refusal(second.attempt.instance.sandbox_id) is None
    with pytest.raises(ExamError, match="该任务已交卷"):
        sitting_task_submit(task=first, actor=candidate)
    sitting_task_submit(task=second, actor=candidate)
    sitting.refresh_from_db()
    assert sitting.status == "submitted" and not sitting.auto_submitted
    assert list(sitting.events.values_list("action", flat=True)) == ["started", "task_submitted", "task_submitted",
                                                                      "submitted"]


def test_submit_all_submits_every_open_task(registration, candidate):
    sitting = sitting_start(registration=registration, actor=candidate)
    sitting_submit(sitting=sitting, actor=candidate)
    assert set(Attempt.objects.values_list("status", flat=True)) == {"submitted"}
    with pytest.raises(ExamError, match="本场考试已交卷"):
        sitting_submit(sitting=sitting, actor=candidate)


def test_writes_after_the_deadline_are_refused_before_the_auto_submit_runs(registration, candidate):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 91)
    task = sitting.tasks.select_related("attempt__instance").first()
    sandbox = task.attempt.instance.sandbox
    order = Order.objects.for_sandbox(sandbox).order_by("id").first()
    events = ShopEvent.objects.count()
    assert sitting.status == "in_progress"  # nobody ran the auto-submit yet
    with pytest.raises(SandboxFrozen, match="考试时间已到"):
        order_services.order_memo_update(sandbox=sandbox, order=order, flag="red", seller_memo="late",
                                         actor=Actor.merchant(candidate))
    order.refresh_from_db()
    assert order.seller_memo != "late" and ShopEvent.objects.count() == events


def test_console_post_after_the_deadline_gets_a_409_and_changes_nothing(client, registration, candidate):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 95)
    task = sitting.tasks.select_related("attempt__instance").first()
    sandbox = task.attempt.instance.sandbox
    order = Order.objects.for_sandbox(sandbox).order_by("id").first()
    client.force_login(candidate)
    session = client.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = sandbox.pk
    session.save()
    before = (order.flag, order.seller_memo, ShopEvent.objects.count())
    response = client.post(reverse("console:order_memo", kwargs={"order_id": order.pk}),
                           {"memo-flag": "red", "memo-seller_memo": "迟到的备注"})
    assert response.status_code == 409
    assert "考试时间已到" in response.content.decode()
    order.refresh_from_db()
    assert (order.flag, order.seller_memo, ShopEvent.objects.count()) == before
    # reading still works
    assert client.get(reverse("console:order_detail", kwargs={"order_id": order.pk})).status_code == 200


def test_expire_due_auto_submits_once(registration, candidate):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 91)
    assert sitting_expire_due() == [sitting.pk]
    assert sitting_expire_due() == []
    sitting.refresh_from_db()
    assert sitting.status == "submitted" and sitting.auto_submitted
    assert set(Attempt.objects.values_list("status", flat=True)) == {"submitted"}
    event = sitting.events.last()
    assert event.action == "auto_submitted" and event.actor == "system:clock" and event.detail == {"tasks": 2}


def test_sitting_not_due_is_left_alone(registration, candidate):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 89)
    assert sitting_expire_due() == [] and sitting_refresh(sitting).status == "in_progress"


def test_grace_policy_stops_writes_at_the_deadline_but_accepts_the_candidates_submit(catalog, examiner, candidate):
    exam = exam_create(created_by=examiner, timeout_policy=Exam.TimeoutPolicy.GRACE, grace_minutes=5)
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000140004")
    sitting = _age(sitting_start(registration=registration, actor=candidate), 92)
    sandbox_id = sitting.tasks.first().attempt.instance.sandbox_id
    assert "考试时间已到" in sandbox_write_refusal(sandbox_id)
    assert sitting_expire_due() == []  # still within the grace period
    submitted = sitting_submit(sitting=sitting, actor=candidate)
    assert submitted.status == "submitted" and not submitted.auto_submitted


def test_grace_policy_auto_submits_after_the_grace_period(catalog, examiner, candidate):
    exam = exam_create(created_by=examiner, timeout_policy=Exam.TimeoutPolicy.GRACE, grace_minutes=5)
    registration = registration_create(exam=exam, candidate=candidate, ticket="2026000140005")
    sitting = _age(sitting_start(registration=registration, actor=candidate), 96)
    assert sitting_expire_due() == [sitting.pk]


def test_a_late_submit_by_the_candidate_counts_as_the_clocks(registration, candidate):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 91)
    submitted = sitting_submit(sitting=sitting, actor=candidate)
    assert submitted.auto_submitted and submitted.events.last().action == "auto_submitted"


def test_late_task_submit_is_refused(registration, candidate):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 91)
    with pytest.raises(ExamError, match="考试时间已到"):
        sitting_task_submit(task=sitting.tasks.first(), actor=candidate)


def test_extra_time_moves_the_deadline_and_reopens_writing(registration, candidate, examiner):
    sitting = _age(sitting_start(registration=registration, actor=candidate), 91)
    sandbox_id = sitting.tasks.first().attempt.instance.sandbox_id
    assert sandbox_write_refusal(sandbox_id)
    registration_extra_time_grant(registration=registration, minutes=10, actor=examiner, reason="机器故障")
    sitting = Sitting.objects.select_related("registration__exam").get(pk=sitting.pk)
    assert sitting.deadline == sitting.started_at + timedelta(minutes=100)
    assert sandbox_write_refusal(sandbox_id) is None and sitting_expire_due() == []
    event = sitting.events.last()
    assert event.action == "extra_time" and event.actor == examiner.username and event.detail["minutes"] == 10


@pytest.mark.parametrize("minutes,reason,message", [
    (0, "x", "正整数"), (-5, "x", "正整数"), (10, "  ", "原因"), (241, "x", "240"),
])
def test_extra_time_bad_input_changes_nothing(registration, candidate, examiner, minutes, reason, message):
    sitting = sitting_start(registration=registration, actor=candidate)
    with pytest.raises(ExamError, match=message):
        registration_extra_time_grant(registration=registration, minutes=minutes, actor=examiner, reason=reason)
    registration.refresh_from_db()
    assert registration.extra_minutes == 0 and sitting.events.count() == 1


def test_no_extra_time_after_submit(registration, candidate, examiner):
    sitting = sitting_start(registration=registration, actor=candidate)
    sitting_submit(sitting=sitting, actor=candidate)
    with pytest.raises(ExamError, match="已交卷"):
        registration_extra_time_grant(registration=registration, minutes=5, actor=examiner, reason="迟到")


def test_journal_rows_cannot_be_rewritten(registration, candidate):
    sitting = sitting_start(registration=registration, actor=candidate)
    event = sitting.events.get()
    with pytest.raises(TypeError):
        SittingEvent.objects.filter(pk=event.pk).update(action="x")
    event.action = "x"
    with pytest.raises(TypeError):
        event.save()


def test_practice_sandbox_is_frozen_only_while_grading(candidate, settings, tmp_path):
    from sandbox.runtime.services import attempt_start, attempt_submit

    settings.SCENARIO_CATALOG_DIR = str(exam_catalog(tmp_path / "c2"))
    attempt = attempt_start(candidate=candidate, scenario_slug="ship-and-memo", seed=1)
    sandbox_id = attempt.instance.sandbox_id
    assert sandbox_write_refusal(sandbox_id) is None
    attempt_submit(attempt=attempt, actor=candidate)
    assert "正在评分" in sandbox_write_refusal(sandbox_id)


def test_the_auto_submit_is_scheduled_on_the_queue_at_the_deadline(settings, registration, candidate, examiner,
                                                                   django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from sandbox.exams.tasks import sitting_expire_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        sitting = sitting_start(registration=registration, actor=candidate)
    with django_capture_on_commit_callbacks(execute=True):
        registration_extra_time_grant(registration=registration, minutes=5, actor=examiner, reason="停电")
    jobs = list(DBTaskResult.objects.filter(task_path=sitting_expire_task.module_path).order_by("run_after"))
    assert [job.args_kwargs["args"] for job in jobs] == [[sitting.pk], [sitting.pk]]
    assert jobs[0].run_after == sitting.deadline
    assert jobs[1].run_after == sitting.deadline + timedelta(minutes=5)
    # the first job, run at the old deadline, is a no-op: extra time moved the deadline
    assert sitting_expire_task.call(sitting.pk) == {"sitting": sitting.pk, "status": "in_progress"}


def test_a_busy_database_mid_start_leaves_nothing_half_built(registration, candidate, monkeypatch):
    from django.db import OperationalError

    from sandbox.exams import services
    from shop_sim.models import Sandbox

    real_start, calls = services.attempt_start, []

    def second_part_hits_a_locked_database(**kwargs):
        calls.append(kwargs["scenario_slug"])
        if len(calls) == 2:
            raise OperationalError("database is locked")
        return real_start(**kwargs)

    monkeypatch.setattr(services, "attempt_start", second_part_hits_a_locked_database)
    sandboxes = Sandbox.objects.count()
    with pytest.raises(ExamError, match="系统繁忙"):
        sitting_start(registration=registration, actor=candidate)
    assert not Sitting.objects.exists() and not Attempt.objects.exists() and not SittingEvent.objects.exists()
    assert Sandbox.objects.count() == sandboxes
    monkeypatch.setattr(services, "attempt_start", real_start)
    assert sitting_start(registration=registration, actor=candidate).tasks.count() == 2  # pressing again works
