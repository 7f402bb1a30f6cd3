"""The page checks' long-lived tab (autograder.pages), through both adapters: Playwright on a local
Chromium and Selenium WebDriver on Debian's chromedriver (started here on a free port).

The tab is kept from one attempt to the next, so these tests prove that nothing of an attempt —
cookies (the candidate's Django session above all), localStorage, sessionStorage, IndexedDB, Cache
Storage, the HTTP cache, window.name — is visible to the next one, nor to another identity of the
same attempt; and that the catalog's page checks give the same verdicts and messages through
either adapter.
"""

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from autograder.browser import CHROMIUM_ARGS, BrowserPool, BrowserSession, WebDriverPool
from autograder.checks.page import PageCheck, PageParams

CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(not Path(CHROMEDRIVER).exists(), reason="needs Debian's chromium-driver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromedriver_url():
    port = _free_port()
    process = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url + "/status", timeout=1) as response:
                    if json.load(response)["value"]["ready"]:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("chromedriver did not start")
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(params=["playwright", "webdriver"])
def pool(request, browser):
    if request.param == "playwright":
        made = BrowserPool(browser=browser)
    else:
        made = WebDriverPool(request.getfixturevalue("chromedriver_url"), args=CHROMIUM_ARGS,
                             binary=settings_chromium())
    with made:
        yield made


def settings_chromium() -> str:
    from autograder.browser import chromium_path

    return chromium_path()


class CachedServer(ThreadingHTTPServer):
    """Another origin: a page whose script may be cached for an hour; counts the script's requests."""

    hits = 0


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/cached.js":
            self.server.hits += 1
            body, kind, headers = b"window.cachedLoaded = true;", "text/javascript", {"Cache-Control": "max-age=3600"}
        else:
            body, kind, headers = b"<!doctype html><title>t</title><script src='/cached.js'></script>", "text/html", {}
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_origin():
    server = CachedServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop(make_user, make_sandbox):
    from shop_sim.models import Customer

    sandbox = make_sandbox(owner=make_user("cand_tab"), name="小鹿男装旗舰店")
    Customer.objects.create(sandbox=sandbox, nickname="买家小明")
    yield sandbox
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "shops" / sandbox.storefront_key, ignore_errors=True)


LEAVE_TRACES = """async () => {
  document.cookie = 'leak=1; path=/; max-age=3600';
  localStorage.setItem('leak', '1');
  sessionStorage.setItem('leak', '1');
  window.name = 'leak';
  await new Promise((ok, fail) => {
    const open = indexedDB.open('leakdb', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onsuccess = () => { open.result.close(); ok(); };
    open.onerror = () => fail(open.error);
  });
  const cache = await caches.open('leakcache');
  await cache.put('/leak', new Response('1'));
  return true;
}"""

READ_TRACES = """async () => ({
  cookie: document.cookie.includes('leak='),
  local: localStorage.getItem('leak'),
  session: sessionStorage.getItem('leak'),
  name: window.name,
  idb: (await indexedDB.databases()).map(d => d.name),
  caches: await caches.keys(),
})"""

CLEAN = {"cookie": False, "local": None, "session": None, "name": "", "idb": [], "caches": []}


def test_nothing_of_an_attempt_is_visible_to_the_next_and_the_tab_is_kept(pool, live_server_url, shop, other_origin):
    from django.contrib.sessions.models import Session

    server, other = other_origin
    home = f"{live_server_url}/s/{shop.storefront_key}/"
    sessions_before = Session.objects.count()
    with BrowserSession(pool, base_url=live_server_url, sandbox=shop) as attempt:
        console = attempt.check_page("candidate")
        assert console.goto(live_server_url + "/console/") == 200
        assert console.url.startswith(live_server_url + "/console/")  # logged in as the owner
        assert console.evaluate(LEAVE_TRACES) is True
        candidate_cookies = set(console.evaluate("() => document.cookie").split("; "))
        buyer = attempt.check_page("buyer")
        assert buyer.goto(home) == 200
        # Another identity of the same attempt: no cookie, no storage of the candidate's.
        assert buyer.evaluate(READ_TRACES) == CLEAN
        assert not candidate_cookies & set(buyer.evaluate("() => document.cookie").split("; "))
        assert buyer.count("text=你好，请") >= 1  # anonymous on the server side too
        buyer.evaluate(LEAVE_TRACES)
        assert buyer.goto(other + "/") == 200
        buyer.evaluate(LEAVE_TRACES)
        assert buyer.evaluate("() => window.cachedLoaded") is True
        buyer.goto(other + "/")
        assert server.hits == 1  # the script came from the HTTP cache the second time
        # Back to the candidate in the same attempt: their session cookie is restored.
        again = attempt.check_page("candidate")
        assert again.goto(live_server_url + "/console/") == 200
        assert again.url.startswith(live_server_url + "/console/")
        first_tab = again
    assert Session.objects.count() == sessions_before  # the grader's sessions are gone

    with BrowserSession(pool, base_url=live_server_url, sandbox=shop) as attempt:
        buyer = attempt.check_page("buyer")
        assert buyer is first_tab  # the same tab (and context) as the attempt before
        assert buyer.url == live_server_url + "/healthz/live"  # resting on an inert page of the site
        assert buyer.goto(home) == 200
        assert buyer.evaluate(READ_TRACES) == CLEAN
        assert not candidate_cookies & set(buyer.evaluate("() => document.cookie").split("; "))
        assert buyer.goto(live_server_url + "/console/") in (200, None)
        assert "/accounts/login/" in buyer.url  # the candidate's session did not survive
        assert buyer.goto(other + "/") == 200
        assert buyer.evaluate(READ_TRACES) == CLEAN
        assert server.hits == 2  # the HTTP cache was emptied
    assert pool.launches == (0 if isinstance(pool, BrowserPool) else 1)  # adopted browser / one WebDriver session


