"""客服 forms: keyword limits and separators, reply lengths per kind, the reply box."""

import pytest

from shop_sim.console.forms.chat import AutoReplyRuleForm, AutoReplyTestForm, ChatReplyForm, ServiceStatusForm


def rule_form(**data):
    base = {"kind": "keyword", "keywords": "发货", "reply": "48小时内发货", "enabled": "on", "position": "1"}
    base.update(data)
    return AutoReplyRuleForm(data={k: v for k, v in base.items() if v is not None})


def test_keywords_accept_ascii_and_fullwidth_commas_and_dunhao():
    form = rule_form(keywords="发货，快递、包邮,运费 ,，")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["keywords"] == ["发货", "快递", "包邮", "运费"]


def test_keywords_are_deduplicated_across_width_and_case():
    form = rule_form(keywords="VIP，vip、ＶＩＰ,会员")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["keywords"] == ["VIP", "会员"]


def test_ten_keywords_ok_eleven_refused():
    assert rule_form(keywords="，".join(f"词{i}" for i in range(10))).is_valid()
    form = rule_form(keywords="，".join(f"词{i}" for i in range(11)))
    assert not form.is_valid()
    assert "最多10个关键词" in form.errors["keywords"][0]


def test_keyword_longer_than_20_chars_refused():
    assert rule_form(keywords="超" * 20).is_valid()
    form = rule_form(keywords="发货，" + "超" * 21)
    assert not form.is_valid()
    assert "超过20个字" in form.errors["keywords"][0]


@pytest.mark.parametrize("keywords", ["", "  ", "，、,", None])
def test_keyword_rule_needs_a_keyword(keywords):
    form = rule_form(keywords=keywords)
    assert not form.is_valid()
    assert "至少需要1个关键词" in form.errors["keywords"][0]


def test_greeting_reply_at_most_50_chars_and_keywords_ignored():
    ok = rule_form(kind="greeting", reply="欢" * 50, keywords="发货")
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["keywords"] == []
    form = rule_form(kind="greeting", reply="欢" * 51)
    assert not form.is_valid()
    assert "首次接待语的回复内容不能超过50个字" in form.errors["reply"][0]


def test_offline_reply_at_most_200_and_keyword_reply_at_most_500():
    assert rule_form(kind="offline", reply="离" * 200, keywords="").is_valid()
    assert "200" in rule_form(kind="offline", reply="离" * 201).errors["reply"][0]
    assert rule_form(reply="回" * 500).is_valid()
    assert "500" in rule_form(reply="回" * 501).errors["reply"][0]


@pytest.mark.parametrize("data,field", [
    ({"reply": "   "}, "reply"),
    ({"kind": "bogus"}, "kind"),
    ({"kind": None}, "kind"),
    ({"position": "-1"}, "position"),
    ({"position": "abc"}, "position"),
    ({"position": "10000"}, "position"),
])
def test_rule_form_bad_input(data, field):
    form = rule_form(**data)
    assert not form.is_valid()
    assert field in form.errors


def test_blank_position_means_last_and_unchecked_means_disabled():
    form = rule_form(position="", enabled=None)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["position"] is None and form.cleaned_data["enabled"] is False


@pytest.mark.parametrize("body,ok", [("", False), ("   ", False), ("字" * 500, True), ("字" * 501, False),
                                     (" 在的 ", True)])
def test_reply_form(body, ok):
    form = ChatReplyForm(data={"body": body})
    assert form.is_valid() is ok
    if ok:
        assert form.cleaned_data["body"] == body.strip()
    else:
        assert form.errors["body"]


def test_status_form_and_test_form():
    assert ServiceStatusForm(data={"status": "offline"}).is_valid()
    assert not ServiceStatusForm(data={"status": "busy"}).is_valid()
    assert not AutoReplyTestForm(data={"text": ""}).is_valid()
    assert not AutoReplyTestForm(data={"text": "问" * 501}).is_valid()
    form = AutoReplyTestForm(data={"text": "发货吗", "offline": "on"})
    assert form.is_valid() and form.cleaned_data["offline"] and not form.cleaned_data["first_message"]
