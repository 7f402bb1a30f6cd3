"""``state``: a declarative query on the candidate's shop — which rows, how many, with which values.

Models and field paths are resolved in ``shop_sim`` only (task_scenarios.shopmodels), filters end in
a safe lookup, and the query always starts from ``for_sandbox``: a rubric cannot read outside the
candidate's own shop. Values compare tolerantly (autograder.matching) unless ``strict`` is set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, field_validator, model_validator

from autograder.matching import compare, display, key_parts, normalize_text
from autograder.registry import CheckKind, CheckParams, CheckResult, register
from task_scenarios.shopmodels import ShopNameError, field_label, model_label, resolve_field, resolve_lookup, shop_model

LABEL_FIELDS = ("order_no", "title", "nickname", "name", "shop_name", "spec_label", "label", "code")
OPERATORS = ("eq", "ne", "in", "contains", "gt", "gte", "lt", "lte", "empty", "place", "address")
MESSAGE_ROWS = 5  # mismatching rows spelled out in a message; the rest are counted
EVIDENCE_ROWS = 50


class FieldExpect(CheckParams):
    """One expectation on a field: exactly one operator. A bare value in ``expect`` means ``eq``."""

    eq: Any = Field(default=None, description="Equal to (tolerant unless strict).")
    ne: Any = Field(default=None, description="Not equal to.")
    in_: list[Any] | None = Field(default=None, alias="in", description="One of these values.")
    contains: Any = Field(default=None, description="Text contains this (or a list contains this item).")
    gt: Any = Field(default=None, description="Greater than (numbers, amounts).")
    gte: Any = Field(default=None, description="Greater than or equal to.")
    lt: Any = Field(default=None, description="Less than.")
    lte: Any = Field(default=None, description="Less than or equal to.")
    empty: bool | None = Field(default=None, description="true: must be empty; false: must be filled in.")
    place: Any = Field(default=None, description="The same province/city/district, with or without its suffix "
                                                 "(厦门 = 厦门市; names from the national table, via cpca).")
    address: Any = Field(default=None, description="The text gives this address (name, mobile, province/city/"
                                                   "district, detail), in any order, labelled or not.")
    strict: bool = Field(default=False, description="Compare the exact text (no 全角/半角, case, space or ¥ tolerance).")

    @model_validator(mode="before")
    @classmethod
    def _bare_value(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {"eq": value}

    @model_validator(mode="after")
    def _one_operator(self) -> FieldExpect:
        given = [op for op in OPERATORS if (op if op != "in" else "in_") in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(_("每个字段期望只能写一个比较方式（%(ops)s），现在是 %(n)d 个")
                             % {"ops": "/".join(OPERATORS), "n": len(given)})
        return self

    @property
    def op(self) -> str:
        return next(op for op in OPERATORS if (op if op != "in" else "in_") in self.model_fields_set)

    @property
    def value(self) -> Any:
        return getattr(self, "in_" if self.op == "in" else self.op)


class CountExpect(CheckParams):
    """How many rows the filter must select."""

    eq: int | None = Field(default=None, ge=0, description="Exactly this many rows.")
    min: int | None = Field(default=None, ge=0, description="At least this many rows.")
    max: int | None = Field(default=None, ge=0, description="At most this many rows.")

    @model_validator(mode="after")
    def _sane(self) -> CountExpect:
        if self.eq is None and self.min is None and self.max is None:
            raise ValueError(_("count 至少需要 eq、min 或 max 之一"))
        if self.eq is not None and (self.min is not None or self.max is not None):
            raise ValueError(_("count 的 eq 不能与 min/max 同时使用"))
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(_("count 的 min 不能大于 max"))
        return self

    @property
    def target(self) -> int | None:
        """Rows the task asks for (the denominator of per-row credit)."""
        return self.eq if self.eq is not None else self.min

    @property
    def ceiling(self) -> int | None:
        return self.eq if self.eq is not None else self.max

    def describe(self) -> str:
        if self.eq is not None:
            return _("%(n)d 条") % {"n": self.eq}
        if self.min is not None and self.max is not None:
            return _("%(min)d–%(max)d 条") % {"min": self.min, "max": self.max}
        return _("至少 %(n)d 条") % {"n": self.min} if self.min is not None else _("至多 %(n)d 条") % {"n": self.max}

    def holds(self, n: int) -> bool:
        return ((self.eq is None or n == self.eq) and (self.min is None or n >= self.min)
                and (self.max is None or n <= self.max))


class Fallback(CheckParams):
    """Another way to find the rows when ``filter`` finds none (a product entered with a wrong merchant
    code is still the candidate's product: found by its brand, that slip costs only its own points)."""

    filter: dict[str, Any] = Field(description="Filter used instead of the query's filter (same syntax).")
    label: str = Field(min_length=1, description="How the rows were found, in the candidate's words, for the "
                                                 "message (标题含“森屿”, 本次新发布的商品).")


class RowQuery(CheckParams):
    """Which rows of the candidate's shop: a model and Django-style filters (safe lookups only)."""

    model: str = Field(description="A shop_sim model name, lowercase (order, product, refund, review …).")
    filter: dict[str, Any] = Field(default_factory=dict,
                                   description="field__lookup: value; lookups exact iexact in contains icontains "
                                               "gt gte lt lte isnull startswith …; relations within the shop.")
    exclude: dict[str, Any] = Field(default_factory=dict, description="Rows to leave out, same syntax as filter.")
    label: str | None = Field(default=None, description="Field naming a row in messages (default: order_no, title, "
                                                        "nickname or name).")
    created: bool | str = Field(default=False,
                                description="Only the candidate's own rows, those added in this attempt (absent "
                                            "from the baseline): true for the row itself, or a forward relation "
                                            "path (product) whose row must be new.")
    fallback: list[Fallback] = Field(default_factory=list,
                                     description="When filter finds no row: these filters, tried in order; the "
                                                 "first that finds rows is used and the message says how.")
    filter_label: str | None = Field(default=None, description="The filter in the candidate's words, for the "
                                                               "message when a fallback was needed (商家编码 X).")
    one_of: str | None = Field(default=None,
                               description="When the rows belong to several of these — a forward relation path "
                                           "(product), or id for the rows themselves — the candidate made the thing "
                                           "more than once (published the product twice): each is scored on its "
                                           "own and the best counts. The extra ones are collateral damage's "
                                           "business, not every criterion's.")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        try:
            return shop_model(value)._meta.model_name
        except ShopNameError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _paths(self) -> RowQuery:
        try:
            model = shop_model(self.model)
        except ShopNameError:
            return self
        problems = []
        wheres = [("filter", self.filter), ("exclude", self.exclude)]
        wheres += [(f"fallback[{i}].filter", f.filter) for i, f in enumerate(self.fallback)]
        for where, lookups in wheres:
            for key, value in lookups.items():
                try:
                    resolve_lookup(model, key)
                except ShopNameError as exc:
                    problems.append(f"{where}.{key}: {exc}")
                    continue
                if key.endswith("__in") and not isinstance(value, (list, tuple)):
                    problems.append(f"{where}.{key}: " + _("__in 需要一个列表"))
                if key.endswith("__isnull") and not isinstance(value, bool):
                    problems.append(f"{where}.{key}: " + _("__isnull 需要 true 或 false"))
        if self.label:
            try:
                resolve_field(model, self.label, allow_many=False)
            except ShopNameError as exc:
                problems.append(f"label: {exc}")
        if self.one_of and self.one_of != "id":
            try:
                target = resolve_field(model, self.one_of, allow_many=False)
                if not target.field.is_relation:
                    raise ShopNameError(_("%(path)s 不是关联字段") % {"path": self.one_of})
            except ShopNameError as exc:
                problems.append(f"one_of: {exc}")
        if isinstance(self.created, str):
            try:
                target = resolve_field(model, self.created, allow_many=False)
                if not target.field.is_relation:
                    raise ShopNameError(_("%(path)s 不是关联字段") % {"path": self.created})
            except ShopNameError as exc:
                problems.append(f"created: {exc}")
        if problems:
            raise ValueError("；".join(problems))
        return self


def label_field(model, explicit: str | None) -> str:
    if explicit:
        return explicit
    names = {f.name for f in model._meta.concrete_fields}
    return next((name for name in LABEL_FIELDS if name in names), "pk")


def select_rows(ctx, query: RowQuery, fields: list[str]) -> tuple[Any, str, list[dict[str, Any]]]:
    """(model, label field, rows as dicts with pk, the label and ``fields``), in id order."""
    model, label, rows, _note = select_rows_found(ctx, query, fields)
    return model, label, rows


def _created_only(ctx, model, qs, created: bool | str):
    """Leave out the rows (or the related rows) that were in the shop as handed out."""
    if created is True:
        return qs.exclude(pk__in=ctx.baseline_ids(model._meta.model_name))
    related = resolve_field(model, created).field.related_model
    return qs.exclude(**{f"{created}__pk__in": ctx.baseline_ids(related._meta.model_name)})


def one_of_groups(model, query: RowQuery, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows split by ``query.one_of`` (in order of their first row); one group without it."""
    if not query.one_of or not rows:
        return [rows]
    name = "pk" if query.one_of == "id" else query.one_of
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get(name), []).append(row)
    return list(groups.values())


def one_of_note(model, query: RowQuery, groups: list[list[dict[str, Any]]], best: int) -> str:
    """找到 3 个商品，按最符合要求的一个（#12）评分."""
    if query.one_of == "id":
        what, pk = model_label(model), groups[best][0]["pk"]
    else:
        related = resolve_field(model, query.one_of).field.related_model
        what, pk = model_label(related), groups[best][0].get(query.one_of)
    return _("找到 %(n)d 个%(what)s，按其中最符合要求的一个（#%(pk)s）评分") % {"n": len(groups), "what": what, "pk": pk}


def select_rows_found(ctx, query: RowQuery, fields: list[str]) -> tuple[Any, str, list[dict[str, Any]], str]:
    """``select_rows`` plus how the rows were found: "" by the filter, else a message naming the
    fallback that found them (the first of ``query.fallback`` that finds any row)."""
    model = shop_model(query.model)
    label = label_field(model, query.label)
    grouped = [query.one_of] if query.one_of and query.one_of != "id" else []
    wanted = list(dict.fromkeys(["pk", label, *fields, *grouped]))

    def rows_for(where: dict[str, Any]) -> list[dict[str, Any]]:
        qs = model.objects.for_sandbox(ctx.sandbox).filter(**where)
        if query.exclude:
            qs = qs.exclude(**query.exclude)
        if query.created:
            qs = _created_only(ctx, model, qs, query.created)
        return list(qs.distinct().order_by("pk").values(*wanted))

    rows = rows_for(query.filter)
    if rows or not query.fallback:
        return model, label, rows, ""
    for fallback in query.fallback:
        rows = rows_for(fallback.filter)
        if rows:
            what = model_label(model)
            if query.filter_label:
                note = _("没有找到%(wanted)s的%(what)s，按“%(how)s”找到 %(n)d 条") % {
                    "wanted": query.filter_label, "what": what, "how": fallback.label, "n": len(rows)}
            else:
                note = _("按题目条件没有找到%(what)s，按“%(how)s”找到 %(n)d 条") % {
                    "what": what, "how": fallback.label, "n": len(rows)}
            return model, label, rows, note
    return model, label, [], ""


def row_name(model, label: str, row: dict[str, Any]) -> str:
    value = row.get(label)
    return f"{model_label(model)} {display(value) if label != 'pk' else '#' + str(row['pk'])}"


def _carrier_labels() -> dict[str, str]:
    from shop_sim.services.orders import CARRIERS

    return {code: str(entry[0]) for code, entry in CARRIERS.items()}


# Code fields without model choices whose codes a candidate never sees (STO is 申通快递 on every page).
CODE_LABELS = {"carrier": _carrier_labels, "return_carrier": _carrier_labels}


def choice_labels(model, path: str) -> dict[str, str]:
    try:
        field = resolve_field(model, path).field
    except ShopNameError:
        return {}
    choices = getattr(field, "choices", None)
    if not choices and field.name in CODE_LABELS:
        return CODE_LABELS[field.name]()
    return {str(k): str(v) for k, v in (choices or [])}


def expected_value(expect: FieldExpect, choices: dict[str, str]) -> Any:
    """A trainer may write a choice's label (已发货…) or its value (shipped): both mean the value."""
    value = expect.value
    if not choices:
        return value
    by_label = {normalize_text(label): key for key, label in choices.items()}

    def one(v):
        if isinstance(v, str) and v not in choices and normalize_text(v) in by_label:
            return by_label[normalize_text(v)]
        return v

    return [one(v) for v in value] if isinstance(value, list) else one(value)


def _op_text(op: str, value: str) -> str:
    texts = {"eq": "%(v)s", "ne": _("不等于 %(v)s"), "in": _("为其中之一：%(v)s"), "contains": _("包含 %(v)s"),
             "gt": _("大于 %(v)s"), "gte": _("不少于 %(v)s"), "lt": _("小于 %(v)s"), "lte": _("不超过 %(v)s"),
             "place": "%(v)s", "address": _("写明地址 %(v)s")}
    return texts[op] % {"v": value}


def shown(value: Any, choices: dict[str, str]) -> str:
    """A value as the candidate saw it: a choice by its label (已发货, 申通快递), never its stored code."""
    if choices and isinstance(value, str) and value in choices:
        return choices[value]
    if isinstance(value, list):
        return "、".join(shown(v, choices) for v in value) or _("空")
    return display(value)


def describe_expect(expect: FieldExpect, value: Any, choices: dict[str, str]) -> str:
    if expect.op == "empty":
        return _("为空") if expect.value else _("已填写")
    return _op_text(expect.op, shown(value, choices))


class StateParams(RowQuery):
    """Rows of the shop and what they must look like."""

    expect: dict[str, FieldExpect] = Field(default_factory=dict,
                                           description="field path → value (tolerant equality) or {operator: value}.")
    count: CountExpect | None = Field(default=None, description="How many rows the filter must select.")
    partial: Literal["all_or_nothing", "per_row"] = Field(
        default="all_or_nothing", description="per_row: points × matching rows ÷ rows (or ÷ the count asked for).")
    key: str | None = Field(default=None,
                            description="Match the rows to ``keys`` by the meaning of this field: a JSON object by "
                                        "the set of its values ({颜色: 白色, 尺码: M} = {尺码: M, 颜色: 白色}), a "
                                        "list by its items, a text by its parts split at / × , 、 (白色 / M = M/白色); "
                                        "each part compared tolerantly (XL = xl = ＸＬ).")
    keys: list[str | list[str]] | None = Field(
        default=None, description="The expected set, one key per expected row (a list of values in any order, or "
                                  "a text such as 白色 / M). Scored against it: the denominator is the expected "
                                  "rows, a missing one loses its share, each other row costs ``extra_cost``.")
    extra_cost: Decimal = Field(default=Decimal(1), ge=0, max_digits=4, decimal_places=2,
                                description="With keys: shares one unexpected row (a key not expected, or an "
                                            "expected key twice) costs; 0 = other rows are not this criterion's "
                                            "business (another criterion scores them).")

    @model_validator(mode="after")
    def _expect_paths(self) -> StateParams:
        if not self.expect and self.count is None and self.keys is None:
            raise ValueError(_("state 检查至少需要 expect 或 count（或 keys）"))
        if (self.key is None) != (self.keys is None):
            raise ValueError(_("key 与 keys 须同时给出（按哪个字段、期望哪些行）"))
        if self.keys is not None and self.count is not None:
            raise ValueError(_("给出 keys 时不能再写 count：期望的行数就是 keys 的个数"))
        if self.keys is not None and not self.keys:
            raise ValueError(_("keys 不能为空"))
        try:
            model = shop_model(self.model)
        except ShopNameError:
            return self
        problems = []
        if self.key is not None:
            try:
                resolve_field(model, self.key, allow_many=False)
            except ShopNameError as exc:
                problems.append(f"key: {exc}")
        for key in self.expect:
            try:
                resolve_field(model, key, allow_many=False)
            except ShopNameError as exc:
                problems.append(f"expect.{key}: {exc}")
        if problems:
            raise ValueError("；".join(problems))
        return self


def fraction_for(rows: int, good: int, count: CountExpect | None, partial: str) -> tuple[Decimal, list[str]]:
    """The share of the points earned, and what is wrong with the count (if anything)."""
    notes = []
    if count is not None and not count.holds(rows):
        notes.append(_("期望 %(want)s，实际 %(n)d 条") % {"want": count.describe(), "n": rows})
    if partial == "all_or_nothing":
        ok = not notes and good == rows and (rows > 0 or count is not None)
        return (Decimal(1) if ok else Decimal(0)), notes
    target = count.target if count is not None and count.target else 0
    denominator = max(rows, target)
    if denominator == 0:
        ok = count is not None and not notes
        return (Decimal(1) if ok else Decimal(0)), notes
    earned = min(good, denominator)
    ceiling = count.ceiling if count is not None else None
    if ceiling is not None and rows > ceiling:
        earned = max(0, earned - (rows - ceiling))  # every surplus row costs one good row
    return Decimal(earned) / Decimal(denominator), notes


@register
class StateCheck(CheckKind):
    """Rows of the candidate's shop: how many, and with which field values."""

    name = "state"
    Params = StateParams

    def run(self, ctx, params: StateParams) -> CheckResult:
        fields = list(params.expect) + ([params.key] if params.key else [])
        model, label, rows, found_by = select_rows_found(ctx, params, fields)
        choices = {key: choice_labels(model, key) for key in params.expect}
        wanted = {key: expected_value(exp, choices[key]) for key, exp in params.expect.items()}

        def differences_of(row: dict[str, Any]) -> list[str]:
            differences = []
            for key, expect in params.expect.items():
                if not compare(expect.op, wanted[key], row.get(key), strict=expect.strict):
                    differences.append(_("期望 %(field)s %(want)s，实际 %(got)s") % {
                        "field": field_label(model, key), "want": describe_expect(expect, wanted[key], choices[key]),
                        "got": shown(row.get(key), choices[key])})
            return differences

        groups = one_of_groups(model, params, rows)
        results = [self._scored(ctx, params, model, label, group, found_by, differences_of, choices, wanted)
                   for group in groups]
        best = max(range(len(results)), key=lambda i: (results[i].score, -i))
        result = results[best]
        if len(groups) > 1:
            result.message = one_of_note(model, params, groups, best) + "\n" + result.message
        return result

    def _scored(self, ctx, params: StateParams, model, label: str, rows: list[dict[str, Any]], found_by: str,
                differences_of, choices, wanted) -> CheckResult:
        """One group of rows (all of them, without ``one_of``) scored."""
        if params.keys is not None:
            return self._keyed(ctx, params, model, label, rows, found_by, differences_of, choices, wanted)
        bad: list[tuple[dict, list[str]]] = []
        for row in rows:
            differences = differences_of(row)
            if differences:
                bad.append((row, differences))
        good = len(rows) - len(bad)
        fraction, notes = fraction_for(len(rows), good, params.count, params.partial)
        score = Decimal(ctx.points) * fraction
        what = model_label(model)
        lines = ([found_by] if found_by else []) + list(notes)
        if not rows and not notes and fraction == 0:
            lines.append(_("没有找到符合条件的%(what)s记录") % {"what": what})
        for row, differences in bad[:MESSAGE_ROWS]:
            lines.append(f"{row_name(model, label, row)}：" + "；".join(differences))
        if len(bad) > MESSAGE_ROWS:
            lines.append(_("……另有 %(n)d 条%(what)s不符合") % {"n": len(bad) - MESSAGE_ROWS, "what": what})
        if not lines:
            lines.append(_("符合要求（%(n)d 条%(what)s记录）") % {"n": len(rows), "what": what})
        elif params.expect and rows:
            lines.insert(0, _("%(good)d/%(n)d 条%(what)s符合要求") % {"good": good, "n": len(rows), "what": what})
        expected = {
            "model": params.model, "filter": _plain(params.filter),
            "expect": {k: describe_expect(e, wanted[k], choices[k]) for k, e in params.expect.items()},
            "count": params.count.describe() if params.count else None,
        }
        def as_shown(row: dict[str, Any]) -> dict[str, str]:
            return {"row": row_name(model, label, row), **{k: shown(row.get(k), choices[k]) for k in params.expect}}

        actual = {"rows": len(rows), "matching": good,
                  "mismatches": [as_shown(row) for row, _diffs in bad[:EVIDENCE_ROWS]]}
        evidence = [{"kind": "rows", "model": params.model, "rows": [as_shown(row) for row in rows[:EVIDENCE_ROWS]]}]
        return CheckResult(score=min(score, Decimal(ctx.points)), max=ctx.points, message="\n".join(lines),
                           expected=expected, actual=actual, evidence=evidence)


    def _keyed(self, ctx, params: StateParams, model, label: str, rows: list[dict[str, Any]], found_by: str,
               differences_of, choices, wanted) -> CheckResult:
        """The rows scored against the expected set ``keys``, matched by meaning (``key_parts``)."""
        what = model_label(model)
        expected = [(k, key_parts(k)) for k in params.keys]
        by_key: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_key.setdefault(key_parts(row.get(params.key)), []).append(row)
        matched: list[tuple[str, dict[str, Any]]] = []
        missing: list[str] = []
        for shown_key, parts in expected:
            candidates = by_key.get(parts) or []
            if candidates:
                matched.append((_key_text(shown_key), candidates.pop(0)))
            else:
                missing.append(_key_text(shown_key))
        extras = [row for group in by_key.values() for row in group]
        extras.sort(key=lambda row: row["pk"])
        bad = [(name, row, differences) for name, row in matched if (differences := differences_of(row))]
        good = len(matched) - len(bad)
        extra_cost = Decimal(params.extra_cost)
        charged = extra_cost * len(extras)
        if params.partial == "all_or_nothing":
            fraction = Decimal(1) if good == len(expected) and not charged else Decimal(0)
        else:
            fraction = max(Decimal(good) - charged, Decimal(0)) / Decimal(len(expected))
        lines = [found_by] if found_by else []
        lines.append(_("%(good)d/%(n)d 个期望的%(what)s符合要求") % {"good": good, "n": len(expected), "what": what})
        if missing:
            lines.append(_("缺少%(what)s：%(keys)s") % {"what": what, "keys": "、".join(missing)})
        for name, _row, differences in bad[:MESSAGE_ROWS]:
            lines.append(f"{what} {name}：" + "；".join(differences))
        if len(bad) > MESSAGE_ROWS:
            lines.append(_("……另有 %(n)d 条%(what)s不符合") % {"n": len(bad) - MESSAGE_ROWS, "what": what})
        if extras:
            names = "、".join(display(row.get(label)) if label != "pk" else f"#{row['pk']}" for row in extras[:10])
            if charged:
                lines.append(_("多出%(what)s（题目没有要求）：%(names)s，每条扣一份") % {"what": what, "names": names})
            else:
                lines.append(_("另有%(what)s（不属本项）：%(names)s") % {"what": what, "names": names})
        if not rows:
            lines.append(_("没有找到符合条件的%(what)s记录") % {"what": what})

        def as_shown(row: dict[str, Any]) -> dict[str, str]:
            return {"row": row_name(model, label, row), **{k: shown(row.get(k), choices[k]) for k in params.expect}}

        return CheckResult(
            score=min(Decimal(ctx.points) * fraction, Decimal(ctx.points)), max=ctx.points, message="\n".join(lines),
            expected={"model": params.model, "keys": [_key_text(k) for k in params.keys],
                      "expect": {k: describe_expect(e, wanted[k], choices[k]) for k, e in params.expect.items()}},
            actual={"rows": len(rows), "matching": good, "missing": missing,
                    "extra": [row_name(model, label, row) for row in extras[:EVIDENCE_ROWS]],
                    "mismatches": [as_shown(row) for _name, row, _d in bad[:EVIDENCE_ROWS]]},
            evidence=[{"kind": "rows", "model": params.model, "rows": [as_shown(row) for row in rows[:EVIDENCE_ROWS]]}])


def _key_text(key: str | list[str]) -> str:
    return " / ".join(str(k) for k in key) if isinstance(key, list) else str(key)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
