"""Read-only queries on attempts and reports."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Attempt, AttemptReport


def attempt_get(attempt_id: int) -> Attempt:
    """One attempt with what grading and reports need (Attempt.DoesNotExist if there is none)."""
    return Attempt.objects.select_related("candidate", "instance", "instance__sandbox").get(pk=attempt_id)


def attempts_with_status(status: str) -> QuerySet[Attempt]:
    """Attempts in ``status``, oldest first (the order a batch grades them in)."""
    return Attempt.objects.filter(status=status).select_related("instance").order_by("pk")


def attempt_reports(attempt: Attempt) -> QuerySet[AttemptReport]:
    """Every stored report of ``attempt``, version 1 first."""
    return AttemptReport.objects.filter(attempt=attempt).order_by("version")


def attempt_latest_report(attempt: Attempt) -> AttemptReport | None:
    """The newest version (the one that counts), or None before the first grade."""
    return AttemptReport.objects.filter(attempt=attempt).order_by("-version").first()
