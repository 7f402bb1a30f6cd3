"""shop_sim.file_limits: a table is measured before any parser sees it, and the measuring stops at
the first limit — a 32 KB workbook declaring a million cells is refused in milliseconds, a workbook
that lies about its size is caught while streaming, and a file within the limits passes."""

import io
import time
import zipfile

import pytest

from autograder.bounded import BudgetExceeded, call_bounded
from bench.table_files import csv_table, xlsx_table
from shop_sim.file_limits import FileLimitExceeded, file_limits, table_limits_check


def refusal(data: bytes, **overrides) -> tuple[str, float]:
    """The message and the CPU seconds this thread spent finding it (the machine may be shared)."""
    started = time.thread_time()
    with pytest.raises(FileLimitExceeded) as caught:
        table_limits_check(data, limits=file_limits(**overrides) if overrides else None)
    return caught.value.message, time.thread_time() - started


def test_a_million_cell_workbook_of_a_few_kilobytes_is_refused_from_its_zip_directory():
    bomb = xlsx_table(1000, 1000, refs=False)
    assert len(bomb) < 64 * 1024
    message, seconds = refusal(bomb)
    assert message.startswith("文件超出限制") and "压缩比" in message
    assert seconds < 0.5


def test_a_workbook_whose_dimension_lies_is_caught_while_streaming():
    lying = xlsx_table(2000, 101, dimension="A1")  # 202 000 cells, declares one
    message, seconds = refusal(lying)
    assert message == "文件超出限制：表格超过 200000 个单元格，请只保留需要的数据"
    assert seconds < 5


@pytest.mark.parametrize("data, words", [
    (xlsx_table(20_001, 1), "超过 20000 行"),
    (xlsx_table(10, 201), "超过 200 列"),
    (xlsx_table(1, 1, dimension="A1:XFD1048576"), "超过 20000 行"),
    (csv_table(20_001, 1), "超过 20000 行"),
    (csv_table(10, 201), "超过 200 列"),
    (csv_table(1001, 200), "超过 200000 个单元格"),
    (csv_table(30_000, 3).decode().encode("gbk"), "超过 20000 行"),
])
def test_rows_columns_and_cells_over_the_limit_are_refused(data, words):
    message, _seconds = refusal(data)
    assert message.startswith("文件超出限制") and words in message


def test_one_far_cell_counts_as_the_rectangle_pandas_would_build():
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
             b'<row r="19000"><c r="GR19000"><v>1</v></c></row></sheetData></worksheet>')
    message, _seconds = refusal(_with_sheet(sheet))
    assert "个单元格" in message


def _with_sheet(sheet: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_table(1, 1)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = sheet if member.filename == "xl/worksheets/sheet1.xml" else source.read(member)
            archive.writestr(member.filename, data)
    return buffer.getvalue()


def test_a_sheet_stored_anywhere_in_the_zip_is_counted():
    """openpyxl follows the workbook's relationships, so a sheet need not be in xl/worksheets/."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_table(2000, 101, dimension="A1")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member).replace(b"worksheets/sheet1.xml", b"../hidden/data.bin")
            name = "hidden/data.bin" if member.filename == "xl/worksheets/sheet1.xml" else member.filename
            archive.writestr(name, data)
    message, _seconds = refusal(buffer.getvalue())
    assert "个单元格" in message


def test_a_dtd_or_entity_in_a_worksheet_is_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    message, _seconds = refusal(_with_sheet(laughs))
    assert "DTD" in message


def test_the_decompressed_size_and_member_count_are_limited():
    assert "解压后超过" in refusal(xlsx_table(20_000, 10), decompressed_bytes=1024 * 1024)[0]
    assert "部件" in refusal(xlsx_table(1, 1), zip_members=3)[0]


def test_files_within_the_limits_pass_with_their_counts():
    counts = table_limits_check(xlsx_table(20_000, 10))
    assert counts["cells"] == 200_000 and counts["max_row"] == 20_000 and counts["max_column"] == 10
    assert table_limits_check(csv_table(20_000, 10)) == {"rows": 20_000, "cells": 200_000, "max_column": 10}
    assert table_limits_check("订单号\t手机号\n1\t13800138000\n".encode("gbk"))["max_column"] == 2
    # not a table at all: the caller's parser explains what it is
    assert table_limits_check(b"PK\x03\x04 not a zip") == {}
    assert table_limits_check(b"\x89PNG\r\n\x1a\n\x00\x00") == {}


def test_limits_come_from_settings(settings):
    settings.FILE_LIMITS = {"rows": 5}
    assert "超过 5 行" in refusal(csv_table(6, 2))[0]
    settings.FILE_LIMITS = {"rowz": 5}
    with pytest.raises(ValueError, match="rowz"):
        file_limits()


def _sleep(seconds):
    time.sleep(seconds)
    return "woke"


def _allocate(megabytes):
    return len(bytearray(megabytes * 1024 * 1024))


def _spin():
    while True:
        pass


def _fail():
    raise LookupError("bad cell")


def test_a_bounded_call_stops_at_its_time_and_memory_budget_and_passes_results_back():
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as slow:
        call_bounded(_sleep, 30, seconds=0.5, memory_bytes=64 * 1024 * 1024)
    assert slow.value.kind == "wall" and time.monotonic() - started < 3  # under its CPU budget: not the input
    with pytest.raises(BudgetExceeded) as busy:  # CPU seconds: SIGXCPU (or, on a very busy machine, the wall clock)
        call_bounded(_spin, seconds=1, memory_bytes=64 * 1024 * 1024)
    assert busy.value.kind in ("time", "wall")
    with pytest.raises(BudgetExceeded) as hungry:
        call_bounded(_allocate, 400, seconds=10, memory_bytes=64 * 1024 * 1024)
    assert hungry.value.kind == "memory"
    assert call_bounded(_allocate, 8, seconds=10, memory_bytes=64 * 1024 * 1024) == 8 * 1024 * 1024
    assert call_bounded(_sleep, 0, seconds=5, memory_bytes=64 * 1024 * 1024) == "woke"
    with pytest.raises(LookupError, match="bad cell"):
        call_bounded(_fail, seconds=5, memory_bytes=64 * 1024 * 1024)
