"""``{% practice_banner %}``: a thin bar on console pages while the console works in a practice
sandbox — the task's title and links back to its instructions, grading and the practice list.

It costs at most one query per sandbox (the answer is cached, see ``selectors.banner_attempt``);
the title comes from the cached catalog. Anywhere else (exam sandboxes, demo shops, pages without a
sandbox) it renders nothing.
"""

from django import template

from sandbox.practice.selectors import banner_attempt, catalog_entry

register = template.Library()


@register.inclusion_tag("practice/_console_banner.html", takes_context=True)
def practice_banner(context):
    request = context.get("request")
    attempt = banner_attempt(getattr(request, "sandbox", None)) if request is not None else None
    if attempt is None:
        return {"attempt": None}
    entry = catalog_entry(attempt.slug)
    return {"attempt": attempt, "title": entry.title if entry is not None else attempt.slug,
            "csrf_token": context.get("csrf_token")}
