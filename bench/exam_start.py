"""``python -m bench.exam_start [--candidates 100]``: N candidates press 开始考试 at the same moment.

An exam with a two-task paper (two catalog scenarios, ``--scenarios``) is created and N candidates
registered; then N threads, released together by a barrier, each call
``sandbox.exams.services.sitting_start`` — the very service the start button calls — which
provisions one sandbox per task and starts the clock. Reported: the wall time until every sitting
has started, each start's latency (median, p95: it includes the time spent waiting for the
database), sandboxes per second, failed starts (with their errors), and the rows created.

The default, a thread per candidate, is what one Daphne process does with 100 simultaneous
clicks: Django's ASGI handler runs each request's synchronous view in a thread of its own
(``ThreadSensitiveContext`` per request). ``--threads K`` models a server limited to K at a time.
On SQLite every start is one write transaction, so starts queue for the database lock and one
that waits longer than the busy timeout (5 s in the settings) fails with "database is locked";
``--sqlite-busy-ms`` shows what a longer timeout does.

Why threads, not processes: each thread has its own database connection, and the work is in the
database (``INSERT … SELECT`` copies of the template shop), which is where starts contend; Python
holds the GIL only between statements. Processes would add one Django start-up each and measure
the same database lock. Before the timed round, a warm-up exam builds the scenario templates
(once per scenario version, as the first start on a real server does) and times a few starts one
after another: the uncontended baseline.

Databases (never the development one):
- default: a fresh SQLite file ``var/bench/bench.sqlite3`` (WAL, the settings' busy timeout; the
  same set-up as ``python -m bench``, which re-creates it on every run);
- ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exam python -m bench.exam_start``:
  a throw-away database ``bench_<name>`` on that server (Django's test-database machinery, as
  ``python -m bench`` does), dropped at the end. PostgreSQL refuses connections beyond
  ``max_connections``; the threads are capped below what the server has free (reported).

Results: a table on stdout and ``var/bench/exam_start[-postgresql].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from bench.__main__ import BASE_DIR, BENCH_DIR, _prepare_environment

DEFAULT_SCENARIOS = "shop-decoration,product-listing-sku"
WARMUP_STARTS = 5
PG_SPARE_CONNECTIONS = 5


@contextmanager
def bench_database(postgres: bool):
    """The migrated bench database for the ``with`` block: the fresh SQLite file, or a throw-away
    ``bench_<name>`` on the PostgreSQL server of ``DATABASE_URL``, dropped afterwards."""
    from django.core.management import call_command
    from django.db import connection

    if not postgres:
        call_command("migrate", verbosity=0, interactive=False)
        yield
        return
    name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"] = dict(connection.settings_dict.get("TEST") or {}, NAME=f"bench_{name}")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def _exam(name: str, slugs: list[str], examiner):
    from django.utils import timezone as dj_tz

    from sandbox.exams.models import Exam, ExamPart

    now = dj_tz.now()
    exam = Exam.objects.create(name=name, window_start=now - timedelta(minutes=1),
                               window_end=now + timedelta(hours=4), duration_minutes=90, created_by=examiner)
    for position, slug in enumerate(slugs, start=1):
        ExamPart.objects.create(exam=exam, position=position, scenario_slug=slug, title=slug)
    return exam


def _register(exam, count: int, prefix: str, candidate_group) -> list:
    from django.contrib.auth import get_user_model

    from sandbox.exams.models import Registration

    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"{prefix}{n:04d}") for n in range(count)])
    users = list(User.objects.filter(username__startswith=prefix).order_by("username"))
    candidate_group.user_set.add(*users)
    Registration.objects.bulk_create([
        Registration(exam=exam, candidate=user, full_name=f"考生{n}", id_number=f"{prefix}{n:06d}",
                     ticket_number=f"{prefix[:8]}{n:05d}") for n, user in enumerate(users)])
    return list(Registration.objects.filter(exam=exam).select_related("exam", "candidate").order_by("pk"))


def _start_all(registrations: list, workers: int) -> tuple[float, list[float], list[float], list[str]]:
    """``workers`` threads start ``registrations`` (each takes the next one); all released at once.
    Returns the wall time, each start's own duration, each start's completion time since the
    release (what a candidate waits for), and the errors."""
    from django.db import connections

    from sandbox.exams.services import sitting_start

    queue = list(registrations)
    lock = threading.Lock()
    barrier = threading.Barrier(workers + 1)
    latencies: list[float] = []
    done_at: list[float] = []
    errors: list[str] = []
    release = [0.0]

    def work():
        try:
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    registration = queue.pop(0)
                started = time.perf_counter()
                try:
                    sitting_start(registration=registration, actor=registration.candidate)
                except Exception as exc:  # counted and reported, never hidden
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
                    continue
                finished = time.perf_counter()
                with lock:
                    latencies.append(finished - started)
                    done_at.append(finished - release[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, name=f"start-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    release[0] = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return time.perf_counter() - release[0], latencies, done_at, errors


def _start_in_processes(registrations: list, processes: int, threads: int) -> tuple[float, list, list, list]:
    """The same storm spread over ``processes`` forked processes of ``threads`` threads each — what
    several web processes behind nginx do (each has its own GIL). Every process takes a slice;
    all are released together by a barrier and report back through a queue."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # a forked child must open its own connections
    context = multiprocessing.get_context("fork")
    slices = [part for n in range(processes) if (part := registrations[n::processes])]
    barrier = context.Barrier(len(slices) + 1)
    results = context.Queue()

    def child(part: list) -> None:
        barrier.wait()
        release = time.perf_counter()
        wall, latencies, done_at, errors = _start_all(part, min(threads, len(part)) or 1)
        results.put((release, latencies, [release + d for d in done_at], errors))

    children = [context.Process(target=child, args=(part,)) for part in slices]
    for process in children:
        process.start()
    barrier.wait()
    release = time.perf_counter()
    collected = [results.get() for _ in children]
    for process in children:
        process.join()
    wall = time.perf_counter() - release
    latencies = [x for _r, lat, _d, _e in collected for x in lat]
    done_at = [t - release for _r, _l, done, _e in collected for t in done]
    errors = [e for *_rest, errs in collected for e in errs]
    return wall, latencies, done_at, errors


