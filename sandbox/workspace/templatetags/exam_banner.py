"""{% exam_banner %}: the exam strip on console pages (task, countdown, back to the workspace).
Placeholder until the workspace helper fills it in."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def exam_banner(context):
    return ""
