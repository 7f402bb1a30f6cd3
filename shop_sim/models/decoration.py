"""Shop decoration (店铺装修): sign, logo, theme, banners, navigation and homepage modules."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import shop_upload_path
from .tenancy import SandboxScoped


class ShopDecoration(SandboxScoped):
    """One per sandbox: the shop's identity and the look of its storefront."""

    shop_name = models.CharField(_("店铺名称"), max_length=30)
    slogan = models.CharField(_("店招文字"), max_length=60, blank=True)
    logo = models.ImageField(_("店标"), upload_to=shop_upload_path, blank=True)
    sign_image = models.ImageField(_("店招图片"), upload_to=shop_upload_path, blank=True)
    theme_color = models.CharField(_("主题色"), max_length=7, default="#ff5000")
    announcement = models.CharField(_("店铺公告"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("店铺装修")
        verbose_name_plural = _("店铺装修")
        constraints = [models.UniqueConstraint(fields=["sandbox"], name="one_decoration_per_sandbox")]


class Banner(SandboxScoped):
    """A full-width carousel slide (全屏海报, 1920 × 400–800) with a link."""

    image = models.ImageField(_("海报图片"), upload_to=shop_upload_path)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    alt = models.CharField(_("图片说明"), max_length=60, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("轮播海报")
        verbose_name_plural = _("轮播海报")
        ordering = ["position", "id"]


class NavItem(SandboxScoped):
    """An entry of the navigation bar under the shop sign: a category or a free link."""

    label = models.CharField(_("导航名称"), max_length=12)
    category = models.ForeignKey(
        "shop_sim.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("链接分类"),
    )
    link = models.CharField(_("自定义链接"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("导航")
        verbose_name_plural = _("导航")
        ordering = ["position", "id"]


class HomeModule(SandboxScoped):
    """A homepage block (宝贝推荐 etc.): a titled list of chosen products."""

    class Kind(models.TextChoices):
        PRODUCTS = "products", _("宝贝推荐")
        TEXT = "text", _("自定义文字")

    kind = models.CharField(_("模块类型"), max_length=20, choices=Kind.choices, default=Kind.PRODUCTS)
    title = models.CharField(_("模块标题"), max_length=30)
    body = models.TextField(_("文字内容"), blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("首页模块")
        verbose_name_plural = _("首页模块")
        ordering = ["position", "id"]


class HomeModuleItem(SandboxScoped):
    module = models.ForeignKey(HomeModule, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("shop_sim.Product", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("推荐宝贝")
        verbose_name_plural = _("推荐宝贝")
        ordering = ["position", "id"]
