"""Read-only queries of the recording: which attempt a page records for, the candidate's own exam
attempt behind an ingest URL, the merged events of a replay, the journal beside it and the state diff."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Sum
from django.utils import timezone

from sandbox.exams.models import SITTING_DETAIL_LABELS, Sitting, SittingAction, SittingEvent, SittingTask
from sandbox.exams.selectors import sandbox_exam_task
from sandbox.runtime.models import Attempt

from shop_sim.selectors import journal

from .models import RecordingChunk

# A journal row's time is the server's; rrweb's timestamps are the candidate's browser clock. When the
# two disagree by more than this, the timeline is shifted by the measured offset (see clock_offset_ms).
CLOCK_OFFSET_IGNORED_MS = 2000


def recording_task(*, sandbox, user, request=None) -> SittingTask | None:
    """The sitting task whose exam attempt works in ``sandbox`` for ``user`` while it may still be
    recorded (attempt and sitting in progress, before the deadline); else None. No query for a
    sandbox that is not an exam's; one for an exam sandbox, shared with the page's exam banner."""
    task = sandbox_exam_task(sandbox=sandbox, user=user, request=request)
    if task is None or task.attempt.mode != Attempt.Mode.EXAM or task.attempt.status != Attempt.Status.IN_PROGRESS \
            or task.sitting.status != Sitting.Status.IN_PROGRESS or timezone.now() >= task.sitting.deadline:
        return None
    return task


def candidate_exam_attempt(*, user, attempt_id: int) -> Attempt | None:
    """``user``'s own exam attempt ``attempt_id`` (any status), or None — another candidate's
    attempt, a practice attempt and an unknown id all look the same to the caller."""
    if not user.is_authenticated:
        return None
    return (Attempt.objects.filter(pk=attempt_id, candidate_id=user.pk, mode=Attempt.Mode.EXAM,
                                   sitting_task__isnull=False).first())


def replay_task(attempt_id: int) -> SittingTask | None:
    """The exam task behind a replay URL, or None. (``attempt__pk``, not ``attempt_id``: a URL id
    beyond the database's integers is then no match, where the foreign key column's lookup raised
    OverflowError.)"""
    return (SittingTask.objects.filter(attempt__pk=attempt_id, attempt__mode=Attempt.Mode.EXAM)
            .select_related("attempt__candidate", "attempt__instance", "part", "sitting__registration__exam")
            .first())


# -- events ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordingStats:
    chunks: int
    events: int
    raw_bytes: int
    stored_bytes: int
    segments: int


def recording_stats(attempt_id: int) -> RecordingStats:
    from django.db.models.functions import Length

    rows = RecordingChunk.objects.filter(attempt_id=attempt_id)
    agg = rows.aggregate(chunks=Count("id"), events=Sum("event_count"), raw=Sum("raw_bytes"),
                         stored=Sum(Length("data")))
    return RecordingStats(chunks=agg["chunks"] or 0, events=agg["events"] or 0, raw_bytes=agg["raw"] or 0,
                          stored_bytes=agg["stored"] or 0,
                          segments=rows.values("segment").distinct().count())


def chunk_events(chunk: RecordingChunk) -> list[dict[str, Any]]:
    return json.loads(zlib.decompress(bytes(chunk.data)).decode("utf-8"))


def recording_events(attempt_id: int) -> list[dict[str, Any]]:
    """Every stored event of the attempt, merged across chunks and page loads and sorted by
    timestamp. The sort is stable over chunks read in (segment start, segment, seq) order, so events
    with equal timestamps keep the order the page emitted them in (a Meta before its full snapshot)."""
    starts = dict(RecordingChunk.objects.filter(attempt_id=attempt_id).values("segment")
                  .annotate(start=Min("first_ts")).values_list("segment", "start"))
    chunks = sorted(RecordingChunk.objects.filter(attempt_id=attempt_id).only("segment", "seq", "data"),
                    key=lambda c: (starts[c.segment], c.segment, c.seq))
    events: list[dict[str, Any]] = []
    for chunk in chunks:
        events.extend(chunk_events(chunk))
    events.sort(key=lambda e: e["timestamp"])
    return events


def clock_offset_ms(attempt_id: int) -> int:
    """server time − browser time, estimated as the smallest (received − last event) over the chunks;
    0 when that is within CLOCK_OFFSET_IGNORED_MS (the usual case: a correct clock and batching noise)."""
    best = None
    for received, last_ts in RecordingChunk.objects.filter(attempt_id=attempt_id).values_list("received_at",
                                                                                                "last_ts"):
        offset = int(received.timestamp() * 1000) - last_ts
        best = offset if best is None else min(best, offset)
    if best is None or abs(best) <= CLOCK_OFFSET_IGNORED_MS:
        return 0
    return best


# -- the journal beside the player -----------------------------------------------------------------

@dataclass(frozen=True)
class JournalRow:
    at: datetime
    ts: int  # on the recording's clock (ms since the epoch)
    source: str  # "shop" | "exam"
    actor: str
    action: str  # the stored code (order.address_update, started …)
    object: str  # as a person reads it: 订单 #12
    changes: list[tuple[str, str, str]]  # (field label, before, after), values as the back office shows them
    label: str = ""  # the action's label in the page's language

    @property
    def action_label(self) -> str:
        return self.label or self.action


def _detail_text(task: SittingTask, key: str, value: Any) -> str:
    """An exam event's detail value in words: scenarios and criteria by title, an outcome by its
    label, times in the site's time zone."""
    from sandbox.exams.models import ScoreReview
    from sandbox.practice.selectors import criterion_title, scenario_title
    from shop_sim.selectors.journal import value_text

    if key in ("part", "parts"):
        slugs = value if isinstance(value, list) else [value]
        return "、".join(scenario_title(str(slug)) for slug in slugs)
    if key == "criterion" and isinstance(value, str):
        return criterion_title(task.part.scenario_slug, value)
    if key == "outcome" and value in ScoreReview.Outcome.values:
        return str(ScoreReview.Outcome(value).label)
    return value_text(value)


