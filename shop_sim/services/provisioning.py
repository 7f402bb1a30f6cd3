"""Provisioning: a new sandbox as a set-based copy of a template shop.

An exam starts many candidates at once, so copying must not cost one query per row. For every
shop table (every concrete ``shop_sim`` model with a ``sandbox`` foreign key, except the journal
``ShopEvent`` and the buyers' ``CartItem``) one ``INSERT INTO t (…) SELECT … FROM t WHERE
sandbox_id = template`` copies the template's rows, with

* primary keys shifted by a per-table offset, so the copies land in a fresh id range;
* foreign keys to copied tables shifted by the *target* table's offset (self-references such as
  ``Category.parent`` included), so they point at the copies;
* the sandbox column set to the new sandbox; every other column copied as is.

The SQL is generated from model ``_meta``, so a model added later is copied without touching this
module. Constraints are deferred to commit on SQLite and PostgreSQL, and tables are still copied
parents first.

Files are shared, not copied: image rows of the copy keep the template's file names (under
``shops/<template dir>/``). That is safe because templates are read-only and services never delete a
replaced image file (see ``services.decoration``); a new upload in the copy goes under the copy's
own storefront key.

Concurrency. On SQLite the whole transaction holds the write lock from its start (settings use
``transaction_mode=IMMEDIATE``), so the offsets cannot go stale. On PostgreSQL each table's id
sequence is advanced past a fresh range *before* the insert (``setval``; sequences are not
transactional, so every other session sees the move at once): ordinary inserts running at the same
time draw ids above the range, and a concurrent provisioning reserves above it too. Only the
reservation itself — one statement for all tables — runs under an advisory lock (two ``setval``s
computed from the same sequence value would overlap); the copying and the commit, where the deferred
foreign keys are checked, run side by side. Many candidates start an exam in the same minute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, transaction
from django.db.models import FileField, ForeignKey, Model
from django.utils.translation import gettext as _

from shop_sim.models import Sandbox

from .base import Actor, ShopError, event_record

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Tables a new sandbox starts without: the journal belongs to the candidate's own work, carts to buyers.
NOT_COPIED = ("shopevent", "cartitem")
# Key of the PostgreSQL advisory lock held while the id ranges of a copy are reserved.
ADVISORY_LOCK_KEY = 0x5A4E_D801
# Ids left unused below each copied range on PostgreSQL: room for ordinary inserts that took an id
# from the sequence between our reading it and moving it.
PG_ID_GAP = 1000


def _is_shop_model(model: type[Model]) -> bool:
    try:
        field = model._meta.get_field("sandbox")
    except FieldDoesNotExist:
        return False
    return isinstance(field, ForeignKey) and field.related_model is Sandbox


def shop_models(*, include_uncopied: bool = False) -> list[type[Model]]:
    """The shop tables in foreign-key order (parents first); with ``include_uncopied`` also
    ShopEvent and CartItem. Stable, so fingerprints and SQL come out the same every time."""
    candidates = [
        m for m in apps.get_app_config("shop_sim").get_models()
        if not m._meta.proxy and m._meta.managed and _is_shop_model(m)
        and (include_uncopied or m._meta.model_name not in NOT_COPIED)
    ]
    for model in candidates:
        if model._meta.parents:
            raise TypeError(f"{model.__name__}: multi-table inheritance cannot be copied set-wise")
        if any(f.remote_field.through._meta.auto_created for f in model._meta.local_many_to_many):
            # an auto-created M2M table has no sandbox column: use an explicit through model
            raise TypeError(f"{model.__name__}: declare a through model with a sandbox column")
    candidates.sort(key=lambda m: m._meta.label)
    wanted = set(candidates)
    deps = {
        m: {f.related_model for f in m._meta.concrete_fields
            if isinstance(f, ForeignKey) and f.related_model in wanted and f.related_model is not m}
        for m in candidates
    }
    ordered: list[type[Model]] = []
    done: set = set()
    while len(ordered) < len(candidates):
        ready = [m for m in candidates if m not in done and deps[m] <= done]
        if not ready:  # a cycle: constraints are deferred, so any order inserts correctly
            ready = [m for m in candidates if m not in done]
        for model in ready:
            ordered.append(model)
            done.add(model)
    return ordered


def _high_water_mark(cursor, model: type[Model]) -> int:
    """The largest id the table has ever handed out that we can see (rows, and SQLite's sequence)."""
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
    top = cursor.fetchone()[0] or 0
    if connection.vendor == "sqlite":
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row and row[0]:
            top = max(top, row[0])
    return top


def _template_ranges(cursor, models: list[type[Model]], template_id: int) -> dict[type[Model], tuple]:
    """(min id, max id) of the template's rows per table, in one round trip."""
    qn = connection.ops.quote_name
    parts, params = [], []
    for index, model in enumerate(models):
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        sandbox_col = qn(model._meta.get_field("sandbox").column)
        parts.append(f"SELECT {index}, MIN({pk}), MAX({pk}) FROM {table} WHERE {sandbox_col} = %s")
        params.append(template_id)
    cursor.execute(" UNION ALL ".join(parts), params)
    found = {index: (low, high) for index, low, high in cursor.fetchall()}
    return {model: found[index] for index, model in enumerate(models)}


def _offsets(cursor, models: list[type[Model]], template_id: int) -> dict[type[Model], int]:
    """new_id = old_id + offset; the copied range starts right above everything the table holds.

    The offset is always ≥ 1 when the template has rows in the table, so 0 means "nothing to copy".
    """
    ranges = _template_ranges(cursor, models, template_id)
    offsets = {model: 0 for model in models}
    copied = [m for m in models if ranges[m][0] is not None]
    if connection.vendor == "postgresql":
        starts = _pg_reserve(cursor, {m: ranges[m][1] - ranges[m][0] + 1 for m in copied})
        for model in copied:
            offsets[model] = starts[model] - ranges[model][0]
    else:
        for model in copied:
            offsets[model] = _high_water_mark(cursor, model) + 1 - ranges[model][0]
    return offsets


_SEQUENCES: dict[tuple[str, str], str | None] = {}


def _pg_sequence(cursor, model: type[Model]) -> str | None:
    """The id sequence of ``model``'s table (serial or identity), looked up once per database."""
    key = (str(connection.settings_dict["NAME"]), model._meta.db_table)
    if key not in _SEQUENCES:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                       [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column])
        _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def _pg_reserve(cursor, spans: dict[type[Model], int]) -> dict[type[Model], int]:
    """Move each table's id sequence past a fresh range of ``spans[model]`` ids; each range's first id.

    One statement under a session-level advisory lock taken just for it (inside a savepoint, so a
    failed statement cannot leave the lock held); PG_ID_GAP ids stay unused below every range for
    inserts that drew an id between our reading the sequence and moving it.
    """
    if not spans:
        return {}
    qn = connection.ops.quote_name
    models = list(spans)
    expressions, params = [], []
    for model in models:
        sequence = _pg_sequence(cursor, model)
        if sequence is None:
            raise TypeError(f"{model.__name__}: a shop table needs an id sequence to be copied on PostgreSQL")
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        expressions.append(
            f"setval(%s::regclass, GREATEST((SELECT COALESCE(MAX({pk}), 0) FROM {table}),"
            f" COALESCE(pg_sequence_last_value(%s::regclass), 0)) + %s)")
        params += [sequence, sequence, PG_ID_GAP + spans[model]]
    cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
    try:
        with transaction.atomic():
            cursor.execute(f"SELECT {', '.join(expressions)}", params)
            ends = cursor.fetchone()
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
    return {model: end - spans[model] + 1 for model, end in zip(models, ends)}


