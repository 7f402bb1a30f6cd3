"""考评 (examiner review) pages: exams, the live sitting board, results (publish, export), an attempt's
report with evidence and regrade, manual scoring one criterion at a time, 成绩复核.

Every page needs accounts.review_exams (manual scoring also accounts.grade_manually). Objects in a
URL are looked up inside the exam in the URL: another exam's attempt, registration or review is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.accounts.permissions import attempt_record_visible
from sandbox.exams.models import Exam, RegradePreview, ScoreReview
from sandbox.exams.scores import exam_results, latest_reports, manual_latest, task_score
from sandbox.exams.services import ExamError, registration_extra_time_grant, sitting_expire_due
from sandbox.practice.views import _report_context, _storefront_url
from sandbox.runtime.evidence import evidence_file_response

from . import exports, selectors, services
from .forms import CriterionSettleForm, ExtraTimeForm, ManualScoreForm, ScoreReviewResolveForm
from .services import ReviewError

BOARD_POLL_SECONDS = 5
REGRADE_POLL_SECONDS = 2
REGRADE_SESSION_KEY = "review_regrade"  # attempt id → report version count when a regrade was confirmed

review_required = permission_required("accounts.review_exams", raise_exception=True)
manual_required = permission_required("accounts.grade_manually", raise_exception=True)


def _exam(exam_id: int) -> Exam:
    return get_object_or_404(Exam, pk=exam_id)


def _attempt(exam: Exam, attempt_id: int, user):
    """One of this exam's attempts, if ``user`` may see its record (the same rule as every view
    serving an attempt's reports, evidence or recording)."""
    attempt = selectors.attempt_detail(exam, attempt_id)
    if attempt is None or not attempt_record_visible(user, attempt):
        raise Http404("not an attempt of this exam")
    return attempt


def replay_url(attempt_id: int, *, blind: bool = False) -> str:
    """The replay page; ``blind`` hides the candidate's name and ticket (for anonymised marking)."""
    url = reverse("recording:replay", kwargs={"attempt_id": attempt_id})
    return f"{url}?blind=1" if blind else url


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# -- exams -----------------------------------------------------------------------------------------

@require_GET
@login_required
@review_required
def exam_list(request):
    return render(request, "review/exam_list.html", {"summaries": selectors.exams_overview()})


# -- the live board --------------------------------------------------------------------------------

def _board_context(exam: Exam, *, bound: dict | None = None) -> dict:
    rows = selectors.board_rows(exam)
    bound = bound or {}
    for row in rows:
        pk = row.registration.pk
        row.form = bound.get(pk) or ExtraTimeForm(prefix=f"extra-{pk}")
        row.form_open = pk in bound
    return {"exam": exam, "rows": rows, "poll_seconds": BOARD_POLL_SECONDS, "now": timezone.now()}


@require_GET
@login_required
@review_required
def board(request, exam_id: int):
    exam = _exam(exam_id)
    sitting_expire_due()  # a sitting whose time is up shows as auto-submitted, worker or not
    return render(request, "review/board.html", _board_context(exam))


@require_GET
@login_required
@review_required
def board_rows(request, exam_id: int):
    """The board's rows, polled by htmx every BOARD_POLL_SECONDS."""
    exam = _exam(exam_id)
    sitting_expire_due()
    return render(request, "review/_board_rows.html", _board_context(exam))


@require_POST
@login_required
@review_required
def extra_time(request, exam_id: int, registration_id: int):
    exam = _exam(exam_id)
    registration = get_object_or_404(exam.registrations, pk=registration_id)
    form = ExtraTimeForm(request.POST, prefix=f"extra-{registration.pk}")
    if form.is_valid():
        try:
            registration_extra_time_grant(registration=registration, minutes=form.cleaned_data["minutes"],
                                          actor=request.user, reason=form.cleaned_data["reason"])
        except ExamError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已为 %(who)s 延长 %(n)d 分钟")
                             % {"who": f"{registration.ticket_number} {registration.full_name}",
                                "n": form.cleaned_data["minutes"]})
            return redirect("review:board", exam_id=exam.pk)
    sitting_expire_due()
    return render(request, "review/board.html", _board_context(exam, bound={registration.pk: form}), status=400)


