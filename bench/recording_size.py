"""``python -m bench.recording_size [--minutes N]``: journal + DOM-recording size of a scripted exam
attempt, and the examiner's replay page load time.

A candidate sits a one-task exam (catalog scenario order-fulfilment: 20 products, 80 orders) in real
Chromium against a live Daphne server, at a person's pace for N minutes (default 3; ``--minutes 30``
for the full run): console pages, list filtering, scrolling, a product edit, an order memo, the
storefront, pauses to read. The recorder (``{% recorder %}`` → rrweb) streams batches to the ingest
URL as it does in an exam. Then the bench reports what was stored — compressed and raw bytes, events,
chunks, per minute and extrapolated to 30 minutes (target < 2 MB stored) — the journal's size, and
the replay page's load time (events.json + page until the player is ready) in Chromium.

The site runs over a throw-away SQLite file, ``var/bench/recording_size.sqlite3``; results go to
``var/bench/recording_size.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
DATABASE = BENCH_DIR / "recording_size.sqlite3"
SLUG = "order-fulfilment"
PASSWORD = "bench-12345"
TARGET_30_MIN_BYTES = 2 * 1024 * 1024
REPLAY_RUNS = 3


def _django_ready() -> None:
    """Django over a fresh SQLite file and media folder (never the dev database), migrated."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DATABASE_URL": f"sqlite:///{DATABASE}",
        "DJANGO_MEDIA_ROOT": str(BENCH_DIR / "media"), "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        # no grading or expiry jobs: the bench measures the recording only
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
    })
    import warnings

    import django
    from django.core.management import call_command

    warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise: collectstatic never ran
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def build_sitting(minutes: int):
    """A candidate in an exam long enough for the run, and an examiner to replay it."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone as dj_tz

    from sandbox.accounts.roles import CANDIDATE, EXAMINER, roles_sync
    from sandbox.exams.models import Exam, ExamPart, Registration
    from sandbox.exams.services import sitting_start

    groups = roles_sync()
    users = get_user_model().objects
    candidate = users.create_user(username="bench_cand", password=PASSWORD)
    candidate.groups.add(groups[CANDIDATE])
    examiner = users.create_user(username="bench_kp", password=PASSWORD)
    examiner.groups.add(groups[EXAMINER])
    now = dj_tz.now()
    exam = Exam.objects.create(name="录像体积基准", duration_minutes=minutes + 30, window_start=now - timedelta(minutes=5),
                               window_end=now + timedelta(minutes=minutes + 60), created_by=examiner)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug=SLUG, title="订单处理")
    registration = Registration.objects.create(exam=exam, candidate=candidate, full_name="基准考生",
                                               id_number="110101199001010000", ticket_number="BENCH0001")
    sitting = sitting_start(registration=registration, actor=candidate)
    return sitting.tasks.select_related("attempt__instance").get()


class TimeUp(Exception):
    pass


class Candidate:
    """A person working through the console: reads, moves the mouse, types at a human pace."""

    deadline = float("inf")

    def __init__(self, page, task, rng: random.Random):
        self.page, self.task, self.rng = page, task, rng
        from shop_sim.models import Order, Product, Sandbox

        sandbox_id = task.attempt.instance.sandbox_id
        self.storefront = f"/s/{Sandbox.objects.get(pk=sandbox_id).storefront_key}/"
        self.product_ids = list(Product.objects.filter(sandbox_id=sandbox_id).order_by("pk").values_list("pk", flat=True))
        self.order_ids = list(Order.objects.filter(sandbox_id=sandbox_id).order_by("pk").values_list("pk", flat=True))
        self.actions = 0

    def think(self, low=5.0, high=14.0):
        """Read the page (a person reads a console page for 5–15 s before acting): a pause, with the
        pointer wandering a little. The run ends at the first pause past its time."""
        if time.monotonic() >= self.deadline:
            raise TimeUp
        end = time.monotonic() + self.rng.uniform(low, high)
        while time.monotonic() < end:
            self.page.mouse.move(self.rng.randint(200, 1200), self.rng.randint(120, 800), steps=self.rng.randint(5, 15))
            time.sleep(self.rng.uniform(0.3, 1.2))

    def type_into(self, locator, text: str):
        locator.click()
        locator.fill("")
        locator.press_sequentially(text, delay=self.rng.randint(120, 220))

    def nav(self, name: str):
        self.page.locator(".console-nav").get_by_role("link", name=name, exact=True).click()
        self.page.wait_for_load_state()
        self.actions += 1

    def scroll(self):
        for _ in range(self.rng.randint(2, 5)):
            self.page.mouse.wheel(0, self.rng.choice([300, 400, 600]))
            time.sleep(self.rng.uniform(0.4, 1.0))
        self.page.mouse.wheel(0, -3000)

    # one round ≈ a minute of a candidate's work
    def round(self):
        page, rng = self.page, self.rng
        self.nav("已卖出的宝贝")
        self.think()
        self.scroll()
        self.type_into(page.get_by_label("搜索", exact=True), str(rng.randint(10, 99)))
        page.get_by_role("button", name="搜索订单").click()
        self.actions += 1
        self.think(3, 6)
        page.goto(f"/console/orders/{rng.choice(self.order_ids)}/")
        self.think()
        self.scroll()
        memo = page.get_by_label("卖家备注")
        self.type_into(memo, f"已与买家确认收货地址 {rng.randint(1, 999)}")
        page.get_by_role("button", name="保存备注").click()
        page.wait_for_load_state()
        self.actions += 2
        self.think()
        self.nav("商品管理")
        self.think(3, 6)
        self.type_into(page.get_by_label("宝贝名称/商家编码"), rng.choice(["T恤", "杯", "包", "茶"]))
        page.get_by_role("button", name="搜索", exact=True).click()
        self.actions += 1
        self.think()
        page.goto(f"/console/products/{rng.choice(self.product_ids)}/edit/")
        self.think(4, 8)
        stock = page.get_by_label("总库存")
        if stock.is_editable():
            self.type_into(stock, str(rng.randint(10, 500)))
        subtitle = page.get_by_label("卖点/副标题")
        self.type_into(subtitle, rng.choice(["包邮 现货速发", "七天无理由退换", "买二送一"]))
        self.scroll()
        page.get_by_role("button", name="保存修改").click()
        page.wait_for_load_state()
        self.actions += 2
        self.think()
        self.nav(rng.choice(["客户管理", "优惠券", "退款管理", "评价管理"]))
        self.think()
        self.scroll()
        if rng.random() < 0.3:
            page.goto(self.storefront)
            self.think()
            self.scroll()
            page.goto("/console/")
            self.actions += 2

    def run(self, seconds: float):
        self.page.goto("/console/")
        self.deadline = time.monotonic() + seconds
        rounds = 0
        try:
            while True:
                self.round()
                rounds += 1
        except TimeUp:
            pass
        return rounds


def login(page, username: str):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def replay_load(browser, base_url: str, attempt_id: int) -> dict:
    """Open the replay page as the examiner until the player is ready, REPLAY_RUNS times (first warm-up)."""
    from bench.runner import summary

    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, "bench_kp")
    pages, feeds = [], []
    for run in range(REPLAY_RUNS + 1):
        started = time.perf_counter()
        page.goto(f"/replay/{attempt_id}/")
        page.wait_for_selector("#player[data-state=ready]", timeout=60_000)
        elapsed = time.perf_counter() - started
        feed_ms = page.evaluate("""async () => {
            const t = performance.now();
            const r = await fetch(document.querySelector('#player').dataset.eventsUrl);
            await r.json();
            return performance.now() - t; }""")
        if run:
            pages.append(elapsed)
            feeds.append(feed_ms / 1000)
    context.close()
    return {"page_until_player_ready": summary(pages), "events_json": summary(feeds)}


def measure(task, minutes_run: float) -> dict:
    from django.db.models import Count, Sum
    from django.db.models.functions import Length

    from sandbox.recording.models import RecordingChunk
    from sandbox.recording.selectors import journal_bytes
    from shop_sim.models import ShopEvent
    from sandbox.exams.models import SittingEvent

    rows = RecordingChunk.objects.filter(attempt_id=task.attempt_id)
    agg = rows.aggregate(chunks=Count("id"), events=Sum("event_count"), raw=Sum("raw_bytes"), stored=Sum(Length("data")))
    segments = rows.values("segment").distinct().count()
    stored, raw = agg["stored"] or 0, agg["raw"] or 0
    per_min = stored / minutes_run
    journal = journal_bytes(task)
    shop_events = ShopEvent.objects.filter(sandbox_id=task.attempt.instance.sandbox_id).count()
    exam_events = SittingEvent.objects.filter(sitting_id=task.sitting_id).count()
    return {
        "minutes": round(minutes_run, 2), "chunks": agg["chunks"], "segments": segments, "events": agg["events"] or 0,
        "stored_bytes": stored, "raw_bytes": raw, "compression_ratio": round(raw / stored, 1) if stored else None,
        "stored_bytes_per_minute": round(per_min), "raw_bytes_per_minute": round(raw / minutes_run),
        "stored_bytes_30_min": round(per_min * 30), "raw_bytes_30_min": round(raw / minutes_run * 30),
        "journal_rows": shop_events + exam_events, "journal_bytes": journal,
        "journal_bytes_30_min": round(journal / minutes_run * 30),
    }


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.2f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


def table(size: dict, replay: dict, actions: int) -> str:
    rows = [
        ("scripted attempt", f"{size['minutes']} min, {actions} actions, {size['segments']} page loads"),
        ("recording stored (zlib)", f"{_mb(size['stored_bytes'])} in {size['chunks']} chunks"),
        ("recording raw JSON", f"{_mb(size['raw_bytes'])} ({size['events']} events, ×{size['compression_ratio']} compression)"),
        ("stored per minute", _mb(size["stored_bytes_per_minute"])),
        ("stored, 30 min (extrapolated)", f"{_mb(size['stored_bytes_30_min'])} (target < {_mb(TARGET_30_MIN_BYTES)})"),
        ("raw, 30 min (extrapolated)", _mb(size["raw_bytes_30_min"])),
        ("journal", f"{size['journal_rows']} rows, {_mb(size['journal_bytes'])} as JSON "
                    f"({_mb(size['journal_bytes_30_min'])} per 30 min)"),
        ("replay page until player ready", f"median {replay['page_until_player_ready']['median_ms']:.0f} ms, "
                                           f"p95 {replay['page_until_player_ready']['p95_ms']:.0f} ms"),
        ("events.json fetch + parse", f"median {replay['events_json']['median_ms']:.0f} ms"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"| {'measure'.ljust(width)} | value |", f"|{'-' * (width + 2)}|-------|"]
    lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recording_size", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3, help="length of the scripted attempt (default 3; 30 = full)")
    parser.add_argument("--seed", type=int, default=7, help="the script's random seed (pauses, choices)")
    args = parser.parse_args(argv)
    minutes = max(args.minutes, 0.5)

    _django_ready()
    from playwright.sync_api import sync_playwright

    from autograder.browser import CHROMIUM_ARGS, chromium_path
    from bench.grading_browser import start_server
    from bench.machine import machine_info

    log = lambda line: print(line, flush=True)  # noqa: E731
    log(f"building the exam sandbox ({SLUG}) …")
    task = build_sitting(int(minutes) + 1)
    process, base_url = start_server()
    log(f"server {base_url}; candidate works for {minutes:g} min")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS))
            context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1366, "height": 900})
            context.set_default_timeout(20_000)
            page = context.new_page()
            login(page, "bench_cand")
            person = Candidate(page, task, random.Random(args.seed))
            started = time.monotonic()
            rounds = person.run(minutes * 60)
            minutes_run = (time.monotonic() - started) / 60
            context.close()  # pagehide: the last batch leaves with keepalive
            time.sleep(2)
            log(f"{rounds} rounds, {person.actions} actions in {minutes_run:.1f} min")
            size = measure(task, minutes_run)
            replay = replay_load(browser, base_url, task.attempt_id)
            browser.close()
    finally:
        process.terminate()
        process.join(timeout=10)

    results = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
               "scenario": SLUG, "actions": person.actions, "target_30_min_bytes": TARGET_30_MIN_BYTES,
               "size": size, "replay": replay}
    out = BENCH_DIR / "recording_size.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(table(size, replay, person.actions))
    log(f"\nresults written to {out.relative_to(BASE_DIR)}")
    if size["stored_bytes_30_min"] > TARGET_30_MIN_BYTES:
        print(f"WARNING: 30-minute recording above the {_mb(TARGET_30_MIN_BYTES)} target", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
