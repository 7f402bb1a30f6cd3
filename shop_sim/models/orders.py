"""Orders as on Taobao: states, lines, flags and memo, shipping, refunds; coupons; the cart."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import SandboxScoped


class Coupon(SandboxScoped):
    """A shop coupon (店铺优惠券): 满 threshold 减 amount, limited in time and quantity."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        ENDED = "ended", _("已结束")

    name = models.CharField(_("优惠券名称"), max_length=30)
    threshold = models.DecimalField(_("使用门槛(满)"), max_digits=10, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(_("面额(减)"), max_digits=10, decimal_places=2)
    total_quantity = models.PositiveIntegerField(_("发行量"))
    per_customer_limit = models.PositiveSmallIntegerField(_("每人限领"), default=1)
    claimed_count = models.PositiveIntegerField(_("已领取"), default=0)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class Order(SandboxScoped):
    """A buyer's order. Status moves only through ``services.orders`` (see ORDER_PIPELINE)."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("等待买家付款")
        PAID = "paid", _("买家已付款，等待发货")
        SHIPPED = "shipped", _("卖家已发货，等待买家确认")
        FINISHED = "finished", _("交易成功")
        CLOSED = "closed", _("交易关闭")

    class Flag(models.TextChoices):
        NONE = "", _("无旗帜")
        GREY = "grey", _("灰旗")
        RED = "red", _("红旗")
        YELLOW = "yellow", _("黄旗")
        GREEN = "green", _("绿旗")
        BLUE = "blue", _("蓝旗")
        PINK = "pink", _("粉旗")

    order_no = models.CharField(_("订单编号"), max_length=24)
    customer = models.ForeignKey("shop_sim.Customer", on_delete=models.CASCADE, related_name="orders",
                                 verbose_name=_("买家"))
    status = models.CharField(_("交易状态"), max_length=20, choices=Status.choices,
                              default=Status.AWAITING_PAYMENT, db_index=True)
    goods_total = models.DecimalField(_("商品总价"), max_digits=12, decimal_places=2)
    shipping_fee = models.DecimalField(_("运费"), max_digits=10, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(_("优惠"), max_digits=10, decimal_places=2, default=Decimal("0"))
    pay_amount = models.DecimalField(_("实付款"), max_digits=12, decimal_places=2)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    receiver_name = models.CharField(_("收货人"), max_length=30)
    receiver_phone = models.CharField(_("联系电话"), max_length=11)
    province = models.CharField(_("省"), max_length=20)
    city = models.CharField(_("市"), max_length=30)
    district = models.CharField(_("区/县"), max_length=30, blank=True)
    address_detail = models.CharField(_("详细地址"), max_length=120)
    buyer_message = models.CharField(_("买家留言"), max_length=200, blank=True)
    flag = models.CharField(_("旗帜"), max_length=10, choices=Flag.choices, default=Flag.NONE, blank=True)
    seller_memo = models.CharField(_("卖家备注"), max_length=1000, blank=True)
    carrier = models.CharField(_("物流公司"), max_length=20, blank=True)
    waybill_no = models.CharField(_("运单号"), max_length=30, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("下单时间"), db_index=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("成交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["sandbox", "order_no"], name="unique_order_no")]
        indexes = [models.Index(fields=["sandbox", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.order_no

    @property
    def full_address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.address_detail}"


class OrderLine(SandboxScoped):
    """A line of an order, with a snapshot of title, spec and price at the time of purchase."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("shop_sim.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.ForeignKey("shop_sim.Sku", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("商品"), max_length=60)
    spec_label = models.CharField(_("规格"), max_length=120, blank=True)
    unit_price = models.DecimalField(_("单价"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("数量"))
    subtotal = models.DecimalField(_("小计"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("订单商品")
        verbose_name_plural = _("订单商品")
        ordering = ["id"]


class Refund(SandboxScoped):
    """A refund request: 仅退款 or 退货退款, moving through REFUND_PIPELINE."""

    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("仅退款")
        RETURN_REFUND = "return_refund", _("退货退款")

    class Status(models.TextChoices):
        AWAITING_SELLER = "awaiting_seller", _("等待卖家处理")
        AWAITING_RETURN = "awaiting_return", _("等待买家退货")
        AWAITING_RECEIPT = "awaiting_receipt", _("买家已退货，等待卖家确认收货")
        SUCCESS = "success", _("退款成功")
        REFUSED = "refused", _("卖家拒绝退款")
        CLOSED = "closed", _("退款关闭")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="refunds")
    kind = models.CharField(_("退款类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("退款状态"), max_length=20, choices=Status.choices,
                              default=Status.AWAITING_SELLER, db_index=True)
    amount = models.DecimalField(_("退款金额"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("退款原因"), max_length=60)
    buyer_note = models.CharField(_("买家说明"), max_length=200, blank=True)
    seller_note = models.CharField(_("卖家说明"), max_length=200, blank=True)
    return_carrier = models.CharField(_("退货物流公司"), max_length=20, blank=True)
    return_waybill_no = models.CharField(_("退货运单号"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("申请时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at", "-id"]


class CartItem(SandboxScoped):
    """A buyer's cart line on the storefront (buyer = a customer of this sandbox)."""

    customer = models.ForeignKey("shop_sim.Customer", on_delete=models.CASCADE, related_name="cart_items")
    product = models.ForeignKey("shop_sim.Product", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("shop_sim.Sku", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("购物车商品")
        verbose_name_plural = _("购物车商品")
        ordering = ["id"]
