"""Forms of 宝贝管理: the product editor (fields, attributes, sale specs, SKU matrix, images),
categories, shipping templates and the product list's filters and bulk action.

Every check a merchant can trip is applied here with a message next to the field, using the same
helpers the services use (``shop_sim.services.catalog``), so the form and the service never
disagree. Querysets of choices are built with ``for_sandbox`` so another shop's ids are invalid.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shop_sim.models import Category, Product, ProductImage, ShippingTemplate
from shop_sim.selectors.catalog import category_choices
from shop_sim.services import catalog as svc
from shop_sim.services.base import ShopError
from shop_sim.services.text import byte_length

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "size": 10}
INT_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "size": 8}


def _shop_check(func, value, **kwargs):
    """Run a service check and turn its ShopError into a field error."""
    try:
        return func(value, **kwargs)
    except ShopError as exc:
        raise ValidationError(exc.message)


# --------------------------------------------------------------------------------------------
# Images

class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class ShopImagesField(forms.FileField):
    """Several JPG/PNG uploads, each checked by content with Pillow (``image_inspect``)."""

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files, errors = [], []
        for item in items:
            try:
                upload = single(item, initial)
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            if not upload:
                continue
            try:
                svc.image_inspect(upload=upload, kind=self.kind)
            except ShopError as exc:
                errors.append(exc.message)
                continue
            files.append(upload)
        if errors:
            raise ValidationError(errors)
        return files


# --------------------------------------------------------------------------------------------
# Product editor

SPEC_SLOTS = (1, 2)


def specs_from_data(data) -> tuple[list[dict], dict[str, str]]:
    """Read the spec name/values inputs; returns (specs, {field name: error})."""
    raw, slots = [], []
    for slot in SPEC_SLOTS:
        name = (data.get(f"spec{slot}_name") or "").strip()
        values_text = data.get(f"spec{slot}_values") or ""
        values = svc.spec_values_parse(values_text)
        if name or values_text.strip():
            raw.append({"name": name, "values": values})
            slots.append(slot)
    try:
        return svc.specs_check(raw), {}
    except svc.SpecError as exc:
        slot = slots[exc.index] if exc.index is not None and exc.index < len(slots) else slots[-1]
        return [], {f"spec{slot}_{exc.part}": exc.message}


class ProductForm(forms.Form):
    """The main fields of 发布宝贝 / 编辑宝贝."""

    title = forms.CharField(
        label=_lazy("宝贝标题"), max_length=120, strip=True,
        help_text=_lazy("最多60个字节（30个汉字），汉字和全角字符算2个字节"),
        error_messages={"required": _lazy("请填写宝贝标题")},
        widget=forms.TextInput(attrs={"data-max-bytes": svc.TITLE_MAX_BYTES, "data-counter": "title-bytes"}),
    )
    subtitle = forms.CharField(label=_lazy("卖点/副标题"), max_length=150, required=False,
                               error_messages={"max_length": _lazy("卖点最多150个字")})
    category = forms.ModelChoiceField(
        label=_lazy("商品分类"), queryset=Category.objects.none(), required=False, empty_label=_lazy("请选择分类"),
        error_messages={"invalid_choice": _lazy("所选商品分类不存在")},
    )
    price = forms.CharField(label=_lazy("一口价(元)"), required=False, widget=forms.TextInput(attrs=MONEY_ATTRS),
                            help_text=_lazy("大于0，最多两位小数；设置销售规格后取SKU最低价"))
    stock = forms.CharField(label=_lazy("总库存"), required=False, widget=forms.TextInput(attrs=INT_ATTRS),
                            help_text=_lazy("整数；设置销售规格后为各SKU库存之和"))
    merchant_code = forms.CharField(
        label=_lazy("商家编码"), required=False, max_length=64,
        widget=forms.TextInput(attrs={"data-max-bytes": svc.MERCHANT_CODE_MAX_BYTES, "data-counter": "code-bytes"}),
        error_messages={"max_length": _lazy("商家编码最多64个字节")},
    )
    shipping_template = forms.ModelChoiceField(
        label=_lazy("运费模板"), queryset=ShippingTemplate.objects.none(), required=False,
        empty_label=_lazy("请选择运费模板"), error_messages={"invalid_choice": _lazy("所选运费模板不存在")},
    )
    status = forms.ChoiceField(label=_lazy("上架设置"), choices=[
        (Product.Status.ON_SALE, _lazy("立刻上架（出售中）")),
        (Product.Status.IN_WAREHOUSE, _lazy("放入仓库")),
        (Product.Status.DRAFT, _lazy("存为草稿")),
    ], initial=Product.Status.ON_SALE, error_messages={"invalid_choice": _lazy("请选择上架设置")})
    detail_html = forms.CharField(
        label=_lazy("宝贝详情"), required=False, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_lazy("可用标签：段落、换行、加粗、斜体、列表、图片、标题(h2/h3)；其他代码会被自动清除"),
    )
    main_images = ShopImagesField(
        kind=ProductImage.Kind.MAIN, label=_lazy("上传主图"),
        help_text=_lazy("最多5张；JPG或PNG，正方形且不小于800×800像素，每张不超过2MB"),
    )
    detail_images = ShopImagesField(
        kind=ProductImage.Kind.DETAIL, label=_lazy("上传详情图"),
        help_text=_lazy("JPG或PNG，宽度建议750像素（不超过1500），每张不超过2MB"),
    )
    remove_images = forms.ModelMultipleChoiceField(
        label=_lazy("删除图片"), queryset=ProductImage.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, error_messages={"invalid_choice": _lazy("要删除的图片不存在")},
    )
    spec1_name = forms.CharField(label=_lazy("规格一名称"), required=False, max_length=40,
                                 widget=forms.TextInput(attrs={"placeholder": _lazy("如：颜色"), "size": 10}))
    spec1_values = forms.CharField(label=_lazy("规格一的值"), required=False, max_length=1000,
                                   widget=forms.TextInput(attrs={"placeholder": _lazy("如：红色,蓝色")}))
    spec2_name = forms.CharField(label=_lazy("规格二名称"), required=False, max_length=40,
                                 widget=forms.TextInput(attrs={"placeholder": _lazy("如：尺码"), "size": 10}))
    spec2_values = forms.CharField(label=_lazy("规格二的值"), required=False, max_length=1000,
                                   widget=forms.TextInput(attrs={"placeholder": _lazy("如：S,M,L")}))

    def __init__(self, *args, sandbox, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox, self.product = sandbox, product
        self.fields["category"].queryset = Category.objects.for_sandbox(sandbox)
        self.fields["category"].choices = [("", _("请选择分类")), *category_choices(sandbox=sandbox)]
        self.fields["shipping_template"].queryset = ShippingTemplate.objects.for_sandbox(sandbox)
        if product is not None:
            self.fields["remove_images"].queryset = ProductImage.objects.for_sandbox(sandbox).filter(product=product)
        else:
            del self.fields["remove_images"]

    def clean_title(self):
        return _shop_check(svc.title_check, self.cleaned_data["title"])

    def clean_merchant_code(self):
        return _shop_check(svc.merchant_code_check, self.cleaned_data["merchant_code"])

    def clean_detail_html(self):
        return _shop_check(svc.detail_html_clean, self.cleaned_data["detail_html"])

    def clean(self):
        cleaned = super().clean()
        specs, errors = specs_from_data(self.data)
        for name, message in errors.items():
            self.add_error(name, message)
        cleaned["specs"] = specs
        if not specs and not errors:
            raw_price = (self.data.get("price") or "").strip()
            if not raw_price:
                self.add_error("price", _("请填写价格"))
            else:
                try:
                    cleaned["price"] = svc.price_check(raw_price)
                except ShopError as exc:
                    self.add_error("price", exc.message)
            raw_stock = (self.data.get("stock") or "").strip()
            if not raw_stock:
                self.add_error("stock", _("请填写库存"))
            else:
                try:
                    cleaned["stock"] = svc.stock_check(raw_stock)
                except ShopError as exc:
                    self.add_error("stock", exc.message)
        else:
            cleaned["price"], cleaned["stock"] = None, None
        self._image_counts_check(cleaned)
        return cleaned

    def _image_counts_check(self, cleaned):
        removed = {img.pk for img in cleaned.get("remove_images") or []}
        current = {"main": 0, "detail": 0}
        if self.product is not None:
            for img in ProductImage.objects.filter(product=self.product).exclude(pk__in=removed):
                current[img.kind] = current.get(img.kind, 0) + 1
        if "main_images" in cleaned and current["main"] + len(cleaned["main_images"]) > svc.MAIN_IMAGES_MAX:
            self.add_error("main_images", _("主图最多%(max)s张，当前已有%(n)s张") % {
                "max": svc.MAIN_IMAGES_MAX, "n": current["main"]})
        if "detail_images" in cleaned and current["detail"] + len(cleaned["detail_images"]) > svc.DETAIL_IMAGES_MAX:
            self.add_error("detail_images", _("详情图最多%(max)s张，当前已有%(n)s张") % {
                "max": svc.DETAIL_IMAGES_MAX, "n": current["detail"]})


class AttributeRowForm(forms.Form):
    """One 商品属性 row (e.g. 品牌 = 某某); a half-filled row is an error, an empty one ignored."""

    key = forms.CharField(label=_lazy("属性名"), required=False, max_length=svc.ATTRIBUTE_KEY_MAX_CHARS,
                          widget=forms.TextInput(attrs={"placeholder": _lazy("如：品牌"), "size": 10}),
                          error_messages={"max_length": _lazy("属性名最多20个字")})
    value = forms.CharField(label=_lazy("属性值"), required=False, max_length=svc.ATTRIBUTE_VALUE_MAX_CHARS,
                            widget=forms.TextInput(attrs={"size": 24}),
                            error_messages={"max_length": _lazy("属性值最多100个字")})

    def clean(self):
        cleaned = super().clean()
        key, value = cleaned.get("key", ""), cleaned.get("value", "")
        if key and not value:
            self.add_error("value", _("请填写属性值"))
        if value and not key:
            self.add_error("key", _("请填写属性名"))
        return cleaned


class BaseAttributeFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            key = form.cleaned_data.get("key")
            if key and key in seen:
                raise ValidationError(_("商品属性“%(key)s”重复") % {"key": key})
            if key:
                seen.add(key)

    def attributes(self) -> dict[str, str]:
        return {f.cleaned_data["key"]: f.cleaned_data["value"] for f in self.forms if f.cleaned_data.get("key")}


AttributeFormSet = forms.formset_factory(
    AttributeRowForm, formset=BaseAttributeFormSet, extra=3, max_num=svc.ATTRIBUTES_MAX, validate_max=True,
    absolute_max=svc.ATTRIBUTES_MAX,
)


def combo_decode(raw) -> tuple[str, ...] | None:
    try:
        values = json.loads(raw or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        return None
    return tuple(values)


def combo_encode(values) -> str:
    return json.dumps(list(values), ensure_ascii=False)


class SkuRowForm(forms.Form):
    """One row of the SKU matrix: the combination (hidden) and its price, stock and code."""

    combo = forms.CharField(widget=forms.HiddenInput)
    price = forms.CharField(label=_lazy("价格"), required=False, widget=forms.TextInput(attrs=MONEY_ATTRS))
    stock = forms.CharField(label=_lazy("库存"), required=False, widget=forms.TextInput(attrs=INT_ATTRS))
    code = forms.CharField(label=_lazy("SKU编码"), required=False, max_length=64,
                           widget=forms.TextInput(attrs={"size": 12}),
                           error_messages={"max_length": _lazy("SKU编码最多64个字节")})

    @cached_property  # the SKU table shows it four times a row
    def spec_label(self) -> str:
        raw = self.data.get(self.add_prefix("combo")) if self.is_bound else self.initial.get("combo")
        values = combo_decode(raw)
        return svc.sku_label(values) if values else ""

    def clean_combo(self):
        values = combo_decode(self.cleaned_data["combo"])
        if values is None:
            raise ValidationError(_("SKU表已损坏，请重新生成SKU表"))
        return values

    def clean_price(self):
        raw = (self.cleaned_data["price"] or "").strip()
        if not raw:
            raise ValidationError(_("请填写价格"))
        return _shop_check(svc.price_check, raw)

    def clean_stock(self):
        raw = (self.cleaned_data["stock"] or "").strip()
        if not raw:
            raise ValidationError(_("请填写库存"))
        return _shop_check(svc.stock_check, raw)

    def clean_code(self):
        code = (self.cleaned_data["code"] or "").strip()
        if byte_length(code) > svc.MERCHANT_CODE_MAX_BYTES:
            raise ValidationError(_("SKU编码最多64个字节"))
        return code


class BaseSkuFormSet(forms.BaseFormSet):
    def rows(self) -> list[svc.SkuData]:
        return [
            svc.SkuData(values=f.cleaned_data["combo"], price=f.cleaned_data["price"], stock=f.cleaned_data["stock"],
                        code=f.cleaned_data["code"])
            for f in self.forms
        ]


SkuFormSet = forms.formset_factory(
    SkuRowForm, formset=BaseSkuFormSet, extra=0, max_num=svc.SKUS_MAX, validate_max=True,
    absolute_max=svc.SKUS_MAX,
)


def sku_rows_from_post(data, prefix: str = "sku") -> dict[tuple[str, ...], dict]:
    """Whatever the merchant has typed in the current matrix, keyed by combination (kept as typed)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), svc.SKUS_MAX)
    except (TypeError, ValueError):
        total = 0
    rows = {}
    for i in range(max(total, 0)):
        values = combo_decode(data.get(f"{prefix}-{i}-combo"))
        if values is not None and values not in rows:
            rows[values] = {k: (data.get(f"{prefix}-{i}-{k}") or "") for k in ("price", "stock", "code")}
    return rows


