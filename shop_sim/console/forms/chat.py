"""Forms of 客服: the reply box, the online/offline switch, auto-reply rules and the rule tester.

The limits come from ``services.chat`` so the form's field errors and the service's refusals agree.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shop_sim.models import AutoReplyRule, Sandbox
from shop_sim.services.base import ShopError
from shop_sim.services.chat import (
    MESSAGE_MAX_CHARS, REPLY_MAX_CHARS, autoreply_keywords_clean, autoreply_keywords_parse, chat_body_clean,
)

Kind = AutoReplyRule.Kind


class ChatInboxPageForm(forms.Form):
    """``?before=``: the inbox page after this conversation (anything else: the first page)."""

    before = forms.IntegerField(required=False, min_value=1)


class ChatReplyForm(forms.Form):
    """The merchant's reply when the socket is down (plain POST)."""

    body = forms.CharField(
        label=_("回复内容"), max_length=MESSAGE_MAX_CHARS, strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_CHARS}),
        error_messages={"required": _("请输入回复内容"),
                        "max_length": _("回复内容不能超过%(limit_value)d个字（当前%(show_value)d个字）")},
    )

    def clean_body(self):
        try:
            return chat_body_clean(self.cleaned_data["body"])
        except ShopError as exc:
            raise forms.ValidationError(exc.message) from exc


class ServiceStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("客服状态"), choices=Sandbox.ServiceStatus.choices,
                               error_messages={"invalid_choice": _("无效的客服状态"), "required": _("请选择客服状态")})


class AutoReplyRuleForm(forms.Form):
    """One rule. Keywords are typed in one box, separated by , ， or 、 as merchants do."""

    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices,
                             error_messages={"invalid_choice": _("无效的自动回复类型"), "required": _("请选择类型")})
    keywords = forms.CharField(
        label=_("关键词"), required=False, max_length=400,
        help_text=_("仅关键词回复需要：1–10个，每个不超过20个字，用逗号或顿号分隔，如：发货，快递、包邮"),
        error_messages={"max_length": _("关键词总长度不能超过%(limit_value)d个字")},
    )
    reply = forms.CharField(
        label=_("回复内容"), max_length=REPLY_MAX_CHARS[Kind.KEYWORD], strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("首次接待语不超过50个字；离线自动回复不超过200个字，请写明客服工作时间；关键词回复不超过500个字"),
        error_messages={"required": _("请输入回复内容"),
                        "max_length": _("回复内容不能超过%(limit_value)d个字（当前%(show_value)d个字）")},
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)
    position = forms.IntegerField(
        label=_("优先级"), required=False, min_value=0, max_value=9999,
        help_text=_("数字越小越优先；留空则排在最后"),
        error_messages={"invalid": _("优先级必须是整数"), "min_value": _("优先级不能小于%(limit_value)s"),
                        "max_value": _("优先级不能大于%(limit_value)s")},
    )

    def __init__(self, *args, rule: AutoReplyRule | None = None, **kwargs):
        if rule is not None:
            kwargs.setdefault("initial", {
                "kind": rule.kind, "keywords": "，".join(rule.keywords or []), "reply": rule.reply,
                "enabled": rule.enabled, "position": rule.position,
            })
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        reply = data.get("reply")
        limit = REPLY_MAX_CHARS[kind]
        if reply and len(reply) > limit:
            self.add_error("reply", _("%(kind)s的回复内容不能超过%(max)d个字（当前%(n)d个字）")
                           % {"kind": Kind(kind).label, "max": limit, "n": len(reply)})
        if kind == Kind.KEYWORD:
            if "keywords" in data:
                words = autoreply_keywords_parse(data["keywords"])
                try:
                    data["keywords"] = autoreply_keywords_clean(words)
                except ShopError as exc:
                    self.add_error("keywords", exc.message)
        else:
            data["keywords"] = []
        return data


class AutoReplyTestForm(forms.Form):
    """The 测试 box: which rule would answer this question?"""

    text = forms.CharField(label=_("买家问题"), max_length=MESSAGE_MAX_CHARS, strip=True,
                           error_messages={"required": _("请输入买家问题"),
                                           "max_length": _("买家问题不能超过%(limit_value)d个字")})
    first_message = forms.BooleanField(label=_("买家首次咨询"), required=False)
    offline = forms.BooleanField(label=_("客服离线"), required=False)


__all__ = ["ChatReplyForm", "ServiceStatusForm", "AutoReplyRuleForm", "AutoReplyTestForm"]
