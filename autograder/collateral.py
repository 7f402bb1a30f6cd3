"""Collateral damage: what the candidate changed in the shop that the task did not ask for.

The baseline (the shop as handed out) and the frozen shop are compared row by row, keyed by primary
key: rows added, rows removed, fields changed. What the scenario's ``scope`` allows is filtered out;
the rest is reported in words an examiner and a candidate can read ("删除了商品「…」") and costs points.

What it costs is the scenario's judgement (``scope.costs``): the most expensive rule a change matches
— by model, by what happened to the row (changed/added/removed), by which field changed and to what
value (an unlisted order whose status became 已发货, a refund agreed: severe; a flag or memo: minor) —
else ``scope.deduct``. One changed row is one change, whatever number of its fields moved; under a
rule with ``part_of`` (sku → product) a row and its parent are one change, costing the dearest once. A rule's
``cap`` bounds what its rows cost together; ``scope.cap`` bounds the whole deduction, and without it
the deduction may take the whole task. The total never goes below 0 (the engine passes the points
earned as the last bound).

``may_create`` entries ``{model, max}`` allow that many new rows (the first by id); each further row
is an added row like any other (the task asks for one product: a second listing is damage).

``may_change`` entries with ``rows`` allow their fields on those rows only (a filter templated with
the variant's params): shipping the listed orders is the task, shipping any other is damage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from autograder.matching import display, values_equal
from task_scenarios.schema import Scope, ScopeCost
from task_scenarios.snapshot import Snapshot, shop_snapshot

LABEL_FIELDS = ("order_no", "title", "nickname", "shop_name", "name", "spec_label", "label", "code", "reason")
VALUE_CHARS = 40


@dataclass(frozen=True)
class CollateralChange:
    """One row changed outside the task's scope, and what it costs under the scope it was found with."""

    model: str
    pk: int
    kind: str  # "added" | "removed" | "changed"
    fields: tuple[str, ...]
    message: str
    after: dict[str, Any] = field(default_factory=dict)  # changed: the new values of ``fields``
    deduct: Decimal = Decimal(0)
    severity: str = ""  # "severe" | "moderate" | "minor" | "" (no rule: scope.deduct)
    # attname → value of the row's foreign keys that a ``part_of`` cost rule names (sku: product_id)
    parents: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fields"] = list(self.fields)
        data["deduct"] = str(self.deduct)
        return data


SEVERITY_LABELS = {"severe": _lazy("严重"), "moderate": _lazy("较重"), "minor": _lazy("轻微")}


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


def _choice_label(name: str, attname: str, value: Any) -> Any:
    """已发货, not shipped: a status reads as the candidate saw it."""
    from autograder.checks.state import CODE_LABELS

    model = _model(name)
    try:
        field_ = model._meta.get_field(attname) if model is not None else None
    except FieldDoesNotExist:
        field_ = None
    choices = dict(field_.choices or ()) if field_ is not None else {}
    if not choices and field_ is not None and field_.name in CODE_LABELS:
        choices = CODE_LABELS[field_.name]()
    return choices.get(value, value) if isinstance(value, str) else value


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


Rows = dict[int, set[str]]  # index of a may_change entry with ``rows`` → str(pk) of the rows it allows


def allowed_changes(scope: Scope) -> dict[str, set[str] | None]:
    """model → attnames the task may change on any row (None = any field); entries with ``rows`` left out."""
    allowed: dict[str, set[str] | None] = {}
    for entry in scope.may_change:
        if entry.rows is not None:
            continue
        if entry.fields == ["*"]:
            allowed[entry.model] = None
            continue
        current = allowed.setdefault(entry.model, set())
        if current is not None:
            current.update(_attname(entry.model, f) for f in entry.fields)
    return allowed


def _allowed_on(scope: Scope, model: str, pk: str, general: dict[str, set[str] | None],
                rows: Rows) -> set[str] | None:
    """The attnames the task may change on this one row (None = any)."""
    fields = general.get(model, set())
    if fields is None:
        return None
    fields = set(fields)
    for index, entry in enumerate(scope.may_change):
        if entry.model != model or entry.rows is None or pk not in rows.get(index, set()):
            continue
        if entry.fields == ["*"]:
            return None
        fields.update(_attname(model, f) for f in entry.fields)
    return fields


