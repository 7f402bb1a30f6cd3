"""Score composition, per the certification's rules (EXAM_SPEC.md), as pure functions over stored rows.

- A task's score is its latest report's total plus the examiner's latest manual score for each
  ``manual`` criterion (graded as 0 "待考评员评分"); it is complete when every manual criterion has one.
- A criterion the grader could not judge (未评定, ``not_evaluated``) keeps the task incomplete until a
  regrade judges it or an examiner settles it (核定: a ManualScore for that criterion, which counts).
- The operational subject (操作技能) is the weighted mean of the tasks' percentages, out of 100.
- With a module weight (default 30 %), the subject score is module × w + operational × (1 − w);
  missing a module score makes it incomplete. Each subject passes at ≥ pass mark (60); a candidate
  passes when every subject recorded passes, and only once the theory score is there too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sandbox.runtime.models import AttemptReport

from .models import Exam, ManualScore, Registration

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class TaskScore:
    part_id: int
    scenario_slug: str
    weight: Decimal
    attempt_id: int | None
    report_version: int | None
    earned: Decimal | None  # machine + manual points, None until graded
    max: Decimal | None
    manual_pending: list[str] = field(default_factory=list)  # manual criteria without an examiner score
    not_evaluated: list[str] = field(default_factory=list)  # 未评定 criteria nobody has settled yet

    @property
    def percent(self) -> Decimal | None:
        if self.earned is None or not self.max:
            return None
        return _q(self.earned / self.max * HUNDRED)

    @property
    def complete(self) -> bool:
        return self.earned is not None and not self.manual_pending and not self.not_evaluated


@dataclass
class ResultLine:
    registration: Registration
    tasks: list[TaskScore]
    operational: Decimal | None  # weighted mean of the tasks, /100
    composed: Decimal | None  # with the module tests, /100 (= operational when the weight is 0)
    theory: Decimal | None
    complete: bool
    operational_passed: bool | None
    theory_passed: bool | None
    passed: bool | None  # None = not decided yet (incomplete, or no theory score)


def manual_latest(attempt_ids: list[int]) -> dict[tuple[int, str], ManualScore]:
    latest: dict[tuple[int, str], ManualScore] = {}
    for score in ManualScore.objects.filter(attempt_id__in=attempt_ids).order_by("at", "id"):
        latest[(score.attempt_id, score.criterion_id)] = score
    return latest


def latest_reports(attempt_ids: list[int]) -> dict[int, AttemptReport]:
    latest: dict[int, AttemptReport] = {}
    for report in AttemptReport.objects.filter(attempt_id__in=attempt_ids).order_by("attempt_id", "version"):
        latest[report.attempt_id] = report
    return latest


def task_score(*, part, attempt_id: int | None, report: AttemptReport | None,
               manual: dict[tuple[int, str], ManualScore]) -> TaskScore:
    if attempt_id is None or report is None:
        return TaskScore(part.pk, part.scenario_slug, part.weight, attempt_id, None, None, None)
    earned = Decimal(report.total)
    pending, unjudged = [], []
    for criterion in (report.report or {}).get("criteria", []):
        not_evaluated = criterion.get("result", {}).get("verdict") == "not_evaluated"
        if criterion.get("machine_scored", True) and not not_evaluated:
            continue
        scored = manual.get((attempt_id, criterion["id"]))
        if scored is None:
            (unjudged if not_evaluated else pending).append(criterion["id"])
        else:
            earned += min(Decimal(scored.points), Decimal(str(criterion.get("points", scored.points))))
    earned = max(min(earned, Decimal(report.max)), Decimal(0))
    return TaskScore(part.pk, part.scenario_slug, part.weight, attempt_id, report.version, _q(earned),
                     Decimal(report.max), pending, unjudged)


def operational_score(tasks: list[TaskScore]) -> Decimal | None:
    if not tasks or any(t.percent is None for t in tasks):
        return None
    total_weight = sum((t.weight for t in tasks), Decimal(0))
    if not total_weight:
        return None
    return _q(sum((t.weight * t.percent for t in tasks), Decimal(0)) / total_weight)


def composed_score(exam: Exam, operational: Decimal | None, module: Decimal | None) -> Decimal | None:
    if operational is None:
        return None
    if not exam.module_weight:
        return operational
    if module is None:
        return None
    w = Decimal(exam.module_weight) / HUNDRED
    return _q(Decimal(module) * w + operational * (1 - w))


def exam_results(exam: Exam) -> list[ResultLine]:
    """One line per registration, in ticket order: each task's score, the subject scores, pass."""
    from .models import SittingTask

    parts = list(exam.parts.order_by("position"))
    registrations = list(exam.registrations.select_related("candidate").order_by("ticket_number"))
    tasks = list(SittingTask.objects.filter(sitting__registration__exam=exam)
                 .values_list("sitting__registration_id", "part_id", "attempt_id"))
    by_reg: dict[int, dict[int, int]] = {}
    for registration_id, part_id, attempt_id in tasks:
        by_reg.setdefault(registration_id, {})[part_id] = attempt_id
    attempt_ids = [a for _, _, a in tasks]
    reports = latest_reports(attempt_ids)
    manual = manual_latest(attempt_ids)
    lines = []
    for registration in registrations:
        attempts = by_reg.get(registration.pk, {})
        scores = [task_score(part=p, attempt_id=attempts.get(p.pk), report=reports.get(attempts.get(p.pk)),
                             manual=manual) for p in parts]
        complete = bool(scores) and all(t.complete for t in scores)
        operational = operational_score(scores)
        composed = composed_score(exam, operational, registration.module_score) if complete else None
        theory = registration.theory_score
        op_passed = None if composed is None else composed >= exam.pass_mark
        th_passed = None if theory is None else Decimal(theory) >= exam.pass_mark
        if op_passed is False or th_passed is False:
            passed = False
        elif op_passed and th_passed:
            passed = True
        else:
            passed = None
        lines.append(ResultLine(registration, scores, operational if complete else None, composed, theory,
                                complete and composed is not None, op_passed, th_passed, passed))
    return lines
