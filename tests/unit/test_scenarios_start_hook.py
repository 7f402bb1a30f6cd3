"""``variant.start(ctx, params)``: what happens as the attempt begins, on the real clock, in the baseline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fixtures.generators import reference_for_seed
from shop_sim.models import ChatMessage, Customer, Order, Sandbox
from task_scenarios import setup as scenario_setup
from task_scenarios.loader import ScenarioLoadError, load_scenario
from task_scenarios.models import ScenarioInstance
from task_scenarios.setup import scenario_instance_create
from task_scenarios.snapshot import shop_snapshot, snapshot_compress
from tests.unit.scenario_fixtures.helpers import copy_good, edit

pytestmark = pytest.mark.django_db

START = '''

SEEN = {}


def start(ctx, params):
    from django.utils import timezone as tz
    from shop_sim.models import Customer, Order
    SEEN["now"] = tz.now()
    SEEN["ctx_now"] = ctx.now
    SEEN["setup_done"] = sorted(ctx.objects(Order).filter(order_no__in=params["order_nos"])
                                .values_list("status", flat=True))
    buyer = ctx.objects(Customer).order_by("pk").first()
    ctx.services.chat.chat_buyer_message(sandbox=ctx.sandbox, customer=buyer, body="在吗？什么时候发货？")
'''


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def with_start(tmp_path):
    folder = copy_good(tmp_path, "with-start")
    (folder / "variant.py").write_text((folder / "variant.py").read_text(encoding="utf-8") + START, encoding="utf-8")
    return load_scenario(folder)


def test_start_runs_after_setup_on_the_real_clock(with_start, candidate):
    before = timezone.now()
    instance = scenario_instance_create(scenario=with_start, seed=5, owner=candidate)
    seen = with_start.variant.SEEN
    reference = reference_for_seed(11)
    assert seen["ctx_now"] == reference  # ctx.now stays the shop's reference time
    assert before <= seen["now"] <= timezone.now() and seen["now"] != reference
    assert seen["setup_done"] == ["paid", "paid"]  # setup had already shaped the shop
    assert timezone.now is scenario_setup._real_now
    message = ChatMessage.objects.for_sandbox(instance.sandbox).get(body="在吗？什么时候发货？")
    assert message.sender == ChatMessage.Sender.BUYER
    assert before <= message.created_at <= timezone.now()
    assert message.session.started_at == message.created_at


def test_what_start_writes_is_part_of_the_baseline(with_start, candidate):
    instance = scenario_instance_create(scenario=with_start, seed=6, owner=candidate)
    message = ChatMessage.objects.for_sandbox(instance.sandbox).get(body="在吗？什么时候发货？")
    rows = instance.baseline_rows()
    assert str(message.pk) in rows["chatmessage"] and str(message.session_id) in rows["chatsession"]
    assert instance.baseline == snapshot_compress(shop_snapshot(instance.sandbox))


def test_a_start_question_sends_the_auto_replies_as_production_does(with_start, candidate):
    instance = scenario_instance_create(scenario=with_start, seed=7, owner=candidate)
    question = ChatMessage.objects.for_sandbox(instance.sandbox).get(body="在吗？什么时候发货？")
    after = ChatMessage.objects.for_sandbox(instance.sandbox).filter(session=question.session, pk__gt=question.pk)
    # The generated shop has a greeting and a 发货 keyword rule: both answer a new session's question.
    assert [m.sender for m in after] == [ChatMessage.Sender.AUTO, ChatMessage.Sender.AUTO]
    assert question.session.unread_count == 1


def test_a_failing_start_leaves_nothing_behind(tmp_path, candidate):
    folder = copy_good(tmp_path, "bad-start")
    (folder / "variant.py").write_text((folder / "variant.py").read_text(encoding="utf-8")
                                       + "\n\ndef start(ctx, params):\n    raise RuntimeError('start bug')\n",
                                       encoding="utf-8")
    broken = load_scenario(folder)
    before = Sandbox.objects.filter(is_template=False).count()
    with pytest.raises(RuntimeError, match="start bug"):
        scenario_instance_create(scenario=broken, seed=1, owner=candidate)
    assert Sandbox.objects.filter(is_template=False).count() == before
    assert not ScenarioInstance.objects.exists()


def test_without_start_nothing_runs_on_the_real_clock(tmp_path, candidate):
    scenario = load_scenario(copy_good(tmp_path, "no-start"))
    assert scenario.variant_start is None
    instance = scenario_instance_create(scenario=scenario, seed=2, owner=candidate)
    reference = reference_for_seed(11)
    orders = Order.objects.for_sandbox(instance.sandbox).filter(order_no__in=instance.params["order_nos"])
    assert {o.paid_at for o in orders} == {reference}
    assert not ChatMessage.objects.for_sandbox(instance.sandbox).filter(created_at__gt=reference + timedelta(days=1))


def test_a_start_that_is_not_a_function_is_a_load_problem(tmp_path):
    folder = copy_good(tmp_path, "start-value")
    edit(folder / "variant.py", '"""Fixture variant', 'start = 42\n\n"""Fixture variant')
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(folder)
    assert [str(p) for p in caught.value.problems] == ["variant.py: start: start 必须是函数 start(ctx, params)"]


def test_start_may_be_the_only_hook(tmp_path, candidate):
    folder = copy_good(tmp_path, "start-only")
    edit(folder / "variant.py", "def setup(ctx, params):", "def _unused_setup(ctx, params):")
    (folder / "variant.py").write_text((folder / "variant.py").read_text(encoding="utf-8") + START, encoding="utf-8")
    scenario = load_scenario(folder)
    assert scenario.variant_setup is None and scenario.variant_start is not None
    instance = scenario_instance_create(scenario=scenario, seed=3, owner=candidate)
    assert Customer.objects.for_sandbox(instance.sandbox).exists()
    assert ChatMessage.objects.for_sandbox(instance.sandbox).filter(body="在吗？什么时候发货？").count() == 1


# -- start at the candidate's first opening (issue #11: fair clocks) ---------------------------------

def test_start_waits_for_the_first_opening_and_runs_once(with_start, candidate):
    from task_scenarios.setup import scenario_instance_start

    instance = scenario_instance_create(scenario=with_start, seed=8, owner=candidate, start=False)
    asked = ChatMessage.objects.for_sandbox(instance.sandbox).filter(body="在吗？什么时候发货？")
    assert instance.started_at is None and not asked.exists()
    before = timezone.now()
    assert scenario_instance_start(instance=instance, scenario=with_start) is True
    assert before <= instance.started_at <= timezone.now()
    message = asked.get()
    assert before <= message.created_at <= timezone.now()
    # what start wrote is in the baseline: never collateral damage
    rows = instance.baseline_rows()
    assert str(message.pk) in rows["chatmessage"] and str(message.session_id) in rows["chatsession"]
    # again (a reload, a second tab, the console frame): nothing more happens
    opened = instance.started_at
    assert scenario_instance_start(instance=instance, scenario=with_start) is False
    stale = ScenarioInstance.objects.get(pk=instance.pk)
    stale.started_at = None  # a request that read the row before the first start committed
    assert scenario_instance_start(instance=stale, scenario=with_start) is False
    assert asked.count() == 1 and stale.started_at == opened


def test_the_baseline_takes_in_only_what_start_wrote(with_start, candidate):
    """A change the candidate made before the start ran stays the candidate's (collateral if it is)."""
    from task_scenarios.setup import scenario_instance_start

    instance = scenario_instance_create(scenario=with_start, seed=9, owner=candidate, start=False)
    order = Order.objects.for_sandbox(instance.sandbox).order_by("pk").first()
    Order.objects.filter(pk=order.pk).update(seller_memo="考生先改的")
    scenario_instance_start(instance=instance, scenario=with_start)
    assert instance.baseline_rows()["order"][str(order.pk)]["seller_memo"] != "考生先改的"


