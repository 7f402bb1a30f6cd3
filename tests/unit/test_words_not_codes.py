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


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    """The text a person sees: no markup, attributes, scripts, styles or templates."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self, *, skip_chinese_content: bool = False):
        super().__init__()
        self.parts, self.hidden, self.skip_chinese = [], 0, skip_chinese_content
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, hides its content)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        lang = dict(attrs).get("lang") or ""
        hides = tag in self.HIDDEN or (self.skip_chinese and tag != "html" and lang.startswith("zh"))
        self.stack.append((tag, hides))
        self.hidden += hides

    def handle_endtag(self, tag):
        if tag in VOID or all(open_tag != tag for open_tag, _h in self.stack):
            return
        while self.stack:  # close what HTML closes implicitly (<p>, <li>) up to the matching tag
            open_tag, hides = self.stack.pop()
            self.hidden -= hides
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    return " ".join(" ".join(visible_nodes(html)).split())


def visible_nodes(html: str) -> list[str]:
    """Each visible text node, stripped (a whole label, not a piece of a product description);
    content marked as Chinese (``lang="zh-hans"``: a scenario's instructions) left out."""
    parser = _Visible(skip_chinese_content=True)
    parser.feed(html)
    return [part.strip(" \n\t：:") for part in parser.parts if part.strip()]


# Shown in Chinese on purpose in English mode: the language menu names each language in itself, and
# 宝贝推荐 is the title the shop generator gives its home-page module (shop data, not a label).
NOT_TRANSLATED = {"简体中文", "宝贝推荐"}


def _catalogue_msgids() -> set[str]:
    """The catalogue's single-line Chinese msgids without placeholders, 4 characters or more (short
    ones such as 状态 could be shop data too)."""
    text = (ROOT / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    ids = set(re.findall(r'^msgid "(.+)"$', text, flags=re.M))
    return {m for m in ids if len(m) >= 4 and CJK.search(m) and "%" not in m and "{" not in m
            and "\\" not in m and m not in NOT_TRANSLATED}


def problems_in(text: str, *, english: bool, msgids: set[str] = frozenset(), nodes: list[str] = ()) -> list[str]:
    found = []
    for name, pattern in (("dict literal", DICT_LITERAL), ("ISO timestamp", ISO_TIMESTAMP),
                          ("¥ with more than 2 decimals", LONG_MONEY)):
        match = pattern.search(text)
        if match:
            found.append(f"{name}: …{text[max(0, match.start() - 40):match.end() + 40]}…")
    if english:
        untranslated = sorted({node for node in nodes if node in msgids})
        if untranslated:
            found.append(f"untranslated in English: {untranslated[:5]}")
    return found


def test_the_guard_catches_what_it_must():
    assert problems_in("标准 {'zh': '订单 4779', 'en': 'Order'}", english=False)
    assert problems_in("时间 2026-12-05T08:00:00 之后", english=False)
    assert problems_in("截止 2026-12-05 08:00:00+00:00", english=False)
    assert problems_in("已退款 ¥31.8000000000000", english=False)
    assert problems_in("Paid 商品总价 here", english=True, msgids={"商品总价"}, nodes=["Paid", "商品总价"])
    assert not problems_in("买家说商品总价不对", english=True, msgids={"商品总价"}, nodes=["买家说商品总价不对"])
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
            html = response.content.decode()
            for problem in problems_in(visible_text(html), english=language == "en", msgids=msgids,
                                       nodes=visible_nodes(html)):
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
        assert ShopAction.label_of("order.address_update") == "Change shipping address"
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
    for language in ("zh-hans", "en"):
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(reverse("accounts:login")).content.decode()
        assert '<option value="en" lang="en"' in html and ">English</option>" in html
        assert ">简体中文</option>" in html and "英语" not in html
    client.force_login(make_user("greeted"))
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


# -- titles, not slugs or one candidate's variant ---------------------------------------------------

def _graded_exam(make_user):
    """An exam on the catalog's order-fulfilment with a blank part title (as the demo paper has) and
    two candidates whose reports carry their own variant's criterion descriptions."""
    from datetime import timedelta

    from django.utils import timezone

    from sandbox.exams.models import Exam, ExamPart, Registration, Sitting, SittingTask
    from sandbox.runtime.models import Attempt, AttemptReport
    from task_scenarios.models import ScenarioInstance
    from shop_sim.models import Sandbox

    owner = make_user("words_owner", role="examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="用词考试", window_start=now - timedelta(hours=3), window_end=now - timedelta(hours=1),
                               module_weight=0, created_by=owner)
    part = ExamPart.objects.create(exam=exam, position=1, scenario_slug="order-fulfilment", title="")
    for n, order_no in enumerate(("4779001", "5123002"), start=1):
        user = make_user(f"words_cand{n}")
        registration = Registration.objects.create(exam=exam, candidate=user, full_name=f"考生{n}",
                                                   id_number=f"1101011990010100{n:02d}", ticket_number=f"W000{n}")
        sitting = Sitting.objects.create(registration=registration, status=Sitting.Status.SUBMITTED)
        instance = ScenarioInstance.objects.create(
            sandbox=Sandbox.objects.create(name="s", owner=user), scenario_uuid="00000000-0000-0000-0000-000000000013",
            slug="order-fulfilment", version=2, seed=n, baseline=b"")
        attempt = Attempt.objects.create(candidate=user, instance=instance, mode=Attempt.Mode.EXAM,
                                         status=Attempt.Status.GRADED)
        SittingTask.objects.create(sitting=sitting, part=part, attempt=attempt)
        criteria = [{"id": "flag_memo", "kind": "state", "points": "2", "machine_scored": True,
                     "description": {"zh": f"订单 {order_no} 插红旗，卖家备注“已核实”",
                                     "en": f"Order {order_no}: red flag and memo"},
                     "result": {"score": str(n), "max": "2", "message": ""}},
                    {"id": "refund_agree", "kind": "state", "points": "18", "machine_scored": True,
                     "description": {"zh": f"订单 {order_no}：仅退款", "en": f"Order {order_no}: refund"},
                     "result": {"score": "9", "max": "18", "message": ""}}]
        AttemptReport.objects.create(attempt=attempt, version=1, total=Decimal(9 + n), max=Decimal(20),
                                     report={"scenario": {"slug": "order-fulfilment", "version": 2},
                                             "criteria": criteria, "total": str(9 + n), "max": "20"},
                                     grader_version="test")
    return exam


@pytest.mark.parametrize("language, task, flag_memo, refund", [
    ("zh-hans", "订单处理", "插旗与卖家备注", "同意仅退款"),
    ("en", "Order fulfilment", "Flag and seller memo", "Refund only: agreed"),
])
def test_statistics_name_tasks_and_criteria_by_title(client, make_user, language, task, flag_memo, refund):
    exam = _graded_exam(make_user)
    client.force_login(make_user("words_trainer", role="trainer"))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk})).content.decode()
    text = visible_text(html)
    assert f"1. {task}" in text and flag_memo in text and refund in text
    for code in ("order-fulfilment", "flag_memo", "refund_agree", "{'zh'", "4779001", "5123002"):
        assert code not in text, code
    assert not problems_in(text, english=False)


@pytest.mark.parametrize("language, task", [("zh-hans", "订单处理"), ("en", "Order fulfilment")])
def test_examiner_results_and_exports_show_the_task_title_not_the_slug(client, make_user, language, task):
    exam = _graded_exam(make_user)
    client.force_login(make_user("words_examiner", role="examiner"))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    text = visible_text(client.get(reverse("review:results", kwargs={"exam_id": exam.pk})).content.decode())
    assert f"1. {task}" in text and "order-fulfilment" not in text
    csv = client.get(reverse("review:export_csv", kwargs={"exam_id": exam.pk})).content.decode("utf-8-sig")
    header = csv.splitlines()[0]
    assert f"1. {task}" in header and "order-fulfilment" not in header
    detail = visible_text(client.get(reverse("exams:exam_detail", kwargs={"exam_id": exam.pk})).content.decode())
    assert task in detail and "order-fulfilment" not in detail
