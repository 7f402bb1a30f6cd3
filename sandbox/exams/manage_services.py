"""Exam administration: creating and editing exams and their papers, importing candidates, editing
one registration.

Every write locks the exam row first, so two examiners editing one paper, or two imports into one
exam, run one after the other (on SQLite the IMMEDIATE transaction already serialises writers).
Once any candidate has started (a ``Sitting`` exists), the paper and the duration are frozen: the
sittings already running were provisioned from them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sandbox.accounts.roles import CANDIDATE, roles_sync

from .imports import CandidateRow, ImportFileError, Problem, rows_check, table_read
from .models import Exam, ExamPart, Level, Registration
from .selectors import exam_started
from .services import ExamError

TICKET_SEQUENCE_DIGITS = 4
TICKET_RETRIES = 3
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}


class ImportRefused(ExamError):
    """The candidate file has problems; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__(_("文件有 %(n)d 处问题，未导入任何考生") % {"n": len(problems)})
        self.problems = problems


@dataclass(frozen=True)
class ExamData:
    """The editable settings of an exam (the form's cleaned data)."""

    name: str
    level: str
    duration_minutes: int
    window_start: datetime
    window_end: datetime
    timeout_policy: str
    grace_minutes: int
    module_weight: int
    pass_mark: Decimal
    review_window_days: int
    rules: str = ""


def _locked_exam(exam: Exam) -> Exam:
    return Exam.objects.select_for_update().get(pk=exam.pk)


def _refuse_if_started(exam: Exam, what: str) -> None:
    if exam_started(exam):
        raise ExamError(_("已有考生开始作答，不能再修改%(what)s") % {"what": what})


def _check_data(data: ExamData) -> None:
    if not data.name.strip():
        raise ExamError(_("考试名称不能为空"))
    if data.level not in Level.values:
        raise ExamError(_("级别无效"))
    if data.window_end <= data.window_start:
        raise ExamError(_("截止时间必须晚于开考时间"))
    if data.timeout_policy not in Exam.TimeoutPolicy.values:
        raise ExamError(_("到时处理方式无效"))


def exam_create(*, data: ExamData, actor) -> Exam:
    """A new exam with an empty paper."""
    _check_data(data)
    return Exam.objects.create(created_by=actor, **{**data.__dict__, "name": data.name.strip()})


def exam_update(*, exam: Exam, data: ExamData, actor) -> Exam:
    """Change an exam's settings. The duration is frozen once a candidate has started, the level
    once candidates are registered (their tickets carry it)."""
    _check_data(data)
    with transaction.atomic():
        locked = _locked_exam(exam)
        if data.duration_minutes != locked.duration_minutes:
            _refuse_if_started(locked, _("考试时长"))
        if data.level != locked.level and locked.registrations.exists():
            raise ExamError(_("已有考生报名，不能再修改级别（准考证号含级别）"))
        for field, value in data.__dict__.items():
            setattr(locked, field, value.strip() if field == "name" else value)
        locked.save()
    return locked


# -- the paper -------------------------------------------------------------------------------------

def _scenario_title(slug: str) -> str:
    """The catalog scenario's Chinese title; ExamError if it is missing or does not load."""
    from sandbox.practice.selectors import catalog_entry

    entry = catalog_entry(slug)
    if entry is None:
        raise ExamError(_("场景目录中没有“%(slug)s”") % {"slug": slug})
    if not entry.loads:
        raise ExamError(_("场景“%(slug)s”无法载入（%(n)d 个问题），请先运行 scenarios validate 修正")
                        % {"slug": slug, "n": len(entry.problems)})
    return entry.scenario.spec.title.zh


