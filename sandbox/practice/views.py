"""Practice pages. Candidates (accounts.sit_exam): the list of published tasks, a task page per
attempt (instructions, console and storefront links, 提交评分 with a live status, 重置沙箱, reports).
Trainers (accounts.view_class_results): their classes, publishing, results, read-only reports.

Every attempt in a URL is looked up among the candidate's own practice attempts (another
candidate's id is a 404), or for a trainer among the members of their own class. Evidence files
are served by a view that asks ``sandbox.accounts.permissions.attempt_record_visible`` (practice
attempts only), never from a public media URL.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.accounts.permissions import attempt_record_visible
from sandbox.runtime.evidence import evidence_file_response
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.runtime.services import attempt_task_open, evidence_dir_for
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY

from . import selectors, services
from .forms import PublicationForm
from .rendering import markdown_html
from .services import PracticeError

PENDING_SESSION_KEY = "practice_grading"
POLL_SECONDS = 2

candidate_required = permission_required("accounts.sit_exam", raise_exception=True)
trainer_required = permission_required("accounts.view_class_results", raise_exception=True)
author_required = permission_required("accounts.author_scenarios", raise_exception=True)


# -- helpers ---------------------------------------------------------------------------------------

def _own_attempt(request, attempt_id: int) -> Attempt:
    return get_object_or_404(selectors.candidate_attempts(request.user), pk=attempt_id)


def _pending(request) -> dict:
    return request.session.get(PENDING_SESSION_KEY, {})


def _set_pending(request, attempt_id: int, value: dict | None) -> None:
    pending = dict(_pending(request))
    if value is None:
        pending.pop(str(attempt_id), None)
    else:
        pending[str(attempt_id)] = value
    request.session[PENDING_SESSION_KEY] = pending


def _grading(request, attempt: Attempt):
    """The state of this browser's last grading request for ``attempt`` (None if there is none).
    A request that is done is forgotten; a failed one is shown once more and then forgotten."""
    wanted = _pending(request).get(str(attempt.pk))
    if wanted is None:
        return None
    state = selectors.grading_state(attempt, wanted)
    if not state.waiting:
        _set_pending(request, attempt.pk, None)
    return state


def _storefront_url(sandbox) -> str:
    try:
        return reverse("storefront:home", kwargs={"storefront_key": sandbox.storefront_key})
    except NoReverseMatch:
        return f"/s/{sandbox.storefront_key}/"


def _localized(text) -> str:
    return selectors.localized(text)


def _pretty(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def _evidence_links(attempt: Attempt, version: int, evidence: list, *, url_name: str = "practice:practice_evidence",
                    url_kwargs: dict | None = None) -> list[dict]:
    """Screenshots of a criterion as links to a permission-checked evidence view (``url_name``, which
    takes attempt_id/version/criterion/filename plus ``url_kwargs``: the examiners' view adds exam_id)."""
    root = evidence_dir_for(attempt.pk, version).resolve()
    links = []
    for item in evidence or []:
        if not isinstance(item, dict) or item.get("kind") != "screenshot" or not item.get("path"):
            continue
        try:
            relative = Path(item["path"]).resolve().relative_to(root)
        except ValueError:
            continue
        if len(relative.parts) != 2:
            continue
        url = reverse(url_name, kwargs={**(url_kwargs or {}), "attempt_id": attempt.pk, "version": version,
                                        "criterion": relative.parts[0], "filename": relative.parts[1]})
        links.append({"url": url, "page": item.get("url", ""), "name": relative.parts[1]})
    return links


def _report_view(attempt: Attempt, report: AttemptReport, **evidence_url) -> dict:
    """A stored report as the page shows it: per criterion the description, score, the message for
    the candidate, expected/actual when points were lost, evidence links (``evidence_url``: see
    ``_evidence_links``); collateral lines; what the shop recorded after the freeze."""
    data = report.report or {}
    criteria = []
    for item in data.get("criteria", []):
        result = item.get("result", {})
        full = str(result.get("score")) == str(item.get("points"))
        criteria.append({
            "id": item.get("id"), "description": _localized(item.get("description")),
            "points": item.get("points"), "score": result.get("score"), "full": full,
            "not_evaluated": result.get("verdict") == "not_evaluated",
            "manual": not item.get("machine_scored", True), "message": result.get("message", ""),
            "expected": "" if full else _pretty(result.get("expected")),
            "actual": "" if full else _pretty(result.get("actual")),
            "evidence": _evidence_links(attempt, report.version, result.get("evidence"), **evidence_url),
        })
    return {"report": report, "criteria": criteria, "collateral": data.get("collateral", []),
            "collateral_error": data.get("collateral_error", ""), "deduction": data.get("deduction", "0"),
            "pending_manual": data.get("pending_manual", []), "not_evaluated": data.get("not_evaluated", []),
            "after_freeze": data.get("after_freeze", []), "after_freeze_note": data.get("after_freeze_note", "")}


def _chosen_report(request, reports: list[AttemptReport]) -> AttemptReport | None:
    wanted = request.GET.get("version", "")
    if wanted.isdigit():
        for report in reports:
            if report.version == int(wanted):
                return report
        raise Http404("no such report version")
    return reports[0] if reports else None


def _report_context(request, attempt: Attempt, **evidence_url) -> dict:
    reports = selectors.attempt_reports(attempt)
    chosen = _chosen_report(request, reports)
    return {"reports": reports, "shown": _report_view(attempt, chosen, **evidence_url) if chosen else None,
            "is_latest": chosen is not None and chosen == reports[0]}


def _instructions(entry, attempt: Attempt) -> tuple[str, str]:
    """(HTML, problem): the task text for this attempt's variant, or why it cannot be shown."""
    if entry is None or not entry.loads:
        return "", _("场景目前无法载入，任务说明暂不可用，请联系培训师。")
    scenario = entry.scenario
    instance = attempt.instance
    if scenario.uuid != str(instance.scenario_uuid) or scenario.version != instance.version:
        return "", _("场景已更新为第 %(have)s 版（本次练习是第 %(want)s 版），请重置沙箱开始新版本的练习。") % {
            "have": scenario.version, "want": instance.version}
    try:
        return markdown_html(scenario.instructions(instance.params)), ""
    except Exception as exc:  # trainer content: a broken template must not break the page
        return "", _("任务说明无法显示：%(error)s") % {"error": exc}


def handed_out_files(attempt: Attempt) -> list:
    """The files this task hands the candidate (its shop's 下发文件), listed under the instructions
    with links to 文件中心's download, so every file an instruction names is one click away."""
    from shop_sim.models import ShopFile

    return list(ShopFile.objects.for_sandbox(attempt.instance.sandbox_id)
                .filter(kind=ShopFile.Kind.PROVIDED).order_by("name", "pk"))


# -- candidate pages -------------------------------------------------------------------------------

@require_GET
@login_required
@candidate_required
def practice_list(request):
    slugs = selectors.candidate_published_slugs(request.user)
    summaries = selectors.score_summaries([request.user.pk], slugs)
    latest = [s.last_attempt for s in summaries.values() if s.last_attempt is not None]
    latest_reports = selectors.latest_reports(a.pk for a in latest)
    rows = []
    for slug in slugs:
        summary = summaries.get((request.user.pk, slug), selectors.ScoreSummary())
        last = summary.last_attempt
        rows.append({"slug": slug, "entry": selectors.catalog_entry(slug), "summary": summary, "last": last,
                     "last_report": latest_reports.get(last.pk) if last else None})
    return render(request, "practice/list.html", {"rows": rows})


@require_POST
@login_required
@candidate_required
def practice_start(request, scenario_slug: str):
    try:
        attempt, created = services.practice_start(candidate=request.user, scenario_slug=scenario_slug)
    except PracticeError as exc:
        messages.error(request, exc.message)
        return redirect("practice:practice_list")
    request.session[ACTIVE_SANDBOX_SESSION_KEY] = attempt.instance.sandbox_id
    if created:
        messages.success(request, _("练习环境已准备好：请先阅读任务说明，再进入商家后台操作。"))
    return redirect("practice:practice_task", attempt_id=attempt.pk)


@require_GET
@login_required
@candidate_required
def practice_task(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    attempt_task_open(attempt=attempt)  # first opening: the scenario's start hook (buyers write in)
    entry = selectors.catalog_entry(attempt.instance.slug)
    instructions, instructions_problem = _instructions(entry, attempt)
    superseded = selectors.attempt_superseded(attempt)
    current = None
    if superseded:
        current = (selectors.candidate_attempts(request.user).filter(instance__slug=attempt.instance.slug)
                   .order_by("-started_at", "-id").first())
    return render(request, "practice/task.html", {
        "attempt": attempt, "entry": entry, "instructions": instructions,
        "instructions_problem": instructions_problem, "storefront_url": _storefront_url(attempt.instance.sandbox),
        "handed_out": handed_out_files(attempt),
        "superseded": superseded, "current": current, "grading": _grading(request, attempt),
        "poll_seconds": POLL_SECONDS, **_report_context(request, attempt),
    })


@require_POST
@login_required
@candidate_required
def practice_grade(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    wanted = _pending(request).get(str(attempt.pk))
    if wanted is not None and selectors.grading_state(attempt, wanted).waiting:
        messages.info(request, _("已在评分中，请稍候。"))  # a double click queues nothing twice
    else:
        try:
            grade_request = services.practice_grade_request(attempt=attempt, actor=request.user)
        except PracticeError as exc:
            messages.error(request, exc.message)
        else:
            _set_pending(request, attempt.pk, grade_request.as_session())
    return redirect(reverse("practice:practice_task", kwargs={"attempt_id": attempt.pk}) + "#report")


@require_GET
@login_required
@candidate_required
def practice_grade_status(request, attempt_id: int):
    """The report section, polled by htmx every POLL_SECONDS while a grading request is open."""
    attempt = _own_attempt(request, attempt_id)
    return render(request, "practice/_report_section.html", {
        "attempt": attempt, "grading": _grading(request, attempt), "poll_seconds": POLL_SECONDS,
        **_report_context(request, attempt)})


@require_POST
@login_required
@candidate_required
def practice_console(request, attempt_id: int):
    """进入商家后台: this attempt's sandbox becomes the console's, and a graded attempt is in progress
    again (the candidate goes back to work)."""
    attempt = _own_attempt(request, attempt_id)
    attempt = services.practice_resume(attempt=attempt, actor=request.user)
    attempt_task_open(attempt=attempt)
    request.session[ACTIVE_SANDBOX_SESSION_KEY] = attempt.instance.sandbox_id
    return redirect("console:dashboard")


@require_http_methods(["GET", "POST"])
@login_required
@candidate_required
def practice_reset(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    if request.method == "POST":
        try:
            new = services.practice_reset(attempt=attempt, actor=request.user)
        except PracticeError as exc:
            messages.error(request, exc.message)
            return redirect("practice:practice_task", attempt_id=attempt.pk)
        request.session[ACTIVE_SANDBOX_SESSION_KEY] = new.instance.sandbox_id
        messages.success(request, _("已重置：这是一个全新的练习沙箱（新的订单号和数据），以前的评分记录仍保留。"))
        return redirect("practice:practice_task", attempt_id=new.pk)
    return render(request, "practice/reset_confirm.html", {"attempt": attempt,
                                                           "entry": selectors.catalog_entry(attempt.instance.slug)})


@require_GET
@login_required
def practice_evidence(request, attempt_id: int, version: int, criterion: str, filename: str):
    """An evidence screenshot of a practice attempt, for those who may see its record (its
    candidate, a trainer of their class, an administrator); anyone else gets a 404, as if it did
    not exist. An exam's evidence is served only by the examiners' view."""
    attempt = get_object_or_404(Attempt.objects.only("id", "candidate_id", "mode"), pk=attempt_id,
                                mode=Attempt.Mode.PRACTICE)
    if not attempt_record_visible(request.user, attempt):
        raise Http404("not yours")
    return evidence_file_response(attempt, version, criterion, filename)


# -- trainer pages ---------------------------------------------------------------------------------

def _class(request, trainingclass_id: int):
    return get_object_or_404(selectors.classes_visible_to(request.user), pk=trainingclass_id)


@require_GET
@login_required
@trainer_required
def class_list(request):
    classes = selectors.classes_visible_to(request.user).prefetch_related("members", "publications")
    return render(request, "practice/class_list.html", {"classes": classes})


@require_GET
@login_required
@trainer_required
def class_detail(request, trainingclass_id: int):
    training_class = _class(request, trainingclass_id)
    published = selectors.class_publications(training_class)
    entries = selectors.catalog_entries()
    catalog_slugs = {e.slug for e in entries}
    return render(request, "practice/class_detail.html", {
        "training_class": training_class,
        "rows": [{"entry": entry, "publication": published.get(entry.slug)} for entry in entries],
        "missing": sorted(slug for slug in published if slug not in catalog_slugs),
        "members": selectors.class_members(training_class),
        "may_publish": request.user.has_perm("accounts.author_scenarios"),
    })


def _publication_action(request, trainingclass_id: int, action) -> object:
    training_class = _class(request, trainingclass_id)
    form = PublicationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            done = action(training_class=training_class, scenario_slug=form.cleaned_data["scenario_slug"],
                          actor=request.user)
        except PracticeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
    return redirect("practice:class_detail", trainingclass_id=training_class.pk)


@require_POST
@login_required
@trainer_required
@author_required
def class_publish(request, trainingclass_id: int):
    def publish(**kwargs):
        publication = services.publication_create(**kwargs)
        entry = selectors.catalog_entry(publication.scenario_slug)
        return _("已发布“%(title)s”，本班学员可以开始练习") % {"title": entry.title if entry else publication.scenario_slug}

    return _publication_action(request, trainingclass_id, publish)


@require_POST
@login_required
@trainer_required
@author_required
def class_unpublish(request, trainingclass_id: int):
    def unpublish(**kwargs):
        services.publication_delete(**kwargs)
        return _("已取消发布“%(slug)s”；学员已有的练习和评分记录保留") % {"slug": kwargs["scenario_slug"]}

    return _publication_action(request, trainingclass_id, unpublish)


@require_GET
@login_required
@trainer_required
def class_results(request, trainingclass_id: int):
    training_class = _class(request, trainingclass_id)
    slugs = sorted(selectors.class_publications(training_class))
    columns = [{"slug": slug, "entry": selectors.catalog_entry(slug)} for slug in slugs]
    return render(request, "practice/class_results.html", {
        "training_class": training_class, "columns": columns,
        "rows": selectors.class_results(training_class, slugs)})


@require_GET
@login_required
@trainer_required
def class_attempt(request, trainingclass_id: int, attempt_id: int):
    """A member's practice attempt, read-only: the trainer sees what the candidate saw."""
    training_class = _class(request, trainingclass_id)
    attempt = get_object_or_404(selectors.practice_attempts().filter(candidate__training_classes=training_class),
                                pk=attempt_id)
    if not attempt_record_visible(request.user, attempt):
        raise Http404("not this trainer's")
    entry = selectors.catalog_entry(attempt.instance.slug)
    others = selectors.candidate_attempts(attempt.candidate).filter(instance__slug=attempt.instance.slug)
    return render(request, "practice/class_attempt.html", {
        "training_class": training_class, "attempt": attempt, "entry": entry, "attempts": others,
        **_report_context(request, attempt)})

