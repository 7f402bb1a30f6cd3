"""``/csp-report``: where browsers report Content-Security-Policy violations.

A violation is either an attack that the policy stopped or a page of ours that breaks the policy;
both deserve a log line. The browser tests point ``CSP_REPORT_LOG`` at a file and fail on any line.
Reports are small: anything over ``MAX_REPORT_BYTES`` or not JSON is dropped without a word."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

MAX_REPORT_BYTES = 16 * 1024
logger = logging.getLogger("sandbox.csp")


@csrf_exempt  # browsers send reports without our token; nothing is changed by one
@require_POST
def csp_report(request):
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REPORT_BYTES:
        return HttpResponse(status=204)
    try:
        report = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponse(status=204)
    body = report.get("csp-report", report) if isinstance(report, dict) else {}
    line = json.dumps({key: body.get(key) for key in ("document-uri", "violated-directive", "blocked-uri",
                                                      "source-file", "line-number", "script-sample")},
                      ensure_ascii=False)
    logger.warning("CSP violation: %s", line)
    if settings.CSP_REPORT_LOG:
        with open(settings.CSP_REPORT_LOG, "a", encoding="utf-8") as log:
            log.write(line + "\n")
    return HttpResponse(status=204)
