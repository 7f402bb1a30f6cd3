"""Attempts: start one, submit it (freeze), grade it — and store what the grader said, immutably.

The status moves are data (``ATTEMPT_PIPELINE``, as ``shop_sim.services.orders`` declares the order
states): anything undeclared raises ``IllegalAttemptMove`` and writes nothing. Every move is logged
with its time and who made it in ``Attempt.status_log``.

Grading is independent of the task queue: ``attempt_grade`` is a plain function (the queue task in
``sandbox.runtime.tasks`` is a thin wrapper), so the grade command, a worker and a test all run the
same code. The long part — the engine, possibly with Chromium — runs outside any transaction: an
attempt is *claimed* (→ grading) in one short transaction and the report stored (→ graded) in
another, so a slow grade never holds a database lock the web server needs.
"""

from __future__ import annotations

import re
import secrets
import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from autograder.engine import GradeReport, GradingBudgetExceeded, grade
from autograder.registry import get_kind
from shop_sim.services.base import SandboxFrozen
from task_scenarios.loader import LoadedScenario, ScenarioLoadError, scenario_load
from task_scenarios.schema import SLUG_PATTERN
from task_scenarios.setup import scenario_instance_create, scenario_instance_start

from .gate import attempt_frozen_at
from .models import Attempt, AttemptReport

S = Attempt.Status
# current status -> statuses it may move to
ATTEMPT_PIPELINE: dict[str, set[str]] = {
    S.IN_PROGRESS: {S.SUBMITTED},
    S.SUBMITTED: {S.GRADING},
    S.GRADING: {S.GRADED, S.SUBMITTED},  # → submitted: grading failed before a report was stored
    S.GRADED: {S.GRADING},  # regrade
}
# Practice attempts are never frozen for good: after a report the candidate goes back to work
# (graded → in_progress) and asks again (→ submitted → grading → graded, the moves above). Only
# mode=practice attempts get these; an exam attempt stays frozen once submitted.
PRACTICE_EXTRA_MOVES: dict[str, set[str]] = {
    S.GRADED: {S.IN_PROGRESS},
}
SERVER_CHECK_TIMEOUT_SECONDS = 5
GRADER = "grader"
MAX_SEED = 2**31 - 1


def grading_stale_after() -> timedelta:
    """A grading claim older than this is a worker that died mid-grade (a grade takes seconds; every
    page check has its own timeouts): settings.GRADING_STALE_SECONDS, 3 minutes by default."""
    return timedelta(seconds=settings.GRADING_STALE_SECONDS)


def grading_budget_seconds() -> float:
    """The wall-clock budget of one whole grade (settings.GRADING_JOB_BUDGET_SECONDS, 120 s by
    default). It must stay below GRADING_STALE_SECONDS, so a live job never looks like a dead
    worker's and is queued a second time while it still runs."""
    return float(settings.GRADING_JOB_BUDGET_SECONDS)


