"""The strict schema of ``scenario.yaml``: unknown keys rejected, every field described.

Check parameters are not modelled here: each check kind owns its parameter model in
``autograder/checks/<kind>.py``, and the loader validates a criterion's ``check`` against the kind it
names (after filling the variant's params). ``scenario_json_schema()`` stitches both into one JSON
Schema for editors and for docs/scenario.schema.json.

Where a value may come from the variant, the type says so: ``int | Placeholder`` accepts ``7`` and
``"{{ params.shop_seed }}"`` alike; the loader then checks the filled-in value with sample seeds.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import (
    BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, ValidationInfo, WithJsonSchema, WrapValidator,
    field_validator, model_validator,
)

from .templating import PLACEHOLDER_PATTERN, is_placeholder

LEVELS = ("五级", "四级", "三级", "二级", "一级")
# The operational-exam modules of every level (EXAM_SPEC.md), plus the 五级 contents.
MODULES = (
    "商品信息采集与处理", "网店开设", "电商直播", "数据处理",
    "网店装修", "网络推广", "网上交易管理", "网络客户服务", "电子商务数据处理",
    "视觉营销设计",
    "电子商务运营策略制定", "网络营销", "电子商务运营架构管理", "电子商务数据分析与应用",
    "电子商务战略规划", "商业模式设计", "电子商务运营架构设计", "财务分析及投融资方案设计",
    "商业实务",
)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CRITERION_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

Placeholder = Annotated[
    str,
    StringConstraints(pattern=PLACEHOLDER_PATTERN),
    Field(description="A variant parameter, exactly one {{ params.name }}; filled per candidate."),
]


class StrictModel(BaseModel):
    """Unknown keys are an error (a typo must not silently do nothing)."""

    model_config = ConfigDict(extra="forbid")


class LocalizedText(StrictModel):
    """A text in Simplified Chinese (shown to candidates) and English (for reviewers)."""

    zh: str = Field(min_length=1, description="Simplified Chinese text; may use {{ params.name }}.")
    en: str = Field(min_length=1, description="English text; may use {{ params.name }}.")


def _keep_placeholder(value: Any, handler: Any) -> Any:
    return value if is_placeholder(value) else handler(value)


def TemplatedInt(*, ge: int, le: int | None = None) -> Any:
    """An int in [ge, le], or a ``{{ params.x }}`` placeholder (checked once filled in)."""
    bounds: dict[str, Any] = {"type": "integer", "minimum": ge}
    if le is not None:
        bounds["maximum"] = le
    return Annotated[
        int, Field(ge=ge, le=le), WrapValidator(_keep_placeholder), PlainSerializer(lambda v: v, return_type=Any),
        WithJsonSchema({"anyOf": [bounds, {"type": "string", "pattern": PLACEHOLDER_PATTERN}]}),
    ]


class ShopSpec(StrictModel):
    """The generated base shop (fixtures.generators.generate_shop): the same spec, the same shop."""

    seed: TemplatedInt(ge=0) = Field(description="Seed of the generated shop (catalogue, customers, orders); ≥ 0.")
    products: TemplatedInt(ge=1, le=500) = Field(description="Number of products, 1–500.")
    orders: TemplatedInt(ge=0, le=5000) = Field(description="Number of orders, 0–5000 (needs customers ≥ 1 when > 0).")
    customers: TemplatedInt(ge=0, le=2000) = Field(description="Number of customers, 0–2000.")

    @model_validator(mode="after")
    def _orders_need_customers(self) -> ShopSpec:
        if isinstance(self.orders, int) and isinstance(self.customers, int) and self.orders and not self.customers:
            raise ValueError(_("有订单时 customers 至少为 1（orders > 0 needs customers ≥ 1）"))
        return self


class SetupSpec(StrictModel):
    """The starting state of the candidate's shop; what YAML cannot say, variant.setup does."""

    shop: ShopSpec = Field(description="The generated base shop every variant starts from.")


