"""The ``file`` kind: an uploaded CSV/XLSX read tolerantly, compared sub-check by sub-check; an
unreadable upload is a zero with a clear Chinese reason, never an exception."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from autograder.checks.file import FileParams, FileProblem, normalize_datetime, read_table
from shop_sim.models import Sandbox
from tests.unit.scenario_fixtures.helpers import run_check

HEADER = "订单号,手机号,下单日期,金额"
ROWS = [("2026110100001", "13800138000", "2026-11-01", "12.50"),
        ("2026110100002", "13900139000", "2026-11-02", "99.00"),
        ("2026110100003", "13700137000", "2026-11-03", "0.00")]
PARAMS = {"upload": "clean", "expected": {"rows": [dict(zip(HEADER.split(","), r)) for r in ROWS]},
          "key": "订单号", "normalise": {"手机号": "phone", "下单日期": "date", "金额": "money"}}


def csv_text(rows=ROWS, header=HEADER) -> str:
    return "\n".join([header, *(",".join(r) for r in rows)]) + "\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def grade(path: Path | None, params=PARAMS, points="5", sandbox=None, **extra):
    uploads = {"clean": path} if path is not None else {}
    return run_check("file", params, sandbox, points=points, uploads=uploads, **extra)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_common_encoding_scores_full(tmp_path, encoding):
    result = grade(write(tmp_path, "clean.csv", csv_text().encode(encoding)))
    assert result.score == Decimal("5.00"), result.message
    assert result.message == "表格符合要求"
    assert result.actual["subchecks"] == {k: "1.00" for k in ("columns", "rows", "duplicates", "nulls", "values")}


def test_tab_separated_and_utf16_text_exported_by_excel(tmp_path):
    tsv = csv_text().replace(",", "\t")
    assert grade(write(tmp_path, "a.csv", tsv.encode("utf-8"))).score == Decimal(5)
    assert grade(write(tmp_path, "b.txt", tsv.encode("utf-16"))).score == Decimal(5)


def xlsx(tmp_path: Path, name: str, rows, header=HEADER.split(",")) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_with_typed_cells_scores_full(tmp_path):
    rows = [(2026110100001, 13800138000, date(2026, 11, 1), 12.5),
            ("2026110100002", "13900139000", datetime(2026, 11, 2), 99),
            ("2026110100003", 13700137000, "2026-11-03", 0)]
    assert grade(xlsx(tmp_path, "clean.xlsx", rows)).score == Decimal(5)


def test_xlsx_is_recognised_by_content_not_by_extension(tmp_path):
    path = xlsx(tmp_path, "renamed.csv", ROWS)
    assert grade(path).score == Decimal(5)


@pytest.mark.parametrize("data, reason", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "内容是PNG 图片"),
    (b"", "文件是空的"),
    (b"   \n\n", "文件是空的"),
    (b"PK\x03\x04this is not a workbook", "无法读取 Excel 文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧版 Excel（.xls）"),
    (b"a,b\n1,\x00\x01\x02\n", "不是 CSV 或 Excel"),
    (b"%PDF-1.7 ...", "PDF 文档"),
])
def test_unreadable_uploads_are_zero_with_a_reason(tmp_path, data, reason):
    result = grade(write(tmp_path, "clean.csv", data))
    assert result.score == 0 and result.error == ""
    assert result.message.startswith("上传的文件无法读取：") and reason in result.message


@pytest.mark.django_db
def test_a_missing_upload_is_zero_with_a_reason(tmp_path):
    sandbox = Sandbox.objects.create(name="空店")  # no upload in its 文件中心 either
    result = grade(None, sandbox=sandbox)
    assert result.score == 0 and "未找到上传的文件" in result.message
    result = grade(tmp_path / "gone.csv")
    assert result.score == 0 and "未找到上传的文件" in result.message


def test_missing_columns_lose_their_share(tmp_path):
    text = "\n".join(["订单号,手机号,金额", *(f"{r[0]},{r[1]},{r[3]}" for r in ROWS)])
    result = grade(write(tmp_path, "c.csv", text.encode()), points="10")
    # columns 3/4, rows 1, duplicates 1, nulls 3/4, values 9/12 → (0.75+1+1+0.75+0.75)/5
    assert result.score == Decimal("8.50")
    assert "缺少列：下单日期" in result.message


def test_headers_match_tolerantly(tmp_path):
    text = csv_text(header=" 订单号 ,手机号,下单日期,金额 ").replace("订单号", "订单号")
    assert grade(write(tmp_path, "h.csv", text.encode())).score == Decimal(5)


def test_duplicates_and_row_count(tmp_path):
    rows = [*ROWS, ROWS[0]]
    result = grade(write(tmp_path, "d.csv", csv_text(rows).encode()), points="10")
    assert result.score == Decimal("6.00")  # rows and duplicates lost, the rest right
    assert "行数应为 3，实际 4" in result.message and "有重复记录（主键 订单号）：2026110100001" in result.message


def test_unnormalised_values_are_named_with_the_rule_they_break(tmp_path):
    rows = [("2026110100001", "138-0013-8000", "2026/11/1", "12.5"), *ROWS[1:]]
    result = grade(write(tmp_path, "n.csv", csv_text(rows).encode()), points="10")
    assert result.score == Decimal("9.50")  # values 9/12
    assert "订单号 2026110100001 的手机号“138-0013-8000”：手机号应为 11 位数字，不带空格、短横线或 +86" in result.message
    assert "下单日期“2026/11/1”：日期应写成 YYYY-MM-DD" in result.message
    assert "金额“12.5”：金额应为保留两位小数的数字，不带 ￥、元 或千位分隔符（如 1299.00）" in result.message


def test_wrong_values_and_empty_cells(tmp_path):
    rows = [("2026110100001", "13800138001", "2026-11-01", ""), *ROWS[1:]]
    result = grade(write(tmp_path, "w.csv", csv_text(rows).encode()), points="10")
    assert "手机号“13800138001”：应为“13800138000”" in result.message
    assert "有空值：金额（第 2 行）" in result.message
    assert Decimal(0) < result.score < Decimal(10)


def test_missing_rows_are_reported_by_key(tmp_path):
    result = grade(write(tmp_path, "m.csv", csv_text(ROWS[:2]).encode()), points="10")
    assert "上传的表格中没有 订单号 2026110100003 这条记录" in result.message


def test_expected_data_from_an_asset(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "clean.csv").write_bytes(csv_text().encode("gbk"))
    scenario = SimpleNamespace(asset_path=lambda name: tmp_path / "assets" / name)
    params = {**PARAMS, "expected": {"asset": "clean.csv"}}
    upload = write(tmp_path, "u.csv", csv_text().encode("utf-8-sig"))
    assert grade(upload, params, scenario=scenario).score == Decimal(5)


def test_all_or_nothing(tmp_path):
    rows = [("2026110100001", "138-0013-8000", "2026-11-01", "12.50"), *ROWS[1:]]
    params = {**PARAMS, "partial": "all_or_nothing"}
    assert grade(write(tmp_path, "a.csv", csv_text(rows).encode()), params).score == 0


def test_read_table_drops_blank_rows_and_refuses_headerless_files(tmp_path):
    frame = read_table(write(tmp_path, "b.csv", (csv_text() + ",,,\n\n").encode()))
    assert len(frame) == 3
    with pytest.raises(FileProblem):
        read_table(write(tmp_path, "x.csv", b"\x00\x01"))


@pytest.mark.parametrize("bad", [
    {"upload": "x", "expected": {}},
    {"upload": "x", "expected": {"asset": "a.csv", "rows": []}},
    {"upload": "x", "expected": {"asset": "../secret.csv"}},
    {"upload": "x", "expected": {"asset": "/etc/passwd"}},
    {"upload": "x", "expected": {"rows": [{"a": 1}]}, "columns": ["a"], "key": "b"},
    {"upload": "x", "expected": {"rows": [{"a": 1}, {"b": 2}]}},
    {"upload": "x", "expected": {"rows": []}, "normalise": {"a": "upper"}},
])
def test_params_refused(bad):
    with pytest.raises(ValidationError):
        FileParams.model_validate(bad)


# -- several criteria on one upload: subchecks, compare, datetime ---------------------------------

ORDER_HEADER = "订单编号,联系电话,下单时间,发货时间"
ORDER_ROWS = [("101", "13800138000", "2026-11-03 09:05", "2026-11-04 10:00"),
              ("102", "", "2026-11-03 00:00", ""),
              ("103", "13700137000", "2026-11-05 21:40", "")]
ORDER_PARAMS = {"upload": "clean", "key": "订单编号",
                "expected": {"rows": [dict(zip(ORDER_HEADER.split(","), r)) for r in ORDER_ROWS]},
                "normalise": {"联系电话": "phone", "下单时间": "datetime", "发货时间": "datetime"},
                "required": ["订单编号", "下单时间"]}


def test_subchecks_score_only_the_named_parts(tmp_path):
    rows = [*ORDER_ROWS, ORDER_ROWS[0]]  # a duplicate, but every value right
    path = write(tmp_path, "s.csv", csv_text(rows, ORDER_HEADER).encode())
    dedupe = grade(path, {**ORDER_PARAMS, "subchecks": ["rows", "duplicates"]}, points="4")
    assert dedupe.score == 0
    assert "有重复记录" in dedupe.message and "数据正确" not in dedupe.message
    assert dedupe.actual["subchecks"] == {"rows": "0.00", "duplicates": "0.00"}
    values = grade(path, {**ORDER_PARAMS, "subchecks": ["values"]}, points="4")
    assert values.score == Decimal(4) and values.message == "表格符合要求"


def test_compare_limits_the_values_subcheck_to_some_columns(tmp_path):
    rows = [("101", "138 0013 8000", "2026/11/3 9:05", "2026-11-04 10:00"), *ORDER_ROWS[1:]]
    path = write(tmp_path, "c.csv", csv_text(rows, ORDER_HEADER).encode())
    phones = grade(path, {**ORDER_PARAMS, "subchecks": ["values"], "compare": ["联系电话"]}, points="3")
    assert phones.score == Decimal(2)  # 2 of 3 phone cells; the key column is not counted
    assert "联系电话“138 0013 8000”：手机号应为 11 位数字，不带空格、短横线或 +86" in phones.message
    ship = grade(path, {**ORDER_PARAMS, "subchecks": ["values"], "compare": ["发货时间"]}, points="3")
    assert ship.score == Decimal(3)


def test_empty_cells_match_empty_clean_values_in_formatted_columns(tmp_path):
    path = write(tmp_path, "e.csv", csv_text(ORDER_ROWS, ORDER_HEADER).encode())
    assert grade(path, ORDER_PARAMS).score == Decimal(5)
    # … but an empty cell where a value is expected is still wrong
    rows = [("101", "", "2026-11-03 09:05", "2026-11-04 10:00"), *ORDER_ROWS[1:]]
    result = grade(write(tmp_path, "f.csv", csv_text(rows, ORDER_HEADER).encode()),
                   {**ORDER_PARAMS, "subchecks": ["values"], "compare": ["联系电话"]}, points="3")
    assert result.score == Decimal(2) and "联系电话“空”：应为“13800138000”" in result.message


@pytest.mark.parametrize("value, problem", [
    ("2026-11-03 09:05:00", "时间应写成 YYYY-MM-DD HH:MM"),
    ("2026/11/3 9:05", "时间应写成 YYYY-MM-DD HH:MM"),
    ("20261103", "时间应写成 YYYY-MM-DD HH:MM"),
    ("2026-11-03", "时间应写成 YYYY-MM-DD HH:MM"),
])
def test_datetime_form_is_required(tmp_path, value, problem):
    rows = [("101", "13800138000", value, "2026-11-04 10:00"), *ORDER_ROWS[1:]]
    result = grade(write(tmp_path, "d.csv", csv_text(rows, ORDER_HEADER).encode()),
                   {**ORDER_PARAMS, "subchecks": ["values"], "compare": ["下单时间"]}, points="3")
    assert result.score == Decimal(2) and problem in result.message


def test_datetime_cells_of_an_xlsx_count(tmp_path):
    rows = [("101", 13800138000, datetime(2026, 11, 3, 9, 4, 59, 999999), datetime(2026, 11, 4, 10, 0)),
            ("102", None, date(2026, 11, 3), None),
            ("103", "13700137000", "2026-11-05 21:40", None)]
    path = xlsx(tmp_path, "t.xlsx", rows, header=ORDER_HEADER.split(","))
    assert grade(path, ORDER_PARAMS).score == Decimal(5)
    rows[0] = ("101", 13800138000, datetime(2026, 11, 3, 9, 5, 30), datetime(2026, 11, 4, 10, 0))
    path = xlsx(tmp_path, "u.xlsx", rows, header=ORDER_HEADER.split(","))
    result = grade(path, {**ORDER_PARAMS, "subchecks": ["values"], "compare": ["下单时间"]}, points="3")
    assert result.score == Decimal(2) and "不带秒" in result.message


@pytest.mark.parametrize("value, expected", [
    ("2026-11-03 09:05:37", "2026-11-03 09:05"), ("2026/11/3 9:05", "2026-11-03 09:05"),
    ("2026年11月3日", "2026-11-03 00:00"), ("20261103", "2026-11-03 00:00"),
    ("２０２６年１１月３日 ９:０５", "2026-11-03 09:05"), ("2026年11月3日9时5分", "2026-11-03 09:05"),
    (datetime(2026, 11, 3, 9, 5, 59), "2026-11-03 09:05"), (date(2026, 11, 3), "2026-11-03 00:00"),
    ("2026-02-30 09:00", None), ("明天", None), ("", None),
])
def test_normalize_datetime(value, expected):
    assert normalize_datetime(value) == expected


@pytest.mark.parametrize("bad", [
    {"upload": "x", "expected": {"rows": []}, "subchecks": []},
    {"upload": "x", "expected": {"rows": []}, "subchecks": ["values", "values"]},
    {"upload": "x", "expected": {"rows": []}, "subchecks": ["cells"]},
    {"upload": "x", "expected": {"rows": [{"a": 1}]}, "columns": ["a"], "compare": ["b"]},
    {"upload": "x", "expected": {"rows": []}, "compare": []},
])
def test_subcheck_and_compare_params_refused(bad):
    with pytest.raises(ValidationError):
        FileParams.model_validate(bad)


def _timed_grade(path: Path):
    import time

    started = time.monotonic()
    result = grade(path)
    return result, time.monotonic() - started


def test_a_workbook_bomb_costs_its_criterion_in_seconds_with_a_clear_message(tmp_path):
    from bench.table_files import xlsx_table

    bomb = write(tmp_path, "clean.xlsx", xlsx_table(600, 500, refs=False, header=HEADER.split(",")))  # 300 000 cells
    result, seconds = _timed_grade(bomb)
    assert seconds < 10
    assert result.score == 0 and result.message.startswith("文件超出限制：")
    assert result.actual["over_limits"] is True and result.error in (None, "")


HUNGRY_WORKER = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
django.setup()
from django.conf import settings
from django.utils import translation
from tests.unit.scenario_fixtures.helpers import run_check
translation.activate("zh-hans")
params = json.loads(sys.argv[2])
settings.FILE_LIMITS = json.loads(sys.argv[3])
hungry = run_check("file", params, None, points="5", uploads={"clean": sys.argv[1]})
settings.FILE_LIMITS = {}
after = run_check("file", params, None, points="5", uploads={"clean": sys.argv[4]})
print(json.dumps({"score": str(hungry.score), "message": hungry.message, "after": str(after.score)}))
"""


