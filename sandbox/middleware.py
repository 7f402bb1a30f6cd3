"""Site-wide middleware.

Language: zh-hans unless the person chose another language with the switcher. Django's
LocaleMiddleware would follow the browser's Accept-Language, so an exam-room PC with an English
Windows image would show a different UI to one candidate than to the next. Only an explicit choice
(the language cookie set by ``set_language``) changes it.

A database outage: a 503 page saying nothing was saved (DatabaseUnavailableMiddleware).
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class DatabaseUnavailableMiddleware:
    """A database outage (PostgreSQL restarting, a failover, the network to it cut) answers 503 with
    a clear "nothing was saved, try again" in the person's language instead of a bare 500: every
    service writes in one transaction, which the database rolls back when the connection is lost, so
    the retry is safe and the page says so (tests/services/test_faults.py checks rows and journal). htmx and JSON callers get
    the same sentence as plain text. Retry-After tells clients and proxies when to try again; the next
    request opens a new connection (CONN_HEALTH_CHECKS drops a dead persistent one)."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logging.getLogger("sandbox.database").warning("database unavailable on %s %s: %s", request.method,
                                                      request.path, exception)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            message = _("数据库暂时不可用，请稍后刷新重试。")
        else:
            message = _("数据库暂时不可用，您的操作没有保存，请稍后重试。")
        wants_fragment = request.headers.get("HX-Request") == "true" or \
            "application/json" in request.headers.get("Accept", "")
        if wants_fragment:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        else:
            # No request context: context processors would read the session and the user from the
            # database that is down.
            html = render_to_string("503_database.html", {"message": message,
                                                          "LANGUAGE_CODE": translation.get_language()})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
