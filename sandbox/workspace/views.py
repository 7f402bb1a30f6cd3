"""The candidate's exam pages (accounts.sit_exam): my exams, the start page with the rules, the
workspace per task (instructions beside the candidate's back office in a frame, the countdown,
交卷本题 / 交卷（全部）), the clock the page re-syncs from, results and 成绩复核.

Every registration in a URL is looked up among the user's own, every task among that registration's
sitting: another candidate's id is a 404. Every page that shows a sitting calls ``sitting_refresh``
first, so a sitting whose time is up is auto-submitted before anything is shown or done.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.exams.models import Registration, Sitting, SittingTask
from sandbox.exams.scores import latest_reports, manual_latest
from sandbox.exams.services import ExamError, sitting_refresh, sitting_start, sitting_submit, \
    sitting_task_submit
from sandbox.practice.selectors import catalog_entry
from sandbox.practice.views import _instructions, _report_view, handed_out_files
from sandbox.runtime.services import attempt_task_open
from shop_sim.storefront.buyer import buyer_pass_url
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY

from . import selectors
from .forms import ScoreReviewForm
from .services import score_review_file

candidate_required = permission_required("accounts.sit_exam", raise_exception=True)

DEFAULT_RULES = [
    gettext_lazy("考试开始后计时，剩余时间以服务器为准；刷新页面、关闭浏览器不会暂停计时。"),
    gettext_lazy("每道题有独立的店铺：左侧是任务说明，右侧是你的商家后台；可在新标签页打开店铺前台查看效果。"),
    gettext_lazy("交卷后的题目、考试时间到后的所有题目，店铺都不能再修改。"),
    gettext_lazy("考试期间的操作会被记录，供考评员复核。"),
    gettext_lazy("请独立完成，不得使用与考试无关的网站和软件。"),
]


# -- helpers ---------------------------------------------------------------------------------------

def _own_registration(request, registration_id: int) -> Registration:
    return get_object_or_404(selectors.candidate_registrations(request.user), pk=registration_id)


def _current_sitting(registration: Registration) -> Sitting | None:
    """The registration's sitting as it stands now (auto-submitted first if its time is up)."""
    sitting = selectors.registration_sitting(registration)
    return sitting_refresh(sitting) if sitting is not None else None


def _started_sitting(registration: Registration) -> Sitting:
    sitting = _current_sitting(registration)
    if sitting is None:
        raise Http404("not started")
    return sitting


def _own_task(request, registration_id: int, sittingtask_id: int):
    """(registration, sitting as it stands now, its tasks, the task named in the URL) — a 404 unless
    the registration is the user's and the task is its sitting's."""
    registration = _own_registration(request, registration_id)
    sitting = _started_sitting(registration)
    tasks = selectors.sitting_tasks(sitting)
    for task in tasks:
        if task.pk == sittingtask_id:
            return registration, sitting, tasks, task
    raise Http404("not a task of this sitting")


def _task_url(registration: Registration, task: SittingTask) -> str:
    return reverse("workspace:sitting_task", kwargs={"registration_id": registration.pk, "sittingtask_id": task.pk})


def _workspace_redirect(registration: Registration, sitting: Sitting):
    """To the first task still open (else the first task) of the sitting."""
    tasks = selectors.sitting_tasks(sitting)
    if not tasks:
        return redirect("workspace:sitting_list")
    task = next((t for t in tasks if not selectors.task_submitted(t)), tasks[0])
    return redirect(_task_url(registration, task))


def _tab(task: SittingTask) -> dict:
    return {"task": task, "title": selectors.part_title(task.part), "submitted": selectors.task_submitted(task)}


def _closed_message(request, sitting: Sitting) -> None:
    if sitting.auto_submitted:
        messages.info(request, _("考试时间已到，系统已自动交卷。"))
    else:
        messages.info(request, _("已交卷。所有题目的店铺已冻结，等待评分；成绩发布后可在“我的考试”中查看。"))


def _clock_context(registration: Registration, sitting: Sitting) -> dict:
    clock = selectors.sitting_clock(sitting)
    target = clock.seconds_left if clock.working else clock.submit_seconds_left
    return {"clock": clock, "clock_text": selectors.minutes_seconds(target),
            "clock_url": reverse("workspace:sitting_clock", kwargs={"registration_id": registration.pk})}


# -- my exams and the start page -------------------------------------------------------------------