def _check_model_name(name: str, *, allow_sandbox: bool = False) -> str:
    from .shopmodels import ShopNameError, shop_model

    if allow_sandbox and str(name).strip().lower() == "sandbox":
        return "sandbox"
    try:
        shop_model(name)
    except ShopNameError as exc:
        raise ValueError(str(exc)) from None
    return name.strip().lower()


class ScopeChange(StrictModel):
    """Fields of one table the task may change on existing rows."""

    model: str = Field(description="A shop_sim model name, lowercase (order, product, refund …); "
                                    "sandbox for the shop's own name and service_status.")
    fields: list[str] = Field(min_length=1, description='Field names the task may change; ["*"] = any field.')
    rows: dict[str, Any] | None = Field(
        default=None,
        description="Only these rows may change (Django-style filter, templated with the variant's params, "
                    'e.g. {order_no__in: "{{ params.ship_order_nos }}"}); absent = every row of the model. '
                    "A change to another row of the model is collateral damage.")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return _check_model_name(value, allow_sandbox=True)

    @model_validator(mode="after")
    def _rows(self) -> ScopeChange:
        from .shopmodels import ShopNameError, resolve_lookup, shop_model

        if self.rows is None:
            return self
        if self.model == "sandbox":
            raise ValueError(_("sandbox 不能限定 rows"))
        try:
            model = shop_model(self.model)
        except ShopNameError:
            return self
        bad = []
        for key in self.rows:
            try:
                resolve_lookup(model, key)
            except ShopNameError as exc:
                bad.append(f"rows.{key}: {exc}")
        if bad:
            raise ValueError("；".join(bad))
        return self

    @model_validator(mode="after")
    def _fields(self) -> ScopeChange:
        from .shopmodels import ShopNameError, attname, shop_model

        if self.fields == ["*"]:
            return self
        if self.model == "sandbox":
            from .snapshot import SANDBOX_FIELDS

            bad = [f for f in self.fields if f not in SANDBOX_FIELDS]
            if bad:
                raise ValueError(_("sandbox 只有这些字段可修改：%(allowed)s（不是 %(bad)s）")
                                 % {"allowed": ", ".join(SANDBOX_FIELDS), "bad": ", ".join(bad)})
            return self
        try:
            model = shop_model(self.model)
        except ShopNameError:
            return self
        bad = []
        for name in self.fields:
            try:
                attname(model, name)
            except ShopNameError as exc:
                bad.append(str(exc))
        if bad:
            raise ValueError("；".join(bad))
        return self


class ScopeCost(StrictModel):
    """What one kind of out-of-scope change costs, per changed row: severe for what cannot be undone
    (an unlisted order shipped, a refund agreed), minor for bookkeeping (a flag, a memo)."""

    model: str = Field(description="A shop_sim model name, lowercase (order, refund …).")
    change: Literal["changed", "added", "removed"] = Field(default="changed",
                                                           description="What happened to the row.")
    fields: list[str] = Field(default_factory=list,
                              description="changed: the rule applies when one of these fields changed (empty = any).")
    to: list[Any] = Field(default_factory=list,
                          description="changed: …and that field's new value is one of these (empty = any value), "
                                      "e.g. status → [shipped].")
    deduct: Decimal = Field(gt=0, max_digits=6, decimal_places=2, description="Points per row changed so.")
    cap: Decimal | None = Field(default=None, gt=0, max_digits=6, decimal_places=2,
                                description="At most this many points for all the rows this rule catches.")
    severity: Literal["severe", "moderate", "minor"] = Field(default="severe",
                                                             description="How the report names it.")
    part_of: str | None = Field(
        default=None,
        description="A foreign key of this model (sku → product): a change to this row and changes to its parent "
                    "row and the parent's other parts are one change, costing the dearest of them once (a product "
                    "edited with its SKUs is one 处).")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return _check_model_name(value, allow_sandbox=True)

    @model_validator(mode="after")
    def _part_of(self) -> ScopeCost:
        from .shopmodels import ShopNameError, shop_model

        if self.part_of is None:
            return self
        try:
            model = shop_model(self.model)
        except ShopNameError:
            return self
        try:
            field = model._meta.get_field(self.part_of)
        except Exception:
            field = None
        if field is None or not getattr(field, "many_to_one", False) or field.related_model is None \
                or field.related_model._meta.app_label != "shop_sim" or field.name == "sandbox":
            raise ValueError(_("part_of 必须是 %(model)s 指向店铺数据的外键（如 sku 的 product）")
                             % {"model": self.model})
        return self

    @model_validator(mode="after")
    def _fields(self) -> ScopeCost:
        if self.change != "changed" and (self.fields or self.to):
            raise ValueError(_("fields/to 只适用于 change: changed"))
        if self.to and not self.fields:
            raise ValueError(_("写了 to 就要写 fields（哪个字段变成了这些值）"))
        if self.fields and self.model != "sandbox":
            ScopeChange(model=self.model, fields=self.fields)  # the same field-name check
        return self


