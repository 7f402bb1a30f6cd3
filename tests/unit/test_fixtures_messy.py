"""The messy order export: deterministic, every mess present, and the clean rows are exactly what
the stated cleaning rules give — checked by an independent cleaner written from the rules' wording."""

import random
import re
import unicodedata
from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest

from fixtures.generators.messy import CLEANING_RULES, COLUMNS, KEY, MIN_ROWS, messy_order_export

SEEDS = range(60)


def export(seed: int, rows: int = 35):
    return messy_order_export(random.Random(seed), rows=rows)


# -- an independent cleaner, written from CLEANING_RULES --------------------------------------------

def clean_phone(text: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def clean_time(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            continue
    raise AssertionError(f"unexpected time format {text!r}")


def clean_amount(text: str) -> str:
    return f"{Decimal(re.sub(r'[￥元,]', '', text)):.2f}"


def clean_quantity(text: str) -> str:
    return str(int(re.match(r"\s*(\d+)", text).group(1)))


def clean_by_rules(messy: list[dict]) -> list[dict]:
    seen, result = set(), []
    for row in messy:
        if row[KEY] in seen:
            continue
        seen.add(row[KEY])
        out = {column: row[column].strip() for column in COLUMNS}
        out["联系电话"] = clean_phone(row["联系电话"])
        out["下单时间"] = clean_time(row["下单时间"])
        out["发货时间"] = clean_time(row["发货时间"])
        out["实付金额"] = clean_amount(row["实付金额"])
        out["数量"] = clean_quantity(row["数量"])
        if out["发货时间"] and out["发货时间"] < out["下单时间"]:
            out["发货时间"] = ""
        result.append(out)
    return result


# -- tests -----------------------------------------------------------------------------------------

def test_same_rng_same_export_and_seeds_differ():
    assert export(7) == export(7)
    assert export(7) != export(8)
    assert len({export(seed)[0][0][KEY] for seed in range(20)}) == 20


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_rows_are_what_the_rules_give(seed):
    messy, clean = export(seed, rows=30 + seed % 11)
    assert clean == clean_by_rules(messy)


@pytest.mark.parametrize("seed", SEEDS)
def test_shape_keys_and_duplicates(seed):
    rows = 30 + seed % 11
    messy, clean = export(seed, rows=rows)
    assert len(messy) == rows
    assert all(tuple(row) == COLUMNS for row in messy + clean)
    assert all(isinstance(v, str) for row in messy + clean for v in row.values())
    counts = Counter(row[KEY] for row in messy)
    assert 4 <= rows - len(clean) <= 6
    assert len(counts) == len(clean) and all(n <= 2 for n in counts.values())
    for key in (k for k, n in counts.items() if n == 2):  # a duplicate is an exact copy, after its original
        first, second = [i for i, row in enumerate(messy) if row[KEY] == key]
        assert messy[first] == messy[second] and first < second
    assert all(re.fullmatch(r"[1-4]\d{17}", row[KEY]) for row in clean)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_mess_is_present(seed):
    messy, _clean = export(seed, rows=30 + seed % 11)
    phones = [row["联系电话"] for row in messy]
    assert "" in phones
    assert any(re.fullmatch(r"1\d{2} \d{4} \d{4} ?", p) for p in phones)
    assert any(re.fullmatch(r"1\d{2}-\d{4}-\d{4}", p) for p in phones)
    assert any("86" in p and len(re.sub(r"\D", "", p)) == 13 for p in phones)
    assert any(re.search("[０-９]", p) for p in phones)
    assert any(len(re.sub(r"\D", "", unicodedata.normalize("NFKC", p))) == 10 for p in phones)
    assert any(len(re.sub(r"\D", "", unicodedata.normalize("NFKC", p))) == 12 for p in phones)
    times = [row["下单时间"] for row in messy]
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", t) for t in times)
    assert any(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", t) for t in times)
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", t) for t in times)
    assert any(re.fullmatch(r"\d{8}", t) for t in times)
    amounts = [row["实付金额"] for row in messy]
    assert any(a.startswith("￥") for a in amounts) and any(a.endswith("元") for a in amounts)
    assert any("," in a for a in amounts)
    assert any(re.search(r"\d\s*[件个]$", row["数量"]) for row in messy)
    assert any(row[c] != row[c].rstrip() for row in messy for c in ("买家会员名", "收货人", "商品名称"))
    outliers = [row for row in messy if row["发货时间"] and clean_time(row["发货时间"]) < clean_time(row["下单时间"])]
    assert 2 <= len({row[KEY] for row in outliers}) <= 3
    assert any(not row["发货时间"] and row not in outliers for row in messy)  # a not-yet-shipped order


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_rows_follow_the_stated_forms(seed):
    _messy, clean = export(seed, rows=30 + seed % 11)
    for row in clean:
        assert row["联系电话"] == "" or re.fullmatch(r"1\d{10}", row["联系电话"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row["下单时间"])
        assert row["发货时间"] == "" or (re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row["发货时间"])
                                      and row["发货时间"] >= row["下单时间"])
        assert re.fullmatch(r"\d+\.\d{2}", row["实付金额"]) and re.fullmatch(r"[1-9]\d*", row["数量"])
        assert all(value == value.strip() for value in row.values())


def test_the_export_can_be_saved_as_gbk():
    for seed in SEEDS:
        messy, clean = export(seed)
        for row in messy + clean:
            "".join(row.values()).encode("gbk")


def test_too_few_rows_are_refused_and_rules_are_stated():
    with pytest.raises(ValueError):
        messy_order_export(random.Random(1), rows=MIN_ROWS - 1)
    assert len(messy_order_export(random.Random(1), rows=MIN_ROWS)[0]) == MIN_ROWS
    assert len(CLEANING_RULES) == 7 and any("86" in rule for rule in CLEANING_RULES)
