"""Input of the candidate's workspace: the 成绩复核 reason (the other pages take no input but CSRF)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REVIEW_REASON_MAX


class ScoreReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("复核理由"), max_length=REVIEW_REASON_MAX, strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("请写明对哪一题、哪个评分项有疑问及理由，最多 1000 字"),
        error_messages={"required": _("请填写复核理由"),
                        "max_length": _("复核理由不能超过 %(limit_value)d 个字（现有 %(show_value)d 个字）")},
    )
