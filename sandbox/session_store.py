"""Django's database sessions, read with one hand-written query.

Every request with a session cookie loads its session; through the ORM that lookup cost about
0.3 ms of CPU to build and compile — a sixth of a small console page (docs/benchmarks.md, "Pages").
Same table, same rows, same expiry rule and encoding as ``django.contrib.sessions.backends.db``
(existing sessions stay valid); only the read differs, writes are Django's.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        q = connection.ops.quote_name
        meta = model._meta

        def col(name):
            return q(meta.get_field(name).column)

        sql = (f"SELECT {col('session_key')}, {col('session_data')}, {col('expire_date')} FROM {q(meta.db_table)}"
               f" WHERE {col('session_key')} = %s AND {col('expire_date')} > %s")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        session = next(iter(model.objects.using(using).raw(sql, [self.session_key, now])), None)
        if session is None:
            self._session_key = None
        return session
