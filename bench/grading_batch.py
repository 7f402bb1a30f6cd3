"""``python -m bench.grading_batch [--attempts N]``: grading throughput of one worker process.

The scenario is ``tests/e2e/scenario_fixtures/ship-memo-ui``: 10 criteria, 7 ``state`` checks and
3 ``page`` checks (two console pages as the candidate, the storefront home as a buyer, each with a
full-page screenshot kept as evidence). N attempts (default 50) are started, solved through the
shop services (the browser-driven reference solution would dominate the set-up time, not the
grading) and submitted; then graded twice:

(a0) in this process, sequentially, with one BrowserPool (one Chromium), grading as before: a fresh
    browser context per attempt and identity, a full-page screenshot of every page check;
(a) the same attempts graded as a worker does now — ``attempt_grade`` exactly as it calls it (one
    context and page kept and wiped between attempts, screenshots only of checks that lost points):
    the per-attempt median, the batch rate, and every criterion's points and message compared with
    (a0) (they must be identical);
(b) through the real queue: N regrade jobs enqueued, one ``manage.py db_worker --batch`` process
    started — the rate includes the worker's start-up (Django, Chromium) and the queue's polling;
(c) the same with ``--workers`` processes (default one per CPU), each with its own Chromium: how
    a batch scales on this machine (browser work waits on the server, so two workers overlap).

The site is a Daphne child process over a throw-away SQLite file ``var/bench/grading_batch.sqlite3``;
results go to ``var/bench/grading_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
DATABASE = BENCH_DIR / "grading_batch.sqlite3"
MEDIA = BENCH_DIR / "grading_batch_media"
CATALOG = BASE_DIR / "tests" / "e2e" / "scenario_fixtures"
SLUG = "ship-memo-ui"
TARGET_MEDIAN_MS = 2000
TARGET_RATE = 1.5  # attempts per second (issue #15)
WORKER_TIMEOUT_SECONDS = 900


def _prepare_environment() -> None:
    """A fresh SQLite file and media folder before ``django.setup()``; never the dev database."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(MEDIA, ignore_errors=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
    os.environ["DJANGO_MEDIA_ROOT"] = str(MEDIA)
    os.environ["SCENARIO_CATALOG_DIR"] = str(CATALOG)
    # Playwright's sync API marks its loop as running in this thread; the bench is synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def solve(attempt) -> None:
    """What the reference solution does, through the services (fast, and the same end state)."""
    from shop_sim.models import Order, ShopDecoration
    from shop_sim.services.base import Actor
    from shop_sim.services.decoration import decoration_update
    from shop_sim.services.orders import order_memo_update, order_ship

    sandbox, params = attempt.instance.sandbox, attempt.instance.params
    actor = Actor.merchant(attempt.candidate)
    orders = {o.order_no: o for o in Order.objects.for_sandbox(sandbox).filter(order_no__in=params["order_nos"])}
    for order_no, waybill in zip(params["order_nos"], params["waybills"]):
        order_ship(sandbox=sandbox, actor=actor, order=orders[order_no], carrier=params["carrier"], waybill_no=waybill)
    for index, order_no in enumerate(params["order_nos"]):
        order = Order.objects.for_sandbox(sandbox).get(order_no=order_no)
        order_memo_update(sandbox=sandbox, actor=actor, order=order, flag=params["flag"] if index == 0 else "",
                          seller_memo=params["memos"][index])
    decoration = ShopDecoration.objects.for_sandbox(sandbox).get()
    decoration_update(sandbox=sandbox, actor=actor, shop_name=decoration.shop_name, slogan=params["slogan"],
                      announcement=decoration.announcement, theme_color=decoration.theme_color)


def prepare(count: int, log) -> tuple[list, float]:
    """``count`` solved, submitted attempts (5 candidates); returns them and the seconds it took."""
    from django.contrib.auth import get_user_model

    from sandbox.accounts.roles import CANDIDATE, roles_sync
    from sandbox.runtime.services import attempt_start, attempt_submit

    groups = roles_sync()
    users = []
    for n in range(5):
        user = get_user_model().objects.create_user(username=f"bench_grading_{n}", password=None)
        user.groups.add(groups[CANDIDATE])
        users.append(user)
    started = time.perf_counter()
    attempts = []
    for index in range(count + 1):  # attempt 0 is the warm-up, not timed
        attempt = attempt_start(candidate=users[index % len(users)], scenario_slug=SLUG, seed=1000 + index)
        solve(attempt)
        attempts.append(attempt_submit(attempt=attempt, actor=attempt.candidate))
    seconds = time.perf_counter() - started
    log(f"prepared {count + 1} solved attempts in {seconds:.1f} s (start + solve + submit)")
    return attempts, seconds


def _full_marks(report) -> None:
    if report.total != report.max:
        lost = [c["id"] for c in report.report["criteria"] if Decimal(c["result"]["score"]) < Decimal(c["points"])]
        raise RuntimeError(f"bench attempt {report.attempt_id} did not score full marks: {lost}")


def _verdicts(report) -> list[tuple]:
    return [(c["id"], c["result"]["score"], c["result"]["message"]) for c in report.report["criteria"]]