def exam_part_add(*, exam: Exam, scenario_slug: str, title: str, weight: Decimal, actor) -> ExamPart:
    """Append a catalog scenario to the paper (each scenario at most once)."""
    if weight is None or weight < Decimal("0.01"):
        raise ExamError(_("权重必须大于 0"))
    default_title = _scenario_title(scenario_slug)
    with transaction.atomic():
        locked = _locked_exam(exam)
        _refuse_if_started(locked, _("试卷"))
        if locked.parts.filter(scenario_slug=scenario_slug).exists():
            raise ExamError(_("试卷中已有场景“%(slug)s”") % {"slug": scenario_slug})
        last = locked.parts.aggregate(last=Max("position"))["last"] or 0
        return ExamPart.objects.create(exam=locked, position=last + 1, scenario_slug=scenario_slug,
                                       title=(title or "").strip() or default_title[:100], weight=weight)


def exam_part_remove(*, part: ExamPart, actor) -> None:
    """Take a part off the paper; the parts after it move up one place."""
    with transaction.atomic():
        locked = _locked_exam(part.exam)
        _refuse_if_started(locked, _("试卷"))
        part = ExamPart.objects.get(pk=part.pk, exam=locked)
        position = part.position
        part.delete()
        for later in locked.parts.filter(position__gt=position).order_by("position"):
            later.position -= 1
            later.save(update_fields=["position"])


def exam_part_move(*, part: ExamPart, direction: str, actor) -> ExamPart:
    """Swap a part with its neighbour above ("up") or below ("down"); at either end nothing moves."""
    if direction not in ("up", "down"):
        raise ExamError(_("移动方向无效"))
    with transaction.atomic():
        locked = _locked_exam(part.exam)
        _refuse_if_started(locked, _("试卷"))
        part = ExamPart.objects.get(pk=part.pk, exam=locked)
        siblings = locked.parts.filter(position__lt=part.position).order_by("-position") if direction == "up" \
            else locked.parts.filter(position__gt=part.position).order_by("position")
        neighbour = siblings.first()
        if neighbour is None:
            return part
        mine, theirs = part.position, neighbour.position
        part.position = 0  # a free slot: (exam, position) is unique
        part.save(update_fields=["position"])
        neighbour.position = mine
        neighbour.save(update_fields=["position"])
        part.position = theirs
        part.save(update_fields=["position"])
    return part


# -- candidates ------------------------------------------------------------------------------------

def ticket_prefix(exam: Exam) -> str:
    """准考证号 = year of the exam + exam id (4 digits) + level + a 4-digit sequence."""
    year = timezone.localtime(exam.window_start).year
    return f"{year:04d}{exam.pk:04d}{exam.level}"


def _next_sequence(prefix: str) -> int:
    """One past the highest sequence taken under ``prefix`` by a ticket or a username."""
    width = len(prefix) + TICKET_SEQUENCE_DIGITS
    taken = list(Registration.objects.filter(ticket_number__startswith=prefix).values_list("ticket_number", flat=True))
    taken += list(get_user_model().objects.filter(username__startswith=prefix).values_list("username", flat=True))
    sequences = [int(t[len(prefix):]) for t in taken if len(t) == width and t[len(prefix):].isdigit()]
    return max(sequences, default=0) + 1


def ticket_numbers_allocate(exam: Exam, count: int) -> list[str]:
    """``count`` fresh ticket numbers for ``exam`` (call with the exam locked)."""
    prefix = ticket_prefix(exam)
    first = _next_sequence(prefix)
    last = first + count - 1
    if last >= 10 ** TICKET_SEQUENCE_DIGITS:
        raise ExamError(_("本场考试的准考证号已用尽（最多 %(max)d 名考生）") % {"max": 10 ** TICKET_SEQUENCE_DIGITS - 1})
    return [f"{prefix}{n:0{TICKET_SEQUENCE_DIGITS}d}" for n in range(first, last + 1)]


def _candidate_group() -> Group:
    return Group.objects.filter(name=CANDIDATE).first() or roles_sync()[CANDIDATE]


def _existing_problems(exam: Exam, ids: dict[str, list[int]], column: str) -> list[Problem]:
    """Rows whose id number is already registered for ``exam``."""
    numbers = list(ids)
    registered = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        registered.update(Registration.objects.filter(exam=exam, id_number__in=chunk)
                          .values_list("id_number", "ticket_number"))
    return [Problem(row, column, _("该证件号码已报名本场考试（准考证号 %(ticket)s）") % {"ticket": ticket})
            for number, ticket in registered.items() for row in ids[number]]


