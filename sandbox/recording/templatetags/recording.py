"""{% recorder %}: the rrweb recorder on a candidate's exam pages (console and storefront).

It renders only when the page's sandbox (``request.sandbox``) belongs to the user's own exam attempt
that is still in progress and before its deadline — practice, a demo shop, an examiner looking at a
storefront, a submitted task: nothing, and at most one query to find that out. Each page load gets
a fresh segment id, so the replay knows where one page ends and the next begins.
"""

import uuid

from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from sandbox.recording.selectors import recording_task

register = template.Library()


@register.simple_tag(takes_context=True)
def recorder(context):
    request = context.get("request")
    if request is None:
        return ""
    task = recording_task(sandbox=getattr(request, "sandbox", None), user=getattr(request, "user", None),
                          request=request)
    if task is None:
        return ""
    return render_to_string("recording/_recorder.html", {
        "ingest_url": reverse("recording:ingest", kwargs={"attempt_id": task.attempt_id}),
        "attempt_id": task.attempt_id, "segment": uuid.uuid4().hex, "csrf": get_token(request),
    })
