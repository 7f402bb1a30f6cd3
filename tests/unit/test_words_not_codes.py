"""Issue 13, item 5 — words, not codes. A page a person reads shows labels and titles in the page's
language: never a Python dict, a slug or an action code, a UTC ISO timestamp, a float after ¥, or
(in English) a Chinese msgid the catalogue translates.

The guard crawls every page the permission matrix reaches (its URL walk and world), as candidate,
examiner and trainer, in Chinese and in English, and reads each page's visible text. The other
tests render the pages the findings named with real data and assert what they show and what they
must not.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from shop_sim.models import Order, Refund, ShopAction, ShopEvent
from shop_sim.selectors import journal
from shop_sim.services.base import Actor
from shop_sim.services.orders import order_address_update, order_memo_update
from tests.unit.test_orders_factories import make_order, make_refund
from tests.unit.test_permission_matrix import (  # noqa: F401 (world: the fixture)
    CAND, EXAMINER, TRAINER, _fill, all_urls, rule_for, world,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DICT_LITERAL = re.compile(r"\{'(zh|en)':|\{\"(zh|en)\":")
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}(:\d{2})?(\.\d+)?[+-]00:00")
LONG_MONEY = re.compile(r"[¥￥]\s*-?\d+\.\d{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


class _Visible(HTMLParser):
    """The text a person sees: no markup, attributes, scripts, styles or templates."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _catalogue_msgids() -> set[str]:
    """The catalogue's single-line Chinese msgids without placeholders, 4 characters or more (short
    ones such as 状态 could be shop data too)."""
    text = (ROOT / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    ids = set(re.findall(r'^msgid "(.+)"$', text, flags=re.M))
    return {m for m in ids if len(m) >= 4 and CJK.search(m) and "%" not in m and "{" not in m and "\\" not in m}


def problems_in(text: str, *, english: bool, msgids: set[str] = frozenset()) -> list[str]:
    found = []
    for name, pattern in (("dict literal", DICT_LITERAL), ("ISO timestamp", ISO_TIMESTAMP),
                          ("¥ with more than 2 decimals", LONG_MONEY)):
        match = pattern.search(text)
        if match:
            found.append(f"{name}: …{text[max(0, match.start() - 40):match.end() + 40]}…")
    if english:
        untranslated = sorted(m for m in msgids if m in text)
        if untranslated:
            found.append(f"untranslated in English: {untranslated[:5]}")
    return found


def test_the_guard_catches_what_it_must():
    assert problems_in("标准 {'zh': '订单 4779', 'en': 'Order'}", english=False)
    assert problems_in("时间 2026-12-05T08:00:00 之后", english=False)
    assert problems_in("截止 2026-12-05 08:00:00+00:00", english=False)
    assert problems_in("已退款 ¥31.8000000000000", english=False)
    assert problems_in("Paid 商品总价 here", english=True, msgids={"商品总价"})
    assert not problems_in("已退款 ¥31.80 · 2026-12-05 16:00:00 · 订单 #12", english=False)


def _enrich(world):
    """Give the crawl's shops what the findings were about: a journal with an address change and a
    red flag, and two refunds whose sum SQLite returns as 31.8000000000000."""
    from sandbox.runtime.models import Attempt
    from shop_sim.models import Sandbox

    attempt = Attempt.objects.get(pk=world.values["attempt_id"])
    shop = Sandbox.objects.get(storefront_key=world.values["storefront_key"])
    candidate = world.users[CAND]
    for sandbox in (attempt.instance.sandbox, shop):
        order = make_order(sandbox, status=Order.Status.SHIPPED,
                           lines=(("测试商品", "默认", "20.00", 2),), shipping_fee="0.00")
        make_refund(order, amount="10.60", status=Refund.Status.SUCCESS)
        make_refund(order, amount="21.20", status=Refund.Status.SUCCESS)
        paid = make_order(sandbox, status=Order.Status.PAID)
        order_address_update(sandbox=sandbox, actor=Actor.merchant(candidate), order=paid,
                             receiver_name="李四", receiver_phone="13800138000", province="浙江省", city="杭州市",
                             district="西湖区", address_detail="文三路 1 号")
        order_memo_update(sandbox=sandbox, actor=Actor.merchant(candidate), order=paid, flag=Order.Flag.RED,
                          seller_memo="已核实地址")
    world.values["order_id"] = order.pk
    world.values["refund_id"] = Refund.objects.filter(order=order).first().pk


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_shows_codes_dicts_iso_times_or_long_money(client, world, language):
    _enrich(world)
    msgids = _catalogue_msgids() if language == "en" else set()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    problems, pages = [], 0
    for role in (CAND, EXAMINER, TRAINER):
        for namespace, route, pattern in all_urls():
            rule = rule_for(namespace, route, pattern)
            if namespace == "admin" or rule is None or role not in rule.allowed:
                continue
            url, _placeholder = _fill(world, namespace, route, pattern)
            client.force_login(world.users[role])
            client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            for problem in problems_in(visible_text(response.content.decode()), english=language == "en",
                                       msgids=msgids):
                problems.append(f"{role} GET {url} ({namespace}:{pattern.name}): {problem}")
    assert pages > 60, f"the crawl reached only {pages} pages"
    assert not problems, f"{len(problems)} page(s) show codes:\n" + "\n".join(problems)


# -- the shop's action vocabulary ------------------------------------------------------------------

ACTION_CODE = re.compile(r"""["']([a-z]+\.[a-z_]+)["']""")


def _emitted_shop_actions() -> set[str]:
    """Every action code a literal in the shop's services (and the fixtures' generator) can write:
    each ``action=…`` argument and each ``action = "…" if … else "…"``."""
    codes = set()
    sources = [*(ROOT / "shop_sim/services").glob("*.py"), *(ROOT / "fixtures/generators").glob("*.py")]
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\baction\s*=", line) or re.search(r"\baction\s*=\s*\"", line):
                codes.update(ACTION_CODE.findall(line))
    return codes


