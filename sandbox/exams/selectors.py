"""Read-only queries of exam administration: the exam list, a paper, the registration list with
masked ID numbers, admission tickets, and the catalog scenarios a paper can use."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import Exam, ExamPart, Registration, Sitting


def id_number_mask(number: str) -> str:
    """Hide the middle of an ID number: 440106199001011234 -> 4401**********1234. Short numbers
    keep fewer characters so most of them stays hidden."""
    number = number or ""
    n = len(number)
    keep = 4 if n >= 12 else 2 if n >= 7 else 1
    if n <= 2 * keep:
        return "*" * n
    return number[:keep] + "*" * (n - 2 * keep) + number[-keep:]


def exams_list() -> QuerySet[Exam]:
    return Exam.objects.annotate(
        part_count=Count("parts", distinct=True),
        registration_count=Count("registrations", distinct=True),
    ).order_by("-window_start", "-id")


def exam_parts(exam: Exam) -> list[ExamPart]:
    return list(exam.parts.order_by("position"))


def exam_started(exam: Exam) -> bool:
    """Whether any candidate has started (the paper and the duration are frozen then)."""
    return Sitting.objects.filter(registration__exam=exam).exists()


def exam_registrations(exam: Exam) -> QuerySet[Registration]:
    return exam.registrations.select_related("sitting").order_by("ticket_number")


@dataclass(frozen=True)
class RegistrationRow:
    registration: Registration
    masked_id: str
    started: bool
    submitted: bool


def registration_rows(exam: Exam) -> list[RegistrationRow]:
    rows = []
    for registration in exam_registrations(exam):
        sitting = getattr(registration, "sitting", None)
        rows.append(RegistrationRow(
            registration=registration, masked_id=id_number_mask(registration.id_number),
            started=sitting is not None,
            submitted=sitting is not None and sitting.status == Sitting.Status.SUBMITTED))
    return rows


def registration_counts(exam: Exam) -> dict[str, int]:
    return exam.registrations.aggregate(
        total=Count("id"), started=Count("sitting"),
        submitted=Count("sitting", filter=Q(sitting__status=Sitting.Status.SUBMITTED)))


def candidate_registrations(user) -> QuerySet[Registration]:
    """The registrations that belong to ``user`` (a candidate sees only their own tickets)."""
    if not user.is_authenticated:
        return Registration.objects.none()
    return Registration.objects.filter(candidate=user).select_related("exam")


@dataclass(frozen=True)
class Ticket:
    """One admission ticket (准考证) as printed."""

    registration: Registration
    exam: Exam
    masked_id: str


def tickets(registrations) -> list[Ticket]:
    return [Ticket(registration=r, exam=r.exam, masked_id=id_number_mask(r.id_number)) for r in registrations]


@dataclass(frozen=True)
class ScenarioChoice:
    slug: str
    title: str
    loads: bool


def catalog_scenarios() -> list[ScenarioChoice]:
    """Every catalog folder (loaded or not) with its title, for the paper editor."""
    from sandbox.practice.selectors import catalog_entries

    return [ScenarioChoice(slug=e.slug, title=e.title, loads=e.loads) for e in catalog_entries()]


# A sandbox belongs to an exam task from the moment it exists (sitting_start creates both in one
# transaction) and storefront keys are never reused, so "which task, if any" is cached per key —
# console pages of other sandboxes then ask the database nothing about exams.
SANDBOX_TASK_CACHE_SECONDS = 24 * 3600


def sandbox_sitting_task_id(sandbox) -> int:
    """The id of the exam task working in ``sandbox``, or 0 (cached; see above)."""
    from django.core.cache import cache

    from .models import SittingTask

    key = f"exams:sandbox-task:{sandbox.storefront_key}"
    task_id = cache.get(key)
    if task_id is None:
        task_id = (SittingTask.objects.filter(attempt__instance__sandbox_id=sandbox.pk)
                   .values_list("pk", flat=True).first()) or 0
        cache.set(key, task_id, SANDBOX_TASK_CACHE_SECONDS)
    return task_id


def sandbox_exam_task(*, sandbox, user, request=None):
    """``user``'s exam task working in ``sandbox`` (with part, attempt and sitting → registration →
    exam), or None. Other sandboxes cost no query (see above); with ``request`` the answer is kept
    for the rest of that request, since the console's exam banner and the recorder both ask on
    every page of an exam sandbox (one query instead of two)."""
    from .models import SittingTask

    if sandbox is None or not getattr(sandbox, "pk", None) or not getattr(sandbox, "storefront_key", None) \
            or user is None or not user.is_authenticated:
        return None
    task_id = sandbox_sitting_task_id(sandbox)
    if not task_id:
        return None
    memo = request.__dict__.setdefault("_exam_tasks", {}) if request is not None else {}
    key = (task_id, user.pk)
    if key not in memo:
        memo[key] = (SittingTask.objects.select_related("part", "attempt", "sitting__registration__exam")
                     .filter(pk=task_id, sitting__registration__candidate_id=user.pk).first())
    return memo[key]
