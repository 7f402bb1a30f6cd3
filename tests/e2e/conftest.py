"""Browser tests: a real Daphne ASGI server (HTTP + WebSockets) in a child process and real
Debian Chromium driven by Playwright, the way a person uses the site (labels, roles, text).

The server process reads the same file-based SQLite test database as the test (see settings), so
rows a test creates are visible to the server and vice versa; ``transactional_db`` makes the
test's writes committed.
"""

import os
import re
from functools import partial

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _server_setup(blocker):
    """Runs in the forked server process. The settings it inherits already name the test database
    (pytest-django switched them before the fork), so it only needs database access allowed."""
    blocker.unblock()


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """One Daphne process for the whole session (starting Django costs ~1 s)."""
    get_application = partial(make_application, static_wrapper=ASGIStaticFilesHandler)
    process = DaphneProcess("127.0.0.1", get_application, setup=partial(_server_setup, django_db_blocker))
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("Daphne did not start")
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server_url, transactional_db):
    """Open pages in fresh browser contexts (one per person in the test), zh-hans by default."""
    contexts = []

    def _new_page():
        context = browser.new_context(base_url=live_server_url, locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def login(live_server_url):
    """Log in through the login form, as a person does."""

    def _login(page, username: str, password: str = "pass-1234"):
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    return _login


@pytest.fixture(autouse=True)
def _committed_writes(transactional_db):
    """Browser tests need committed rows: the server process cannot see an open transaction."""


@pytest.fixture(scope="session", autouse=True)
def _csp_report_log(tmp_path_factory):
    """Every server these tests start (forked from this process) appends Content-Security-Policy
    violation reports to one file; ``_no_csp_violations`` fails the test that caused one."""
    from django.conf import settings as django_settings

    path = tmp_path_factory.mktemp("csp") / "reports.jsonl"
    path.touch()
    previous = django_settings.CSP_REPORT_LOG
    django_settings.CSP_REPORT_LOG = str(path)
    yield path
    django_settings.CSP_REPORT_LOG = previous


@pytest.fixture(autouse=True)
def _no_csp_violations(request, _csp_report_log):
    """A test marked ``csp_reports_expected(path)`` injects script on purpose (a forged recording):
    reports from pages under ``path`` are the policy doing its job there; any other report fails."""
    before = _csp_report_log.stat().st_size
    yield
    with _csp_report_log.open(encoding="utf-8") as log:
        log.seek(before)
        new = [line for line in log.read().splitlines() if line.strip()]
    marker = request.node.get_closest_marker("csp_reports_expected")
    if marker is not None:
        new = [line for line in new if marker.args[0] not in line]
    assert not new, "Content-Security-Policy violations:\n" + "\n".join(new)
