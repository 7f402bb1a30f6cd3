"""Tolerant matching: 全角/半角, spaces, ¥ and 元, 0 vs 0.00 — and strict when asked."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from autograder.matching import (
    compare, contains_text, display, is_empty, normalize, normalize_date, normalize_money, normalize_phone,
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
