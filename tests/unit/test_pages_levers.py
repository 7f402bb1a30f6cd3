"""The back-office page levers (docs/benchmarks.md, "Pages"): the chat inbox pages its conversations,
the decoration editor reads its options once, the console nav is cached per language."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shop_sim.console.views.chat import INBOX_PAGE_SIZE
from shop_sim.models import Category, ChatSession, Customer, HomeModule, NavItem, Product


@pytest.fixture
def many_sessions(sandbox):
    """INBOX_PAGE_SIZE * 2 + 5 conversations, session i last active i minutes ago (0 = newest)."""
    now = timezone.now()
    count = INBOX_PAGE_SIZE * 2 + 5
    customers = Customer.objects.bulk_create(
        [Customer(sandbox=sandbox, nickname=f"买家{i:03d}") for i in range(count)])
    return ChatSession.objects.bulk_create([
        ChatSession(sandbox=sandbox, customer=c, started_at=now - timedelta(minutes=i, seconds=30),
                    last_message_at=now - timedelta(minutes=i), unread_count=i % 2)
        for i, c in enumerate(customers)])


def _nicknames(html: str) -> list[str]:
    import re

    return re.findall(r'<span class="chat-nick">([^<]+)</span>', html)


def test_inbox_shows_the_newest_page_and_a_load_more_link(console_client, many_sessions):
    html = console_client.get(reverse("console:chat_inbox")).content.decode()
    assert _nicknames(html) == [f"买家{i:03d}" for i in range(INBOX_PAGE_SIZE)]
    assert "加载更多" in html and "hx-get=" in html


def test_load_more_appends_the_next_conversations_without_repeats(console_client, many_sessions):
    first = console_client.get(reverse("console:chat_inbox")).content.decode()
    seen = _nicknames(first)
    cursor = many_sessions[INBOX_PAGE_SIZE - 1].pk
    assert f"?before={cursor}" in first
    # meanwhile the oldest conversation gets a message and moves to the top: no repeat, no skip
    oldest = many_sessions[-1]
    oldest.last_message_at = timezone.now() + timedelta(minutes=1)
    oldest.save()
    while cursor:
        response = console_client.get(reverse("console:chat_inbox"), {"before": cursor}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert "<html" not in html  # only the list items
        names = _nicknames(html)
        assert not set(names) & set(seen)
        seen += names
        cursor = int(html.split("?before=")[1].split('"')[0]) if "?before=" in html else None
    assert seen == [f"买家{i:03d}" for i in range(len(many_sessions) - 1)]  # the oldest moved to the top


def test_next_page_without_javascript_is_a_whole_page(console_client, many_sessions):
    cursor = many_sessions[INBOX_PAGE_SIZE - 1].pk
    html = console_client.get(reverse("console:chat_inbox"), {"before": cursor}).content.decode()
    assert "<html" in html and "data-chat-session-list" in html
    assert _nicknames(html)[0] == f"买家{INBOX_PAGE_SIZE:03d}"


@pytest.mark.parametrize("before", ["abc", "-1", "999999999"])
def test_bad_or_foreign_cursor_is_the_first_page(console_client, many_sessions, before):
    response = console_client.get(reverse("console:chat_inbox"), {"before": before}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _nicknames(response.content.decode())[0] == "买家000"


def test_foreign_cursor_reveals_nothing(console_client, many_sessions, make_sandbox, make_user):
    other = make_sandbox(owner=make_user("cand_b"), name="B的店铺")
    stranger = Customer.objects.create(sandbox=other, nickname="B的买家")
    foreign = ChatSession.objects.create(sandbox=other, customer=stranger, started_at=timezone.now(),
                                         last_message_at=timezone.now())
    html = console_client.get(reverse("console:chat_inbox"), {"before": foreign.pk}).content.decode()
    assert "B的买家" not in html and _nicknames(html)[0] == "买家000"


def test_inbox_renders_a_page_not_every_conversation(console_client, many_sessions):
    html = console_client.get(reverse("console:chat_inbox")).content.decode()
    assert len(_nicknames(html)) == INBOX_PAGE_SIZE < len(many_sessions)


def _decoration_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("console:decoration")).status_code == 200
    return len(queries)


def test_decoration_options_are_read_once_whatever_the_number_of_forms(console_client, sandbox):
    category = Category.objects.create(sandbox=sandbox, name="上衣")
    Product.objects.bulk_create([Product(sandbox=sandbox, title=f"宝贝{i}", price=10, status="on_sale")
                                 for i in range(5)])
    NavItem.objects.create(sandbox=sandbox, label="上衣", category=category, position=0)
    HomeModule.objects.create(sandbox=sandbox, kind=HomeModule.Kind.TEXT, title="公告", body="x", position=0)
    _decoration_queries(console_client)  # the first page of a sandbox fills the banners' caches
    before = _decoration_queries(console_client)
    for i in range(3):
        NavItem.objects.create(sandbox=sandbox, label=f"链接{i}", link="/", position=i + 1)
        HomeModule.objects.create(sandbox=sandbox, kind=HomeModule.Kind.TEXT, title=f"模块{i}", body="x",
                                  position=i + 1)
    after = _decoration_queries(console_client)
    assert after == before  # was one more query per nav item and per module (each form read its options)


def test_console_nav_is_cached_per_language(console_client, settings):
    """The nav is rendered once per language and URL name; each language still gets its own."""
    from django.core.cache import cache

    cache.clear()
    assert ">商品管理</a>" in console_client.get(reverse("console:file_list")).content.decode()
    console_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = console_client.get(reverse("console:file_list")).content.decode()
    assert 'lang="en"' in html and ">商品管理</a>" not in html
    console_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert ">商品管理</a>" in console_client.get(reverse("console:file_list")).content.decode()
