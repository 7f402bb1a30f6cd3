"""Read-only queries of practice: the catalog as trainers and candidates see it, who may practise
what, practice attempts and their best scores, a class's results, and the console banner's attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django_tasks import TaskResultStatus

from sandbox.accounts.roles import ADMIN
from sandbox.runtime.models import Attempt, AttemptReport
from task_scenarios.loader import (
    LoadedScenario,
    ScenarioLoadError,
    catalog_folders,
    catalog_root,
    folder_signature,
    scenario_load_locked,
)

from .models import PracticePublication, TrainingClass

PRACTICE = Attempt.Mode.PRACTICE


def localized(text) -> str:
    """A scenario text ({zh, en} dict as reports store it, or the schema's LocalizedText) in the
    page's language; English falls back to Chinese when a text has no English."""
    if text is None:
        return ""
    if isinstance(text, dict):
        zh, en = text.get("zh"), text.get("en")
    elif hasattr(text, "zh"):
        zh, en = text.zh, getattr(text, "en", "")
    else:
        return str(text)
    english = (get_language() or "").startswith("en")
    return str((en if english and en else zh) or "")


def scenario_title(slug: str) -> str:
    """The catalog scenario's title in the page's language; the slug only when it is not in the catalog."""
    entry = catalog_entry(slug)
    return entry.title if entry is not None else slug


def criterion_title(slug: str, criterion_id: str, fallback=None) -> str:
    """A criterion by its generic name, never its id: the scenario's title for it, else ``fallback``
    (e.g. the report's description, in the page's language), else the id."""
    entry = catalog_entry(slug)
    title = entry.criterion_title(criterion_id) if entry is not None else None
    return title or localized(fallback) or criterion_id


# -- the catalog -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogEntry:
    """One catalog folder: the loaded scenario, or why it does not load."""

    slug: str
    scenario: LoadedScenario | None
    error: ScenarioLoadError | None

    @property
    def loads(self) -> bool:
        return self.scenario is not None

    @property
    def title(self) -> str:
        if self.scenario is None:
            return self.slug
        return localized(self.scenario.spec.title)

    def criterion_title(self, criterion_id: str) -> str | None:
        """The rubric criterion's generic name (its ``title``, shared by every variant) in the page's
        language; None when this scenario has no such criterion (or does not load)."""
        if self.scenario is None:
            return None
        for criterion in self.scenario.spec.rubric:
            if criterion.id == criterion_id:
                return localized(criterion.generic_title())
        return None

    @property
    def spec(self):
        return self.scenario.spec if self.scenario is not None else None

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in self.error.problems] if self.error is not None else []


# Loading validates the whole folder (sample seeds, check parameters): tens of milliseconds per
# scenario. Pages list the catalog and every console page shows the banner, so a loaded scenario is
# kept until a file in its folder changes (a trainer editing it sees the change on the next request).
_CACHE: dict[str, tuple[str, CatalogEntry]] = {}


def catalog_entry(slug: str) -> CatalogEntry | None:
    """The catalog's scenario ``slug`` (loaded or failing), or None when there is no such folder."""
    folder = catalog_root() / slug
    if not slug or "/" in slug or slug.startswith((".", "_")) or not folder.is_dir():
        return None
    signature = folder_signature(folder)
    key = str(folder.resolve())
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        entry = CatalogEntry(slug=slug, scenario=scenario_load_locked(folder), error=None)
    except ScenarioLoadError as exc:
        entry = CatalogEntry(slug=slug, scenario=None, error=exc)
    _CACHE[key] = (signature, entry)
    return entry


def catalog_entries() -> list[CatalogEntry]:
    """Every folder of the catalog, by slug, loaded or not."""
    return [entry for folder in catalog_folders() if (entry := catalog_entry(folder.name)) is not None]


# -- classes and publications ----------------------------------------------------------------------

def user_is_admin(user) -> bool:
    return user.is_superuser or user.groups.filter(name=ADMIN).exists()


def classes_visible_to(user) -> QuerySet[TrainingClass]:
    """A trainer's own classes; an administrator sees every class."""
    classes = TrainingClass.objects.select_related("trainer")
    return classes if user_is_admin(user) else classes.filter(trainer=user)


def class_publications(training_class: TrainingClass) -> dict[str, PracticePublication]:
    return {p.scenario_slug: p for p in training_class.publications.select_related("published_by")}


