"""The production configuration on this machine's PostgreSQL and Redis: two Daphne web processes
and two grading workers (`grading_worker`), started as separate processes the way docker-compose starts
the replicas, sharing nothing but the database, Redis and the media folder.

- A merchant's session works on either replica; a buyer chatting through replica 1 reaches the
  merchant's inbox open on replica 2 live (Channels over Redis).
- Killing one replica (SIGKILL) loses no acknowledged change; the other serves on.
- Grading jobs spread over both workers and every attempt is graded exactly once.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.faults import (
    database_url_of,
    fault_shop,
    grading_worker_kill,
    other_backends_terminate,
    web_replica_kill,
)
from bench.stack import production_stack
from sandbox.exams.services import sitting_start, sitting_submit
from sandbox.runtime.models import AttemptReport
from shop_sim.models import ChatMessage, Order
from tests.unit.exam_helpers import exam_catalog, exam_create, registration_create

WAIT_S = 90


def _database_url() -> str:
    return database_url_of(connection.settings_dict)


@contextmanager
def _stack(tmp_path: Path, *, webs: int = 2, workers: int = 2, catalog: Path | None = None):
    catalog = catalog or exam_catalog(tmp_path / "catalog")
    try:
        with production_stack(database_url=_database_url(), redis_url=settings.REDIS_URL, media=tmp_path / "media",
                              log_dir=tmp_path, webs=webs, workers=workers, catalog=catalog,
                              extra_env={"GRADING_STALE_SECONDS": settings.GRADING_STALE_SECONDS}) as stack:
            yield {"urls": stack.urls, "processes": stack.processes, "catalog": catalog, "stack": stack}
    finally:
        other_backends_terminate()


def test_replicas_share_sessions_and_chat_and_survive_losing_one(tmp_path, transactional_db, settings):
    """The scenario lives in bench/faults.py (``make bench-faults`` times it): one session on each
    replica, a buyer on replica 1 reaches the merchant's inbox on replica 2 live, replica 1
    acknowledges a memo and is SIGKILLed, replica 2 serves it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    shop = fault_shop("prod_merchant")
    try:
        web_replica_kill(shop, database_url=_database_url(), redis_url=settings.REDIS_URL, work_dir=tmp_path)
    finally:
        other_backends_terminate()
    order = Order.objects.get(pk=shop.order_id)
    assert order.seller_memo == "副本一确认保存0"
    assert ChatMessage.objects.filter(sandbox_id=shop.sandbox_id, session__customer__nickname="跨副本的买家0",
                                      sender="buyer").count() == 1


def test_grading_jobs_spread_over_workers_and_each_attempt_is_graded_once(tmp_path, transactional_db, make_user,
                                                                         settings):
    from django_tasks_db.models import DBTaskResult

    catalog = exam_catalog(tmp_path / "catalog")  # one catalog for setup and workers: same scenario uuids
    settings.SCENARIO_CATALOG_DIR = str(catalog)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    examiner = make_user("prod_examiner", "examiner")
    exam = exam_create(created_by=examiner)
    sittings = []
    for n in range(4):
        candidate = make_user(f"prod_cand_{n}")
        registration = registration_create(exam=exam, candidate=candidate, ticket=f"20260001400{n:02d}")
        sittings.append(sitting_start(registration=registration, actor=candidate))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for sitting in sittings:
        sitting_submit(sitting=sitting, actor=sitting.registration.candidate)  # queues 2 gradings each
    with _stack(tmp_path, webs=1, workers=2, catalog=catalog):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and AttemptReport.objects.count() < 2 * len(sittings):
            time.sleep(0.5)
    reports = list(AttemptReport.objects.values_list("attempt_id", "version"))
    assert len(reports) == 2 * len(sittings), f"graded {len(reports)} of {2 * len(sittings)}"
    assert sorted(v for _a, v in reports) == [1] * len(reports)  # once each
    workers = {worker for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for worker in ids}
    assert workers == {"worker-0", "worker-1"}, workers


def test_a_worker_killed_mid_job_is_replaced_and_the_attempt_graded_once(tmp_path, transactional_db, make_user,
                                                                         settings):
    """SIGKILL a grading worker while it waits on a page check; the clock's recovery queues the job
    again once it is stale and another worker grades it: one report, version 1 (the scenario is
    bench/faults.py's ``grading_worker_kill``, which ``make bench-faults`` times)."""
    import shutil

    from django_tasks_db.models import DBTaskResult

    catalog = tmp_path / "catalog"
    shutil.copytree(Path(settings.BASE_DIR) / "tests" / "e2e" / "scenario_fixtures" / "ship-memo-ui",
                    catalog / "ship-memo-ui")
    settings.SCENARIO_CATALOG_DIR = str(catalog)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GRADING_STALE_SECONDS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    candidate = make_user("prod_killed")
    try:
        grading_worker_kill(candidate, database_url=_database_url(), redis_url=settings.REDIS_URL,
                            work_dir=tmp_path, catalog=catalog, stale_seconds=settings.GRADING_STALE_SECONDS)
    finally:
        other_backends_terminate()
    assert list(AttemptReport.objects.filter(attempt__candidate=candidate).values_list("version", flat=True)) == [1]
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["FAILED", "SUCCESSFUL"], statuses
