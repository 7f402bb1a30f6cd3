"""Planner statistics after bursts of provisioning.

A mass exam start copies the template shop hundreds of times within a minute. Until PostgreSQL's
statistics catch up, the planner believes the shop tables are as small as they were before and
picks plans that scan (the 退款中 count of the order list took 48 ms instead of 0.4 ms until
``ANALYZE``). Autovacuum gets there eventually; the clock calls ``shop_statistics_refresh`` every
tick so it happens within one tick. ``ANALYZE`` takes a SHARE UPDATE EXCLUSIVE lock, which does
not conflict with reads or writes, so it never blocks a start.
"""

from __future__ import annotations

from django.db import connection

from .provisioning import shop_models

# A table is re-analysed once this many rows changed since its last ANALYZE and they are at least
# this share of its live rows: a burst, not the trickle of a working exam.
STATISTICS_MIN_CHANGES = 2000
STATISTICS_MIN_SHARE = 0.2


def shop_statistics_refresh(*, min_changes: int | None = None, min_share: float | None = None) -> list[str]:
    """ANALYZE the shop tables that a burst changed; the names of the tables analysed.

    PostgreSQL only (SQLite's planner keeps no such statistics unless asked, and its plans here
    do not depend on them); one catalogue query when nothing is stale."""
    if connection.vendor != "postgresql":
        return []
    min_changes = STATISTICS_MIN_CHANGES if min_changes is None else min_changes
    min_share = STATISTICS_MIN_SHARE if min_share is None else min_share
    tables = [model._meta.db_table for model in shop_models(include_uncopied=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s)"
            " AND n_mod_since_analyze >= GREATEST(%s, %s * n_live_tup) ORDER BY relname",
            [tables, min_changes, min_share],
        )
        stale = [row[0] for row in cursor.fetchall()]
        for table in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stale