@require_POST
@login_required
@review_required
def login_unlock(request, exam_id: int, registration_id: int):
    """解除登录限制 for one candidate of this exam (someone else's wrong tries slowed their login)."""
    exam = _exam(exam_id)
    registration = get_object_or_404(exam.registrations.select_related("candidate"), pk=registration_id)
    services.registration_login_unlock(registration=registration, actor=request.user)
    messages.success(request, _("已解除 %(who)s 的登录限制") % {"who": f"{registration.ticket_number} {registration.full_name}"})
    return redirect("review:board", exam_id=exam.pk)


# -- results ---------------------------------------------------------------------------------------

@require_GET
@login_required
@review_required
def results(request, exam_id: int):
    exam = _exam(exam_id)
    lines = exam_results(exam)
    parts = list(exam.parts.order_by("position"))
    return render(request, "review/results.html", {
        "exam": exam, "lines": lines, "parts": [selectors.part_label(p) for p in parts]})


@require_http_methods(["GET", "POST"])
@login_required
@review_required
def publish(request, exam_id: int):
    """发布成绩, after a confirmation page that lists what is still incomplete."""
    exam = _exam(exam_id)
    problems: list[str] = []
    if request.method == "POST":
        try:
            services.exam_results_publish(exam=exam, actor=request.user)
        except ReviewError as exc:
            messages.error(request, exc.message)
            problems = exc.problems
        else:
            messages.success(request, _("成绩已发布，考生现在可以查看成绩"))
            return redirect("review:results", exam_id=exam.pk)
    elif not exam.results_published:
        problems = selectors.publish_blockers(exam, exam_results(exam))
    return render(request, "review/publish_confirm.html", {"exam": exam, "problems": problems},
                  status=409 if request.method == "POST" else 200)