@require_GET
@login_required
@candidate_required
def sitting_list(request):
    rows = []
    for registration in selectors.candidate_registrations(request.user):
        sitting = _current_sitting(registration)
        row = {"registration": registration, "exam": registration.exam, "sitting": sitting,
               "window": selectors.exam_window_state(registration.exam)}
        if sitting is not None:
            row.update(_clock_context(registration, sitting))
        rows.append(row)
    return render(request, "workspace/list.html", {"rows": rows})


@require_GET
@login_required
@candidate_required
def sitting_start_page(request, registration_id: int):
    """开考前: the rules, the paper, the candidate's identity; once started, the workspace."""
    registration = _own_registration(request, registration_id)
    sitting = _current_sitting(registration)
    if sitting is not None:
        return _workspace_redirect(registration, sitting)
    exam = registration.exam
    parts = [{"part": part, "title": selectors.part_title(part)} for part in exam.parts.order_by("position")]
    rules = [line.strip() for line in exam.rules.splitlines() if line.strip()] or DEFAULT_RULES
    return render(request, "workspace/start.html", {
        "registration": registration, "exam": exam, "parts": parts, "rules": rules,
        "window": selectors.exam_window_state(exam)})


@require_POST
@login_required
@candidate_required
def sitting_start_view(request, registration_id: int):
    registration = _own_registration(request, registration_id)
    try:
        sitting = sitting_start(registration=registration, actor=request.user)
    except ExamError as exc:
        messages.error(request, exc.message)
        return redirect("workspace:sitting_start_page", registration_id=registration.pk)
    return _workspace_redirect(registration, sitting_refresh(sitting))


# -- the workspace ---------------------------------------------------------------------------------

@require_GET
@login_required
@candidate_required
def sitting_task(request, registration_id: int, sittingtask_id: int):
    registration, sitting, tasks, task = _own_task(request, registration_id, sittingtask_id)
    context = _clock_context(registration, sitting)
    clock = context["clock"]
    submitted = selectors.task_submitted(task)
    if clock.working and not submitted:  # first opening: the scenario's start hook (buyers write in)
        attempt_task_open(attempt=task.attempt)
    instructions, problem = _instructions(catalog_entry(task.attempt.instance.slug), task.attempt)
    return render(request, "workspace/task.html", {
        **context, "registration": registration, "exam": registration.exam, "sitting": sitting,
        "task": task, "title": selectors.part_title(task.part), "tabs": [_tab(t) for t in tasks],
        "instructions": instructions, "instructions_problem": problem,
        "handed_out": handed_out_files(task.attempt),
        # the candidate's own link carries the shop's buyer pass (an exam shop's buyers need it)
        "storefront_url": buyer_pass_url(task.attempt.instance.sandbox),
        "task_submitted": submitted, "show_console": clock.working and not submitted,
        "may_submit_task": clock.may_submit and not submitted,
    })


@xframe_options_sameorigin  # the workspace frames it
@require_GET
@login_required
@candidate_required
def sitting_task_console(request, registration_id: int, sittingtask_id: int):
    """The frame's source: this task's sandbox becomes the console's, then its dashboard."""
    _registration, sitting, _tasks, task = _own_task(request, registration_id, sittingtask_id)
    if selectors.sitting_clock(sitting).working and not selectors.task_submitted(task):
        attempt_task_open(attempt=task.attempt)
    request.session[ACTIVE_SANDBOX_SESSION_KEY] = task.attempt.instance.sandbox_id
    return redirect("console:dashboard")


@require_http_methods(["GET", "POST"])
@login_required
@candidate_required
def sitting_task_submit_view(request, registration_id: int, sittingtask_id: int):
    """交卷本题: a confirmation page, then the submit (the task's shop freezes, grading is queued)."""
    registration, sitting, tasks, task = _own_task(request, registration_id, sittingtask_id)
    back = _task_url(registration, task)
    if sitting.status != Sitting.Status.IN_PROGRESS:
        _closed_message(request, sitting)
        return redirect(back)
    if selectors.task_submitted(task):
        messages.info(request, _("该题已交卷。"))
        return redirect(back)
    if request.method == "GET":
        return render(request, "workspace/submit_task_confirm.html", {
            **_clock_context(registration, sitting), "registration": registration, "exam": registration.exam,
            "sitting": sitting, "task": task, "title": selectors.part_title(task.part)})
    try:
        sitting_task_submit(task=task, actor=request.user)
    except ExamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(title)s”已交卷，店铺已冻结，不能再修改。") % {"title": selectors.part_title(task.part)})
    return redirect(back)


