"""``python -m bench [--quick]``: build a template shop, then time provisioning, loaddata and pages.

The bench never touches the development database. By default it uses a fresh SQLite file,
``var/bench/bench.sqlite3`` (deleted and re-migrated on every run). With ``DATABASE_URL`` pointing at
PostgreSQL it creates a throw-away database ``bench_<name>`` on that server (Django's test-database
machinery) and drops it at the end. Media go to ``var/bench/media``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"


def _prepare_environment() -> bool:
    """Point Django at the bench database before ``django.setup()``; True for PostgreSQL."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    os.environ["DJANGO_MEDIA_ROOT"] = str(BENCH_DIR / "media")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return True
    database = BENCH_DIR / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small template and few runs (a smoke test)")
    parser.add_argument("--runs", type=int, default=0, help="provisioning runs (default 20, quick 5)")
    args = parser.parse_args(argv)

    postgres = _prepare_environment()
    import warnings

    import django

    # WhiteNoise warns that collectstatic never ran; the bench does not serve static files.
    warnings.filterwarnings("ignore", message="No directory at")

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.machine import machine_info
    from bench.runner import FULL, QUICK, Bench

    plan = QUICK if args.quick else FULL
    if args.runs:
        plan = type(plan)(**{**plan.__dict__, "provision_runs": max(args.runs, 1)})

    original_name = connection.settings_dict["NAME"]
    if postgres:
        connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}),
                                            "NAME": f"bench_{original_name}"}
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        call_command("migrate", verbosity=0, interactive=False)
    print(f"bench database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)

    try:
        bench = Bench(plan, BENCH_DIR, log=lambda line: print(line, flush=True))
        bench.template_build()
        dump = bench.dump()
        bench.provision()
        bench.pages()
        bench.loaddata(dump)
        results = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "quick": args.quick, "machine": machine_info(), **bench.results}
    finally:
        if postgres:
            connection.creation.destroy_test_db(original_name, verbosity=0)

    print()
    print(bench.table())
    name = "results.json" if connection.vendor == "sqlite" else f"results-{connection.vendor}.json"
    if args.quick:
        name = name.replace(".json", "-quick.json")
    out = BENCH_DIR / name
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults written to {out.relative_to(BASE_DIR)}")
    target_ms = 200
    if connection.vendor == "sqlite" and results["provision"]["median_ms"] > target_ms:
        print(f"WARNING: provisioning median above the {target_ms} ms target on SQLite", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
