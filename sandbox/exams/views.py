"""Exam administration pages (accounts.manage_exams): exams and their papers, candidate import,
registrations, admission tickets. Plus the candidate's own ticket and the ticket login.

Objects in URLs are looked up inside the exam in the same URL (another exam's registration or
part is a 404); a candidate's ticket among their own registrations. Photos are served by views
that check the same, never from a public media URL.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.accounts.permissions import registration_uploads_visible
from sandbox.accounts.views import throttled_response

from . import manage_services, selectors
from .forms import ExamForm, ExamPartForm, ExamPartMoveForm, ImportForm, RegistrationForm, TicketLoginForm
from .imports import template_csv
from .manage_services import ImportRefused
from .models import Exam, ExamPart, Registration
from .services import ExamError

manager_required = permission_required("accounts.manage_exams", raise_exception=True)
PROBLEMS_SHOWN = 2000


def _exam(exam_id: int) -> Exam:
    return get_object_or_404(Exam, pk=exam_id)


def _registration(exam: Exam, registration_id: int) -> Registration:
    return get_object_or_404(Registration.objects.select_related("exam"), pk=registration_id, exam=exam)


def _part(exam: Exam, exampart_id: int) -> ExamPart:
    return get_object_or_404(ExamPart.objects.select_related("exam"), pk=exampart_id, exam=exam)


# -- exams and papers ------------------------------------------------------------------------------

@login_required
@manager_required
@require_GET
def exam_list(request):
    return render(request, "exams/exam_list.html", {"exams": selectors.exams_list()})


@login_required
@manager_required
@require_http_methods(["GET", "POST"])
def exam_create(request):
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = manage_services.exam_create(data=form.exam_data(), actor=request.user)
        except ExamError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已创建考试“%(name)s”，请添加试题") % {"name": exam.name})
            return redirect("exams:exam_detail", exam_id=exam.pk)
    return render(request, "exams/exam_form.html", {"form": form, "exam": None})


@login_required
@manager_required
@require_http_methods(["GET", "POST"])
def exam_edit(request, exam_id: int):
    exam = _exam(exam_id)
    form = ExamForm(request.POST or None, instance=exam)
    if request.method == "POST" and form.is_valid():
        try:
            manage_services.exam_update(exam=exam, data=form.exam_data(), actor=request.user)
        except ExamError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("考试设置已保存"))
            return redirect("exams:exam_detail", exam_id=exam.pk)
    exam.refresh_from_db()
    return render(request, "exams/exam_form.html", {"form": form, "exam": exam,
                                                    "started": selectors.exam_started(exam)})


def _detail(request, exam: Exam, part_form: ExamPartForm | None = None, status: int = 200):
    return render(request, "exams/exam_detail.html", {
        "exam": exam, "parts": selectors.exam_parts(exam), "started": selectors.exam_started(exam),
        "counts": selectors.registration_counts(exam), "part_form": part_form or ExamPartForm(),
    }, status=status)


@login_required
@manager_required
@require_GET
def exam_detail(request, exam_id: int):
    return _detail(request, _exam(exam_id))


@login_required
@manager_required
@require_POST
def exam_part_add(request, exam_id: int):
    exam = _exam(exam_id)
    form = ExamPartForm(request.POST)
    if not form.is_valid():
        return _detail(request, exam, form, status=400)
    try:
        part = manage_services.exam_part_add(exam=exam, scenario_slug=form.cleaned_data["scenario_slug"],
                                             title=form.cleaned_data["title"], weight=form.cleaned_data["weight"],
                                             actor=request.user)
    except ExamError as exc:
        form.add_error(None, exc.message)
        return _detail(request, exam, form, status=400)
    messages.success(request, _("已添加试题：%(title)s") % {"title": part.title})
    return redirect("exams:exam_detail", exam_id=exam.pk)


@login_required
@manager_required
@require_POST
def exam_part_remove(request, exam_id: int, exampart_id: int):
    part = _part(_exam(exam_id), exampart_id)
    try:
        manage_services.exam_part_remove(part=part, actor=request.user)
    except ExamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除试题：%(title)s") % {"title": part.title})
    return redirect("exams:exam_detail", exam_id=exam_id)


@login_required
@manager_required
@require_POST
def exam_part_move(request, exam_id: int, exampart_id: int):
    part = _part(_exam(exam_id), exampart_id)
    form = ExamPartMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("移动方向无效"))
    else:
        try:
            manage_services.exam_part_move(part=part, direction=form.cleaned_data["direction"], actor=request.user)
        except ExamError as exc:
            messages.error(request, exc.message)
    return redirect("exams:exam_detail", exam_id=exam_id)


# -- candidates ------------------------------------------------------------------------------------

@login_required
@manager_required
@require_http_methods(["GET", "POST"])
def registration_import(request, exam_id: int):
    exam = _exam(exam_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, refused = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = manage_services.registrations_import(exam=exam, data=upload.read(), filename=upload.name,
                                                           actor=request.user)
        except ImportRefused as exc:
            refused, problems = exc.message, exc.problems
        except ExamError as exc:
            refused = exc.message
        else:
            messages.success(request, _("已导入 %(n)d 名考生") % {"n": len(created)})
            return redirect("exams:registration_list", exam_id=exam.pk)
    return render(request, "exams/import.html", {
        "exam": exam, "form": form, "refused": refused, "problems": problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
    }, status=400 if refused or form.errors else 200)


@login_required
@manager_required
@require_GET
def import_template(request):
    return HttpResponse(template_csv(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": content_disposition_header(True, _("考生导入模板") + ".csv")})


@login_required
@manager_required
@require_GET
def registration_list(request, exam_id: int):
    exam = _exam(exam_id)
    return render(request, "exams/registration_list.html", {
        "exam": exam, "rows": selectors.registration_rows(exam), "counts": selectors.registration_counts(exam)})


@login_required
@manager_required
@require_http_methods(["GET", "POST"])
def registration_edit(request, exam_id: int, registration_id: int):
    exam = _exam(exam_id)
    registration = _registration(exam, registration_id)
    form = RegistrationForm(request.POST or None, request.FILES or None, instance=registration)
    if request.method == "POST" and form.is_valid():
        try:
            manage_services.registration_update(
                registration=registration, module_score=form.cleaned_data["module_score"],
                theory_score=form.cleaned_data["theory_score"], photo=form.cleaned_data["photo"],
                photo_format=form.photo_format, photo_clear=form.cleaned_data["photo_clear"], actor=request.user)
        except ExamError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存考生 %(name)s 的信息") % {"name": registration.full_name})
            return redirect("exams:registration_list", exam_id=exam.pk)
    registration.refresh_from_db()
    return render(request, "exams/registration_form.html", {
        "exam": exam, "registration": registration, "form": form,
        "masked_id": selectors.id_number_mask(registration.id_number),
        "photo_url": _photo_url(registration, "exams:registration_photo")}, status=400 if form.errors else 200)


def _photo_response(request, registration: Registration):
    """The admission photo, for those who may see the registration's uploads (404 for anyone else)."""
    if not registration_uploads_visible(request.user, registration) or not registration.photo:
        raise Http404("no photo")
    content_type = mimetypes.guess_type(registration.photo.name)[0] or "application/octet-stream"
    try:
        handle = registration.photo.open("rb")
    except OSError:
        raise Http404("photo file missing") from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _photo_url(registration: Registration, view: str) -> str:
    if not registration.photo:
        return ""
    if view == "exams:my_ticket_photo":
        return reverse(view, kwargs={"registration_id": registration.pk})
    return reverse(view, kwargs={"exam_id": registration.exam_id, "registration_id": registration.pk})


