"""The runtime's write gate: a sandbox whose attempt is not in progress takes no writes.

An exam attempt is frozen from 交卷 on (the grader must see what was submitted); a practice attempt
only while it is being graded (after the report the candidate may simply go on). A sandbox with no attempt (a trainer's own shop, a template) is not
the runtime's business.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils.translation import gettext as _

from .models import Attempt

# -- the freeze instant ----------------------------------------------------------------------------
# What the grader counts is what the shop held when the attempt froze (autograder.freeze). The runtime
# knows its own moments (交卷, a practice grading's claim); others may freeze an attempt earlier — the
# exams app registers the sitting's deadline: ``provider(attempt) -> datetime | None``.
_FREEZE_PROVIDERS: list = []


def attempt_freeze_register(provider) -> None:
    if provider not in _FREEZE_PROVIDERS:
        _FREEZE_PROVIDERS.append(provider)


def attempt_frozen_at(attempt: Attempt, *, claimed_at: datetime | None = None) -> datetime | None:
    """The instant ``attempt``'s sandbox froze, for grading. An exam attempt: its 交卷 or an earlier
    freeze a provider knows (the sitting's deadline). A practice attempt takes writes until a grading
    claims it (graded → grading regrades newer work), so: the claim (``claimed_at``), else None — a
    dry run of practice work grades the shop as it stands."""
    if attempt.mode == Attempt.Mode.PRACTICE:
        return claimed_at
    instants = [attempt.submitted_at, *(provider(attempt) for provider in _FREEZE_PROVIDERS)]
    instants = [moment for moment in instants if moment is not None]
    return min(instants) if instants else None


def _attempt_row(sandbox_id: int) -> tuple | None:
    """(status, mode) of the attempt that owns ``sandbox_id``. Inside a service's transaction on
    PostgreSQL the row is read FOR SHARE: writers do not wait for one another, but 交卷 (which
    locks the attempt FOR UPDATE) waits until every write that passed this gate has committed, and
    a write that comes after it reads the new status — no write can pass the gate and land after the
    freeze. (SQLite needs nothing: its IMMEDIATE transactions already run one at a time.)"""
    rows = Attempt.objects.filter(instance__sandbox_id=sandbox_id).values_list("status", "mode")[:1]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return next(iter(rows), None)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR SHARE OF {connection.ops.quote_name(Attempt._meta.db_table)}", params)
        return cursor.fetchone()


def attempt_write_refusal(sandbox_id: int) -> str | None:
    row = _attempt_row(sandbox_id)
    if row is None or row[0] == Attempt.Status.IN_PROGRESS:
        return None
    if row[1] == Attempt.Mode.PRACTICE:
        if row[0] == Attempt.Status.GRADED:
            return None
        return _("这次练习正在评分，评分结束前沙箱不能修改，请稍候。")
    return _("该任务已交卷，不能再修改。")
