"""The regrade dry run on the task queue: a thin wrapper, the work is ``services.regrade_preview_run``."""

from __future__ import annotations

from django_tasks import task

from sandbox.exams.models import RegradePreview

from .services import regrade_preview_run


@task()
def regrade_preview_task(preview_id: int) -> dict:
    preview = regrade_preview_run(preview=RegradePreview.objects.select_related("attempt").get(pk=preview_id))
    return {"preview": preview.pk, "status": preview.status}
