"""Forms of the practice pages: which scenario to publish or stop publishing."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PublicationForm(forms.Form):
    scenario_slug = forms.SlugField(label=_("场景标识"), max_length=80,
                                    error_messages={"required": _("请选择要发布的场景"),
                                                    "invalid": _("场景标识无效")})
