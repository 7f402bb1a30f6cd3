"""Names a scenario may use for shop tables and fields, resolved safely inside ``shop_sim``.

A rubric names models (``order``) and field paths (``customer__nickname``, ``order_no__in``). They are
resolved here against ``shop_sim``'s models only, so a scenario can neither read another app's tables
(users, exams) nor step through ``sandbox`` into a neighbour's shop, and a typo fails when the
scenario is loaded rather than when a candidate is graded.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignObjectRel, Model
from django.utils.translation import gettext as _

# Lookups a filter may end with: plain comparisons, nothing that runs SQL fragments (regex, extra).
SAFE_LOOKUPS = frozenset({
    "exact", "iexact", "in", "contains", "icontains", "gt", "gte", "lt", "lte", "isnull", "startswith",
    "istartswith", "endswith", "iendswith",
})
# Tables no scenario may name: the tenant itself (a door to other shops) and the journal.
FORBIDDEN_MODELS = frozenset({"sandbox"})


class ShopNameError(ValueError):
    """A model, field or lookup a scenario may not use; the message says why, in Chinese."""


def shop_model_names() -> list[str]:
    """Every nameable shop table, lowercase as in Django (``order``, ``chatmessage``)."""
    return sorted(m._meta.model_name for m in apps.get_app_config("shop_sim").get_models()
                  if m._meta.model_name not in FORBIDDEN_MODELS)


def shop_model(name: str) -> type[Model]:
    """The shop_sim model called ``name`` (case-insensitive), or ShopNameError."""
    key = str(name or "").strip().lower()
    if key in FORBIDDEN_MODELS:
        raise ShopNameError(_("不允许在评分中使用模型 %(name)s") % {"name": repr(name)})
    try:
        return apps.get_model("shop_sim", key)
    except LookupError:
        raise ShopNameError(_("未知的店铺模型 %(name)s；可用：%(names)s")
                            % {"name": repr(name), "names": ", ".join(shop_model_names())}) from None


def _get_field(model: type[Model], name: str) -> Field | ForeignObjectRel:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        names = sorted({f.name for f in model._meta.get_fields()
                        if not (isinstance(f, ForeignObjectRel) and f.related_name == "+")} - {"sandbox"})
        raise ShopNameError(_("%(model_name)s 没有字段 %(name)s；可用：%(names)s")
                            % {"model_name": model._meta.model_name, "name": repr(name),
                               "names": ", ".join(names)}) from None
    if field.name == "sandbox" or (field.is_relation and field.related_model is not None
                                   and field.related_model._meta.model_name in FORBIDDEN_MODELS):
        raise ShopNameError(_("不允许经由 %(name)s 访问沙箱本身") % {"name": repr(name)})
    return field


@dataclass(frozen=True)
class FieldPath:
    """A resolved ``a__b__c``: the final field, the model it sits on, and whether it fans out."""

    path: str
    field: Field | ForeignObjectRel
    model: type[Model]
    many: bool  # crosses a reverse or many relation: one row may yield several values


def resolve_field(model: type[Model], path: str, *, allow_many: bool = True) -> FieldPath:
    """Resolve a field path across relations within shop_sim (no lookup at the end)."""
    parts = [p for p in str(path).split("__")]
    if not path or any(not p for p in parts):
        raise ShopNameError(_("字段路径 %(path)s 无效") % {"path": repr(path)})
    current, many, field = model, False, None
    for index, part in enumerate(parts):
        field = _get_field(current, part)
        last = index == len(parts) - 1
        if field.is_relation:
            related = field.related_model
            if related is None or related._meta.app_label != "shop_sim":
                raise ShopNameError(_("字段 %(part)s 指向店铺以外的数据，不允许") % {"part": repr(part)})
            if isinstance(field, ForeignObjectRel) or field.many_to_many or field.one_to_many:
                many = True
                if not allow_many:
                    raise ShopNameError(_("字段路径 %(path)s 经过一对多关系，此处只允许单值字段") % {"path": repr(path)})
            if not last:
                current = related
        elif not last:
            raise ShopNameError(_("%(part)s 不是关联字段，不能继续访问 %(rest)s")
                                % {"part": repr(part), "rest": repr("__".join(parts[index + 1:]))})
    return FieldPath(path=path, field=field, model=current, many=many)


def resolve_lookup(model: type[Model], key: str) -> FieldPath:
    """A filter key ``field__path[__lookup]``; the lookup must be one of SAFE_LOOKUPS."""
    parts = str(key).split("__")
    if len(parts) > 1 and parts[-1] in SAFE_LOOKUPS:
        return resolve_field(model, "__".join(parts[:-1]))
    try:
        return resolve_field(model, key)
    except ShopNameError:
        if len(parts) > 1 and _is_lookup_position(model, parts):
            raise ShopNameError(
                _("不允许的查询方式 %(lookup)s；可用：%(lookups)s")
                % {"lookup": repr(parts[-1]), "lookups": ", ".join(sorted(SAFE_LOOKUPS))}) from None
        raise


def _is_lookup_position(model: type[Model], parts: list[str]) -> bool:
    """True when everything but the last part is a field path and the last part is no field there
    (so it can only be meant as a lookup, such as ``regex`` or ``date``)."""
    try:
        head = resolve_field(model, "__".join(parts[:-1]))
    except ShopNameError:
        return False
    target = head.field.related_model if head.field.is_relation else None
    if target is None:
        return True
    try:
        target._meta.get_field(parts[-1])
    except FieldDoesNotExist:
        return True
    return False


def field_label(model: type[Model], path: str) -> str:
    """The Chinese name of a field path for messages (``customer__nickname`` → 买家·会员名)."""
    labels = []
    current = model
    for part in str(path).split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            labels.append(part)
            break
        name = getattr(field, "verbose_name", None) or part
        labels.append(str(name))
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    return "·".join(labels)


def model_label(model: type[Model]) -> str:
    return str(model._meta.verbose_name)


def attname(model: type[Model], name: str) -> str:
    """The column attribute of a concrete field (``customer`` → ``customer_id``), or ShopNameError."""
    field = _get_field(model, name)
    if not getattr(field, "concrete", False):
        raise ShopNameError(_("%(model_name)s.%(name)s 不是可修改的字段")
                            % {"model_name": model._meta.model_name, "name": name})
    return field.attname
