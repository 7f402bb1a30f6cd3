"""Forms of 评价管理: the list filters and the seller's reply."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shop_sim.services.reviews import REPLY_MAX


class ReviewFilterForm(forms.Form):
    rating = forms.ChoiceField(label=_("评价类型"), required=False, choices=[
        ("", _("全部评价")), ("good", _("好评（4–5 星）")), ("neutral", _("中评（3 星）")), ("bad", _("差评（1–2 星）")),
    ])
    replied = forms.ChoiceField(label=_("回复状态"), required=False, choices=[
        ("", _("全部")), ("no", _("未回复")), ("yes", _("已回复")),
    ])


class ReviewReplyForm(forms.Form):
    reply = forms.CharField(label=_("回复内容"), max_length=REPLY_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("最多 500 字，回复将公开显示在评价下方"))
    back = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
