"""After a burst of provisioning, the clock re-analyses the shop tables the burst changed — and only
those, and only once (PostgreSQL's statistics; the planner's plans depend on them)."""

import time

import pytest
from django.core.management import call_command
from django.db import connection

from fixtures.generators import generate_shop
from shop_sim.models import Order, Sandbox
from shop_sim.services import maintenance
from shop_sim.services.maintenance import shop_statistics_refresh
from shop_sim.services.provisioning import sandbox_provision

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _stats(table: str, *, changed_at_least: int = 0) -> tuple[int, object]:
    """(rows changed since the last ANALYZE, when it ran). A backend flushes its counters to the
    shared statistics when idle, at most once a second: wait for ``changed_at_least``."""
    with connection.cursor() as cursor:
        for _ in range(40):
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT n_mod_since_analyze, last_analyze FROM pg_stat_user_tables"
                           " WHERE relname = %s", [table])
            row = cursor.fetchone()
            if row[0] >= changed_at_least:
                return row
            time.sleep(0.25)
    return row


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_burst_is_analysed_once_and_quiet_tables_are_left_alone():
    assert connection.vendor == "postgresql"
    template = Sandbox.objects.create(name="模板店铺", is_template=True)
    generate_shop(sandbox=template, seed=3, products=5, orders=20, customers=8)
    with connection.cursor() as cursor:  # start from fresh statistics, as before an exam
        cursor.execute("ANALYZE")
    for n in range(12):  # the burst: twelve candidates start
        sandbox_provision(template=template, owner=None, name=f"考生{n}")
    orders = Order._meta.db_table
    changed, _ = _stats(orders, changed_at_least=12 * 20)
    assert changed >= 12 * 20

    analysed = shop_statistics_refresh(min_changes=100, min_share=0.2)

    assert orders in analysed
    changed, last_analyze = _stats(orders)
    assert changed == 0 and last_analyze is not None
    assert "shop_sim_shopevent" not in analysed or _stats("shop_sim_shopevent")[0] == 0
    # nothing changed since: the next tick analyses nothing
    assert shop_statistics_refresh(min_changes=100, min_share=0.2) == []


def test_a_trickle_below_the_threshold_waits_for_autovacuum():
    template = Sandbox.objects.create(name="模板店铺", is_template=True)
    generate_shop(sandbox=template, seed=3, products=5, orders=20, customers=8)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sandbox_provision(template=template, owner=None, name="考生")
    assert _stats(Order._meta.db_table, changed_at_least=20)[0] >= 20
    assert shop_statistics_refresh() == []  # 20 orders are no burst at the default threshold


def test_the_clock_refreshes_statistics(monkeypatch):
    template = Sandbox.objects.create(name="模板店铺", is_template=True)
    generate_shop(sandbox=template, seed=4, products=5, orders=20, customers=8)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for n in range(3):
        sandbox_provision(template=template, owner=None, name=f"考生{n}")
    assert _stats(Order._meta.db_table, changed_at_least=60)[0] >= 60
    monkeypatch.setattr(maintenance, "STATISTICS_MIN_CHANGES", 10)  # read at call time
    call_command("clock", verbosity=0)
    assert _stats(Order._meta.db_table)[0] == 0
