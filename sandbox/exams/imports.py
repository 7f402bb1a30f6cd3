"""Reading a candidate list (考生名单) from CSV or XLSX and checking every row, without writing.

The file is judged by its bytes, not its name: a ZIP container is read as an XLSX workbook
(openpyxl, read-only), anything else must be text in UTF-8 (with or without BOM), GBK or GB18030 —
tried strictly in that order, so a GBK file is never half-read as UTF-8. Before either is parsed
the file must be within the file limits (``shop_sim.file_limits``). Every problem is collected
as (row as the user sees it, column, message), so an examiner fixes a file in one pass; the
service (``manage_services.registrations_import``) writes nothing unless this finds nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop_sim.file_limits import FileLimitExceeded, table_limits_check

from .models import IdType, Level

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Physical rows (blank ones included) read from a sheet before giving up: a 2 MB workbook can
# declare millions of empty styled rows.
MAX_SHEET_ROWS = 20000
MAX_COLUMNS = 30
NAME_MAX = 50

# canonical key -> the header the template uses (msgid, shown translated in messages)
COLUMNS = {
    "name": gettext_lazy("姓名"),
    "id_type": gettext_lazy("证件类型"),
    "id_number": gettext_lazy("证件号码"),
    "level": gettext_lazy("级别"),
    "module_score": gettext_lazy("过程模块成绩"),
    "theory_score": gettext_lazy("理论成绩"),
}
REQUIRED = ("name", "id_type", "id_number", "level")
TEMPLATE_HEADERS = ["姓名", "证件类型", "证件号码", "级别", "过程模块成绩", "理论成绩"]
HEADER_ALIASES = {
    "姓名": "name", "name": "name", "考生姓名": "name",
    "证件类型": "id_type", "idtype": "id_type",
    "证件号码": "id_number", "证件号": "id_number", "idnumber": "id_number",
    "级别": "level", "level": "level", "报考级别": "level",
    "过程模块成绩": "module_score", "过程模块测验成绩": "module_score", "modulescore": "module_score",
    "理论成绩": "theory_score", "理论知识成绩": "theory_score", "theoryscore": "theory_score",
}

_SIGNATURES = (
    (b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"%PDF", "PDF"),
    (b"\xd0\xcf\x11\xe0", "XLS"), (b"Rar!", "RAR"), (b"\x1f\x8b", "GZIP"), (b"7z\xbc\xaf", "7Z"),
)
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"
_RESIDENT_RE = re.compile(r"^\d{17}[\dX]$")
_OTHER_ID_RE = re.compile(r"^[A-Z0-9]{5,30}$")
_SCIENTIFIC_RE = re.compile(r"^\d+(\.\d+)?E\+?\d+$")
_SCORE_RE = re.compile(r"^\d{1,3}(\.\d{1,2})?$")
_HTML_RE = re.compile(r"[<>]|&[#\w]+;")
_CHINESE_DIGITS = {"5": "五", "4": "四", "3": "三", "2": "二", "1": "一"}
_LEVEL_NAMES = {"5": "初级工", "4": "中级工", "3": "高级工", "2": "技师", "1": "高级技师"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: row (None = the file as a whole), column header, message."""

    row: int | None
    column: str
    message: str


@dataclass(frozen=True)
class CandidateRow:
    """A clean row, normalised for storing."""

    row: int
    full_name: str
    id_type: str
    id_number: str
    module_score: Decimal | None
    theory_score: Decimal | None


class ImportFileError(Exception):
    """The file cannot be read as a table at all (wrong type, encoding, damaged, too big)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- reading the table -----------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(_("不支持 UTF-16 编码的文件，请另存为“CSV UTF-8”或 XLSX"))
    if data.startswith(codecs.BOM_UTF8):
        candidates = (("utf-8", data[len(codecs.BOM_UTF8):]),)
    else:
        candidates = (("utf-8", data), ("gbk", data), ("gb18030", data))
    for encoding, payload in candidates:
        try:
            return payload.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("无法识别文件编码：CSV 文件须为 UTF-8 或 GBK/GB18030 编码"))


def _is_binary(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text)


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            if kind == "XLS":
                raise ImportFileError(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV"))
            raise ImportFileError(_("文件内容不是 CSV 表格（看起来是 %(kind)s 文件）") % {"kind": kind})
    binary = _("文件内容不是 CSV 文本表格（含有二进制数据），请上传 CSV 或 XLSX 文件")
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(binary)
    text = _decode(data)
    if _is_binary(text):
        raise ImportFileError(binary)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        return [(number, [cell.strip() for cell in record]) for number, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError(_("CSV 文件格式错误：%(error)s") % {"error": exc}) from exc


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    rows = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                if number > MAX_SHEET_ROWS:
                    raise ImportFileError(_("文件行数过多：最多 %(max)d 名考生") % {"max": MAX_ROWS})
                rows.append((number, [_cell_text(v) for v in values]))
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors of a damaged workbook
        raise ImportFileError(_("XLSX 文件已损坏、不完整或不是 Excel 工作簿，请重新导出后上传")) from exc
    return rows


def table_read(data: bytes, *, filename: str = "") -> list[tuple[int, list[str]]]:
    """The file's rows as (row number as the user sees it, cell texts). Raises ImportFileError."""
    if not data:
        raise ImportFileError(_("文件是空的"))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("文件不能超过 2 MB"))
    try:  # before any parser: 2 MB of XLSX can hold millions of cells
        table_limits_check(data)
    except FileLimitExceeded as exc:
        raise ImportFileError(exc.message) from None
    if data.startswith(b"PK\x03\x04") or zipfile.is_zipfile(io.BytesIO(data)):
        return _xlsx_rows(data)
    if filename.lower().endswith(".xlsx"):
        raise ImportFileError(_("XLSX 文件已损坏、不完整或不是 Excel 工作簿，请重新导出后上传"))
    return _csv_rows(data)


