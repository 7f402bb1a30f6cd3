"""The form renderer: Django's own, with the hot widget templates written out in Python.

A back-office page renders up to a few hundred widgets (the SKU table, the decoration editor's
product pickers with every product as an ``<option>``) and Django renders each one, and each
option, through a template include — most of a form page's CPU (docs/benchmarks.md, "Pages").
``FastTemplates`` produces the same markup as Django's templates for the plain widgets (inputs,
``<textarea>``, ``<select>`` with its options) and for an empty error list; any other template
(radios, checkboxes lists, the form/field layouts, a non-empty error list) goes to the templates
as before. ``tests/unit/test_form_renderer.py`` compares both renderings widget by widget.
"""

from __future__ import annotations

from html import escape as html_escape

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(WIDGETS + name for name in (
    "input.html", "text.html", "number.html", "email.html", "url.html", "password.html", "hidden.html",
    "date.html", "datetime.html", "time.html", "search.html", "tel.html", "color.html", "file.html",
    "checkbox.html",
))
ERROR_LIST_TEMPLATES = frozenset({"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"})


def _value(value) -> str:
    """``{{ value }}``: localized, then escaped unless already safe (``html.escape`` is what
    Django's ``escape`` calls, without its lazy-string wrapper)."""
    if type(value) is str:
        return html_escape(value)
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``."""
    if type(value) is str:
        return html_escape(value)
    if isinstance(value, SafeData):
        return str(value)
    return html_escape(str(value))


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {_value(name)}")
        else:
            out.append(f' {_value(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (f'<textarea name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f'{_value(value) if value else ""}</textarea>')


def _select(widget: dict) -> str:
    parts = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in group_choices:
            if option["template_name"] != WIDGETS + "select_option.html":
                return None
            parts.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_value(option["label"])}</option>\n')  # the option template's final newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastTemplates(DjangoTemplates):
    """Django's default form renderer, with the plain widgets rendered without a template."""

    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return _input(context["widget"])
        if template_name == WIDGETS + "select.html":
            html = _select(context["widget"])
            if html is not None:
                return html
        elif template_name == WIDGETS + "textarea.html":
            return _textarea(context["widget"])
        elif template_name in ERROR_LIST_TEMPLATES and not context["errors"]:
            return ""
        return super().render(template_name, context, request=request)