def _matches(rule: ScopeCost, change: CollateralChange) -> bool:
    if rule.model != change.model or rule.change != change.kind:
        return False
    if change.kind != "changed" or not rule.fields:
        return True
    for name in (_attname(rule.model, f) for f in rule.fields):
        if name not in change.fields:
            continue
        if not rule.to or any(values_equal(value, change.after.get(name)) for value in rule.to):
            return True
    return False


def change_cost(change: CollateralChange, scope: Scope) -> tuple[int | None, Decimal]:
    """(index of the costliest matching ``costs`` rule or None, its deduction or ``scope.deduct``)."""
    best: tuple[int | None, Decimal] = (None, Decimal(scope.deduct))
    for index, rule in enumerate(scope.costs):
        if _matches(rule, change) and (best[0] is None or rule.deduct > best[1]):
            best = (index, Decimal(rule.deduct))
    return best


def _group(change: CollateralChange, index: int | None, scope: Scope) -> tuple[str, str]:
    """What one change is a change *of*: its own row, or — under a ``part_of`` rule — its parent row
    (a SKU's product), so a product edited with its SKUs is one change."""
    rule = scope.costs[index] if index is not None else None
    if rule is not None and rule.part_of:
        model = _model(change.model)
        try:
            fk = model._meta.get_field(rule.part_of) if model is not None else None
        except FieldDoesNotExist:
            fk = None
        parent = change.parents.get(_attname(change.model, rule.part_of))
        if fk is not None and parent is not None:
            return fk.related_model._meta.model_name, str(parent)
    return change.model, str(change.pk)


def charged(changes: list[CollateralChange], scope: Scope) -> list[tuple[int | None, Decimal, tuple[str, str] | None]]:
    """Per change: (its rule's index or None, what it costs, the group it was counted with if another
    change of its group carries the cost). In each group the dearest change (the first of equals) pays."""
    priced = [change_cost(change, scope) for change in changes]
    groups = [_group(change, index, scope) for change, (index, _points) in zip(changes, priced)]
    payer: dict[tuple[str, str], int] = {}
    for position, (group, (_index, points)) in enumerate(zip(groups, priced)):
        if group not in payer or points > priced[payer[group]][1]:
            payer[group] = position
    return [(index, points, None) if payer[group] == position else (index, Decimal(0), group)
            for position, (group, (index, points)) in enumerate(zip(groups, priced))]


def _priced(change: CollateralChange, scope: Scope, index: int | None, points: Decimal,
            counted_with: tuple[str, str] | None) -> CollateralChange:
    severity = scope.costs[index].severity if index is not None else ""
    message = change.message
    if counted_with is not None:
        message += _("（与%(what)s #%(pk)s 的改动计为一处）") % {"what": _model_label(counted_with[0]), "pk": counted_with[1]}
    elif points > 0:
        label = SEVERITY_LABELS.get(severity)
        message += (_("（%(severity)s，扣 %(points)s 分）") % {"severity": label, "points": _points(points)} if label
                    else _("（扣 %(points)s 分）") % {"points": _points(points)})
    return replace(change, message=message, deduct=points, severity=severity)


def _points(value: Decimal) -> str:
    return format(value.normalize(), "f")


