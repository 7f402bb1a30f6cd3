"""XSS sweep: an attack corpus (script tags, event handlers, javascript: URLs, SVG, CSS, encoded and
template variants) is written into every text field of a candidate's exam shop, into the exam's
candidate-controlled fields and, through the real services, into the journal and the chat; the
candidate's pages are recorded; the attempt is graded. Then every page that shows any of it is opened
in real Chromium — every back-office page (from the URL conf), the storefront, the candidate's
workspace, and the examiner's board, results, attempt report, manual-scoring sheet, 复核 list,
registrations, tickets and the replay (played) — with a dialog listener.

Zero dialogs, and zero Content-Security-Policy reports (the autouse fixture in conftest): a report
would mean escaping failed and only the policy stopped the script — that counts as a finding too.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import CharField, JSONField, TextField
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sandbox.exams.models import Exam, ExamPart, ManualScore, Registration, ScoreReview
from sandbox.exams.services import registration_extra_time_grant, sitting_start, sitting_submit
from sandbox.runtime.services import attempt_grade
from shop_sim.models import ChatSession, Customer, Order
from shop_sim.services import chat as chat_services
from shop_sim.services import orders as order_services
from shop_sim.services.base import Actor
from shop_sim.services.provisioning import shop_models
from tests.e2e.servers import catalog_server
from tests.unit.exam_helpers import PARTS, exam_catalog
from tests.unit.test_isolation import _fill, _kwarg_names, _patterns

CORPUS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "javascript:alert(4)",
    '<a href="javas&#x63;ript:alert(5)">点我</a>',
    "</textarea><script>alert(6)</script>",
    "</script><script>alert(7)</script>",
    '<div style="background:url(javascript:alert(8))">x</div>',
    "<iframe srcdoc=\"<script>parent.alert(9)</script>\"></iframe>",
    "{{7*7}}{% debug %}<details open ontoggle=alert(10)>",
    "%3Cscript%3Ealert(11)%3C/script%3E",
    "';alert(12);//",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(13)>",
]
SKIP_FIELDS = {"storefront_key"}


def _payload(n: int, max_length: int | None) -> str | None:
    for offset in range(len(CORPUS)):
        text = CORPUS[(n + offset) % len(CORPUS)]
        if max_length is None or len(text) <= max_length:
            return text
    return None


def _poison_shop(sandbox) -> int:
    """Every free-text field of every shop row of ``sandbox`` gets a payload (bypassing the forms: the
    pages must be safe whatever is stored). Returns the number of values written."""
    written = n = 0
    for model in shop_models(include_uncopied=True):
        fields = [f for f in model._meta.concrete_fields
                  if isinstance(f, (CharField, TextField, JSONField)) and not f.choices and not f.primary_key
                  and f.name not in SKIP_FIELDS and not f.name.endswith(("_type",)) and f.name != "action"]
        if not fields:
            continue
        for row in model.objects.filter(sandbox=sandbox):
            changes = {}
            for field in fields:
                n += 1
                value = getattr(row, field.attname)
                if isinstance(field, JSONField):
                    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
                        changes[field.attname] = {k: _payload(n + i, None) for i, k in enumerate(value)}
                    continue
                payload = _payload(n, field.max_length)
                if payload is None:
                    continue
                if field.unique or any(field.name in c.fields for c in model._meta.constraints
                                       if hasattr(c, "fields")):
                    suffix = f"#{row.pk}"
                    payload = payload[: (field.max_length or 10_000) - len(suffix)] + suffix
                changes[field.attname] = payload
            if changes:
                model.objects.filter(pk=row.pk).update(**changes)
                written += len(changes)
    return written


@pytest.fixture(scope="module")
def xss_catalog(tmp_path_factory):
    return exam_catalog(tmp_path_factory.mktemp("xss-catalog"))


@pytest.fixture(scope="module")
def xss_server(django_db_setup, django_db_blocker, tmp_path_factory, xss_catalog):
    media = tmp_path_factory.mktemp("xss-media")
    with catalog_server(django_db_blocker, catalog=xss_catalog, media=media) as url:
        yield url, media


def _visit(page, url: str, dialogs: list, visited: list):
    probe = page.request.get(url, max_redirects=0)
    if probe.status == 405:  # a POST-only action, nothing to show
        return
    assert probe.status < 500, f"{url} answered {probe.status}"
    response = page.goto(url)
    status = response.status if response else 0
    visited.append((url, status))
    assert status < 500, f"{url} answered {status}"
    page.wait_for_load_state("load")


def test_no_page_runs_an_injected_script(browser, xss_server, xss_catalog, make_user, settings):
    url, media = xss_server
    settings.SCENARIO_CATALOG_DIR = str(xss_catalog)
    settings.MEDIA_ROOT = str(media)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    examiner = make_user("kaoping_xss", "examiner")
    candidate = make_user("kaosheng_xss")
    now = timezone.now()
    exam = Exam.objects.create(name=CORPUS[1][:100], rules=CORPUS[0] + "\n" + CORPUS[9], level="4",
                               window_start=now - timedelta(minutes=5), window_end=now + timedelta(hours=2),
                               created_by=examiner, module_weight=0)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=PARTS[0], title=CORPUS[2], weight=Decimal(1))
    registration = Registration.objects.create(exam=exam, candidate=candidate, full_name=CORPUS[5][:50],
                                               id_number="110105199003071239", ticket_number="2026009940001")
    sitting = sitting_start(registration=registration, actor=candidate)
    task = sitting.tasks.get()
    attempt, sandbox = task.attempt, task.attempt.instance.sandbox

    # through the services: journal rows and chat messages carry payloads too
    merchant = Actor.merchant(candidate)
    order = Order.objects.for_sandbox(sandbox).order_by("id").first()
    order_services.order_memo_update(sandbox=sandbox, actor=merchant, order=order, flag="red", seller_memo=CORPUS[1])
    customer = Customer.objects.for_sandbox(sandbox).order_by("id").first()
    chat_services.chat_buyer_message(sandbox=sandbox, customer=customer, body=CORPUS[0])
    chat_session = ChatSession.objects.for_sandbox(sandbox).filter(customer=customer).order_by("-id").first()
    chat_services.chat_merchant_reply(sandbox=sandbox, actor=merchant, session=chat_session, body=CORPUS[6])
    registration_extra_time_grant(registration=registration, minutes=5, actor=examiner, reason=CORPUS[9])
    assert _poison_shop(sandbox) > 200

    dialogs: list[str] = []
    visited: list[tuple[str, int]] = []
    candidate_ctx = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1366, "height": 900})
    examiner_ctx = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1366, "height": 900})
    try:
        for context in (candidate_ctx, examiner_ctx):
            context.set_default_timeout(15_000)
        page = candidate_ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill("kaosheng_xss")
        page.get_by_label("密码").fill("pass-1234")
        page.get_by_role("button", name="登录").click()

        # the candidate: workspace, every back-office page, the storefront
        _visit(page, "/sitting/", dialogs, visited)
        _visit(page, reverse("workspace:sitting_task", kwargs={"registration_id": registration.pk,
                                                               "sittingtask_id": task.pk}), dialogs, visited)
        for route, pattern in _patterns("console"):
            try:
                target = _fill("console", route, pattern, sandbox) if _kwarg_names(route) \
                    else reverse(f"console:{pattern.name}")
            except AssertionError:
                continue
            _visit(page, target, dialogs, visited)
        for route, pattern in _patterns("storefront"):
            if set(_kwarg_names(route)) - {"storefront_key", "category_id", "product_id"}:
                continue
            try:
                target = _fill("storefront", route, pattern, sandbox, extra={"storefront_key": sandbox.storefront_key})
            except AssertionError:
                continue
            _visit(page, target, dialogs, visited)
        _visit(page, f"/s/{sandbox.storefront_key}/search/?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E", dialogs, visited)

        # what the examiner reads
        sitting_submit(sitting=sitting, actor=candidate)
        attempt_grade(attempt=attempt)
        ManualScore.objects.create(attempt=attempt, criterion_id="service_attitude", level="合格", points=Decimal(1),
                                   comment=CORPUS[3], examiner=examiner)
        ScoreReview.objects.create(registration=registration, reason=CORPUS[10])
        epage = examiner_ctx.new_page()
        epage.on("dialog", lambda d: (dialogs.append(f"{epage.url}: {d.message}"), d.dismiss()))
        epage.goto("/accounts/login/")
        epage.get_by_label("用户名").fill("kaoping_xss")
        epage.get_by_label("密码").fill("pass-1234")
        epage.get_by_role("button", name="登录").click()
        e = exam.pk
        for target in ("/review/", f"/review/{e}/board/", f"/review/{e}/results/",
                       f"/review/{e}/attempts/{attempt.pk}/", f"/review/{e}/manual/",
                       f"/review/{e}/manual/service_attitude/", f"/review/{e}/reviews/", "/exam/",
                       f"/exam/{e}/", f"/exam/{e}/registrations/", f"/exam/{e}/tickets/", f"/statistics/{e}/"):
            _visit(epage, target, dialogs, visited)
        _visit(epage, f"/replay/{attempt.pk}/", dialogs, visited)
        if epage.locator("#player").count():
            expect(epage.locator("#player")).to_have_attribute("data-state", "ready", timeout=20_000)
            epage.locator(".rr-controller__btns button").first.click()
            epage.wait_for_timeout(1500)
        for row in epage.locator("#journal .journal-row").all()[:5]:
            row.get_by_role("button").click()
        epage.wait_for_timeout(500)
    finally:
        candidate_ctx.close()
        examiner_ctx.close()
    assert len(visited) >= 60, f"only {len(visited)} pages were swept"
    assert not dialogs, "injected script ran:\n" + "\n".join(dialogs)
