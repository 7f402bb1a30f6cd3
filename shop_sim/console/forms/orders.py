"""Forms of 交易管理: the order list filters and the seller's actions on orders and refunds.

The rules themselves (waybill formats, provinces, memo bytes, reasons) live in
``shop_sim.services.orders``; the forms apply them to give field-level messages before the service
is called, and the service checks them again.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from shop_sim.models import Order, Refund
from shop_sim.services.orders import (
    CARRIERS, MEMO_MAX_BYTES, MOBILE_PATTERN, ORDER_CLOSE_REASONS, PROVINCES, REFUND_NOTE_MAX,
    REFUND_REFUSE_REASONS, waybill_error, waybill_normalize,
)
from shop_sim.selectors.orders import FLAG_NONE
from shop_sim.services.text import byte_length

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

ORDER_TAB_CHOICES = [
    ("", _("全部")),
    (Order.Status.AWAITING_PAYMENT, _("等待买家付款")),
    (Order.Status.PAID, _("等待发货")),
    (Order.Status.SHIPPED, _("已发货")),
    (Order.Status.FINISHED, _("交易成功")),
    (Order.Status.CLOSED, _("交易关闭")),
    ("refunding", _("退款中")),
]


def carrier_choices():
    return [("", _("请选择物流公司"))] + [(code, entry[0]) for code, entry in CARRIERS.items()]


def _reason_choices(reasons, empty_label):
    return [("", empty_label)] + [(reason, _(reason)) for reason in reasons]


class OrderFilterForm(forms.Form):
    """GET filters of 已卖出的宝贝; an invalid value is reported and ignored, never a 500."""

    status = forms.ChoiceField(label=_("交易状态"), choices=ORDER_TAB_CHOICES, required=False)
    q = forms.CharField(label=_("搜索"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("订单号/买家昵称/收货人/手机号")}))
    date_from = forms.DateField(label=_("下单时间从"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("至"), required=False, widget=DATE_WIDGET)
    flag = forms.ChoiceField(
        label=_("旗帜"), required=False,
        choices=[("", _("全部旗帜")), (FLAG_NONE, _("无旗帜"))] + [c for c in Order.Flag.choices if c[0]],
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data


class ShipForm(forms.Form):
    """发货 and 修改运单号: a carrier from the list and a waybill that looks like one (8–20 letters or
    digits); the form never says which carrier a number belongs to."""

    carrier = forms.ChoiceField(label=_("物流公司"), choices=carrier_choices)
    waybill_no = forms.CharField(label=_("运单号"), max_length=30,
                                 widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def clean(self):
        data = super().clean()
        carrier, number = data.get("carrier"), data.get("waybill_no")
        if carrier and number:
            error = waybill_error(carrier, number)
            if error:
                self.add_error("waybill_no", error)
            else:
                data["waybill_no"] = waybill_normalize(number)
        return data


class AddressForm(forms.Form):
    """修改收货地址: a mainland mobile number and one of the 31 provinces."""

    receiver_name = forms.CharField(label=_("收货人"), max_length=30)
    receiver_phone = forms.CharField(label=_("手机号码"), max_length=11, min_length=11,
                                     widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
                                     error_messages={"min_length": _("手机号码应为 11 位数字")})
    province = forms.ChoiceField(label=_("省份"), choices=[("", _("请选择省份"))] + [(p, p) for p in PROVINCES])
    city = forms.CharField(label=_("城市"), max_length=30)
    district = forms.CharField(label=_("区/县"), max_length=30, required=False)
    address_detail = forms.CharField(label=_("详细地址"), max_length=120, min_length=2)

    def clean_receiver_phone(self):
        phone = self.cleaned_data["receiver_phone"].strip()
        if not re.fullmatch(MOBILE_PATTERN, phone):
            raise forms.ValidationError(_("请填写正确的手机号码：11 位数字，以 13–19 开头"))
        return phone


class MemoForm(forms.Form):
    """旗帜 + 卖家备注 (≤ 1000 bytes; a Chinese character counts 2)."""

    flag = forms.ChoiceField(label=_("旗帜"), choices=Order.Flag.choices, required=False,
                             widget=forms.RadioSelect)
    seller_memo = forms.CharField(label=_("卖家备注"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("最多 1000 字节，汉字算 2 字节"))

    def clean_seller_memo(self):
        memo = self.cleaned_data["seller_memo"].strip()
        size = byte_length(memo)
        if size > MEMO_MAX_BYTES:
            raise forms.ValidationError(
                _("备注最多 %(max)d 字节（汉字算 2 字节），当前 %(size)d 字节") % {"max": MEMO_MAX_BYTES, "size": size})
        return memo


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("关闭原因"), choices=_reason_choices(ORDER_CLOSE_REASONS, _("请选择关闭原因")))


class RefundFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("退款状态"), required=False,
        choices=[
            ("", _("全部")), ("open", _("处理中")), (Refund.Status.AWAITING_SELLER, _("待卖家处理")),
            (Refund.Status.AWAITING_RETURN, _("待买家退货")), (Refund.Status.AWAITING_RECEIPT, _("待确认收货")),
            (Refund.Status.SUCCESS, _("退款成功")), (Refund.Status.REFUSED, _("已拒绝")),
            (Refund.Status.CLOSED, _("退款关闭")),
        ],
    )


class RefundAgreeReturnForm(forms.Form):
    """同意退货: tell the buyer where to send the goods."""

    return_address = forms.CharField(label=_("退货地址"), max_length=REFUND_NOTE_MAX,
                                     widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text=_("收件人、电话和详细地址，买家将按此地址寄回商品"))


class RefundRefuseForm(forms.Form):
    """拒绝退款: a reason from the list, and a note (required for 其他)."""

    reason = forms.ChoiceField(label=_("拒绝原因"),
                               choices=_reason_choices(REFUND_REFUSE_REASONS, _("请选择拒绝原因")))
    note = forms.CharField(label=_("拒绝说明"), required=False, max_length=150,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("reason") == REFUND_REFUSE_REASONS[-1] and not (data.get("note") or "").strip():
            self.add_error("note", _("选择“其他”时请填写拒绝说明"))
        return data
