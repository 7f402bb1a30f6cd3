"""Read-only queries for the statistics pages: aggregates only, never a candidate's name.

Every score comes from ``sandbox.exams.scores`` (the same composition the examiners export); the
per-criterion scores come from each attempt's latest ``AttemptReport`` plus the latest manual
score for ``manual`` criteria. The query count is fixed per exam (``exam_results`` plus one query
each for the latest reports and manual scores), however many candidates sat.

Who is counted:
- the exam and its tasks: candidates whose whole paper is scored (every task graded, every manual
  criterion scored), so the numbers do not move under half-finished marking;
- a criterion: every attempt at that task whose task score is complete, ranked by the task total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from sandbox.exams.models import Exam, SittingTask
from sandbox.exams.scores import exam_results, latest_reports, manual_latest
from sandbox.practice.selectors import criterion_title
from sandbox.runtime.models import AttemptReport

from . import analysis


@dataclass
class ItemStats:
    """One task or criterion: n, mean, max, P, D, how its fractions spread, and the flag."""

    key: str
    title: str
    kind: str
    n: int
    mean: float | None
    max_points: float | None
    difficulty: float | None
    discrimination: float | None
    bins: analysis.FractionBins
    flag: str

    @property
    def needs_attention(self) -> bool:
        return self.flag == analysis.FLAG_ATTENTION

    @property
    def insufficient(self) -> bool:
        return self.flag == analysis.FLAG_INSUFFICIENT

    @property
    def too_hard(self) -> bool:
        return self.needs_attention and self.difficulty < analysis.P_LOW

    @property
    def too_easy(self) -> bool:
        return self.needs_attention and self.difficulty > analysis.P_HIGH

    @property
    def weak_discrimination(self) -> bool:
        return self.needs_attention and self.discrimination < analysis.D_LOW


@dataclass
class TaskStats:
    item: ItemStats
    criteria: list[ItemStats] = field(default_factory=list)


@dataclass
class ExamStats:
    exam: Exam
    basis: str  # "composed" | "operational"
    registered: int
    scored: int  # candidates in the exam-level figures
    pending: int  # graded at least in part, not yet complete (e.g. manual criteria to score)
    histogram: list[analysis.Bin]
    mean: float | None
    median: float | None
    std_dev: float | None
    pass_rate: float | None
    tasks: list[TaskStats]

    @property
    def pass_percent(self) -> float | None:
        return None if self.pass_rate is None else self.pass_rate * 100


def exams_with_results() -> list[tuple[Exam, int]]:
    """Exams with at least one graded attempt (a stored report), newest window first, each with how
    many candidates have at least one report (two queries)."""
    exam_key = "attempt__sitting_task__sitting__registration__exam_id"
    counts = dict(AttemptReport.objects.filter(attempt__sitting_task__isnull=False)
                  .values(exam_key).annotate(n=Count("attempt__sitting_task__sitting__registration", distinct=True))
                  .values_list(exam_key, "n"))
    exams = Exam.objects.filter(pk__in=list(counts)).order_by("-window_start", "-id")
    return [(exam, counts[exam.pk]) for exam in exams]


def _item(*, key: str, title: str, kind: str, scores: list[float], max_points: float | None,
          rank_scores: list[float]) -> ItemStats:
    n = len(scores)
    fractions = [s / max_points for s in scores] if max_points else []
    p = analysis.difficulty(scores, max_points) if max_points else None
    d = analysis.discrimination(fractions, rank_scores) if max_points else None
    return ItemStats(key=key, title=title, kind=kind, n=n, mean=analysis.mean(scores), max_points=max_points,
                     difficulty=p, discrimination=d, bins=analysis.fraction_bins(fractions),
                     flag=analysis.item_flag(n, p, d))


def _criterion_points(criterion: dict, attempt_id: int, manual: dict) -> float | None:
    points = Decimal(str(criterion.get("points", "0")))
    if criterion.get("machine_scored", True):
        earned = Decimal(str(criterion.get("result", {}).get("score", "0")))
    else:
        scored = manual.get((attempt_id, criterion["id"]))
        if scored is None:
            return None
        earned = Decimal(scored.points)
    return float(max(min(earned, points), Decimal(0)))


def exam_statistics(exam: Exam) -> ExamStats:
    lines = exam_results(exam)
    parts = list(exam.parts.order_by("position"))
    complete = [line for line in lines if line.operational is not None]
    use_composed = bool(complete) and all(line.composed is not None for line in complete)
    basis = "composed" if use_composed else "operational"
    totals = [float(line.composed if use_composed else line.operational) for line in complete]
    pending = sum(1 for line in lines if line.operational is None and any(t.earned is not None for t in line.tasks))

    attempt_ids = list(SittingTask.objects.filter(sitting__registration__exam=exam)
                       .values_list("attempt_id", flat=True))
    reports = latest_reports(attempt_ids)
    manual = manual_latest(attempt_ids)
    operational = [float(line.operational) for line in complete]

    tasks = []
    for index, part in enumerate(parts):
        title = part.display_title
        task_scores = [line.tasks[index] for line in complete]
        task_max = max((float(t.max) for t in task_scores), default=None)
        item = _item(key=part.scenario_slug, title=title, kind="task",
                     scores=[float(t.earned) for t in task_scores], max_points=task_max, rank_scores=operational)
        # criteria: every complete attempt at this task, ranked by its task total
        per_criterion: dict[str, dict] = {}
        for line in lines:
            score = line.tasks[index]
            report = reports.get(score.attempt_id)
            if not score.complete or report is None:
                continue
            for criterion in (report.report or {}).get("criteria", []):
                earned = _criterion_points(criterion, score.attempt_id, manual)
                if earned is None:
                    continue
                entry = per_criterion.get(criterion["id"])
                if entry is None:
                    entry = per_criterion[criterion["id"]] = {
                        # the scenario's name for the criterion, shared by every variant (never one
                        # candidate's rendered description, never the id)
                        "title": criterion_title(part.scenario_slug, criterion["id"]),
                        "kind": criterion.get("kind", ""),
                        "max": float(Decimal(str(criterion.get("points", "0")))), "scores": [], "ranks": []}
                entry["scores"].append(earned)
                entry["ranks"].append(float(score.earned))
        criteria = [_item(key=cid, title=e["title"], kind=e["kind"], scores=e["scores"], max_points=e["max"],
                          rank_scores=e["ranks"]) for cid, e in per_criterion.items()]
        tasks.append(TaskStats(item=item, criteria=criteria))

    return ExamStats(exam=exam, basis=basis, registered=len(lines), scored=len(complete), pending=pending,
                     histogram=analysis.histogram(totals), mean=analysis.mean(totals),
                     median=analysis.median(totals), std_dev=analysis.std_dev(totals),
                     pass_rate=analysis.pass_rate(totals, exam.pass_mark), tasks=tasks)