@require_http_methods(["GET", "POST"])
@login_required
@candidate_required
def sitting_submit_view(request, registration_id: int):
    """交卷（全部）: a confirmation page listing the tasks still open, then the submit."""
    registration = _own_registration(request, registration_id)
    sitting = _started_sitting(registration)
    if sitting.status != Sitting.Status.IN_PROGRESS:
        _closed_message(request, sitting)
        return _workspace_redirect(registration, sitting)
    tasks = selectors.sitting_tasks(sitting)
    if request.method == "GET":
        return render(request, "workspace/submit_confirm.html", {
            **_clock_context(registration, sitting), "registration": registration, "exam": registration.exam,
            "sitting": sitting, "tabs": [_tab(t) for t in tasks],
            "open_tabs": [_tab(t) for t in tasks if not selectors.task_submitted(t)],
            "back": _workspace_redirect(registration, sitting).url})
    try:
        done = sitting_submit(sitting=sitting, actor=request.user)
    except ExamError as exc:
        messages.error(request, exc.message)
        return _workspace_redirect(registration, sitting)
    _closed_message(request, done)
    return _workspace_redirect(registration, done)


@never_cache
@require_GET
@login_required
@candidate_required
def sitting_clock(request, registration_id: int):
    """The server's clock for the page's countdown (re-synced every 20 s): extra time an examiner
    granted and the clock's auto-submit show up here."""
    registration = _own_registration(request, registration_id)
    sitting = _started_sitting(registration)
    clock = selectors.sitting_clock(sitting)
    submitted = [t.pk for t in selectors.sitting_tasks(sitting) if selectors.task_submitted(t)]
    return JsonResponse(clock.as_json(submitted))


# -- results and 成绩复核 ---------------------------------------------------------------------------

def _task_report(report, score, manual: dict) -> dict:
    """The practice report view of a stored report, for the exam: examiner scores in place of the
    manual criteria's zeros, the task's exam score as the total. Evidence screenshots are the
    examiners' (the practice evidence view serves practice attempts only), so they are left out."""
    view = _report_view(report.attempt, report)
    for criterion in view["criteria"]:
        criterion["evidence"] = []
        if not criterion["manual"]:
            continue
        # the practice note ("not scored in practice") and the descriptors' JSON do not apply
        criterion.update(manual=False, expected="", actual="")
        scored = manual.get((report.attempt_id, criterion["id"]))
        if scored is None:
            criterion.update(full=False, message=_("待考评员评分"))
            continue
        note = scored.level + (f"：{scored.comment}" if scored.comment else "")
        criterion.update(score=scored.points, message=note,
                         full=Decimal(scored.points) == Decimal(str(criterion["points"])))
    view["report"] = SimpleNamespace(total=score.earned, max=score.max, version=report.version,
                                     created_at=report.created_at)
    return view


def _results_context(registration: Registration, form: ScoreReviewForm | None = None) -> dict:
    exam = registration.exam
    context = {"registration": registration, "exam": exam, "published": exam.results_published}
    if not exam.results_published:
        return context
    line = selectors.registration_result(registration)
    tasks = line.tasks if line is not None else []
    attempt_ids = [t.attempt_id for t in tasks if t.attempt_id]
    reports = latest_reports(attempt_ids)
    manual = manual_latest(attempt_ids)
    parts = {p.pk: p for p in exam.parts.all()}
    rows = []
    for score in tasks:
        report = reports.get(score.attempt_id)
        rows.append({"score": score, "title": selectors.part_title(parts[score.part_id]),
                     "shown": _task_report(report, score, manual) if report is not None else None})
    context.update(line=line, rows=rows, reviews=selectors.registration_reviews(registration),
                   review_last_day=selectors.review_last_day(exam), review_in_window=selectors.review_window_open(exam),
                   review_open=selectors.review_open_exists(registration), form=form or ScoreReviewForm())
    return context


@require_GET
@login_required
@candidate_required
def sitting_results(request, registration_id: int):
    registration = _own_registration(request, registration_id)
    return render(request, "workspace/results.html", _results_context(registration))


@require_POST
@login_required
@candidate_required
def score_review(request, registration_id: int):
    """成绩复核: file a request (the service decides whether it is still allowed)."""
    registration = _own_registration(request, registration_id)
    form = ScoreReviewForm(request.POST)
    if not form.is_valid():
        return render(request, "workspace/results.html", _results_context(registration, form))
    try:
        score_review_file(registration=registration, reason=form.cleaned_data["reason"])
    except ExamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("复核申请已提交，考评员处理后会在本页显示处理结果。"))
    return redirect(reverse("workspace:sitting_results", kwargs={"registration_id": registration.pk}) + "#review")
