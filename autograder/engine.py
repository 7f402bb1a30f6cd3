"""The grading engine: a frozen sandbox + its scenario variant → a GradeReport, criterion by criterion.

Pure and deterministic: the report depends only on the frozen shop, the baseline, the variant
params and the uploads (its ``duration_seconds`` aside), so a regrade months later gives the same
score. Given the freeze instant (``frozen_at``), chat, uploads and auto-reply rules are read as they
were then, and whatever the shop recorded later is listed in the report (autograder.freeze).

Each check runs isolated. A check that raises, returns nonsense or needs a browser that is not there
makes that one criterion 未评定 (not evaluated: no points, the reason recorded) — never the report's
failure, never a silent 0 or a pass; a report with such a criterion cannot be published until an
examiner regrades it. A criterion may ``require`` earlier ones: its points count only when each of
them earned its full points (quality or follow-up work on top of content that is wrong earns nothing).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from django.utils.translation import gettext as _
from autograder.collateral import CollateralChange, collateral_changes, collateral_deduction
from autograder.context import NO_BROWSER, BrowserUnavailable, CheckContext
from autograder.freeze import LateWrite, moment, state_writes_after, writes_after
from autograder.registry import EVALUATED, NOT_EVALUATED, CheckResult, get_kind

GRADER_VERSION = "2026.12.2"  # 未评定 verdict; criteria that require others (fair scoring, issue #11)
CENT = Decimal("0.01")


class GradingBudgetExceeded(Exception):
    """The whole grade ran past its wall-clock budget; no report (a partial one would look final)."""


@dataclass(frozen=True)
class CriterionReport:
    """One rubric line of the report, in rubric order."""

    id: str
    kind: str
    description: dict[str, str]  # {"zh": …, "en": …}, filled in with the variant's params
    points: Decimal
    machine_scored: bool
    result: CheckResult

    @property
    def pending(self) -> bool:
        """Waiting for an examiner (manual criteria)."""
        return not self.machine_scored


@dataclass(frozen=True)
class GradeReport:
    """What an attempt scored and why: immutable, JSON-ready through ``as_dict``."""

    scenario_slug: str
    scenario_uuid: str
    scenario_version: int
    seed: int
    criteria: tuple[CriterionReport, ...]
    collateral: tuple[CollateralChange, ...]
    deduction: Decimal
    total: Decimal
    max: Decimal
    grader_version: str = GRADER_VERSION
    duration_seconds: float = 0.0
    collateral_error: str = ""
    pending_manual: tuple[str, ...] = field(default_factory=tuple)
    frozen_at: str = ""  # the freeze instant graded against (ISO), "" = the shop as it stood
    after_freeze: tuple[LateWrite, ...] = ()  # what the shop recorded after it: for the examiner
    after_freeze_note: str = ""

    @property
    def not_evaluated(self) -> tuple[str, ...]:
        """Criteria the grader could not judge (未评定): the report is not final until they are settled."""
        return tuple(c.id for c in self.criteria if c.result.verdict == NOT_EVALUATED)

    @property
    def earned(self) -> Decimal:
        """Points of the criteria before the collateral deduction."""
        return sum((c.result.score for c in self.criteria), Decimal(0))

    def criterion(self, criterion_id: str) -> CriterionReport:
        for item in self.criteria:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": {"slug": self.scenario_slug, "uuid": self.scenario_uuid, "version": self.scenario_version},
            "seed": self.seed,
            "criteria": [
                {"id": c.id, "kind": c.kind, "description": c.description, "points": str(c.points),
                 "machine_scored": c.machine_scored,
                 "result": {**asdict(c.result), "score": str(c.result.score), "max": str(c.result.max)}}
                for c in self.criteria
            ],
            "collateral": [c.as_dict() for c in self.collateral],
            "collateral_error": self.collateral_error,
            "deduction": str(self.deduction), "total": str(self.total), "max": str(self.max),
            "pending_manual": list(self.pending_manual), "not_evaluated": list(self.not_evaluated),
            "frozen_at": self.frozen_at, "after_freeze": [item.as_dict() for item in self.after_freeze],
            "after_freeze_note": self.after_freeze_note,
            "grader_version": self.grader_version, "duration_seconds": round(self.duration_seconds, 3),
        }


def _first_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def _error_result(points: Decimal, exc: BaseException | str) -> CheckResult:
    """未评定: the check could not run, so the work was not judged (no points, blocks publication)."""
    error = exc if isinstance(exc, str) else _first_line(exc)
    return CheckResult(score=0, max=points, message=_("未评定：评分检查未能完成（%(error)s），需考评员重新评分或核定。")
                       % {"error": error}, error=error, verdict=NOT_EVALUATED)


def _unmet_requirements(criterion, earlier: dict[str, CriterionReport]) -> list[CriterionReport]:
    """The criteria ``criterion`` requires that did not earn their full points (or were not evaluated)."""
    required = [earlier[name] for name in criterion.requires if name in earlier]  # the loader checks the names
    return [r for r in required if r.result.verdict != EVALUATED or r.result.score < r.points]


def _gated(report: CriterionReport, unmet: list[CriterionReport], language_description) -> CriterionReport:
    """A criterion whose prerequisites are not met earns nothing; if a prerequisite was not evaluated,
    neither is this one (its points depend on a judgement nobody made)."""
    names = "、".join(f"「{language_description(r)}」" for r in unmet)
    if any(r.result.verdict == NOT_EVALUATED for r in unmet):
        result = CheckResult(score=0, max=report.points, verdict=NOT_EVALUATED,
                             message=_("未评定：它依赖的评分项 %(names)s 未评定。") % {"names": names},
                             error="requires a criterion that was not evaluated")
    else:
        result = CheckResult(score=0, max=report.points, expected=report.result.expected,
                             actual=report.result.actual, evidence=report.result.evidence,
                             message=_("不得分：本项以 %(names)s 为前提，前提未完全做对。（本项自身的检查：%(own)s）")
                             % {"names": names, "own": report.result.message})
    return CriterionReport(id=report.id, kind=report.kind, description=report.description, points=report.points,
                           machine_scored=report.machine_scored, result=result)


def _written_after_freeze(report: CriterionReport, actions: list[str], frozen_at: datetime) -> CriterionReport:
    """A shop-state criterion of a shop changed after its freeze is not the machine's to score: what
    it reads now may hold the late write, and nothing written after the freeze can count. It is
    未评定 (publication waits for an examiner's 核定), with what the check saw kept for them."""
    try:
        kind = get_kind(report.kind)
    except KeyError:
        return report
    if kind.freeze_aware or not report.machine_scored or report.result.verdict == NOT_EVALUATED:
        return report
    shown = "、".join(actions[:5]) + ("…" if len(actions) > 5 else "")
    result = CheckResult(
        score=0, max=report.points, verdict=NOT_EVALUATED, expected=report.result.expected,
        actual=report.result.actual, evidence=report.result.evidence,
        error="the shop changed after the freeze",
        message=_("未评定：作答在 %(at)s 冻结后店铺仍有改动（%(actions)s），本项读取的是现在的店铺，冻结后的写入不能计分，"
                  "请考评员按回放核定。（机器检查所见：%(score)s/%(max)s，%(own)s）")
        % {"at": moment(frozen_at), "actions": shown, "score": report.result.score, "max": report.points,
           "own": report.result.message})
    return CriterionReport(id=report.id, kind=report.kind, description=report.description, points=report.points,
                           machine_scored=report.machine_scored, result=result)


def _zh(report: CriterionReport) -> str:
    description = report.description or {}
    return str(description.get("zh") or report.id)


def _rescaled(result: CheckResult, points: Decimal) -> CheckResult:
    """A kind that scored on its own scale is brought to the criterion's points."""
    if result.max == points:
        return result
    score = (result.score * points / result.max) if result.max > 0 else Decimal(0)
    return CheckResult(score=min(score.quantize(CENT), points), max=points, message=result.message,
                       expected=result.expected, actual=result.actual, evidence=result.evidence, error=result.error,
                       verdict=result.verdict)


def _isolated(run):
    """Run a check; inside an outer transaction in a savepoint, so a failed query cannot poison it."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return run()
    return run()


def run_criterion(*, scenario, criterion, params: dict[str, Any], sandbox, instance=None,
                  uploads: dict[str, Path] | None = None, browser_session=None,
                  evidence_dir: Path | None = None, frozen_at: datetime | None = None) -> CriterionReport:
    """One criterion, isolated: whatever goes wrong becomes this criterion's zero and error."""
    points = Decimal(criterion.points).quantize(CENT)
    kind_name = criterion.check.kind
    try:
        description = scenario.description(criterion, params).model_dump()
    except Exception:
        description = criterion.description.model_dump()
    machine_scored = True
    try:
        kind = get_kind(kind_name)
        machine_scored = bool(kind.machine_scored)
        check_params = scenario.check_params(criterion, params)
        if kind.needs_browser and browser_session is None:
            raise BrowserUnavailable(NO_BROWSER)
        ctx = CheckContext(sandbox=sandbox, params=params, points=points, criterion_id=criterion.id,
                           scenario=scenario, instance=instance, uploads=dict(uploads or {}),
                           browser_session=browser_session, evidence_dir=evidence_dir, frozen_at=frozen_at)
        result = _isolated(lambda: kind().run(ctx, check_params))
        if not isinstance(result, CheckResult):
            raise TypeError(f"check kind {kind_name!r} returned {type(result).__name__}, not CheckResult")
        result = _rescaled(result, points)
    except Exception as exc:  # isolation is the point: one broken check never loses the report
        result = _error_result(points, exc)
    return CriterionReport(id=criterion.id, kind=kind_name, description=description, points=points,
                           machine_scored=machine_scored, result=result)


def grade(*, instance, scenario, uploads: dict[str, Path] | None = None, browser_session=None,
          evidence_dir: Path | None = None, frozen_at: datetime | None = None,
          budget_seconds: float | None = None) -> GradeReport:
    """Score ``instance``'s (frozen) sandbox against ``scenario``'s rubric for its variant, counting
    chat, uploads and auto-reply rules as they were at ``frozen_at`` (None: as they stand).

    ``budget_seconds``: wall-clock budget of the whole grade, looked at before each criterion (each
    bounds itself: page checks by their timeouts, file checks by their child process); past it
    GradingBudgetExceeded is raised and no report is made."""
    started = time.monotonic()
    if str(instance.scenario_uuid) != scenario.uuid or instance.version != scenario.version:
        raise ValueError(f"instance is {instance.scenario_uuid} v{instance.version}, "
                         f"scenario is {scenario.uuid} v{scenario.version}")
    params = dict(instance.params or {})
    sandbox = instance.sandbox
    if evidence_dir is not None:
        Path(evidence_dir).mkdir(parents=True, exist_ok=True)
    reports: dict[str, CriterionReport] = {}
    late_actions = _isolated(lambda: state_writes_after(sandbox, frozen_at)) if frozen_at is not None else []
    for criterion in scenario.rubric:
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            raise GradingBudgetExceeded(f"grading took more than {budget_seconds:g} s; stopped before "
                                        f"criterion {criterion.id}")
        report = run_criterion(scenario=scenario, criterion=criterion, params=params, sandbox=sandbox,
                               instance=instance, uploads=uploads, browser_session=browser_session,
                               evidence_dir=evidence_dir, frozen_at=frozen_at)
        if late_actions:
            report = _written_after_freeze(report, late_actions, frozen_at)
        unmet = _unmet_requirements(criterion, reports)
        reports[criterion.id] = _gated(report, unmet, _zh) if unmet else report
    criteria = tuple(reports.values())
    after_freeze = tuple(_isolated(lambda: writes_after(sandbox, frozen_at))) if frozen_at is not None else ()
    note = ""
    if after_freeze:
        note = _("作答在 %(at)s 冻结，之后店铺仍有写入（见下）：聊天消息、上传文件和自动回复规则只按冻结时的内容计分；"
                 "读取店铺现状的评分项在店铺有改动时为“未评定”，请考评员核对。") % {"at": moment(frozen_at)}
    earned = sum((c.result.score for c in criteria), Decimal(0))
    scope = scenario.spec.scope
    collateral_error = ""
    try:
        changes = tuple(_isolated(lambda: collateral_changes(instance, scope)))
    except Exception as exc:
        changes, collateral_error = (), _first_line(exc)
    deduction = collateral_deduction(list(changes), scope, cap=earned)
    maximum = sum((c.points for c in criteria), Decimal(0))
    return GradeReport(
        scenario_slug=scenario.slug, scenario_uuid=scenario.uuid, scenario_version=scenario.version,
        seed=instance.seed, criteria=criteria, collateral=changes, deduction=deduction,
        total=(earned - deduction).quantize(CENT), max=maximum.quantize(CENT), grader_version=GRADER_VERSION,
        duration_seconds=time.monotonic() - started, collateral_error=collateral_error,
        pending_manual=tuple(c.id for c in criteria if not c.machine_scored),
        frozen_at=frozen_at.isoformat() if frozen_at is not None else "", after_freeze=after_freeze,
        after_freeze_note=note,
    )
