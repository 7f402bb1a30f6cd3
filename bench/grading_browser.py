"""``python -m bench.grading_browser [--attempts N]``: the browser part of grading one attempt.

An attempt here is ~10 criteria: 3 ``page`` checks (storefront home and product page as a buyer,
the console's product list as the candidate, each with several assertions and a full-page
screenshot) plus 7 sandbox-scoped ORM reads standing in for ``state`` checks. Two ways to run them:

(a) pooled, as a grading worker does now: one Chromium for the whole run (``BrowserPool``), one
    browser context and page kept across attempts and wiped between them, screenshots only of
    checks that lost points (none here: every check earns full marks);
(a0) pooled as before (same run, for a fair ratio): a fresh context per attempt and identity
    (``keep_context=False``) and a full-page screenshot of every check;
(w) as (a), through the WebDriver adapter (Debian's chromedriver on this machine), when installed;
(b) a new Chromium launched for every page check (the Playwright driver itself is kept, so only
    the browser launch is counted against (b)), contexts and screenshots as in (a0).

The site is a real Daphne server (child process) over a throw-away SQLite file,
``var/bench/grading_browser.sqlite3``; results go to ``var/bench/grading_browser.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
DATABASE = BENCH_DIR / "grading_browser.sqlite3"
TARGET_MEDIAN_MS = 2000
CHROMEDRIVER = "/usr/bin/chromedriver"


def _prepare_environment() -> None:
    """A fresh SQLite file and media folder before ``django.setup()``; never the dev database."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
    os.environ["DJANGO_MEDIA_ROOT"] = str(BENCH_DIR / "media")
    # Playwright's sync API marks its loop as running in this thread; the bench is synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _png(width: int, height: int, color) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def build_shop():
    """A candidate's shop: 12 products on sale with 800 × 800 main images, a logo, a theme colour."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from sandbox.accounts.roles import CANDIDATE, roles_sync
    from shop_sim.models import Customer, Product, ProductImage, Sandbox, ShopDecoration

    groups = roles_sync()
    owner = get_user_model().objects.create_user(username="bench_grader_owner", password=None)
    owner.groups.add(groups[CANDIDATE])
    sandbox = Sandbox.objects.create(name="小鹿男装旗舰店", owner=owner)
    decoration = ShopDecoration(sandbox=sandbox, shop_name="小鹿男装旗舰店", slogan="舒适 百搭", theme_color="#1a73e8")
    decoration.logo.save("logo.png", ContentFile(_png(100, 100, (20, 90, 200))), save=False)
    decoration.save()
    products = []
    for n in range(12):
        product = Product.objects.create(sandbox=sandbox, title=f"纯棉短袖T恤 男款 {n + 1}号", price=Decimal("99.00") + n,
                                         stock=10 + n, status=Product.Status.ON_SALE, sales_count=n)
        ProductImage.objects.create(sandbox=sandbox, product=product,
                                    image=ContentFile(_png(800, 800, (200, 60 + n * 10, 40)), name=f"main{n}.png"))
        products.append(product)
    Customer.objects.create(sandbox=sandbox, nickname="买家小明")
    return sandbox, products[0]


def page_checks(product) -> list[dict]:
    """Three page criteria of a decoration + listing task, as a scenario would state them."""
    return [
        {"path": "/", "asserts": [
            {"text": "小鹿男装旗舰店"}, {"text": "舒适 百搭"},
            {"selector": ".sf-sign", "style": "background-color", "equals": "#1a73e8"},
            {"image": ".sf-logo", "max_width": 100, "max_height": 100, "aspect": "1:1", "distortion": "halve"},
            {"role": "link", "name": "所有宝贝"},
        ]},
        {"path": f"/item/{product.pk}/", "asserts": [
            {"text": product.title}, {"text": "¥99"},
            {"image": "#sf-main-img", "min_width": 800, "min_height": 800, "aspect": "1:1", "distortion": "halve"},
            {"selector": "#sf-main-img", "attribute": "alt", "contains": "短袖T恤"},
            {"role": "button", "name": "立即购买"},
        ]},
        {"area": "console", "path": "/products/", "asserts": [
            {"text": product.title}, {"role": "link", "name": "发布宝贝"}, {"text": "出售中的宝贝"},
            {"image": "img.thumb", "min_width": 800, "count_min": 12},
        ]},
    ]


def state_reads(sandbox) -> None:
    """Seven sandbox-scoped reads, the cost of the non-browser criteria of an attempt."""
    from shop_sim.models import Category, Customer, Order, Product, ProductImage, ShopDecoration, ShopEvent

    Product.objects.for_sandbox(sandbox).filter(status=Product.Status.ON_SALE).count()
    list(Product.objects.for_sandbox(sandbox).values("title", "price")[:20])
    ProductImage.objects.for_sandbox(sandbox).filter(width__gte=800, height__gte=800).count()
    ShopDecoration.objects.for_sandbox(sandbox).values("theme_color", "shop_name").first()
    Category.objects.for_sandbox(sandbox).count()
    Order.objects.for_sandbox(sandbox).filter(status="paid").count()
    Customer.objects.for_sandbox(sandbox).count() + ShopEvent.objects.for_sandbox(sandbox).count()


class BenchContext:
    """The grading context a page check sees (the engine's real one offers the same methods)."""

    def __init__(self, session, evidence_dir: Path, criterion_id: str):
        self.session, self.sandbox, self.params = session, session.sandbox, {}
        self.points, self.evidence_dir, self.criterion_id = Decimal("5"), evidence_dir, criterion_id

    def browser_page(self, *, as_role, buyer_nickname=None):
        return self.session.check_page(as_role, buyer_nickname=buyer_nickname)

    def storefront_url(self, path=""):
        return self.session.storefront_url(path)

    def console_url(self, path=""):
        return self.session.console_url(path)

    def uploaded_file(self, name):
        return None

    def evidence_path(self, name):
        return self.evidence_dir / name


def run_check(session, spec: dict, index: int, evidence_dir: Path):
    from autograder.checks.page import PageCheck, PageParams

    result = PageCheck().run(BenchContext(session, evidence_dir, f"page{index}"), PageParams.model_validate(spec))
    if result.score != result.max:
        raise RuntimeError(f"bench check {index} did not score full marks:\n{result.message}")
    return result


def _evidence_dir(name: str) -> Path:
    path = BENCH_DIR / "grading_browser_evidence" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def pooled(base_url: str, sandbox, specs: list[dict], attempts: int, log, *, keep_context: bool = True,
           label: str = "(a) pooled Chromium, one context kept and wiped per attempt", webdriver_url: str = "") -> dict:
    from autograder.browser import CHROMIUM_ARGS, BrowserPool, BrowserSession, WebDriverPool, chromium_path
    from bench.runner import summary

    times = []
    make = (lambda: WebDriverPool(webdriver_url, args=CHROMIUM_ARGS, binary=chromium_path())) if webdriver_url \
        else (lambda: BrowserPool(keep_context=keep_context))
    with make() as pool:
        started = time.perf_counter()
        pool.browser()
        launch_s = time.perf_counter() - started
        for attempt in range(attempts + 1):  # attempt 0 warms the server's templates, not timed
            evidence = _evidence_dir(f"pooled-{keep_context}-{bool(webdriver_url)}-{attempt}")
            started = time.perf_counter()
            with BrowserSession(pool, base_url=base_url, sandbox=sandbox) as session:
                for index, spec in enumerate(specs, start=1):
                    run_check(session, spec, index, evidence)
                state_reads(sandbox)
            if attempt:
                times.append(time.perf_counter() - started)
        launches = pool.launches
    result = {**summary(times), "chromium_launches": launches, "first_launch_ms": round(launch_s * 1000, 1),
              "attempts_per_second": round(len(times) / sum(times), 2)}
    log(f"{label}: median {result['median_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms per attempt ({launches} launch)")
    return result


def browser_per_check(base_url: str, sandbox, specs: list[dict], attempts: int, log) -> dict:
    from playwright.sync_api import sync_playwright

    from autograder.browser import CHROMIUM_ARGS, BrowserPool, BrowserSession, chromium_path
    from bench.runner import summary

    times, launches = [], 0
    with sync_playwright() as pw:
        for attempt in range(attempts):
            evidence = _evidence_dir(f"per-check-{attempt}")
            started = time.perf_counter()
            for index, spec in enumerate(specs, start=1):
                browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS))
                launches += 1
                try:
                    with BrowserSession(BrowserPool(browser=browser, keep_context=False), base_url=base_url,
                                        sandbox=sandbox) as session:
                        run_check(session, spec, index, evidence)
                finally:
                    browser.close()
            state_reads(sandbox)
            times.append(time.perf_counter() - started)
    result = {**summary(times), "chromium_launches": launches, "attempts_per_second": round(len(times) / sum(times), 2)}
    log(f"(b) new Chromium per page check: median {result['median_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms per attempt ({launches} launches)")
    return result