def test_a_frozen_sandbox_never_starts(with_start, candidate, monkeypatch):
    from shop_sim.services.base import SandboxFrozen
    from task_scenarios.setup import scenario_instance_start

    instance = scenario_instance_create(scenario=with_start, seed=10, owner=candidate, start=False)
    monkeypatch.setattr(scenario_setup, "sandbox_write_refusal", lambda sandbox_id: "该任务已交卷，不能再修改。")
    with pytest.raises(SandboxFrozen):
        scenario_instance_start(instance=instance, scenario=with_start)
    assert ScenarioInstance.objects.get(pk=instance.pk).started_at is None
    assert not ChatMessage.objects.for_sandbox(instance.sandbox).filter(body="在吗？什么时候发货？").exists()


def test_an_exam_candidate_who_opens_the_task_late_still_has_180_seconds(candidate, settings):
    """customer-service in an exam: every task is provisioned at 开始考试; the buyers write in when
    the candidate opens this task — 10 minutes later here — and a reply 60 s after that is in time."""
    from autograder.engine import grade
    from sandbox.runtime.models import Attempt
    from sandbox.runtime.services import attempt_scenario, attempt_start, attempt_submit, attempt_task_open
    from shop_sim.models import ChatSession

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    attempt = attempt_start(candidate=candidate, scenario_slug="customer-service", seed=3, mode=Attempt.Mode.EXAM)
    instance = attempt.instance
    questions = [buyer["question"] for buyer in instance.params["buyers"]]
    assert instance.started_at is None
    assert not ChatMessage.objects.for_sandbox(instance.sandbox).filter(body__in=questions).exists()
    provisioned = attempt.started_at - timedelta(minutes=10)  # the exam began 10 minutes ago
    type(attempt).objects.filter(pk=attempt.pk).update(started_at=provisioned)
    assert attempt_task_open(attempt=attempt) is True
    assert attempt_task_open(attempt=attempt) is False  # once
    params = instance.params
    nickname = params["buyers"][0]["nickname"]
    session = ChatSession.objects.for_sandbox(instance.sandbox).get(customer__nickname=nickname)
    question = ChatMessage.objects.for_sandbox(instance.sandbox).filter(session=session, sender="buyer").latest("pk")
    assert abs((question.created_at - instance.started_at).total_seconds()) < 5
    ChatMessage.objects.create(sandbox=instance.sandbox, session=session, sender=ChatMessage.Sender.MERCHANT,
                               body=f"亲，本店{params['ship_promise']}，默认发{params['carrier']}哦～",
                               created_at=instance.started_at + timedelta(seconds=60))
    report = grade(instance=instance, scenario=attempt_scenario(attempt))
    result = report.criterion("reply_shipping").result
    assert 55 <= result.actual["first_response_seconds"] <= 65 and result.score == result.max
    # after 交卷 the task never starts (the write gate refuses)
    later = attempt_start(candidate=candidate, scenario_slug="customer-service", seed=4, mode=Attempt.Mode.EXAM)
    later = attempt_submit(attempt=later, actor=candidate)
    assert attempt_task_open(attempt=later) is False
    later.instance.refresh_from_db()
    assert later.instance.started_at is None
