"""Validation of a recording batch: the JSON body a recorder page POSTs to the ingest URL.

The body is parsed to a dict first (the view refuses it unparsed when it is too big or not JSON);
this form then checks every key, and refuses keys it does not know (like pydantic's extra=forbid).
rrweb events are only checked for the two fields the server relies on (type and timestamp); their
payload is the recorder's business and is stored as it came.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS = 5000
MAX_SEQ = 100_000
EVENT_TYPES = range(0, 7)  # rrweb EventType: DomContentLoaded … Plugin
TIMESTAMP_SKEW_MS = 24 * 3600 * 1000


class StrictJSONField(forms.Field):
    """A value already parsed from JSON, passed through as it is (no string coercion)."""

    def to_python(self, value):
        return value


class RecordingBatchForm(forms.Form):
    segment = forms.RegexField(label=_lazy("页面段"), regex=r"\A[0-9a-f]{32}\Z", max_length=32,
                               error_messages={"invalid": _lazy("页面段须为 32 位十六进制")})
    seq = forms.IntegerField(label=_lazy("序号"), min_value=0, max_value=MAX_SEQ)
    page_url = forms.CharField(label=_lazy("页面"), max_length=500, strip=False)
    events = StrictJSONField(label=_lazy("事件"))

    def __init__(self, payload, *args, now_ms: int | None = None, **kwargs):
        self.payload = payload if isinstance(payload, dict) else {}
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        super().__init__(self.payload, *args, **kwargs)
        self.not_an_object = not isinstance(payload, dict)

    def clean_seq(self):
        raw = self.payload.get("seq")
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise forms.ValidationError(_("序号须为整数"))
        return self.cleaned_data["seq"]

    def clean_segment(self):
        if not isinstance(self.payload.get("segment"), str):
            raise forms.ValidationError(_("页面段须为字符串"))
        return self.cleaned_data["segment"]

    def clean_page_url(self):
        value = self.cleaned_data["page_url"]
        if not isinstance(self.payload.get("page_url"), str):
            raise forms.ValidationError(_("页面须为字符串"))
        parts = urlsplit(value)
        if (not value.startswith("/") or value.startswith("//") or parts.scheme or parts.netloc
                or "\\" in value or any(ord(c) < 32 or c.isspace() for c in value)):
            raise forms.ValidationError(_("页面须为本站的路径（以 / 开头）"))
        return value

    def clean_events(self):
        events = self.cleaned_data.get("events")
        if not isinstance(events, list) or not events:
            raise forms.ValidationError(_("事件须为非空列表"))
        if len(events) > MAX_EVENTS:
            raise forms.ValidationError(_("一批最多 %(max)d 个事件") % {"max": MAX_EVENTS})
        low, high = self.now_ms - TIMESTAMP_SKEW_MS, self.now_ms + TIMESTAMP_SKEW_MS
        for index, event in enumerate(events):
            if not isinstance(event, dict):
                raise forms.ValidationError(_("第 %(n)d 个事件不是对象") % {"n": index + 1})
            kind, ts = event.get("type"), event.get("timestamp")
            if not isinstance(kind, int) or isinstance(kind, bool) or kind not in EVENT_TYPES:
                raise forms.ValidationError(_("第 %(n)d 个事件的类型无效") % {"n": index + 1})
            if not isinstance(ts, int) or isinstance(ts, bool):
                raise forms.ValidationError(_("第 %(n)d 个事件的时间戳须为整数（毫秒）") % {"n": index + 1})
            if not low <= ts <= high:
                raise forms.ValidationError(_("第 %(n)d 个事件的时间戳与服务器时间相差超过一天") % {"n": index + 1})
        return events

    def clean(self):
        if self.not_an_object:
            raise forms.ValidationError(_("请求须为 JSON 对象"))
        unknown = sorted(set(self.payload) - set(self.fields))
        if unknown:
            raise forms.ValidationError(_("未知的字段：%(names)s") % {"names": ", ".join(map(str, unknown))})
        return super().clean()

    def first_error(self) -> str:
        for field, errors in self.errors.items():
            label = self.fields[field].label if field in self.fields else ""
            return f"{label}：{errors[0]}" if label else errors[0]
        return _("无效的请求")