class CreateLimit(StrictModel):
    """A model the task may add rows to, up to a number: the task asks for one product, a second one
    is an unrequested listing (collateral damage, priced like any other added row)."""

    model: str = Field(description="A shop_sim model name, lowercase (product …).")
    max: int = Field(ge=0, description="Rows the task may add; the first ones (by id) are the task's, each "
                                       "further row is collateral damage.")

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        return _check_model_name(value)


class Scope(StrictModel):
    """What the task may change; any other change to the shop is collateral damage.

    Each out-of-scope change costs the most expensive of the ``costs`` rules it matches, else
    ``deduct``; the sum is capped by each rule's ``cap``, then by ``cap`` (absent = the whole task).
    The total never goes below 0."""

    may_change: list[ScopeChange] = Field(default_factory=list,
                                          description="Existing rows' fields the task may change.")
    may_create: list[str | CreateLimit] = Field(
        default_factory=list, description="Models the task may add rows to: a name (any number of rows) or "
                                          "{model, max} (at most max rows; further ones are collateral damage).")
    may_delete: list[str] = Field(default_factory=list, description="Models the task may delete rows from.")
    deduct: Decimal = Field(default=Decimal(0), ge=0, max_digits=6, decimal_places=2,
                            description="Points deducted per collateral change that no ``costs`` rule names "
                                        "(0 = report only; must be > 0 when ``costs`` is given).")
    costs: list[ScopeCost] = Field(default_factory=list,
                                   description="Severity of out-of-scope changes, per changed row.")
    cap: Decimal | None = Field(default=None, gt=0, max_digits=6, decimal_places=2,
                                description="At most this many points deducted in all (absent = the whole task).")

    @field_validator("may_create", "may_delete")
    @classmethod
    def _models(cls, values: list) -> list:
        return [_check_model_name(v) if isinstance(v, str) else v for v in values]

    def create_limits(self) -> dict[str, int | None]:
        """model → rows the task may add (None = any number)."""
        limits: dict[str, int | None] = {}
        for entry in self.may_create:
            if isinstance(entry, str):
                limits[entry] = None
            elif entry.model not in limits or limits[entry.model] is not None:
                limits[entry.model] = max(limits.get(entry.model) or 0, entry.max)
        return limits

    @model_validator(mode="after")
    def _guarded(self) -> Scope:
        if self.costs and self.deduct <= 0:
            raise ValueError(_("写了 costs 的范围，未列出的改动也不能免费：deduct 必须大于 0"))
        return self


class VerifySpec(StrictModel):
    """How ``scenarios verify`` judges this scenario."""

    blank_floor: Decimal = Field(default=Decimal(0), ge=0, max_digits=6, decimal_places=2,
                                 description="What a blank attempt must score exactly (0 unless a criterion "
                                             "rightly gives partial credit to an untouched shop).")


