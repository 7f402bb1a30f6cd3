"""The recording's endpoints: the ingest URL a candidate's exam pages POST batches to, and the
examiner's replay page with its events feed."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from sandbox.accounts.permissions import attempt_record_visible

from . import selectors
from .forms import MAX_BODY_BYTES, RecordingBatchForm
from .services import RecordingRefused, recording_chunk_store


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status, json_dumps_params={"ensure_ascii": False})


@require_POST
def ingest(request, attempt_id: int):
    """One batch of rrweb events from a candidate's exam page. JSON in, JSON out (never a login
    redirect: the caller is a script)."""
    if not request.user.is_authenticated:
        return _error(_("请先登录"), 403)
    attempt = selectors.candidate_exam_attempt(user=request.user, attempt_id=attempt_id)
    if attempt is None:
        return _error(_("没有这个考试作答"), 404)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _error(_("录像数据过大（每批最多 1 MB）"), 413)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _error(_("录像数据过大（每批最多 1 MB）"), 413)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _error(_("请求须为 JSON"), 400)
    form = RecordingBatchForm(payload)
    if not form.is_valid():
        return _error(form.first_error(), 400)
    data = form.cleaned_data
    try:
        chunk, created = recording_chunk_store(attempt=attempt, segment=data["segment"], seq=data["seq"],
                                               page_url=data["page_url"], events=data["events"])
    except RecordingRefused as refused:
        return _error(refused.message, refused.status)
    return JsonResponse({"ok": True, "stored": created, "seq": chunk.seq})


def _task_or_404(request, attempt_id: int):
    """The exam task behind a replay URL, if the user may see the attempt's record."""
    task = selectors.replay_task(attempt_id)
    if task is None or not attempt_record_visible(request.user, task.attempt):
        raise Http404(_("没有这个考试作答"))
    return task


@login_required
@permission_required("accounts.review_exams", raise_exception=True)
@require_GET
def replay(request, attempt_id: int):
    """回放: the rrweb player beside the journal, and what the candidate changed in the shop.
    ``?blind=1`` leaves out who the candidate is (for manual marking with names hidden)."""
    task = _task_or_404(request, attempt_id)
    blind = request.GET.get("blind") == "1"
    stats = selectors.recording_stats(attempt_id)
    offset = selectors.clock_offset_ms(attempt_id)
    return render(request, "recording/replay.html", {
        "task": task, "attempt": task.attempt, "registration": task.sitting.registration,
        "exam": task.sitting.registration.exam, "stats": stats, "blind": blind,
        "journal": selectors.journal_rows(task, offset_ms=offset, anonymous=_("考生") if blind else ""),
        "changes": selectors.state_changes(task),
    })


@login_required
@permission_required("accounts.review_exams", raise_exception=True)
@require_GET
@gzip_page
def events(request, attempt_id: int):
    """The attempt's recording as one time-ordered rrweb event list (gzip when the browser takes it)."""
    _task_or_404(request, attempt_id)
    return JsonResponse(selectors.recording_events(attempt_id), safe=False)
