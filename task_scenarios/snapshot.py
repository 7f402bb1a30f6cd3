"""A sandbox's shop as plain rows keyed by primary key: the baseline the grader diffs against.

Unlike ``fixtures.fingerprint.shop_dump`` (which renumbers rows to compare *different* sandboxes),
this keeps real ids, because collateral damage is "row #123 of *this* shop changed". Values are
canonicalised the same way (Decimal and datetimes as strings). Left out, on purpose:

* ``ShopEvent`` — the journal of the candidate's own work, not shop state;
* ``auto_now`` columns (``updated_at``) — bookkeeping that moves with any save, never a task target.

The sandbox row's own shop settings (its name and 客服 status) are included as model ``sandbox``.
"""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import DateField, DateTimeField, Model

from shop_sim.models import Sandbox
from shop_sim.services.provisioning import shop_models

SANDBOX_FIELDS = ("name", "service_status")
NOT_DIFFED = ("shopevent",)

Snapshot = dict[str, dict[str, dict[str, Any]]]  # model_name → str(pk) → attname → value


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def diffed_models() -> list[type[Model]]:
    return [m for m in shop_models(include_uncopied=True) if m._meta.model_name not in NOT_DIFFED]


def diffed_fields(model: type[Model]) -> list:
    return [f for f in model._meta.concrete_fields
            if f.name != "sandbox" and not f.primary_key
            and not (isinstance(f, (DateTimeField, DateField)) and getattr(f, "auto_now", False))]


def shop_snapshot(sandbox: Sandbox | int) -> Snapshot:
    """Every shop row of ``sandbox`` (see the module docstring), JSON-ready and in id order."""
    sandbox_id = sandbox if isinstance(sandbox, int) else sandbox.pk
    snap: Snapshot = {}
    for model in diffed_models():
        fields = diffed_fields(model)
        names = [f.attname for f in fields]
        rows = {}
        for values in model.objects.filter(sandbox_id=sandbox_id).order_by("pk").values_list("pk", *names):
            rows[str(values[0])] = {name: plain(v) for name, v in zip(names, values[1:])}
        snap[model._meta.model_name] = rows
    row = Sandbox.objects.filter(pk=sandbox_id).values("pk", *SANDBOX_FIELDS).first()
    snap["sandbox"] = {str(row["pk"]): {k: row[k] for k in SANDBOX_FIELDS}} if row else {}
    return snap


def snapshot_compress(snap: Snapshot) -> bytes:
    """zlib of the canonical JSON (sorted keys): the same shop gives the same bytes."""
    text = json.dumps(snap, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def snapshot_decompress(data: bytes | memoryview) -> Snapshot:
    return json.loads(zlib.decompress(bytes(data)).decode("utf-8"))


def snapshot_apply(base: Snapshot, before: Snapshot, after: Snapshot) -> Snapshot:
    """``base`` with the change from ``before`` to ``after`` applied: rows added or changed take
    their ``after`` values, rows removed go. Used to fold what a scenario's ``start`` wrote into a
    baseline recorded earlier, without taking in anything else the shop holds by then."""
    merged = {model: dict(rows) for model, rows in base.items()}
    for model in before.keys() | after.keys():
        old, new = before.get(model, {}), after.get(model, {})
        target = merged.setdefault(model, {})
        for pk, row in new.items():
            if old.get(pk) != row:
                target[pk] = row
        for pk in old.keys() - new.keys():
            target.pop(pk, None)
    return merged
