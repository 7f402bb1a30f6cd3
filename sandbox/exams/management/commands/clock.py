"""``manage.py clock [--every S]``: the platform's housekeeping loop — auto-submit sittings whose time
is up, queue again the grading jobs a dead worker left running, and refresh the planner's statistics
of the shop tables after a burst of exam starts (``shop_statistics_refresh``). `make run` starts one; in
production run exactly one (docker-compose's ``clock`` service; more are harmless, both steps are
idempotent)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sandbox.exams.services import sitting_expire_due
from sandbox.runtime.tasks import grading_jobs_recover
from shop_sim.services.maintenance import shop_statistics_refresh


class Command(BaseCommand):
    help = _("定时任务：到时自动交卷；重新排队评分进程意外退出时未完成的评分")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help=_("每隔多少秒重复一次（0 = 只运行一次）"))

    def handle(self, *args, **options):
        while True:
            submitted = sitting_expire_due()
            requeued = grading_jobs_recover()
            analysed = shop_statistics_refresh()
            if submitted or requeued or options["verbosity"] > 1:
                self.stdout.write(_("自动交卷 %(s)s；重新排队评分 %(r)s") % {"s": submitted, "r": requeued})
            if analysed and options["verbosity"] > 1:
                self.stdout.write(_("已更新统计信息：%(tables)s") % {"tables": ", ".join(analysed)})
            if options["every"] <= 0:
                return
            time.sleep(options["every"])
