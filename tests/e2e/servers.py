"""A Daphne server and a grading worker on a catalog folder of a test's own (shared by the browser
tests that grade: the session's live server serves the default catalog).

The server is forked with the test's settings (same file-based SQLite database) and then pointed
at ``catalog`` and ``media``; the worker (``manage.py db_worker``, as `make run` starts it) gets the
same database, catalog and media through the environment and grades against the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.conf import settings as django_settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connection


def _server_setup(blocker, catalog: str, media: str):
    blocker.unblock()
    django_settings.SCENARIO_CATALOG_DIR = catalog
    django_settings.MEDIA_ROOT = media


@contextmanager
def catalog_server(blocker, *, catalog: Path, media: Path):
    """Yields the base URL of a Daphne process serving ``catalog``."""
    process = DaphneProcess("127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler),
                            setup=partial(_server_setup, blocker, str(catalog), str(media)))
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("Daphne did not start")
    try:
        yield f"http://127.0.0.1:{process.port.value}"
    finally:
        process.terminate()
        process.join(timeout=10)


@contextmanager
def grading_worker(*, url: str, catalog: Path, media: Path, log_path: Path):
    """Yields one running grading worker (its output in ``process.log``)."""
    log = log_path.open("w+")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
           "SCENARIO_CATALOG_DIR": str(catalog), "DJANGO_MEDIA_ROOT": str(media), "GRADER_BASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.3", "-v", "0"],
        cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
