"""Buyer-side forms: simulated login, choosing a SKU and quantity, checkout, refunds."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from shop_sim.models import Coupon, Order, Product, Refund, Sku
from shop_sim.services.checkout import BUYER_MESSAGE_MAX, NICKNAME_RE, QUANTITY_MAX

MOBILE_VALIDATOR = RegexValidator(r"^1[3-9]\d{9}$", _("请填写 11 位手机号码（以 13–19 开头）"))

# Why a buyer asks for a refund (Taobao's list); stored as the Chinese msgid, shown translated.
REFUND_REASONS: tuple[str, ...] = (
    N_("不想要了/拍错了"), N_("商品与描述不符"), N_("质量问题"), N_("少件/漏发"), N_("卖家发错货"),
    N_("未按约定时间发货"), N_("其他"),
)


class BuyerLoginForm(forms.Form):
    """模拟买家登录: a member name, no password (the buyer is simulated)."""

    nickname = forms.CharField(
        label=_("会员名"), max_length=20, min_length=2,
        help_text=_("2–20 个字符：字母、数字、汉字、下划线或减号。新会员名会自动注册。"),
        validators=[RegexValidator(NICKNAME_RE, _("会员名只能包含字母、数字、汉字、下划线和减号"))],
        error_messages={"min_length": _("会员名至少 2 个字符"), "max_length": _("会员名最多 20 个字符"),
                        "required": _("请填写会员名")},
    )
    phone = forms.CharField(label=_("手机号（选填）"), max_length=11, required=False, validators=[MOBILE_VALIDATOR])

    def clean_nickname(self) -> str:
        return self.cleaned_data["nickname"].strip()


class BuyerPassForm(forms.Form):
    """The owner's pass link's query (``?buyer_pass=…``); whether it is this shop's pass the view decides."""

    buyer_pass = forms.CharField(max_length=64)


def spec_groups(product: Product, skus: list[Sku]) -> list[dict]:
    """The product's sale specs as radio groups; a value is disabled when every SKU having it is
    sold out (the page's script refines this per chosen combination)."""
    groups = []
    for index, spec in enumerate(product.spec_names or []):
        name = spec.get("name", "")
        values = []
        for value in spec.get("values", []):
            having = [s for s in skus if s.spec_values.get(name) == value]
            values.append({"value": value, "disabled": not any(s.stock > 0 for s in having)})
        groups.append({"index": index, "name": name, "field": f"spec_{index}", "values": values})
    return groups


class AddToCartForm(forms.Form):
    """The buy box: one choice per sale spec (resolved to a SKU) and a quantity ≤ stock."""

    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=QUANTITY_MAX, initial=1,
                                  error_messages={"min_value": _("购买数量至少为 1 件"),
                                                  "required": _("请填写购买数量"),
                                                  "invalid": _("请填写整数数量")})

    def __init__(self, *args, product: Product, skus: list[Sku], **kwargs):
        super().__init__(*args, **kwargs)
        self.product, self.skus = product, skus
        self.groups = spec_groups(product, skus) if skus else []
        for group in self.groups:
            self.fields[group["field"]] = forms.ChoiceField(
                label=group["name"], choices=[(v["value"], v["value"]) for v in group["values"]],
                error_messages={"required": _("请选择%(name)s") % {"name": group["name"]},
                                "invalid_choice": _("请选择有效的%(name)s") % {"name": group["name"]}},
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        sku = None
        if self.skus:
            wanted = {g["name"]: data[g["field"]] for g in self.groups}
            sku = next((s for s in self.skus if s.spec_values == wanted), None)
            if sku is None:
                raise forms.ValidationError(_("所选规格组合不存在，请重新选择"))
        stock = sku.stock if sku is not None else self.product.stock
        if stock <= 0:
            raise forms.ValidationError(_("该规格已售罄") if sku else _("宝贝已售罄"))
        if data["quantity"] > stock:
            self.add_error("quantity", _("库存不足：仅剩 %(n)s 件") % {"n": stock})
        data["sku"] = sku
        return data


class CartQuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=QUANTITY_MAX,
                                  error_messages={"min_value": _("购买数量至少为 1 件"),
                                                  "required": _("请填写购买数量"),
                                                  "invalid": _("请填写整数数量")})


