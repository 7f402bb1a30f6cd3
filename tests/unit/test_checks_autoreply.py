"""The ``autoreply`` kind: hidden buyer questions put to the shop's own matcher, and the greeting."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from autograder.checks.autoreply import AutoReplyParams
from autograder.registry import get_kind, load_kinds
from shop_sim.models import AutoReplyRule, ChatMessage, Sandbox, ShopEvent
from shop_sim.services.base import Actor
from shop_sim.services.chat import autoreply_create
from tests.unit.scenario_fixtures.helpers import run_check

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
SHIPPING = {"text": "什么时候发货", "must_mention": [["48小时内发货", "两天内发货"], "中通"]}
PARAPHRASE = {"text": "拍了几天能发出呀", "must_mention": [["48小时内发货", "两天内发货"], "中通"]}
POSTAGE = {"text": "包邮吗？", "must_mention": [["满99元包邮", "满99包邮"]]}
INVOICE = {"text": "能开票吗", "must_mention": [["电子普通发票", "电子发票"]]}
PARAMS = {"questions": [SHIPPING, PARAPHRASE, POSTAGE, INVOICE], "greeting_must_mention": ["木槿集"]}


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox(name="自动回复测试店")


def rule(sandbox, kind="keyword", reply="", keywords=None, enabled=True, position=None):
    return autoreply_create(sandbox=sandbox, actor=ACTOR, kind=kind, reply=reply, keywords=keywords or [],
                            enabled=enabled, position=position)


def good_rules(sandbox):
    rule(sandbox, "greeting", "亲，欢迎光临木槿集女装，有什么可以帮您？")
    rule(sandbox, reply="亲，付款后48小时内发货，默认发中通快递", keywords=["发货", "发出", "快递"])
    rule(sandbox, reply="亲，全店满99元包邮，不满收8元运费", keywords=["包邮", "运费", "邮费"])
    rule(sandbox, reply="亲，可以开电子普通发票，请留言抬头和税号", keywords=["发票", "开票"])


def grade(sandbox, params=PARAMS, points="8"):
    return run_check("autoreply", params, sandbox, points=points)


def test_the_kind_is_registered_with_described_strict_params():
    assert get_kind("autoreply").Params is AutoReplyParams and "autoreply" in load_kinds()
    for model in (AutoReplyParams, AutoReplyParams.model_fields["questions"].annotation.__args__[0]):
        assert all(field.description for field in model.model_fields.values())
    with pytest.raises(ValidationError, match="Extra inputs"):
        AutoReplyParams.model_validate({"questions": [SHIPPING], "answer": "x"})


def test_rules_that_answer_every_question_and_a_greeting_with_the_shop_name_score_full(sandbox):
    good_rules(sandbox)
    events = ShopEvent.objects.count()
    result = grade(sandbox)
    assert result.score == Decimal("8.00") and result.message == "自动回复符合要求（5 项）"
    assert result.actual["answered"] == 5
    greeting, *questions = result.evidence[0]["items"]
    assert greeting["greeting"] and greeting["rule"]["kind"] == "greeting"
    assert [item["rule"]["keywords"][0] for item in questions] == ["发货", "发货", "包邮", "发票"]
    # the test only reads: nothing sent, nothing journalled
    assert not ChatMessage.objects.exists() and ShopEvent.objects.count() == events


def test_keywords_that_miss_a_paraphrase_lose_that_question_only(sandbox):
    rule(sandbox, "greeting", "亲，欢迎光临木槿集，有什么可以帮您？")
    rule(sandbox, reply="亲，付款后48小时内发货，默认发中通快递", keywords=["什么时候发货"])
    rule(sandbox, reply="亲，全店满99元包邮", keywords=["包邮"])
    rule(sandbox, reply="亲，可以开电子普通发票", keywords=["发票", "开票"])
    result = grade(sandbox, points="10")
    assert result.score == Decimal("8.00")  # 4 of 5 equal shares
    assert "买家问“拍了几天能发出呀”：没有关键词回复规则匹配" in result.message
    assert result.message.startswith("4/5 项自动回复符合要求")


def test_a_reply_missing_a_fact_earns_the_facts_it_gives(sandbox):
    good_rules(sandbox)
    shipping = AutoReplyRule.objects.for_sandbox(sandbox).get(reply__contains="48小时")
    shipping.reply = "亲，付款后两天内发货哦"
    shipping.save()
    result = grade(sandbox, params={"questions": [SHIPPING]}, points="4")
    assert result.score == Decimal("2.00")
    assert "由关键词“发货、发出、快递”的规则回复，未提到：中通" in result.message


def test_the_first_matching_rule_by_priority_answers_as_in_the_live_chat(sandbox):
    good_rules(sandbox)
    # a catch-all "发" rule put first answers the invoice question (发票 contains 发) with shipping facts
    rule(sandbox, reply="亲，付款后48小时内发货，默认发中通快递", keywords=["发"], position=0)
    invoice = {**INVOICE, "text": "可以开发票吗"}
    result = grade(sandbox, params={"questions": [invoice, SHIPPING]}, points="2")
    assert result.score == Decimal("1.00")
    assert "买家问“可以开发票吗”：由关键词“发”的规则回复，未提到：电子普通发票" in result.message


NOT_SHIPPING = ["包邮吗？", "能开票吗", "在吗", "衣服不合适可以退吗"]


def test_precision_a_catch_all_rule_that_answers_everything_scores_nothing(sandbox):
    """Recall alone would pay one rule on 吗/？/的 whose reply pastes every fact."""
    dump = "亲，付款后48小时内发货，默认发中通快递；满99元包邮；可开电子普通发票；7天无理由退换"
    rule(sandbox, reply=dump, keywords=["吗", "？", "?", "的", "呢", "发", "票", "邮"])
    params = {"questions": [SHIPPING, PARAPHRASE], "must_not_trigger": NOT_SHIPPING}
    result = grade(sandbox, params=params, points="3")
    assert result.score == 0
    assert result.message.splitlines()[1].startswith("这些与本题无关的问题也收到了这条回复：“包邮吗？”")
    assert result.actual["false_answers"] == NOT_SHIPPING


def test_precision_a_dump_below_the_topic_rule_still_answers_small_talk_falsely(sandbox):
    good_rules(sandbox)
    dump = "亲，付款后48小时内发货，默认发中通快递；满99元包邮；可开电子普通发票"
    rule(sandbox, reply=dump, keywords=["吗", "你好"], position=99)
    params = {"questions": [SHIPPING], "must_not_trigger": ["在吗", "你好"], "off_topic": [["满99"], ["电子普通发票"]]}
    assert grade(sandbox, params=params, points="4").score == 0


def test_precision_another_topics_rule_may_mention_this_topics_facts(sandbox):
    """A postage rule that adds the shipping promise as a courtesy is the postage rule, not a false
    shipping answer."""
    rule(sandbox, reply="亲，付款后48小时内发货，默认发中通快递", keywords=["发货"])
    rule(sandbox, reply="亲，满99元包邮，付款后48小时内发货，默认中通哦", keywords=["包邮"])
    params = {"questions": [SHIPPING], "must_not_trigger": ["包邮吗？"], "off_topic": [["满99"], ["电子普通发票"]]}
    assert grade(sandbox, params=params, points="4").score == Decimal(4)


def test_precision_each_false_answer_costs_its_share(sandbox):
    good_rules(sandbox)
    assert grade(sandbox, params={"questions": [SHIPPING], "must_not_trigger": NOT_SHIPPING}).score == Decimal(8)
    # 快递费 among the shipping keywords: the postage question 快递费多少 gets the shipping answer
    rule(sandbox, reply="亲，付款后48小时内发货，默认发中通快递", keywords=["发货", "快递费"], position=0)
    params = {"questions": [SHIPPING], "must_not_trigger": ["快递费多少", "能开票吗", "在吗", "可以退吗"]}
    assert grade(sandbox, params=params, points="4").score == Decimal("3.00")


def test_precision_a_harmless_small_talk_rule_or_another_topics_rule_is_no_false_answer(sandbox):
    good_rules(sandbox)
    rule(sandbox, reply="在的亲，请问有什么可以帮您？", keywords=["在吗", "你好"])
    params = {"questions": [SHIPPING], "must_not_trigger": NOT_SHIPPING}
    result = grade(sandbox, params=params, points="4")
    assert result.score == Decimal(4) and result.actual["precision"] == "1"


def test_a_rule_whose_reply_pastes_the_other_topics_facts_answers_nothing(sandbox):
    dump = "亲，付款后48小时内发货，默认发中通快递；满99元包邮；可开电子普通发票"
    rule(sandbox, reply=dump, keywords=["发货", "发出"])
    params = {"questions": [SHIPPING], "off_topic": [["满99"], ["电子普通发票"]]}
    result = grade(sandbox, params=params, points="3")
    # the facts are there, buried in a paste: half their share
    assert result.score == Decimal("1.50") and "回复罗列了与问题无关的店铺资料（满99、电子普通发票）" in result.message
    params = {"questions": [SHIPPING], "off_topic": [["满99"], ["电子普通发票"]], "off_topic_allowed": 2}
    assert grade(sandbox, params=params, points="3").score == Decimal(3)


def test_keyword_replies_compare_numerals_and_declared_phrasings(sandbox):
    rule(sandbox, reply="亲，七十九元以上包邮哦", keywords=["包邮"])
    free = {"text": "包邮吗", "must_mention": [{"say": ["满79", "79元以上"], "label": "满79元包邮"}]}
    assert grade(sandbox, params={"questions": [free]}, points="3").score == Decimal(3)


def test_disabled_rules_and_the_offline_switch_do_not_count(sandbox):
    good_rules(sandbox)
    AutoReplyRule.objects.for_sandbox(sandbox).filter(reply__contains="包邮").update(enabled=False)
    Sandbox.objects.filter(pk=sandbox.pk).update(service_status="offline")
    rule(sandbox, "offline", "亲，满99元包邮，客服9点上线")
    result = grade(sandbox, params={"questions": [POSTAGE, INVOICE]}, points="2")
    assert result.score == Decimal("1.00")
    assert "买家问“包邮吗？”：没有关键词回复规则匹配" in result.message


def test_a_greeting_without_the_shop_name_or_none_enabled_fails_that_share(sandbox):
    rule(sandbox, "greeting", "亲，欢迎光临本店，有什么可以帮您？")
    only_greeting = {"greeting_must_mention": [["木槿集"]]}
    result = grade(sandbox, params=only_greeting, points="2")
    assert result.score == Decimal("0.00")
    assert "首次接待语“亲，欢迎光临本店，有什么可以帮您？”未提到：木槿集" in result.message
    AutoReplyRule.objects.for_sandbox(sandbox).update(enabled=False)
    result = grade(sandbox, params=only_greeting, points="2")
    assert result.score == Decimal("0.00") and "没有启用的首次接待语" in result.message


def test_a_shop_without_rules_scores_zero_and_says_why(sandbox):
    result = grade(sandbox)
    assert result.score == Decimal("0.00") and result.actual["answered"] == 0
    assert result.message.startswith("0/5 项自动回复符合要求")
    assert "首次接待语：没有启用的首次接待语" in result.message


def test_another_shops_rules_are_never_used(sandbox, make_sandbox):
    other = make_sandbox(name="别人的店")
    good_rules(other)
    assert grade(sandbox).score == Decimal("0.00")
    assert grade(other).score == Decimal("8.00")


def test_matching_is_tolerant_of_width_case_and_spaces(sandbox):
    rule(sandbox, reply="亲，付款后４８小时内 发货，默认发 中通", keywords=["ＦＡ货", "发货"])
    assert grade(sandbox, params={"questions": [SHIPPING]}, points="1").score == Decimal("1.00")


@pytest.mark.parametrize("params, message", [
    ({}, "至少需要 questions 或 greeting_must_mention"),
    ({"questions": [{"text": "包邮吗", "must_mention": []}]}, "at least 1 item"),
    ({"questions": [{"text": "  ", "must_mention": ["包邮"]}]}, "text 不能为空"),
    ({"questions": [{"text": "包邮吗", "must_mention": [["", " "]]}]}, r"must_mention\[0\] 不能为空"),
    ({"greeting_must_mention": [""]}, r"greeting_must_mention\[0\] 不能为空"),
    ({"questions": [{"text": "包邮吗", "must_mention": ["包邮"], "answer": "x"}]}, "Extra inputs"),
])
def test_bad_params_are_refused_at_load(params, message):
    with pytest.raises(ValidationError, match=message):
        AutoReplyParams.model_validate(params)


def test_a_matcher_that_fails_is_that_criterions_error_not_a_crash(sandbox, monkeypatch):
    from autograder.checks import autoreply
    from autograder.engine import run_criterion
    from task_scenarios.schema import Criterion

    def broken(**kwargs):
        raise RuntimeError("matcher down")

    good_rules(sandbox)
    criterion = Criterion.model_validate({"id": "rules", "points": 4, "description": {"zh": "自动回复", "en": "Rules"},
                                          "check": {"kind": "autoreply", "questions": [SHIPPING]}})
    scenario = SimpleNamespace(description=lambda c, p: c.description,
                               check_params=lambda c, p: AutoReplyParams.model_validate(c.check.params))
    ok = run_criterion(scenario=scenario, criterion=criterion, params={}, sandbox=sandbox)
    assert ok.result.score == Decimal("4.00") and ok.kind == "autoreply" and ok.machine_scored
    monkeypatch.setattr(autoreply, "autoreply_matches", broken)
    failed = run_criterion(scenario=scenario, criterion=criterion, params={}, sandbox=sandbox)
    assert failed.result.score == 0 and failed.result.error == "RuntimeError: matcher down"
    assert failed.result.message == "未评定：评分检查未能完成（RuntimeError: matcher down），需考评员重新评分或核定。"
    assert failed.result.verdict == "not_evaluated" and ok.result.verdict == "evaluated"
