"""The fixed cost of a console request (session, user, permissions, sandbox) and that nothing in it
is ever stale: a revoked permission, a removed group, a switched sandbox count on the next request."""

import pytest
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.urls import include, path

from sandbox.accounts.roles import CANDIDATE
from shop_sim.tenancy import ACTIVE_SANDBOX_SESSION_KEY, console_view


@console_view
def _trivial(request):
    return HttpResponse(f"sandbox {request.sandbox.pk}")


urlpatterns = [path("__trivial/", _trivial), path("", include("sandbox.urls"))]
pytestmark = pytest.mark.urls(__name__)


def test_permissions_cost_one_query(candidate, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=candidate.pk)
    with django_assert_num_queries(1):
        assert user.has_perm("shop_sim.use_console")
        assert user.has_perm("accounts.sit_exam")
        assert not user.has_perm("accounts.grade_manually")
    assert user.get_all_permissions() == {"shop_sim.use_console", "accounts.sit_exam"}


def test_permissions_match_model_backend(make_user, roles):
    """Own permissions, group permissions, both, superusers, inactive users: as ModelBackend says."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend

    User = get_user_model()
    plain = make_user("plain")
    plain.user_permissions.add(Permission.objects.get(codename="grade_manually"))
    examiner = make_user("exam1", role="examiner")
    boss = User.objects.create_superuser("boss", password="x")
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    for user in (plain, examiner, boss, gone):
        fresh, reference = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)
        assert fresh.get_all_permissions() == ModelBackend().get_all_permissions(reference), user.username


def test_console_request_fixed_queries(console_client, django_assert_num_queries):
    """Session, user, permissions (one query, was two), sandbox."""
    console_client.get("/__trivial/")
    with django_assert_num_queries(4):
        assert console_client.get("/__trivial/").status_code == 200


def test_revoked_group_permission_counts_on_the_next_request(console_client, roles):
    assert console_client.get("/__trivial/").status_code == 200
    use_console = Permission.objects.get(codename="use_console")
    roles[CANDIDATE].permissions.remove(use_console)
    assert console_client.get("/__trivial/").status_code == 403
    roles[CANDIDATE].permissions.add(use_console)
    assert console_client.get("/__trivial/").status_code == 200


def test_removed_group_and_own_permission_count_on_the_next_request(console_client, candidate, roles):
    candidate.groups.remove(roles[CANDIDATE])
    assert console_client.get("/__trivial/").status_code == 403
    candidate.user_permissions.add(Permission.objects.get(codename="use_console"))
    assert console_client.get("/__trivial/").status_code == 200
    candidate.user_permissions.clear()
    assert console_client.get("/__trivial/").status_code == 403


def test_deactivated_user_is_out_on_the_next_request(console_client, candidate):
    assert console_client.get("/__trivial/").status_code == 200
    candidate.is_active = False
    candidate.save()
    assert console_client.get("/__trivial/").status_code == 302  # to the login page


def test_switched_sandbox_counts_on_the_next_request(console_client, candidate, sandbox, make_sandbox):
    assert console_client.get("/__trivial/").content.decode() == f"sandbox {sandbox.pk}"
    newer = make_sandbox(owner=candidate, name="新店")
    assert console_client.get("/__trivial/").content.decode() == f"sandbox {newer.pk}"  # the newest
    session = console_client.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = sandbox.pk
    session.save()
    assert console_client.get("/__trivial/").content.decode() == f"sandbox {sandbox.pk}"
    assert sandbox.name in console_client.get("/console/files/").content.decode()
    newer.delete()
    session = console_client.session
    session[ACTIVE_SANDBOX_SESSION_KEY] = newer.pk
    session.save()
    assert console_client.get("/__trivial/").content.decode() == f"sandbox {sandbox.pk}"


def test_login_still_uses_model_backend(client, make_user):
    """The permission backend authenticates nobody: a password login works and is ModelBackend's."""
    from django.contrib.auth import BACKEND_SESSION_KEY

    make_user("pw_user", password="pass-1234")
    response = client.post("/accounts/login/", {"username": "pw_user", "password": "pass-1234"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"


def test_expired_session_is_not_loaded(console_client):
    """sandbox.session_store reads with its own query: the expiry rule is still Django's."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert console_client.get("/__trivial/").status_code == 200
    key = console_client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert console_client.get("/__trivial/").status_code == 302


def test_logout_ends_the_session_on_the_next_request(console_client):
    from django.conf import settings

    assert settings.SESSION_ENGINE == "sandbox.session_store"
    assert console_client.get("/__trivial/").status_code == 200
    key = console_client.cookies["sessionid"].value
    console_client.post("/accounts/logout/")
    console_client.cookies["sessionid"] = key  # replaying the old cookie does not bring the session back
    assert console_client.get("/__trivial/").status_code == 302
