"""customer-service v3: the phrasings examiners found rejected (issue #11) are accepted through the
variant's declared facts, and the dumps they found paid are not."""

import pytest

from autograder.checks.transcript import FactSpec, Recommendation, fact_given, off_topic_given
from autograder.matching import labels_named
from task_scenarios.loader import scenario_load


@pytest.fixture(scope="module")
def variants():
    scenario = scenario_load("customer-service")
    return [scenario.params(seed) for seed in range(60)]


def _first(variants, test):
    return next(p for p in variants if test(p))


def _facts(params, buyer):
    return [FactSpec.model_validate(f) for f in params["buyers"][buyer]["must_mention"]]


@pytest.mark.parametrize(("promise", "reply"), [
    ("16:00前", "亲，下午四点前付款当天发货，默认{carrier}"),
    ("16:00前", "亲，每天16点之前拍下当天发出，{carrier}哦"),
    ("17:00前", "亲，下午五点前付款当天发货，发{carrier}"),
    ("48小时", "亲，付款后四十八小时内发货，{carrier}"),
    ("24小时", "亲，二十四小时内发货哦，默认{carrier}"),
])
def test_shipping_phrasings_are_accepted(variants, promise, reply):
    params = _first(variants, lambda p: promise in p["ship_promise"])
    facts = _facts(params, 0)
    text = reply.format(carrier=params["carrier"])
    assert all(fact_given(text, fact) for fact in facts), text


def test_a_dump_of_carriers_or_promises_is_no_answer(variants):
    params = _first(variants, lambda p: "48小时" in p["ship_promise"] and p["carrier"] != "圆通速递")
    promise, carrier = _facts(params, 0)
    assert not fact_given(f"24小时或48小时内发货，默认{params['carrier']}", promise)
    assert not fact_given(f"发{params['carrier']}或圆通", carrier)


@pytest.mark.parametrize("reply", ["可以开电子普通票，留言写抬头和税号，七天内无理由退换", "可开电子发票，备注税号；支持7天无理由退货"])
def test_invoice_and_returns_phrasings_are_accepted(variants, reply):
    params = _first(variants, lambda p: "电子普通发票" in p["invoice"] and "运费险" not in p["returns"])
    assert all(fact_given(reply, fact) for fact in _facts(params, 2)), reply


def test_postage_threshold_phrasings_are_accepted(variants):
    params = variants[0]
    threshold = params["free_shipping"]
    facts = [FactSpec.model_validate(f) for f in params["hidden"]["postage"][0]["must_mention"]]
    for reply in (f"满{threshold}包邮", f"{threshold}元以上包邮", f"{threshold}元及以上免运费"):
        assert all(fact_given(reply, fact) for fact in facts), reply
    assert not all(fact_given(f"满{threshold + 1}包邮", fact) for fact in facts)


def test_the_size_is_one_size_case_insensitive(variants):
    for params in variants[:10]:
        recommend = Recommendation.model_validate(params["buyers"][1]["recommend"])
        answer = params["size_answer"]
        assert labels_named(f"亲，推荐{answer.lower()}码", recommend.choices) == [recommend.right()]
        table = "；".join(row["size"] for row in params["size_table"])
        assert len(labels_named(table, recommend.choices)) == 5


def test_the_shop_fact_dump_is_off_topic_for_every_buyer(variants):
    params = variants[1]
    dump = (f"发货时间：{params['ship_promise']}；快递：{params['carrier']}；满{params['free_shipping']}元包邮；"
            f"发票：{params['invoice']}；退换货：{params['returns']}")
    for buyer in params["buyers"]:
        off = [FactSpec.model_validate(f) for f in buyer["off_topic"]]
        assert len(off_topic_given(dump, off)) >= 3


def test_must_not_trigger_questions_are_other_topics_and_small_talk(variants):
    params = variants[2]
    for topic, negatives in params["not_hidden"].items():
        own = {q["text"] for q in params["hidden"][topic]}
        assert not own & set(negatives) and "在吗？" in negatives