# -- checking the rows -----------------------------------------------------------------------------

def _key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text).replace("\ufeff", "")).lower()


def _translations(choices) -> dict[str, str]:
    """label or value (in every language, spaces removed) -> value."""
    found = {}
    for value, label in choices:
        found[_key(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[_key(str(label))] = value
    return found


def id_type_aliases() -> dict[str, str]:
    aliases = _translations(IdType.choices)
    aliases[_key("身份证")] = IdType.RESIDENT
    return aliases


def level_aliases() -> dict[str, str]:
    """"四级", "4", "中级工", "四级/中级工" (and the English labels) -> the Level value."""
    aliases = _translations(Level.choices)
    for value, digit in _CHINESE_DIGITS.items():
        name = _LEVEL_NAMES[value]
        for text in (value, f"{digit}级", f"{value}级", name, f"{digit}级/{name}", f"{digit}级{name}"):
            aliases[_key(text)] = value
    return aliases


def resident_id_problem(number: str) -> str | None:
    """Why ``number`` (upper-cased) is not a valid 居民身份证 number, or None."""
    if len(number) != 18:
        return _("居民身份证号码应为 18 位（当前 %(n)d 位）") % {"n": len(number)}
    if not _RESIDENT_RE.match(number):
        return _("居民身份证号码前 17 位应为数字，最后一位为数字或 X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > date.today():
        return _("居民身份证号码中的出生日期 %(date)s 无效") % {"date": number[6:14]}
    total = sum(int(d) * w for d, w in zip(number[:17], _RESIDENT_WEIGHTS, strict=True))
    if _RESIDENT_CHECK[total % 11] != number[17]:
        return _("居民身份证号码校验位不符，请核对号码")
    return None


def id_number_normalise(text: str) -> str:
    """Full-width to ASCII, spaces removed, upper case (the stored and compared form)."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text or "")).upper()


def _header(cells: list[str], row: int, problems: list[Problem]) -> dict[str, tuple[int, str]]:
    """canonical key -> (column index, header text as written)."""
    columns: dict[str, tuple[int, str]] = {}
    for index, text in enumerate(cells):
        if not text.strip():
            continue
        key = HEADER_ALIASES.get(_key(text))
        if key is None:
            problems.append(Problem(row, text, _("未知的列名（可用列：%(names)s）")
                                    % {"names": "、".join(str(v) for v in COLUMNS.values())}))
        elif key in columns:
            problems.append(Problem(row, text, _("列名重复")))
        else:
            columns[key] = (index, text.strip())
    for key in REQUIRED:
        if key not in columns:
            problems.append(Problem(row, str(COLUMNS[key]), _("缺少必填列")))
    return columns


class _RowChecker:
    """The checks of one data row, given the header's columns and the exam's level."""

    def __init__(self, columns: dict[str, tuple[int, str]], level: str, problems: list[Problem]):
        self.columns = columns
        self.level = level
        self.level_label = Level(level).label
        self.problems = problems
        self.id_types = id_type_aliases()
        self.levels = level_aliases()
        self.width = max(index for index, _text in columns.values()) + 1

    def _cell(self, cells: list[str], key: str) -> tuple[str, str]:
        index, header = self.columns.get(key, (None, str(COLUMNS[key])))
        return (cells[index].strip() if index is not None else ""), header

    def _add(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))

    def _name(self, row: int, cells: list[str]) -> str:
        name, column = self._cell(cells, "name")
        name = unicodedata.normalize("NFKC", name).strip()
        if not name:
            self._add(row, column, _("姓名不能为空"))
        elif len(name) > NAME_MAX:
            self._add(row, column, _("姓名不能超过 %(max)d 个字（当前 %(n)d 个）") % {"max": NAME_MAX, "n": len(name)})
        elif _HTML_RE.search(name) or _is_binary(name):
            self._add(row, column, _("姓名不能包含 HTML 标记、尖括号或控制字符"))
        return name

    def _id_type(self, row: int, cells: list[str]) -> str | None:
        text, column = self._cell(cells, "id_type")
        id_type = self.id_types.get(_key(text))
        if not text:
            self._add(row, column, _("证件类型不能为空"))
        elif id_type is None:
            names = "、".join(str(label) for label in IdType.labels)
            self._add(row, column, _("证件类型“%(value)s”无效，应为：%(names)s") % {"value": text[:30], "names": names})
        return id_type

    def _id_number(self, row: int, cells: list[str], id_type: str | None) -> tuple[str, bool]:
        raw, column = self._cell(cells, "id_number")
        number = id_number_normalise(raw)
        if not number:
            self._add(row, column, _("证件号码不能为空"))
        elif _SCIENTIFIC_RE.match(number):
            self._add(row, column, _("证件号码被表格软件存成了科学计数法（%(value)s），请把该列设为“文本”后重新填写")
                      % {"value": raw[:30]})
        elif id_type == IdType.RESIDENT:
            reason = resident_id_problem(number)
            if reason is None:
                return number, True
            self._add(row, column, reason)
        elif id_type is not None:
            if _OTHER_ID_RE.match(number):
                return number, True
            self._add(row, column, _("证件号码应为 5–30 位字母或数字"))
        return number, False

    def _level(self, row: int, cells: list[str]) -> None:
        text, column = self._cell(cells, "level")
        value = self.levels.get(_key(text))
        if not text:
            self._add(row, column, _("级别不能为空"))
        elif value is None:
            self._add(row, column, _("无法识别的级别“%(value)s”") % {"value": text[:30]})
        elif value != self.level:
            self._add(row, column, _("级别“%(value)s”与本场考试的级别（%(level)s）不符")
                      % {"value": text[:30], "level": self.level_label})

    def _score(self, row: int, cells: list[str], key: str) -> Decimal | None:
        text, column = self._cell(cells, key)
        text = unicodedata.normalize("NFKC", text).strip()
        if not text:
            return None
        value = Decimal(text) if _SCORE_RE.match(text) else None
        if value is None or value > 100:
            self._add(row, column, _("应为 0–100 之间的数，最多两位小数（当前为“%(value)s”）") % {"value": text[:20]})
            return None
        return value

    def check(self, row: int, cells: list[str]) -> tuple[CandidateRow | None, str | None]:
        """The clean row (None if it has problems) and its id number if that alone is valid."""
        before = len(self.problems)
        cells = cells + [""] * (self.width - len(cells))
        if any(c.strip() for c in cells[self.width:]):
            self._add(row, "", _("该行的列数多于表头"))
        name = self._name(row, cells)
        id_type = self._id_type(row, cells)
        id_number, id_ok = self._id_number(row, cells, id_type)
        self._level(row, cells)
        module_score = self._score(row, cells, "module_score")
        theory_score = self._score(row, cells, "theory_score")
        valid_id = id_number if id_ok else None
        if len(self.problems) != before:
            return None, valid_id
        return CandidateRow(row=row, full_name=name, id_type=id_type, id_number=id_number,
                            module_score=module_score, theory_score=theory_score), valid_id


@dataclass(frozen=True)
class CheckedTable:
    """The clean rows, every problem found (by row), the id-number column's header as written and
    every well-formed id number with the rows it is on (for the check against the database)."""

    rows: list[CandidateRow]
    problems: list[Problem]
    id_column: str
    ids: dict[str, list[int]]


def rows_check(table: list[tuple[int, list[str]]], *, level: str) -> CheckedTable:
    """Check every data row against the rules and the exam's ``level``; duplicates within the file
    are reported on both rows."""
    problems: list[Problem] = []
    table = [(number, cells) for number, cells in table if any(c.strip() for c in cells)]
    if not table:
        raise ImportFileError(_("文件中没有任何内容"))
    header_row, header_cells = table[0]
    columns = _header(header_cells, header_row, problems)
    data = table[1:]
    if not data:
        raise ImportFileError(_("文件中只有表头，没有考生数据"))
    if len(data) > MAX_ROWS:
        raise ImportFileError(_("文件行数过多：一次最多导入 %(max)d 名考生（当前 %(n)d 行）")
                              % {"max": MAX_ROWS, "n": len(data)})
    if any(key not in columns for key in REQUIRED):
        return CheckedTable([], problems, "", {})
    checker = _RowChecker(columns, level, problems)
    clean: list[CandidateRow] = []
    seen: dict[str, list[int]] = {}
    for number, cells in data:
        row, id_number = checker.check(number, cells)
        if row is not None:
            clean.append(row)
        if id_number:
            seen.setdefault(id_number, []).append(number)
    id_column = columns["id_number"][1]
    for numbers in seen.values():
        for number in numbers if len(numbers) > 1 else ():
            others = "、".join(str(n) for n in numbers if n != number)
            problems.append(Problem(number, id_column, _("证件号码与第 %(rows)s 行重复") % {"rows": others}))
    problems.sort(key=lambda p: p.row or 0)
    duplicated = {n for numbers in seen.values() if len(numbers) > 1 for n in numbers}
    return CheckedTable([row for row in clean if row.row not in duplicated], problems, id_column, seen)


def template_csv() -> bytes:
    """The import template: the headers only, UTF-8 with BOM so Excel opens it correctly."""
    return codecs.BOM_UTF8 + (",".join(TEMPLATE_HEADERS) + "\r\n").encode("utf-8")