class CheckSpec(BaseModel):
    """``kind`` names a registered check kind; every other key is that kind's parameters."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field(min_length=1, description="A registered check kind: state, page, file, transcript, text, manual.")

    @property
    def params(self) -> dict[str, Any]:
        """The raw (untemplated) parameters of the kind."""
        return dict(self.model_extra or {})


class Criterion(StrictModel):
    """One rubric line: what is checked, how many points it is worth, and how it is checked."""

    id: str = Field(pattern=CRITERION_ID_PATTERN,
                    description="Unique within the scenario: a lowercase slug (a-z, 0-9, _), starting with a letter.")
    points: Decimal = Field(gt=0, max_digits=6, decimal_places=2, description="Points, > 0, at most 2 decimals.")
    description: LocalizedText = Field(description="What the candidate must have done; may use {{ params.name }}.")
    title: LocalizedText | None = Field(
        default=None, description="A short name without variant values, for tables that list the criterion "
                                  "across candidates (statistics, exports, marking lists); no {{ params }}. "
                                  "Absent: the description with its variant values left out.")
    check: CheckSpec = Field(description="How it is checked: kind plus that kind's parameters (templated per variant).")
    requires: list[str] = Field(default_factory=list,
                                description="Criteria this one builds on: its points count only when every one "
                                            "of them earned its full points (e.g. shipping by the new address "
                                            "requires the address change).")


    @field_validator("title")
    @classmethod
    def _title_has_no_params(cls, value: LocalizedText | None) -> LocalizedText | None:
        if value is not None and ("{{" in value.zh or "{{" in value.en):
            raise ValueError(_("title 是各变体共用的名称，不能含 {{ params }}"))
        return value

    def generic_title(self) -> LocalizedText:
        """The criterion's name as every candidate's variant shares it: ``title``, else the description
        with each ``{{ … }}`` left out as “…”."""
        if self.title is not None:
            return self.title
        return LocalizedText(zh=_strip_params(self.description.zh), en=_strip_params(self.description.en))


_PARAM_RE = re.compile(r"\{\{.*?\}\}")


def _strip_params(text: str) -> str:
    return _PARAM_RE.sub("…", text).strip() or text


class ChangelogEntry(StrictModel):
    """What changed in one version, for examiners comparing reports across versions."""

    version: int = Field(ge=1, description="The version this entry describes.")
    zh: str = Field(min_length=1, description="What changed, in Chinese.")
    en: str = Field(min_length=1, description="What changed, in English.")


class Scenario(StrictModel):
    """scenario.yaml: metadata, setup, scope and rubric of one task."""

    uuid: UUID = Field(description="Stable identity of the scenario; never reused.")
    version: int = Field(ge=1, description="Bumped when the rubric or setup changes; reports record it.")
    slug: str = Field(pattern=SLUG_PATTERN, description="Equals the folder name: lowercase words joined by '-'.")
    title: LocalizedText = Field(description="The task's title.")
    levels: list[Literal[LEVELS]] = Field(min_length=1, description="Skill levels the task belongs to: 五级 四级 三级 二级 一级.")
    module: Literal[MODULES] = Field(description="The operational-exam module (EXAM_SPEC.md).")
    minutes: int = Field(ge=1, le=240, description="Time allowed, in minutes.")
    points: Decimal = Field(gt=0, max_digits=6, decimal_places=2,
                            description="Total points; equals the sum of the rubric's points.")
    setup: SetupSpec = Field(description="The starting state of the candidate's shop.")
    scope: Scope = Field(default_factory=Scope,
                         description="What the task may change (collateral damage is everything else).")
    rubric: list[Criterion] = Field(min_length=1, description="The criteria, in the order reports show them.")
    verify: VerifySpec = Field(default_factory=VerifySpec, description="Expectations of scenario verification.")
    changelog: list[ChangelogEntry] = Field(default_factory=list,
                                            description="What changed in each version after the first, newest last.")

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError(_("levels 中有重复"))
        return values

    @model_validator(mode="after")
    def _cross_fields(self, info: ValidationInfo) -> Scenario:
        if info.context and info.context.get("skip_cross_checks"):
            return self  # the loader runs cross_field_problems itself, with exact paths
        problems = cross_field_problems(self.model_dump(mode="python"))
        if problems:
            raise ValueError("；".join(f"{path}: {message}" for path, message in problems))
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.rubric:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except Exception:
        return None


def cross_field_problems(data: Any) -> list[tuple[str, str]]:
    """Rules across fields, checked on raw data so they are reported even when other fields are
    broken: points equal the rubric's sum, criterion ids are unique."""
    if not isinstance(data, dict):
        return []
    problems: list[tuple[str, str]] = []
    rubric = data.get("rubric")
    if isinstance(rubric, list):
        seen: dict[str, int] = {}
        for index, item in enumerate(rubric):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                if item["id"] in seen:
                    problems.append((f"rubric[{index}].id",
                                     _("评分项 id %(id)s 与 rubric[%(index)s] 重复")
                                     % {"id": repr(item["id"]), "index": seen[item["id"]]}))
                else:
                    seen[item["id"]] = index
        for index, item in enumerate(rubric):
            required = item.get("requires") if isinstance(item, dict) else None
            if not isinstance(required, list):
                continue
            position = {key: at for key, at in seen.items()}
            for at, name in enumerate(required):
                if not isinstance(name, str):
                    continue
                if name not in position:
                    problems.append((f"rubric[{index}].requires[{at}]",
                                     _("评分项 %(id)s 不存在") % {"id": repr(name)}))
                elif position[name] >= index:
                    problems.append((f"rubric[{index}].requires[{at}]",
                                     _("只能依赖排在前面的评分项，%(id)s 在它之后") % {"id": repr(name)}))
        values = [_decimal(item.get("points")) if isinstance(item, dict) else None for item in rubric]
        total = _decimal(data.get("points"))
        if total is not None and values and all(v is not None for v in values) and sum(values) != total:
            problems.append(("points", _("总分 %(total)s 不等于评分项分值之和 %(sum)s") % {"total": total, "sum": sum(values)}))
    changelog = data.get("changelog")
    version = data.get("version")
    if isinstance(changelog, list) and isinstance(version, int):
        for index, entry in enumerate(changelog):
            if isinstance(entry, dict) and isinstance(entry.get("version"), int) and entry["version"] > version:
                problems.append((f"changelog[{index}].version",
                                 _("版本 %(entry)s 大于场景版本 %(version)s") % {"entry": entry["version"], "version": version}))
    return problems


