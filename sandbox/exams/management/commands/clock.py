"""``manage.py clock [--every S]``: the platform's housekeeping loop — auto-submit sittings whose time
is up, and queue again the grading jobs a dead worker left running. `make run` starts one; in
production run exactly one (docker-compose's ``clock`` service; more are harmless, both steps are
idempotent)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sandbox.exams.services import sitting_expire_due
from sandbox.runtime.tasks import grading_jobs_recover


class Command(BaseCommand):
    help = _("定时任务：到时自动交卷；重新排队评分进程意外退出时未完成的评分")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help=_("每隔多少秒重复一次（0 = 只运行一次）"))

    def handle(self, *args, **options):
        while True:
            submitted = sitting_expire_due()
            requeued = grading_jobs_recover()
            if submitted or requeued or options["verbosity"] > 1:
                self.stdout.write(_("自动交卷 %(s)s；重新排队评分 %(r)s") % {"s": submitted, "r": requeued})
            if options["every"] <= 0:
                return
            time.sleep(options["every"])
