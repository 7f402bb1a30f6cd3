"""``manage.py serve`` (what ``make run`` starts): Daphne and a grading worker as one unit — the worker
grades a queued attempt while the site is up; Ctrl-C stops both; when Daphne dies, the worker goes too."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.db import connection

from sandbox.runtime.models import AttemptReport
from sandbox.runtime.services import attempt_start, attempt_submit
from sandbox.runtime.tasks import attempt_grade_enqueue
from tests.unit.scenario_fixtures.helpers import copy_good

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "ship-and-memo"
START_TIMEOUT_SECONDS = 30


@pytest.fixture
def catalog(settings, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    copy_good(root, SLUG)
    settings.SCENARIO_CATALOG_DIR = str(root)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def serve(catalog, tmp_path):
    """Start ``manage.py serve`` on the test database; yields (process, port, web pid, worker pid)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
           "SCENARIO_CATALOG_DIR": str(catalog), "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
           "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
                               cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    pids = None
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        found = re.search(r"网站进程 (\d+)，评分进程 (\d+)", text)
        clock = re.search(r"定时任务进程 (\d+)", text)
        if found and clock:
            pids = int(found.group(1)), int(found.group(2)), int(clock.group(1))
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).close()
                break
            except OSError:
                pass
        time.sleep(0.3)
    else:
        process.kill()
        log.seek(0)
        pytest.fail(f"serve did not start:\n{log.read()}")
    yield process, port, *pids
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    log.close()


def test_the_worker_grades_while_the_site_serves_and_ctrl_c_stops_both(serve, catalog, candidate):
    process, _port, web, worker, clock = serve
    attempt = attempt_start(candidate=candidate, scenario_slug=SLUG, seed=5)
    attempt_submit(attempt=attempt, actor=candidate)
    attempt_grade_enqueue(attempt=attempt)
    deadline = time.monotonic() + 60
    while not AttemptReport.objects.filter(attempt=attempt).exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert AttemptReport.objects.get(attempt=attempt).version == 1

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert not alive(web) and not alive(worker) and not alive(clock)


def test_when_daphne_stops_the_workers_stop_too(serve):
    process, _port, web, worker, clock = serve
    os.kill(web, signal.SIGKILL)
    assert process.wait(timeout=30) != 0
    assert not alive(worker) and not alive(clock)