def _pg_free_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - "
                       "current_setting('superuser_reserved_connections')::int - count(*) FROM pg_stat_activity")
        return cursor.fetchone()[0]


def _check(exam, registrations: list, parts: int) -> dict:
    """Every started registration has one sitting, one task per part, sandboxes its own and distinct."""
    from sandbox.exams.models import Sitting, SittingEvent, SittingTask

    sittings = Sitting.objects.filter(registration__exam=exam).count()
    tasks = list(SittingTask.objects.filter(sitting__registration__exam=exam)
                 .values_list("sitting__registration__candidate_id", "attempt__instance__sandbox__owner_id",
                              "attempt__instance__sandbox_id"))
    return {
        "sittings": sittings,
        "tasks": len(tasks),
        "tasks_per_sitting_ok": len(tasks) == sittings * parts,
        "sandboxes_distinct": len({t[2] for t in tasks}) == len(tasks),
        "sandboxes_owned_by_candidate": all(c == o for c, o, _s in tasks),
        "started_events": SittingEvent.objects.filter(sitting__registration__exam=exam, action="started").count(),
    }


def _statistics_effect(exam) -> dict:
    """PostgreSQL after the burst: one candidate's order list counts (the 已卖出的宝贝 tabs, 退款中
    included) before and after the clock's ``shop_statistics_refresh``, median of 15 calls."""
    from sandbox.exams.models import SittingTask
    from shop_sim.selectors.orders import order_tab_counts
    from shop_sim.services.maintenance import shop_statistics_refresh

    sandbox = (SittingTask.objects.filter(sitting__registration__exam=exam)
               .select_related("attempt__instance__sandbox").order_by("pk").last().attempt.instance.sandbox)

    def median_ms() -> float:
        runs = []
        for _ in range(17):
            started = time.perf_counter()
            order_tab_counts(sandbox=sandbox)
            runs.append(time.perf_counter() - started)
        return round(sorted(runs[2:])[len(runs[2:]) // 2] * 1000, 2)

    time.sleep(1.5)  # backends flush their table counters to the statistics when idle, once a second
    before = median_ms()
    started = time.perf_counter()
    analysed = shop_statistics_refresh()
    refresh_s = time.perf_counter() - started
    return {"order_counts_before_ms": before, "order_counts_after_ms": median_ms(),
            "refresh_seconds": round(refresh_s, 2), "tables_analysed": len(analysed)}


def table(results: dict) -> str:
    s, w = results["starts"], results["warmup"]
    r = s["since_release"]
    rows = [("measurement", "value")]
    rows += [
        ("database", results["database"] + (f" (busy timeout {results['sqlite_busy_ms']} ms)"
                                             if results["sqlite_busy_ms"] else "")),
        ("candidates / threads / processes",
         f"{results['candidates']} / {results['threads']} / {results.get('processes', 1)}"),
        ("paper", " + ".join(results["scenarios"])),
        ("template build (first start, untimed round)", f"{w['template_build_s']} s"),
        (f"one start alone (median of {w['runs']})", f"{w['median_ms']} ms"),
        ("wall time, all starts", f"{s['wall_seconds']} s"),
        ("per-start duration p50 / p95 / max", f"{s['median_ms']} / {s['p95_ms']} / {s['max_ms']} ms"),
        ("started after the release p50 / p95", f"{r['median_ms']} / {r['p95_ms']} ms" if r else "-"),
        ("sandboxes provisioned / s", s["sandboxes_per_second"]),
        ("starts ok / failed", f"{s['ok']} / {s['failed']}"),
        ("rows created (all tables)", results["rows"]["total"]),
        ("rows per start", results["rows"]["per_start"]),
    ]
    stats = results.get("statistics")
    if stats:
        rows += [
            ("order-list counts, before / after the clock's ANALYZE",
             f"{stats['order_counts_before_ms']} / {stats['order_counts_after_ms']} ms"),
            ("the ANALYZE (tables, seconds)", f"{stats['tables_analysed']} tables, {stats['refresh_seconds']} s"),
        ]
    for error, count in results["errors"].items():
        rows.append((f"  error ×{count}", error[:90]))
    width = max(len(str(r[0])) for r in rows) + 2
    lines = [f"{r[0]:<{width}}{r[1]}" for r in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exam_start", description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100, help="candidates starting at once (default 100)")
    parser.add_argument("--threads", type=int, default=0, help="concurrent starts (default: one per candidate)")
    parser.add_argument("--processes", type=int, default=1,
                        help="spread the threads over this many processes, like several web processes (PostgreSQL)")
    parser.add_argument("--sqlite-busy-ms", type=int, default=0,
                        help="SQLite only: override the settings' busy timeout for this run (default: keep it)")
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help=f"the paper (default {DEFAULT_SCENARIOS})")
    args = parser.parse_args(argv)
    count = max(args.candidates, 1)
    slugs = [s.strip() for s in args.scenarios.split(",") if s.strip()]

    postgres = _prepare_environment()
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    if args.sqlite_busy_ms and not postgres:
        from django.conf import settings

        options = settings.DATABASES["default"]["OPTIONS"]  # read when the first connection opens
        options["init_command"] = re.sub(r"busy_timeout=\d+", f"busy_timeout={args.sqlite_busy_ms}",
                                         options["init_command"])
        options["timeout"] = args.sqlite_busy_ms / 1000
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.machine import machine_info
    from bench.runner import summary
    from sandbox.accounts.roles import CANDIDATE, EXAMINER, roles_sync
    from sandbox.exams.services import sitting_start

    log = lambda line: print(line, flush=True)  # noqa: E731
    load_before = os.getloadavg()
    with bench_database(postgres):
        log(f"bench database: {connection.vendor} {connection.settings_dict['NAME']}")
        groups = roles_sync()
        examiner = get_user_model().objects.create_user(username="bench_examiner", password=None)
        examiner.groups.add(groups[EXAMINER])

        # warm-up: the templates (first start), then starts one at a time (the uncontended baseline)
        warm_exam = _exam("warm-up", slugs, examiner)
        warm = _register(warm_exam, WARMUP_STARTS + 1, "bench_warm_", groups[CANDIDATE])
        started = time.perf_counter()
        sitting_start(registration=warm[0], actor=warm[0].candidate)
        template_s = time.perf_counter() - started
        alone = []
        for registration in warm[1:]:
            started = time.perf_counter()
            sitting_start(registration=registration, actor=registration.candidate)
            alone.append(time.perf_counter() - started)
        log(f"templates built in {template_s:.1f} s; one start alone: median {summary(alone)['median_ms']:.0f} ms")

        exam = _exam(f"{count} candidates at once", slugs, examiner)
        registrations = _register(exam, count, "bench_cand_", groups[CANDIDATE])
        workers = min(args.threads or count, count)
        if postgres:
            free = _pg_free_connections() - PG_SPARE_CONNECTIONS
            if workers > free:
                log(f"PostgreSQL has {free + PG_SPARE_CONNECTIONS} free connections: "
                    f"{workers} threads capped to {free}")
                workers = max(free, 1)
        before = _row_counts()
        connection.close()  # the main thread holds no connection while the threads work
        processes = max(args.processes, 1)
        log(f"starting {count} sittings with {workers} threads" + (f" in {processes} processes" if processes > 1 else "")
            + " ...")
        if processes > 1:
            wall, latencies, done_at, errors = _start_in_processes(registrations, processes, -(-workers // processes))
        else:
            wall, latencies, done_at, errors = _start_all(registrations, workers)
        after = _row_counts()
        created = {label: after[label] - before.get(label, 0) for label in after
                   if after[label] != before.get(label, 0)}
        check = _check(exam, registrations, len(slugs))
        statistics = _statistics_effect(exam) if postgres and latencies else None
        ok = len(latencies)
        stats = summary(latencies) if latencies else {"runs": 0, "median_ms": None, "p95_ms": None, "min_ms": None,
                                                       "all_ms": []}
        sandboxes = check["tasks"]
        results = {
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
            "database": connection.vendor, "sqlite_busy_ms": args.sqlite_busy_ms or None,
            "candidates": count, "threads": workers, "processes": max(args.processes, 1), "scenarios": slugs,
            "load_average": {"before": [round(x, 2) for x in load_before],
                             "after": [round(x, 2) for x in os.getloadavg()]},
            "warmup": {"template_build_s": round(template_s, 2), **summary(alone)},
            "starts": {**stats, "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
                       "since_release": summary(done_at) if done_at else None,
                       "wall_seconds": round(wall, 2), "ok": ok, "failed": len(errors),
                       "sandboxes_per_second": round(sandboxes / wall, 2) if wall else None},
            "errors": dict(Counter(errors).most_common()),
            "rows": {"total": sum(created.values()), "per_start": round(sum(created.values()) / ok, 1) if ok else None,
                     "by_table": dict(sorted(created.items(), key=lambda kv: -kv[1]))},
            "check": check,
            "statistics": statistics,
        }

    print()
    print(table(results))
    consistent = (check["sittings"] == ok and check["tasks_per_sitting_ok"] and check["sandboxes_distinct"]
                  and check["sandboxes_owned_by_candidate"] and check["started_events"] == ok)
    print(f"consistency: {'ok' if consistent else 'FAILED'} {check}")
    name = "exam_start.json" if results["database"] == "sqlite" else f"exam_start-{results['database']}.json"
    if count != 100:
        name = name.replace(".json", f"-{count}.json")
    if results["sqlite_busy_ms"]:
        name = name.replace(".json", f"-busy{results['sqlite_busy_ms']}ms.json")
    out = BENCH_DIR / name
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"results written to {out.relative_to(BASE_DIR)}")
    if errors:
        print(f"WARNING: {len(errors)} of {count} starts failed", file=sys.stderr)
    return 0 if consistent else 1


if __name__ == "__main__":
    sys.exit(main())
