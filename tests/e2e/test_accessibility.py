"""Accessibility: axe-core (bundled by axe-playwright-python) finds no serious or critical violation
on any page a crawler reaches as each role — candidate (sitting an exam and practising), examiner
(exams, board, results, report, manual scoring, 复核, replay, statistics), trainer (a class with a
published task and a graded attempt), admin, a buyer on the storefront, and anonymous.

The crawler starts at the role's home (a registered candidate's is the exam, so /practice/ is added)
and follows same-origin links (in every frame: the exam workspace frames the back office)
breadth-first, at most one URL per route shape (ids → N, query keys without values) and
``MAX_PAGES`` per role; it never follows links that log out, switch the
language, download files or act (every action here is a POST, so the GETs it follows change nothing).
axe runs in every frame of every page; the failure lists page, rule and node for each finding.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from sandbox.accounts.roles import ADMIN
from sandbox.exams.models import Exam, ExamPart, ManualScore, Registration, ScoreReview
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.practice.services import (
    practice_start, publication_create, training_class_create, training_class_member_add,
)
from sandbox.review.services import exam_results_publish
from sandbox.runtime.services import attempt_grade, attempt_submit
from shop_sim.models import Order
from shop_sim.storefront.buyer import buyer_pass_url
from tests.e2e.servers import catalog_server
from tests.unit.exam_helpers import PARTS, exam_catalog

MAX_PAGES = 80
BLOCKING = {"serious", "critical"}
# Never followed: leaving the session or language, files and machine endpoints, the admin's own
# history/password pages (Django's, unchanged by this project).
SKIP = re.compile(r"logout|/i18n/|/export\.|\.csv$|\.xlsx$|\.json$|/photo/|/media/|/static/|/ingest/"
                  r"|/clock/|/grading/|/status/|/rows/|/csp-report|/healthz|/password/|/history/")
AXE_OPTIONS = {"resultTypes": ["violations"], "iframes": False}


def _shape(url: str) -> str:
    """One URL per route and template: ids and storefront keys become N and K, query values are
    dropped, and Django admin's model pages (one template per kind of page) are one shape."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    path = re.sub(r"\d+", "N", re.sub(r"^/s/[^/]+/", "/s/K/", parts.path))
    path = re.sub(r"^/admin/[a-z_]+/[a-z_]+/", "/admin/app/model/", path)
    path = re.sub(r"^/admin/[a-z_]+/$", "/admin/app/", path)
    return path + ("?" + "&".join(keys) if keys else "")


def _axe(frame) -> list[dict]:
    """axe's violations in ``frame`` once its document has loaded (a frame that the page points
    elsewhere meanwhile is checked in its new document)."""
    error = None
    for _ in range(3):
        try:
            frame.wait_for_function("() => document.readyState === 'complete' && !document.querySelector("
                                    "'.htmx-request, [data-state=loading]')", timeout=10_000)
            frame.evaluate(AXE_SCRIPT)  # per document: a frame's first document may hand its window on
            return frame.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
        except PlaywrightError as exc:
            error = exc
    raise error


def _links(page, origin: str, storefront: bool) -> list[str]:
    found = []
    for frame in page.frames:
        try:
            hrefs = frame.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        except PlaywrightError:  # a frame navigated away while we read it
            continue
        for href in hrefs:
            url = urljoin(frame.url, href).split("#")[0]
            if url.startswith(origin) and not SKIP.search(url) and (storefront or "/s/" not in url):
                found.append(url)
    return found


def crawl(page, origin: str, start: str, findings: list[str], *, storefront: bool = False) -> list[str]:
    """Visits up to MAX_PAGES pages from ``start`` (paths separated by spaces) and appends one line
    per violating node. The storefront (it knows buyers, not site users) is followed only when
    ``storefront`` is set; where a page frames it, it is checked all the same."""
    queue, seen, visited = deque(origin + path for path in start.split()), set(), []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = page.goto(url)
        if response is None or response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
            assert response is None or response.status < 500, f"{url} answered {response.status}"
            continue
        if not page.url.startswith(origin) or (page.url != url and _shape(page.url) in seen):
            continue  # left the site, or redirected to a page already checked
        seen.add(_shape(page.url))
        visited.append(page.url)
        for frame in page.frames:
            if not frame.url.startswith(origin):
                continue
            where = page.url[len(origin):] + ("" if frame is page.main_frame else f" [frame {frame.url[len(origin):]}]")
            for violation in _axe(frame):
                if violation["impact"] not in BLOCKING:
                    continue
                for node in violation["nodes"]:
                    why = " ".join(check["message"] for check in node["any"])[:200]
                    findings.append(f"{where}: {violation['id']} ({violation['impact']}) "
                                    f"{' '.join(map(str, node['target']))} — {node['html'][:160]} {why}")
        queue.extend(url for url in _links(page, origin, storefront) if _shape(url) not in seen)
    return visited


@pytest.fixture(scope="module")
def a11y_catalog(tmp_path_factory):
    return exam_catalog(tmp_path_factory.mktemp("a11y-catalog"))


@pytest.fixture(scope="module")
def a11y_server(django_db_setup, django_db_blocker, tmp_path_factory, a11y_catalog):
    media = tmp_path_factory.mktemp("a11y-media")
    with catalog_server(django_db_blocker, catalog=a11y_catalog, media=media) as url:
        yield url, media


