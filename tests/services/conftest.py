"""The services suite runs on the production path: PostgreSQL and the Redis channel layer."""

import pytest

pytestmark = pytest.mark.services


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.services)
