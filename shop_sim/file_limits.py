"""Resource limits for every spreadsheet or CSV a user hands in, checked *before* it is parsed.

A few kilobytes of XLSX can declare millions of cells (the sheet XML compresses ~1000:1), and
openpyxl/pandas then hold every one of them in memory — a 64 KB upload once took the grader 91 s and
350 MB. So before any parser sees a file, ``table_limits_check`` looks at it cheaply and stops early:

* XLSX: the zip directory first (member count, declared uncompressed sizes, per-member compression
  ratio), then each worksheet's ``<dimension ref>``, then the worksheet XML itself streamed through
  expat, counting rows, cells and the furthest row/column, giving up at the first limit or at the
  time limit (CPU time of the calling thread). A DTD or entity declaration (never in a real workbook) is refused.
* CSV/text: bytes, then rows, columns and cells counted by the csv module, again stopping early.

This module sits in shop_sim (the lowest layer) so the file centre, the grader's ``file`` check
and the examiners' candidate import share one definition. Limits come from ``settings.FILE_LIMITS``
(any subset of ``FileLimits``' fields) over the defaults below.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass, fields, replace
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

CSV_DELIMITERS = ",\t;|，"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:row|c)[\s>/]|<!DOCTYPE|<!ENTITY")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3}\d+)(?::([A-Z]{1,3}\d+))?\"")
_READ_CHUNK = 64 * 1024
_CHECK_EVERY = 4096  # elements between two looks at the clock


@dataclass(frozen=True)
class FileLimits:
    """What one handed-in table may contain (all sheets of a workbook together)."""

    rows: int = 20_000
    columns: int = 200
    cells: int = 200_000
    decompressed_bytes: int = 20 * 1024 * 1024
    zip_members: int = 200
    # A member larger than ratio_floor_bytes may be at most this many times its compressed size.
    zip_ratio: int = 100
    ratio_floor_bytes: int = 1024 * 1024
    # CPU seconds for this check (the thread's own, so a busy machine does not refuse a good file)
    # and for the grader's parse of the file (its child process; wall-clock stop at 3×).
    seconds: float = 20.0
    # Memory the grader's parse may add (bytes of address space in its subprocess).
    parse_memory_bytes: int = 512 * 1024 * 1024


def file_limits(**overrides) -> FileLimits:
    """The configured limits (settings.FILE_LIMITS over the defaults), with ``overrides`` on top."""
    configured = dict(getattr(settings, "FILE_LIMITS", None) or {})
    known = {f.name for f in fields(FileLimits)}
    unknown = set(configured) - known
    if unknown:
        raise ValueError(f"settings.FILE_LIMITS: unknown keys {sorted(unknown)}")
    return replace(FileLimits(**configured), **overrides)


class FileLimitExceeded(Exception):
    """The file is over a limit; ``message`` tells the user which, in their words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


def _too_many_rows(limits: FileLimits) -> FileLimitExceeded:
    return FileLimitExceeded(_("文件超出限制：表格超过 %(max)d 行，请只保留需要的数据") % {"max": limits.rows})


def _too_many_columns(limits: FileLimits) -> FileLimitExceeded:
    return FileLimitExceeded(_("文件超出限制：表格超过 %(max)d 列，请只保留需要的数据") % {"max": limits.columns})


def _too_many_cells(limits: FileLimits) -> FileLimitExceeded:
    return FileLimitExceeded(_("文件超出限制：表格超过 %(max)d 个单元格，请只保留需要的数据") % {"max": limits.cells})


def too_slow(limits: FileLimits) -> FileLimitExceeded:
    return FileLimitExceeded(_("文件超出限制：读取超过 %(seconds)s 秒，请只保留需要的数据")
                             % {"seconds": f"{limits.seconds:g}"})


def too_big_in_memory(limits: FileLimits) -> FileLimitExceeded:
    return FileLimitExceeded(_("文件超出限制：读取所需内存超过 %(mb)s MB，请只保留需要的数据")
                             % {"mb": _mb(limits.parse_memory_bytes)})


def column_number(letters: str) -> int:
    """'A' → 1, 'Z' → 26, 'AA' → 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


# -- XLSX ------------------------------------------------------------------------------------------

class _SheetCounter:
    """Counts a worksheet's rows and cells as expat streams it; raises at the first limit."""

    def __init__(self, limits: FileLimits, totals: dict[str, int], deadline: float):
        self.limits, self.totals, self.deadline = limits, totals, deadline
        self.row = 0  # the current row's number
        self.column = 0  # the current cell's column number
        self.elements = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2] if ":" in name else name
        if local == "row":
            self.totals["row_elements"] += 1
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            self.column = 0
            if self.row > self.limits.rows or self.totals["row_elements"] > self.limits.rows:
                raise _too_many_rows(self.limits)
        elif local == "c":
            self.totals["cells"] += 1
            match = _CELL_REF.match(attributes.get("r", ""))
            if match:
                self.column = column_number(match.group(1))
                self.row = max(self.row, int(match.group(2)))
            else:
                self.column += 1
            if self.totals["cells"] > self.limits.cells:
                raise _too_many_cells(self.limits)
            if self.column > self.limits.columns:
                raise _too_many_columns(self.limits)
            if self.row > self.limits.rows:
                raise _too_many_rows(self.limits)
            self.totals["max_row"] = max(self.totals["max_row"], self.row)
            self.totals["max_column"] = max(self.totals["max_column"], self.column)
            # what pandas builds is the rectangle, not only the cells written
            if self.totals["max_row"] * self.totals["max_column"] > self.limits.cells:
                raise _too_many_cells(self.limits)
        self.elements += 1
        if self.elements % _CHECK_EVERY == 0 and time.thread_time() > self.deadline:
            raise too_slow(self.limits)