def test_a_table_within_the_counts_but_too_hungry_to_parse_is_stopped_by_the_memory_budget(tmp_path):
    """In a fresh worker-sized process: the budget is what the parse may add to what the worker has
    mapped, and memory a long-lived process holds free (this test process, say) is reused first."""
    import json
    import subprocess
    import sys

    from django.conf import settings

    from bench.table_files import xlsx_table

    # counts raised so far that only the memory budget stands between 600 000 cells and the worker
    limits = {"rows": 10**6, "cells": 10**7, "zip_ratio": 10**6, "decompressed_bytes": 10**9,
              "parse_memory_bytes": 8 * 1024 * 1024, "seconds": 120}
    path = write(tmp_path, "clean.xlsx", xlsx_table(60_000, 10, refs=False, header=HEADER.split(",")))
    after = write(tmp_path, "next.csv", csv_text().encode())
    done = subprocess.run([sys.executable, "-c", HUNGRY_WORKER, str(path), json.dumps(PARAMS), json.dumps(limits),
                           str(after)], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert Decimal(outcome["score"]) == 0
    assert outcome["message"] == "文件超出限制：读取所需内存超过 8 MB，请只保留需要的数据"
    assert outcome["after"] == "5.00"  # the worker itself is untouched: the next upload grades as before


def test_a_table_too_slow_to_read_is_stopped_by_the_time_budget(tmp_path, settings):
    from bench.table_files import xlsx_table

    settings.FILE_LIMITS = {"seconds": 0.2}
    path = write(tmp_path, "clean.xlsx", xlsx_table(20_000, 10, header=HEADER.split(",")))
    result, seconds = _timed_grade(path)
    assert result.score == 0 and result.message == "文件超出限制：读取超过 0.2 秒，请只保留需要的数据"
    assert seconds < 5


# -- delta credit, rows matched by meaning, dedupe (issue #11) ------------------------------------

CLEAN_HEADER = "订单编号,买家会员名,收货人,联系电话,下单时间,实付金额"
CLEAN = [("350000000000000101", "快乐小熊", "王伟", "13800138000", "2026-11-03 09:05", "12.50"),
         ("350000000000000102", "晴天娃娃1990", "李娜", "", "2026-11-03 00:00", "1299.00"),
         ("350000000000000103", "星空猫", "张敏", "13700137000", "2026-11-05 21:40", "59.90"),
         ("350000000000000104", "柠檬茶", "赵强", "13900139000", "2026-11-06 08:00", "45.80"),
         ("350000000000000105", "大白兔", "周静", "", "2026-11-07 10:15", "99.00")]
# as handed out: one phone and the amounts dirty, the 2nd phone unrepairable, one date bare,
# seconds on a time, and the first and third orders exported twice
MESSY = [("350000000000000101", "快乐小熊 ", "王伟", "138 0013 8000", "2026-11-03 09:05:37", "￥12.50"),
         ("350000000000000102", "晴天娃娃1990", "李娜", "1380013800", "2026年11月3日", "1,299元"),
         ("350000000000000101", "快乐小熊 ", "王伟", "138 0013 8000", "2026-11-03 09:05:37", "￥12.50"),
         ("350000000000000103", "星空猫", "张敏", "13700137000", "2026-11-05 21:40", "59.9"),
         ("350000000000000104", "柠檬茶", "赵强", "13900139000", "2026-11-06 08:00:59", "45.80"),
         ("350000000000000103", "星空猫", "张敏", "13700137000", "2026-11-05 21:40", "59.9"),
         ("350000000000000105", "大白兔", "周静", "", "2026-11-07 10:15", "99.00")]


def _rows(rows):
    return [dict(zip(CLEAN_HEADER.split(","), r)) for r in rows]


DELTA = {"upload": "clean", "key": "订单编号", "expected": {"rows": _rows(CLEAN)},
         "handed_out": {"rows": _rows(MESSY)}, "match": ["买家会员名", "收货人", "下单时间"],
         "normalise": {"联系电话": "phone", "下单时间": "datetime", "实付金额": "money"}}


def quoted_csv(rows) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([CLEAN_HEADER.split(","), *rows])
    return buffer.getvalue().encode("gbk")


def delta(tmp_path, rows, name="u.csv", **extra):
    path = write(tmp_path, name, quoted_csv(rows))
    return {what: grade(path, {**DELTA, **params}, points="4") for what, params in {
        "dedupe": {"subchecks": ["dedupe"]},
        "phones": {"subchecks": ["values"], "compare": ["联系电话"]},
        "times": {"subchecks": ["values"], "compare": ["下单时间"]},
        "amounts": {"subchecks": ["values"], "compare": ["实付金额"]},
        **extra}.items()}


def test_the_export_handed_back_unchanged_scores_nothing(tmp_path):
    results = delta(tmp_path, MESSY)
    assert {k: r.score for k, r in results.items()} == {k: 0 for k in results}
    assert "还有 2 行重复记录没有删除" in results["dedupe"].message
    # cells that were already right in the export are not counted: 2 phones needed work, not 5
    assert "需要清洗的单元格 2 个，清洗正确 0 个" in results["phones"].message


def test_the_clean_table_scores_full_and_only_dirty_cells_count(tmp_path):
    results = delta(tmp_path, CLEAN)
    assert all(r.score == 4 for r in results.values()), {k: r.message for k, r in results.items()}
    only_dedupe = delta(tmp_path, [MESSY[i] for i in (0, 1, 3, 4, 6)], name="d.csv")
    assert only_dedupe["dedupe"].score == 4
    assert only_dedupe["amounts"].score == 0 and only_dedupe["times"].score == 0


def test_spoiling_a_cell_that_was_right_costs(tmp_path):
    rows = [CLEAN[0], CLEAN[1], CLEAN[2], ("350000000000000104", "柠檬茶", "赵强", "13900139001", "2026-11-06 08:00",
                                          "45.80"), CLEAN[4]]
    phones = delta(tmp_path, rows)["phones"]
    # clauses: 改写 1/1, 留空 1/1 → 1, less one spoilt cell of 2 that needed work
    assert phones.score == 2
    assert "原本就是对的（“13900139000”），被改成了“13900139001”" in phones.message


def test_clear_and_rewrite_are_each_half_of_a_criterion(tmp_path):
    rows = [CLEAN[0], ("350000000000000102", "晴天娃娃1990", "李娜", "1380013800", "2026-11-03 00:00", "1299.00"),
            *CLEAN[2:]]
    phones = delta(tmp_path, rows)["phones"]
    assert phones.score == 2  # the reformatted phone is right, the unrepairable one was not left empty
    assert "应留空的 1 个，做对 0 个" in phones.message


def test_a_fact_changed_while_reformatting_is_damage(tmp_path):
    rounded = [CLEAN[0], CLEAN[1], CLEAN[2], ("350000000000000104", "柠檬茶", "赵强", "13900139000", "2026-11-06 08:01",
                                             "45.80"), CLEAN[4]]
    times = delta(tmp_path, rounded)["times"]
    # 3 times needed work (seconds, a bare date, seconds): 2 right, and 08:00:59 → 08:01 is a changed fact
    assert times.score == Decimal("1.33")
    assert "不能改变数据本身" in times.message


def test_rows_whose_key_was_spoilt_are_found_by_their_content(tmp_path):
    spoilt = [(f"{float(r[0]):.5E}".replace("E+", "E+"), *r[1:]) for r in CLEAN]
    results = delta(tmp_path, spoilt)
    assert results["phones"].score == results["times"].score == results["amounts"].score == 4
    assert results["dedupe"].score == 0
    assert "5 行的订单编号被改动了" in results["dedupe"].message
    one = delta(tmp_path, [spoilt[0], *CLEAN[1:]], name="one.csv")
    assert one["dedupe"].score == Decimal("3.20")  # duplicates removed, 1 of 5 keys spoilt


def test_dedupe_counts_orders_deleted_and_rows_that_are_no_order(tmp_path):
    deleted = delta(tmp_path, [r for r in CLEAN if r[0] != "350000000000000104"])["dedupe"]
    assert deleted.score == 2  # 2 duplicates removed, 1 real order deleted
    assert "删掉了不该删的记录 1 条：订单编号 350000000000000104" in deleted.message
    stranger = ("999", "无名", "某人", "", "2026-01-01 00:00", "1.00")
    extra = delta(tmp_path, [*CLEAN, stranger], name="x.csv")["dedupe"]
    assert extra.score == 2 and "有 1 行与原表的任何记录都对不上（第 7 行）" in extra.message


def test_trimmed_form_wants_the_spaces_gone(tmp_path):
    path = write(tmp_path, "t.csv", quoted_csv(MESSY))
    params = {**DELTA, "normalise": {**DELTA["normalise"], "买家会员名": "trimmed"}, "subchecks": ["values"],
              "compare": ["买家会员名"]}
    assert grade(path, params, points="1").score == 0
    path = write(tmp_path, "c.csv", csv_text(CLEAN, CLEAN_HEADER).encode())
    assert grade(path, params, points="1").score == 1


@pytest.mark.parametrize("bad", [
    {"upload": "x", "expected": {"rows": []}, "handed_out": {"rows": []}},
    {"upload": "x", "expected": {"rows": []}, "key": "a", "subchecks": ["dedupe"]},
    {"upload": "x", "expected": {"rows": [{"a": 1}]}, "columns": ["a"], "key": "a", "match": ["b"]},
])
def test_delta_params_refused(bad):
    with pytest.raises(ValidationError):
        FileParams.model_validate(bad)