EXPORTS = {
    "xlsx": (exports.results_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (exports.results_csv, "text/csv; charset=utf-8"),
}


@require_GET
@login_required
@review_required
def export(request, exam_id: int, fmt: str):
    """The results as a file to download (export.xlsx, export.csv)."""
    exam = _exam(exam_id)
    build, content_type = EXPORTS[fmt]
    response = HttpResponse(build(exam), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="exam-{exam.pk}-results.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- one attempt -----------------------------------------------------------------------------------

def _regrade_context(request, exam: Exam, attempt) -> dict:
    preview = selectors.latest_preview(attempt)
    comparison = None
    if preview is not None and preview.status == RegradePreview.Status.DONE and preview.result:
        current = latest_reports([attempt.pk]).get(attempt.pk)
        comparison = selectors.regrade_comparison(current, preview.result)
    waiting = request.session.get(REGRADE_SESSION_KEY, {}).get(str(attempt.pk))
    versions = attempt.reports.count()
    regrading = waiting is not None and versions <= waiting
    return {"exam": exam, "attempt": attempt, "preview": preview, "comparison": comparison,
            "regrading": regrading, "poll_seconds": REGRADE_POLL_SECONDS,
            "may_preview": attempt.status in services.REGRADABLE,
            "polling": regrading or (preview is not None and preview.status == RegradePreview.Status.PENDING)}


@require_GET
@login_required
@review_required
def attempt_detail(request, exam_id: int, attempt_id: int):
    exam = _exam(exam_id)
    return _attempt_page(request, exam, _attempt(exam, attempt_id, request.user))


def _attempt_page(request, exam: Exam, attempt, *, bound: dict | None = None, status: int = 200):
    report_context = _report_context(request, attempt, url_name="review:evidence", url_kwargs={"exam_id": exam.pk})
    history = selectors.manual_history(attempt)
    if report_context["shown"] is not None:
        selectors.manual_notes(report_context["shown"]["criteria"], history)
    score = task_score(part=attempt.sitting_task.part, attempt_id=attempt.pk,
                       report=latest_reports([attempt.pk]).get(attempt.pk), manual=manual_latest([attempt.pk]))
    return render(request, "review/attempt_detail.html", {
        "exam": exam, "attempt": attempt, "registration": attempt.sitting_task.sitting.registration,
        "status_log": selectors.status_log(attempt),
        "part_label": selectors.part_label(attempt.sitting_task.part), "task_score": score,
        "scenario_title": attempt.sitting_task.part.scenario_title,
        "manual_history": [(selectors.criterion_title(attempt.instance.slug, cid), scores)
                           for cid, scores in sorted(history.items())],
        "replay_url": replay_url(attempt.pk),
        "storefront_url": _storefront_url(attempt.instance.sandbox),
        "settle_forms": _settle_forms(report_context["shown"], bound or {}),
        **report_context, **_regrade_context(request, exam, attempt)}, status=status)


def _settle_forms(shown: dict | None, bound: dict) -> list[tuple[dict, CriterionSettleForm]]:
    """One 核定 form per 未评定 criterion of the shown report."""
    if shown is None:
        return []
    return [(c, bound.get(c["id"]) or CriterionSettleForm(prefix=f"s-{c['id']}"))
            for c in shown["criteria"] if c.get("not_evaluated")]


@require_POST
@login_required
@review_required
@manual_required
def criterion_settle(request, exam_id: int, attempt_id: int, criterion_id: str):
    """核定 a criterion the grader could not judge (the examiner looked at the work)."""
    exam = _exam(exam_id)
    attempt = _attempt(exam, attempt_id, request.user)
    form = CriterionSettleForm(request.POST, prefix=f"s-{criterion_id}")
    if form.is_valid():
        try:
            services.criterion_settle(attempt=attempt, criterion_id=criterion_id, points=form.cleaned_data["points"],
                                      reason=form.cleaned_data["reason"], examiner=request.user)
        except ReviewError as exc:
            messages.error(request, exc.message)  # shown above the page (the criterion may have no form)
        else:
            messages.success(request, _("评分项已核定"))
            return redirect(reverse("review:attempt_detail", kwargs={"exam_id": exam.pk, "attempt_id": attempt.pk})
                            + "#report")
    return _attempt_page(request, exam, attempt, bound={criterion_id: form}, status=400)


@require_GET
@login_required
@review_required
def evidence(request, exam_id: int, attempt_id: int, version: int, criterion: str, filename: str):
    """An evidence screenshot of one of this exam's attempts (the same path checks as practice)."""
    attempt = _attempt(_exam(exam_id), attempt_id, request.user)
    return evidence_file_response(attempt, version, criterion, filename)


def _back_to_regrade(exam: Exam, attempt) -> HttpResponse:
    return redirect(reverse("review:attempt_detail", kwargs={"exam_id": exam.pk, "attempt_id": attempt.pk})
                    + "#regrade")


@require_POST
@login_required
@review_required
def regrade_preview(request, exam_id: int, attempt_id: int):
    exam = _exam(exam_id)
    attempt = _attempt(exam, attempt_id, request.user)
    try:
        services.regrade_preview_request(attempt=attempt, actor=request.user)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("已提交试评：评分完成后下方将显示各评分项的变化（不会保存为新的评分版本）"))
    return _back_to_regrade(exam, attempt)


@require_GET
@login_required
@review_required
def regrade_status(request, exam_id: int, attempt_id: int):
    """The regrade section, polled while a dry run or a confirmed regrade is under way; once the
    regrade has stored its new version the whole page reloads to show it."""
    exam = _exam(exam_id)
    attempt = _attempt(exam, attempt_id, request.user)
    waiting = request.session.get(REGRADE_SESSION_KEY, {}).get(str(attempt.pk))
    if waiting is not None and attempt.reports.count() > waiting:
        pending = dict(request.session.get(REGRADE_SESSION_KEY, {}))
        pending.pop(str(attempt.pk), None)
        request.session[REGRADE_SESSION_KEY] = pending
        messages.success(request, _("重新评分完成，已生成新的评分版本"))
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "review/_regrade.html", _regrade_context(request, exam, attempt))


@require_POST
@login_required
@review_required
def regrade_confirm(request, exam_id: int, attempt_id: int, preview_id: int):
    exam = _exam(exam_id)
    attempt = _attempt(exam, attempt_id, request.user)
    preview = get_object_or_404(RegradePreview, pk=preview_id, attempt=attempt)
    versions = attempt.reports.count()
    try:
        services.regrade_confirm(preview=preview, actor=request.user)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        pending = dict(request.session.get(REGRADE_SESSION_KEY, {}))
        pending[str(attempt.pk)] = versions
        request.session[REGRADE_SESSION_KEY] = pending
        messages.success(request, _("已提交重新评分：完成后将生成第 %(n)d 版评分报告，以前的版本保留")
                         % {"n": versions + 1})
    return _back_to_regrade(exam, attempt)


