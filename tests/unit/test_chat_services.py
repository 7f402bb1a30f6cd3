"""客服 services: sessions, unread counts, auto-replies (greeting, offline, keywords) and rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop_sim.models import AutoReplyRule, ChatMessage, ChatSession, Customer, Sandbox, ShopEvent
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.chat import (
    autoreply_create, autoreply_delete, autoreply_match, autoreply_matches, autoreply_update,
    chat_buyer_message, chat_mark_read, chat_merchant_reply, service_status_set,
)

Kind = AutoReplyRule.Kind
Sender = ChatMessage.Sender


@pytest.fixture
def buyer(sandbox):
    return Customer.objects.create(sandbox=sandbox, nickname="小明同学")


@pytest.fixture
def merchant(candidate):
    return Actor.merchant(candidate)


def rule(sandbox, kind, reply, keywords=(), position=0, enabled=True):
    return AutoReplyRule.objects.create(sandbox=sandbox, kind=kind, reply=reply, keywords=list(keywords),
                                        position=position, enabled=enabled)


def senders(messages):
    return [(m.sender, m.body) for m in messages]


# --- buyer messages, sessions, unread -----------------------------------------------------------


def test_first_buyer_message_opens_session_and_counts_unread(sandbox, buyer):
    created = chat_buyer_message(sandbox=sandbox, customer=buyer, body="  在吗？  ")
    assert senders(created) == [(Sender.BUYER, "在吗？")]  # stored stripped
    session = ChatSession.objects.get()
    assert session.customer == buyer and session.unread_count == 1
    assert created[0].session == session
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="有货吗")
    session.refresh_from_db()
    assert session.unread_count == 2
    assert ChatSession.objects.count() == 1
    # Messages are their own journal: no ShopEvent per message.
    assert not ShopEvent.objects.exists()


def test_greeting_only_on_first_message_of_a_new_session(sandbox, buyer):
    rule(sandbox, Kind.GREETING, "亲，欢迎光临！")
    first = chat_buyer_message(sandbox=sandbox, customer=buyer, body="你好")
    assert senders(first) == [(Sender.BUYER, "你好"), (Sender.AUTO, "亲，欢迎光临！")]
    second = chat_buyer_message(sandbox=sandbox, customer=buyer, body="还在吗")
    assert senders(second) == [(Sender.BUYER, "还在吗")]
    session = ChatSession.objects.get()
    # Auto-replies do not read the conversation: two buyer messages wait for a human.
    assert session.unread_count == 2
    assert list(session.messages.values_list("sender", flat=True)) == ["buyer", "auto", "buyer"]


def test_disabled_greeting_is_not_sent(sandbox, buyer):
    rule(sandbox, Kind.GREETING, "欢迎", enabled=False)
    assert senders(chat_buyer_message(sandbox=sandbox, customer=buyer, body="你好")) == [(Sender.BUYER, "你好")]


def test_session_reused_within_24h_else_new_session_with_greeting(sandbox, buyer):
    rule(sandbox, Kind.GREETING, "欢迎")
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="一")
    old = ChatSession.objects.get()
    ChatSession.objects.filter(pk=old.pk).update(last_message_at=timezone.now() - timedelta(hours=23))
    again = chat_buyer_message(sandbox=sandbox, customer=buyer, body="二")
    assert ChatSession.objects.count() == 1 and len(again) == 1
    ChatSession.objects.filter(pk=old.pk).update(last_message_at=timezone.now() - timedelta(hours=25))
    later = chat_buyer_message(sandbox=sandbox, customer=buyer, body="三")
    assert ChatSession.objects.count() == 2
    assert senders(later) == [(Sender.BUYER, "三"), (Sender.AUTO, "欢迎")]
    assert later[0].session_id != old.pk
    assert later[0].session.unread_count == 1


def test_sessions_are_per_buyer(sandbox, buyer):
    other = Customer.objects.create(sandbox=sandbox, nickname="另一位")
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="a")
    chat_buyer_message(sandbox=sandbox, customer=other, body="b")
    assert ChatSession.objects.count() == 2


def test_offline_reply_only_when_offline(sandbox, buyer, merchant):
    rule(sandbox, Kind.OFFLINE, "客服工作时间9:00-18:00，请留言")
    online = chat_buyer_message(sandbox=sandbox, customer=buyer, body="你好")
    assert senders(online) == [(Sender.BUYER, "你好")]
    stale = Sandbox.objects.get(pk=sandbox.pk)  # what a long-lived socket holds
    service_status_set(sandbox=sandbox, actor=merchant, status=Sandbox.ServiceStatus.OFFLINE)
    offline = chat_buyer_message(sandbox=stale, customer=buyer, body="在吗")
    assert senders(offline) == [(Sender.BUYER, "在吗"), (Sender.AUTO, "客服工作时间9:00-18:00，请留言")]


def test_offline_rule_disabled_sends_nothing(sandbox, buyer):
    Sandbox.objects.filter(pk=sandbox.pk).update(service_status="offline")
    rule(sandbox, Kind.OFFLINE, "离线", enabled=False)
    assert len(chat_buyer_message(sandbox=sandbox, customer=buyer, body="在吗")) == 1


def test_greeting_offline_and_keyword_sent_in_that_order(sandbox, buyer):
    Sandbox.objects.filter(pk=sandbox.pk).update(service_status="offline")
    rule(sandbox, Kind.KEYWORD, "48小时内发货", keywords=["发货"], position=0)
    rule(sandbox, Kind.OFFLINE, "离线中", position=5)
    rule(sandbox, Kind.GREETING, "欢迎", position=9)
    created = chat_buyer_message(sandbox=sandbox, customer=buyer, body="什么时候发货")
    assert senders(created) == [(Sender.BUYER, "什么时候发货"), (Sender.AUTO, "欢迎"),
                                (Sender.AUTO, "离线中"), (Sender.AUTO, "48小时内发货")]
    assert [m.created_at for m in created] == sorted(m.created_at for m in created)
    assert ChatSession.objects.get().last_message_at == created[-1].created_at


@pytest.mark.parametrize("keyword,text", [
    ("VIP", "请问vip有折扣吗"),
    ("vip", "ＶＩＰ会员价"),          # full-width letters
    ("100元", "满１００元包邮吗"),     # full-width digits
    ("ＸＬ", "有xl码吗"),              # full-width keyword, half-width text
    ("包邮", "包不包邮，包邮吗"),
])
def test_keyword_matching_is_nfkc_and_case_insensitive(sandbox, buyer, keyword, text):
    rule(sandbox, Kind.KEYWORD, "回复", keywords=[keyword])
    assert senders(chat_buyer_message(sandbox=sandbox, customer=buyer, body=text))[1:] == [(Sender.AUTO, "回复")]


def test_keyword_not_matching_sends_nothing(sandbox, buyer):
    rule(sandbox, Kind.KEYWORD, "回复", keywords=["退货"])
    assert len(chat_buyer_message(sandbox=sandbox, customer=buyer, body="什么时候发货")) == 1


def test_keyword_priority_and_at_most_one_keyword_reply(sandbox, buyer):
    rule(sandbox, Kind.KEYWORD, "低优先", keywords=["快递"], position=5)
    rule(sandbox, Kind.KEYWORD, "高优先", keywords=["顺丰", "快递"], position=1)
    rule(sandbox, Kind.KEYWORD, "停用的", keywords=["快递"], position=0, enabled=False)
    created = chat_buyer_message(sandbox=sandbox, customer=buyer, body="发什么快递，能发顺丰吗")
    assert senders(created) == [(Sender.BUYER, "发什么快递，能发顺丰吗"), (Sender.AUTO, "高优先")]


def test_keyword_priority_ties_broken_by_creation_order(sandbox, buyer):
    first = rule(sandbox, Kind.KEYWORD, "先建", keywords=["尺码"], position=3)
    rule(sandbox, Kind.KEYWORD, "后建", keywords=["尺码"], position=3)
    assert autoreply_match(sandbox=sandbox, text="尺码怎么选", first_message=False, offline=False) == first


def test_autoreply_match_prefers_the_specific_answer(sandbox):
    greeting = rule(sandbox, Kind.GREETING, "欢迎")
    offline = rule(sandbox, Kind.OFFLINE, "离线")
    keyword = rule(sandbox, Kind.KEYWORD, "包邮", keywords=["邮费"])
    args = {"sandbox": sandbox, "first_message": True, "offline": True}
    assert autoreply_matches(text="邮费多少", **args) == [greeting, offline, keyword]
    assert autoreply_match(text="邮费多少", **args) == keyword
    assert autoreply_match(text="你好", **args) == offline
    assert autoreply_match(text="你好", sandbox=sandbox, first_message=True, offline=False) == greeting
    assert autoreply_match(text="你好", sandbox=sandbox, first_message=False, offline=False) is None


def test_rules_of_another_sandbox_never_answer(sandbox, buyer, make_sandbox):
    other = make_sandbox(name="别人的店")
    rule(other, Kind.GREETING, "别家欢迎")
    rule(other, Kind.KEYWORD, "别家回复", keywords=["发货"])
    assert len(chat_buyer_message(sandbox=sandbox, customer=buyer, body="发货")) == 1


@pytest.mark.parametrize("body", ["", "   ", "\n\t", "x" * 501, None])
def test_invalid_body_is_refused_and_nothing_is_stored(sandbox, buyer, body):
    rule(sandbox, Kind.GREETING, "欢迎")
    with pytest.raises(ShopError):
        chat_buyer_message(sandbox=sandbox, customer=buyer, body=body)
    assert not ChatSession.objects.exists() and not ChatMessage.objects.exists()


def test_body_of_exactly_500_chars_is_accepted(sandbox, buyer):
    created = chat_buyer_message(sandbox=sandbox, customer=buyer, body="好" * 500 + "  ")
    assert created[0].body == "好" * 500


def test_buyer_of_another_sandbox_and_template_sandbox_are_refused(sandbox, make_sandbox):
    other = make_sandbox(name="别人的店")
    stranger = Customer.objects.create(sandbox=other, nickname="路人")
    with pytest.raises(ShopError):
        chat_buyer_message(sandbox=sandbox, customer=stranger, body="你好")
    template = Sandbox.objects.create(name="模板", is_template=True)
    tbuyer = Customer.objects.create(sandbox=template, nickname="模板买家")
    with pytest.raises(ShopError):
        chat_buyer_message(sandbox=template, customer=tbuyer, body="你好")
    assert not ChatMessage.objects.exists()


# --- merchant side ------------------------------------------------------------------------------


def test_merchant_reply_resets_unread_and_writes_no_event(sandbox, buyer, merchant):
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="一")
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="二")
    session = ChatSession.objects.get()
    assert session.unread_count == 2
    message = chat_merchant_reply(sandbox=sandbox, actor=merchant, session=session, body=" 您好，在的 ")
    session.refresh_from_db()
    assert message.sender == Sender.MERCHANT and message.body == "您好，在的"
    assert session.unread_count == 0 and session.last_message_at == message.created_at
    assert not ShopEvent.objects.exists()


@pytest.mark.parametrize("body", ["", "  ", "字" * 501])
def test_merchant_reply_body_validated(sandbox, buyer, merchant, body):
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="一")
    session = ChatSession.objects.get()
    with pytest.raises(ShopError):
        chat_merchant_reply(sandbox=sandbox, actor=merchant, session=session, body=body)
    session.refresh_from_db()
    assert session.unread_count == 1 and session.messages.count() == 1


def test_merchant_cannot_reply_into_another_sandbox(sandbox, merchant, make_sandbox):
    other = make_sandbox(name="别人的店")
    stranger = Customer.objects.create(sandbox=other, nickname="路人")
    chat_buyer_message(sandbox=other, customer=stranger, body="你好")
    foreign = ChatSession.objects.get()
    with pytest.raises(ShopError):
        chat_merchant_reply(sandbox=sandbox, actor=merchant, session=foreign, body="抢答")
    assert ChatMessage.objects.count() == 1
    foreign.refresh_from_db()
    assert foreign.unread_count == 1


def test_mark_read_writes_one_event_only_when_something_was_unread(sandbox, buyer, merchant):
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="一")
    session = ChatSession.objects.get()
    chat_mark_read(sandbox=sandbox, actor=merchant, session=session)
    session.refresh_from_db()
    assert session.unread_count == 0
    event = ShopEvent.objects.get()
    assert (event.action, event.before, event.after, event.object_id) == (
        "chat.session_read", {"unread_count": 1}, {"unread_count": 0}, session.pk)
    assert event.actor == "merchant:cand_a"
    chat_mark_read(sandbox=sandbox, actor=merchant, session=session)
    assert ShopEvent.objects.count() == 1


def test_service_status_set(sandbox, merchant):
    service_status_set(sandbox=sandbox, actor=merchant, status="offline")
    sandbox.refresh_from_db()
    assert sandbox.service_status == "offline"
    event = ShopEvent.objects.get()
    assert (event.action, event.before, event.after) == (
        "chat.service_status", {"service_status": "online"}, {"service_status": "offline"})
    service_status_set(sandbox=sandbox, actor=merchant, status="offline")  # no change, no event
    assert ShopEvent.objects.count() == 1
    with pytest.raises(ShopError):
        service_status_set(sandbox=sandbox, actor=merchant, status="busy")
    sandbox.refresh_from_db()
    assert sandbox.service_status == "offline" and ShopEvent.objects.count() == 1


# --- rules --------------------------------------------------------------------------------------


def test_autoreply_create_dedupes_keywords_and_goes_last(sandbox, merchant):
    first = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.KEYWORD, reply="包邮哦",
                             keywords=["包邮", "VIP", "vip", "ＶＩＰ", " 包邮 "], position=4)
    assert first.keywords == ["包邮", "VIP"] and first.position == 4
    second = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.GREETING, reply="欢迎", keywords=["忽略"])
    assert second.position == 5 and second.keywords == []
    events = list(ShopEvent.objects.values_list("action", "object_id"))
    assert events == [("autoreply.create", first.pk), ("autoreply.create", second.pk)]
    assert ShopEvent.objects.first().after["keywords"] == ["包邮", "VIP"]


@pytest.mark.parametrize("kind,reply,keywords", [
    (Kind.GREETING, "欢" * 51, []),
    (Kind.OFFLINE, "离" * 201, []),
    (Kind.KEYWORD, "回" * 501, ["发货"]),
    (Kind.KEYWORD, "回复", []),
    (Kind.KEYWORD, "回复", ["  ", ""]),
    (Kind.KEYWORD, "回复", [f"词{i}" for i in range(11)]),
    (Kind.KEYWORD, "回复", ["超" * 21]),
    (Kind.GREETING, "   ", []),
    ("bogus", "回复", []),
])
def test_autoreply_create_refuses_bad_rules(sandbox, merchant, kind, reply, keywords):
    with pytest.raises(ShopError):
        autoreply_create(sandbox=sandbox, actor=merchant, kind=kind, reply=reply, keywords=keywords)
    assert not AutoReplyRule.objects.exists() and not ShopEvent.objects.exists()


def test_autoreply_limits_accept_the_boundaries(sandbox, merchant):
    autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.GREETING, reply="欢" * 50)
    autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.OFFLINE, reply="离" * 200)
    rule_ = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.KEYWORD, reply="回" * 500,
                             keywords=[f"词{i}" for i in range(9)] + ["超" * 20])
    assert len(rule_.keywords) == 10 and rule_.keywords[-1] == "超" * 20
    assert AutoReplyRule.objects.count() == 3


def test_only_one_enabled_greeting(sandbox, merchant):
    first = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.GREETING, reply="欢迎一")
    with pytest.raises(ShopError, match="首次接待语"):
        autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.GREETING, reply="欢迎二")
    disabled = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.GREETING, reply="欢迎二", enabled=False)
    with pytest.raises(ShopError):
        autoreply_update(sandbox=sandbox, actor=merchant, rule=disabled, enabled=True)
    disabled.refresh_from_db()
    assert disabled.enabled is False
    autoreply_update(sandbox=sandbox, actor=merchant, rule=first, enabled=False)
    autoreply_update(sandbox=sandbox, actor=merchant, rule=disabled, enabled=True)
    assert list(AutoReplyRule.objects.filter(enabled=True)) == [disabled]
    # Editing the enabled greeting itself is not a second greeting.
    autoreply_update(sandbox=sandbox, actor=merchant, rule=disabled, reply="欢迎光临")


def test_autoreply_update_records_before_and_after(sandbox, merchant):
    r = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.KEYWORD, reply="旧", keywords=["发货"])
    autoreply_update(sandbox=sandbox, actor=merchant, rule=r, reply="新", keywords=["发货", "快递"], position=7)
    r.refresh_from_db()
    assert (r.reply, r.keywords, r.position) == ("新", ["发货", "快递"], 7)
    event = ShopEvent.objects.get(action="autoreply.update")
    assert event.before["reply"] == "旧" and event.after["reply"] == "新"
    assert event.after["keywords"] == ["发货", "快递"]
    autoreply_update(sandbox=sandbox, actor=merchant, rule=r, reply="新")  # unchanged: no event
    assert ShopEvent.objects.filter(action="autoreply.update").count() == 1


def test_autoreply_update_refusal_changes_nothing(sandbox, merchant):
    r = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.KEYWORD, reply="旧", keywords=["发货"])
    with pytest.raises(ShopError):
        autoreply_update(sandbox=sandbox, actor=merchant, rule=r, kind=Kind.GREETING, reply="长" * 51)
    with pytest.raises(ShopError):
        autoreply_update(sandbox=sandbox, actor=merchant, rule=r, position=-1)
    r.refresh_from_db()
    assert (r.kind, r.reply, r.position) == (Kind.KEYWORD, "旧", 1)
    assert ShopEvent.objects.filter(action="autoreply.update").count() == 0


def test_autoreply_delete_keeps_the_rule_in_the_event(sandbox, merchant):
    r = autoreply_create(sandbox=sandbox, actor=merchant, kind=Kind.OFFLINE, reply="工作时间9-18点")
    rid = r.pk
    autoreply_delete(sandbox=sandbox, actor=merchant, rule=r)
    assert not AutoReplyRule.objects.exists()
    event = ShopEvent.objects.get(action="autoreply.delete")
    assert event.object_id == rid and event.before["reply"] == "工作时间9-18点" and event.after is None


def test_rules_of_another_sandbox_cannot_be_changed(sandbox, merchant, make_sandbox):
    other = make_sandbox(name="别人的店")
    foreign = rule(other, Kind.KEYWORD, "别家", keywords=["发货"])
    with pytest.raises(ShopError):
        autoreply_update(sandbox=sandbox, actor=merchant, rule=foreign, reply="改")
    with pytest.raises(ShopError):
        autoreply_delete(sandbox=sandbox, actor=merchant, rule=foreign)
    foreign.refresh_from_db()
    assert foreign.reply == "别家" and not ShopEvent.objects.exists()