def in_process(attempts: list, base_url: str, log, *, before: bool = False) -> dict:
    from django.test import override_settings

    from autograder.browser import BrowserPool
    from bench.runner import summary
    from sandbox.runtime.services import attempt_grade

    warmup, timed = attempts[0], attempts[1:]
    screenshots = "full_page" if before else "on_fail"
    verdicts = {}
    with BrowserPool(keep_context=not before) as pool, override_settings(GRADER_SCREENSHOTS=screenshots):
        started = time.perf_counter()
        _full_marks(attempt_grade(attempt=warmup, pool=pool, base_url=base_url))  # launches Chromium too
        warmup_s = time.perf_counter() - started
        times = []
        batch_started = time.perf_counter()
        for attempt in timed:
            started = time.perf_counter()
            report = attempt_grade(attempt=attempt, pool=pool, base_url=base_url)
            times.append(time.perf_counter() - started)
            _full_marks(report)
            verdicts[attempt.pk] = _verdicts(report)
        batch_s = time.perf_counter() - batch_started
        launches = pool.launches
    result = {**summary(times), "batch_seconds": round(batch_s, 2),
              "attempts_per_second": round(len(timed) / batch_s, 2), "chromium_launches": launches,
              "warmup_ms": round(warmup_s * 1000, 1), "verdicts": verdicts}
    label = "(a0) as before: fresh contexts, full-page screenshots" if before else "(a) one process, one Chromium"
    log(f"{label}: median {result['median_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms per "
        f"attempt; {len(timed)} attempts in {batch_s:.1f} s = {result['attempts_per_second']} attempts/s")
    return result


def through_queue(attempts: list, base_url: str, log, *, workers: int, version: int) -> dict:
    """Enqueue a regrade of every timed attempt, start ``workers`` db_worker processes, time them."""
    from sandbox.runtime.models import AttemptReport
    from sandbox.runtime.tasks import attempt_grade_enqueue

    timed = attempts[1:]
    for attempt in timed:
        attempt_grade_enqueue(attempt=attempt)
    env = {**os.environ, "GRADER_BASE_URL": base_url}
    command = [sys.executable, str(BASE_DIR / "manage.py"), "db_worker", "--batch", "--no-reload",
               "--no-startup-delay", "-v", "0"]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _n in range(workers)]
    outputs = [process.communicate(timeout=WORKER_TIMEOUT_SECONDS) for process in processes]
    seconds = time.perf_counter() - started
    for process, (stdout, stderr) in zip(processes, outputs):
        if process.returncode != 0:
            raise RuntimeError(f"db_worker failed ({process.returncode}):\n{stdout}\n{stderr}")
    regraded = AttemptReport.objects.filter(attempt__in=timed, version=version)
    if regraded.count() != len(timed):
        errors = "\n".join(stderr[-1000:] for _out, stderr in outputs)
        raise RuntimeError(f"the workers stored {regraded.count()} of {len(timed)} reports:\n{errors}")
    for report in regraded:
        _full_marks(report)
    result = {"workers": workers, "attempts": len(timed), "wall_seconds": round(seconds, 2),
              "attempts_per_second": round(len(timed) / seconds, 2)}
    log(f"queue + {workers} db_worker process(es): {len(timed)} attempts in {seconds:.1f} s = "
        f"{result['attempts_per_second']} attempts/s (worker start-up included)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.grading_batch", description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50, help="attempts in the batch (default 50)")
    parser.add_argument("--no-queue", action="store_true", help="skip (b) and (c), the db_worker runs")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="db_worker processes in (c) (default: one per CPU)")
    args = parser.parse_args(argv)
    count = max(args.attempts, 1)

    _prepare_environment()
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command

    from bench.grading_browser import start_server
    from bench.machine import machine_info
    from task_scenarios.loader import scenario_load

    call_command("migrate", verbosity=0, interactive=False)
    scenario = scenario_load(SLUG)
    kinds = [c.check.kind for c in scenario.rubric]
    log = partial(print, flush=True)
    load_before = os.getloadavg()
    log(f"load average before: {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f} "
        f"on {os.cpu_count()} CPUs (figures mean little on a busy machine)")
    attempts, prepare_s = prepare(count, log)
    process, base_url = start_server()
    log(f"server {base_url}; {count} attempts of {len(kinds)} criteria ({kinds.count('page')} page checks)")
    try:
        a0 = in_process(attempts, base_url, log, before=True)
        a = in_process(attempts, base_url, log)
        queue = [] if args.no_queue else [
            through_queue(attempts, base_url, log, workers=workers, version=index + 3)
            for index, workers in enumerate((1, args.workers))]
    finally:
        process.terminate()
        process.join(timeout=10)
        shutil.rmtree(MEDIA, ignore_errors=True)  # ~150 reports' screenshots: measured, not kept

    identical = a.pop("verdicts") == a0.pop("verdicts")
    log(f"after/before rate: {a['attempts_per_second'] / a0['attempts_per_second']:.2f}×; "
        f"grades (points and messages of every criterion) identical: {identical}")
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
        "scenario": {"slug": SLUG, "criteria": len(kinds), "page_checks": kinds.count("page"),
                     "kinds": {kind: kinds.count(kind) for kind in sorted(set(kinds))}},
        "attempts": count, "prepare_seconds": round(prepare_s, 2),
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
        "targets": {"median_ms": TARGET_MEDIAN_MS, "attempts_per_second": TARGET_RATE},
        "in_process": a, "in_process_before": a0, "queue": queue,
        "rate_ratio_after_over_before": round(a["attempts_per_second"] / a0["attempts_per_second"], 2),
        "identical_grades": identical,
    }
    out = BENCH_DIR / "grading_batch.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"results written to {out.relative_to(BASE_DIR)}")
    if a["median_ms"] > TARGET_MEDIAN_MS:
        print(f"WARNING: median above the {TARGET_MEDIAN_MS} ms target", file=sys.stderr)
    if not identical:
        print("ERROR: grades differ between (a0) and (a)", file=sys.stderr)
        return 1
    best = max([a["attempts_per_second"], *(q["attempts_per_second"] for q in queue)])
    if best < TARGET_RATE:
        print(f"WARNING: batch rate below {TARGET_RATE} attempt/s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
