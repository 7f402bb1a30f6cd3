"""客服 console views (inbox, POST fallback reply, status, 自动回复 CRUD and tester) and the widget."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from shop_sim.models import AutoReplyRule, ChatMessage, ChatSession, Customer, Order, Sandbox, ShopEvent
from shop_sim.services.chat import chat_buyer_message

Kind = AutoReplyRule.Kind


@pytest.fixture
def buyer(sandbox):
    return Customer.objects.create(sandbox=sandbox, nickname="小明同学")


@pytest.fixture
def session(sandbox, buyer):
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="请问什么时候发货？")
    return ChatSession.objects.get(sandbox=sandbox)


@pytest.fixture
def foreign(make_sandbox, make_user):
    """Another candidate's shop with a conversation and a rule."""
    other = make_sandbox(owner=make_user("cand_b"), name="B的店铺")
    stranger = Customer.objects.create(sandbox=other, nickname="B的买家")
    chat_buyer_message(sandbox=other, customer=stranger, body="B店的问题")
    rule = AutoReplyRule.objects.create(sandbox=other, kind=Kind.KEYWORD, keywords=["发货"], reply="B店回复")
    return {"sandbox": other, "session": ChatSession.objects.get(sandbox=other), "rule": rule}


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("console:chat_inbox"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_inbox_lists_sessions_with_unread_badge_and_last_message(console_client, session, foreign):
    response = console_client.get(reverse("console:chat_inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "小明同学" in html and "请问什么时候发货？" in html
    assert 'class="badge chat-unread" title="未读消息">1<' in html
    assert "B的买家" not in html and "B店的问题" not in html
    assert 'data-ws-path="/ws/console/chat/"' in html


def test_opening_a_session_shows_it_and_reads_it(console_client, sandbox, session, buyer):
    Order.objects.create(sandbox=sandbox, customer=buyer, order_no="T20240001", goods_total=99, pay_amount=99,
                         receiver_name="小明", receiver_phone="13800000000", province="浙江省", city="杭州市",
                         address_detail="文三路1号", status=Order.Status.PAID, created_at=session.started_at)
    response = console_client.get(reverse("console:chat_session", kwargs={"chatsession_id": session.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "与小明同学的对话" in html and "请问什么时候发货？" in html
    assert '<label for="id_body">回复内容</label>' in html and "发送" in html
    assert "T20240001" in html and "买家已付款，等待发货" in html  # order context
    session.refresh_from_db()
    assert session.unread_count == 0
    assert ShopEvent.objects.get().action == "chat.session_read"


def test_message_text_is_escaped(console_client, sandbox, buyer):
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="<script>alert(1)</script>")
    s = ChatSession.objects.get()
    html = console_client.get(reverse("console:chat_session", kwargs={"chatsession_id": s.pk})).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_another_sandboxs_session_is_404(console_client, foreign):
    sid = foreign["session"].pk
    assert console_client.get(reverse("console:chat_session", kwargs={"chatsession_id": sid})).status_code == 404
    response = console_client.post(reverse("console:chat_reply", kwargs={"chatsession_id": sid}), {"body": "抢答"})
    assert response.status_code == 404
    assert ChatMessage.objects.filter(session_id=sid).count() == 1
    foreign["session"].refresh_from_db()
    assert foreign["session"].unread_count == 1


def test_post_fallback_reply(console_client, session):
    url = reverse("console:chat_reply", kwargs={"chatsession_id": session.pk})
    response = console_client.post(url, {"body": "  亲，今天下午发货哦  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:chat_session", kwargs={"chatsession_id": session.pk})
    reply = ChatMessage.objects.filter(session=session).last()
    assert (reply.sender, reply.body) == ("merchant", "亲，今天下午发货哦")
    session.refresh_from_db()
    assert session.unread_count == 0


@pytest.mark.parametrize("body,error", [("", "请输入回复内容"), ("   ", "请输入回复内容"), ("字" * 501, "不能超过500个字")])
def test_post_fallback_reply_bad_input(console_client, session, body, error):
    response = console_client.post(reverse("console:chat_reply", kwargs={"chatsession_id": session.pk}),
                                   {"body": body})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert ChatMessage.objects.filter(session=session).count() == 1
    session.refresh_from_db()
    assert session.unread_count == 1


def test_reply_requires_post(console_client, session):
    response = console_client.get(reverse("console:chat_reply", kwargs={"chatsession_id": session.pk}))
    assert response.status_code == 405


def test_status_toggle(console_client, sandbox):
    url = reverse("console:chat_status")
    response = console_client.post(url, {"status": "offline", "next": reverse("console:autoreply_list")})
    assert response.status_code == 302 and response["Location"] == reverse("console:autoreply_list")
    sandbox.refresh_from_db()
    assert sandbox.service_status == "offline"
    assert ShopEvent.objects.get().action == "chat.service_status"
    response = console_client.post(url, {"status": "busy", "next": "https://evil.example/"})
    assert response["Location"] == reverse("console:chat_inbox")  # unsafe next ignored
    sandbox.refresh_from_db()
    assert sandbox.service_status == "offline" and ShopEvent.objects.count() == 1
    html = console_client.get(reverse("console:chat_inbox")).content.decode()
    assert 'value="offline" class="btn btn-primary" aria-pressed="true"' in html


# --- 自动回复 ------------------------------------------------------------------------------------


def test_autoreply_list_shows_only_own_rules(console_client, sandbox, foreign):
    AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.GREETING, reply="亲，欢迎光临")
    html = console_client.get(reverse("console:autoreply_list")).content.decode()
    assert "亲，欢迎光临" in html and "首次接待语" in html
    assert "B店回复" not in html
    assert '<label for="id_text">买家问题</label>' in html


def test_autoreply_create(console_client, sandbox):
    response = console_client.get(reverse("console:autoreply_create") + "?kind=greeting")
    assert response.status_code == 200 and '<option value="greeting" selected>' in response.content.decode()
    response = console_client.post(reverse("console:autoreply_create"), {
        "kind": "keyword", "keywords": "发货，快递、物流", "reply": "下单后48小时内发货", "enabled": "on", "position": ""})
    assert response.status_code == 302
    rule = AutoReplyRule.objects.get(sandbox=sandbox)
    assert (rule.keywords, rule.reply, rule.enabled, rule.position) == (["发货", "快递", "物流"], "下单后48小时内发货", True, 1)
    assert ShopEvent.objects.get().action == "autoreply.create"


@pytest.mark.parametrize("data,error", [
    ({"kind": "keyword", "keywords": "", "reply": "回复"}, "至少需要1个关键词"),
    ({"kind": "keyword", "keywords": "，".join(f"词{i}" for i in range(11)), "reply": "回复"}, "最多10个关键词"),
    ({"kind": "greeting", "reply": "欢" * 51}, "不能超过50个字"),
    ({"kind": "keyword", "keywords": "发货", "reply": ""}, "请输入回复内容"),
])
def test_autoreply_create_bad_input_writes_nothing(console_client, data, error):
    response = console_client.post(reverse("console:autoreply_create"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not AutoReplyRule.objects.exists() and not ShopEvent.objects.exists()


def test_second_enabled_greeting_is_a_form_error(console_client, sandbox):
    AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.GREETING, reply="欢迎一")
    response = console_client.post(reverse("console:autoreply_create"),
                                   {"kind": "greeting", "reply": "欢迎二", "enabled": "on"})
    assert response.status_code == 200
    assert "同一时间只能启用一条首次接待语" in response.content.decode()
    assert AutoReplyRule.objects.count() == 1 and not ShopEvent.objects.exists()


def test_autoreply_edit_toggle_delete(console_client, sandbox):
    rule = AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.KEYWORD, keywords=["发货"], reply="旧", position=2)
    edit = reverse("console:autoreply_edit", kwargs={"autoreplyrule_id": rule.pk})
    html = console_client.get(edit).content.decode()
    assert 'value="发货"' in html and "旧" in html
    response = console_client.post(edit, {"kind": "keyword", "keywords": "发货、快递", "reply": "新", "position": "0"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.keywords, rule.reply, rule.position, rule.enabled) == (["发货", "快递"], "新", 0, False)

    console_client.post(reverse("console:autoreply_toggle", kwargs={"autoreplyrule_id": rule.pk}))
    rule.refresh_from_db()
    assert rule.enabled is True

    delete = reverse("console:autoreply_delete", kwargs={"autoreplyrule_id": rule.pk})
    assert "确认删除" in console_client.get(delete).content.decode()
    assert AutoReplyRule.objects.filter(pk=rule.pk).exists()  # GET only asks
    assert console_client.post(delete).status_code == 302
    assert not AutoReplyRule.objects.filter(pk=rule.pk).exists()
    assert list(ShopEvent.objects.values_list("action", flat=True)) == [
        "autoreply.update", "autoreply.update", "autoreply.delete"]


def test_autoreply_edit_bad_input_changes_nothing(console_client, sandbox):
    rule = AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.KEYWORD, keywords=["发货"], reply="旧")
    response = console_client.post(reverse("console:autoreply_edit", kwargs={"autoreplyrule_id": rule.pk}),
                                   {"kind": "keyword", "keywords": "超" * 21, "reply": "新"})
    assert response.status_code == 200 and "超过20个字" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.keywords, rule.reply) == (["发货"], "旧") and not ShopEvent.objects.exists()


@pytest.mark.parametrize("name,method", [("autoreply_edit", "get"), ("autoreply_edit", "post"),
                                         ("autoreply_toggle", "post"), ("autoreply_delete", "get"),
                                         ("autoreply_delete", "post")])
def test_another_sandboxs_rule_is_404(console_client, foreign, name, method):
    rule = foreign["rule"]
    url = reverse(f"console:{name}", kwargs={"autoreplyrule_id": rule.pk})
    response = getattr(console_client, method)(url, {"kind": "keyword", "keywords": "改", "reply": "改"} if method == "post" else None)
    assert response.status_code == 404
    rule.refresh_from_db()
    assert (rule.reply, rule.enabled) == ("B店回复", True) and not ShopEvent.objects.exists()


def test_autoreply_tester_htmx(console_client, sandbox, foreign):
    AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.KEYWORD, keywords=["ＶＩＰ"], reply="会员九折", position=1)
    AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.GREETING, reply="欢迎光临")
    url = reverse("console:autoreply_test")
    response = console_client.get(url, {"text": "vip有优惠吗", "first_message": "on"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "将自动发送 2 条回复" in html and "会员九折" in html and "欢迎光临" in html and "回答此问题" in html
    html = console_client.get(url, {"text": "发货吗"}, HTTP_HX_REQUEST="true").content.decode()
    assert "没有规则会回复这个问题" in html  # B's keyword rule does not answer here
    html = console_client.get(url, {"text": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert "请输入买家问题" in html
    full = console_client.get(url, {"text": "vip"}).content.decode()  # without htmx: the whole page
    assert "<html" in full and "会员九折" in full
    assert not ChatMessage.objects.filter(sandbox=sandbox).exists()


# --- the storefront widget ---------------------------------------------------------------------


def widget(sandbox, customer):
    request = RequestFactory().get(f"/s/{sandbox.storefront_key}/")
    return render_to_string("storefront/_chat_widget.html",
                            {"sandbox": sandbox, "customer": customer, "request": request})


def test_widget_for_logged_in_buyer_renders_history_escaped(sandbox, buyer):
    AutoReplyRule.objects.create(sandbox=sandbox, kind=Kind.GREETING, reply="欢迎光临")
    chat_buyer_message(sandbox=sandbox, customer=buyer, body="<b>加粗</b>")
    html = widget(sandbox, buyer)
    assert "联系客服" in html and '<label for="chat-input">输入消息</label>' in html and "发送" in html
    assert f'data-ws-path="/ws/s/{sandbox.storefront_key}/chat/"' in html
    assert "&lt;b&gt;加粗&lt;/b&gt;" in html and "<b>加粗</b>" not in html
    assert "欢迎光临" in html


def test_widget_history_is_the_last_50_messages_of_this_buyer(sandbox, buyer):
    other = Customer.objects.create(sandbox=sandbox, nickname="别人")
    chat_buyer_message(sandbox=sandbox, customer=other, body="别人的消息")
    session = ChatSession.objects.create(sandbox=sandbox, customer=buyer, started_at=ChatSession.objects.get().started_at,
                                         last_message_at=ChatSession.objects.get().started_at)
    for i in range(55):
        ChatMessage.objects.create(sandbox=sandbox, session=session, sender="buyer", body=f"第{i}条",
                                   created_at=session.started_at)
    html = widget(sandbox, buyer)
    assert html.count('class="chat-msg ') == 50
    assert "第4条<" not in html and "第5条<" in html and "第54条<" in html
    assert "别人的消息" not in html


def test_widget_for_anonymous_buyer_asks_to_log_in(sandbox):
    html = widget(sandbox, None)
    assert "请先登录后咨询" in html
    assert reverse("storefront:buyer_login", kwargs={"storefront_key": sandbox.storefront_key}) in html
    assert "chat-input" not in html


def test_widget_not_shown_for_template_sandbox():
    template = Sandbox.objects.create(name="模板", is_template=True)
    assert "联系客服" not in widget(template, None)


pytestmark = pytest.mark.django_db
