"""shop_sim.renderers.FastTemplates renders the plain widgets exactly as Django's templates do."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from shop_sim.renderers import FastTemplates


class EveryWidgetForm(forms.Form):
    text = forms.CharField(max_length=10, widget=forms.TextInput(attrs={"placeholder": 'a "quoted" <b>', "autofocus": True,
                                                                          "data-off": False, "aria-describedby": "x"}))
    number = forms.DecimalField(widget=forms.NumberInput(attrs={"step": "0.01", "min": 0}))
    integer = forms.IntegerField()
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField(required=False)
    upload = forms.FileField(required=False, widget=forms.FileInput)
    agree = forms.BooleanField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    choice = forms.ChoiceField(choices=[("", "---"), ("a", "甲 & <乙>"), (1, gettext_lazy("已发货")), (2, 2)])
    grouped = forms.ChoiceField(choices=[("组一", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    many = forms.MultipleChoiceField(choices=[(str(i), f"选项{i}") for i in range(30)], required=False,
                                     widget=forms.SelectMultiple(attrs={"size": 8}))
    safe_label = forms.ChoiceField(choices=[("s", mark_safe("<i>safe</i>"))])
    radio = forms.ChoiceField(choices=[("r1", "R1"), ("r2", "R2")], widget=forms.RadioSelect)  # template path


def _rendered(renderer, form_kwargs: dict) -> dict[str, tuple[str, str]]:
    form = EveryWidgetForm(renderer=renderer, **form_kwargs)
    return {name: (str(form[name]), str(form[name].errors)) for name in form.fields}


@pytest.mark.parametrize("form_kwargs", [
    {},
    {"initial": {"text": "<script>", "number": Decimal("12.50"), "integer": 3, "day": datetime.date(2026, 1, 2),
                 "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC), "body": "  line\n<two>",
                 "choice": 1, "grouped": "y", "many": ["3", "7"], "agree": True, "hidden": "h'1"}},
    {"data": {"text": "way too long a value", "number": "abc", "choice": "nope", "many": ["99"], "body": ""}},
    {"data": {"text": "ok", "number": "1.5", "integer": "2", "password": "p<w>", "hidden": "1", "day": "2026-01-02",
              "body": "x", "choice": "a", "grouped": "x", "safe_label": "s", "radio": "r1", "agree": "on"}},
])
def test_fast_renderer_matches_django_templates(form_kwargs):
    slow = _rendered(DjangoTemplates(), form_kwargs)
    fast = _rendered(FastTemplates(), form_kwargs)
    assert fast == slow


def test_the_site_uses_the_fast_renderer():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastTemplates)
