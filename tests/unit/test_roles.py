"""The permission model: four roles as data, and who may enter the back office."""

import pytest
from django.contrib.auth.models import Group

from sandbox.accounts.roles import ROLE_PERMISSIONS, roles_sync, user_role


def test_roles_sync_is_idempotent_and_exact(db):
    roles_sync()
    roles_sync()
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLE_PERMISSIONS)
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        got = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert got == set(perms)


def test_roles_sync_removes_permissions_added_by_hand(db):
    groups = roles_sync()
    from django.contrib.auth.models import Permission

    stray = Permission.objects.get(codename="manage_exams")
    groups["candidate"].permissions.add(stray)
    roles_sync()
    assert not groups["candidate"].permissions.filter(pk=stray.pk).exists()


@pytest.mark.parametrize(
    "role, may_use_console, may_review",
    [("candidate", True, False), ("examiner", False, True), ("trainer", True, True), ("admin", False, True)],
)
def test_role_permissions(make_user, role, may_use_console, may_review):
    user = make_user(f"u_{role}", role=role)
    assert user.has_perm("shop_sim.use_console") is may_use_console
    assert user.has_perm("accounts.review_attempts") is may_review
    assert user_role(user) == role


def test_candidate_cannot_use_permissions_of_other_roles(make_user):
    user = make_user("only_candidate")
    for perm in ("accounts.review_attempts", "accounts.grade_manually", "accounts.manage_exams",
                 "accounts.author_scenarios"):
        assert not user.has_perm(perm)


def test_console_requires_login(client, db):
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_examiner_is_refused_the_console(client, make_user):
    client.force_login(make_user("exam1", role="examiner"))
    assert client.get("/console/").status_code == 403


def test_candidate_without_sandbox_gets_404(client, make_user):
    client.force_login(make_user("lonely"))
    assert client.get("/console/").status_code == 404


def test_candidate_sees_own_sandbox_only(client, make_user, make_sandbox):
    a, b = make_user("ra"), make_user("rb")
    make_sandbox(owner=a, name="甲的店铺")
    make_sandbox(owner=b, name="乙的店铺")
    client.force_login(a)
    page = client.get("/console/").content.decode()
    assert "甲的店铺" in page and "乙的店铺" not in page


def test_active_sandbox_in_session_must_be_owned(client, make_user, make_sandbox):
    a, b = make_user("sa"), make_user("sb")
    own = make_sandbox(owner=a, name="自己的店")
    other = make_sandbox(owner=b, name="别人的店")
    client.force_login(a)
    session = client.session
    session["active_sandbox_id"] = other.pk
    session.save()
    page = client.get("/console/").content.decode()
    assert own.name in page and other.name not in page
