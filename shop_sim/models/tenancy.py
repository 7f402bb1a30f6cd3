"""Tenancy: a ``Sandbox`` owns one shop; every other shop row points at exactly one sandbox."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_storefront_key() -> str:
    """An unguessable key for the storefront URL, so candidates cannot open each other's shops."""
    return secrets.token_urlsafe(16)


class Sandbox(models.Model):
    """One isolated shop. Templates are generated shops that provisioning copies from."""

    class ServiceStatus(models.TextChoices):
        ONLINE = "online", _("在线")
        OFFLINE = "offline", _("离线")

    name = models.CharField(_("名称"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="sandboxes", verbose_name=_("所有者"),
    )
    is_template = models.BooleanField(_("是模板"), default=False)
    template = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
        verbose_name=_("来源模板"),
    )
    storefront_key = models.CharField(
        _("店铺访问密钥"), max_length=32, unique=True, default=new_storefront_key, editable=False,
    )
    service_status = models.CharField(
        _("客服状态"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.ONLINE,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("沙箱")
        verbose_name_plural = _("沙箱")
        permissions = [("use_console", "Can work in the merchant back office of an own sandbox")]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class SandboxScopedQuerySet(models.QuerySet):
    def for_sandbox(self, sandbox: "Sandbox | int") -> "SandboxScopedQuerySet":
        """The only way views and checks should read shop rows."""
        sandbox_id = sandbox if isinstance(sandbox, int) else sandbox.pk
        return self.filter(sandbox_id=sandbox_id)


class SandboxScoped(models.Model):
    """Abstract base: the tenant column every shop table has (copied set-wise on provisioning)."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+", verbose_name=_("沙箱"))

    objects = SandboxScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ActionVocabulary(models.TextChoices):
    """A journal's action codes with their labels (no members of its own: ``ShopAction`` here,
    ``sandbox.exams.models.SittingAction``)."""

    @classmethod
    def label_of(cls, code: str) -> str:
        """The label of ``code``; a code without one (an old journal's) reads as itself."""
        try:
            return str(cls(code).label)
        except ValueError:
            return code


class ShopAction(ActionVocabulary):
    """Every ``ShopEvent.action`` the services write, with how a person reads it: the one vocabulary of
    the order timeline, the examiner's journal and the replay. The stored codes never change (graders,
    scenarios and tests read them); a new code gets its label here (a test checks that the services
    emit no code without one)."""

    SANDBOX_PROVISION = "sandbox.provision", _("创建考试店铺")
    SHOP_GENERATE = "shop.generate", _("生成店铺数据")
    PRODUCT_CREATE = "product.create", _("发布宝贝")
    PRODUCT_UPDATE = "product.update", _("编辑宝贝")
    PRODUCT_STATUS = "product.status", _("宝贝上架/下架")
    CATEGORY_CREATE = "category.create", _("新建分类")
    CATEGORY_UPDATE = "category.update", _("修改分类")
    CATEGORY_MOVE = "category.move", _("调整分类顺序")
    CATEGORY_DELETE = "category.delete", _("删除分类")
    SHIPPINGTEMPLATE_CREATE = "shippingtemplate.create", _("新建运费模板")
    SHIPPINGTEMPLATE_UPDATE = "shippingtemplate.update", _("修改运费模板")
    SHIPPINGTEMPLATE_DELETE = "shippingtemplate.delete", _("删除运费模板")
    ORDER_CREATE = "order.create", _("买家下单")
    ORDER_PAY = "order.pay", _("买家付款")
    ORDER_SHIP = "order.ship", _("卖家发货")
    ORDER_WAYBILL_UPDATE = "order.waybill_update", _("修改运单号")
    ORDER_ADDRESS_UPDATE = "order.address_update", _("修改收货地址")
    ORDER_MEMO = "order.memo", _("修改旗帜/备注")
    ORDER_CLOSE = "order.close", _("关闭订单")
    ORDER_CONFIRM_RECEIPT = "order.confirm_receipt", _("买家确认收货")
    STOCK_RESTORE = "stock.restore", _("恢复库存")
    REFUND_REQUEST = "refund.request", _("买家申请退款")
    REFUND_AGREE = "refund.agree", _("卖家同意退款")
    REFUND_AGREE_RETURN = "refund.agree_return", _("卖家同意退货")
    REFUND_RETURN_SHIP = "refund.return_ship", _("买家已退货")
    REFUND_CONFIRM_RECEIPT = "refund.confirm_receipt", _("卖家确认收货并退款")
    REFUND_REFUSE = "refund.refuse", _("卖家拒绝退款")
    COUPON_CREATE = "coupon.create", _("创建优惠券")
    COUPON_END = "coupon.end", _("结束优惠券")
    CART_ADD = "cart.add", _("加入购物车")
    CART_UPDATE = "cart.update", _("修改购物车数量")
    CART_REMOVE = "cart.remove", _("移出购物车")
    CUSTOMER_REGISTER = "customer.register", _("买家注册")
    CUSTOMER_UPDATE = "customer.update", _("修改客户资料")
    CUSTOMER_TAGS = "customer.tags", _("修改客户标签")
    CUSTOMERTAG_CREATE = "customertag.create", _("新建客户标签")
    CUSTOMERTAG_RENAME = "customertag.rename", _("重命名客户标签")
    CUSTOMERTAG_DELETE = "customertag.delete", _("删除客户标签")
    CHAT_SESSION_READ = "chat.session_read", _("查看买家消息")
    CHAT_SERVICE_STATUS = "chat.service_status", _("切换客服在线状态")
    AUTOREPLY_CREATE = "autoreply.create", _("新建自动回复")
    AUTOREPLY_UPDATE = "autoreply.update", _("修改自动回复")
    AUTOREPLY_DELETE = "autoreply.delete", _("删除自动回复")
    REVIEW_REPLY = "review.reply", _("回复评价")
    REVIEW_REPLY_EDIT = "review.reply_edit", _("修改评价回复")
    DECORATION_UPDATE = "decoration.update", _("修改店铺装修")
    DECORATION_LOGO_SET = "decoration.logo_set", _("设置店标")
    DECORATION_LOGO_CLEAR = "decoration.logo_clear", _("清除店标")
    DECORATION_SIGN_SET = "decoration.sign_set", _("设置店招图片")
    DECORATION_SIGN_CLEAR = "decoration.sign_clear", _("清除店招图片")
    BANNER_ADD = "banner.add", _("添加海报")
    BANNER_DELETE = "banner.delete", _("删除海报")
    BANNER_MOVE = "banner.move", _("调整海报顺序")
    NAVITEM_ADD = "navitem.add", _("添加导航")
    NAVITEM_UPDATE = "navitem.update", _("修改导航")
    NAVITEM_DELETE = "navitem.delete", _("删除导航")
    NAVITEM_MOVE = "navitem.move", _("调整导航顺序")
    HOMEMODULE_ADD = "homemodule.add", _("添加首页模块")
    HOMEMODULE_UPDATE = "homemodule.update", _("修改首页模块")
    HOMEMODULE_DELETE = "homemodule.delete", _("删除首页模块")
    HOMEMODULE_MOVE = "homemodule.move", _("调整首页模块顺序")
    FILE_UPLOAD = "file.upload", _("上传文件")
    FILE_PROVIDE = "file.provide", _("下发文件")
    FILE_DELETE = "file.delete", _("删除文件")


class ShopEvent(SandboxScoped):
    """The audit trail: one row per state change, written by services. The grader's evidence.
    ``action`` is a ``ShopAction`` code (a plain column: the codes are the stored contract)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.CharField(_("操作者"), max_length=100)
    action = models.CharField(_("动作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.BigIntegerField(_("对象ID"), null=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)

    class Meta:
        verbose_name = _("店铺事件")
        verbose_name_plural = _("店铺事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["sandbox", "object_type", "object_id"])]

    @property
    def action_label(self) -> str:
        return ShopAction.label_of(self.action)