def _registrations_create(exam: Exam, rows: list[CandidateRow]) -> list[Registration]:
    User = get_user_model()
    tickets = ticket_numbers_allocate(exam, len(rows))
    users = []
    for ticket in tickets:
        user = User(username=ticket)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    if any(u.pk is None for u in users):  # a backend without RETURNING: read the ids back
        by_name = dict(User.objects.filter(username__in=tickets).values_list("username", "pk"))
        for user in users:
            user.pk = by_name[user.username]
    group = _candidate_group()
    Membership = User.groups.through
    Membership.objects.bulk_create([Membership(user_id=u.pk, group_id=group.pk) for u in users])
    registrations = [
        Registration(exam=exam, candidate=user, full_name=row.full_name, id_type=row.id_type, id_number=row.id_number,
                     ticket_number=ticket, module_score=row.module_score, theory_score=row.theory_score)
        for row, user, ticket in zip(rows, users, tickets, strict=True)
    ]
    return Registration.objects.bulk_create(registrations)


def registrations_import(*, exam: Exam, data: bytes, filename: str = "", actor) -> list[Registration]:
    """Register every candidate of a CSV/XLSX file, each with a candidate account (username = the
    ticket number, no password: they log in with ticket number + ID number) — or none at all: any
    problem in any row raises ImportRefused listing them all. Ticket numbers are allocated under
    the exam's lock; a clash with a number taken meanwhile (the unique constraint) is retried."""
    try:
        table = table_read(data, filename=filename)
    except ImportFileError as exc:
        raise ImportRefused([Problem(None, "", exc.message)]) from exc
    for attempt in range(TICKET_RETRIES):
        try:
            with transaction.atomic():
                locked = _locked_exam(exam)
                try:
                    checked = rows_check(table, level=locked.level)
                except ImportFileError as exc:
                    raise ImportRefused([Problem(None, "", exc.message)]) from exc
                problems = checked.problems + _existing_problems(locked, checked.ids, checked.id_column)
                if problems:
                    raise ImportRefused(sorted(problems, key=lambda p: p.row or 0))
                return _registrations_create(locked, checked.rows)
        except IntegrityError:
            if attempt == TICKET_RETRIES - 1:
                raise ExamError(_("准考证号分配冲突，请稍后重试")) from None
    raise AssertionError("unreachable")


def registration_update(*, registration: Registration, module_score: Decimal | None, theory_score: Decimal | None,
                        photo: UploadedFile | None = None, photo_format: str = "", photo_clear: bool = False,
                        actor) -> Registration:
    """Set a candidate's module and theory scores and photo. The photo (already checked by the
    form: a real JPEG/PNG) is stored under an unguessable name with its real extension; the file it
    replaces is deleted only once the change is committed."""
    for value in (module_score, theory_score):
        if value is not None and not (Decimal(0) <= value <= Decimal(100)):
            raise ExamError(_("成绩应在 0–100 之间"))
    if photo is not None and photo_format not in PHOTO_EXTENSIONS:
        raise ExamError(_("照片只能是 JPG 或 PNG 图片"))
    stored = None
    try:
        with transaction.atomic():
            locked = Registration.objects.select_for_update().get(pk=registration.pk)
            old = locked.photo.name if locked.photo else ""
            locked.module_score = module_score
            locked.theory_score = theory_score
            if photo is not None:
                photo.seek(0)
                locked.photo.save(f"{secrets.token_hex(12)}.{PHOTO_EXTENSIONS[photo_format]}", photo, save=False)
                stored = locked.photo.name
            elif photo_clear:
                locked.photo = ""
            locked.save()
            if old and old != (locked.photo.name or ""):
                storage = locked.photo.storage
                transaction.on_commit(lambda: storage.delete(old))
    except Exception:
        if stored:
            registration.photo.storage.delete(stored)
        raise
    return locked
