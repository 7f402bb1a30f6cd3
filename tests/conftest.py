"""Shared fixtures: users in each role, sandboxes, a small generated shop."""

import os

import pytest

# Playwright's sync API runs an event loop in the main thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The services suite needs PostgreSQL + Redis; it runs via `make test-services` (DATABASE_URL set).
collect_ignore = [] if os.environ.get("DATABASE_URL") else ["services"]


@pytest.fixture
def roles(db):
    from sandbox.accounts.roles import roles_sync

    return roles_sync()


@pytest.fixture
def make_user(roles, django_user_model):
    def _make(username: str, role: str = "candidate", password: str = "pass-1234"):
        user = django_user_model.objects.create_user(username=username, password=password)
        user.groups.add(roles[role])
        return user

    return _make


@pytest.fixture
def make_sandbox(db):
    """An empty sandbox shop owned by ``owner`` (decoration row included)."""
    from shop_sim.models import Sandbox, ShopDecoration

    def _make(owner=None, name: str = "测试店铺"):
        sandbox = Sandbox.objects.create(name=name, owner=owner)
        ShopDecoration.objects.create(sandbox=sandbox, shop_name=name)
        return sandbox

    return _make


@pytest.fixture
def candidate(make_user):
    return make_user("cand_a")


@pytest.fixture
def sandbox(make_sandbox, candidate):
    return make_sandbox(owner=candidate, name="A的店铺")


@pytest.fixture
def console_client(client, candidate, sandbox):
    client.force_login(candidate)
    return client


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright's sync API keeps an event loop in the main thread for the
    rest of the session, and async_to_sync (Channels' WebSocket tests) refuses to run beside it."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.fspath))


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request through LocaleMiddleware leaves its language active on the thread; the next test
    starts in the project's default (zh-hans) whatever the one before asked for."""
    yield
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
