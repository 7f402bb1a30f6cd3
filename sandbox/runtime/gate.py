"""The runtime's write gate: a sandbox whose attempt is not in progress takes no writes.

An exam attempt is frozen from 交卷 on (the grader must see what was submitted); a practice attempt
only while it is being graded (after the report the candidate may simply go on). A sandbox with no attempt (a trainer's own shop, a template) is not
the runtime's business.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Attempt


def attempt_write_refusal(sandbox_id: int) -> str | None:
    row = (Attempt.objects.filter(instance__sandbox_id=sandbox_id)
           .values_list("status", "mode").first())
    if row is None or row[0] == Attempt.Status.IN_PROGRESS:
        return None
    if row[1] == Attempt.Mode.PRACTICE:
        if row[0] == Attempt.Status.GRADED:
            return None
        return _("这次练习正在评分，评分结束前沙箱不能修改，请稍候。")
    return _("该任务已交卷，不能再修改。")
