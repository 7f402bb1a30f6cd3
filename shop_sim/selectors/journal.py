"""How a journal entry (``ShopEvent``) reads to a person: the action's label, the object as
「订单 #12」, each changed field by its label and each value as the back office shows it — a flag as
红旗, not ``red``; a time in the site's time zone, not a UTC ISO string; money with two decimals.

The stored event is untouched (graders read the codes); this is display only.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shop_sim.models import ShopAction

VALUE_CHARS = 60
ISO_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONEY_FIELDS = (models.DecimalField,)


def action_label(code: str) -> str:
    return ShopAction.label_of(code)


def _model(object_type: str):
    if not object_type:
        return None
    try:
        return apps.get_model("shop_sim", object_type)
    except LookupError:
        return None


def model_field(object_type: str, key: str):
    model = _model(object_type)
    if model is None or not key:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        for f in model._meta.concrete_fields:  # "category_id" → category
            if f.attname == key:
                return f
        return None


def object_label(object_type: str, object_id: int | None) -> str:
    """「订单 #12」: the model's name in the page's language and the row's id."""
    model = _model(object_type)
    name = str(model._meta.verbose_name) if model is not None else object_type
    return f"{name} #{object_id}" if object_id is not None else name


def field_label(object_type: str, key: str) -> str:
    field = model_field(object_type, key)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    return key


def local_time(value: datetime) -> str:
    """A moment in the site's time zone (the exam's clock), to the second."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "Y-m-d H:i:s")


def value_text(value: Any, *, field=None) -> str:
    """One value as a person reads it: choices by their label, times local, amounts with two
    decimals, yes/no for booleans, lists joined; long text cut at VALUE_CHARS."""
    if value is None or value == "" and field is None:
        return "—"
    if field is not None and getattr(field, "choices", None) and isinstance(value, (str, int)):
        choices = {k: v for k, v in field.flatchoices}
        if value in choices:
            return _cut(str(choices[value]))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, str):
        if ISO_DATETIME_RE.match(value):
            parsed = parse_datetime(value.replace(" ", "T", 1))
            if parsed is not None:
                return local_time(parsed)
        if ISO_DATE_RE.match(value) and parse_date(value) is not None:
            return value
        if isinstance(field, MONEY_FIELDS):
            return _money(value)
        return _cut(value) if value else "—"
    if isinstance(value, Decimal) or (isinstance(value, float) and isinstance(field, MONEY_FIELDS)):
        return _money(value)
    if isinstance(value, (list, tuple)):
        return _cut("、".join(value_text(v) for v in value)) if value else "—"
    if isinstance(value, dict):
        return _cut(json.dumps(value, ensure_ascii=False)) if value else "—"
    return _cut(str(value))


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except (InvalidOperation, ValueError):
        return str(value)


def _cut(text: str) -> str:
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def event_changes(object_type: str, before: Any, after: Any) -> list[tuple[str, str, str]]:
    """(field label, before, after) for every field an event changed or set, in the event's order;
    an empty ``before`` cell means the field had no earlier value in this event."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    rows = []
    for key in dict.fromkeys([*before, *after]):
        if key in before and key in after and before[key] == after[key]:
            continue
        field = model_field(object_type, key)
        old = value_text(before.get(key), field=field) if key in before else ""
        new = value_text(after.get(key), field=field) if key in after else "—"
        rows.append((field_label(object_type, key) if key else "", old, new))
    return rows