class AttemptError(Exception):
    """An attempt operation refused for a reason the caller can show (nothing was written)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalAttemptMove(AttemptError):
    pass


class ScenarioVersionMismatch(AttemptError):
    pass


class GraderUnavailable(AttemptError):
    """Chromium or the web server is not there: grading now would blame the candidate for it."""


class GradingOverBudget(AttemptError):
    """The grade ran past its budget — what the attempt holds makes it too slow to grade, so
    running it again gives the same: the queue never retries it (an examiner looks at it)."""


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    get_username = getattr(actor, "get_username", None)
    return get_username() if callable(get_username) else str(actor)


def attempt_moves(attempt: Attempt) -> set[str]:
    """The statuses ``attempt`` may move to now: the pipeline, plus the practice-only moves."""
    allowed = set(ATTEMPT_PIPELINE.get(attempt.status, set()))
    if attempt.mode == Attempt.Mode.PRACTICE:
        allowed |= PRACTICE_EXTRA_MOVES.get(attempt.status, set())
    return allowed


def _move(attempt: Attempt, target: str, *, by: str, note: str = "") -> None:
    """Apply one declared move to a locked ``attempt`` (the caller saves it)."""
    if target not in attempt_moves(attempt):
        raise IllegalAttemptMove(
            _("作答当前状态不允许此操作（%(current)s → %(target)s）")
            % {"current": Attempt.Status(attempt.status).label, "target": Attempt.Status(target).label})
    now = timezone.now()
    entry = {"from": attempt.status, "to": target, "at": now.isoformat(), "by": by}
    if note:
        entry["note"] = note
    attempt.status_log = [*attempt.status_log, entry]
    attempt.status = target
    if target == S.SUBMITTED and attempt.submitted_at is None:
        attempt.submitted_at = now
    if target == S.GRADED:
        attempt.graded_at = now


def _locked(attempt_id: int) -> Attempt:
    return Attempt.objects.select_for_update().get(pk=attempt_id)


_UPDATED = ["status", "status_log", "submitted_at", "graded_at"]


# -- start and submit -------------------------------------------------------------------------------

def attempt_start(*, candidate, scenario_slug: str, seed: int | None = None,
                  mode: str = Attempt.Mode.PRACTICE) -> Attempt:
    """A new attempt: the catalog scenario's variant ``seed`` (random if not given) built into a fresh
    sandbox owned by ``candidate``."""
    if not isinstance(scenario_slug, str) or not re.fullmatch(SLUG_PATTERN, scenario_slug):
        raise AttemptError(_("场景标识“%(slug)s”无效") % {"slug": scenario_slug})
    if mode not in Attempt.Mode.values:
        raise AttemptError(_("未知的作答模式“%(mode)s”") % {"mode": mode})
    if seed is None:
        seed = secrets.randbits(31)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise AttemptError(_("变体种子须为 0 到 %(max)d 之间的整数") % {"max": MAX_SEED})
    try:
        scenario = scenario_load(scenario_slug)
    except ScenarioLoadError as exc:
        raise AttemptError(_("场景“%(slug)s”无法载入（%(n)d 个问题），请先运行 scenarios validate")
                           % {"slug": scenario_slug, "n": len(exc.problems)}) from exc
    with transaction.atomic():
        # the variant's start hook waits for the candidate's first opening (attempt_task_open)
        instance = scenario_instance_create(scenario=scenario, seed=seed, owner=candidate, start=False)
        now = timezone.now()
        return Attempt.objects.create(
            candidate=candidate, instance=instance, mode=mode, status=S.IN_PROGRESS, started_at=now,
            status_log=[{"from": "", "to": S.IN_PROGRESS, "at": now.isoformat(), "by": _actor_label(candidate)}],
        )


def attempt_task_open(*, attempt: Attempt) -> bool:
    """The candidate opens the task (its page or its console, in practice or in an exam): the first
    time, the scenario's start hook runs and its moment is recorded (task_scenarios.setup.
    scenario_instance_start) — so a buyer's 180-second clock starts when the candidate can see the
    buyer, not at 开始考试 while they are on another task. Idempotent; nothing happens to a frozen
    attempt (submitted, deadline passed) or one whose scenario version left the catalog."""
    instance = attempt.instance
    if instance.started_at is not None or attempt.status != S.IN_PROGRESS:
        return False
    try:
        scenario = attempt_scenario(attempt)
    except AttemptError:
        return False
    try:
        return scenario_instance_start(instance=instance, scenario=scenario)
    except SandboxFrozen:
        return False


def attempt_submit(*, attempt: Attempt, actor) -> Attempt:
    """交卷: from here on the sandbox is the frozen state the grader looks at."""
    with transaction.atomic():
        locked = _locked(attempt.pk)
        _move(locked, S.SUBMITTED, by=_actor_label(actor))
        locked.save(update_fields=_UPDATED)
    return locked


def attempt_resume(*, attempt: Attempt, actor) -> Attempt:
    """练习: back to work after a report (graded → in_progress), so the next grading is of new work.
    Refused for exam attempts (IllegalAttemptMove): a submitted exam stays frozen."""
    with transaction.atomic():
        locked = _locked(attempt.pk)
        _move(locked, S.IN_PROGRESS, by=_actor_label(actor))
        locked.save(update_fields=_UPDATED)
    return locked


# -- grading ---------------------------------------------------------------------------------------

def attempt_scenario(attempt: Attempt) -> LoadedScenario:
    """The catalog's scenario for this attempt — refused unless it is the very version the attempt
    was built from, since grading against another rubric would give a wrong score silently."""
    instance = attempt.instance
    try:
        scenario = scenario_load(instance.slug)
    except ScenarioLoadError as exc:
        raise AttemptError(_("场景“%(slug)s”无法载入（%(n)d 个问题），无法评分")
                           % {"slug": instance.slug, "n": len(exc.problems)}) from exc
    if scenario.uuid != str(instance.scenario_uuid) or scenario.version != instance.version:
        raise ScenarioVersionMismatch(
            _("作答使用的是场景 %(slug)s 第 %(want)s 版，目录中现在是第 %(have)s 版（UUID %(uuid)s）：拒绝按不同的评分标准评分")
            % {"slug": instance.slug, "want": instance.version, "have": scenario.version, "uuid": scenario.uuid})
    return scenario


def scenario_needs_browser(scenario: LoadedScenario) -> bool:
    return any(get_kind(criterion.check.kind).needs_browser for criterion in scenario.rubric)


def _server_check(base_url: str) -> None:
    """Something must listen at ``base_url``; otherwise every page check would score zero."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=SERVER_CHECK_TIMEOUT_SECONDS).close()
    except OSError as exc:
        raise GraderUnavailable(_("评分需要网站在 %(url)s 运行（GRADER_BASE_URL）：%(error)s")
                                % {"url": base_url, "error": exc}) from exc


