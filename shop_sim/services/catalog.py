"""Catalogue writes: products with their SKU matrix and images, categories, shipping templates.

The rules follow Taobao's listing rules (see docs TASK_FACTS): titles ≤ 60 bytes, prices in
(0, 100 000 000] with two decimals, total stock = sum of SKU stock, main images 800 × 800 or larger
and square, a shipping template's extra fee never above its first fee. Forms call the same checking
helpers so a candidate sees the message next to the field; the services re-check everything
because scenario setup and the simulator call them directly.
"""

from __future__ import annotations

import itertools
import math
import re
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, Sequence

import nh3
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from shop_sim.models import Category, Product, ProductImage, Sandbox, ShippingRule, ShippingTemplate, Sku

from .base import Actor, ShopError, event_record, sandbox_write_check, snapshot
from .text import byte_length

# --------------------------------------------------------------------------------------------
# Limits (numbers from the Taobao open-platform field definitions unless noted)

TITLE_MAX_BYTES = Product.TITLE_MAX_BYTES  # 60
MERCHANT_CODE_MAX_BYTES = 64
SHIPPING_NAME_MAX_BYTES = 50
PRICE_MAX = Decimal("100000000")
FEE_MAX = Decimal("999999.99")  # the model's max_digits=8
UNIT_MAX = Decimal("9999")
STOCK_MAX = 999_999_999
DETAIL_HTML_MAX_CHARS = 25_000
ATTRIBUTES_MAX = 30
ATTRIBUTE_KEY_MAX_CHARS = 20
ATTRIBUTE_VALUE_MAX_CHARS = 100
SPEC_DIMENSIONS_MAX = 2
SPEC_NAME_MAX_CHARS = 10
SPEC_VALUE_MAX_CHARS = 20
SPEC_VALUES_MAX = 20
SKUS_MAX = 300  # keeps one editor POST well under DATA_UPLOAD_MAX_NUMBER_FIELDS
MAIN_IMAGES_MAX = 5
DETAIL_IMAGES_MAX = 20
MAIN_IMAGE_MIN_SIDE = 800
MAIN_IMAGE_MAX_SIDE = 5000
DETAIL_IMAGE_MAX_WIDTH = 1500
DETAIL_IMAGE_MAX_HEIGHT = 5000
CATEGORY_NAME_MAX_CHARS = 30

# Tags a detail page may use; everything else (script, style, iframe, on* attributes) is removed.
DETAIL_HTML_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "img", "h2", "h3", "span"}
DETAIL_HTML_ATTRIBUTES = {"img": {"src", "alt"}}

# The 31 mainland provincial-level divisions, in the order Taobao's region picker lists them.
PROVINCES: tuple[str, ...] = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)

SPEC_SEPARATORS = re.compile(r"[,，、]")
CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# Input records

@dataclass
class SkuData:
    """One row of the SKU matrix: spec values in the order of the product's spec dimensions."""

    values: tuple[str, ...]
    price: Decimal
    stock: int
    code: str = ""


@dataclass
class ProductData:
    """What the editor submits. ``price``/``stock`` are used only when there are no specs."""

    title: str
    price: Decimal | None = None
    stock: int | None = None
    subtitle: str = ""
    category: Category | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    detail_html: str = ""
    merchant_code: str = ""
    shipping_template: ShippingTemplate | None = None
    status: str = Product.Status.DRAFT
    specs: list[dict] = field(default_factory=list)  # [{"name": "颜色", "values": ["红色", "蓝色"]}]
    skus: list[SkuData] = field(default_factory=list)


@dataclass
class ShippingRuleData:
    regions: list[str]
    first_unit: Decimal
    first_fee: Decimal
    extra_unit: Decimal
    extra_fee: Decimal


@dataclass
class ShippingTemplateData:
    name: str
    payer: str = ShippingTemplate.Payer.BUYER
    pricing: str = ShippingTemplate.Pricing.ITEM
    first_unit: Decimal = Decimal("1")
    first_fee: Decimal = Decimal("0")
    extra_unit: Decimal = Decimal("1")
    extra_fee: Decimal = Decimal("0")
    rules: list[ShippingRuleData] = field(default_factory=list)


@dataclass
class BulkStatusResult:
    """Outcome of a bulk 上架/下架: which products moved, which already were there, which refused."""

    changed: list[Product] = field(default_factory=list)
    unchanged: list[Product] = field(default_factory=list)
    refused: list[tuple[Product, str]] = field(default_factory=list)


class SpecError(ShopError):
    """A sale-spec problem, tagged with the dimension (0 or 1) and part ("name"/"values")."""

    def __init__(self, message: str, *, index: int | None = None, part: str = "values"):
        super().__init__(message)
        self.index = index
        self.part = part


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int

    @property
    def ext(self) -> str:
        return "png" if self.format == "PNG" else "jpg"


# --------------------------------------------------------------------------------------------
# Pure checks shared with the forms

