"""Catalogue: categories, products with SKUs and images, shipping templates (运费模板)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import SandboxScoped


def shop_upload_path(instance, filename: str) -> str:
    """Files live under their sandbox's unguessable key, never a sequential id."""
    from .tenancy import Sandbox

    key = Sandbox.objects.only("storefront_key").get(pk=instance.sandbox_id).storefront_key
    return f"shops/{key}/{filename}"


class Category(SandboxScoped):
    """A shop category (店铺分类), a tree two levels deep as on Taobao shops."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
        verbose_name=_("上级分类"),
    )
    name = models.CharField(_("分类名称"), max_length=30)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("商品分类")
        verbose_name_plural = _("商品分类")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ShippingTemplate(SandboxScoped):
    """运费模板: who pays, how it is priced, default fees and per-region rules."""

    class Payer(models.TextChoices):
        BUYER = "buyer", _("买家承担运费")
        SELLER = "seller", _("卖家包邮")

    class Pricing(models.TextChoices):
        ITEM = "item", _("按件数")
        WEIGHT = "weight", _("按重量")

    name = models.CharField(_("模板名称"), max_length=50)
    payer = models.CharField(_("是否包邮"), max_length=10, choices=Payer.choices, default=Payer.BUYER)
    pricing = models.CharField(_("计价方式"), max_length=10, choices=Pricing.choices, default=Pricing.ITEM)
    first_unit = models.DecimalField(_("首件/首重"), max_digits=8, decimal_places=2, default=Decimal("1"))
    first_fee = models.DecimalField(_("首费(元)"), max_digits=8, decimal_places=2, default=Decimal("0"))
    extra_unit = models.DecimalField(_("续件/续重"), max_digits=8, decimal_places=2, default=Decimal("1"))
    extra_fee = models.DecimalField(_("续费(元)"), max_digits=8, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("运费模板")
        verbose_name_plural = _("运费模板")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ShippingRule(SandboxScoped):
    """A per-region override of a shipping template's fees (指定地区运费)."""

    template = models.ForeignKey(ShippingTemplate, on_delete=models.CASCADE, related_name="rules")
    regions = models.JSONField(_("地区"), default=list, help_text=_("省份名称列表"))
    first_unit = models.DecimalField(_("首件/首重"), max_digits=8, decimal_places=2)
    first_fee = models.DecimalField(_("首费(元)"), max_digits=8, decimal_places=2)
    extra_unit = models.DecimalField(_("续件/续重"), max_digits=8, decimal_places=2)
    extra_fee = models.DecimalField(_("续费(元)"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("指定地区运费")
        verbose_name_plural = _("指定地区运费")
        ordering = ["id"]


class Product(SandboxScoped):
    """A listed product. With SKUs, its stock is the sum of SKU stock and its price the lowest."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ON_SALE = "on_sale", _("出售中")
        IN_WAREHOUSE = "in_warehouse", _("仓库中")

    TITLE_MAX_BYTES = 60  # Taobao: 30 Chinese characters, counted as 2 bytes each

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products",
        verbose_name=_("商品分类"),
    )
    title = models.CharField(_("商品标题"), max_length=60)
    subtitle = models.CharField(_("卖点/副标题"), max_length=150, blank=True)
    attributes = models.JSONField(_("商品属性"), default=dict, blank=True)
    detail_html = models.TextField(_("商品详情"), blank=True)
    price = models.DecimalField(_("一口价(元)"), max_digits=12, decimal_places=2)
    stock = models.PositiveIntegerField(_("总库存"), default=0)
    merchant_code = models.CharField(_("商家编码"), max_length=64, blank=True)
    spec_names = models.JSONField(
        _("销售属性"), default=list, blank=True,
        help_text=_('形如 [{"name": "颜色", "values": ["红色", "蓝色"]}]'),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    shipping_template = models.ForeignKey(
        ShippingTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="products",
        verbose_name=_("运费模板"),
    )
    sales_count = models.PositiveIntegerField(_("销量"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["-id"]
        indexes = [models.Index(fields=["sandbox", "status"])]

    def __str__(self) -> str:
        return self.title


class Sku(SandboxScoped):
    """One combination of sale specs (e.g. 红色 × M) with its own price, stock and code."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    spec_values = models.JSONField(_("规格"), default=dict)
    spec_label = models.CharField(_("规格名称"), max_length=120)
    price = models.DecimalField(_("价格(元)"), max_digits=12, decimal_places=2)
    stock = models.PositiveIntegerField(_("库存"), default=0)
    code = models.CharField(_("SKU编码"), max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.spec_label


class ProductImage(SandboxScoped):
    """Main images (主图, 800 × 800) and detail images (详情图, 750 wide)."""

    class Kind(models.TextChoices):
        MAIN = "main", _("主图")
        DETAIL = "detail", _("详情图")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.MAIN)
    image = models.ImageField(_("图片"), upload_to=shop_upload_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("商品图片")
        verbose_name_plural = _("商品图片")
        ordering = ["kind", "position", "id"]