def collateral_diff(baseline: Snapshot, current: Snapshot, scope: Scope,
                    rows: Rows | None = None) -> list[CollateralChange]:
    """Every out-of-scope change, by model (alphabetical) then primary key — deterministic.

    ``rows``: for each may_change entry with ``rows``, the primary keys it allows (see
    ``scope_rows``); an entry missing here allows no row."""
    general = allowed_changes(scope)
    rows = rows or {}
    limits, may_delete = scope.create_limits(), set(scope.may_delete)
    links: dict[str, set[str]] = {}  # model → attnames of the foreign keys its part_of rules name
    for rule in scope.costs:
        if rule.part_of:
            links.setdefault(rule.model, set()).add(_attname(rule.model, rule.part_of))
    changes: list[CollateralChange] = []
    for model in sorted(set(baseline) | set(current)):
        before, after = baseline.get(model, {}), current.get(model, {})
        what = _model_label(model)
        added = 0

        def parents(row: dict[str, Any]) -> dict[str, Any]:
            return {name: row.get(name) for name in sorted(links.get(model, ()))}

        for pk in sorted(set(before) | set(after), key=int):
            old, new = before.get(pk), after.get(pk)
            if old is None:
                added += 1
                limit = limits.get(model, 0) if model in limits else 0
                if model not in limits:
                    changes.append(CollateralChange(model, int(pk), "added", (),
                                                    _("新增了%(what)s%(row)s，本题不要求新增%(what)s")
                                                    % {"what": what, "row": _row_label(new, pk)},
                                                    parents=parents(new)))
                elif limit is not None and added > limit:
                    changes.append(CollateralChange(model, int(pk), "added", (),
                                                    _("新增了%(what)s%(row)s，本题只要求新增 %(n)d 条%(what)s")
                                                    % {"what": what, "row": _row_label(new, pk), "n": limit},
                                                    parents=parents(new)))
                continue
            if new is None:
                if model not in may_delete:
                    changes.append(CollateralChange(model, int(pk), "removed", (),
                                                    _("删除了%(what)s%(row)s，本题不要求删除%(what)s")
                                                    % {"what": what, "row": _row_label(old, pk)},
                                                    parents=parents(old)))
                continue
            changed = [name for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
            if not changed:
                continue
            scope_fields = _allowed_on(scope, model, pk, general, rows)
            outside = [] if scope_fields is None else [name for name in changed if name not in scope_fields]
            if outside:
                details = "；".join(f"{_field_label(model, name)}：{_short(_choice_label(model, name, old.get(name)))}"
                                   f" → {_short(_choice_label(model, name, new.get(name)))}" for name in outside)
                changes.append(CollateralChange(model, int(pk), "changed", tuple(outside),
                                                _("修改了%(what)s%(row)s（%(details)s），超出本题要求的范围")
                                                % {"what": what, "row": _row_label(old, pk), "details": details},
                                                after={name: new.get(name) for name in outside},
                                                parents=parents(old)))
    return [_priced(change, scope, index, points, group)
            for change, (index, points, group) in zip(changes, charged(changes, scope))]


def scope_rows(instance, scope: Scope) -> Rows:
    """The rows each may_change entry with ``rows`` allows, in ``instance``'s sandbox (filters
    templated with its params)."""
    from task_scenarios.shopmodels import shop_model
    from task_scenarios.templating import render_value

    found: Rows = {}
    for index, entry in enumerate(scope.may_change):
        if entry.rows is None:
            continue
        where = render_value(entry.rows, dict(instance.params or {}), path=f"scope.may_change.{index}.rows")
        model = shop_model(entry.model)
        found[index] = {str(pk) for pk in model.objects.filter(sandbox_id=instance.sandbox_id)
                        .filter(**where).values_list("pk", flat=True)}
    return found


def collateral_changes(instance, scope: Scope) -> list[CollateralChange]:
    """The out-of-scope changes of ``instance``'s sandbox since its baseline."""
    return collateral_diff(instance.baseline_rows(), shop_snapshot(instance.sandbox_id), scope,
                           scope_rows(instance, scope))


def collateral_deduction(changes: list[CollateralChange], scope: Scope, *, cap: Decimal) -> Decimal:
    """What the changes cost under ``scope``: per change its rule's ``deduct`` (else ``scope.deduct``),
    each rule's rows together at most its ``cap``, all together at most ``scope.cap`` (absent: the
    whole task) and never more than ``cap`` — the points earned, so a total never goes negative."""
    by_rule: dict[int | None, Decimal] = {}
    for index, points, _group_ in charged(changes, scope):
        by_rule[index] = by_rule.get(index, Decimal(0)) + points
    total = Decimal(0)
    for index, points in by_rule.items():
        rule_cap = scope.costs[index].cap if index is not None else None
        total += min(points, Decimal(rule_cap)) if rule_cap is not None else points
    if scope.cap is not None:
        total = min(total, Decimal(scope.cap))
    return min(total, max(Decimal(cap), Decimal(0))).quantize(Decimal("0.01"))