# -- JSON Schema --------------------------------------------------------------------------------

PLACEHOLDER_SCHEMA = {"type": "string", "pattern": PLACEHOLDER_PATTERN,
                      "description": "A variant parameter: exactly one {{ params.name }}."}


def _prefix_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/$defs/" + prefix + value[len("#/$defs/"):]
            else:
                out[key] = _prefix_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_prefix_refs(v, prefix) for v in node]
    return node


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of scenario.yaml with each registered kind's parameters as one branch of
    ``check`` (every top-level parameter also accepts a placeholder)."""
    from autograder.registry import load_kinds

    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "scenario.yaml"
    defs = schema.setdefault("$defs", {})
    branches = []
    for name, kind in sorted(load_kinds().items()):
        prefix = f"{name}__"
        params = _prefix_refs(copy.deepcopy(kind.Params.model_json_schema(mode="validation")), prefix)
        for def_name, definition in params.pop("$defs", {}).items():
            defs[prefix + def_name] = definition
        properties = {"kind": {"const": name, "description": f"The {name!r} check kind."}}
        for prop, prop_schema in params.get("properties", {}).items():
            properties[prop] = {"anyOf": [prop_schema, PLACEHOLDER_SCHEMA],
                                "description": prop_schema.get("description", "")}
        branch = {
            "type": "object",
            "title": f"check kind {name}",
            "description": (kind.__doc__ or params.get("description") or "").strip().split("\n")[0],
            "properties": properties,
            "required": ["kind", *params.get("required", [])],
            "additionalProperties": False,
        }
        branches.append(branch)
    check = defs["CheckSpec"]
    defs["CheckSpec"] = {"description": check.get("description", ""), "oneOf": branches}
    return schema