# -- manual scoring --------------------------------------------------------------------------------

@require_GET
@login_required
@review_required
@manual_required
def manual_list(request, exam_id: int):
    exam = _exam(exam_id)
    return render(request, "review/manual_list.html", {"exam": exam, "criteria": selectors.manual_criteria(exam)})


def _manual_page(request, exam: Exam, criterion_id: str, *, bound: dict | None = None, status: int = 200):
    sheets = selectors.manual_sheets(exam, criterion_id)
    if not sheets:
        raise Http404("no such manual criterion in this exam")
    bound = bound or {}
    for sheet in sheets:
        sheet.form = bound.get(sheet.attempt.pk) or ManualScoreForm(
            descriptors=sheet.descriptors, prefix=f"m{sheet.attempt.pk}",
            initial={"level": sheet.latest.level, "comment": sheet.latest.comment} if sheet.latest else None)
        sheet.replay_url = replay_url(sheet.attempt.pk, blind=True)
        sheet.storefront_url = _storefront_url(sheet.attempt.instance.sandbox)
    first = sheets[0]
    return render(request, "review/manual_criterion.html", {
        "exam": exam, "criterion_id": criterion_id, "sheets": sheets,
        "description": selectors.criterion_title(first.attempt.instance.slug, criterion_id,
                                                  fallback=first.item.get("description")),
        "points": first.item.get("points"),
        "guidance": first.guidance, "descriptors": first.descriptors,
        "scored": sum(1 for s in sheets if s.latest is not None)}, status=status)


@require_GET
@login_required
@review_required
@manual_required
def manual_criterion(request, exam_id: int, criterion_id: str):
    return _manual_page(request, _exam(exam_id), criterion_id)


@require_POST
@login_required
@review_required
@manual_required
def manual_score(request, exam_id: int, criterion_id: str, attempt_id: int):
    exam = _exam(exam_id)
    attempt = get_object_or_404(selectors.exam_attempts(exam), pk=attempt_id)
    sheet = next((s for s in selectors.manual_sheets(exam, criterion_id) if s.attempt.pk == attempt.pk), None)
    if sheet is None:
        raise Http404("not a manual criterion of this attempt")
    form = ManualScoreForm(request.POST, descriptors=sheet.descriptors, prefix=f"m{attempt.pk}")
    if form.is_valid():
        try:
            services.manual_score_record(attempt=attempt, criterion_id=criterion_id, level=form.cleaned_data["level"],
                                         comment=form.cleaned_data["comment"], examiner=request.user)
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("答卷 %(code)s 的评分已保存") % {"code": sheet.code})
            return redirect(reverse("review:manual_criterion", kwargs={"exam_id": exam.pk, "criterion_id": criterion_id})
                            + f"#sheet-{sheet.code}")
    return _manual_page(request, exam, criterion_id, bound={attempt.pk: form}, status=400)


# -- 成绩复核 --------------------------------------------------------------------------------------

def _reviews_page(request, exam: Exam, *, bound: dict | None = None, status: int = 200):
    open_reviews, resolved = selectors.score_reviews(exam)
    bound = bound or {}
    for review in open_reviews:
        review.form = bound.get(review.pk) or ScoreReviewResolveForm(prefix=f"r{review.pk}")
        review.attempts = selectors.registration_attempts(review.registration)
    return render(request, "review/reviews.html", {"exam": exam, "open_reviews": open_reviews, "resolved": resolved},
                  status=status)


@require_GET
@login_required
@review_required
def reviews(request, exam_id: int):
    return _reviews_page(request, _exam(exam_id))


@require_POST
@login_required
@review_required
def review_resolve(request, exam_id: int, scorereview_id: int):
    exam = _exam(exam_id)
    review = get_object_or_404(ScoreReview, pk=scorereview_id, registration__exam=exam)
    form = ScoreReviewResolveForm(request.POST, prefix=f"r{review.pk}")
    if form.is_valid():
        try:
            services.score_review_resolve(review=review, outcome=form.cleaned_data["outcome"],
                                          resolution=form.cleaned_data["resolution"], actor=request.user)
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("复核申请已处理"))
            return redirect("review:reviews", exam_id=exam.pk)
    return _reviews_page(request, exam, bound={review.pk: form}, status=400)
