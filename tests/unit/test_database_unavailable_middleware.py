"""A database outage answers 503 "nothing was saved, try again" — never a 500 with a traceback.

The views here genuinely fail to connect: a PostgreSQL connection to a port nobody listens on
(connection refused, exactly what a web process sees while the database restarts). The full
outage, through a TCP proxy cut under a real browser, is tests/services/test_faults.py.
"""

import socket

import pytest
from django.db.utils import ConnectionHandler
from django.http import HttpResponse
from django.urls import path

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

SAVE_REFUSED = "数据库暂时不可用，您的操作没有保存，请稍后重试。"
READ_REFUSED = "数据库暂时不可用，请稍后刷新重试。"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_down_view(request):
    # a handler of its own ("default" is the name Django requires there), not the test database
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
                                          "PORT": _closed_port(), "NAME": "shop", "USER": "shop",
                                          "OPTIONS": {"connect_timeout": 3}}})
    with handler["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("the database answered")


def bug_view(request):
    raise ValueError("a bug, not an outage")


urlpatterns = [path("down/", database_down_view), path("bug/", bug_view)]


def test_a_failed_save_gets_the_503_page_saying_nothing_was_saved(client):
    response = client.post("/down/", {"memo": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert SAVE_REFUSED in html and '<html lang="zh-hans">' in html and 'role="alert"' in html
    for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1", "the database answered"):
        assert leak not in html


def test_a_failed_read_says_to_reload_not_that_something_was_lost(client):
    response = client.get("/down/")
    assert response.status_code == 503
    html = response.content.decode()
    assert READ_REFUSED in html and "没有保存" not in html


@pytest.mark.parametrize("headers", [{"HX-Request": "true"}, {"Accept": "application/json"}])
def test_htmx_and_json_callers_get_the_sentence_as_plain_text(client, headers):
    response = client.post("/down/", headers=headers)
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == SAVE_REFUSED  # no page to swap into a fragment


def test_other_errors_are_not_disguised_as_an_outage(client):
    with pytest.raises(ValueError):
        client.get("/bug/")
