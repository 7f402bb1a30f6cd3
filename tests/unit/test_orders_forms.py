"""Forms of 交易管理: each bad input gets a field-level message in Chinese."""

import pytest

from shop_sim.console.forms.orders import (
    AddressForm, CloseForm, MemoForm, OrderFilterForm, RefundAgreeReturnForm, RefundRefuseForm, ShipForm,
)

ADDRESS = {"receiver_name": "张三", "receiver_phone": "13712345678", "province": "四川省", "city": "成都市",
           "district": "武侯区", "address_detail": "天府大道 88 号"}


def test_ship_form_normalises_a_good_waybill():
    form = ShipForm({"carrier": "JTSEXPRESS", "waybill_no": " jt3012345678901 "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"carrier": "JTSEXPRESS", "waybill_no": "JT3012345678901"}


@pytest.mark.parametrize("carrier,number", [
    ("YUNDA", "YT6012345678901"), ("SF", "731234567890"), ("ZTO", "SF1234567890123"), ("STO", "JT3012345678901"),
])
def test_ship_form_does_not_tell_which_carrier_a_number_belongs_to(carrier, number):
    """The carrier is the seller's decision (the task tests it): any waybill-looking number is taken."""
    form = ShipForm({"carrier": carrier, "waybill_no": number})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"carrier": carrier, "waybill_no": number}


@pytest.mark.parametrize("data,field", [
    ({"carrier": "SF", "waybill_no": "SF12"}, "waybill_no"),
    ({"carrier": "SF", "waybill_no": "SF-1234567890123"}, "waybill_no"),
    ({"carrier": "ZTO", "waybill_no": "我的单号123456"}, "waybill_no"),
    ({"carrier": "ZTO", "waybill_no": ""}, "waybill_no"),
    ({"carrier": "XYZ", "waybill_no": "731234567890"}, "carrier"),
    ({"carrier": "STO", "waybill_no": "1" * 31}, "waybill_no"),
])
def test_ship_form_rejects_bad_waybills(data, field):
    form = ShipForm(data)
    assert not form.is_valid() and field in form.errors


def test_address_form_accepts_a_mainland_address():
    form = AddressForm(ADDRESS)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("bad,field,message", [
    ({"receiver_phone": "23712345678"}, "receiver_phone", "请填写正确的手机号码"),
    ({"receiver_phone": "1271234567x"}, "receiver_phone", "请填写正确的手机号码"),
    ({"receiver_phone": "1371234567"}, "receiver_phone", "11 位"),
    ({"receiver_phone": "137123456789"}, "receiver_phone", "11"),
    ({"province": "澳门特别行政区"}, "province", "选择一个有效的选项"),
    ({"receiver_name": ""}, "receiver_name", "必填"),
    ({"city": ""}, "city", "必填"),
    ({"address_detail": "号"}, "address_detail", "2"),
])
def test_address_form_rejects(bad, field, message):
    form = AddressForm({**ADDRESS, **bad})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_memo_form_counts_bytes():
    assert MemoForm({"flag": "", "seller_memo": "a" * 1000}).is_valid()
    assert MemoForm({"flag": "pink", "seller_memo": "中" * 500}).is_valid()
    form = MemoForm({"flag": "pink", "seller_memo": "中" * 499 + "ab1"})
    assert not form.is_valid() and "当前 1001 字节" in form.errors["seller_memo"][0]
    assert not MemoForm({"flag": "black", "seller_memo": ""}).is_valid()


def test_close_and_refuse_reasons_come_from_the_lists():
    assert CloseForm({"reason": "买家不想买了"}).is_valid()
    assert not CloseForm({"reason": "随便"}).is_valid()
    assert RefundRefuseForm({"reason": "买家未按约定退货"}).is_valid()
    assert not RefundRefuseForm({"reason": "其他", "note": ""}).is_valid()
    assert RefundRefuseForm({"reason": "其他", "note": "商品完好"}).is_valid()
    assert not RefundRefuseForm({"reason": "其他", "note": "长" * 151}).is_valid()
    assert not RefundAgreeReturnForm({"return_address": ""}).is_valid()
    assert not RefundAgreeReturnForm({"return_address": "址" * 201}).is_valid()


def test_filter_form_rejects_reversed_dates_and_unknown_values():
    form = OrderFilterForm({"date_from": "2024-06-02", "date_to": "2024-06-01"})
    assert not form.is_valid() and "date_to" in form.errors
    form = OrderFilterForm({"status": "hacked", "flag": "purple", "date_from": "yesterday"})
    assert not form.is_valid() and set(form.errors) == {"status", "flag", "date_from"}
    assert OrderFilterForm({"status": "refunding", "flag": "none", "q": "13800"}).is_valid()
