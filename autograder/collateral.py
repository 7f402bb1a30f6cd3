"""Collateral damage: what the candidate changed in the shop that the task did not ask for.

The baseline (the shop as handed out) and the frozen shop are compared row by row, keyed by primary
key: rows added, rows removed, fields changed. What the scenario's ``scope`` allows is filtered out;
the rest is reported in words an examiner and a candidate can read ("删除了商品「…」") and, where the
scenario sets ``deduct``, costs points.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from django.utils.translation import gettext as _
from autograder.matching import display
from task_scenarios.schema import Scope
from task_scenarios.snapshot import Snapshot, shop_snapshot

LABEL_FIELDS = ("order_no", "title", "nickname", "shop_name", "name", "spec_label", "label", "code", "reason")
VALUE_CHARS = 40


@dataclass(frozen=True)
class CollateralChange:
    """One row changed outside the task's scope."""

    model: str
    pk: int
    kind: str  # "added" | "removed" | "changed"
    fields: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fields"] = list(self.fields)
        return data


def _model(name: str):
    try:
        return apps.get_model("shop_sim", name)
    except LookupError:
        return None


def _model_label(name: str) -> str:
    model = _model(name)
    return str(model._meta.verbose_name) if model is not None else name


def _field_label(name: str, attname: str) -> str:
    model = _model(name)
    if model is None:
        return attname
    try:
        return str(model._meta.get_field(attname).verbose_name)
    except FieldDoesNotExist:
        return attname


def _row_label(row: dict[str, Any], pk: str) -> str:
    for name in LABEL_FIELDS:
        if row.get(name):
            return f"「{_short(row[name])}」（#{pk}）"
    return f"#{pk}"


def _short(value: Any) -> str:
    text = display(value)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…"


def _attname(model_name: str, field: str) -> str:
    model = _model(model_name)
    if model is None:
        return field
    try:
        return model._meta.get_field(field).attname
    except (FieldDoesNotExist, AttributeError):
        return field


def allowed_changes(scope: Scope) -> dict[str, set[str] | None]:
    """model → attnames the task may change (None = any field)."""
    allowed: dict[str, set[str] | None] = {}
    for entry in scope.may_change:
        if entry.fields == ["*"]:
            allowed[entry.model] = None
            continue
        current = allowed.setdefault(entry.model, set())
        if current is not None:
            current.update(_attname(entry.model, f) for f in entry.fields)
    return allowed


def collateral_diff(baseline: Snapshot, current: Snapshot, scope: Scope) -> list[CollateralChange]:
    """Every out-of-scope change, by model (alphabetical) then primary key — deterministic."""
    allowed = allowed_changes(scope)
    may_create, may_delete = set(scope.may_create), set(scope.may_delete)
    changes: list[CollateralChange] = []
    for model in sorted(set(baseline) | set(current)):
        before, after = baseline.get(model, {}), current.get(model, {})
        what = _model_label(model)
        for pk in sorted(set(before) | set(after), key=int):
            old, new = before.get(pk), after.get(pk)
            if old is None:
                if model not in may_create:
                    changes.append(CollateralChange(model, int(pk), "added", (),
                                                    _("新增了%(what)s%(row)s，本题不要求新增%(what)s")
                                                    % {"what": what, "row": _row_label(new, pk)}))
                continue
            if new is None:
                if model not in may_delete:
                    changes.append(CollateralChange(model, int(pk), "removed", (),
                                                    _("删除了%(what)s%(row)s，本题不要求删除%(what)s")
                                                    % {"what": what, "row": _row_label(old, pk)}))
                continue
            changed = [name for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
            scope_fields = allowed.get(model, set())
            outside = [] if scope_fields is None else [name for name in changed if name not in scope_fields]
            if outside:
                details = "；".join(f"{_field_label(model, name)}：{_short(old.get(name))} → {_short(new.get(name))}"
                                   for name in outside)
                changes.append(CollateralChange(model, int(pk), "changed", tuple(outside),
                                                _("修改了%(what)s%(row)s（%(details)s），超出本题要求的范围")
                                                % {"what": what, "row": _row_label(old, pk), "details": details}))
    return changes


def collateral_changes(instance, scope: Scope) -> list[CollateralChange]:
    """The out-of-scope changes of ``instance``'s sandbox since its baseline."""
    return collateral_diff(instance.baseline_rows(), shop_snapshot(instance.sandbox_id), scope)


def change_cost(change: CollateralChange, scope: Scope) -> Decimal:
    """What one change costs: the first ``costs`` entry it matches (severity), else ``deduct``."""
    for cost in scope.costs:
        if cost.model != change.model or change.kind not in cost.kinds:
            continue
        if cost.fields:  # only changed rows where one of these fields changed
            wanted = {_attname(change.model, name) for name in cost.fields}
            if change.kind != "changed" or not wanted & set(change.fields):
                continue
        return Decimal(cost.deduct)
    return Decimal(scope.deduct)


def collateral_deduction(changes: list[CollateralChange], scope: Scope, *, cap: Decimal) -> Decimal:
    """Each change's cost (``change_cost``), never more than ``cap`` (the points earned): a total
    never goes negative."""
    total = sum((change_cost(change, scope) for change in changes), Decimal(0))
    return min(total, max(Decimal(cap), Decimal(0))).quantize(Decimal("0.01"))