@login_required
@manager_required
@require_GET
def registration_photo(request, exam_id: int, registration_id: int):
    return _photo_response(request, _registration(_exam(exam_id), registration_id))


# -- admission tickets -----------------------------------------------------------------------------

def _tickets_page(request, registrations, *, photo_view: str, back_url: str):
    items = [(ticket, _photo_url(ticket.registration, photo_view)) for ticket in selectors.tickets(registrations)]
    return render(request, "exams/tickets.html", {"items": items, "back_url": back_url})


@login_required
@manager_required
@require_GET
def registration_ticket(request, exam_id: int, registration_id: int):
    exam = _exam(exam_id)
    registration = _registration(exam, registration_id)
    return _tickets_page(request, [registration], photo_view="exams:registration_photo",
                         back_url=reverse("exams:registration_list", kwargs={"exam_id": exam.pk}))


@login_required
@manager_required
@require_GET
def exam_tickets(request, exam_id: int):
    exam = _exam(exam_id)
    return _tickets_page(request, selectors.exam_registrations(exam).select_related("exam"),
                         photo_view="exams:registration_photo",
                         back_url=reverse("exams:registration_list", kwargs={"exam_id": exam.pk}))


@login_required
@require_GET
def my_ticket(request, registration_id: int):
    registration = get_object_or_404(selectors.candidate_registrations(request.user), pk=registration_id)
    return _tickets_page(request, [registration], photo_view="exams:my_ticket_photo", back_url="/")


@login_required
@require_GET
def my_ticket_photo(request, registration_id: int):
    registration = get_object_or_404(selectors.candidate_registrations(request.user), pk=registration_id)
    return _photo_response(request, registration)


# -- ticket login ----------------------------------------------------------------------------------

@sensitive_post_parameters("id_number")
@require_http_methods(["GET", "POST"])
def ticket_login(request):
    """准考证登录: the candidate's account by ticket number + ID number; then the home page routes."""
    form = TicketLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        return redirect("/")
    return throttled_response(render(request, "exams/login.html", {"form": form}), form)
