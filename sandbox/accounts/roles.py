"""The four roles as data: group name -> permissions. ``roles_sync`` makes the database match."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

CANDIDATE = "candidate"
EXAMINER = "examiner"
TRAINER = "trainer"
ADMIN = "admin"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CANDIDATE: ["shop_sim.use_console", "accounts.sit_exam"],
    EXAMINER: ["accounts.review_attempts", "accounts.grade_manually", "accounts.manage_exams",
               "accounts.review_exams", "accounts.view_exam_statistics"],
    TRAINER: ["accounts.author_scenarios", "accounts.view_class_results", "accounts.review_attempts",
              "accounts.view_exam_statistics", "shop_sim.use_console"],
    ADMIN: ["accounts.review_attempts", "accounts.grade_manually", "accounts.manage_exams",
            "accounts.author_scenarios", "accounts.view_class_results", "accounts.review_exams",
            "accounts.view_exam_statistics"],
}


@transaction.atomic
def roles_sync() -> dict[str, Group]:
    """Create the groups and set exactly the declared permissions on each (idempotent)."""
    groups = {}
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for name in perm_names:
            app_label, codename = name.split(".")
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)
        groups[role] = group
    return groups


def user_role(user) -> str | None:
    """The user's main role, for routing after login."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in (ADMIN, EXAMINER, TRAINER, CANDIDATE):
        if role in names:
            return role
    return None
