"""Builders for exam tests: a two-part paper over fixture scenarios that need no browser."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from sandbox.exams.models import Exam, ExamPart, Registration
from tests.unit.scenario_fixtures.helpers import copy_good, edit

PARTS = ("ship-and-memo", "ship-and-memo-b")


def exam_catalog(root: Path) -> Path:
    """Two browser-free scenarios (copies of the ship-and-memo fixture with their own uuids)."""
    root.mkdir(parents=True, exist_ok=True)
    for slug in PARTS:
        folder = copy_good(root, slug)
        if slug != PARTS[0]:
            edit(folder / "scenario.yaml", "uuid: 0b6f3c1e-5a2d-4e8b-9c61-7d2f0a9e4b11", f"uuid: {uuid.uuid4()}")
    return root


def exam_create(*, created_by, minutes: int = 90, opens_ago: timedelta = timedelta(minutes=10),
                closes_in: timedelta = timedelta(hours=3), weights=(Decimal("1"), Decimal("1")), **fields) -> Exam:
    now = timezone.now()
    exam = Exam.objects.create(name="四级操作技能考核", level="4", duration_minutes=minutes,
                               window_start=now - opens_ago, window_end=now + closes_in, created_by=created_by,
                               **fields)
    for position, (slug, weight) in enumerate(zip(PARTS, weights), start=1):
        ExamPart.objects.create(exam=exam, position=position, scenario_slug=slug, weight=weight)
    return exam


def registration_create(*, exam: Exam, candidate, ticket: str, id_number: str = "", name: str = "张三") -> Registration:
    return Registration.objects.create(exam=exam, candidate=candidate, full_name=name,
                                       id_number=id_number or f"ID{ticket}", ticket_number=ticket)


def exam_shop_mark(sandbox, *, examiner) -> None:
    """Make ``sandbox`` the shop of an exam task with ORM rows only (no scenario, no provisioning):
    what the exams app's policies look at (its buyers then need the buyer pass)."""
    import uuid as uuid_module

    from sandbox.exams.models import Sitting, SittingTask
    from sandbox.runtime.models import Attempt
    from task_scenarios.models import ScenarioInstance

    now = timezone.now()
    exam = Exam.objects.create(name="考试", window_start=now, window_end=now + timedelta(hours=2), created_by=examiner)
    part = ExamPart.objects.create(exam=exam, position=1, scenario_slug="x", weight=Decimal("1"))
    registration = Registration.objects.create(exam=exam, candidate=sandbox.owner, full_name="考生", id_number="1",
                                               ticket_number=f"M{sandbox.pk:08d}")
    instance = ScenarioInstance.objects.create(sandbox=sandbox, scenario_uuid=uuid_module.uuid4(), slug="x",
                                               version=1, seed=1, baseline=b"")
    attempt = Attempt.objects.create(candidate=sandbox.owner, instance=instance, mode=Attempt.Mode.EXAM)
    SittingTask.objects.create(sitting=Sitting.objects.create(registration=registration), part=part, attempt=attempt)
