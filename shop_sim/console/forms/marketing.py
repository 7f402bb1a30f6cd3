"""Forms of 营销中心: creating a 满减 shop coupon."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop_sim.services.marketing import (
    NAME_MAX, PER_CUSTOMER_MAX, PER_CUSTOMER_MIN, QUANTITY_MAX, QUANTITY_MIN, coupon_rules_error,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label):
    return forms.DateTimeField(
        label=label, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CouponForm(forms.Form):
    name = forms.CharField(label=_("优惠券名称"), max_length=NAME_MAX, help_text=_("最多 30 个字，如“店铺满199减20”"))
    threshold = forms.DecimalField(label=_("使用门槛（满多少元）"), min_value=Decimal("0"), max_digits=10,
                                   decimal_places=2, initial=Decimal("0"), help_text=_("0 表示无门槛"))
    amount = forms.DecimalField(label=_("优惠金额（减多少元）"), min_value=Decimal("0.01"), max_digits=10,
                                decimal_places=2, error_messages={"min_value": _("优惠金额必须大于 0")})
    total_quantity = forms.IntegerField(label=_("发行量（张）"), min_value=QUANTITY_MIN, max_value=QUANTITY_MAX)
    per_customer_limit = forms.IntegerField(label=_("每人限领（张）"), min_value=PER_CUSTOMER_MIN,
                                            max_value=PER_CUSTOMER_MAX, initial=1)
    starts_at = _datetime_field(_("开始时间"))
    ends_at = _datetime_field(_("结束时间"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写优惠券名称"))
        return name

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        error = coupon_rules_error(now=timezone.now(), **data)
        if error:
            # Attach the message to the field it is about, so the candidate sees where to fix it.
            self.add_error(*error)
        return data
