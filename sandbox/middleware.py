"""Site-wide middleware.

Language: zh-hans unless the person chose another language with the switcher. Django's
LocaleMiddleware would follow the browser's Accept-Language, so an exam-room PC with an English
Windows image would show a different UI to one candidate than to the next. Only an explicit choice
(the language cookie set by ``set_language``) changes it.

A database outage: a 503 page saying nothing was saved (DatabaseUnavailableMiddleware).

A path parameter with a control character (a NUL from ``%00``) names nothing here: 404 before the
view opens a file or queries with it (PathParameterGuardMiddleware). Every response says which browser features no page may use,
and an HTML page made for a signed-in user is never stored by a browser or proxy
(ResponseHeadersMiddleware).
"""

import re

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
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


class PathParameterGuardMiddleware:
    """No route of this site takes a control character, yet a ``str``, ``path`` or regex parameter
    passes one to the view — and a NUL reaching the file system (``os.stat``) or PostgreSQL raises
    ValueError, a 500. Refused before the view as the 404 it is; checked in ``process_view``, so the
    404 page still gets every security header. (Bytes that are not UTF-8 arrive re-percent-encoded,
    e.g. ``%FF``: harmless text, left to the views.)"""

    CONTROL = re.compile(r"[\x00-\x1f\x7f]")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, str) and self.CONTROL.search(value):
                raise Http404("no such page")
        return None


# Browser features no page of the site uses, denied to it and to every frame it embeds (the
# workspace frames the shop; a candidate's shop content must not ask for a camera or a payment).
# The replay player's full-screen button is the one feature in use. Only names Chromium knows: an
# unknown one is a console warning on every page (Debian's Chromium: bluetooth, web-share, battery).
PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "autoplay=()", "camera=()", "clipboard-read=()", "display-capture=()",
    "encrypted-media=()", "fullscreen=(self)", "gamepad=()", "geolocation=()", "gyroscope=()", "hid=()",
    "idle-detection=()", "magnetometer=()", "microphone=()", "midi=()", "payment=()", "picture-in-picture=()",
    "publickey-credentials-get=()", "screen-wake-lock=()", "serial=()", "usb=()",
    "xr-spatial-tracking=()",
])


class ResponseHeadersMiddleware:
    """Permissions-Policy on every response that passes (static files are answered by WhiteNoise
    before this runs); ``Cache-Control: no-store`` on HTML for a signed-in user, so a candidate's
    pages, a report or a class list do not stay in a shared exam-room PC's cache or a proxy's.
    A response that set its own Cache-Control (evidence, photos, exports, never_cache views) keeps it;
    JSON (the recording ingest, the replay's events) is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Cache-Control" not in response and response.get("Content-Type", "").startswith("text/html") \
                and self._signed_in(request):
            response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _signed_in(request) -> bool:
        try:
            return request.user.is_authenticated
        except (OperationalError, InterfaceError):  # the session is in a database that is down
            return True  # cannot tell: do not let it be stored