def sku_matrix_initial(specs: list[dict], previous: dict[tuple[str, ...], dict], *, default_price: str = "",
                       default_stock: str = "") -> list[dict]:
    """Initial rows for a (re)generated matrix, keeping what was typed for surviving combinations."""
    out = []
    for values in svc.sku_combinations(specs):
        kept = previous.get(values, {})
        out.append({
            "combo": combo_encode(values),
            "price": kept.get("price", default_price),
            "stock": kept.get("stock", default_stock),
            "code": kept.get("code", ""),
        })
    return out


class ProductEditor:
    """The editor page as one unit: main form, attribute rows and SKU matrix, validated together."""

    def __init__(self, *, sandbox, product: Product | None = None, data=None, files=None):
        self.sandbox, self.product = sandbox, product
        self.errors: list[str] = []
        form_initial, attr_initial, sku_initial = self._initial(product)
        self.form = ProductForm(data, files, sandbox=sandbox, product=product, initial=form_initial)
        self.attributes = AttributeFormSet(data, prefix="attr", initial=attr_initial)
        self.skus = SkuFormSet(data, prefix="sku", initial=sku_initial)

    @staticmethod
    def _initial(product):
        if product is None:
            return {}, [], []
        form_initial = {
            "title": product.title, "subtitle": product.subtitle, "category": product.category_id,
            "price": product.price, "stock": product.stock, "merchant_code": product.merchant_code,
            "shipping_template": product.shipping_template_id, "status": product.status,
            "detail_html": product.detail_html,
        }
        for slot, spec in zip(SPEC_SLOTS, product.spec_names or []):
            form_initial[f"spec{slot}_name"] = spec["name"]
            form_initial[f"spec{slot}_values"] = ",".join(spec["values"])
        attr_initial = [{"key": k, "value": v} for k, v in (product.attributes or {}).items()]
        names = [s["name"] for s in product.spec_names or []]
        sku_initial = [
            {"combo": combo_encode([sku.spec_values.get(n, "") for n in names]), "price": sku.price,
             "stock": sku.stock, "code": sku.code}
            for sku in product.skus.order_by("position", "id")
        ] if names else []
        return form_initial, attr_initial, sku_initial

    def is_valid(self) -> bool:
        valid = self.form.is_valid() & self.attributes.is_valid() & self.skus.is_valid()
        if not valid:
            return False
        specs = self.form.cleaned_data["specs"]
        rows = self.skus.rows()
        if specs and not rows:
            self.errors.append(_("已设置销售规格，请点击“生成SKU表”并填写每个SKU的价格和库存"))
            return False
        try:
            self.sku_rows = svc.sku_matrix_check(specs, rows)
        except ShopError as exc:
            self.errors.append(exc.message)
            return False
        return True

    def product_data(self) -> svc.ProductData:
        c = self.form.cleaned_data
        return svc.ProductData(
            title=c["title"], subtitle=c["subtitle"], category=c["category"], attributes=self.attributes.attributes(),
            detail_html=c["detail_html"], price=c["price"], stock=c["stock"], merchant_code=c["merchant_code"],
            shipping_template=c["shipping_template"], status=c["status"], specs=c["specs"], skus=self.sku_rows,
        )

    @property
    def main_images(self):
        return self.form.cleaned_data.get("main_images", [])

    @property
    def detail_images(self):
        return self.form.cleaned_data.get("detail_images", [])

    @property
    def remove_image_ids(self) -> list[int]:
        return [img.pk for img in self.form.cleaned_data.get("remove_images") or []]

    def regenerate_matrix(self, data) -> list[str]:
        """Rebuild the SKU rows from the posted spec fields (生成SKU表); returns spec errors."""
        self.skus, errors = sku_formset_regenerated(data)
        return errors