def class_members(training_class: TrainingClass) -> QuerySet:
    return training_class.members.order_by("username")


def candidate_published_slugs(user) -> list[str]:
    """Slugs published to any class ``user`` belongs to, in name order."""
    return sorted(set(PracticePublication.objects.filter(training_class__members=user)
                      .values_list("scenario_slug", flat=True)))


def candidate_may_practise(user, slug: str) -> bool:
    return PracticePublication.objects.filter(training_class__members=user, scenario_slug=slug).exists()


def user_in_any_class(user) -> bool:
    return TrainingClass.objects.filter(members=user).exists()


# -- attempts --------------------------------------------------------------------------------------

def practice_attempts() -> QuerySet[Attempt]:
    """Practice attempts with their instance (the baseline blob left in the database)."""
    return (Attempt.objects.filter(mode=PRACTICE).select_related("instance", "instance__sandbox", "candidate")
            .defer("instance__baseline"))


def candidate_attempts(user) -> QuerySet[Attempt]:
    return practice_attempts().filter(candidate=user)


def attempt_superseded(attempt: Attempt) -> bool:
    """True once the candidate has reset it: a newer practice attempt of the same scenario exists."""
    newer = Q(started_at__gt=attempt.started_at) | Q(started_at=attempt.started_at, pk__gt=attempt.pk)
    return (Attempt.objects.filter(candidate_id=attempt.candidate_id, mode=PRACTICE, instance__slug=attempt.instance.slug)
            .filter(newer).exists())


def attempt_reports(attempt: Attempt) -> list[AttemptReport]:
    """Every report of the attempt, newest first."""
    return list(AttemptReport.objects.filter(attempt=attempt).order_by("-version"))


@dataclass
class ScoreSummary:
    """A candidate's practice of one scenario: best report, attempts started, the last grading time."""

    best_total: Decimal | None = None
    best_max: Decimal | None = None
    best_attempt_id: int | None = None
    attempts: int = 0
    reports: int = 0
    last_graded_at: datetime | None = None
    last_attempt: Attempt | None = None


def score_summaries(user_ids, slugs) -> dict[tuple[int, str], ScoreSummary]:
    """(candidate id, slug) → ScoreSummary, in three queries whatever the number of cells."""
    user_ids, slugs = list(user_ids), list(slugs)
    out: dict[tuple[int, str], ScoreSummary] = {}
    if not user_ids or not slugs:
        return out
    attempts = (Attempt.objects.filter(mode=PRACTICE, candidate_id__in=user_ids, instance__slug__in=slugs)
                .select_related("instance").defer("instance__baseline").order_by("started_at", "id"))
    for attempt in attempts:
        summary = out.setdefault((attempt.candidate_id, attempt.instance.slug), ScoreSummary())
        summary.attempts += 1
        summary.last_attempt = attempt  # ordered oldest first: the last one wins
    reports = (AttemptReport.objects.filter(attempt__mode=PRACTICE, attempt__candidate_id__in=user_ids,
                                            attempt__instance__slug__in=slugs)
               .values("attempt_id", "attempt__candidate_id", "attempt__instance__slug", "total", "max", "created_at")
               .order_by("created_at", "id"))
    for row in reports:
        summary = out.setdefault((row["attempt__candidate_id"], row["attempt__instance__slug"]), ScoreSummary())
        summary.reports += 1
        if summary.best_total is None or row["total"] > summary.best_total:
            summary.best_total, summary.best_max, summary.best_attempt_id = row["total"], row["max"], row["attempt_id"]
        summary.last_graded_at = row["created_at"]
    return out


def latest_reports(attempt_ids) -> dict[int, AttemptReport]:
    """attempt id → its newest report (JSON left out: lists show totals only)."""
    latest: dict[int, AttemptReport] = {}
    for report in (AttemptReport.objects.filter(attempt_id__in=list(attempt_ids)).defer("report")
                   .order_by("attempt_id", "version")):
        latest[report.attempt_id] = report
    return latest


@dataclass(frozen=True)
class ResultRow:
    member: object
    cells: list[ScoreSummary]


def class_results(training_class: TrainingClass, slugs: list[str]) -> list[ResultRow]:
    """Members × published scenarios of a class."""
    members = list(class_members(training_class))
    summaries = score_summaries([m.pk for m in members], slugs)
    return [ResultRow(member=m, cells=[summaries.get((m.pk, slug), ScoreSummary()) for slug in slugs])
            for m in members]


