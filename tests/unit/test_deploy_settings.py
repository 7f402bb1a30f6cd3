"""Production settings: `manage.py check --deploy` is clean with the environment docs/deploy.md
gives, and /healthz answers for load balancers (503 naming the failed part when one is down)."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def test_check_deploy_is_clean_in_the_production_environment(tmp_path):
    env = {**os.environ, "DJANGO_HTTPS": "1", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
           "DJANGO_ALLOWED_HOSTS": "exam.example.org", "DJANGO_DEBUG": "0",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' process, never in production
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


POOL_PROBE = ("import json, django; django.setup(); from django.conf import settings; "
              "d = settings.DATABASES['default']; "
              "print(json.dumps([d['CONN_MAX_AGE'], d['OPTIONS'].get('pool'), d['CONN_HEALTH_CHECKS']]))")


def _database_settings(**extra) -> list:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/never_connected", **extra}
    for name in ("DATABASE_POOL", "DATABASE_CONN_MAX_AGE", "DATABASE_POOL_MAX_SIZE"):
        if name not in extra:
            env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", POOL_PROBE], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_pool_comes_from_the_environment():
    """DATABASE_POOL=1 turns on psycopg's pool (production); the pool needs CONN_MAX_AGE 0, so a
    CONN_MAX_AGE left in the environment must not break it."""
    assert _database_settings(DATABASE_POOL="1", DATABASE_POOL_MAX_SIZE="7", DATABASE_CONN_MAX_AGE="60") == [
        0, {"min_size": 2, "max_size": 7, "timeout": 10}, True]  # health checks: the pool's check
    assert _database_settings()[:2] == [0, None]  # off by default: development and the test suites
    assert _database_settings(DATABASE_CONN_MAX_AGE="60")[:2] == [60, None]


def test_check_deploy_is_clean_with_postgresql_and_the_pool():
    env = {**os.environ, "DJANGO_HTTPS": "1", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
           "DJANGO_ALLOWED_HOSTS": "exam.example.org", "DJANGO_DEBUG": "0", "DATABASE_POOL": "1",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/never_connected"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_development_default_is_what_check_deploy_flags(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}"}
    env.pop("DJANGO_HTTPS", None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_the_part_that_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["database"] == "error: OperationalError" and body["channel_layer"] == "ok"


def test_healthz_live_answers_without_database_or_channel_layer(client, monkeypatch):
    """Liveness must not depend on PostgreSQL or Redis: with both broken it still says ok."""
    def broken(*args, **kwargs):
        raise AssertionError("the liveness check touched the database or the channel layer")

    monkeypatch.setattr(connection, "cursor", broken)
    monkeypatch.setattr("sandbox.health.get_channel_layer", broken)
    response = client.get("/healthz/live")
    assert response.status_code == 200 and response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz/live").status_code == 405  # read-only, like /healthz
    assert client.get("/healthz").status_code == 503  # the readiness check does notice


def test_every_page_carries_a_content_security_policy_with_a_fresh_nonce(client, console_client):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]
    first = console_client.get("/console/products/")
    second = console_client.get("/console/products/")
    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    assert nonce not in second["Content-Security-Policy"]
    assert f'<script nonce="{nonce}">' in first.content.decode()  # the page's own inline block runs
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


def test_no_template_has_an_inline_handler_or_an_unnonced_inline_script():
    from pathlib import Path

    roots = [Path(settings.BASE_DIR) / top for top in ("sandbox", "shop_sim")]
    problems = []
    for path in (p for root in roots for p in root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)[^>]*>", text):
            problems.append(f"{path}: {match.group(0)}")
        for match in re.finditer(r"<[a-z][^>]*\son[a-z]+\s*=", text):
            problems.append(f"{path}: {match.group(0)[:80]}")
    assert not problems, "\n".join(problems)


def test_csp_reports_are_logged_and_oversized_ones_dropped(client, settings, tmp_path, caplog):
    settings.CSP_REPORT_LOG = str(tmp_path / "csp.jsonl")
    report = {"csp-report": {"document-uri": "http://127.0.0.1/console/", "violated-directive": "script-src-elem",
                             "blocked-uri": "inline", "script-sample": "alert(1)"}}
    response = client.post("/csp-report", data=json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    line = json.loads((tmp_path / "csp.jsonl").read_text(encoding="utf-8"))
    assert line["violated-directive"] == "script-src-elem" and line["script-sample"] == "alert(1)"
    assert "CSP violation" in caplog.text
    big = client.post("/csp-report", data="x" * 20000, content_type="application/csp-report")
    junk = client.post("/csp-report", data="not json", content_type="application/csp-report")
    assert big.status_code == junk.status_code == 204
    assert len((tmp_path / "csp.jsonl").read_text(encoding="utf-8").splitlines()) == 1
