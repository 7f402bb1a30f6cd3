"""Statistics pages for trainers and examiners (accounts.view_exam_statistics): which exams have
results, and per exam the score distribution and the item analysis of every task and criterion.
Aggregates only: no page here names a candidate."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from sandbox.exams.models import Exam

from . import analysis, selectors

statistics_required = permission_required("accounts.view_exam_statistics", raise_exception=True)


@require_GET
@login_required
@statistics_required
def exam_list(request):
    return render(request, "statistics/exam_list.html", {"exams": selectors.exams_with_results()})


@require_GET
@login_required
@statistics_required
def exam_detail(request, exam_id: int):
    exam = get_object_or_404(Exam, pk=exam_id)
    stats = selectors.exam_statistics(exam)
    chart = {"labels": [b.label for b in stats.histogram], "counts": [b.count for b in stats.histogram]}
    return render(request, "statistics/exam_detail.html", {
        "stats": stats, "exam": exam, "chart": chart,
        "group_percent": analysis.GROUP_PERCENT, "min_sample": analysis.MIN_SAMPLE,
        "p_low": analysis.P_LOW, "p_high": analysis.P_HIGH, "d_low": analysis.D_LOW,
    })