def copy_statement(model: type[Model], offsets: dict[type[Model], int], *, template_id: int,
                   target_id: int) -> tuple[str, list]:
    """The one INSERT … SELECT that copies ``model``'s rows of the template into the target."""
    qn = connection.ops.quote_name
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        column = qn(field.column)
        columns.append(column)
        if field.primary_key:
            expressions.append(f"{column} + %s")
            params.append(offsets[model])
        elif field.name == "sandbox":
            expressions.append("%s")
            params.append(target_id)
        elif isinstance(field, ForeignKey) and field.related_model in offsets and field.target_field.primary_key:
            expressions.append(f"{column} + %s")
            params.append(offsets[field.related_model])
        else:
            expressions.append(column)
    sandbox_col = qn(model._meta.get_field("sandbox").column)
    table = qn(model._meta.db_table)
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"SELECT {', '.join(expressions)} FROM {table} WHERE {sandbox_col} = %s")
    return sql, [*params, template_id]


def sandbox_provision(*, template: Sandbox, owner: AbstractBaseUser | None, name: str) -> Sandbox:
    """A new sandbox owned by ``owner`` holding a copy of ``template``'s shop; one event
    ``sandbox.provision`` in the new sandbox. Refuses a sandbox that is not a template."""
    name = (name or "").strip()
    if not name:
        raise ShopError(_("请填写店铺名称"))
    if len(name) > Sandbox._meta.get_field("name").max_length:
        raise ShopError(_("店铺名称最多%(max)s个字") % {"max": Sandbox._meta.get_field("name").max_length})
    if not template.is_template:
        raise ShopError(_("只能从模板店铺创建新店铺"))
    models = shop_models()
    with transaction.atomic():
        sandbox = Sandbox.objects.create(name=name, owner=owner, template=template, is_template=False)
        with connection.cursor() as cursor:
            offsets = _offsets(cursor, models, template.pk)
            rows: dict[str, int] = {}
            for model in models:
                if not offsets[model]:
                    rows[model._meta.model_name] = 0
                    continue
                sql, params = copy_statement(model, offsets, template_id=template.pk, target_id=sandbox.pk)
                cursor.execute(sql, params)
                rows[model._meta.model_name] = cursor.rowcount
        event_record(
            sandbox=sandbox, actor=Actor.system("provisioning"), action="sandbox.provision", obj=sandbox,
            after={"template": template.pk, "name": name,
                   "owner": owner.get_username() if owner is not None else None, "rows": rows},
        )
    return sandbox



def shop_file_deletable(*, sandbox: Sandbox, name: str) -> bool:
    """May a service delete the stored file ``name`` that ``sandbox`` no longer uses?

    Only when the file lies in the sandbox's own directory (``shops/<storefront_key>/``: never a
    template's directory, whose files every copy shares) and no shop row of any sandbox still names
    it (generated shops reuse one picture for many products). Call it after the row is gone.
    """
    if not name or not name.startswith(f"shops/{sandbox.storefront_key}/"):
        return False
    for model in shop_models(include_uncopied=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField) and model.objects.filter(**{field.attname: name}).exists():
                return False
    return True