def money_check(value, *, label: str, allow_zero: bool, maximum: Decimal) -> Decimal:
    """A money amount with at most two decimals; ``label`` names the field in the message."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ShopError(_("%(label)s必须是数字") % {"label": label})
    if not amount.is_finite():
        raise ShopError(_("%(label)s必须是数字") % {"label": label})
    if amount < 0 or (amount == 0 and not allow_zero):
        message = _("%(label)s不能小于0") if allow_zero else _("%(label)s必须大于0")
        raise ShopError(message % {"label": label})
    if amount > maximum:
        raise ShopError(_("%(label)s不能超过%(max)s") % {"label": label, "max": maximum})
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ShopError(_("%(label)s最多保留两位小数") % {"label": label})
    return amount.quantize(CENT)


def price_check(value, *, label: str | None = None) -> Decimal:
    """Taobao's 一口价: greater than 0, two decimals, at most 100 000 000 yuan."""
    return money_check(value, label=label or _("价格"), allow_zero=False, maximum=PRICE_MAX)


def stock_check(value, *, label: str | None = None) -> int:
    """Stock is a whole number of pieces, never negative."""
    label = label or _("库存")
    if isinstance(value, bool):
        raise ShopError(_("%(label)s必须是整数") % {"label": label})
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ShopError(_("%(label)s必须是整数") % {"label": label})
        number = int(text)
    if number < 0:
        raise ShopError(_("%(label)s不能小于0") % {"label": label})
    if number > STOCK_MAX:
        raise ShopError(_("%(label)s不能超过%(max)s") % {"label": label, "max": STOCK_MAX})
    return number


def title_check(title: str) -> str:
    """Required, at most 60 bytes (30 Chinese characters)."""
    title = (title or "").strip()
    if not title:
        raise ShopError(_("请填写宝贝标题"))
    length = byte_length(title)
    if length > TITLE_MAX_BYTES:
        raise ShopError(
            _("宝贝标题最多%(max)s个字节（30个汉字），当前%(n)s个字节") % {"max": TITLE_MAX_BYTES, "n": length}
        )
    return title


def merchant_code_check(code: str) -> str:
    code = (code or "").strip()
    length = byte_length(code)
    if length > MERCHANT_CODE_MAX_BYTES:
        raise ShopError(
            _("商家编码最多%(max)s个字节，当前%(n)s个字节") % {"max": MERCHANT_CODE_MAX_BYTES, "n": length}
        )
    return code


def detail_html_clean(html: str) -> str:
    """Sanitise the rich-text description: only the detail-page tags survive, scripts vanish."""
    cleaned = nh3.clean(
        html or "",
        tags=DETAIL_HTML_TAGS,
        attributes=DETAIL_HTML_ATTRIBUTES,
        url_schemes={"http", "https"},
        strip_comments=True,
        link_rel=None,
    ).strip()
    if len(cleaned) > DETAIL_HTML_MAX_CHARS:
        raise ShopError(_("商品详情最多%(max)s个字符") % {"max": DETAIL_HTML_MAX_CHARS})
    return cleaned