@dataclass(frozen=True)
class Journal:
    setup: list[JournalRow]  # written while the sandbox was built, before the attempt started
    rows: list[JournalRow]


def journal_rows(task: SittingTask, *, offset_ms: int = 0, anonymous: str = "") -> Journal:
    """The attempt's sandbox journal (ShopEvent) and its sitting's exam journal (SittingEvent),
    one timeline in time order; the scenario's own setup events apart. With ``anonymous`` the
    candidate's username in the actor column reads as that label instead (blind marking)."""
    from shop_sim.models import ShopEvent

    username = task.attempt.candidate.get_username()

    def ts(at: datetime) -> int:
        return int(at.timestamp() * 1000) - offset_ms

    def who(actor: str) -> str:
        if not anonymous:
            return actor
        kind, sep, ident = actor.partition(":")
        if sep and ident == username:
            return f"{kind}:{anonymous}"
        return anonymous if actor == username else actor

    rows = [JournalRow(at=e.at, ts=ts(e.at), source="shop", actor=who(e.actor), action=e.action,
                       label=journal.action_label(e.action), object=journal.object_label(e.object_type, e.object_id),
                       changes=journal.event_changes(e.object_type, e.before, e.after))
            for e in ShopEvent.objects.filter(sandbox_id=task.attempt.instance.sandbox_id).order_by("at", "id")]
    rows += [JournalRow(at=e.at, ts=ts(e.at), source="exam", actor=who(e.actor), action=e.action,
                        label=SittingAction.label_of(e.action), object="",
                        changes=[(str(SITTING_DETAIL_LABELS.get(k, k)), "", _detail_text(task, k, v))
                                 for k, v in (e.detail or {}).items()])
             for e in SittingEvent.objects.filter(sitting_id=task.sitting_id).order_by("at", "id")]
    if anonymous:
        rows = [replace(r, changes=[tuple(text.replace(username, anonymous) for text in change)
                                    for change in r.changes]) for r in rows]
    rows.sort(key=lambda r: (r.at, r.source != "exam"))
    started = task.attempt.started_at
    return Journal(setup=[r for r in rows if r.at < started], rows=[r for r in rows if r.at >= started])


def journal_bytes(task: SittingTask) -> int:
    """The journal's size as JSON (the benchmark reports it beside the recording's)."""
    from shop_sim.models import ShopEvent

    shop = list(ShopEvent.objects.filter(sandbox_id=task.attempt.instance.sandbox_id)
                .values("at", "actor", "action", "object_type", "object_id", "before", "after"))
    exam = list(SittingEvent.objects.filter(sitting_id=task.sitting_id).values("at", "actor", "action", "detail"))
    return len(json.dumps({"shop": shop, "exam": exam}, ensure_ascii=False, default=str).encode("utf-8"))


# -- what the candidate changed ---------------------------------------------------------------------

@dataclass(frozen=True)
class StateChange:
    model: str
    row: str
    kind: str  # "added" | "removed" | "changed"
    fields: list[tuple[str, str, str]]  # (field label, before, after)


def _state_value(model: str, name: str, row: dict | None) -> str:
    """A snapshot value as the back office shows it (a choice's label, a local time, ¥ with two decimals)."""
    if row is None:
        return "—"
    return journal.value_text(row.get(name), field=journal.model_field(model, name))


def state_changes(task: SittingTask) -> list[StateChange]:
    """The sandbox now vs. the scenario's starting state, every change (the grader's collateral
    diff with a scope that allows nothing, so nothing is filtered out)."""
    from autograder.collateral import _field_label, _model_label, _row_label, collateral_diff
    from task_scenarios.schema import Scope
    from task_scenarios.snapshot import shop_snapshot

    instance = task.attempt.instance
    baseline, current = instance.baseline_rows(), shop_snapshot(instance.sandbox_id)
    out = []
    for change in collateral_diff(baseline, current, Scope()):
        pk = str(change.pk)
        old, new = baseline.get(change.model, {}).get(pk), current.get(change.model, {}).get(pk)
        fields = [(_field_label(change.model, name), _state_value(change.model, name, old),
                   _state_value(change.model, name, new)) for name in change.fields]
        out.append(StateChange(model=_model_label(change.model), row=_row_label(new or old, pk),
                               kind=change.kind, fields=fields))
    return out
