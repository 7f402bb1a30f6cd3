"""Read-only queries for the examiners' pages. Each page costs a fixed number of queries however
many candidates an exam has: rows are fetched set-wise and joined in Python."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sandbox.accounts.throttling import PASSWORD, TICKET, identities_limited
from sandbox.exams.models import Exam, ManualScore, Registration, RegradePreview, ScoreReview, Sitting, SittingTask
from sandbox.exams.scores import latest_reports, manual_latest
from sandbox.practice.selectors import criterion_title
from sandbox.practice.selectors import localized  # a report's {zh, en} text in the page's language
from sandbox.runtime.models import Attempt, AttemptReport
from shop_sim.models import ShopEvent

A = Attempt.Status

NOT_STARTED = gettext_lazy("未开始")
IN_PROGRESS = gettext_lazy("作答中")
SUBMITTED = gettext_lazy("已交卷")
GRADING = gettext_lazy("评分中")
GRADED = gettext_lazy("已评分")
PROVISIONED = "sandbox.provision"  # the shop being built is not the candidate's work


def report_criterion_title(report: dict | None, item: dict) -> str:
    """A report's criterion by the name every candidate's variant shares (the scenario's title for
    it, in the page's language), not its id and not this candidate's variant text."""
    slug = ((report or {}).get("scenario") or {}).get("slug", "")
    return criterion_title(slug, item.get("id", ""), fallback=item.get("description"))


def part_label(part) -> str:
    return f"{part.position}. {part.display_title}"


# -- exams list ------------------------------------------------------------------------------------

@dataclass
class ExamSummary:
    exam: Exam
    registered: int
    started: int
    submitted: int
    graded: int


def exams_overview() -> list[ExamSummary]:
    """Every exam, newest first, with how many candidates registered, started, submitted and are
    fully graded (every task of a submitted sitting has a report)."""
    exams = list(Exam.objects.annotate(
        n_registered=Count("registrations", distinct=True),
        n_started=Count("registrations__sitting", distinct=True),
        n_submitted=Count("registrations__sitting", distinct=True,
                          filter=Q(registrations__sitting__status=Sitting.Status.SUBMITTED)),
    ))
    not_graded = set(SittingTask.objects.filter(sitting__status=Sitting.Status.SUBMITTED)
                     .exclude(attempt__status=A.GRADED).values_list("sitting_id", flat=True))
    graded: dict[int, int] = {}
    for exam_id, sitting_id in (Sitting.objects.filter(status=Sitting.Status.SUBMITTED)
                                .values_list("registration__exam_id", "id")):
        if sitting_id not in not_graded:
            graded[exam_id] = graded.get(exam_id, 0) + 1
    return [ExamSummary(e, e.n_registered, e.n_started, e.n_submitted, graded.get(e.pk, 0)) for e in exams]


# -- the live board --------------------------------------------------------------------------------

@dataclass
class BoardRow:
    registration: Registration
    sitting: Sitting | None
    status: str
    tasks_submitted: int
    tasks_total: int
    events: int
    time_left: timedelta | None
    deadline: datetime | None
    login_failures: int = 0  # > 0: the candidate's ticket or username is past its free login tries

    @property
    def in_progress(self) -> bool:
        return self.sitting is not None and self.sitting.status == Sitting.Status.IN_PROGRESS

    @property
    def time_left_text(self) -> str:
        if self.time_left is None:
            return ""
        seconds = int(self.time_left.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def sitting_status_label(sitting: Sitting | None, statuses: list[str]) -> str:
    if sitting is None:
        return str(NOT_STARTED)
    if sitting.status == Sitting.Status.IN_PROGRESS:
        return str(IN_PROGRESS)
    if statuses and all(s == A.GRADED for s in statuses):
        return str(GRADED)
    if any(s in (A.GRADING, A.GRADED) for s in statuses):
        return str(GRADING)
    return str(SUBMITTED)


def registration_login_keys(registration: Registration) -> list[tuple[str, str]]:
    """The login identities of a registered candidate: the ticket number and the username."""
    return [(TICKET, registration.ticket_number), (PASSWORD, registration.candidate.get_username())]


def board_rows(exam: Exam, *, now: datetime | None = None) -> list[BoardRow]:
    """One row per registration in ticket order — five queries whatever the number of candidates."""
    now = now or timezone.now()
    total = exam.parts.count()
    registrations = list(exam.registrations.select_related("sitting", "candidate").order_by("ticket_number"))
    limited = identities_limited([key for r in registrations for key in registration_login_keys(r)], now=now)
    tasks = list(SittingTask.objects.filter(sitting__registration__exam=exam)
                 .values_list("sitting_id", "attempt__status", "attempt__instance__sandbox_id"))
    events = dict(ShopEvent.objects.filter(sandbox__scenario_instance__attempt__sitting_task__sitting__registration__exam=exam)
                  .exclude(action=PROVISIONED).order_by().values("sandbox_id").annotate(n=Count("id")).values_list("sandbox_id", "n"))
    by_sitting: dict[int, list[tuple[str, int]]] = {}
    for sitting_id, status, sandbox_id in tasks:
        by_sitting.setdefault(sitting_id, []).append((status, sandbox_id))
    rows = []
    for registration in registrations:
        sitting = getattr(registration, "sitting", None)
        own = by_sitting.get(sitting.pk, []) if sitting else []
        statuses = [status for status, _sandbox in own]
        time_left = deadline = None
        if sitting is not None and sitting.status == Sitting.Status.IN_PROGRESS:
            sitting.registration = registration  # deadline reads registration.exam: no extra query
            deadline = sitting.deadline
            time_left = max(deadline - now, timedelta(0))
        rows.append(BoardRow(
            registration=registration, sitting=sitting, status=sitting_status_label(sitting, statuses),
            tasks_submitted=sum(1 for s in statuses if s != A.IN_PROGRESS), tasks_total=total,
            events=sum(events.get(sandbox_id, 0) for _status, sandbox_id in own),
            time_left=time_left, deadline=deadline,
            login_failures=max((limited.get(key, 0) for key in registration_login_keys(registration)), default=0)))
    return rows


# -- attempts --------------------------------------------------------------------------------------

def exam_attempts(exam: Exam):
    """The exam's attempts (any other attempt id is not found here)."""
    return Attempt.objects.filter(sitting_task__sitting__registration__exam=exam)


def attempt_detail(exam: Exam, attempt_id: int) -> Attempt | None:
    return (exam_attempts(exam).select_related("instance", "instance__sandbox", "sitting_task__part",
                                               "sitting_task__sitting__registration", "candidate")
            .filter(pk=attempt_id).first())


def manual_history(attempt: Attempt) -> dict[str, list[ManualScore]]:
    """criterion id → the examiner's scores, newest first (the first one counts)."""
    history: dict[str, list[ManualScore]] = {}
    for score in (ManualScore.objects.filter(attempt=attempt).select_related("examiner")
                  .order_by("-at", "-id")):
        history.setdefault(score.criterion_id, []).append(score)
    return history


def manual_notes(criteria: list[dict], history: dict[str, list[ManualScore]]) -> None:
    """Under each manual criterion of a shown report: the examiner's score, or that it is pending."""
    for criterion in criteria:
        if criterion["manual"]:
            latest = (history.get(criterion["id"]) or [None])[0]
            criterion["manual_note"] = (_("考评员评分：%(level)s，%(points)s 分") % {"level": latest.level, "points": latest.points}
                                        if latest else _("待考评员评分"))


def status_log(attempt: Attempt) -> list[dict]:
    """The attempt's status moves with readable times and status names."""
    labels = dict(Attempt.Status.choices)
    return [{"at": parse_datetime(e.get("at") or ""), "from": labels.get(e.get("from"), e.get("from")),
             "to": labels.get(e.get("to"), e.get("to")), "by": e.get("by", ""), "note": e.get("note", "")}
            for e in attempt.status_log]


def latest_preview(attempt: Attempt) -> RegradePreview | None:
    return RegradePreview.objects.filter(attempt=attempt).select_related("requested_by").order_by("-requested_at", "-id").first()


@dataclass
class ComparedCriterion:
    id: str
    description: str
    points: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return _number(self.before) != _number(self.after)


def _number(value) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def regrade_comparison(current: AttemptReport | None, result: dict) -> dict:
    """Per criterion the stored score next to the dry run's, and both totals."""
    before = {c.get("id"): c for c in ((current.report or {}).get("criteria", []) if current else [])}
    rows = []
    seen = set()
    for item in result.get("criteria", []):
        old = before.get(item.get("id"))
        rows.append(ComparedCriterion(item.get("id"), localized(item.get("description")), str(item.get("points")),
                                      old["result"].get("score") if old else None, item.get("result", {}).get("score")))
        seen.add(item.get("id"))
    for criterion_id, old in before.items():  # a criterion the rubric no longer has
        if criterion_id not in seen:
            rows.append(ComparedCriterion(criterion_id, localized(old.get("description")), str(old.get("points")),
                                          old.get("result", {}).get("score"), None))
    total_before = str(current.total) if current else None
    total_after = result.get("total")
    return {"rows": rows, "total_before": total_before, "total_after": total_after,
            "total_changed": _number(total_before) != _number(total_after),
            "max": result.get("max"), "changed": sum(1 for r in rows if r.changed)}


# -- manual scoring --------------------------------------------------------------------------------

def manual_criterion(report: AttemptReport | None, criterion_id: str) -> dict | None:
    """The report's entry for ``criterion_id`` if it is a manual (not machine-scored) criterion."""
    if report is None:
        return None
    for item in (report.report or {}).get("criteria", []):
        if item.get("id") == criterion_id and not item.get("machine_scored", True):
            return item
    return None


def manual_scale(attempt: Attempt, item: dict) -> tuple[list[dict], str]:
    """(descriptors, guidance) of a manual criterion: as the grader recorded them in the report,
    else from the attempt's scenario rubric."""
    result = item.get("result") or {}
    for evidence in result.get("evidence") or []:
        if isinstance(evidence, dict) and evidence.get("kind") == "descriptors" and evidence.get("descriptors"):
            return _descriptors(evidence["descriptors"]), str(evidence.get("guidance") or "")
    expected = result.get("expected")
    if isinstance(expected, dict) and expected.get("descriptors"):
        return _descriptors(expected["descriptors"]), str(expected.get("guidance") or "")
    from sandbox.runtime.services import AttemptError, attempt_scenario

    try:
        scenario = attempt_scenario(attempt)
    except AttemptError:
        return [], ""
    for criterion in scenario.rubric:
        if criterion.id == item.get("id") and criterion.check.kind == "manual":
            params = criterion.check.params
            return _descriptors(params.get("descriptors") or []), str(params.get("guidance") or "")
    return [], ""


def _descriptors(raw) -> list[dict]:
    out = []
    for d in raw:
        if isinstance(d, dict) and d.get("level") not in (None, "") and _number(d.get("points")) is not None:
            out.append({"level": str(d["level"]), "points": _number(d["points"]), "description": str(d.get("description", ""))})
    return out


@dataclass
class ManualCriterionSummary:
    id: str
    description: str
    points: str
    total: int = 0
    scored: int = 0


def _latest_exam_reports(exam: Exam) -> dict[int, AttemptReport]:
    return latest_reports(list(exam_attempts(exam).values_list("pk", flat=True)))


def manual_criteria(exam: Exam) -> list[ManualCriterionSummary]:
    """The manual criteria in the exam's latest reports, with how many answers have a score."""
    reports = _latest_exam_reports(exam)
    scored = manual_latest(list(reports))
    found: dict[str, ManualCriterionSummary] = {}
    for attempt_id, report in sorted(reports.items()):
        for item in (report.report or {}).get("criteria", []):
            if item.get("machine_scored", True):
                continue
            summary = found.setdefault(item["id"], ManualCriterionSummary(
                item["id"], report_criterion_title(report.report, item), str(item.get("points"))))
            summary.total += 1
            summary.scored += (attempt_id, item["id"]) in scored
    return sorted(found.values(), key=lambda s: s.id)


def anonymous_key(exam_id: int, criterion_id: str, attempt_id: int) -> str:
    """The stable shuffle: the same order every time, unrelated to ticket numbers or names."""
    return hashlib.sha256(f"{exam_id}:{criterion_id}:{attempt_id}".encode()).hexdigest()


@dataclass
class ManualSheet:
    code: str
    attempt: Attempt
    item: dict
    descriptors: list[dict]
    guidance: str
    latest: ManualScore | None
    history: list[ManualScore] = field(default_factory=list)


def manual_sheets(exam: Exam, criterion_id: str) -> list[ManualSheet]:
    """Every answer to one manual criterion, as 答卷 A1, A2, … in the stable shuffled order. No
    name or ticket number is part of a sheet."""
    reports = _latest_exam_reports(exam)
    items = {aid: item for aid, r in reports.items() if (item := manual_criterion(r, criterion_id)) is not None}
    attempts = {a.pk: a for a in Attempt.objects.filter(pk__in=list(items)).select_related("instance__sandbox")}
    history: dict[int, list[ManualScore]] = {}
    for score in (ManualScore.objects.filter(attempt_id__in=list(items), criterion_id=criterion_id)
                  .select_related("examiner").order_by("-at", "-id")):
        history.setdefault(score.attempt_id, []).append(score)
    order = sorted(items, key=lambda aid: anonymous_key(exam.pk, criterion_id, aid))
    sheets = []
    for n, attempt_id in enumerate(order, start=1):
        attempt = attempts[attempt_id]
        descriptors, guidance = manual_scale(attempt, items[attempt_id])
        scores = history.get(attempt_id, [])
        sheets.append(ManualSheet(f"A{n}", attempt, items[attempt_id], descriptors, guidance,
                                  scores[0] if scores else None, scores))
    return sheets


def not_evaluated_criterion(report, criterion_id: str) -> dict | None:
    """The report's entry for ``criterion_id`` when the grader could not judge it (未评定), else None."""
    if report is None:
        return None
    for item in (report.report or {}).get("criteria", []):
        if item.get("id") == criterion_id and item.get("result", {}).get("verdict") == "not_evaluated":
            return item
    return None


# -- results ---------------------------------------------------------------------------------------

def publish_blockers(exam: Exam, lines) -> list[str]:
    """Why results cannot be published yet: every started sitting must be submitted, every task
    graded, every manual criterion scored and every 未评定 criterion judged or settled."""
    sittings = dict(Sitting.objects.filter(registration__exam=exam).values_list("registration_id", "status"))
    all_parts = list(exam.parts.all())
    parts = {p.pk: part_label(p) for p in all_parts}
    slugs = {p.pk: p.scenario_slug for p in all_parts}

    named: dict[tuple[int, str], str] = {}

    def name(task, cid: str) -> str:
        key = (task.part_id, cid)
        if key not in named:
            named[key] = criterion_title(slugs.get(task.part_id, ""), cid)
        return named[key]

    def titles(task) -> str:
        return "、".join(name(task, cid) for cid in task.manual_pending)

    def unjudged(task) -> str:
        return "、".join(name(task, cid) for cid in task.not_evaluated)

    problems = []
    for line in lines:
        registration = line.registration
        status = sittings.get(registration.pk)
        if status is None:
            continue
        who = f"{registration.ticket_number} {registration.full_name}"
        if status == Sitting.Status.IN_PROGRESS:
            problems.append(_("%(who)s：仍在作答中") % {"who": who})
            continue
        for task in line.tasks:
            if task.earned is None:
                problems.append(_("%(who)s：%(part)s 尚未评分") % {"who": who, "part": parts.get(task.part_id, "")})
                continue
            if task.manual_pending:
                problems.append(_("%(who)s：%(part)s 的人工评分项 %(ids)s 待评分")
                                % {"who": who, "part": parts.get(task.part_id, ""), "ids": titles(task)})
            if task.not_evaluated:
                problems.append(_("%(who)s：%(part)s 的评分项 %(ids)s 未评定（评分检查未能完成），请重新评分或核定")
                                % {"who": who, "part": parts.get(task.part_id, ""), "ids": unjudged(task)})
    return problems


def score_reviews(exam: Exam) -> tuple[list[ScoreReview], list[ScoreReview]]:
    """(open, resolved) 成绩复核 requests of the exam, oldest open first, newest resolved first."""
    reviews = list(ScoreReview.objects.filter(registration__exam=exam)
                   .select_related("registration", "resolved_by").order_by("filed_at", "id"))
    open_ = [r for r in reviews if r.status == ScoreReview.Status.OPEN]
    resolved = sorted((r for r in reviews if r.status != ScoreReview.Status.OPEN),
                      key=lambda r: (r.resolved_at or r.filed_at, r.pk), reverse=True)
    return open_, resolved


def registration_attempts(registration: Registration) -> list[Attempt]:
    return list(Attempt.objects.filter(sitting_task__sitting__registration=registration)
                .select_related("sitting_task__part").order_by("sitting_task__part__position"))