def sku_formset_regenerated(data) -> tuple[BaseSkuFormSet, list[str]]:
    """The SKU matrix for the posted specs, keeping what was typed for surviving combinations.
    If the specs are invalid the posted rows come back unchanged, with the errors."""
    specs, errors = specs_from_data(data)
    previous = sku_rows_from_post(data)
    if errors:
        initial = [{"combo": combo_encode(values), **typed} for values, typed in previous.items()]
    else:
        initial = sku_matrix_initial(specs, previous, default_price=(data.get("price") or "").strip())
    return SkuFormSet(prefix="sku", initial=initial), list(errors.values())


# --------------------------------------------------------------------------------------------
# Product list

class ProductFilterForm(forms.Form):
    """The search bar of 商品管理 (GET)."""

    q = forms.CharField(label=_lazy("宝贝名称/商家编码"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _lazy("输入宝贝名称或商家编码")}))
    category = forms.TypedChoiceField(label=_lazy("商品分类"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, sandbox, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部分类")), *category_choices(sandbox=sandbox)]


class IdListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError):
            raise ValidationError(_("无效的宝贝编号"))


class BulkStatusForm(forms.Form):
    """Bulk 上架 / 下架 on the ticked rows."""

    ids = IdListField(required=True, error_messages={"required": _lazy("请先勾选宝贝")})
    action = forms.ChoiceField(choices=[(Product.Status.ON_SALE, _lazy("上架")),
                                        (Product.Status.IN_WAREHOUSE, _lazy("下架"))],
                               error_messages={"required": _lazy("请选择操作"), "invalid_choice": _lazy("无效的操作")})


class ProductStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(Product.Status.ON_SALE, _lazy("上架")),
                                        (Product.Status.IN_WAREHOUSE, _lazy("下架"))],
                               error_messages={"required": _lazy("请选择操作"), "invalid_choice": _lazy("无效的操作")})