class CheckoutForm(forms.Form):
    """确认订单: the delivery address, a message to the seller and an optional coupon."""

    receiver_name = forms.CharField(label=_("收货人"), max_length=30, error_messages={"required": _("请填写收货人")})
    receiver_phone = forms.CharField(label=_("手机号码"), max_length=11, validators=[MOBILE_VALIDATOR],
                                     error_messages={"required": _("请填写手机号码")})
    province = forms.ChoiceField(label=_("省份"), error_messages={"required": _("请选择省份"),
                                                                  "invalid_choice": _("请选择省份")})
    city = forms.CharField(label=_("城市"), max_length=30, error_messages={"required": _("请填写城市")})
    district = forms.CharField(label=_("区/县"), max_length=30, required=False)
    address_detail = forms.CharField(label=_("详细地址"), max_length=120,
                                     error_messages={"required": _("请填写详细地址")})
    buyer_message = forms.CharField(label=_("给卖家留言"), max_length=BUYER_MESSAGE_MAX, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("选填，最多 200 字"))
    coupon = forms.ChoiceField(label=_("店铺优惠"), required=False,
                               error_messages={"invalid_choice": _("该优惠券不可用，请重新选择")})

    def __init__(self, *args, coupons: list[Coupon], **kwargs):
        from shop_sim.services.orders import PROVINCES

        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("请选择省份"))] + [(p, p) for p in PROVINCES]
        self.coupons = {str(c.pk): c for c in coupons}
        self.fields["coupon"].choices = [("", _("不使用优惠券"))] + [
            (str(c.pk), _("%(name)s：满 %(threshold)s 减 %(amount)s") % {
                "name": c.name, "threshold": c.threshold, "amount": c.amount}) for c in coupons
        ]

    def clean_coupon(self) -> Coupon | None:
        value = self.cleaned_data.get("coupon")
        return self.coupons.get(value) if value else None


class RefundRequestForm(forms.Form):
    """申请退款: 仅退款 any time after payment, 退货退款 once shipped; at most what can be refunded."""

    kind = forms.ChoiceField(label=_("退款类型"), choices=Refund.Kind.choices)
    amount = forms.DecimalField(label=_("退款金额（元）"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                error_messages={"min_value": _("退款金额必须大于 0"),
                                                "invalid": _("请填写有效的金额"),
                                                "max_decimal_places": _("金额最多两位小数")})
    reason = forms.ChoiceField(label=_("退款原因"), error_messages={"required": _("请选择退款原因"),
                                                                   "invalid_choice": _("请选择退款原因")})
    note = forms.CharField(label=_("退款说明（选填）"), max_length=200, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, order: Order, refundable: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        if order.status != Order.Status.SHIPPED:
            self.fields["kind"].choices = [(Refund.Kind.REFUND_ONLY, Refund.Kind.REFUND_ONLY.label)]
        self.fields["reason"].choices = [("", _("请选择退款原因"))] + [(r, _(r)) for r in REFUND_REASONS]
        self.fields["amount"].help_text = _("最多 ¥%(max)s") % {"max": refundable}
        self.initial.setdefault("amount", refundable)

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount > self.refundable:
            raise forms.ValidationError(_("退款金额不能超过可退金额 ¥%(max)s") % {"max": self.refundable})
        return amount

    def clean(self):
        data = super().clean()
        if data.get("reason") == REFUND_REASONS[-1] and not (data.get("note") or "").strip():
            self.add_error("note", _("选择“其他”时请填写退款说明"))
        return data


class ReturnShipForm(forms.Form):
    """退货: the buyer tells the seller which carrier brings the goods back, and the waybill."""

    carrier = forms.ChoiceField(label=_("退货物流公司"))
    waybill_no = forms.CharField(label=_("退货运单号"), max_length=30)

    def __init__(self, *args, **kwargs):
        from shop_sim.services.orders import CARRIERS

        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [("", _("请选择物流公司"))] + [(code, v[0]) for code, v in CARRIERS.items()]

    def clean(self):
        from shop_sim.services.orders import waybill_error

        data = super().clean()
        if self.errors:
            return data
        error = waybill_error(data["carrier"], data["waybill_no"])
        if error:
            self.add_error("waybill_no", error)
        return data