def _grade(*, attempt: Attempt, scenario: LoadedScenario, browser_session, pool, base_url: str | None,
           evidence_dir: Path | None, frozen_at: datetime | None) -> GradeReport:
    instance = attempt.instance
    budget = grading_budget_seconds()
    if browser_session is not None or not scenario_needs_browser(scenario):
        return grade(instance=instance, scenario=scenario, browser_session=browser_session, evidence_dir=evidence_dir,
                     frozen_at=frozen_at, budget_seconds=budget)
    from autograder.browser import BrowserSession, shared_pool

    pool = pool or shared_pool()
    base_url = base_url or settings.GRADER_BASE_URL
    _server_check(base_url)
    try:
        pool.browser()
    except Exception as exc:
        raise GraderUnavailable(_("无法启动评分用的 Chromium：%(error)s") % {"error": exc}) from exc
    session = BrowserSession(pool, base_url=base_url, sandbox=instance.sandbox)
    try:
        return grade(instance=instance, scenario=scenario, browser_session=session, evidence_dir=evidence_dir,
                     frozen_at=frozen_at, budget_seconds=budget)
    finally:
        session.close()


def evidence_dir_for(attempt_id: int, version: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence" / str(attempt_id) / str(version)


def _claim(attempt_id: int) -> tuple[str, int, datetime]:
    """→ grading; returns the status to fall back to, the report version this grade will be and the
    moment of the claim."""
    with transaction.atomic():
        locked = _locked(attempt_id)
        if locked.status == S.GRADING:
            last = locked.status_log[-1]["at"] if locked.status_log else None
            started = datetime.fromisoformat(last) if last else None
            if started is None or timezone.now() - started < grading_stale_after():
                raise IllegalAttemptMove(_("该作答正在评分中"))
            _move(locked, S.SUBMITTED, by=GRADER, note="stale grading claim released")
        previous = locked.status
        _move(locked, S.GRADING, by=GRADER)
        locked.save(update_fields=_UPDATED)
        version = (AttemptReport.objects.filter(attempt_id=attempt_id).aggregate(n=Max("version"))["n"] or 0) + 1
    return previous, version, datetime.fromisoformat(locked.status_log[-1]["at"])


def attempt_grading_abandon(*, attempt_id: int, note: str) -> None:
    """A grading claim that will not be retried (its job was lost a second time) goes back to where
    it was before the claim, so the attempt shows as waiting for a grade, not forever 评分中."""
    with transaction.atomic():
        locked = _locked(attempt_id)
        if locked.status != S.GRADING:
            return
        claim = locked.status_log[-1] if locked.status_log else {}
        previous = claim.get("from") if claim.get("to") == S.GRADING else S.SUBMITTED
        _move(locked, previous if previous in attempt_moves(locked) else S.SUBMITTED, by=GRADER, note=note[:300])
        locked.save(update_fields=_UPDATED)


def _release(attempt_id: int, previous: str, error: BaseException) -> None:
    with transaction.atomic():
        locked = _locked(attempt_id)
        if locked.status == S.GRADING:
            _move(locked, previous, by=GRADER, note=f"grading failed: {type(error).__name__}: {error}"[:300])
            locked.save(update_fields=_UPDATED)


def attempt_grade(*, attempt: Attempt, browser_session=None, dry_run: bool = False, pool=None,
                  base_url: str | None = None) -> AttemptReport | GradeReport:
    """Grade a submitted (or regrade a graded) attempt and store the report as version n+1.

    ``dry_run`` grades any attempt as it stands and returns the GradeReport without storing or
    moving anything. A browser is used when the rubric needs one: ``browser_session`` if given,
    else a session on ``pool`` (default: this thread's shared pool) against ``base_url`` (default
    ``settings.GRADER_BASE_URL``). Chat, uploads and auto-reply rules are counted as they were when the
    attempt froze (``attempt_frozen_at``), a dry run included. A check that crashes costs its criterion, never the report; if
    grading itself cannot run (scenario gone, no browser, no server) or runs past its budget
    (GradingOverBudget) nothing is stored and the attempt goes back to where it was.
    """
    attempt = Attempt.objects.select_related("instance", "instance__sandbox").get(pk=attempt.pk)
    scenario = attempt_scenario(attempt)
    if dry_run:
        return _grade(attempt=attempt, scenario=scenario, browser_session=browser_session, pool=pool,
                      base_url=base_url, evidence_dir=None, frozen_at=attempt_frozen_at(attempt))
    previous, version, claimed_at = _claim(attempt.pk)
    evidence_dir = evidence_dir_for(attempt.pk, version)
    try:
        shutil.rmtree(evidence_dir, ignore_errors=True)  # leftovers of a failed try at this version
        try:
            report = _grade(attempt=attempt, scenario=scenario, browser_session=browser_session, pool=pool,
                            base_url=base_url, evidence_dir=evidence_dir,
                            frozen_at=attempt_frozen_at(attempt, claimed_at=claimed_at))
        except GradingBudgetExceeded as exc:
            raise GradingOverBudget(_("评分超过时限（%(seconds)s 秒）：该作答不会自动重新评分，请考务人员检查后手动重新评分")
                                    % {"seconds": f"{grading_budget_seconds():g}"}) from exc
        with transaction.atomic():
            locked = _locked(attempt.pk)
            stored = AttemptReport.objects.create(
                attempt=locked, version=version, total=report.total, max=report.max, report=report.as_dict(),
                grader_version=report.grader_version,
            )
            _move(locked, S.GRADED, by=GRADER)
            locked.save(update_fields=_UPDATED)
    except BaseException as exc:
        _release(attempt.pk, previous, exc)
        raise
    return stored
