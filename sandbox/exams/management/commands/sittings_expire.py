"""``manage.py sittings_expire [--every S]``: auto-submit every sitting whose time is up.

The queue runs the same at each deadline (``sitting_expire_task``, scheduled at start and on extra
time) and every exam page catches up lazily; this command is the belt to those braces — for a cron
line or a supervisor when no task worker runs. The write gate enforces deadlines regardless.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sandbox.exams.services import sitting_expire_due


class Command(BaseCommand):
    help = _("到时自动交卷：处理所有已到截止时间的考试作答")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0,
                            help=_("每隔多少秒重复一次（0 = 只运行一次）"))

    def handle(self, *args, **options):
        while True:
            done = sitting_expire_due()
            if done or options["verbosity"] > 1:
                self.stdout.write(_("已自动交卷 %(n)d 场：%(ids)s") % {"n": len(done), "ids": done})
            if options["every"] <= 0:
                return
            time.sleep(options["every"])