def test_every_action_the_services_emit_has_a_label():
    emitted = _emitted_shop_actions()
    assert {"order.address_update", "order.memo", "refund.agree", "review.reply_edit", "shop.generate"} <= emitted
    assert emitted - set(ShopAction.values) == set()
    with translation.override("en"):
        assert ShopAction.label_of("order.address_update") == "Change delivery address"
        assert all(not CJK.search(str(label)) for label in ShopAction.labels), "every label is translated"
    with translation.override("zh-hans"):
        assert ShopAction.label_of("order.address_update") == "修改收货地址"
    assert ShopAction.label_of("no.such_code") == "no.such_code"


def test_every_exam_journal_action_has_a_label():
    from sandbox.exams.models import SittingAction

    emitted = set()
    for path in (ROOT / "sandbox").rglob("services.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "sitting_event_record(" in line or "_journal(" in line:
                emitted.update(re.findall(r'action="([a-z_]+)"', line))
                emitted.update(re.findall(r'"([a-z_]+)" if auto else "([a-z_]+)"', line)[0]
                               if " if auto else " in line else ())
    assert {"started", "auto_submitted", "manual_scored"} <= emitted
    assert emitted - set(SittingAction.values) == set()


def test_the_order_timeline_and_the_journal_share_the_labels(console_client, sandbox, candidate):
    order = make_order(sandbox, status=Order.Status.PAID)
    order_memo_update(sandbox=sandbox, actor=Actor.merchant(candidate), order=order, flag=Order.Flag.RED,
                      seller_memo="加急")
    page = visible_text(console_client.get(reverse("console:order_detail", kwargs={"order_id": order.pk}))
                        .content.decode())
    assert str(ShopAction.ORDER_MEMO.label) in page and "order.memo" not in page
    event = ShopEvent.objects.for_sandbox(sandbox).get(action="order.memo")
    changes = journal.event_changes(event.object_type, event.before, event.after)
    assert ("旗帜", "无旗帜", "红旗") in [(str(f), b, a) for f, b, a in changes]


def test_journal_values_read_as_the_back_office_shows_them(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("zh-hans"):
        assert journal.value_text("2026-12-05T00:00:00+00:00") == "2026-12-05 08:00:00"
        assert journal.value_text(datetime(2026, 12, 5, tzinfo=dt_timezone.utc)) == "2026-12-05 08:00:00"
        assert journal.value_text(Decimal("31.8000000000000")) == "31.80"
        assert journal.value_text("31.8000000000000", field=Refund._meta.get_field("amount")) == "31.80"
        assert journal.value_text("red", field=Order._meta.get_field("flag")) == "红旗"
        assert journal.value_text(None) == "—" and journal.value_text(True) == "是"
        assert journal.object_label("order", 12) == "订单 #12"
        assert journal.field_label("order", "receiver_name") == "收货人"
    with translation.override("en"):
        assert journal.value_text("red", field=Order._meta.get_field("flag")) == "Red flag"


def test_refunded_total_has_two_decimals(console_client, sandbox):
    order = make_order(sandbox, status=Order.Status.SHIPPED, lines=(("测试商品", "默认", "20.00", 2),),
                       shipping_fee="0.00")
    make_refund(order, amount="10.60", status=Refund.Status.SUCCESS)
    refund = make_refund(order, amount="21.20", status=Refund.Status.SUCCESS)
    for url in (reverse("console:order_detail", kwargs={"order_id": order.pk}),
                reverse("console:refund_detail", kwargs={"refund_id": refund.pk})):
        page = visible_text(console_client.get(url).content.decode())
        assert "¥31.80" in page and not LONG_MONEY.search(page), url


# -- small things: the language menu and the greeting ------------------------------------------------

def test_language_menu_names_each_language_in_itself_and_the_greeting_has_one_comma(client, make_user):
    client.force_login(make_user("greeted"))
    for language in ("zh-hans", "en"):
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(reverse("accounts:home")).content.decode()
        assert '<option value="en" lang="en"' in html and ">English</option>" in html
        assert ">简体中文</option>" in html and "英语" not in html
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = visible_text(client.get(reverse("accounts:home")).content.decode())
    assert "Welcome, greeted" in page and "，" not in page.split("Welcome", 1)[1][:3]


# -- the catalogue ---------------------------------------------------------------------------------

def test_the_english_catalogue_is_complete():
    """No entry of the English catalogue is left empty or fuzzy (makemessages marks a changed
    msgid fuzzy: its old English would show for the new text)."""
    text = (ROOT / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the header is the first entry
    fuzzy = [e for e in entries if re.search(r"^#,.*\bfuzzy\b", e, flags=re.M)]
    empty = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n?(?!")', e + "\n", flags=re.M)
             and not re.search(r'^msgstr(\[\d\])? ""\n"', e, flags=re.M)]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries, e.g.\n{fuzzy[0]}"
    assert not empty, f"{len(empty)} untranslated entries, e.g.\n{empty[0]}"
