"""Storing the rrweb recording of an exam attempt: one compressed chunk per batch the page sends.

The rules live here, not in the view: only an exam attempt that is in progress and before its
sitting's deadline records; a page may send at most ``MAX_BATCHES_PER_MINUTE`` batches a minute and
an attempt at most ``MAX_RAW_BYTES_PER_ATTEMPT`` of raw JSON (a runaway page, or someone posting by
hand, cannot fill the disk); a batch sent twice (a retry whose first answer was lost) is stored once.
"""

from __future__ import annotations

import json
import zlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox.exams.models import Sitting, SittingTask
from sandbox.runtime.models import Attempt

from .models import RecordingChunk

MAX_BATCHES_PER_MINUTE = 120
MAX_RAW_BYTES_PER_ATTEMPT = 50 * 1024 * 1024
COMPRESS_LEVEL = 6


class RecordingRefused(Exception):
    """A batch not stored, with the HTTP status and the message the page gets."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def recording_refusal(attempt: Attempt, *, now=None) -> RecordingRefused | None:
    """Why ``attempt`` may not record now (409: submitted or past the deadline), or None."""
    now = now or timezone.now()
    task = (SittingTask.objects.filter(attempt_id=attempt.pk)
            .select_related("sitting__registration__exam").first())
    if task is None or attempt.mode != Attempt.Mode.EXAM:
        return RecordingRefused(_("这不是考试作答，不录像。"), 403)
    if attempt.status != Attempt.Status.IN_PROGRESS or task.sitting.status != Sitting.Status.IN_PROGRESS:
        return RecordingRefused(_("该任务已交卷，录像已停止。"), 409)
    if now >= task.sitting.deadline:
        return RecordingRefused(_("考试时间已到，录像已停止。"), 409)
    return None


def recording_chunk_store(*, attempt: Attempt, segment: str, seq: int, page_url: str,
                          events: list[dict]) -> tuple[RecordingChunk, bool]:
    """Store one validated batch; returns (chunk, created). A batch already stored under the same
    (attempt, segment, seq) is returned as it is (created False) — the retry is acknowledged, not
    stored twice. Raises RecordingRefused (nothing stored) when the attempt may not record or a
    limit is reached."""
    now = timezone.now()
    existing = RecordingChunk.objects.filter(attempt=attempt, segment=segment, seq=seq).first()
    if existing is not None:
        return existing, False
    attempt.refresh_from_db(fields=["status", "mode"])
    refusal = recording_refusal(attempt, now=now)
    if refusal is not None:
        raise refusal
    raw = json.dumps(events, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    recent = RecordingChunk.objects.filter(attempt=attempt, received_at__gt=now - timedelta(minutes=1)).count()
    if recent >= MAX_BATCHES_PER_MINUTE:
        raise RecordingRefused(_("录像上传过于频繁，请稍后再试。"), 429)
    total = RecordingChunk.objects.filter(attempt=attempt).aggregate(total=Sum("raw_bytes"))["total"] or 0
    if total + len(raw) > MAX_RAW_BYTES_PER_ATTEMPT:
        raise RecordingRefused(_("本次作答的录像已达到容量上限，不再保存。"), 413)
    timestamps = [e["timestamp"] for e in events]
    try:
        with transaction.atomic():
            chunk = RecordingChunk.objects.create(
                attempt=attempt, segment=segment, seq=seq, page_url=page_url, first_ts=min(timestamps),
                last_ts=max(timestamps), event_count=len(events), raw_bytes=len(raw),
                data=zlib.compress(raw, COMPRESS_LEVEL), received_at=now)
    except IntegrityError:  # the same batch arrived twice at once: the other request stored it
        return RecordingChunk.objects.get(attempt=attempt, segment=segment, seq=seq), False
    return chunk, True