def _no_dtd(*_args) -> None:
    raise FileLimitExceeded(_("文件超出限制：Excel 文件中含有不允许的 XML 声明（DTD/实体）"))


def _dimension_check(head: bytes, limits: FileLimits) -> None:
    """The sheet's own ``<dimension ref="A1:C100">``: refuse at once if it declares too much."""
    match = _DIMENSION.search(head)
    if not match:
        return
    last = _CELL_REF.match((match.group(2) or match.group(1)).decode())
    if not last:
        return
    rows, columns = int(last.group(2)), column_number(last.group(1))
    if rows > limits.rows:
        raise _too_many_rows(limits)
    if columns > limits.columns:
        raise _too_many_columns(limits)
    if rows * columns > limits.cells:
        raise _too_many_cells(limits)


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo):
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_READ_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return  # damaged: the parser that follows says so in its own words


def _has_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo, deadline: float, limits: FileLimits) -> bool:
    """A quick pass over the raw bytes (C speed): does this part hold anything worth counting?"""
    tail = b""
    for chunk in _chunks(archive, member):
        if _CELL_TAG.search(tail + chunk):
            return True
        tail = chunk[-64:]
        if time.thread_time() > deadline:
            raise too_slow(limits)
    return False


def _count_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo, counter: _SheetCounter, limits: FileLimits,
                 deadline: float) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = counter.start
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    first = True
    try:
        for chunk in _chunks(archive, member):
            if first:
                _dimension_check(chunk[:4096], limits)
                first = False
            parser.Parse(chunk, False)
            if time.thread_time() > deadline:
                raise too_slow(limits)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return  # not XML (or damaged): the parser that follows says so, if it reads this part at all


def xlsx_limits_check(data: bytes, *, limits: FileLimits | None = None) -> dict[str, int]:
    """Raise FileLimitExceeded if the workbook in ``data`` is over ``limits``; else its counts.
    A zip that is not a readable workbook passes (the caller's parser reports it as damaged)."""
    limits = limits or file_limits()
    deadline = time.thread_time() + limits.seconds
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}
    totals = {"row_elements": 0, "cells": 0, "max_row": 0, "max_column": 0, "decompressed": 0}
    with archive:
        members = archive.infolist()
        if len(members) > limits.zip_members:
            raise FileLimitExceeded(_("文件超出限制：Excel 文件内含 %(n)d 个部件，上限 %(max)d 个")
                                    % {"n": len(members), "max": limits.zip_members})
        for member in members:
            totals["decompressed"] += member.file_size
            ratio_suspect = (member.file_size > limits.ratio_floor_bytes
                             and member.file_size > limits.zip_ratio * max(member.compress_size, 1))
            if ratio_suspect:
                raise FileLimitExceeded(_("文件超出限制：Excel 文件的压缩比异常（超过 %(ratio)d 倍），请重新导出后上传")
                                        % {"ratio": limits.zip_ratio})
        if totals["decompressed"] > limits.decompressed_bytes:
            raise FileLimitExceeded(_("文件超出限制：Excel 文件解压后超过 %(mb)s MB")
                                    % {"mb": _mb(limits.decompressed_bytes)})
        for member in members:
            # A sheet may sit at any path the workbook's relationships name, so every part that
            # holds a row or cell tag (or a DTD) is counted, not only xl/worksheets/*.xml.
            if _has_cells(archive, member, deadline, limits):
                _count_cells(archive, member, _SheetCounter(limits, totals, deadline), limits, deadline)
    return totals


# -- CSV -------------------------------------------------------------------------------------------

def text_decode(data: bytes) -> str | None:
    """CSV bytes as text the way the readers try them (UTF-16 with BOM, UTF-8 with or without BOM,
    GB18030 — a superset of GBK); None if none fits."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def csv_delimiter(text: str) -> str:
    """The delimiter Excel & co. used (comma, tab, semicolon, bar, full-width comma); comma if unsure."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def csv_limits_check(text: str, *, limits: FileLimits | None = None, delimiter: str | None = None) -> dict[str, int]:
    """Raise FileLimitExceeded if the CSV ``text`` has too many rows, columns or cells (counted by
    the csv module, stopping at the first limit); else its counts. A malformed CSV passes (the
    caller's parser reports it)."""
    limits = limits or file_limits()
    deadline = time.thread_time() + limits.seconds
    delimiter = delimiter or csv_delimiter(text)
    rows = cells = widest = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if not record:
                continue
            rows += 1
            cells += len(record)
            widest = max(widest, len(record))
            if rows > limits.rows:
                raise _too_many_rows(limits)
            if widest > limits.columns:
                raise _too_many_columns(limits)
            if cells > limits.cells:
                raise _too_many_cells(limits)
            if rows % _CHECK_EVERY == 0 and time.thread_time() > deadline:
                raise too_slow(limits)
    except csv.Error:
        pass
    return {"rows": rows, "cells": cells, "max_column": widest}


def table_limits_check(data: bytes, *, limits: FileLimits | None = None) -> dict[str, int]:
    """The check for any handed-in table: a zip is checked as a workbook, anything else as CSV text
    (if it decodes at all). Raises FileLimitExceeded; returns the counts found."""
    limits = limits or file_limits()
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return xlsx_limits_check(data, limits=limits)
    text = text_decode(data)
    if text is None or "\x00" in text:
        return {}
    return csv_limits_check(text, limits=limits)