# -- the same verdicts through both adapters ------------------------------------------------------

class Ctx:
    def __init__(self, session, evidence_dir):
        self.session, self.sandbox, self.params = session, session.sandbox, {}
        self.points, self.evidence_dir, self.criterion_id = Decimal("10"), evidence_dir, "crit"

    def browser_page(self, *, as_role, buyer_nickname=None):
        return self.session.check_page(as_role, buyer_nickname=buyer_nickname)

    def storefront_url(self, path=""):
        return self.session.storefront_url(path)

    def console_url(self, path=""):
        return self.session.console_url(path)

    def evidence_path(self, name):
        return self.evidence_dir / name


# Catalog scenarios with page criteria, and a mutant of each that loses one of them.
# order-fulfilment has no page checks since v2 (its criteria read state), so it is not compared here.
PAGE_MUTANTS = {"shop-decoration": "wrong_colour_no_link", "product-listing-sku": "warehouse_one_price"}


@pytest.fixture(scope="module")
def webdriver_pool(chromedriver_url):
    with WebDriverPool(chromedriver_url, args=CHROMIUM_ARGS, binary=settings_chromium()) as made:
        yield made


@pytest.mark.parametrize("slug", sorted(PAGE_MUTANTS))
def test_catalog_page_checks_give_the_same_verdicts_through_both_adapters(
        slug, browser, webdriver_pool, live_server_url, settings):
    from autograder.engine import grade
    from autograder.solution import script_run
    from autograder.verify import verify_owner, verify_seeds
    from task_scenarios.loader import catalog_root, load_scenario
    from task_scenarios.setup import scenario_instance_create

    scenario = load_scenario(catalog_root() / slug)
    page_ids = [c.id for c in scenario.rubric if c.check.kind == "page"]
    mutant = next(m for m in scenario.mutants if m.name == PAGE_MUTANTS[slug])
    assert set(mutant.loses) & set(page_ids)  # the comparison covers failing page checks too
    seed = verify_seeds(scenario.uuid, 1)[0]
    owner = verify_owner()
    local = BrowserPool(browser=browser)
    instances = {"blank": scenario_instance_create(scenario=scenario, seed=seed, owner=owner)}
    try:
        for run, path in (("solution", scenario.solution_path), ("mutant", mutant.path)):
            instances[run] = scenario_instance_create(scenario=scenario, seed=seed, owner=owner)
            script_run(path, instance=instances[run], scenario=scenario, pool=local, base_url=live_server_url)
        verdicts = {}
        for name, pool in (("playwright", local), ("webdriver", webdriver_pool)):
            for run, instance in instances.items():
                with BrowserSession(pool, base_url=live_server_url, sandbox=instance.sandbox) as session:
                    report = grade(instance=instance, scenario=scenario, browser_session=session)
                verdicts[name, run] = {i: (str(report.criterion(i).result.score), report.criterion(i).result.message,
                                           report.criterion(i).result.error) for i in page_ids}
        for run in instances:
            assert verdicts["webdriver", run] == verdicts["playwright", run], run
        points = {c.id: c.points for c in scenario.rubric}
        solution = verdicts["playwright", "solution"]
        assert all(Decimal(score) == points[i] for i, (score, _m, _e) in solution.items()), solution
        lost = {i for i, (score, _m, _e) in verdicts["playwright", "mutant"].items() if Decimal(score) < points[i]}
        assert lost == set(mutant.loses) & set(page_ids)
    finally:
        local.close()
        for instance in instances.values():
            shutil.rmtree(Path(settings.MEDIA_ROOT) / "shops" / instance.sandbox.storefront_key, ignore_errors=True)
