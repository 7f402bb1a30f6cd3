"""The ``transcript`` kind: facts the replies give, words they avoid, how fast the first one came."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from autograder.checks.transcript import TranscriptParams
from shop_sim.models import ChatMessage, ChatSession, Customer
from tests.unit.scenario_fixtures.helpers import run_check

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 11, 12, 0, tzinfo=timezone.utc)
FACTS = {"customer": "小鹿买买", "must_mention": [["48小时内发货", "两天内发货"], "顺丰"],
         "forbidden": ["亲亲不知道"], "first_response_seconds": 60}


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox(name="客服测试店")


@pytest.fixture
def chat(sandbox):
    customer = Customer.objects.create(sandbox=sandbox, nickname="小鹿买买")
    session = ChatSession.objects.create(sandbox=sandbox, customer=customer, started_at=T0, last_message_at=T0)

    def say(sender: str, body: str, seconds: int) -> ChatMessage:
        return ChatMessage.objects.create(sandbox=sandbox, session=session, sender=sender, body=body,
                                          created_at=T0 + timedelta(seconds=seconds))

    return say


def grade(sandbox, params=FACTS, points="4", instance=None):
    return run_check("transcript", params, sandbox, points=points, instance=instance)


def test_a_fast_complete_polite_answer_scores_full(sandbox, chat):
    chat("buyer", "请问什么时候发货？用什么快递？", 0)
    chat("merchant", "亲，付款后４８小时内发货哦", 20)
    chat("merchant", "默认发 顺丰", 40)
    result = grade(sandbox)
    assert result.score == Decimal("4.00") and result.message == "回复符合要求"
    assert result.actual["first_response_seconds"] == 20 and result.actual["mentioned"] == [True, True]
    assert [m["sender"] for m in result.evidence[0]["messages"]] == ["buyer", "merchant", "merchant"]


def test_a_missing_fact_is_partial_and_lists_the_accepted_phrasings(sandbox, chat):
    chat("buyer", "什么时候发货？", 0)
    chat("merchant", "亲，用顺丰发", 10)
    result = grade(sandbox)
    # 1 of 4 parts: one fact; speed and politeness count only when the content is right
    assert result.score == Decimal("1.00")
    assert "及时回复和文明用语不单独得分" in result.message
    assert "未提到：48小时内发货（可接受的说法：48小时内发货 / 两天内发货）" in result.message


def test_quality_without_content_earns_nothing(sandbox, chat):
    """On time and polite are quality parts of an answer: with no fact right they pay nothing."""
    chat("buyer", "什么时候发货？用什么快递？", 0)
    chat("merchant", "亲，您好，请稍等～", 5)
    assert grade(sandbox).score == 0
    chat("merchant", "亲，三天内发货，发圆通", 20)
    assert grade(sandbox).score == 0


def test_chinese_numerals_clock_times_and_full_width_are_the_same_fact(sandbox, chat):
    chat("buyer", "什么时候发货？", 0)
    chat("merchant", "亲，下午四点前付款当天发，顺丰", 5)
    params = {**FACTS, "must_mention": [["16:00前"], "顺丰"]}
    assert grade(sandbox, params).score == Decimal(4)
    params = {**FACTS, "must_mention": [["4点前"], "顺丰"]}  # a bare 4点 is not 16:00 …
    assert grade(sandbox, params).score == Decimal(1)
    params = {**FACTS, "must_mention": [["下午４点前"], "顺丰"]}  # … but 下午４点 is
    assert grade(sandbox, params).score == Decimal(4)


def test_declared_phrasings_and_contradictions(sandbox, chat):
    chat("buyer", "包邮吗", 0)
    chat("merchant", "亲，七十九元以上包邮哦", 5)
    free = {"say": ["满79", "79元以上", "79元及以上"], "label": "满79元包邮"}
    params = {"customer": "小鹿买买", "must_mention": [free, ["包邮"]]}
    assert grade(sandbox, params).score == Decimal(4)
    chat("merchant", "发顺丰或者圆通都可以", 10)
    carrier = {"say": ["顺丰"], "unless": ["圆通", "中通"], "label": "顺丰速运"}
    result = grade(sandbox, {"customer": "小鹿买买", "must_mention": [carrier]})
    assert result.score == 0 and "未提到：顺丰速运" in result.message


SIZES = {"choices": [["S"], ["M"], ["L"], ["XL"], ["XXL", "2XL"]], "answer": "M", "label": "尺码"}


@pytest.mark.parametrize(("reply", "score"), [
    ("亲，推荐m码哦", 3), ("亲，建议选Ｍ码～", 3), ("您159cm，建议MM", 0),
    ("建议选L码", 0), ("S 150-155cm；M 155-160cm；L 160-165cm", 0), ("按尺码表选就好啦", 0),
])
def test_a_recommendation_is_one_size_and_the_right_one(sandbox, chat, reply, score):
    """Case and width do not matter; a wrong size, no size or the whole table earn nothing — not
    even the quality parts (polite, fast)."""
    chat("buyer", "159cm 100斤穿什么码", 0)
    chat("merchant", reply, 5)
    params = {"customer": "小鹿买买", "recommend": SIZES, "forbidden": ["不知道"], "first_response_seconds": 60}
    assert grade(sandbox, params, points="3").score == Decimal(score)


def test_a_paste_of_every_shop_fact_is_no_proper_answer(sandbox, chat):
    chat("buyer", "什么时候发货？用什么快递？", 0)
    chat("merchant", "店铺信息：48小时内发货；快递：顺丰；满79包邮；可开电子普通发票；7天无理由退换", 5)
    params = {**FACTS, "off_topic": [["满79"], ["电子普通发票"], ["7天无理由"]]}
    result = grade(sandbox, params)
    # both facts are in it, buried: half of the 2 content parts, the quality parts nothing → 1 of 4 parts
    assert result.score == Decimal("1.00") and "与买家问题无关的店铺资料" in result.message


def test_one_proactive_extra_is_good_service(sandbox, chat):
    chat("buyer", "什么时候发货？用什么快递？", 0)
    chat("merchant", "亲，48小时内发货，默认顺丰；另外全店满79包邮哦", 5)
    params = {**FACTS, "off_topic": [["满79"], ["电子普通发票"], ["7天无理由"]]}
    assert grade(sandbox, params).score == Decimal(4)


def test_the_clock_starts_when_the_task_was_opened(sandbox, chat):
    """A question already waiting when the candidate first opens the task: the first-response time
    counts from the opening (ScenarioInstance.started_at), not from the question."""
    question = chat("buyer", "什么时候发货？", 0)
    chat("merchant", "亲，48小时内发货，顺丰", 300)
    instance = SimpleNamespace(baseline_rows=lambda: {"chatmessage": {str(question.pk): {}}},
                               started_at=T0 + timedelta(seconds=250))
    result = grade(sandbox, instance=instance)
    assert result.score == Decimal(4) and result.actual["first_response_seconds"] == 50
    assert grade(sandbox).actual["first_response_seconds"] == 300


def test_forbidden_words_and_a_slow_first_response(sandbox, chat):
    chat("buyer", "什么时候发货？", 0)
    chat("merchant", "亲亲不知道，两天内发货吧，顺丰", 95)
    result = grade(sandbox)
    assert result.score == Decimal("2.00")
    assert "回复中出现了不应使用的词：亲亲不知道" in result.message
    assert "首次响应用时 95 秒，要求不超过 60 秒" in result.message


def test_banned_ad_words_can_be_forbidden_too(sandbox, chat):
    chat("buyer", "这个好吗", 0)
    chat("merchant", "全网最好，48小时内发货，顺丰", 5)
    result = grade(sandbox, {**FACTS, "banned_ad_words": True})
    assert result.score == Decimal("3.00") and "最好" in result.message


def test_no_reply_no_question_no_customer(sandbox, chat):
    chat("buyer", "在吗", 0)
    result = grade(sandbox)
    assert result.score == 0 and result.message == "没有回复买家“小鹿买买”的咨询"
    assert grade(sandbox, {**FACTS, "customer": "路人甲"}).message == "找不到买家“路人甲”"


def test_auto_replies_count_only_when_asked(sandbox, chat):
    chat("buyer", "发货时间？", 0)
    chat("auto", "您好，48小时内发货，默认顺丰", 1)
    assert grade(sandbox).score == 0
    assert grade(sandbox, {**FACTS, "count_auto_replies": True}).score == Decimal(4)


def test_history_from_the_starting_state_neither_earns_nor_answers(sandbox, chat):
    old_question = chat("buyer", "上次的问题", -3600)
    old_answer = chat("merchant", "48小时内发货，顺丰", -3500)
    chat("buyer", "这次什么时候发？", 0)
    instance = SimpleNamespace(baseline_rows=lambda: {"chatmessage": {str(old_question.pk): {},
                                                                      str(old_answer.pk): {}}})
    result = grade(sandbox, instance=instance)
    assert result.score == 0 and "没有回复" in result.message
    chat("merchant", "两天内发货，顺丰", 30)
    result = grade(sandbox, instance=instance)
    assert result.score == Decimal(4) and result.actual["first_response_seconds"] == 30
    assert result.actual["questions"] == 1


@pytest.mark.parametrize("bad", [
    {"customer": "x"},
    {"customer": "", "forbidden": ["a"]},
    {"customer": "x", "must_mention": [[" "]]},
    {"customer": "x", "first_response_seconds": 0},
])
def test_params_refused(bad):
    with pytest.raises(ValidationError):
        TranscriptParams.model_validate(bad)


def test_an_auto_reply_in_the_starting_state_does_not_close_the_question(sandbox, chat):
    """The scenario's setup asked the question and the shop's auto-reply answered it before the
    candidate arrived; when auto-replies do not count, the question is still the candidate's."""
    question = chat("buyer", "什么时候发货？用什么快递？", 0)
    auto = chat("auto", "您好，欢迎光临", 1)
    instance = SimpleNamespace(baseline_rows=lambda: {"chatmessage": {str(question.pk): {}, str(auto.pk): {}}})
    assert grade(sandbox, instance=instance).message == "没有回复买家“小鹿买买”的咨询"
    chat("merchant", "48小时内发货，发顺丰", 30)
    result = grade(sandbox, instance=instance)
    assert result.score == Decimal("4.00") and result.actual["first_response_seconds"] == 30