def start_chromedriver():
    """Debian's chromedriver on a free port, when installed: the WebDriver adapter's endpoint."""
    import socket
    import subprocess
    import urllib.request

    if not Path(CHROMEDRIVER).exists():
        return None, ""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(url + "/status", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    return None, ""


def start_server():
    """Daphne in a child process over the bench database (HTTP + static + media)."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    connections.close_all()  # the child must open its own SQLite connection
    process = DaphneProcess("127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler))
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("Daphne did not start")
    return process, f"http://127.0.0.1:{process.port.value}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.grading_browser", description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20, help="attempts per variant (default 20)")
    args = parser.parse_args(argv)
    attempts = max(args.attempts, 1)

    _prepare_environment()
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command

    from bench.machine import machine_info

    call_command("migrate", verbosity=0, interactive=False)
    sandbox, product = build_shop()
    specs = page_checks(product)
    process, base_url = start_server()
    log = partial(print, flush=True)
    log(f"server {base_url}; {attempts} attempts of 3 page checks + 7 state reads")
    before = [{**spec, "screenshot": "full_page"} for spec in specs]  # what every check did before
    try:
        a0 = pooled(base_url, sandbox, before, attempts, log, keep_context=False,
                    label="(a0) as before: fresh contexts per attempt, full-page screenshots")
        a = pooled(base_url, sandbox, specs, attempts, log)
        driver, driver_url = start_chromedriver()
        try:
            w = pooled(base_url, sandbox, specs, attempts, log, webdriver_url=driver_url,
                       label="(w) as (a) through WebDriver (chromedriver, local)") if driver_url else None
        finally:
            if driver is not None:
                driver.terminate()
                driver.wait(10)
        b = browser_per_check(base_url, sandbox, before, attempts, log)
    finally:
        process.terminate()
        process.join(timeout=10)
        shutil.rmtree(BENCH_DIR / "grading_browser_evidence", ignore_errors=True)
        shutil.rmtree(BENCH_DIR / "media" / "shops" / sandbox.storefront_key, ignore_errors=True)

    ratio = round(b["median_ms"] / a["median_ms"], 2)
    ratio_before = round(a0["median_ms"] / a["median_ms"], 2)
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
        "attempt": {"page_checks": len(specs), "asserts": sum(len(s["asserts"]) for s in specs), "state_reads": 7,
                    "screenshots": "(a): only of checks that lost points (none); (a0), (b): full page, every check"},
        "target_median_ms": TARGET_MEDIAN_MS, "pooled": a, "pooled_before": a0, "pooled_webdriver": w,
        "browser_per_check": b,
        "ratio_median_per_check_over_pooled": ratio, "ratio_median_before_over_pooled": ratio_before,
    }
    out = BENCH_DIR / "grading_browser.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"ratio (a0)/(a) of medians: {ratio_before}×; (b)/(a): {ratio}×; results written to {out.relative_to(BASE_DIR)}")
    if a["median_ms"] > TARGET_MEDIAN_MS:
        print(f"WARNING: pooled median above the {TARGET_MEDIAN_MS} ms target", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