def attributes_check(attributes: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if len(attributes) > ATTRIBUTES_MAX:
        raise ShopError(_("商品属性最多%(max)s项") % {"max": ATTRIBUTES_MAX})
    for key, value in attributes.items():
        key, value = str(key).strip(), str(value).strip()
        if not key or not value:
            raise ShopError(_("商品属性的名称和值都必须填写"))
        if len(key) > ATTRIBUTE_KEY_MAX_CHARS:
            raise ShopError(_("属性名称最多%(max)s个字") % {"max": ATTRIBUTE_KEY_MAX_CHARS})
        if len(value) > ATTRIBUTE_VALUE_MAX_CHARS:
            raise ShopError(_("属性值最多%(max)s个字") % {"max": ATTRIBUTE_VALUE_MAX_CHARS})
        if key in out:
            raise ShopError(_("商品属性“%(key)s”重复") % {"key": key})
        out[key] = value
    return out


def spec_values_parse(text: str) -> list[str]:
    """Split a values field on the commas merchants actually type: ``,`` ``，`` and ``、``."""
    return [part.strip() for part in SPEC_SEPARATORS.split(text or "") if part.strip()]


def specs_check(specs: Sequence[dict]) -> list[dict]:
    """Normalise the sale specs (销售属性) and refuse anything that cannot make a clean SKU matrix."""
    out: list[dict] = []
    if len(specs) > SPEC_DIMENSIONS_MAX:
        raise SpecError(_("销售属性最多%(max)s个") % {"max": SPEC_DIMENSIONS_MAX})
    for index, spec in enumerate(specs):
        name = str(spec.get("name", "")).strip()
        values = [str(v).strip() for v in spec.get("values", [])]
        if not name:
            raise SpecError(_("请填写规格名称"), index=index, part="name")
        if len(name) > SPEC_NAME_MAX_CHARS:
            raise SpecError(_("规格名称最多%(max)s个字") % {"max": SPEC_NAME_MAX_CHARS}, index=index, part="name")
        if any(name == earlier["name"] for earlier in out):
            raise SpecError(_("规格名称“%(name)s”重复") % {"name": name}, index=index, part="name")
        if not values or any(not v for v in values):
            raise SpecError(_("请为规格“%(name)s”填写规格值") % {"name": name}, index=index)
        if len(values) > SPEC_VALUES_MAX:
            raise SpecError(_("每个规格最多%(max)s个规格值") % {"max": SPEC_VALUES_MAX}, index=index)
        seen: set[str] = set()
        for value in values:
            if len(value) > SPEC_VALUE_MAX_CHARS:
                raise SpecError(_("规格值“%(value)s”超过%(max)s个字") % {"value": value, "max": SPEC_VALUE_MAX_CHARS},
                                index=index)
            if value in seen:
                raise SpecError(_("规格“%(name)s”的值“%(value)s”重复") % {"name": name, "value": value}, index=index)
            seen.add(value)
        out.append({"name": name, "values": values})
    total = math.prod(len(s["values"]) for s in out) if out else 0
    if total > SKUS_MAX:
        raise SpecError(_("SKU组合最多%(max)s个，当前%(n)s个") % {"max": SKUS_MAX, "n": total})
    return out


def sku_combinations(specs: Sequence[dict]) -> list[tuple[str, ...]]:
    """Every combination of spec values, in the order the matrix shows them."""
    if not specs:
        return []
    return list(itertools.product(*(s["values"] for s in specs)))


def sku_label(values: Iterable[str]) -> str:
    return " / ".join(values)


def sku_matrix_check(specs: Sequence[dict], skus: Sequence[SkuData]) -> list[SkuData]:
    """Every combination present exactly once, each with a valid price, stock and code."""
    expected = sku_combinations(specs)
    if not expected:
        if skus:
            raise ShopError(_("没有销售属性时不能填写SKU"))
        return []
    seen: set[tuple[str, ...]] = set()
    out: list[SkuData] = []
    for sku in skus:
        values = tuple(sku.values)
        label = sku_label(values)
        if values not in expected:
            raise ShopError(_("SKU“%(label)s”与销售属性不一致，请重新生成SKU表") % {"label": label})
        if values in seen:
            raise ShopError(_("SKU“%(label)s”重复") % {"label": label})
        seen.add(values)
        price = price_check(sku.price, label=_("SKU“%(label)s”的价格") % {"label": label})
        stock = stock_check(sku.stock, label=_("SKU“%(label)s”的库存") % {"label": label})
        code = (sku.code or "").strip()
        if byte_length(code) > MERCHANT_CODE_MAX_BYTES:
            raise ShopError(_("SKU“%(label)s”的编码最多%(max)s个字节") % {"label": label, "max": MERCHANT_CODE_MAX_BYTES})
        out.append(SkuData(values=values, price=price, stock=stock, code=code))
    missing = [sku_label(v) for v in expected if v not in seen]
    if missing:
        raise ShopError(_("SKU表不完整，缺少：%(labels)s") % {"labels": "、".join(missing)})
    order = {values: i for i, values in enumerate(expected)}
    out.sort(key=lambda s: order[s.values])
    return out


def listing_problems(*, title: str, price: Decimal | None, category_id: int | None, stock: int | None) -> list[str]:
    """Why a product may not go on sale (出售中); an empty list means it may."""
    problems = []
    if not (title or "").strip():
        problems.append(_("缺少宝贝标题"))
    if price is None or price <= 0:
        problems.append(_("价格必须大于0"))
    if category_id is None:
        problems.append(_("未选择商品分类"))
    if not stock or stock <= 0:
        problems.append(_("库存为0"))
    return problems


def image_inspect(*, upload, kind: str) -> ImageInfo:
    """Check an upload by its content (Pillow), never its name: JPEG/PNG, size and dimensions."""
    max_bytes = settings.SHOP_IMAGE_MAX_BYTES
    name = getattr(upload, "name", "") or ""
    if upload.size > max_bytes:
        raise ShopError(_("图片“%(name)s”超过%(mb)sMB") % {"name": name, "mb": max_bytes // (1024 * 1024)})
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            fmt = img.format
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ShopError(_("文件“%(name)s”不是有效的图片，只支持JPG或PNG") % {"name": name})
    finally:
        upload.seek(0)
    if fmt not in ("JPEG", "PNG"):
        raise ShopError(_("图片“%(name)s”格式为%(fmt)s，只支持JPG或PNG") % {"name": name, "fmt": fmt})
    size = {"name": name, "w": width, "h": height}
    if kind == ProductImage.Kind.MAIN:
        if width != height:
            raise ShopError(_("主图“%(name)s”必须是正方形（当前%(w)s×%(h)s）") % size)
        if width < MAIN_IMAGE_MIN_SIDE:
            raise ShopError(_("主图“%(name)s”至少800×800像素（当前%(w)s×%(h)s）") % size)
        if width > MAIN_IMAGE_MAX_SIDE:
            raise ShopError(_("主图“%(name)s”最大5000×5000像素（当前%(w)s×%(h)s）") % size)
    else:
        if width > DETAIL_IMAGE_MAX_WIDTH:
            raise ShopError(_("详情图“%(name)s”宽度不能超过1500像素（建议750，当前%(w)s×%(h)s）") % size)
        if height > DETAIL_IMAGE_MAX_HEIGHT:
            raise ShopError(_("详情图“%(name)s”高度不能超过5000像素（当前%(w)s×%(h)s）") % size)
    return ImageInfo(format=fmt, width=width, height=height)


# --------------------------------------------------------------------------------------------
# Products

PRODUCT_FIELDS = [
    "title", "subtitle", "category", "attributes", "detail_html", "price", "stock", "merchant_code",
    "spec_names", "status", "shipping_template",
]


def _product_state(product: Product) -> dict:
    """The product as the journal records it: fields, SKU matrix and images."""
    state = snapshot(product, PRODUCT_FIELDS)
    names = [s["name"] for s in product.spec_names or []]
    state["skus"] = [
        {"values": [sku.spec_values.get(n, "") for n in names], "price": str(sku.price), "stock": sku.stock,
         "code": sku.code}
        for sku in Sku.objects.filter(product=product).order_by("position", "id")
    ]
    state["images"] = [
        {"id": img.pk, "kind": img.kind, "file": img.image.name, "width": img.width, "height": img.height}
        for img in ProductImage.objects.filter(product=product).order_by("kind", "position", "id")
    ]
    return state


def _sandbox_id(sandbox: Sandbox | int) -> int:
    return sandbox if isinstance(sandbox, int) else sandbox.pk


def _product_data_check(sandbox_id: int, data: ProductData) -> dict:
    """Validate and normalise editor input into model field values (plus the SKU list)."""
    if data.status not in Product.Status.values:
        raise ShopError(_("无效的宝贝状态"))
    if data.category is not None and data.category.sandbox_id != sandbox_id:
        raise ShopError(_("所选商品分类不存在"))
    if data.shipping_template is not None and data.shipping_template.sandbox_id != sandbox_id:
        raise ShopError(_("所选运费模板不存在"))
    subtitle = (data.subtitle or "").strip()
    if len(subtitle) > 150:
        raise ShopError(_("卖点最多150个字"))
    specs = specs_check(data.specs)
    skus = sku_matrix_check(specs, data.skus)
    if skus:
        price = min(s.price for s in skus)
        stock = sum(s.stock for s in skus)
    else:
        if data.price is None:
            raise ShopError(_("请填写价格"))
        price = price_check(data.price)
        stock = stock_check(0 if data.stock is None else data.stock)
    values = {
        "title": title_check(data.title),
        "subtitle": subtitle,
        "category": data.category,
        "attributes": attributes_check(data.attributes),
        "detail_html": detail_html_clean(data.detail_html),
        "price": price,
        "stock": stock,
        "merchant_code": merchant_code_check(data.merchant_code),
        "spec_names": specs,
        "status": data.status,
        "shipping_template": data.shipping_template,
    }
    if data.status == Product.Status.ON_SALE:
        problems = listing_problems(title=values["title"], price=price,
                                    category_id=data.category.pk if data.category else None, stock=stock)
        if problems:
            raise ShopError(_("不能上架：%(reasons)s。可先放入仓库") % {"reasons": "；".join(problems)})
    return {"fields": values, "skus": skus}


def _skus_sync(product: Product, *, old_specs: list[dict], specs: list[dict], skus: list[SkuData]) -> None:
    """Make the product's SKU rows equal the matrix, keeping the ids of combinations that remain."""
    old_names = [s["name"] for s in old_specs or []]
    existing = {}
    for sku in Sku.objects.filter(product=product):
        key = tuple(sku.spec_values.get(n, "") for n in old_names)
        existing.setdefault(key, []).append(sku)
    names = [s["name"] for s in specs]
    keep: set[int] = set()
    for position, row in enumerate(skus):
        spec_values = dict(zip(names, row.values))
        candidates = existing.get(row.values) or []
        if candidates:
            sku = candidates.pop(0)
            sku.spec_values, sku.spec_label, sku.price = spec_values, sku_label(row.values), row.price
            sku.stock, sku.code, sku.position = row.stock, row.code, position
            sku.save(update_fields=["spec_values", "spec_label", "price", "stock", "code", "position"])
        else:
            sku = Sku.objects.create(
                sandbox_id=product.sandbox_id, product=product, spec_values=spec_values,
                spec_label=sku_label(row.values), price=row.price, stock=row.stock, code=row.code,
                position=position,
            )
        keep.add(sku.pk)
    Sku.objects.filter(product=product).exclude(pk__in=keep).delete()


class _StoredFiles:
    """Files written during a service call, removed again if the call fails (no orphans on disk)."""

    def __init__(self):
        self.names: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for name in self.names:
                default_storage.delete(name)
        return False


def _images_add(product: Product, uploads: Sequence, *, kind: str, stored: _StoredFiles) -> None:
    start = (ProductImage.objects.filter(product=product, kind=kind).aggregate(m=Max("position"))["m"] or 0) + 1
    for offset, upload in enumerate(uploads):
        info = image_inspect(upload=upload, kind=kind)
        image = ProductImage(sandbox_id=product.sandbox_id, product=product, kind=kind, position=start + offset)
        upload.seek(0)
        image.image.save(f"{uuid.uuid4().hex}.{info.ext}", upload, save=False)
        stored.names.append(image.image.name)
        image.save()


def _image_counts_check(product: Product | None, *, main_new: int, detail_new: int, removed: Sequence[int]) -> None:
    main = detail = 0
    if product is not None:
        current = ProductImage.objects.filter(product=product).exclude(pk__in=list(removed))
        main = current.filter(kind=ProductImage.Kind.MAIN).count()
        detail = current.filter(kind=ProductImage.Kind.DETAIL).count()
    if main + main_new > MAIN_IMAGES_MAX:
        raise ShopError(_("主图最多%(max)s张") % {"max": MAIN_IMAGES_MAX})
    if detail + detail_new > DETAIL_IMAGES_MAX:
        raise ShopError(_("详情图最多%(max)s张") % {"max": DETAIL_IMAGES_MAX})


def product_create(*, sandbox: Sandbox, actor: Actor, data: ProductData, main_images: Sequence = (),
                   detail_images: Sequence = ()) -> Product:
    """Publish a new product (发布宝贝) with its SKUs and images in one go; one product.create event."""
    sandbox_id = _sandbox_id(sandbox)
    checked = _product_data_check(sandbox_id, data)
    _image_counts_check(None, main_new=len(main_images), detail_new=len(detail_images), removed=())
    with _StoredFiles() as stored, transaction.atomic():
        sandbox_write_check(sandbox_id)
        product = Product.objects.create(sandbox_id=sandbox_id, **checked["fields"])
        _skus_sync(product, old_specs=[], specs=checked["fields"]["spec_names"], skus=checked["skus"])
        _images_add(product, main_images, kind=ProductImage.Kind.MAIN, stored=stored)
        _images_add(product, detail_images, kind=ProductImage.Kind.DETAIL, stored=stored)
        event_record(sandbox=sandbox_id, actor=actor, action="product.create", obj=product,
                     after=_product_state(product))
    return product


def product_update(*, sandbox: Sandbox, actor: Actor, product: Product, data: ProductData,
                   main_images: Sequence = (), detail_images: Sequence = (),
                   remove_image_ids: Sequence[int] = ()) -> Product:
    """Save the editor: fields, SKU matrix and images together; one product.update event listing
    only what changed (nothing changed, no event)."""
    sandbox_id = _sandbox_id(sandbox)
    if product.sandbox_id != sandbox_id:
        raise ShopError(_("宝贝不存在"))
    checked = _product_data_check(sandbox_id, data)
    with _StoredFiles() as stored, transaction.atomic():
        sandbox_write_check(sandbox_id)
        locked = Product.objects.select_for_update().get(pk=product.pk, sandbox_id=sandbox_id)
        removed = list(ProductImage.objects.filter(product=locked, pk__in=list(remove_image_ids)))
        if len(removed) != len(set(remove_image_ids)):
            raise ShopError(_("要删除的图片不存在"))
        _image_counts_check(locked, main_new=len(main_images), detail_new=len(detail_images),
                            removed=[img.pk for img in removed])
        before = _product_state(locked)
        old_specs = locked.spec_names
        for name, value in checked["fields"].items():
            setattr(locked, name, value)
        locked.save()
        _skus_sync(locked, old_specs=old_specs, specs=checked["fields"]["spec_names"], skus=checked["skus"])
        removed_files = [img.image.name for img in removed]
        ProductImage.objects.filter(pk__in=[img.pk for img in removed]).delete()
        _images_add(locked, main_images, kind=ProductImage.Kind.MAIN, stored=stored)
        _images_add(locked, detail_images, kind=ProductImage.Kind.DETAIL, stored=stored)
        after = _product_state(locked)
        changed = [key for key in after if before.get(key) != after.get(key)]
        if changed:
            event_record(sandbox=sandbox_id, actor=actor, action="product.update", obj=locked,
                         before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
        transaction.on_commit(lambda: _files_release(sandbox_id, removed_files))
    return locked


def _files_release(sandbox_id: int, names: list[str]) -> None:
    """Delete removed images from disk, but only files this sandbox alone owns: a provisioned
    shop shares its template's files, and generated shops reuse one picture for many products."""
    from .provisioning import shop_file_deletable

    sandbox = Sandbox.objects.get(pk=sandbox_id)
    for name in names:
        if shop_file_deletable(sandbox=sandbox, name=name):
            default_storage.delete(name)


def product_set_status(*, sandbox: Sandbox, actor: Actor, product: Product, status: str) -> Product:
    """上架 / 下架 one product. Going on sale must pass the listing rules; one product.status event."""
    sandbox_id = _sandbox_id(sandbox)
    if status not in Product.Status.values:
        raise ShopError(_("无效的宝贝状态"))
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        try:
            locked = Product.objects.select_for_update().get(pk=product.pk, sandbox_id=sandbox_id)
        except Product.DoesNotExist:
            raise ShopError(_("宝贝不存在"))
        if locked.status == status:
            return locked
        if status == Product.Status.ON_SALE:
            problems = listing_problems(title=locked.title, price=locked.price, category_id=locked.category_id,
                                        stock=locked.stock)
            if problems:
                raise ShopError(_("“%(title)s”不能上架：%(reasons)s") % {"title": locked.title,
                                                                      "reasons": "；".join(problems)})
        before = snapshot(locked, ["status"])
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        event_record(sandbox=sandbox_id, actor=actor, action="product.status", obj=locked,
                     before=before, after=snapshot(locked, ["status"]))
    return locked


def product_bulk_set_status(*, sandbox: Sandbox, actor: Actor, product_ids: Sequence[int],
                            status: str) -> BulkStatusResult:
    """Bulk 上架/下架. Every id must be this shop's (else nothing happens); products that fail the
    listing rules stay put and are reported with their reasons; each moved product gets one event."""
    sandbox_id = _sandbox_id(sandbox)
    if status not in (Product.Status.ON_SALE, Product.Status.IN_WAREHOUSE):
        raise ShopError(_("无效的批量操作"))
    ids = list(dict.fromkeys(int(i) for i in product_ids))
    if not ids:
        raise ShopError(_("请先勾选宝贝"))
    result = BulkStatusResult()
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        products = list(Product.objects.select_for_update().filter(sandbox_id=sandbox_id, pk__in=ids).order_by("-id"))
        if len(products) != len(ids):
            raise ShopError(_("所选宝贝中有本店不存在的宝贝，操作已取消"))
        for product in products:
            if product.status == status:
                result.unchanged.append(product)
                continue
            if status == Product.Status.ON_SALE:
                problems = listing_problems(title=product.title, price=product.price,
                                            category_id=product.category_id, stock=product.stock)
                if problems:
                    result.refused.append((product, "；".join(problems)))
                    continue
            before = snapshot(product, ["status"])
            product.status = status
            product.save(update_fields=["status", "updated_at"])
            event_record(sandbox=sandbox_id, actor=actor, action="product.status", obj=product,
                         before=before, after=snapshot(product, ["status"]))
            result.changed.append(product)
    return result


# --------------------------------------------------------------------------------------------
# Categories (two levels: a top-level category and its children)

CATEGORY_FIELDS = ["name", "parent", "position"]


def _category_name_check(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ShopError(_("请填写分类名称"))
    if len(name) > CATEGORY_NAME_MAX_CHARS:
        raise ShopError(_("分类名称最多%(max)s个字") % {"max": CATEGORY_NAME_MAX_CHARS})
    return name


def _category_parent_check(sandbox_id: int, parent: Category | None, *, category: Category | None) -> None:
    if parent is None:
        return
    if parent.sandbox_id != sandbox_id:
        raise ShopError(_("上级分类不存在"))
    if parent.parent_id is not None:
        raise ShopError(_("分类最多两级，不能放在二级分类下"))
    if category is not None:
        if parent.pk == category.pk:
            raise ShopError(_("不能把分类设为自己的上级"))
        if Category.objects.filter(parent=category).exists():
            raise ShopError(_("“%(name)s”下还有子分类，不能再放到其他分类下") % {"name": category.name})


def _category_sibling_name_check(sandbox_id: int, name: str, parent: Category | None, *, exclude: int | None) -> None:
    siblings = Category.objects.filter(sandbox_id=sandbox_id, parent=parent, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise ShopError(_("同一级下已有名为“%(name)s”的分类") % {"name": name})


def category_create(*, sandbox: Sandbox, actor: Actor, name: str, parent: Category | None = None) -> Category:
    """Add a category at the end of its level."""
    sandbox_id = _sandbox_id(sandbox)
    name = _category_name_check(name)
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        _category_parent_check(sandbox_id, parent, category=None)
        _category_sibling_name_check(sandbox_id, name, parent, exclude=None)
        last = Category.objects.filter(sandbox_id=sandbox_id, parent=parent).aggregate(m=Max("position"))["m"]
        category = Category.objects.create(sandbox_id=sandbox_id, name=name, parent=parent,
                                           position=(last or 0) + 1)
        event_record(sandbox=sandbox_id, actor=actor, action="category.create", obj=category,
                     after=snapshot(category, CATEGORY_FIELDS))
    return category


def category_update(*, sandbox: Sandbox, actor: Actor, category: Category, name: str,
                    parent: Category | None, position: int) -> Category:
    """Rename, move under another top-level category, or set the sort position."""
    sandbox_id = _sandbox_id(sandbox)
    name = _category_name_check(name)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0 or position > 9999:
        raise ShopError(_("排序必须是0到9999之间的整数"))
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        try:
            locked = Category.objects.select_for_update().get(pk=category.pk, sandbox_id=sandbox_id)
        except Category.DoesNotExist:
            raise ShopError(_("分类不存在"))
        _category_parent_check(sandbox_id, parent, category=locked)
        _category_sibling_name_check(sandbox_id, name, parent, exclude=locked.pk)
        before = snapshot(locked, CATEGORY_FIELDS)
        locked.name, locked.parent, locked.position = name, parent, position
        after = snapshot(locked, CATEGORY_FIELDS)
        if after != before:
            locked.save(update_fields=CATEGORY_FIELDS)
            changed = [k for k in after if after[k] != before[k]]
            event_record(sandbox=sandbox_id, actor=actor, action="category.update", obj=locked,
                         before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return locked


def category_move(*, sandbox: Sandbox, actor: Actor, category: Category, direction: str) -> Category:
    """Swap with the neighbouring sibling (上移/下移); positions of the level are renumbered 1..n."""
    sandbox_id = _sandbox_id(sandbox)
    if direction not in ("up", "down"):
        raise ShopError(_("无效的移动方向"))
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        try:
            locked = Category.objects.select_for_update().get(pk=category.pk, sandbox_id=sandbox_id)
        except Category.DoesNotExist:
            raise ShopError(_("分类不存在"))
        siblings = list(Category.objects.select_for_update().filter(sandbox_id=sandbox_id, parent_id=locked.parent_id)
                        .order_by("position", "id"))
        index = next(i for i, c in enumerate(siblings) if c.pk == locked.pk)
        other = index - 1 if direction == "up" else index + 1
        if other < 0 or other >= len(siblings):
            raise ShopError(_("已经是第一个") if direction == "up" else _("已经是最后一个"))
        before = {c.pk: c.position for c in siblings}
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position"])
        after = {c.pk: c.position for c in siblings}
        event_record(sandbox=sandbox_id, actor=actor, action="category.move", obj=locked,
                     before={"positions": {str(k): v for k, v in before.items()}},
                     after={"positions": {str(k): v for k, v in after.items()}})
        locked.refresh_from_db()
    return locked


def category_delete(*, sandbox: Sandbox, actor: Actor, category: Category) -> None:
    """Delete an empty category; refused while products or child categories use it."""
    sandbox_id = _sandbox_id(sandbox)
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        try:
            locked = Category.objects.select_for_update().get(pk=category.pk, sandbox_id=sandbox_id)
        except Category.DoesNotExist:
            raise ShopError(_("分类不存在"))
        if Category.objects.filter(parent=locked).exists():
            raise ShopError(_("“%(name)s”下还有子分类，请先删除或移走子分类") % {"name": locked.name})
        used = Product.objects.filter(sandbox_id=sandbox_id, category=locked).count()
        if used:
            raise ShopError(_("“%(name)s”下还有%(n)s个宝贝，不能删除，请先把宝贝移到其他分类")
                            % {"name": locked.name, "n": used})
        before = snapshot(locked, CATEGORY_FIELDS)
        event_record(sandbox=sandbox_id, actor=actor, action="category.delete", obj=locked, before=before)
        locked.delete()


# --------------------------------------------------------------------------------------------
# Shipping templates (运费模板)

SHIPPING_FIELDS = ["name", "payer", "pricing", "first_unit", "first_fee", "extra_unit", "extra_fee"]


def province_normalize(name: str) -> str:
    """"浙江省" / "内蒙古自治区" / "北京市" → the short name the region picker uses."""
    name = (name or "").strip()
    for province in PROVINCES:
        if name.startswith(province):
            return province
    return name


def unit_check(value, *, label: str, pricing: str) -> Decimal:
    try:
        unit = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ShopError(_("%(label)s必须是数字") % {"label": label})
    if not unit.is_finite() or unit <= 0:
        raise ShopError(_("%(label)s必须大于0") % {"label": label})
    if unit > UNIT_MAX:
        raise ShopError(_("%(label)s不能超过%(max)s") % {"label": label, "max": UNIT_MAX})
    if pricing == ShippingTemplate.Pricing.ITEM and unit != unit.to_integral_value():
        raise ShopError(_("按件数计价时%(label)s必须是整数") % {"label": label})
    if unit != unit.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ShopError(_("%(label)s最多保留两位小数") % {"label": label})
    return unit.quantize(CENT)


def _fees_check(obj, *, pricing: str, where: str) -> dict:
    """First/extra unit and fee of a template or a rule; ``where`` prefixes the messages."""
    first_fee = money_check(obj.first_fee, label=where + _("首费"), allow_zero=True, maximum=FEE_MAX)
    extra_fee = money_check(obj.extra_fee, label=where + _("续费"), allow_zero=True, maximum=FEE_MAX)
    if first_fee > 0 and extra_fee > first_fee:
        raise ShopError(_("%(where)s续费不能高于首费") % {"where": where})
    return {
        "first_unit": unit_check(obj.first_unit, label=where + _("首件/首重"), pricing=pricing),
        "first_fee": first_fee,
        "extra_unit": unit_check(obj.extra_unit, label=where + _("续件/续重"), pricing=pricing),
        "extra_fee": extra_fee,
    }


def _shipping_data_check(sandbox_id: int, data: ShippingTemplateData, *, exclude: int | None) -> dict:
    name = (data.name or "").strip()
    if not name:
        raise ShopError(_("请填写模板名称"))
    if byte_length(name) > SHIPPING_NAME_MAX_BYTES:
        raise ShopError(_("模板名称最多%(max)s个字节（25个汉字），当前%(n)s个字节")
                        % {"max": SHIPPING_NAME_MAX_BYTES, "n": byte_length(name)})
    same = ShippingTemplate.objects.filter(sandbox_id=sandbox_id, name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ShopError(_("已有名为“%(name)s”的运费模板") % {"name": name})
    if data.payer not in ShippingTemplate.Payer.values:
        raise ShopError(_("请选择是否包邮"))
    if data.pricing not in ShippingTemplate.Pricing.values:
        raise ShopError(_("请选择计价方式"))
    fields = {"name": name, "payer": data.payer, "pricing": data.pricing,
              **_fees_check(data, pricing=data.pricing, where=_("默认运费："))}
    rules = []
    taken: dict[str, int] = {}
    for number, rule in enumerate(data.rules, start=1):
        where = _("第%(n)s条指定地区运费：") % {"n": number}
        regions = list(dict.fromkeys(rule.regions))
        if not regions:
            raise ShopError(where + _("请选择地区"))
        for region in regions:
            if region not in PROVINCES:
                raise ShopError(where + _("未知地区“%(region)s”") % {"region": region})
            if region in taken:
                raise ShopError(where + _("“%(region)s”已在第%(n)s条中设置") % {"region": region, "n": taken[region]})
            taken[region] = number
        ordered = [p for p in PROVINCES if p in regions]
        rules.append({"regions": ordered, **_fees_check(rule, pricing=data.pricing, where=where)})
    return {"fields": fields, "rules": rules}


def _shipping_state(template: ShippingTemplate) -> dict:
    state = snapshot(template, SHIPPING_FIELDS)
    state["rules"] = [
        {"regions": rule.regions, **snapshot(rule, ["first_unit", "first_fee", "extra_unit", "extra_fee"])}
        for rule in ShippingRule.objects.filter(template=template).order_by("id")
    ]
    return state


def _shipping_rules_write(template: ShippingTemplate, rules: list[dict]) -> None:
    ShippingRule.objects.filter(template=template).delete()
    ShippingRule.objects.bulk_create(
        ShippingRule(sandbox_id=template.sandbox_id, template=template, **rule) for rule in rules
    )


def shipping_template_create(*, sandbox: Sandbox, actor: Actor, data: ShippingTemplateData) -> ShippingTemplate:
    """A new 运费模板 with its per-region rules; one shippingtemplate.create event."""
    sandbox_id = _sandbox_id(sandbox)
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        checked = _shipping_data_check(sandbox_id, data, exclude=None)
        template = ShippingTemplate.objects.create(sandbox_id=sandbox_id, **checked["fields"])
        _shipping_rules_write(template, checked["rules"])
        event_record(sandbox=sandbox_id, actor=actor, action="shippingtemplate.create", obj=template,
                     after=_shipping_state(template))
    return template


def shipping_template_update(*, sandbox: Sandbox, actor: Actor, template: ShippingTemplate,
                             data: ShippingTemplateData) -> ShippingTemplate:
    """Replace the template's settings and rules; one event with what changed (none if nothing)."""
    sandbox_id = _sandbox_id(sandbox)
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        try:
            locked = ShippingTemplate.objects.select_for_update().get(pk=template.pk, sandbox_id=sandbox_id)
        except ShippingTemplate.DoesNotExist:
            raise ShopError(_("运费模板不存在"))
        checked = _shipping_data_check(sandbox_id, data, exclude=locked.pk)
        before = _shipping_state(locked)
        for name, value in checked["fields"].items():
            setattr(locked, name, value)
        locked.save()
        _shipping_rules_write(locked, checked["rules"])
        after = _shipping_state(locked)
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            event_record(sandbox=sandbox_id, actor=actor, action="shippingtemplate.update", obj=locked,
                         before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return locked


def shipping_template_delete(*, sandbox: Sandbox, actor: Actor, template: ShippingTemplate) -> None:
    """Delete a template no product uses (as Taobao refuses to delete one in use)."""
    sandbox_id = _sandbox_id(sandbox)
    with transaction.atomic():
        sandbox_write_check(sandbox_id)
        try:
            locked = ShippingTemplate.objects.select_for_update().get(pk=template.pk, sandbox_id=sandbox_id)
        except ShippingTemplate.DoesNotExist:
            raise ShopError(_("运费模板不存在"))
        used = Product.objects.filter(sandbox_id=sandbox_id, shipping_template=locked).count()
        if used:
            raise ShopError(_("运费模板“%(name)s”正被%(n)s个宝贝使用，不能删除") % {"name": locked.name, "n": used})
        before = _shipping_state(locked)
        event_record(sandbox=sandbox_id, actor=actor, action="shippingtemplate.delete", obj=locked, before=before)
        locked.delete()


def shipping_fee_quote(*, template: ShippingTemplate, province: str, quantity: int,
                       weight: Decimal | None = None) -> Decimal:
    """The freight a buyer pays at checkout under ``template`` (reads only, writes nothing).

    Seller pays (包邮) → 0. Otherwise the first fee covers the first unit(s) and each started extra
    unit adds the extra fee; a rule listing the buyer's province replaces the default fees.
    ``weight`` is the shipment's total weight in kg for by-weight templates; products carry no
    weight in this shop, so without it each piece counts as 1 kg.
    """
    if template.payer == ShippingTemplate.Payer.SELLER:
        return Decimal("0.00")
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    fees = template
    short = province_normalize(province)
    for rule in template.rules.all():
        if short in (rule.regions or []):
            fees = rule
            break
    if template.pricing == ShippingTemplate.Pricing.WEIGHT:
        units = Decimal(str(weight)) if weight is not None else Decimal(quantity)
    else:
        units = Decimal(quantity)
    fee = fees.first_fee
    if units > fees.first_unit and fees.extra_unit > 0:
        extra_units = math.ceil((units - fees.first_unit) / fees.extra_unit)
        fee += fees.extra_fee * extra_units
    return fee.quantize(CENT)