# --------------------------------------------------------------------------------------------
# Categories

class CategoryForm(forms.Form):
    """Add or edit a category; the parent may only be a top-level category of this shop."""

    name = forms.CharField(label=_lazy("分类名称"), max_length=svc.CATEGORY_NAME_MAX_CHARS,
                           error_messages={"required": _lazy("请填写分类名称"),
                                           "max_length": _lazy("分类名称最多30个字")})
    parent = forms.ModelChoiceField(label=_lazy("上级分类"), queryset=Category.objects.none(), required=False,
                                    empty_label=_lazy("无（一级分类）"),
                                    error_messages={"invalid_choice": _lazy("上级分类不存在")})
    position = forms.IntegerField(label=_lazy("排序"), min_value=0, max_value=9999, required=False,
                                  help_text=_lazy("数字越小越靠前"),
                                  error_messages={"invalid": _lazy("排序必须是整数"),
                                                  "min_value": _lazy("排序不能小于0"),
                                                  "max_value": _lazy("排序不能超过9999")})

    def __init__(self, *args, sandbox, category: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.objects.for_sandbox(sandbox).filter(parent__isnull=True)
        if category is not None:
            parents = parents.exclude(pk=category.pk)
            self.fields["position"].required = True
        else:
            del self.fields["position"]
        self.fields["parent"].queryset = parents


# --------------------------------------------------------------------------------------------
# Shipping templates

PROVINCE_CHOICES = [(p, p) for p in svc.PROVINCES]


def _unit_clean(value, *, label, pricing):
    try:
        return svc.unit_check(value, label=label, pricing=pricing)
    except ShopError as exc:
        raise ValidationError(exc.message)


def _fee_clean(value, *, label):
    if value in (None, ""):
        raise ValidationError(_("请填写%(label)s") % {"label": label})
    try:
        return svc.money_check(value, label=label, allow_zero=True, maximum=svc.FEE_MAX)
    except ShopError as exc:
        raise ValidationError(exc.message)


class _FeesMixin:
    """首件/首费/续件/续费 inputs, validated per the template's pricing (件 whole, 重量 kg)."""

    pricing: str

    def _unit(self, name, label):
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            raise ValidationError(_("请填写%(label)s") % {"label": label})
        return _unit_clean(value, label=label, pricing=self.pricing)

    def clean_first_unit(self):
        return self._unit("first_unit", _("首件/首重"))

    def clean_extra_unit(self):
        return self._unit("extra_unit", _("续件/续重"))

    def clean_first_fee(self):
        return _fee_clean(self.cleaned_data.get("first_fee"), label=_("首费"))

    def clean_extra_fee(self):
        return _fee_clean(self.cleaned_data.get("extra_fee"), label=_("续费"))

    def _fees_cross_check(self, cleaned):
        first, extra = cleaned.get("first_fee"), cleaned.get("extra_fee")
        if isinstance(first, Decimal) and isinstance(extra, Decimal) and first > 0 and extra > first:
            self.add_error("extra_fee", _("续费不能高于首费（首费为0时除外）"))


def _fee_field(label):
    return forms.CharField(label=label, widget=forms.TextInput(attrs=MONEY_ATTRS), required=False)


class ShippingTemplateForm(_FeesMixin, forms.Form):
    name = forms.CharField(label=_lazy("模板名称"), max_length=100,
                           help_text=_lazy("最多50个字节（25个汉字）"),
                           error_messages={"required": _lazy("请填写模板名称")},
                           widget=forms.TextInput(attrs={"data-max-bytes": svc.SHIPPING_NAME_MAX_BYTES,
                                                         "data-counter": "name-bytes"}))
    payer = forms.ChoiceField(label=_lazy("是否包邮"), choices=ShippingTemplate.Payer.choices,
                              initial=ShippingTemplate.Payer.BUYER, widget=forms.RadioSelect,
                              error_messages={"required": _lazy("请选择是否包邮"),
                                              "invalid_choice": _lazy("请选择是否包邮")})
    pricing = forms.ChoiceField(label=_lazy("计价方式"), choices=ShippingTemplate.Pricing.choices,
                                initial=ShippingTemplate.Pricing.ITEM, widget=forms.RadioSelect,
                                error_messages={"required": _lazy("请选择计价方式"),
                                                "invalid_choice": _lazy("请选择计价方式")})
    first_unit = _fee_field(_lazy("首件(件)/首重(kg)"))
    first_fee = _fee_field(_lazy("首费(元)"))
    extra_unit = _fee_field(_lazy("续件(件)/续重(kg)"))
    extra_fee = _fee_field(_lazy("续费(元)"))

    def __init__(self, *args, sandbox, template: ShippingTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox, self.template = sandbox, template
        raw = self.data.get("pricing") if self.is_bound else None
        self.pricing = raw if raw in ShippingTemplate.Pricing.values else ShippingTemplate.Pricing.ITEM

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        length = byte_length(name)
        if length > svc.SHIPPING_NAME_MAX_BYTES:
            raise ValidationError(_("模板名称最多50个字节（25个汉字），当前%(n)s个字节") % {"n": length})
        same = ShippingTemplate.objects.for_sandbox(self.sandbox).filter(name=name)
        if self.template is not None:
            same = same.exclude(pk=self.template.pk)
        if same.exists():
            raise ValidationError(_("已有名为“%(name)s”的运费模板") % {"name": name})
        return name

    def clean(self):
        cleaned = super().clean()
        self._fees_cross_check(cleaned)
        return cleaned


class ShippingRuleForm(_FeesMixin, forms.Form):
    regions = forms.MultipleChoiceField(label=_lazy("指定地区"), choices=PROVINCE_CHOICES, required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        error_messages={"invalid_choice": _lazy("未知地区“%(value)s”")})
    first_unit = _fee_field(_lazy("首件/首重"))
    first_fee = _fee_field(_lazy("首费(元)"))
    extra_unit = _fee_field(_lazy("续件/续重"))
    extra_fee = _fee_field(_lazy("续费(元)"))

    def __init__(self, *args, pricing: str = ShippingTemplate.Pricing.ITEM, **kwargs):
        super().__init__(*args, **kwargs)
        self.pricing = pricing

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("regions") and "regions" not in self.errors:
            self.add_error("regions", _("请选择至少一个地区"))
        self._fees_cross_check(cleaned)
        return cleaned


class BaseShippingRuleFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        taken: dict[str, int] = {}
        for number, form in enumerate(self._live_forms(), start=1):
            for region in form.cleaned_data.get("regions", []):
                if region in taken:
                    raise ValidationError(_("“%(region)s”在第%(a)s条和第%(b)s条中重复设置")
                                          % {"region": region, "a": taken[region], "b": number})
                taken[region] = number

    def _live_forms(self):
        """Existing rules not ticked for deletion, plus new rows that were filled in."""
        initial = self.initial_form_count()
        return [f for i, f in enumerate(self.forms)
                if not self._should_delete_form(f) and (i < initial or f.has_changed())]

    def rules(self) -> list[svc.ShippingRuleData]:
        return [
            svc.ShippingRuleData(regions=f.cleaned_data["regions"], first_unit=f.cleaned_data["first_unit"],
                                 first_fee=f.cleaned_data["first_fee"], extra_unit=f.cleaned_data["extra_unit"],
                                 extra_fee=f.cleaned_data["extra_fee"])
            for f in self._live_forms()
        ]


ShippingRuleFormSet = forms.formset_factory(
    ShippingRuleForm, formset=BaseShippingRuleFormSet, extra=1, can_delete=True,
    max_num=len(svc.PROVINCES), validate_max=True, absolute_max=len(svc.PROVINCES),
)


def shipping_template_data(form: ShippingTemplateForm, rules: BaseShippingRuleFormSet) -> svc.ShippingTemplateData:
    c = form.cleaned_data
    return svc.ShippingTemplateData(
        name=c["name"], payer=c["payer"], pricing=c["pricing"], first_unit=c["first_unit"], first_fee=c["first_fee"],
        extra_unit=c["extra_unit"], extra_fee=c["extra_fee"], rules=rules.rules(),
    )
