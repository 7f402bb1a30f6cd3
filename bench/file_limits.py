"""``python -m bench.file_limits [--runs N] [--reference]``: what a handed-in table costs, at and over
the file limits (shop_sim.file_limits), for docs/reliability.md.

Each case runs in a fresh process (so peak memory is its own): the limits check alone, then the
grader's ``file`` criterion on it — the parse in its bounded child (autograder.bounded) — and, for
the candidate import, ``table_read``. Reported: seconds (median of the runs), the child's peak
resident memory (it shares the worker's pages at fork, so the worker's own size is given too) and
what the criterion said. ``--reference`` adds the 1M-cell bomb parsed with the limits off, i.e. as
the grader did before them. No database is used.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["订单编号", "买家会员名", "收货人", "联系电话", "收货地址", "商品名称", "数量", "实付金额", "下单时间", "发货时间"]
OFF = {"rows": 10**7, "columns": 10**5, "cells": 10**10, "zip_ratio": 10**7, "decompressed_bytes": 10**11,
       "seconds": 3600, "parse_memory_bytes": 64 * 1024**3}


def _data(case: str) -> bytes:
    from bench.table_files import csv_table, xlsx_table

    return {
        "xlsx-at-limit": lambda: xlsx_table(20_000, 10, header=HEADER),
        "csv-at-limit": lambda: csv_table(20_000, 10, header=HEADER),
        "xlsx-at-limit-x6": lambda: xlsx_table(20_000, 10, header=HEADER),
        "csv-at-limit-x6": lambda: csv_table(20_000, 10, header=HEADER),
        "xlsx-lying-202k": lambda: xlsx_table(2_000, 101, dimension="A1", header=HEADER),
        "xlsx-lying-1M": lambda: xlsx_table(5_000, 200, dimension="A1", header=HEADER),
        "xlsx-bomb-1M": lambda: xlsx_table(1_000, 1_000, refs=False, header=HEADER),
        "xlsx-bomb-3M": lambda: xlsx_table(3_000, 1_000, refs=False, header=HEADER),
        "import-bomb-5M": lambda: xlsx_table(5_000, 1_000, refs=False, header=["姓名", "证件类型", "证件号码", "级别"]),
        "reference-bomb-1M": lambda: xlsx_table(1_000, 1_000, refs=False, header=HEADER),
    }[case]()


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(case: str) -> dict:
    """One measurement of ``case`` in this (fresh) process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    from autograder.checks.file import FileCheck, FileParams
    from autograder.context import CheckContext
    from sandbox.exams.imports import ImportFileError, table_read
    from shop_sim.file_limits import FileLimitExceeded, table_limits_check

    translation.activate("zh-hans")
    if case.startswith("reference"):
        settings.FILE_LIMITS = OFF
    data = _data(case)
    result = {"case": case, "bytes": len(data)}
    started, cpu = time.monotonic(), time.thread_time()
    try:
        table_limits_check(data)
        result["check"] = "passed"
    except FileLimitExceeded as exc:
        result["check"] = exc.message
    result["check_s"] = time.monotonic() - started
    result["check_cpu_s"] = time.thread_time() - cpu

    if case.startswith("import"):
        started, cpu = time.monotonic(), time.thread_time()
        try:
            rows = table_read(data, filename="考生.xlsx")
            result["message"] = f"{len(rows)} rows read"
        except ImportFileError as exc:
            result["message"] = exc.message
        result["grade_s"] = time.monotonic() - started
        result["grade_cpu_s"] = time.thread_time() - cpu
        result["peak_mb"] = _rss_mb()
        return result

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("clean.csv" if case.startswith("csv") else "clean.xlsx")
        path.write_bytes(data)
        del data
        result["worker_rss_mb"] = _current_rss_mb()
        params = FileParams.model_validate({"upload": "clean", "expected": {"rows": [{h: "" for h in HEADER}]}})
        ctx = CheckContext(sandbox=None, params={}, points=__import__("decimal").Decimal(10), criterion_id="c",
                           uploads={"clean": path})
        started, cpu = time.monotonic(), time.thread_time()
        # "-x6": the six file criteria data-cleaning grades one upload with (one parse, six compares)
        for _criterion in range(6 if case.endswith("-x6") else 1):
            check = FileCheck().run(ctx, params)
        result["grade_s"] = time.monotonic() - started
        result["grade_cpu_s"] = time.thread_time() - cpu  # the worker's own share (the child's apart)
    result["message"] = check.message.splitlines()[0][:80]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["child_cpu_s"] = children.ru_utime + children.ru_stime
    result["child_peak_mb"] = _rss_mb(resource.RUSAGE_CHILDREN)
    result["worker_peak_mb"] = _rss_mb()
    return result


CASES = ["xlsx-at-limit", "csv-at-limit", "xlsx-at-limit-x6", "csv-at-limit-x6", "xlsx-lying-202k", "xlsx-lying-1M",
         "xlsx-bomb-1M", "xlsx-bomb-3M", "import-bomb-5M"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.file_limits", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference", action="store_true", help="also the 1M-cell bomb with the limits off")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", help="these cases only")
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(one(args.case), ensure_ascii=False))
        return 0
    cases = args.only or CASES + (["reference-bomb-1M"] if args.reference else [])
    print(f"load average at start: {os.getloadavg()}", flush=True)
    for case in cases:
        runs = []
        for _ in range(1 if case.startswith("reference") else args.runs):
            done = subprocess.run([sys.executable, "-m", "bench.file_limits", "--case", case], capture_output=True,
                                  text=True, cwd=Path(__file__).resolve().parent.parent, timeout=3600)
            if done.returncode:
                print(case, "failed:", done.stderr[-2000:])
                break
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        summary = dict(runs[-1])
        for key in ("check_s", "check_cpu_s", "grade_s", "grade_cpu_s", "child_cpu_s", "child_peak_mb",
                    "worker_peak_mb", "worker_rss_mb", "peak_mb"):
            if key in summary:
                summary[key] = round(statistics.median(r[key] for r in runs), 2)
        summary["runs"] = len(runs)
        print(json.dumps(summary, ensure_ascii=False), flush=True)
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
