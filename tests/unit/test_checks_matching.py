"""Tolerant matching: 全角/半角, spaces, ¥ and 元, 0 vs 0.00 — and strict when asked."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from autograder.matching import (
    address_parts, compare, contains_text, display, is_empty, mobile_numbers, normalize, normalize_date, normalize_money,
    normalize_phone, place_parts, same_address, same_place,
    normalize_text, values_equal,
)


@pytest.mark.parametrize("a, b", [
    ("ＳＦ１２３", "sf 123"), ("顺丰　速运", "顺丰速运"), (Decimal("0.00"), "0"), (0, "¥0.00"), ("12.50元", Decimal("12.5")),
    ("￥1,299", 1299), (12.5, Decimal("12.50")), (None, ""), ("", "  "), (True, "是"), (["a", "B"], ["b", "A"]),
    ({"颜色": "红色"}, {"颜色": "红色", "尺码": "M"}), (date(2026, 1, 5), "2026/1/5"),
    ("12.5", "12.50"), ("0", "0.00"),
])
def test_equal_when_people_would_say_so(a, b):
    assert values_equal(a, b)


@pytest.mark.parametrize("a, b", [
    ("001", "1"), ("SF123", "SF124"), ("", "0"), (None, 0), (["a"], ["a", "a"]), ({"颜色": "红色"}, {"颜色": "蓝色"}),
    (True, False),
])
def test_different_when_they_are(a, b):
    assert not values_equal(a, b)


def test_strict_compares_exact_text():
    assert not values_equal("SF123", "sf123", strict=True)
    assert values_equal(Decimal("1.50"), "1.50", strict=True)
    assert not compare("contains", "SF", "sf123", strict=True)


def test_normalisers():
    assert normalize_text(" Ａ Ｂ\u3000c ") == "abc"
    assert normalize_text("a  b", keep_spaces=True) == "a b"
    assert normalize_money("¥ 12.5") == Decimal("12.50") and normalize_money("人民币100元整") == Decimal("100.00")
    assert normalize_money("十二元") is None and normalize_money(float("nan")) is None
    assert normalize_phone("+86 138-0013-8000") == "13800138000" and normalize_phone(13800138000.0) == "13800138000"
    assert normalize_phone("12345") is None
    assert normalize_date("2026年1月5日") == "2026-01-05" == normalize_date("20260105") == normalize_date("2026.1.5")
    assert normalize_date(datetime(2026, 1, 5, 13, 0)) == "2026-01-05"
    assert normalize_date("2026-02-30") is None and normalize_date("昨天") is None
    assert normalize("NaN", "text") == "" and normalize("x", "exact") == "x"
    assert is_empty(" null ") and is_empty(float("nan")) and not is_empty("0")


def test_compare_operators():
    assert compare("gt", "10", "¥12") and compare("lte", 5, "5.00") and not compare("lt", 5, "abc")
    assert compare("in", ["paid", "shipped"], "Shipped")
    assert compare("contains", "加急", "请 加急 发货") and compare("contains", "红色", ["红色", "蓝色"])
    assert compare("empty", True, "") and compare("empty", False, "x") and compare("empty", True, [])
    assert compare("ne", "a", "b") and contains_text("ＡＢＣ", "b")


def test_display_for_messages():
    assert display("") == "空" and display(None) == "空" and display(Decimal("1.50")) == "1.50"
    assert display(["a", "b"]) == "a、b" and display(datetime(2026, 1, 5, 8, 0, 1)) == "2026-01-05 08:00:01"


# -- administrative names and addresses (cpca) ---------------------------------------------------------

@pytest.mark.parametrize("expected, actual", [
    ("厦门市", "厦门"), ("厦门市", "厦门市"), ("福建省", "福建"), ("合肥市", "合肥"), ("上海市", "上海"),
    ("大理白族自治州", "大理"), ("广西壮族自治区", "广西"), ("浦东新区", "浦东新区"), ("蜀山区", "蜀山区"),
    ("厦门市", "厦门 市"),
])
def test_same_place_with_or_without_the_suffix(expected, actual):
    assert same_place(expected, actual)
    assert compare("place", expected, actual)


@pytest.mark.parametrize("expected, actual", [
    ("厦门市", "福州市"), ("厦门市", "福州"), ("福建省", "浙江"), ("合肥市", ""), ("", ""), ("蜀山区", "包河区"),
    ("上海市", "北京"), ("杭州市", "杭州西湖"[:1]),
])
def test_a_different_or_missing_place_is_not_the_same(expected, actual):
    assert not same_place(expected, actual)


def test_place_is_exact_when_strict():
    assert not compare("place", "厦门市", "厦门", strict=True)


RETURN = "周仓管，13812345678，浙江省杭州市余杭区仓前街道良睦路12号3号仓库"


@pytest.mark.parametrize("written", [
    RETURN,
    "收件人：周仓管 电话：138 1234 5678 地址：浙江杭州余杭区仓前街道良睦路12号3号仓库",
    "退货地址：浙江省杭州市余杭区仓前街道良睦路12号3号仓库，联系人：周仓管，手机：+86 138-1234-5678",
    "周仓管 13812345678 浙江省 杭州市 余杭区 仓前街道良睦路12号3号仓库",
    "请退回：周仓管，１３８１２３４５６７８，浙江省杭州市余杭区仓前街道良睦路１２号３号仓库，谢谢",
])
def test_the_same_address_written_other_ways(written):
    assert same_address(RETURN, written)
    assert compare("address", RETURN, written)


@pytest.mark.parametrize("written", [
    "浙江省杭州市余杭区仓前街道良睦路12号3号仓库",  # no name, no phone
    "周仓管，13812345679，浙江省杭州市余杭区仓前街道良睦路12号3号仓库",  # another phone
    "周仓管，13812345678，浙江省杭州市余杭区仓前街道良睦路12号4号仓库",  # another warehouse
    "周仓管，13812345678，浙江省杭州市西湖区仓前街道良睦路12号3号仓库",  # another district
    "王售后，13812345678，浙江省杭州市余杭区仓前街道良睦路12号3号仓库",  # another person
    "", None,
])
def test_an_address_missing_or_changing_a_part_is_not_the_same(written):
    assert not same_address(RETURN, written)


def test_address_parts_reads_labelled_and_plain_formats():
    parts = address_parts("收件人：周仓管 电话：138 1234 5678 地址：浙江杭州余杭区仓前街道良睦路12号3号仓库")
    assert (parts["phone"], parts["province"], parts["city"], parts["district"]) == (
        "13812345678", "浙江省", "杭州市", "余杭区")
    assert parts["detail"] == "仓前街道良睦路12号3号仓库"
    assert place_parts("上海市浦东新区") == ("上海市", None, "浦东新区")
    assert mobile_numbers("电话 +86 139-0000-1111 或 13800001111") == ["13900001111", "13800001111"]


@pytest.mark.parametrize("a, b", [
    ({"颜色": "白色", "尺码": "M"}, {"尺码": "m", "颜色": "白色"}),
    ({"颜色": "白色", "尺码": "XL"}, "ＸＬ / 白色"),
    (["白色", "2XL"], "白色×2xl"),
    ("白色 / 1.5米床", "1.5米床,白色"),
])
def test_keys_by_meaning(a, b):
    from autograder.matching import key_parts

    assert key_parts(a) == key_parts(b)


def test_keys_that_differ():
    from autograder.matching import key_parts

    assert key_parts({"颜色": "白色", "尺码": "XL"}) != key_parts({"颜色": "白色", "尺码": "XXL"})
    assert key_parts(["白色", "M"]) != key_parts(["白色"])