def _exam(examiner, name: str) -> Exam:
    now = timezone.now()
    exam = Exam.objects.create(name=name, level="4", duration_minutes=90, created_by=examiner,
                               window_start=now - timedelta(minutes=10), window_end=now + timedelta(hours=3))
    for position, slug in enumerate(PARTS, start=1):
        ExamPart.objects.create(exam=exam, position=position, scenario_slug=slug, weight=Decimal(1))
    return exam


def _sit_and_grade(registration, examiner) -> None:
    sitting = sitting_start(registration=registration, actor=registration.candidate)
    sitting_submit(sitting=sitting, actor=registration.candidate)
    for task in sitting.tasks.all():
        attempt_grade(attempt=task.attempt)
        ManualScore.objects.create(attempt=task.attempt, criterion_id="service_attitude", level="合格",
                                   points=Decimal(1), comment="态度良好", examiner=examiner)


def _demo_like(make_user, roles):
    """Every role with something to show: an examiner's exam with one candidate sitting it and one
    graded (manual score, 复核 request, results published), a trainer's class with a published task
    and a graded practice attempt, an admin."""
    examiner = make_user("kaoping_a11y", "examiner")
    trainer = make_user("peixun_a11y", "trainer")
    admin = make_user("admin_a11y", ADMIN)
    get_user_model().objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    candidate, graded = make_user("kaosheng_a11y"), make_user("kaosheng_a11y2")

    training_class = training_class_create(name="无障碍班级", trainer=trainer)
    for member in (candidate, graded):
        training_class_member_add(training_class=training_class, user=member, actor=trainer)
    publication_create(training_class=training_class, scenario_slug=PARTS[0], actor=trainer)
    practice, _ = practice_start(candidate=candidate, scenario_slug=PARTS[0])
    attempt_grade(attempt=attempt_submit(attempt=practice, actor=candidate))

    exam = _exam(examiner, "四级操作技能考核（无障碍）")
    sitting = sitting_start(actor=candidate, registration=Registration.objects.create(
        exam=exam, candidate=candidate, full_name="王晓明", id_number="110105199003071239", ticket_number="2026000140001"))
    done = Registration.objects.create(exam=exam, candidate=graded, full_name="李红", id_number="44010619951212002X",
                                       ticket_number="2026000140002")
    _sit_and_grade(done, examiner)
    ScoreReview.objects.create(registration=done, reason="对客服得分有疑问")
    # an earlier exam the candidate finished, results published
    earlier = _exam(examiner, "三级操作技能考核（已发布）")
    _sit_and_grade(Registration.objects.create(exam=earlier, candidate=candidate, full_name="王晓明",
                                               id_number="110105199003071239", ticket_number="2026000230001"), examiner)
    exam_results_publish(exam=earlier, actor=examiner)
    shop = sitting.tasks.order_by("id").first().attempt.instance.sandbox
    return shop


def _login(page, username: str):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-1234")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.timeout(600)  # ~130 pages: about 3 minutes on an idle 2-core machine, longer on a busy one
def test_no_serious_or_critical_axe_violation_on_any_page_of_any_role(
        browser, a11y_server, a11y_catalog, make_user, roles, settings):
    url, media = a11y_server
    settings.SCENARIO_CATALOG_DIR = str(a11y_catalog)
    settings.MEDIA_ROOT = str(media)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    shop = _demo_like(make_user, roles)
    storefront = f"/s/{shop.storefront_key}/"
    buyer = Order.objects.for_sandbox(shop).exclude(customer__nickname="").order_by("id").first().customer

    findings: list[str] = []
    visited: dict[str, list[str]] = {}
    # (role, user, where the crawl starts: a registered candidate's home is the exam; practice is reached by URL)
    roles_to_crawl = [("anonymous", None, "/"), ("candidate", "kaosheng_a11y", "/ /practice/"),
                      ("examiner", "kaoping_a11y", "/"), ("trainer", "peixun_a11y", "/"),
                      ("admin", "admin_a11y", "/"), ("buyer", None, storefront)]
    for role, username, start in roles_to_crawl:
        context = browser.new_context(base_url=url, locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            if username:
                _login(page, username)
            if role == "buyer":
                page.goto(buyer_pass_url(shop))  # an exam shop: the candidate's own link carries the buyer pass
                page.goto(storefront + "login/")
                page.get_by_label("会员名").fill(buyer.nickname)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(lambda u: "/login/" not in u)
            if role == "anonymous":
                crawl(page, url, storefront, findings, storefront=True)
            visited[role] = [u[len(url):] for u in crawl(page, url, start, findings, storefront=role == "buyer")]
        finally:
            context.close()
    counts = {role: len(urls) for role, urls in visited.items()}
    reached = {role: " ".join(urls) + " " for role, urls in visited.items()}
    for role, page_re in (("candidate", r"/sitting/\d+/tasks/\d+/ "), ("candidate", r"/sitting/\d+/results/"),
                          ("candidate", r"/practice/attempts/\d+/ "), ("candidate", r"/console/orders/\d+/"),
                          ("examiner", r"/review/\d+/board/"), ("examiner", r"/review/\d+/attempts/\d+/"),
                          ("examiner", r"/replay/\d+/"), ("examiner", r"/review/\d+/manual/"),
                          ("examiner", r"/statistics/\d+/"), ("trainer", r"/practice/classes/\d+/results/"),
                          ("admin", r"/admin/\w+/\w+/ "), ("buyer", r"/s/[^/]+/orders/\d+/")):
        if not re.search(page_re, reached[role]):
            findings.append(f"the {role} crawl never reached {page_re}")
    assert not findings, f"{len(findings)} findings ({counts} pages checked):\n" + "\n".join(findings)
