"""Serving a stored evidence screenshot, for the practice and review views alike (each checks who
is asking first: ``sandbox.accounts.permissions.attempt_record_visible``)."""

from __future__ import annotations

from django.http import FileResponse, Http404

from .models import Attempt, AttemptReport
from .services import evidence_dir_for

EVIDENCE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def evidence_file_response(attempt: Attempt, version: int, criterion: str, filename: str) -> FileResponse:
    """The screenshot file of a stored report version: 404 unless the version exists and the path
    stays inside its evidence folder with an image suffix. A name the file system cannot take (a
    NUL byte, one too long) is a 404 like any other missing file, not a 500."""
    if not AttemptReport.objects.filter(attempt=attempt, version=version).exists():
        raise Http404("no such report")
    root = evidence_dir_for(attempt.pk, version).resolve()
    try:
        target = (root / criterion / filename).resolve()
        content_type = EVIDENCE_TYPES.get(target.suffix.lower())
        if content_type is None or not target.is_relative_to(root) or not target.is_file():
            raise Http404("no such evidence")
        handle = target.open("rb")
    except (ValueError, OSError):
        raise Http404("no such evidence") from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
