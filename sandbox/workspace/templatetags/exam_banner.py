"""``{% exam_banner %}``: a strip on console pages while the console works in one of the user's exam
sandboxes — 考试 · the task's title · the countdown · 返回答题页 (to the top window, since the
console usually sits in the workspace's frame).

Other sandboxes cost no query (the "no exam here" answer is cached per sandbox, see
``selectors.banner_task``); an exam sandbox costs one (the deadline and status are live).
"""

from django import template
from django.urls import reverse

from sandbox.workspace import selectors

register = template.Library()


@register.inclusion_tag("workspace/_exam_banner.html", takes_context=True)
def exam_banner(context):
    request = context.get("request")
    if request is None:
        return {"task": None}
    task = selectors.banner_task(getattr(request, "sandbox", None), getattr(request, "user", None), request)
    if task is None:
        return {"task": None}
    sitting = task.sitting
    clock = selectors.sitting_clock(sitting)
    registration_id = sitting.registration_id
    return {
        "task": task, "title": selectors.part_title(task.part), "clock": clock,
        "clock_text": selectors.minutes_seconds(clock.seconds_left if clock.working else clock.submit_seconds_left),
        "clock_url": reverse("workspace:sitting_clock", kwargs={"registration_id": registration_id}),
        "task_url": reverse("workspace:sitting_task", kwargs={"registration_id": registration_id,
                                                              "sittingtask_id": task.pk}),
    }
