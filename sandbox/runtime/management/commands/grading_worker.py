"""``manage.py grading_worker``: django-tasks-db's ``db_worker`` that outlives a database outage.

``db_worker`` re-raises any database error other than "locked" from its polling loop, so a
PostgreSQL restart or failover ended every grading worker at once (measured by
``make bench-faults``). This command runs the same worker and, when the database goes away, waits
with a growing pause (1 s doubling to 30 s) and starts polling again. A job the worker held at that
moment stays RUNNING until the clock's stale-job recovery queues it again, exactly as after a
worker crash. SIGTERM/Ctrl-C still stop it at once: the worker's own handlers stay installed.
Same options as ``db_worker``.
"""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django.utils.translation import gettext_lazy as _
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("sandbox.runtime.grading_worker")

FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
# A worker that polled this long since its last failure starts again from the first pause.
HEALTHY_AFTER_SECONDS = 60.0


class Command(db_worker.Command):
    help = _("评分任务进程（db_worker）：数据库暂时不可用时等待重连，而不是退出")

    def handle(self, *args, **options):
        if options.get("reload"):
            return super().handle(*args, **options)  # the autoreloader restarts it anyway
        pause = FIRST_PAUSE_SECONDS
        while True:
            started = time.monotonic()
            try:
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() - started > HEALTHY_AFTER_SECONDS:
                    pause = FIRST_PAUSE_SECONDS
                logger.warning("database unavailable (%s): polling again in %.0f s",
                               str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, pause)
                try:
                    connections.close_all()
                except (OperationalError, InterfaceError):
                    pass  # a connection to a database that is gone may fail to close; it is dropped anyway
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
