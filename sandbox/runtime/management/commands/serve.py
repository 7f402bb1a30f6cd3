"""``manage.py serve``: the web server (Daphne), the grading workers (``grading_worker``: a
``db_worker`` that waits out a database outage) and the clock (``manage.py clock``: auto-submits,
re-queues jobs of workers that died) as one unit.

``make run`` uses it so a laptop gets a working grader with one command. The children run in their
own process groups, so Ctrl-C reaches only this supervisor, which then stops each child once with
SIGTERM (a worker finishes the attempt it is grading) and kills what is still there after a grace
period. A worker that dies is restarted; when Daphne stops, everything stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 20
RESTART_DELAY_SECONDS = 2


class Command(BaseCommand):
    help = _("启动网站（Daphne）和评分任务进程（grading_worker），Ctrl-C 一起停止")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GRADER_WORKERS", "1")),
                            help=_("评分进程数（每个进程一个 Chromium；默认 1，或环境变量 GRADER_WORKERS）"))
        parser.add_argument("--clock-every", type=float, default=30,
                            help=_("定时任务（自动交卷、重新排队中断的评分）间隔秒数；0 = 不启动"))

    def handle(self, *args, **options):
        if options["workers"] < 0:
            raise CommandError(_("--workers 不能为负数"))
        host, port = options["host"], options["port"]
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
        # The workers' browser must reach this server, whatever the default says.
        env["GRADER_BASE_URL"] = os.environ.get("GRADER_BASE_URL") or f"http://{host}:{port}"
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        web_cmd = [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "sandbox.asgi:application"]
        worker_cmd = [sys.executable, manage, "grading_worker", "--no-reload", "--no-startup-delay", "-v", "1"]
        clock_cmd = [sys.executable, manage, "clock", "--every", str(options["clock_every"])]

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

        def spawn(cmd):
            return subprocess.Popen(cmd, env=env, start_new_session=True)

        web = spawn(web_cmd)
        workers = [spawn(worker_cmd) for _n in range(options["workers"])]
        self.stdout.write(_("网站进程 %(web)s，评分进程 %(workers)s（GRADER_BASE_URL=%(url)s）") % {
            "web": web.pid, "workers": ", ".join(str(w.pid) for w in workers) or "—", "url": env["GRADER_BASE_URL"]})
        # the clock is supervised like a worker (restarted if it dies), after the workers in the list
        commands = [worker_cmd] * len(workers)
        if options["clock_every"] > 0:
            workers.append(spawn(clock_cmd))
            commands.append(clock_cmd)
            self.stdout.write(_("定时任务进程 %(pid)s（每 %(s)s 秒）") % {"pid": workers[-1].pid, "s": options["clock_every"]})
        code = 0
        try:
            while not stopping:
                if web.poll() is not None:
                    code = web.returncode
                    self.stderr.write(_("网站进程已退出（%(code)s），正在停止评分进程") % {"code": code})
                    break
                for index, worker in enumerate(workers):
                    if worker.poll() is not None and not stopping:
                        self.stderr.write(_("评分进程 %(pid)s 已退出（%(code)s），%(s)s 秒后重启") % {
                            "pid": worker.pid, "code": worker.returncode, "s": RESTART_DELAY_SECONDS})
                        time.sleep(RESTART_DELAY_SECONDS)
                        workers[index] = spawn(commands[index])
                time.sleep(POLL_SECONDS)
        finally:
            self.stop_all([*workers, web])
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if code:
            raise CommandError(_("网站进程异常退出"), returncode=code if code > 0 else 1)

    def stop_all(self, processes: list[subprocess.Popen]) -> None:
        """SIGTERM once to each child still running (a worker finishes its attempt first), SIGKILL what
        outlives the grace period, then whatever the child left in its process group (Chromium)."""
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
