"""Forms of 客户管理: search, level and note, tags (one customer, many customers, the tag list)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shop_sim.models import Customer, CustomerTag
from shop_sim.services.customers import NOTE_MAX, TAG_NAME_MAX


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索客户"), required=False, max_length=40,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("会员名/姓名/手机号")}))
    tag = forms.ModelChoiceField(label=_("客户标签"), required=False, queryset=CustomerTag.objects.none(),
                                 empty_label=_("全部标签"))
    level = forms.TypedChoiceField(label=_("会员等级"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("全部等级"))] + list(Customer.Level.choices))

    def __init__(self, *args, sandbox, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = CustomerTag.objects.for_sandbox(sandbox).order_by("id")


class CustomerEditForm(forms.Form):
    level = forms.TypedChoiceField(label=_("会员等级"), coerce=int, choices=Customer.Level.choices)
    note = forms.CharField(label=_("客户备注"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CustomerTagsForm(forms.Form):
    """The tag checkboxes of one customer; only this sandbox's tags are valid choices."""

    tags = forms.ModelMultipleChoiceField(label=_("客户标签"), required=False, queryset=CustomerTag.objects.none(),
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, sandbox, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = CustomerTag.objects.for_sandbox(sandbox).order_by("id")


class CustomerBulkTagForm(forms.Form):
    """批量打标签 / 去标签 from the list: the ticked customers, one tag, add or remove."""

    OPERATIONS = [("add", _("打标签")), ("remove", _("去标签"))]

    customers = forms.ModelMultipleChoiceField(
        label=_("客户"), queryset=Customer.objects.none(),
        error_messages={"required": _("请先勾选客户"),
                        "invalid_choice": _("所选客户不存在"),
                        "invalid_pk_value": _("所选客户不存在")},
    )
    tag = forms.ModelChoiceField(label=_("标签"), queryset=CustomerTag.objects.none(), empty_label=_("请选择标签"),
                                 error_messages={"required": _("请选择标签"), "invalid_choice": _("所选标签不存在")})
    operation = forms.ChoiceField(label=_("操作"), choices=OPERATIONS)
    back = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, sandbox, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = Customer.objects.for_sandbox(sandbox)
        self.fields["tag"].queryset = CustomerTag.objects.for_sandbox(sandbox).order_by("id")


class CustomerTagForm(forms.Form):
    """新建 / 重命名 a tag."""

    name = forms.CharField(label=_("标签名称"), max_length=TAG_NAME_MAX)
