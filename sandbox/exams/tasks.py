"""Queue tasks of the exam: the auto-submit at a sitting's deadline."""

from __future__ import annotations

from django_tasks import task

from .models import Sitting


@task()
def sitting_expire_task(sitting_id: int) -> dict:
    """Run at the deadline. Extra time may have moved it since: then this is a no-op (the grant
    scheduled another run)."""
    from .services import sitting_refresh

    sitting = Sitting.objects.select_related("registration__exam").get(pk=sitting_id)
    sitting = sitting_refresh(sitting)
    return {"sitting": sitting_id, "status": sitting.status}