def member_of_class(training_class: TrainingClass, user_id: int) -> bool:
    return training_class.members.filter(pk=user_id).exists()


@dataclass(frozen=True)
class BannerAttempt:
    attempt_id: int
    slug: str


# Which practice attempt works in a sandbox never changes (the attempt is created with its sandbox,
# in one transaction, and keeps its mode), so the answer — "none" included — is cached per sandbox,
# keyed by its unguessable, never reused storefront key: console pages pay one query per sandbox
# and process, not one per page.
BANNER_CACHE_SECONDS = 24 * 3600


def banner_attempt(sandbox) -> BannerAttempt | None:
    """The practice attempt working in ``sandbox``, for the console banner (at most one query)."""
    if sandbox is None or not getattr(sandbox, "storefront_key", None):
        return None
    key = f"practice:banner:{sandbox.storefront_key}"
    cached = cache.get(key)
    if cached is None:
        row = (Attempt.objects.filter(instance__sandbox_id=sandbox.pk, mode=PRACTICE)
               .values_list("pk", "instance__slug").first())
        cached = tuple(row) if row else ()
        cache.set(key, cached, BANNER_CACHE_SECONDS)
    return BannerAttempt(*cached) if cached else None


# -- following a grading request -------------------------------------------------------------------

# ``sandbox.runtime.services._release`` writes this note when grading could not run.
# A request still queued after this long gets a hint that the grading worker may not be running.
STALLED_AFTER_SECONDS = 60
GRADING_FAILED_NOTE = "grading failed: "


def _after_prefix(text: str) -> str:
    """'GraderUnavailable: 评分需要…' → '评分需要…' (the exception's own message)."""
    _name, sep, message = text.partition(": ")
    return message.strip() if sep else text.strip()


def grading_failure(attempt: Attempt, *, since: datetime, errors=()) -> str | None:
    """Why the grading asked for at ``since`` stored no report, or None when it has not failed.

    The runtime logs a failed grading on the attempt (grading → back, with the reason); a task that
    failed before it claimed the attempt only has the queue's error."""
    for entry in reversed(attempt.status_log or []):
        try:
            at = datetime.fromisoformat(entry["at"])
        except (KeyError, TypeError, ValueError):
            continue
        if at < since:
            break
        note = entry.get("note", "")
        if entry.get("from") == Attempt.Status.GRADING and note.startswith(GRADING_FAILED_NOTE):
            return _after_prefix(note[len(GRADING_FAILED_NOTE):])
    for error in errors:
        lines = (getattr(error, "traceback", "") or "").strip().splitlines()
        return _after_prefix(lines[-1]) if lines else getattr(error, "exception_class_path", "") or "?"
    return None


@dataclass(frozen=True)
class GradingState:
    """Where one grading request stands: done (a newer report exists), failed (why), or waiting
    (queued = no worker has claimed it yet)."""

    done: bool = False
    failure: str = ""
    queued: bool = False
    waited_seconds: int = 0

    @property
    def stalled(self) -> bool:
        """Queued for long: no grading worker seems to be running (``make run`` starts one)."""
        return self.queued and self.waited_seconds >= STALLED_AFTER_SECONDS

    @property
    def waiting(self) -> bool:
        return not self.done and not self.failure


def grading_state(attempt: Attempt, request: dict) -> GradingState:
    """Follow a request stored by the page (``GradeRequest.as_session()``)."""
    newest = AttemptReport.objects.filter(attempt=attempt).aggregate(n=Max("version"))["n"] or 0
    if newest > int(request.get("after", 0)):
        return GradingState(done=True)
    if request.get("failure"):
        return GradingState(failure=request["failure"])
    try:
        since = datetime.fromisoformat(request["at"])
    except (KeyError, TypeError, ValueError):
        return GradingState(failure="?")
    errors = ()
    try:
        from sandbox.runtime.tasks import grade_attempt_task

        result = grade_attempt_task.get_result(request.get("task", ""))
    except Exception:  # a backend that keeps no results (immediate), or the row is gone
        result = None
    if result is not None and result.status == TaskResultStatus.FAILED:
        errors = result.errors
    failure = grading_failure(attempt, since=since, errors=errors)
    if failure:
        return GradingState(failure=failure)
    return GradingState(queued=attempt.status != Attempt.Status.GRADING,
                        waited_seconds=max(0, int((timezone.now() - since).total_seconds())))
