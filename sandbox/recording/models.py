"""The DOM recording of an exam attempt (rrweb events), for the examiner's replay."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordingChunk(models.Model):
    """A batch of rrweb events from one page load (``segment``) of an attempt, stored zlib-compressed.

    Each page load starts with a full snapshot, so a replay can start at any segment; within a page
    the recorder takes a new full snapshot periodically so seeking stays cheap."""

    attempt = models.ForeignKey("runtime.Attempt", on_delete=models.CASCADE, related_name="recording_chunks",
                                verbose_name=_("作答"))
    segment = models.CharField(_("页面段"), max_length=40)
    seq = models.PositiveIntegerField(_("序号"))
    page_url = models.CharField(_("页面"), max_length=500, blank=True)
    first_ts = models.BigIntegerField(_("开始时间戳（毫秒）"))
    last_ts = models.BigIntegerField(_("结束时间戳（毫秒）"))
    event_count = models.PositiveIntegerField(_("事件数"))
    raw_bytes = models.PositiveIntegerField(_("原始大小"))
    data = models.BinaryField(_("压缩数据"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("操作录像片段")
        verbose_name_plural = _("操作录像片段")
        ordering = ["attempt_id", "first_ts", "id"]
        constraints = [models.UniqueConstraint(fields=["attempt", "segment", "seq"], name="unique_recording_chunk")]
