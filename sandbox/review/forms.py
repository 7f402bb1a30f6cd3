"""Examiners' input: extra time, a manual score, the resolution of a 成绩复核."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sandbox.exams.models import ScoreReview
from sandbox.exams.services import MAX_EXTRA_MINUTES

from .services import MAX_COMMENT, MAX_RESOLUTION


class ExtraTimeForm(forms.Form):
    minutes = forms.IntegerField(label=_("延长分钟数"), min_value=1, max_value=MAX_EXTRA_MINUTES)
    reason = forms.CharField(label=_("原因"), max_length=500)


class ManualScoreForm(forms.Form):
    """The criterion's levels as radio buttons (level, points, what work at that level looks like)."""

    level = forms.ChoiceField(label=_("档次"), widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评语"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, descriptors: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (d["level"], gettext("%(level)s（%(points)s 分）：%(description)s")
             % {"level": d["level"], "points": d["points"], "description": d["description"]})
            for d in descriptors]


class CriterionSettleForm(forms.Form):
    """核定 a 未评定 criterion: the points and why (the examiner looked at the work themselves)."""

    points = forms.DecimalField(label=_("核定分数"), min_value=0, max_digits=8, decimal_places=2)
    reason = forms.CharField(label=_("核定依据"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 2}))


class ScoreReviewResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=ScoreReview.Outcome.choices, widget=forms.RadioSelect)
    resolution = forms.CharField(label=_("处理说明"), max_length=MAX_RESOLUTION,
                                 widget=forms.Textarea(attrs={"rows": 3}))
